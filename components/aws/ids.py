"""Patterns for AWS names and ids, shared by the AWS components' validation."""

REGION = r"[a-z]{2}(-[a-z]+)+-\d{1,2}"  # us-west-2, ap-southeast-1, us-gov-west-1, us-iso-east-1


def resource_id(prefix: str) -> str:
    """EC2-style ids: ``<prefix>-`` and 8 (older) or 17 hex digits."""
    return rf"{prefix}-[0-9a-f]{{8}}([0-9a-f]{{9}})?"


VPC_ID = resource_id("vpc")
SUBNET_ID = resource_id("subnet")
ROUTE_TABLE_ID = resource_id("rtb")
INSTANCE_ID = resource_id("i")
AMI_ID = resource_id("ami")
