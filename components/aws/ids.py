"""Patterns for AWS names and ids, shared by the AWS components' validation.

``REGION`` matches only the regions botocore's partition data lists (``regions.py``), so a
well-formed but non-existent name (``eu-central-9``) is refused wherever it is used;
``AZ_ID`` matches an AZ id of any of them. ``regions.check_region``/``check_az_id`` give the
better message (a suggestion, the region an AZ id must belong to).
"""

import re

from .regions import regions, zone_id_prefix

REGION = "(?:" + "|".join(re.escape(r) for r in sorted(regions(), key=lambda r: (-len(r), r))) + ")"
AZ_ID = (
    "(?:"
    + "|".join(sorted({re.escape(zone_id_prefix(r)) for r in regions()}, key=lambda p: (-len(p), p)))
    + r")-az\d{1,2}"
)


def resource_id(prefix: str) -> str:
    """EC2-style ids: ``<prefix>-`` and 8 (older) or 17 hex digits."""
    return rf"{prefix}-[0-9a-f]{{8}}([0-9a-f]{{9}})?"


VPC_ID = resource_id("vpc")
SUBNET_ID = resource_id("subnet")
ROUTE_TABLE_ID = resource_id("rtb")
INSTANCE_ID = resource_id("i")
AMI_ID = resource_id("ami")
