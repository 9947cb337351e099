"""AWS regions and Availability Zone ids, from the partition data botocore ships.

The regions are the ``regions`` of each partition in ``botocore/data/partitions.json`` (the file
the AWS SDKs resolve endpoints from; botocore comes with boto3), without the ``aws-global``-style
pseudo regions. An AZ id is ``<prefix>-az<n>``, the prefix derived from the region name
(``us-west-2`` -> ``usw2``, ``ap-southeast-1`` -> ``apse1``, ``us-gov-west-1`` -> ``usgw1``; see
https://docs.aws.amazon.com/global-infrastructure/latest/regions/az-ids.html). Partitions whose
AZ-id scheme AWS does not publish (``aws-iso*``, ``aws-eusc``) have no prefix here: their AZ ids
are checked for shape only.
"""

from __future__ import annotations

import difflib
import json
from functools import cache
from importlib import util
from pathlib import Path

from ..validation import Problems

_DIRECTIONS = {
    "east": "e",
    "west": "w",
    "north": "n",
    "south": "s",
    "central": "c",
    "northeast": "ne",
    "southeast": "se",
    "northwest": "nw",
    "southwest": "sw",
}
# Partitions with a published AZ-id scheme (commercial, China, GovCloud).
_AZ_ID_PARTITIONS = ("aws", "aws-cn", "aws-us-gov")


@cache
def _partitions() -> dict[str, tuple[str, ...]]:
    """Partition id -> its region names, read from botocore's ``data/partitions.json``."""
    spec = util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "botocore is not installed: AWS region names cannot be checked (pip install boto3)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "partitions.json"
    data = json.loads(path.read_text())
    return {
        p["id"]: tuple(sorted(r for r in p.get("regions", {}) if not r.endswith("-global")))
        for p in data["partitions"]
    }


def botocore_version() -> str:
    from botocore import __version__

    return __version__


def regions() -> frozenset[str]:
    """Every AWS region botocore knows, in every partition."""
    return frozenset(r for names in _partitions().values() for r in names)


def partition_of(region: str) -> str | None:
    return next((p for p, names in _partitions().items() if region in names), None)


def zone_id_prefix(region: str) -> str:
    """The AZ-id prefix of a region name: us-west-2 -> usw2, ap-southeast-1 -> apse1,
    us-gov-west-1 -> usgw1, cn-northwest-1 -> cnnw1. Works on any ``<area>-<words>-<n>`` name."""
    parts = region.split("-")
    area, middle, number = parts[0], parts[1:-1], parts[-1]
    if middle and middle[0] == "gov":
        area, middle = area + "g", middle[1:]
    return area + "".join(_DIRECTIONS.get(m, m[:2]) for m in middle) + number


def _suggest(value: str, choices: frozenset[str]) -> str:
    close = difflib.get_close_matches(value, sorted(choices), n=1)
    return f"did you mean {close[0]}? " if close else ""


def check_region(problems: Problems, value: object, field: str) -> str | None:
    """Record a problem unless ``value`` is a region botocore knows; return it when it is."""
    known = regions()
    if isinstance(value, str) and value in known:
        return value
    hint = _suggest(value, known) if isinstance(value, str) else ""
    problems.add(field, value, f"an AWS region ({hint}botocore {botocore_version()} knows {len(known)})")
    return None


def check_az_id(problems: Problems, value: object, field: str, region: str | None) -> str | None:
    """Record a problem unless ``value`` is an AZ id (``usw2-az1``) of ``region`` (when known)."""
    import re

    if not isinstance(value, str) or not re.fullmatch(r"[a-z]{3,8}\d{1,2}-az\d{1,2}", value):
        problems.add(field, value, "an AZ id such as usw2-az1")
        return None
    if region is None:
        if value.split("-az")[0] not in {zone_id_prefix(r) for r in regions()}:
            problems.add(field, value, "an AZ id of a region AWS has (usw2-az1 is in us-west-2)")
            return None
        return value
    if partition_of(region) in _AZ_ID_PARTITIONS:
        expected = zone_id_prefix(region)
        if not value.startswith(expected + "-"):
            problems.add(field, value, f"an AZ id of region {region} ({expected}-az1, {expected}-az2, ...)")
            return None
        return value
    # any other partition: the prefix must at least belong to some known region
    if not any(value.startswith(zone_id_prefix(r) + "-") for r in regions()):
        problems.add(field, value, f"an AZ id of region {region}")
        return None
    return value
