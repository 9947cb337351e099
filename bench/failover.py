"""Failover DNS: the Aurora handler's time from an RDS event to the CNAME written, against moto.

A global cluster with members in two regions and a Route53 zone holding the CNAME, as
in tests/aws/aurora. moto never moves the writer on switchover/failover, so before each
event the bench moves it in moto's backend (what RDS does), then times the handler
from receiving the event to the UPSERT having returned, and checks the CNAME.

Two ways are timed:

- ``handler.handler``: the Lambda entry point as deployed, in a fresh execution environment
  (reads its environment and creates its boto3 clients: the bench empties the handler's
  client cache before each event);
- ``handler.sync`` with clients created once: what a warm invocation costs (the deployed
  handler keeps its clients between invocations of one execution environment).

A third: the event is lost (RDS sends events on a best-effort basis). The writer moves and no
event comes; the scheduled reconcile run (``handler.handler`` with an EventBridge schedule tick,
fresh clients) finds the stale CNAME and moves it. The CNAME is then stale for up to one
reconcile period plus that run: the bench measures the run and reports the bound.

What moto cannot show: EventBridge delivery (typically well under a second), a Lambda
cold start, and Route 53 propagation (up to 60 s, the record's TTL on top for clients).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from components.aws.aurora.args import DEFAULT_RECONCILE_MINUTES

GLOBAL_ID = "bench-global"
RECORD = "bench-global.aurora-global.example.com"
REGIONS = ("us-east-1", "eu-west-1")


@dataclass
class FailoverResult:
    events: int
    entry_point_ms: list[float]
    reused_clients_ms: list[float]
    reconcile_ms: list[float]
    reconcile_period_s: float


def _tick(region: str) -> dict[str, Any]:
    """An EventBridge schedule tick, as the reconcile rule sends it."""
    return {
        "version": "0",
        "id": "bench-tick",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-01-01T00:05:00Z",
        "region": region,
        "resources": [f"arn:aws:events:{region}:123456789012:rule/bench-reconcile"],
        "detail": {},
    }


@contextlib.contextmanager
def _fake_credentials() -> Iterator[None]:
    keys = (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "ZONE_ID",
        "RECORD_NAME",
        "GLOBAL_CLUSTER_ID",
        "TTL",
        "WAIT_SECONDS",
    )
    saved = {k: os.environ.get(k) for k in keys}
    for k in keys:
        os.environ.pop(k, None)
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGIONS[0]}
    )  # moto's fake credentials
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _event(region: str, cluster_id: str, event_id: str) -> dict[str, Any]:
    arn = f"arn:aws:rds:{region}:123456789012:cluster:{cluster_id}"
    return {
        "version": "0",
        "id": "bench",
        "detail-type": "RDS DB Cluster Event",
        "source": "aws.rds",
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": region,
        "resources": [arn],
        "detail": {
            "EventCategories": ["global-failover"],
            "SourceType": "CLUSTER",
            "SourceArn": arn,
            "SourceIdentifier": cluster_id,
            "EventID": event_id,
            "Message": f"Global switchover to DB cluster {cluster_id} completed.",
        },
    }


def measure(events: int) -> FailoverResult:
    import boto3
    from moto import mock_aws
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.rds.models import rds_backends

    from components.aws.aurora import handler

    with _fake_credentials(), mock_aws():
        rds = {r: boto3.client("rds", region_name=r) for r in REGIONS}
        rds[REGIONS[0]].create_global_cluster(
            GlobalClusterIdentifier=GLOBAL_ID, Engine="aurora-postgresql", EngineVersion="16.6"
        )
        endpoints: dict[str, str] = {}
        for i, region in enumerate(REGIONS):
            creds = {"MasterUsername": "keycloak", "MasterUserPassword": "p" * 24} if i == 0 else {}
            cluster = rds[region].create_db_cluster(
                DBClusterIdentifier=f"{GLOBAL_ID}-{region}",
                Engine="aurora-postgresql",
                EngineVersion="16.6",
                GlobalClusterIdentifier=GLOBAL_ID,
                **creds,
            )["DBCluster"]
            endpoints[region] = cluster["Endpoint"]
        backend = {r: rds_backends[DEFAULT_ACCOUNT_ID][r].clusters[f"{GLOBAL_ID}-{r}"] for r in REGIONS}
        for cluster in backend.values():
            cluster.status = "available"
        route53 = boto3.client("route53")
        zone_id = route53.create_hosted_zone(Name="example.com", CallerReference="bench")["HostedZone"]["Id"]
        zone_id = zone_id.rsplit("/", 1)[-1]
        first = {
            "Name": RECORD,
            "Type": "CNAME",
            "TTL": 30,
            "ResourceRecords": [{"Value": endpoints[REGIONS[0]]}],
        }
        route53.change_resource_record_sets(
            HostedZoneId=zone_id, ChangeBatch={"Changes": [{"Action": "CREATE", "ResourceRecordSet": first}]}
        )

        def cname() -> str:
            sets = route53.list_resource_record_sets(HostedZoneId=zone_id)["ResourceRecordSets"]
            return next(
                r["ResourceRecords"][0]["Value"]
                for r in sets
                if r["Type"] == "CNAME" and r["Name"].rstrip(".") == RECORD
            )

        config = handler.Config(zone_id, RECORD, GLOBAL_ID, ttl=30, wait_seconds=0)
        os.environ.update(ZONE_ID=zone_id, RECORD_NAME=RECORD, GLOBAL_CLUSTER_ID=GLOBAL_ID, WAIT_SECONDS="0")
        entry: list[float] = []
        reused: list[float] = []
        writer = REGIONS[0]
        for i in range(2 * events):
            writer = REGIONS[1] if writer == REGIONS[0] else REGIONS[0]
            for region, cluster in backend.items():  # what RDS does; moto does not
                cluster.is_writer = region == writer
            event = _event(writer, f"{GLOBAL_ID}-{writer}", ("RDS-EVENT-0185", "RDS-EVENT-0238")[i % 2])
            if i % 2 == 0:
                os.environ["AWS_REGION"] = writer
                handler.reset_clients()
                start = time.perf_counter()
                result = handler.handler(event, None)
                entry.append((time.perf_counter() - start) * 1000)
            else:
                start = time.perf_counter()
                result = handler.sync(config, lambda r: rds[r], route53, event, home_region=writer)
                reused.append((time.perf_counter() - start) * 1000)
            if result.get("action") != "updated" or cname() != endpoints[writer]:
                raise AssertionError(
                    f"event {i}: handler answered {result}, CNAME is {cname()!r}, "
                    f"expected {endpoints[writer]!r}"
                )
        lost: list[float] = []
        for i in range(events):  # the event is lost: only the schedule notices
            writer = REGIONS[1] if writer == REGIONS[0] else REGIONS[0]
            for region, cluster in backend.items():
                cluster.is_writer = region == writer
            home = REGIONS[i % 2]  # every region's function reconciles; either one repairs it
            os.environ["AWS_REGION"] = home
            handler.reset_clients()
            start = time.perf_counter()
            result = handler.handler(_tick(home), None)
            lost.append((time.perf_counter() - start) * 1000)
            if result.get("action") != "updated" or cname() != endpoints[writer]:
                raise AssertionError(
                    f"lost event {i}: the reconcile answered {result}, CNAME is {cname()!r}, "
                    f"expected {endpoints[writer]!r}"
                )
        handler.reset_clients()  # they belong to this moto world
    return FailoverResult(events, entry, reused, lost, DEFAULT_RECONCILE_MINUTES * 60.0)
