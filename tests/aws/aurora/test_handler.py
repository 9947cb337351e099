"""The failover handler against moto: a global cluster in two regions and a Route53 zone.

moto does not move the writer on switchover/failover, so each test that needs a
moved writer calls ``world.move_writer`` (which edits moto's backend) first.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from components.aws.aurora import handler
from tests.aws.aurora.conftest import GLOBAL_ID, PRIMARY, RECORD, SECONDARY, World, rds_event


def run(world: World, event: dict | None, wait: float = 0.0, **kwargs):
    route53 = world.route53()
    cfg = handler.Config(world.zone_id, RECORD, GLOBAL_ID, ttl=30, wait_seconds=wait)
    result = handler.sync(cfg, world.rds_for, route53, event, home_region=SECONDARY, **kwargs)
    return result, route53


@pytest.mark.parametrize("event_id", ["RDS-EVENT-0185", "RDS-EVENT-0238"])
def test_cname_moves_to_new_writer_after_event(world: World, event_id: str) -> None:
    assert world.cname() == world.endpoints[PRIMARY]
    world.move_writer(SECONDARY)  # moto never moves it; RDS would during the switchover
    result, route53 = run(world, rds_event(event_id, f"{GLOBAL_ID}-{SECONDARY}"))
    assert result["action"] == "updated"
    assert world.cname() == world.endpoints[SECONDARY]
    assert len(route53.changes) == 1
    change = route53.changes[0]["Changes"][0]
    assert change["Action"] == "UPSERT"
    assert change["ResourceRecordSet"] == {
        "Name": RECORD,
        "Type": "CNAME",
        "TTL": 30,
        "ResourceRecords": [{"Value": world.endpoints[SECONDARY]}],
    }


def test_event_naming_the_global_cluster_is_accepted(world: World) -> None:
    world.move_writer(SECONDARY)
    event = rds_event("RDS-EVENT-0238", GLOBAL_ID)
    event["resources"] = [f"arn:aws:rds::123456789012:global-cluster:{GLOBAL_ID}"]
    result, _ = run(world, event)
    assert result["action"] == "updated"
    assert world.cname() == world.endpoints[SECONDARY]


def test_no_change_written_when_nothing_moved(world: World) -> None:
    result, route53 = run(world, rds_event("RDS-EVENT-0185", f"{GLOBAL_ID}-{PRIMARY}", PRIMARY))
    assert result["action"] == "unchanged"
    assert route53.changes == []
    assert world.cname() == world.endpoints[PRIMARY]


@pytest.mark.parametrize(
    "event",
    [
        rds_event("RDS-EVENT-0238", "other-us-east-1", PRIMARY),  # another global cluster's member
        rds_event("RDS-EVENT-0238", "other-global", PRIMARY),  # another global cluster
        rds_event("RDS-EVENT-0006", f"{GLOBAL_ID}-{SECONDARY}"),  # our cluster, another event (restarted)
        {**rds_event("RDS-EVENT-0185", f"{GLOBAL_ID}-{SECONDARY}"), "source": "aws.ec2"},
    ],
)
def test_other_events_are_ignored(world: World, event: dict) -> None:
    world.move_writer(SECONDARY)  # even with a moved writer, these events must not touch the record
    result, route53 = run(world, event)
    assert result["action"] == "ignored"
    assert route53.changes == []
    assert world.cname() == world.endpoints[PRIMARY]


def test_writer_not_available_is_not_used(world: World) -> None:
    world.move_writer(SECONDARY)
    world.set_status(SECONDARY, "failing-over")
    with pytest.raises(handler.WriterNotReadyError, match="failing-over"):
        run(world, rds_event("RDS-EVENT-0238", f"{GLOBAL_ID}-{SECONDARY}"))
    assert world.cname() == world.endpoints[PRIMARY]


def test_waits_for_writer_to_become_available(world: World) -> None:
    world.move_writer(SECONDARY)
    world.set_status(SECONDARY, "modifying")
    now = [0.0]
    sleeps: list[float] = []

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds
        if len(sleeps) == 2:
            world.set_status(SECONDARY, "available")

    result, route53 = run(
        world,
        rds_event("RDS-EVENT-0185", f"{GLOBAL_ID}-{SECONDARY}"),
        wait=60,
        sleep=sleep,
        clock=lambda: now[0],
        poll=5,
    )
    assert sleeps == [5, 5]
    assert result["action"] == "updated"
    assert world.cname() == world.endpoints[SECONDARY]
    assert len(route53.changes) == 1


def test_lambda_entry_point_reads_env(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZONE_ID", world.zone_id)
    monkeypatch.setenv("RECORD_NAME", RECORD + ".")
    monkeypatch.setenv("GLOBAL_CLUSTER_ID", GLOBAL_ID)
    monkeypatch.setenv("TTL", "45")
    monkeypatch.setenv("WAIT_SECONDS", "0")
    monkeypatch.setenv("AWS_REGION", SECONDARY)
    world.move_writer(SECONDARY)
    result = handler.handler(rds_event("RDS-EVENT-0238", f"{GLOBAL_ID}-{SECONDARY}"), None)
    assert result["action"] == "updated"
    sets = world.client("route53").list_resource_record_sets(HostedZoneId=world.zone_id)["ResourceRecordSets"]
    record = next(r for r in sets if r["Type"] == "CNAME")
    assert record["TTL"] == 45
    assert record["ResourceRecords"] == [{"Value": world.endpoints[SECONDARY]}]


def test_clients_are_made_once_per_execution_environment(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm Lambda reuses its boto3 clients: the second invocation creates none."""
    import boto3

    made: list[tuple[str, str | None]] = []
    real = boto3.client

    def counting(service: str, region_name: str | None = None, **kwargs: object) -> object:
        made.append((service, region_name))
        return real(service, region_name=region_name, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(boto3, "client", counting)
    for key, value in (
        ("ZONE_ID", world.zone_id),
        ("RECORD_NAME", RECORD),
        ("GLOBAL_CLUSTER_ID", GLOBAL_ID),
        ("WAIT_SECONDS", "0"),
        ("AWS_REGION", PRIMARY),
    ):
        monkeypatch.setenv(key, value)
    world.move_writer(SECONDARY)
    event = rds_event("RDS-EVENT-0238", f"{GLOBAL_ID}-{SECONDARY}")
    assert handler.handler(event, None)["action"] == "updated"
    first = sorted(made, key=str)
    assert first == sorted([("rds", PRIMARY), ("rds", SECONDARY), ("route53", None)], key=str)
    assert handler.handler(event, None)["action"] == "unchanged"
    assert sorted(made, key=str) == first, "the second invocation made new clients"
    handler.reset_clients()
    assert handler.handler(event, None)["action"] == "unchanged"
    assert len(made) == 2 * len(first), "reset_clients did not forget the cached clients"


def test_config_from_env_names_missing_variables() -> None:
    with pytest.raises(KeyError, match="ZONE_ID, GLOBAL_CLUSTER_ID"):
        handler.Config.from_env({"RECORD_NAME": RECORD})
    parsed = handler.Config.from_env(
        {"ZONE_ID": "Z1", "RECORD_NAME": "DB.Example.com.", "GLOBAL_CLUSTER_ID": "g"}
    )
    assert (parsed.record_name, parsed.ttl, parsed.wait_seconds) == ("db.example.com", 30, 120.0)


def scheduled_event(region: str = SECONDARY) -> dict[str, Any]:
    """What an EventBridge schedule rule sends."""
    return {
        "version": "0",
        "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-01-01T00:05:00Z",
        "region": region,
        "resources": [f"arn:aws:events:{region}:123456789012:rule/kc-reconcile"],
        "detail": {},
    }


def entry_env(world: World, monkeypatch: pytest.MonkeyPatch, wait: str = "120") -> None:
    for key, value in {
        "ZONE_ID": world.zone_id,
        "RECORD_NAME": RECORD,
        "GLOBAL_CLUSTER_ID": GLOBAL_ID,
        "WAIT_SECONDS": wait,
        "AWS_REGION": SECONDARY,
    }.items():
        monkeypatch.setenv(key, value)


def test_scheduled_reconcile_repairs_a_lost_event(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 14 item 5: the switchover event never came; the next scheduled run moves the CNAME."""
    entry_env(world, monkeypatch)
    world.move_writer(SECONDARY)  # and no RDS-EVENT-0185 is delivered
    result = handler.handler(scheduled_event(), None)
    assert result["action"] == "updated" and result["trigger"] == "schedule"
    assert world.cname() == world.endpoints[SECONDARY]
    assert handler.handler(scheduled_event(), None)["action"] == "unchanged"


def test_scheduled_reconcile_never_waits_for_a_writer_in_transition(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tick during a failover leaves the CNAME alone and does not fail (the event or the next tick acts)."""
    entry_env(world, monkeypatch)
    world.move_writer(SECONDARY)
    world.set_status(SECONDARY, "failing-over")
    started = time.monotonic()
    result = handler.handler(scheduled_event(), None)
    assert time.monotonic() - started < 5
    assert result["action"] == "not-ready" and "failing-over" in result["reason"]
    assert world.cname() == world.endpoints[PRIMARY]
