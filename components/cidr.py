"""IPv4 CIDR helpers: parsing, overlap checks, and the n-th subnet of a given size in a network."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from .validation import Problems

Network = ipaddress.IPv4Network


def parse(value: Any) -> Network | None:
    """The network for a strict CIDR string (host bits zero), else None."""
    if not isinstance(value, str) or "/" not in value:
        return None
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        return None


def check(
    problems: Problems, value: Any, field_name: str, min_prefix: int = 0, max_prefix: int = 32
) -> Network | None:
    """Parse ``value`` as a CIDR, recording a problem naming ``field_name`` if it is not one."""
    net = parse(value)
    if net is None:
        problems.add(field_name, value, "an IPv4 CIDR with zero host bits, such as 10.0.0.0/16")
        return None
    if not min_prefix <= net.prefixlen <= max_prefix:
        problems.add(field_name, value, f"a prefix length from /{min_prefix} to /{max_prefix}")
        return None
    return net


def overlapping_pairs(named: Mapping[str, Network]) -> list[tuple[str, str]]:
    """Every pair of names whose networks overlap, in a stable order."""
    items = list(named.items())
    pairs = []
    for i, (name_a, net_a) in enumerate(items):
        for name_b, net_b in items[i + 1 :]:
            if net_a.overlaps(net_b):
                pairs.append((name_a, name_b))
    return pairs


def report_overlaps(problems: Problems, named: Mapping[str, Network]) -> None:
    for a, b in overlapping_pairs(named):
        problems.add(a, str(named[a]), f"must not overlap {b} ({named[b]})")


def subnet_at(parent: Network, new_prefix: int, index: int) -> Network:
    """The ``index``-th subnet of size ``/new_prefix`` inside ``parent``.

    Indexing is positional inside the parent, so a subnet's CIDR depends only on
    its own index, never on how many other subnets exist.
    """
    if new_prefix < parent.prefixlen or new_prefix > 32:
        raise ValueError(f"/{new_prefix} does not fit in {parent}")
    count = 1 << (new_prefix - parent.prefixlen)
    if not 0 <= index < count:
        raise ValueError(f"{parent} holds {count} /{new_prefix} subnets; index {index} is outside")
    size = 1 << (32 - new_prefix)
    return ipaddress.IPv4Network((int(parent.network_address) + index * size, new_prefix))
