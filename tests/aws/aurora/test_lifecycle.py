"""Issue 14 lifecycle defects on the mock runtime: destroy keeps what a restore needs (1), derived
identifiers fit RDS (2), the engine version follows the running one (6), zones are stable (8),
and the smaller items (10)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import ValidationError
from components.aws.aurora import AuroraGlobalDb
from plan.runtime import MockRuntime

T_CLUSTER = "aws:rds/cluster:Cluster"
T_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
T_GLOBAL = "aws:rds/globalCluster:GlobalCluster"
T_KEY = "aws:kms/key:Key"
T_RECORD = "aws:route53/record:Record"
T_ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones"
ARGS: dict[str, Any] = {
    "regions": ["us-east-1", "eu-west-1"],
    "global_cluster_identifier": "kc-global",
    "dns": {"zone_id": "Z0123456789ABC", "zone_name": "example.com"},
}


def build(runtime: MockRuntime, **extra: Any) -> AuroraGlobalDb:
    db = AuroraGlobalDb("kc", {**ARGS, **extra})  # type: ignore[arg-type]
    runtime.settle()
    return db


# -- item 1: destroy keeps a restorable final snapshot


def test_kept_final_snapshot_keeps_its_keys_and_backups(runtime: MockRuntime) -> None:
    build(runtime)
    keys = runtime.of_type(T_KEY)
    assert len(keys) == 2 and all(k.retain_on_delete for k in keys)
    primary = runtime.one(T_CLUSTER, "kc-us-east-1-cluster")
    assert primary.inputs["deleteAutomatedBackups"] is False
    suffix = runtime.one("random:index/randomId:RandomId", "kc-final-snapshot-suffix")
    assert primary.inputs["finalSnapshotIdentifier"] == f"kc-global-us-east-1-final-{suffix.outputs['hex']}"
    assert primary.inputs["skipFinalSnapshot"] is False


def test_skipped_final_snapshot_lets_the_keys_go(runtime: MockRuntime) -> None:
    build(runtime, skip_final_snapshot=True)
    assert not any(k.retain_on_delete for k in runtime.of_type(T_KEY))
    primary = runtime.one(T_CLUSTER, "kc-us-east-1-cluster")
    assert "finalSnapshotIdentifier" not in primary.inputs
    assert runtime.of_type("random:index/randomId:RandomId") == []


# -- item 2: every derived identifier fits RDS


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        # kc...(48)-ap-southeast-2-1 is 65 characters: the instance would be refused after the cluster.
        ({"global_cluster_identifier": "a" * 48, "regions": ["us-east-1", "ap-southeast-2"]}, "at most 46"),
        (
            {
                "global_cluster_identifier": "a" * 46,
                "regions": ["us-east-1", "ap-southeast-2"],
                "instances_per_region": 12,
            },
            "at most 45",
        ),
        ({"global_cluster_identifier": "KC-Global"}, "lowercase"),
    ],
)
def test_derived_identifiers_are_checked_up_front(
    runtime: MockRuntime, extra: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValidationError) as info:
        build(runtime, **extra)
    problem = next(p for p in info.value.problems if p.field == "global_cluster_identifier")
    assert words in str(problem)
    assert runtime.resources == []


def test_longest_allowed_identifier_fits_every_derived_name(runtime: MockRuntime) -> None:
    build(runtime, global_cluster_identifier="a" * 46, regions=["us-east-1", "ap-southeast-2"])
    names = [i.inputs["identifier"] for i in runtime.of_type(T_INSTANCE)]
    names += [c.inputs["clusterIdentifier"] for c in runtime.of_type(T_CLUSTER)]
    assert max(len(n) for n in names) == 63


# -- item 6: engine version


def test_engine_version_drift_is_not_undone_by_default(runtime: MockRuntime) -> None:
    build(runtime)
    assert "engineVersion" in runtime.one(T_GLOBAL).ignore_changes
    for instance in runtime.of_type(T_INSTANCE):
        assert instance.inputs["autoMinorVersionUpgrade"] is False


def test_engine_upgrade_is_an_explicit_input(runtime: MockRuntime) -> None:
    build(runtime, engine_version="16.8", allow_engine_upgrade=True)
    global_cluster = runtime.one(T_GLOBAL)
    assert "engineVersion" not in global_cluster.ignore_changes
    assert global_cluster.inputs["engineVersion"] == "16.8"


def test_a_member_joins_at_the_running_version(runtime: MockRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    from plan import mocks
    from plan.answers import aurora as answers

    def upgraded_by_aws(ctx: Any) -> tuple[str, dict[str, Any]]:
        rid, outputs = answers.global_cluster(ctx)
        return rid, {**outputs, "engineVersionActual": "16.8"}

    monkeypatch.setitem(mocks._RESOURCES, T_GLOBAL, upgraded_by_aws)
    build(runtime, regions=["us-east-1", "eu-west-1", "ap-south-1"])
    for cluster in runtime.of_type(T_CLUSTER):
        assert cluster.inputs["engineVersion"] == "16.8", cluster.name


# -- item 8: zones


def test_zones_are_chosen_by_opt_in_status_only(runtime: MockRuntime) -> None:
    build(runtime)
    calls = [args for token, args in runtime.mocks.calls if token == T_ZONES]
    assert calls and all("state" not in args for args in calls)


def test_zones_are_exported_and_overridable(runtime: MockRuntime) -> None:
    db = build(runtime, availability_zone_ids={"eu-west-1": ["euw1-az3", "euw1-az1"]})
    zone_ids = runtime.value(db.zone_ids)
    assert zone_ids["eu-west-1"] == ["euw1-az1", "euw1-az3"]
    assert zone_ids["us-east-1"] == ["use1-az1", "use1-az2", "use1-az3"]
    subnets = [s for s in runtime.of_type("aws:ec2/subnet:Subnet") if s.name.startswith("kc-eu-west-1-")]
    assert sorted(s.inputs["availabilityZoneId"] for s in subnets) == ["euw1-az1", "euw1-az3"]


@pytest.mark.parametrize(
    ("zones", "words"),
    [
        ({"eu-west-1": ["euw1-az1"]}, "2..6"),
        ({"eu-west-1": ["use1-az1", "use1-az2"]}, "zone ids of eu-west-1"),
        ({"ap-south-1": ["aps1-az1", "aps1-az2"]}, "one of regions"),
    ],
)
def test_bad_zone_overrides_are_named(runtime: MockRuntime, zones: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError) as info:
        build(runtime, availability_zone_ids=zones)
    assert any(words in str(p) for p in info.value.problems), str(info.value)


# -- item 10: smaller ones


def test_cname_waits_for_the_primary_instances(runtime: MockRuntime) -> None:
    build(runtime)
    record = runtime.one(T_RECORD)
    for instance in runtime.of_type(T_INSTANCE):
        if instance.name.startswith("kc-us-east-1-"):
            assert instance.urn in record.dependencies


def test_apply_immediately_is_an_input(runtime: MockRuntime) -> None:
    build(runtime, apply_immediately=True)
    assert all(i.inputs["applyImmediately"] is True for i in runtime.of_type(T_INSTANCE))
    assert all(c.inputs["applyImmediately"] is True for c in runtime.of_type(T_CLUSTER))


# -- item 5: a scheduled reconcile next to the events


@pytest.mark.parametrize(("minutes", "expression"), [(None, "rate(5 minutes)"), (1, "rate(1 minute)")])
def test_every_region_reconciles_on_a_schedule(
    runtime: MockRuntime, minutes: int | None, expression: str
) -> None:
    extra = {"endpoint_mode": "failover-lambda"} | ({"reconcile_minutes": minutes} if minutes else {})
    build(runtime, **extra)
    for region in ARGS["regions"]:
        rule = runtime.one("aws:cloudwatch/eventRule:EventRule", f"kc-{region}-failover-reconcile")
        assert rule.inputs["scheduleExpression"] == expression
        function = runtime.one("aws:lambda/function:Function", f"kc-{region}-failover")
        target = runtime.one(
            "aws:cloudwatch/eventTarget:EventTarget", f"kc-{region}-failover-reconcile-target"
        )
        assert target.inputs["rule"] == rule.outputs["name"]
        assert target.inputs["arn"] == function.outputs["arn"]
        assert "arn" in target.inputs["deadLetterConfig"]
        permission = runtime.one("aws:lambda/permission:Permission", f"kc-{region}-failover-reconcile-invoke")
        assert permission.inputs["sourceArn"] == rule.outputs["arn"]
        policy = json.loads(
            runtime.one("aws:sqs/queuePolicy:QueuePolicy", f"kc-{region}-failover-dlq-policy").inputs[
                "policy"
            ]
        )
        sources = policy["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"]
        assert rule.outputs["arn"] in sources and len(sources) == 2


def test_reconcile_period_is_bounded(runtime: MockRuntime) -> None:
    with pytest.raises(ValidationError) as info:
        build(runtime, endpoint_mode="failover-lambda", reconcile_minutes=6)
    assert "from 1 to 5" in str(info.value)


# -- item 10: adoption ids in the runbook match what the component registers


def test_runbook_import_ids_match_the_registered_resources(runtime: MockRuntime) -> None:
    import re
    from pathlib import Path

    runbook = (Path(__file__).resolve().parents[3] / "docs/operations/keycloak_aurora_global.md").read_text()
    rows = re.findall(r"^\| `(aws:[^`]+)` \| `([^`]+)` \| `([^`]+)` \|$", runbook, re.M)
    assert len(rows) == 4
    build(runtime, instances_per_region=2)
    zone, record = ARGS["dns"]["zone_id"], "kc-global.aurora-global.example.com"
    seen = 0
    for type_token, name_pattern, id_pattern in rows:
        for region in ARGS["regions"]:
            for n in (1, 2):
                fill = {"<name>": "kc", "<id>": "kc-global", "<region>": region, "<n>": str(n)}
                fill |= {"<zone id>": zone, "<record name>": record}
                name, import_id = name_pattern, id_pattern
                for key, value in fill.items():
                    name, import_id = name.replace(key, value), import_id.replace(key, value)
                res = runtime.one(type_token, name)
                physical = {
                    "aws:rds/globalCluster:GlobalCluster": lambda r: r.inputs["globalClusterIdentifier"],
                    "aws:rds/cluster:Cluster": lambda r: r.inputs["clusterIdentifier"],
                    "aws:rds/clusterInstance:ClusterInstance": lambda r: r.inputs["identifier"],
                    "aws:route53/record:Record": lambda r: f"{r.inputs['zoneId']}_{r.inputs['name']}_CNAME",
                }[type_token](res)
                assert physical == import_id, (type_token, name)
                seen += 1
    assert seen == 4 * 4
