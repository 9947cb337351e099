"""Answers shared by every scenario: explicit providers, random, time, and per-cloud defaults."""

from __future__ import annotations

import hashlib
import string
import uuid
from typing import Any

from plan.answers._util import ACCOUNT_ID, aws_arn, digest
from plan.mocks import Ctx

# -- providers: give them an id, or dependents see an unknown provider reference


def provider(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    return f"{ctx.name}-provider-id", {}


# -- random


def random_password(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    length = int(ctx.inputs.get("length") or 16)
    alphabet = string.ascii_letters + string.digits
    seed = hashlib.sha256(f"password:{ctx.name}".encode()).digest()
    result = "".join(alphabet[b % len(alphabet)] for b in (seed * (length // 32 + 1))[:length])
    return "none", {"result": result, "bcryptHash": "$2a$10$" + digest(result, length=53)}


def random_id(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    size = int(ctx.inputs.get("byteLength") or 8)
    raw = hashlib.sha256(f"id:{ctx.name}".encode()).digest()[:size]
    return raw.hex(), {
        "hex": raw.hex(),
        "dec": str(int.from_bytes(raw, "big")),
        "b64Url": raw.hex(),
        "b64Std": raw.hex(),
    }


def random_uuid(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    value = str(uuid.uuid5(uuid.NAMESPACE_URL, f"crossnet:{ctx.name}"))
    return value, {"result": value}


def time_sleep(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    return "2026-01-01T00:00:00Z", {}


# -- AWS


def aws_zone_prefix(region: str) -> str:
    """The AZ-ID prefix AWS uses for a region (one implementation: the component's)."""
    from components.aws.kafka.render import zone_id_prefix

    return zone_id_prefix(region)


def aws_zones(region: str) -> list[tuple[str, str]]:
    """(zone name, zone id) pairs for a region, deliberately not in matching order.

    Accounts map AZ names to AZ ids differently; the rotation stands in for that,
    so code that assumes ``<region>a`` is ``az1`` fails in tests.
    """
    prefix = aws_zone_prefix(region)
    letters = "abcd"
    ids = [f"{prefix}-az{i}" for i in range(1, 5)]
    shift = int(digest(region, length=2), 16) % 3 + 1
    rotated = ids[shift:] + ids[:shift]
    return [(f"{region}{letter}", zone_id) for letter, zone_id in zip(letters, rotated, strict=True)]


def get_availability_zones(ctx: Ctx) -> dict[str, Any]:
    zones = aws_zones(ctx.region)
    return {
        "id": ctx.region,
        "names": [n for n, _ in zones],
        "zoneIds": [i for _, i in zones],
        "groupNames": [ctx.region] * len(zones),
        "state": "available",
    }


def get_caller_identity(ctx: Ctx) -> dict[str, Any]:
    return {
        "id": ACCOUNT_ID,
        "accountId": ACCOUNT_ID,
        "userId": "AIDAEXAMPLE",
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/crossnet-plan",
    }


def get_region(ctx: Ctx) -> dict[str, Any]:
    return {
        "id": ctx.region,
        "name": ctx.region,
        "region": ctx.region,
        "endpoint": f"ec2.{ctx.region}.amazonaws.com",
        "description": ctx.region,
    }


def get_partition(ctx: Ctx) -> dict[str, Any]:
    return {
        "id": "aws",
        "partition": "aws",
        "dnsSuffix": "amazonaws.com",
        "reverseDnsPrefix": "com.amazonaws",
    }


_AWS_ID_PREFIX = {
    "ec2/vpc:Vpc": "vpc-",
    "ec2/subnet:Subnet": "subnet-",
    "ec2/securityGroup:SecurityGroup": "sg-",
    "ec2/instance:Instance": "i-",
    "ec2/internetGateway:InternetGateway": "igw-",
    "ec2/routeTable:RouteTable": "rtb-",
    "ec2/eip:Eip": "eipalloc-",
    "ec2/natGateway:NatGateway": "nat-",
    "ec2/vpcPeeringConnection:VpcPeeringConnection": "pcx-",
    "ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": "pcx-",
    "ec2/vpcEndpointService:VpcEndpointService": "vpce-svc-",
    "ec2/vpcEndpoint:VpcEndpoint": "vpce-",
    "ec2/launchTemplate:LaunchTemplate": "lt-",
    "ec2/keyPair:KeyPair": "key-",
    "ec2/vpcSecurityGroupIngressRule:VpcSecurityGroupIngressRule": "sgr-",
    "ec2/vpcSecurityGroupEgressRule:VpcSecurityGroupEgressRule": "sgr-",
}


def aws_resource(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    kind = ctx.type.split(":", 1)[1]
    service, _, cls = kind.partition("/")
    prefix = _AWS_ID_PREFIX.get(kind)
    if prefix is not None:
        resource_id = prefix + digest(ctx.type, ctx.name)
    else:
        resource_id = ctx.inputs.get("name") or ctx.name
    resource_kind = cls.split(":")[0].lower()
    outputs: dict[str, Any] = {"arn": aws_arn(service, ctx.region, f"{resource_kind}/{resource_id}")}
    if isinstance(ctx.inputs.get("tags"), dict):
        outputs["tagsAll"] = ctx.inputs["tags"]
    return str(resource_id), outputs


# -- GCP / Azure / Aiven defaults


def gcp_resource(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    project = ctx.inputs.get("project") or ctx.config.get("gcp:project") or "crossnet-project"
    kind = ctx.type.split(":", 1)[1].split(":")[-1].lower()
    name = ctx.inputs.get("name") or ctx.name
    resource_id = f"projects/{project}/{kind}s/{name}"
    return resource_id, {
        "selfLink": f"https://www.googleapis.com/compute/v1/{resource_id}",
        "project": project,
    }


def azure_resource(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    sub = ctx.config.get("azure-native:subscriptionId") or "00000000-0000-0000-0000-000000000000"
    group = ctx.inputs.get("resourceGroupName") or "crossnet"
    kind = ctx.type.split(":")[-1]
    name = ctx.inputs.get("name") or ctx.name
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/{kind}/{name}", {"name": name}


def object_id(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    oid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"azuread:{ctx.type}:{ctx.name}"))
    return oid, {"objectId": oid}


RESOURCES = {
    "pulumi:providers:*": provider,
    "random:index/randomPassword:RandomPassword": random_password,
    "random:index/randomId:RandomId": random_id,
    "random:index/randomUuid:RandomUuid": random_uuid,
    "time:index/sleep:Sleep": time_sleep,
    "aws:*": aws_resource,
    "gcp:*": gcp_resource,
    "azure-native:*": azure_resource,
    "azuread:*": object_id,
}

CALLS = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": get_availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": get_caller_identity,
    "aws:index/getRegion:getRegion": get_region,
    "aws:index/getPartition:getPartition": get_partition,
}
