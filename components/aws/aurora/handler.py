"""Failover handler: points the Aurora CNAME at the global database's current writer.

Deployed as an AWS Lambda in every region of an ``AuroraGlobalDb`` with
``endpoint_mode="failover-lambda"``, triggered by EventBridge on
``RDS-EVENT-0185`` (global switchover finished) and ``RDS-EVENT-0238`` (global
failover completed), and by a schedule (every few minutes, each region): RDS sends
events "on a best effort basis", so a lost event costs at most one schedule period.
A scheduled run never waits for a writer in transition (the event, or the next run,
acts). Plain Python and boto3 only, configured by environment:

- ``ZONE_ID``            Route53 hosted zone id
- ``RECORD_NAME``        the CNAME to keep pointed at the writer
- ``GLOBAL_CLUSTER_ID``  the global cluster identifier
- ``TTL``                record TTL in seconds [30]
- ``WAIT_SECONDS``       how long to wait for the new writer to be ``available`` [120]

It finds the member with ``IsWriter``, takes that cluster's writer endpoint when
the cluster's ``Status`` is ``available``, and UPSERTs the CNAME only when the
value differs. Events for clusters outside this global cluster are ignored.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

EVENT_IDS = ("RDS-EVENT-0185", "RDS-EVENT-0238")
SOURCE = "aws.rds"
DETAIL_TYPE = "RDS DB Cluster Event"
SCHEDULE_SOURCE = "aws.events"
SCHEDULE_DETAIL_TYPE = "Scheduled Event"

log = logging.getLogger("crossnet.aurora.failover")
log.setLevel(logging.INFO)

RdsFor = Callable[[str], Any]  # region -> boto3 RDS client

# boto3 clients, made once per execution environment (a warm Lambda reuses them and their
# connections) and only on first use, so importing this module needs no boto3 and no credentials.
_clients: dict[tuple[str, str | None], Any] = {}


def client(service: str, region: str | None = None) -> Any:
    """The cached boto3 client for ``service`` in ``region`` (None: the environment's region)."""
    key = (service, region)
    if key not in _clients:
        import boto3  # the Lambda runtime ships boto3

        _clients[key] = boto3.client(service, region_name=region)
    return _clients[key]


def reset_clients() -> None:
    """Forget the cached clients (tests: each moto world, or changed credentials, needs new ones)."""
    _clients.clear()


class WriterNotReadyError(RuntimeError):
    """The writer's cluster did not become ``available`` in time; the invocation fails and is retried."""


@dataclass(frozen=True)
class Config:
    zone_id: str
    record_name: str
    global_cluster_id: str
    ttl: int = 30
    wait_seconds: float = 120.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Config:
        missing = [k for k in ("ZONE_ID", "RECORD_NAME", "GLOBAL_CLUSTER_ID") if not env.get(k)]
        if missing:
            raise KeyError("missing environment variables: " + ", ".join(missing))
        return cls(
            zone_id=env["ZONE_ID"],
            record_name=normalize(env["RECORD_NAME"]),
            global_cluster_id=env["GLOBAL_CLUSTER_ID"],
            ttl=int(env.get("TTL", "30")),
            wait_seconds=float(env.get("WAIT_SECONDS", "120")),
        )


@dataclass(frozen=True)
class Writer:
    cluster_arn: str
    region: str
    endpoint: str | None
    status: str


def normalize(name: str) -> str:
    return name.lower().rstrip(".")


def region_of(arn: str) -> str:
    """``arn:aws:rds:eu-west-1:123:cluster:x`` -> ``eu-west-1``."""
    return arn.split(":")[3]


def describe_global(rds: Any, global_cluster_id: str) -> dict[str, Any]:
    answer = rds.describe_global_clusters(GlobalClusterIdentifier=global_cluster_id)["GlobalClusters"]
    # Match the identifier ourselves: never act on another global cluster's members.
    found = [g for g in answer if g.get("GlobalClusterIdentifier", "").lower() == global_cluster_id.lower()]
    if not found:
        raise LookupError(f"global cluster {global_cluster_id!r} not found")
    return found[0]


def member_arns(global_cluster: Mapping[str, Any]) -> list[str]:
    return [m["DBClusterArn"] for m in global_cluster.get("GlobalClusterMembers", [])]


def find_writer(global_cluster: Mapping[str, Any], rds_for: RdsFor) -> Writer:
    writers = [m for m in global_cluster.get("GlobalClusterMembers", []) if m.get("IsWriter")]
    if len(writers) != 1:
        raise WriterNotReadyError(
            f"global cluster {global_cluster.get('GlobalClusterIdentifier')!r} has "
            f"{len(writers)} writer members"
        )
    arn = writers[0]["DBClusterArn"]
    region = region_of(arn)
    clusters = rds_for(region).describe_db_clusters(DBClusterIdentifier=arn)["DBClusters"]
    cluster = clusters[0] if clusters else {}
    return Writer(arn, region, cluster.get("Endpoint"), str(cluster.get("Status", "unknown")))


def concerns(event: Mapping[str, Any], global_cluster_id: str, members: list[str]) -> bool:
    """True for a 0185/0238 RDS event about this global cluster or one of its member clusters."""
    detail = event.get("detail") or {}
    if event.get("source", SOURCE) != SOURCE or detail.get("EventID") not in EVENT_IDS:
        return False
    names = {global_cluster_id.lower()}
    for arn in members:
        names.add(arn.lower())
        names.add(arn.rsplit(":", 1)[-1].lower())
    sources = [detail.get("SourceIdentifier"), detail.get("SourceArn"), *(event.get("resources") or [])]
    for source in sources:
        if isinstance(source, str) and (
            source.lower() in names or source.rsplit(":", 1)[-1].lower() in names
        ):
            return True
    return False


def current_target(route53: Any, zone_id: str, record_name: str) -> str | None:
    answer = route53.list_resource_record_sets(
        HostedZoneId=zone_id, StartRecordName=record_name, StartRecordType="CNAME", MaxItems="1"
    )
    for record in answer.get("ResourceRecordSets", []):
        if normalize(record["Name"]) == record_name and record["Type"] == "CNAME":
            values = record.get("ResourceRecords") or [{}]
            return normalize(values[0].get("Value", "")) or None
    return None


def upsert(route53: Any, config: Config, target: str) -> str:
    change = route53.change_resource_record_sets(
        HostedZoneId=config.zone_id,
        ChangeBatch={
            "Comment": f"crossnet: writer of {config.global_cluster_id}",
            "Changes": [
                {
                    "Action": "UPSERT",
                    "ResourceRecordSet": {
                        "Name": config.record_name,
                        "Type": "CNAME",
                        "TTL": config.ttl,
                        "ResourceRecords": [{"Value": target}],
                    },
                }
            ],
        },
    )
    return change["ChangeInfo"]["Id"]


def sync(
    config: Config,
    rds_for: RdsFor,
    route53: Any,
    event: Mapping[str, Any] | None = None,
    home_region: str = "us-east-1",
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    poll: float = 5.0,
) -> dict[str, Any]:
    """Point the CNAME at the current writer. With ``event``, act only if it concerns this cluster."""
    global_cluster = describe_global(rds_for(home_region), config.global_cluster_id)
    if event is not None and not concerns(event, config.global_cluster_id, member_arns(global_cluster)):
        return {
            "action": "ignored",
            "reason": "not a switchover/failover event of " + config.global_cluster_id,
        }
    deadline = clock() + config.wait_seconds
    writer = find_writer(global_cluster, rds_for)
    while writer.status != "available" or not writer.endpoint:
        if clock() >= deadline:
            raise WriterNotReadyError(
                f"writer {writer.cluster_arn} is {writer.status!r}, not 'available', "
                f"after {config.wait_seconds:.0f}s; the CNAME was left unchanged"
            )
        sleep(poll)
        writer = find_writer(describe_global(rds_for(home_region), config.global_cluster_id), rds_for)
    target = normalize(writer.endpoint)
    before = current_target(route53, config.zone_id, config.record_name)
    if before == target:
        return {"action": "unchanged", "target": target, "writer": writer.cluster_arn}
    change_id = upsert(route53, config, target)
    return {
        "action": "updated",
        "from": before,
        "target": target,
        "writer": writer.cluster_arn,
        "change_id": change_id,
    }


def is_scheduled(event: Mapping[str, Any]) -> bool:
    """True for an EventBridge schedule tick (the reconcile), which concerns no particular cluster."""
    return event.get("source") == SCHEDULE_SOURCE and event.get("detail-type") == SCHEDULE_DETAIL_TYPE


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point: an RDS event, or a scheduled reconcile."""
    config = Config.from_env(os.environ)
    home = os.environ.get("AWS_REGION", "us-east-1")
    rds_for: RdsFor = lambda region: client("rds", region)  # noqa: E731
    if is_scheduled(event):
        try:
            result = sync(
                replace(config, wait_seconds=0.0), rds_for, client("route53"), None, home_region=home
            )
        except WriterNotReadyError as err:
            result = {"action": "not-ready", "reason": str(err)}
        result = {"trigger": "schedule", **result}
    else:
        result = {"trigger": "event", **sync(config, rds_for, client("route53"), event, home_region=home)}
    log.info(json.dumps({"event_id": (event.get("detail") or {}).get("EventID"), **result}))
    return result
