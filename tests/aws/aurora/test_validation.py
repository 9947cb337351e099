"""AuroraGlobalDb input validation: one ValidationError naming every bad field, before any resource."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components import ValidationError
from components.aws.aurora import AuroraGlobalDb
from components.aws.aurora.args import REGION_TABLE, SUBJECT, Settings, default_vpc_cidr, validate
from components.validation import Problems
from plan.runtime import MockRuntime

GOOD: dict[str, Any] = {
    "regions": ["us-east-1", "eu-west-1"],
    "global_cluster_identifier": "kc-global",
    "dns": {"zone_id": "Z0123456789ABC", "zone_name": "example.com"},
}
PEER = {
    "vpc_id": "vpc-0123456789abcdef0",
    "region": "us-east-2",
    "cidr": "10.0.0.0/16",
    "route_table_ids": ["rtb-0123456789abcdef0"],
}


def check(args: Any) -> Settings:
    """validate() the way the component does: one ValidationError listing every problem."""
    problems = Problems(SUBJECT)
    settings = validate(args, problems)
    problems.raise_if_any()
    assert settings is not None
    return settings


def fields(**changes: Any) -> list[str]:
    with pytest.raises(ValidationError) as info:
        check({**GOOD, **changes})
    return info.value.fields


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"regions": ["us-east-1"]}, "regions", "2..11"),
        ({"regions": [f"us-east-{i}" for i in range(1, 13)]}, "regions", "2..11"),
        ({"regions": ["us-east-1", "us-east-1"]}, "regions", "duplicated: us-east-1"),
        ({"regions": ["us-east-1", "Europe"]}, "regions", "malformed: 'Europe'"),
        ({"regions": ["us-east-1", "eu_west_1"]}, "regions", "malformed"),
        ({"global_cluster_identifier": "1abc"}, "global_cluster_identifier", "starting with a letter"),
        ({"global_cluster_identifier": "a--b"}, "global_cluster_identifier", "'--'"),
        ({"global_cluster_identifier": "abc-"}, "global_cluster_identifier", "trailing"),
        ({"global_cluster_identifier": "a" * 60}, "global_cluster_identifier", "at most 51"),
        ({"instances_per_region": 0}, "instances_per_region", "from 1 to 16"),
        ({"endpoint_mode": "route53-health-check"}, "endpoint_mode", "'failover-lambda'"),
        ({"dns": {**GOOD["dns"], "ttl": 4}}, "dns.ttl", "from 5 to 3600"),
        ({"dns": {**GOOD["dns"], "ttl": 3601}}, "dns.ttl", "from 5 to 3600"),
        ({"dns": {**GOOD["dns"], "zone_id": "zone"}}, "dns.zone_id", "hosted zone id"),
        ({"dns": {**GOOD["dns"], "record_name": "db.example.org"}}, "dns.record_name", "below the zone"),
        (
            {"vpc_cidrs": {"us-east-1": "10.1.0.0/16", "eu-west-1": "10.1.128.0/17"}},
            "vpc_cidrs.us-east-1",
            "must not overlap vpc_cidrs.eu-west-1",
        ),
        ({"vpc_cidrs": {"us-east-1": "10.1.0.1/16"}}, "vpc_cidrs.us-east-1", "zero host bits"),
        ({"vpc_cidrs": {"ap-south-1": "10.1.0.0/16"}}, "vpc_cidrs.ap-south-1", "one of regions"),
        (
            {"peer_vpcs": [{**PEER, "cidr": "10.64.0.0/12"}]},
            "peer_vpcs[0].cidr",
            "must not overlap vpc_cidrs.us-east-1 (default 10.64.0.0/16)",
        ),
        (
            {"vpc_cidrs": {"eu-west-1": "10.0.128.0/20"}, "peer_vpcs": [PEER]},
            "vpc_cidrs.eu-west-1",
            "must not overlap peer_vpcs[0].cidr",
        ),
        (
            {"peer_vpcs": [PEER, {**PEER, "vpc_id": "vpc-0aaaaaaaaaaaaaaaa", "cidr": "10.0.4.0/24"}]},
            "peer_vpcs[0].cidr",
            "must not overlap peer_vpcs[1].cidr",
        ),
        ({"peer_vpcs": [{**PEER, "route_table_ids": ["main"]}]}, "peer_vpcs[0].route_table_ids", "rtb-"),
        ({"peer_vpcs": [{**PEER, "vpc_id": "my-vpc"}]}, "peer_vpcs[0].vpc_id", "vpc-"),
        ({"backup_retention_days": 0}, "backup_retention_days", "from 1 to 35"),
        ({"failover_reserved_concurrency": 0}, "failover_reserved_concurrency", "from 1 to 1000"),
        ({"failover_reserved_concurrency": 1001}, "failover_reserved_concurrency", "from 1 to 1000"),
        ({"failover_reserved_concurrency": "2"}, "failover_reserved_concurrency", "from 1 to 1000"),
        ({"failover_reserved_concurrency": True}, "failover_reserved_concurrency", "from 1 to 1000"),
        ({"deletion_protection": "yes"}, "deletion_protection", "true or false"),
        ({"master_username": "rdsadmin"}, "master_username", "reserve"),
        ({"regionz": ["us-east-1"]}, "regionz", "unknown key"),
        ({"application_role": "keycloak_app"}, "application_role", "a mapping with name"),
        ({"application_role": {}}, "application_role.name", "1-63 lowercase letters"),
        ({"application_role": {"name": "Keycloak"}}, "application_role.name", "lowercase"),
        ({"application_role": {"name": "pg_app"}}, "application_role.name", "not pg_* or rds*"),
        ({"application_role": {"name": "rds_app"}}, "application_role.name", "not pg_* or rds*"),
        ({"application_role": {"name": "a" * 64}}, "application_role.name", "1-63"),
        ({"application_role": {"name": "postgres"}}, "application_role.name", "do not reserve"),
        ({"application_role": {"name": "keycloak"}}, "application_role.name", "other than the master user"),
        ({"application_role": {"name": "app", "schema": "public"}}, "application_role.schema", "own"),
        ({"application_role": {"name": "app", "schema": "pg_x"}}, "application_role.schema", "pg_*"),
        ({"application_role": {"name": "app", "grants": []}}, "application_role.grants", "unknown key"),
        ({"application_role": {"name": "app"}, "engine_version": "13.12"}, "engine_version", "14 or later"),
        ({"application_role": {"name": "app"}, "database_name": "KeyCloak"}, "database_name", "lowercase"),
        ({"application_role": {"name": "app", "ca_bundle": "rds-ca"}}, "application_role.ca_bundle", "PEM"),
        (
            {
                "application_role": {
                    "name": "app",
                    "ca_bundle": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                }
            },
            "application_role.ca_bundle",
            "that parse",
        ),
    ],
)
def test_each_bad_field_is_named(changes: dict[str, Any], field: str, words: str) -> None:
    with pytest.raises(ValidationError) as info:
        check({**GOOD, **changes})
    assert field in info.value.fields
    problem = next(p for p in info.value.problems if p.field == field)
    assert words in str(problem)


def test_one_error_lists_every_problem_and_nothing_is_registered(runtime: MockRuntime) -> None:
    bad = {
        "regions": ["us-east-1", "us-east-1", "mars-1"] * 4,
        "global_cluster_identifier": "-x",
        "instances_per_region": 0,
        "endpoint_mode": "dns-magic",
        "dns": {"zone_id": "Z0123456789ABC", "zone_name": "example.com", "ttl": 1},
        "vpc_cidrs": {},
        "peer_vpcs": [{**PEER, "cidr": "300.0.0.0/8"}],
    }
    with pytest.raises(ValidationError) as info:
        AuroraGlobalDb("kc", bad)  # type: ignore[arg-type]
    assert set(info.value.fields) >= {
        "regions",
        "global_cluster_identifier",
        "instances_per_region",
        "endpoint_mode",
        "dns.ttl",
        "peer_vpcs[0].cidr",
    }
    message = str(info.value)
    assert "AuroraGlobalDb" in message and "'dns-magic'" in message and "got 0" in message
    runtime.settle()
    assert runtime.resources == []


def test_overlap_of_defaults_with_each_other_is_impossible() -> None:
    nets = [ipaddress.IPv4Network(default_vpc_cidr(r)) for r in REGION_TABLE]  # type: ignore[arg-type]
    assert len(REGION_TABLE) == len(set(REGION_TABLE))
    assert all(not a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1 :])
    assert default_vpc_cidr("us-east-1") == "10.64.0.0/16"
    assert default_vpc_cidr("xx-nowhere-9") is None
    # a real region (botocore knows it) that has no default CIDR: refused by vpc_cidrs, not by regions
    assert "vpc_cidrs.cn-north-1" in fields(regions=["us-east-1", "cn-north-1"])


@given(st.lists(st.sampled_from(REGION_TABLE), min_size=2, max_size=11, unique=True), st.data())
def test_default_cidr_depends_on_region_only(regions: list[str], data: st.DataObject) -> None:
    subset = data.draw(st.lists(st.sampled_from(regions), min_size=2, unique=True))
    full = check({**GOOD, "regions": regions}).vpc_cidrs
    part = check({**GOOD, "regions": subset}).vpc_cidrs
    assert all(part[r] == full[r] for r in subset)


def test_defaults() -> None:
    s = check(GOOD)
    assert s.record_name == "kc-global.aurora-global.example.com"
    assert (s.ttl, s.instances_per_region, s.endpoint_mode) == (30, 1, "global-writer-endpoint")
    assert (s.database_name, s.master_username, s.backup_retention_days) == ("keycloak", "keycloak", 7)
    assert s.deletion_protection and s.storage_encrypted and s.iam_database_authentication
    assert s.performance_insights and s.log_exports and not s.skip_final_snapshot
    assert s.engine_version.startswith("16.") and s.instance_class.startswith("db.r")
    assert s.primary == "us-east-1" and s.secondaries == ("eu-west-1",)
    assert s.failover_reserved_concurrency is None
    assert check({**GOOD, "failover_reserved_concurrency": 1000}).failover_reserved_concurrency == 1000
    assert s.application_role is None
    role = check({**GOOD, "application_role": {"name": "keycloak_app"}}).application_role
    assert role is not None and (role.name, role.schema) == ("keycloak_app", "keycloak_app")


PEER_FIELDS = {"vpc_id", "region", "cidr", "route_table_ids"}
DNS_FIELDS = {"zone_id", "zone_name", "record_name", "ttl"}
# Each top-level field with a value to wrap in an Output; every key of AuroraGlobalDbArgs is listed.
PLAIN_FIELDS: dict[str, Any] = {
    "regions": ["us-east-1", "eu-west-1"],
    "global_cluster_identifier": "kc-global",
    "dns": GOOD["dns"],
    "instances_per_region": 2,
    "engine_version": "16.6",
    "instance_class": "db.r7g.large",
    "database_name": "keycloak",
    "master_username": "keycloak",
    "vpc_cidrs": {"us-east-1": "10.1.0.0/16"},
    "endpoint_mode": "failover-lambda",
    "failover_reserved_concurrency": 2,
    "reconcile_minutes": 5,
    "peer_vpcs": [PEER],
    "deletion_protection": True,
    "backup_retention_days": 7,
    "storage_encrypted": True,
    "iam_database_authentication": True,
    "performance_insights": True,
    "log_exports": True,
    "skip_final_snapshot": False,
    "providers": {},
    "allow_engine_upgrade": False,
    "teardown_check": True,
    "apply_immediately": False,
    "availability_zone_ids": {"eu-west-1": ["euw1-az1", "euw1-az2"]},
    "provider_settings": {"eu-west-1": {"profile": "dr"}},
    "application_role": {"name": "app", "schema": "app"},
}
ROLE_FIELDS = {"name", "schema", "ca_bundle"}


def plain_cases() -> list[tuple[str, Any]]:
    from components.aws.aurora.args import AuroraGlobalDbArgs

    assert set(PLAIN_FIELDS) == set(AuroraGlobalDbArgs.__annotations__)
    cases: list[tuple[str, Any]] = [
        (k, lambda out, k=k: {**GOOD, k: out(PLAIN_FIELDS[k])}) for k in PLAIN_FIELDS
    ]
    for k in sorted(DNS_FIELDS):
        value = {"record_name": "db.example.com", "ttl": 30}.get(k) or GOOD["dns"][k]
        cases.append((f"dns.{k}", lambda out, k=k, v=value: {**GOOD, "dns": {**GOOD["dns"], k: out(v)}}))
    for k in sorted(PEER_FIELDS):
        cases.append(
            (f"peer_vpcs[0].{k}", lambda out, k=k: {**GOOD, "peer_vpcs": [{**PEER, k: out(PEER[k])}]})
        )
    for k in sorted(ROLE_FIELDS):
        cases.append(
            (
                f"application_role.{k}",
                lambda out, k=k: {**GOOD, "application_role": {"name": "app", k: out("app")}},
            )
        )
    cases.append(
        ("vpc_cidrs.us-east-1", lambda out: {**GOOD, "vpc_cidrs": {"us-east-1": out("10.1.0.0/16")}})
    )
    return cases


@pytest.mark.parametrize(("field", "make"), plain_cases(), ids=[c[0] for c in plain_cases()])
def test_an_output_in_a_plain_field_is_named(runtime: MockRuntime, field: str, make: Any) -> None:
    import pulumi

    with pytest.raises(ValidationError) as info:
        AuroraGlobalDb("kc", make(pulumi.Output.from_input))
    problem = next(p for p in info.value.problems if p.field == field)
    assert "a plain value known before deployment; got an Output" in str(problem)
    runtime.settle()
    assert runtime.resources == []
