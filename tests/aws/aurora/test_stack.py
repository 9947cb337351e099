"""The keycloak_aurora_global scenario: config validation, the dev stack's section, Keycloak outputs."""

from __future__ import annotations

import json
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
    # Keycloak logs in as its own role, never as the master user (issue 14 item 9).
    primary = rt.one("aws:rds/cluster:Cluster", "keycloak-us-west-2-cluster")
    assert primary.inputs["masterUsername"] == "keycloak"
    assert (outputs["kc_db_username"], outputs["kc_db_schema"]) == ("keycloak_app", "keycloak")
    assert len(outputs["kc_db_password"]) == 40
    assert outputs["kc_db_password"] != primary.inputs["masterPassword"]
    event = json.loads(rt.one("aws:lambda/invocation:Invocation").inputs["input"])
    assert (event["role"], event["schema"], event["role_password"]) == (
        "keycloak_app",
        "keycloak",
        outputs["kc_db_password"],
    )
    assert "keycloak_aurora_global" in rt.secret_stack_outputs()
    assert set(outputs["regional"]) == {"us-west-2", "us-east-1"}
    record = rt.one("aws:route53/record:Record")
    assert record.inputs["records"] == [outputs["global_writer_endpoint"]]
    functions = rt.of_type("aws:lambda/function:Function")
    assert [f.name for f in functions] == ["keycloak-us-west-2-bootstrap"]  # no failover handler


def test_failover_lambda_mode_through_the_stack(runtime_factory: Any) -> None:
    section = {**dev_section(), "endpoint_mode": "failover-lambda"}
    rt = runtime_factory(
        config={"crossnet:scenarios": ["keycloak_aurora_global"], "crossnet:aurora": section}
    )
    rt.run(lambda: stacks.run())
    assert len(rt.of_type("aws:lambda/function:Function")) == 2 + 1  # two failover handlers, one bootstrap
    assert rt.one("aws:route53/record:Record").ignore_changes == ["records"]


def test_the_keycloak_role_can_be_named_but_not_be_the_master_user() -> None:
    named = scenario.configure({**dev_section(), "application_role": {"name": "kc", "schema": "kc_data"}})
    assert (named.role.name, named.role.schema) == ("kc", "kc_data")
    with pytest.raises(ValidationError) as info:
        scenario.configure({**dev_section(), "application_role": {"name": "keycloak"}})
    assert info.value.fields == ["crossnet:aurora.application_role.name"]
    assert "other than the master user" in str(info.value)


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
