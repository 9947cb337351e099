"""Answers for AuroraGlobalDb: RDS endpoints and ARNs shaped like the real ones, KMS, Route53, Lambda, SQS.

Endpoint formats follow what RDS returns:
``<cluster>.cluster-<hash>.<region>.rds.amazonaws.com`` (writer),
``<cluster>.cluster-ro-<hash>.<region>.rds.amazonaws.com`` (reader),
``<global id>.global-<hash>.global.rds.amazonaws.com`` (global writer endpoint).
"""

from __future__ import annotations

from typing import Any

from ..mocks import Ctx
from ._util import ACCOUNT_ID, aws_arn, digest


def _hash(ctx: Ctx, length: int = 12) -> str:
    return digest(ctx.type, ctx.name, length=length)


def global_cluster(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    gid = str(ctx.inputs.get("globalClusterIdentifier") or ctx.name)
    return gid, {
        "arn": f"arn:aws:rds::{ACCOUNT_ID}:global-cluster:{gid}",
        "endpoint": f"{gid}.global-{_hash(ctx)}.global.rds.amazonaws.com",
        "globalClusterResourceId": "cluster-" + _hash(ctx, 20).upper(),
        "engineVersionActual": ctx.inputs.get("engineVersion", ""),
        "globalClusterMembers": [],
    }


def cluster(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    cid = str(ctx.inputs.get("clusterIdentifier") or ctx.name)
    host = _hash(ctx)
    return cid, {
        "arn": aws_arn("rds", ctx.region, f"cluster:{cid}"),
        "endpoint": f"{cid}.cluster-{host}.{ctx.region}.rds.amazonaws.com",
        "readerEndpoint": f"{cid}.cluster-ro-{host}.{ctx.region}.rds.amazonaws.com",
        "clusterResourceId": "cluster-" + _hash(ctx, 20).upper(),
        "hostedZoneId": "Z2R2ITUGPM61AM",
        "port": ctx.inputs.get("port", 5432),
    }


def cluster_instance(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    iid = str(ctx.inputs.get("identifier") or ctx.name)
    return iid, {
        "arn": aws_arn("rds", ctx.region, f"db:{iid}"),
        "endpoint": f"{iid}.{_hash(ctx)}.{ctx.region}.rds.amazonaws.com",
        "dbiResourceId": "db-" + _hash(ctx, 20).upper(),
        "writer": ctx.inputs.get("promotionTier", 0) == 0,
        "port": 5432,
    }


def subnet_group(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    name = str(ctx.inputs.get("name") or f"{ctx.name}-{_hash(ctx, 7)}")
    return name, {"name": name, "arn": aws_arn("rds", ctx.region, f"subgrp:{name}")}


def kms_key(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    h = digest(ctx.type, ctx.name, length=32)
    key_id = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
    return key_id, {"keyId": key_id, "arn": aws_arn("kms", ctx.region, f"key/{key_id}")}


def route53_record(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    name = str(ctx.inputs.get("name", ctx.name)).rstrip(".")
    return f"{ctx.inputs.get('zoneId')}_{name}_{ctx.inputs.get('type')}", {"fqdn": name}


def lambda_function(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    name = str(ctx.inputs.get("name") or f"{ctx.name}-{_hash(ctx, 7)}")
    arn = aws_arn("lambda", ctx.region, f"function:{name}")
    invoke = f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
    return name, {
        "name": name,
        "arn": arn,
        "qualifiedArn": f"{arn}:$LATEST",
        "version": "$LATEST",
        "invokeArn": invoke,
    }


def event_rule(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    name = str(ctx.inputs.get("name") or f"{ctx.name}-{_hash(ctx, 7)}")
    return name, {"name": name, "arn": aws_arn("events", ctx.region, f"rule/{name}")}


def iam_role(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    name = str(ctx.inputs.get("name") or f"{ctx.name}-{_hash(ctx, 7)}")
    return name, {
        "name": name,
        "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}",
        "uniqueId": "AROA" + _hash(ctx, 17).upper(),
    }


def log_group(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    name = str(ctx.inputs.get("name") or ctx.name)
    return name, {"name": name, "arn": aws_arn("logs", ctx.region, f"log-group:{name}")}


def sqs_queue(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    """SQS: the id is the queue URL; the ARN ends in the bare queue name."""
    name = str(ctx.inputs.get("name") or f"{ctx.name}-{_hash(ctx, 7)}")
    url = f"https://sqs.{ctx.region}.amazonaws.com/{ACCOUNT_ID}/{name}"
    return url, {"name": name, "url": url, "arn": aws_arn("sqs", ctx.region, name)}


def teardown_guard(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    # The dynamic provider's create returns its inputs; the mock echoes them too.
    return f"{ctx.inputs.get('global_cluster_id')}-teardown-guard", {}


RESOURCES = {
    "pulumi-python:dynamic/crossnet-aws:TeardownGuard": teardown_guard,
    "aws:rds/globalCluster:GlobalCluster": global_cluster,
    "aws:rds/cluster:Cluster": cluster,
    "aws:rds/clusterInstance:ClusterInstance": cluster_instance,
    "aws:rds/subnetGroup:SubnetGroup": subnet_group,
    "aws:kms/key:Key": kms_key,
    "aws:route53/record:Record": route53_record,
    "aws:lambda/function:Function": lambda_function,
    "aws:cloudwatch/eventRule:EventRule": event_rule,
    "aws:iam/role:Role": iam_role,
    "aws:cloudwatch/logGroup:LogGroup": log_group,
    "aws:sqs/queue:Queue": sqs_queue,
}
