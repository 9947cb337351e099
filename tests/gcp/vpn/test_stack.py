"""The geo_postgres_vpn scenario: config validation and the composed graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import stacks
from components import ValidationError

ROOT = Path(__file__).resolve().parents[3]


def dev_section() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["crossnet:vpn"]


def run_dev_section(runtime_factory: Any) -> Any:
    """The dev stack's crossnet:vpn section deployed on a fresh mock runtime."""
    rt = runtime_factory(
        config={
            "crossnet:scenarios": ["geo_postgres_vpn"],
            "crossnet:vpn": dev_section(),
            "gcp:region": "europe-west1",
        }
    )
    rt.run(lambda: stacks.run())
    return rt


def test_dev_stack_section_deploys(runtime_factory: Any) -> None:
    rt = run_dev_section(runtime_factory)
    out = rt.stack_outputs()["geo_postgres_vpn"]
    assert "route 192.168.50.0 255.255.255.0" in out["server_config"]
    assert set(out["client_profiles"]) == {"onprem-dc1", "ops-laptop"}
    assert "hostssl replication replicator" in out["primary_settings"]
    assert "geo_postgres_vpn" in rt.secret_stack_outputs()


def test_bad_section_names_fields_before_any_resource(runtime_factory: Any) -> None:
    section = dev_section()
    section["gateway"]["vpn_cidr"] = "10.20.0.0/24"
    section["standby"]["primary_address"] = "nowhere"
    section["extra"] = 1
    rt = runtime_factory(
        config={
            "crossnet:scenarios": ["geo_postgres_vpn"],
            "crossnet:vpn": section,
            "gcp:region": "europe-west1",
        }
    )
    with pytest.raises(ValidationError) as err:
        stacks.run()
    assert {
        "crossnet:vpn.gateway.vpn_cidr",
        "crossnet:vpn.standby.primary_address",
        "crossnet:vpn.extra",
    } <= set(err.value.fields)
    assert not rt.resources
