"""The keycloak_aurora_global scenario: config validation, the dev stack's section, Keycloak outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import stacks
from components import ValidationError
from stacks import keycloak_aurora_global as scenario

ROOT = Path(__file__).resolve().parents[3]


def dev_section() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["crossnet:aurora"]


def test_dev_section_deploys_with_keycloak_outputs(runtime_factory: Any) -> None:
    section = dev_section()
    rt = runtime_factory(
        config={"crossnet:scenarios": ["keycloak_aurora_global"], "crossnet:aurora": section}
    )
    rt.run(lambda: stacks.run())
    outputs = rt.stack_outputs()["keycloak_aurora_global"]
    host = "keycloak-dev.aurora-global.dev.example.com"
    assert outputs["dns_name"] == host
    assert outputs["kc_db_url"] == (
        f"jdbc:postgresql://{host}:5432/keycloak"
        "?sslmode=verify-ca&sslrootcert=/opt/keycloak/conf/rds-global-bundle.pem"
    )
    assert outputs["kc_db_username"] == "keycloak"
    primary = rt.one("aws:rds/cluster:Cluster", "keycloak-us-west-2-cluster")
    assert outputs["kc_db_password"] == primary.inputs["masterPassword"]
    assert "keycloak_aurora_global" in rt.secret_stack_outputs()
    assert set(outputs["regional"]) == {"us-west-2", "us-east-1"}
    record = rt.one("aws:route53/record:Record")
    assert record.inputs["records"] == [outputs["global_writer_endpoint"]]
    assert rt.of_type("aws:lambda/function:Function") == []


def test_failover_lambda_mode_through_the_stack(runtime_factory: Any) -> None:
    section = {**dev_section(), "endpoint_mode": "failover-lambda"}
    rt = runtime_factory(
        config={"crossnet:scenarios": ["keycloak_aurora_global"], "crossnet:aurora": section}
    )
    rt.run(lambda: stacks.run())
    assert len(rt.of_type("aws:lambda/function:Function")) == 2
    assert rt.one("aws:route53/record:Record").ignore_changes == ["records"]


def test_verify_full_is_refused_with_the_reason() -> None:
    with pytest.raises(ValidationError) as info:
        scenario.configure({**dev_section(), "sslmode": "verify-full"})
    assert info.value.fields == ["crossnet:aurora.sslmode"]
    assert "CNAME is not in the RDS certificate" in str(info.value)


def test_component_problems_are_named_under_the_section(runtime_factory: Any) -> None:
    section = {
        **dev_section(),
        "regions": ["us-west-2"],
        "dns": {"zone_id": "Z1", "zone_name": "x.com", "ttl": 1},
    }
    rt = runtime_factory(
        config={"crossnet:scenarios": ["keycloak_aurora_global"], "crossnet:aurora": section}
    )
    with pytest.raises(ValidationError) as info:
        rt.run(lambda: stacks.run())
    assert set(info.value.fields) == {"crossnet:aurora.regions", "crossnet:aurora.dns.ttl"}
    assert rt.resources == []
