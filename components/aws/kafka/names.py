"""Cloud-side names of the NLB and its target groups: explicit, deterministic, within AWS's limits.

AWS allows 32 characters for both, letters, digits and hyphens, no hyphen at either end, and no
load balancer name starting with ``internal-`` (pulumi-aws ``lb.LoadBalancer``/``lb.TargetGroup``
``name`` docs; Elastic Load Balancing API ``CreateLoadBalancer``). Pulumi's auto-names append 8
characters to the resource name, so a component name over 11 characters did not fit. These names
are ``<component name, cut to fit>-<5 hex of project/stack/component>-<role>``: unique per stack
(two stacks of one account and region never collide), the same on every run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from typing import NamedTuple

from ...validation import Problems

MAX_LENGTH = 32
BOOTSTRAP_ROLE = "boot"
HASH_LENGTH = 5
# stem + "-" + hash + "-" + the longest role ("boot"; "b49" and "nlb" are shorter)
STEM_LENGTH = MAX_LENGTH - 1 - HASH_LENGTH - 1 - len(BOOTSTRAP_ROLE)
COMPONENT_NAME_RE = r"[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?"


class ElbNames(NamedTuple):
    nlb: str
    target_groups: dict[str, str]  # "bootstrap" or the node id as text -> name


def check_component_name(name: str, problems: Problems, field: str = "name") -> None:
    """The component name seeds the NLB and target group names: it must be usable in them."""
    if not isinstance(name, str) or not re.fullmatch(COMPONENT_NAME_RE, name):
        problems.add(
            field,
            name,
            "letters, digits and hyphens, starting and ending with a letter or digit (it forms the "
            "NLB and target group names, which AWS limits to those characters)",
        )
    elif name.lower().startswith("internal-"):
        problems.add(field, name, "a name not starting with 'internal-' (AWS refuses such NLB names)")


def elb_names(component: str, project: str, stack: str, node_ids: Iterable[int]) -> ElbNames:
    """The NLB's and the target groups' names for ``component`` in ``project``/``stack``."""
    digest = hashlib.sha256(f"{project}/{stack}/{component}".encode()).hexdigest()[:HASH_LENGTH]
    stem = f"{component[:STEM_LENGTH].rstrip('-')}-{digest}"
    groups = {"bootstrap": f"{stem}-{BOOTSTRAP_ROLE}"}
    groups.update({str(n): f"{stem}-b{n}" for n in sorted(node_ids)})
    return ElbNames(nlb=f"{stem}-nlb", target_groups=groups)
