"""A moto world for the failover handler and the drill: a global cluster in two regions and a zone.

moto does not implement global switchover/failover (the writer never moves), so
``World.move_writer`` changes the writer in moto's backend explicitly; tests say
when they do it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

GLOBAL_ID = "kc-global"
RECORD = "kc-global.aurora-global.example.com"
PRIMARY, SECONDARY = "us-east-1", "eu-west-1"


@dataclass
class World:
    zone_id: str
    arns: dict[str, str]
    endpoints: dict[str, str]
    global_endpoint: str
    clients: dict[tuple[str, str | None], Any] = field(default_factory=dict)

    def client(self, service: str, region: str | None = None) -> Any:
        import boto3

        key = (service, region)
        if key not in self.clients:
            self.clients[key] = boto3.client(service, region_name=region or PRIMARY)
        return self.clients[key]

    def rds_for(self, region: str) -> Any:
        return self.client("rds", region)

    def _backend_cluster(self, region: str) -> Any:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.rds.models import rds_backends

        return rds_backends[DEFAULT_ACCOUNT_ID][region].clusters[f"{GLOBAL_ID}-{region}"]

    def move_writer(self, region: str) -> None:
        """What RDS does during a switchover/failover, done by hand because moto does not."""
        for r in self.arns:
            self._backend_cluster(r).is_writer = r == region

    def set_status(self, region: str, status: str) -> None:
        self._backend_cluster(region).status = status

    def cname(self) -> str | None:
        sets = self.client("route53").list_resource_record_sets(HostedZoneId=self.zone_id)
        values = [
            r["ResourceRecords"][0]["Value"]
            for r in sets["ResourceRecordSets"]
            if r["Type"] == "CNAME" and r["Name"].rstrip(".") == RECORD
        ]
        return values[0] if values else None

    def set_cname(self, value: str) -> None:
        """Point the record at ``value`` (what the stack's CNAME holds in global-writer-endpoint mode)."""
        record = {"Name": RECORD, "Type": "CNAME", "TTL": 30, "ResourceRecords": [{"Value": value}]}
        self.client("route53").change_resource_record_sets(
            HostedZoneId=self.zone_id,
            ChangeBatch={"Changes": [{"Action": "UPSERT", "ResourceRecordSet": record}]},
        )

    def route53(self) -> CountingRoute53:
        return CountingRoute53(self.client("route53"))


class CountingRoute53:
    """The moto Route53 client, recording every change batch written through it."""

    def __init__(self, client: Any):
        self._client = client
        self.changes: list[dict[str, Any]] = []

    def change_resource_record_sets(self, **kwargs: Any) -> Any:
        self.changes.append(kwargs["ChangeBatch"])
        return self._client.change_resource_record_sets(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    import boto3
    from moto import mock_aws

    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", PRIMARY)
    from components.aws.aurora import handler

    # The handler caches its boto3 clients per process: never reuse one from another moto world.
    handler.reset_clients()
    with mock_aws():
        rds = {r: boto3.client("rds", region_name=r) for r in (PRIMARY, SECONDARY)}
        rds[PRIMARY].create_global_cluster(
            GlobalClusterIdentifier=GLOBAL_ID, Engine="aurora-postgresql", EngineVersion="16.6"
        )
        # An unrelated global cluster: the handler must never look at its members.
        rds[PRIMARY].create_global_cluster(
            GlobalClusterIdentifier="other-global", Engine="aurora-postgresql", EngineVersion="16.6"
        )
        arns, endpoints = {}, {}
        for region in (PRIMARY, SECONDARY):
            creds = {"MasterUsername": "keycloak", "MasterUserPassword": "p" * 24}
            extra = creds if region == PRIMARY else {}
            cluster = rds[region].create_db_cluster(
                DBClusterIdentifier=f"{GLOBAL_ID}-{region}",
                Engine="aurora-postgresql",
                EngineVersion="16.6",
                GlobalClusterIdentifier=GLOBAL_ID,
                **extra,
            )["DBCluster"]
            arns[region], endpoints[region] = cluster["DBClusterArn"], cluster["Endpoint"]
        rds[PRIMARY].create_db_cluster(
            DBClusterIdentifier="other-us-east-1",
            Engine="aurora-postgresql",
            EngineVersion="16.6",
            GlobalClusterIdentifier="other-global",
            MasterUsername="other",
            MasterUserPassword="q" * 24,
        )
        global_endpoint = rds[PRIMARY].describe_global_clusters(GlobalClusterIdentifier=GLOBAL_ID)[
            "GlobalClusters"
        ][0]["Endpoint"]
        r53 = boto3.client("route53")
        zone_id = r53.create_hosted_zone(Name="example.com", CallerReference="crossnet")["HostedZone"]["Id"]
        zone_id = zone_id.rsplit("/", 1)[-1]
        r53.change_resource_record_sets(
            HostedZoneId=zone_id,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "CREATE",
                        "ResourceRecordSet": {
                            "Name": RECORD,
                            "Type": "CNAME",
                            "TTL": 30,
                            "ResourceRecords": [{"Value": endpoints[PRIMARY]}],
                        },
                    }
                ]
            },
        )
        w = World(zone_id, arns, endpoints, global_endpoint)
        for region in (PRIMARY, SECONDARY):
            w.set_status(region, "available")
        yield w
    handler.reset_clients()


def rds_event(event_id: str, source_identifier: str, region: str = SECONDARY) -> dict[str, Any]:
    """An EventBridge event as RDS sends it for a global switchover/failover."""
    return {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "RDS DB Cluster Event",
        "source": "aws.rds",
        "account": "123456789012",
        "time": "2026-01-01T00:00:00Z",
        "region": region,
        "resources": [f"arn:aws:rds:{region}:123456789012:cluster:{source_identifier}"],
        "detail": {
            "EventCategories": ["global-failover"],
            "SourceType": "CLUSTER",
            "SourceArn": f"arn:aws:rds:{region}:123456789012:cluster:{source_identifier}",
            "Date": "2026-01-01T00:00:00.000Z",
            "SourceIdentifier": source_identifier,
            "Message": f"Global switchover to DB cluster {source_identifier} completed.",
            "EventID": event_id,
        },
    }
