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
    cert = rt.one("tls:index/locallySignedCert:LocallySignedCert", "geo-standby-replication-cert")
    assert (
        cert.inputs["caCertPem"]
        == rt.one("tls:index/selfSignedCert:SelfSignedCert", "geo-vpn-ca").outputs["certPem"]
    )
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


def test_standby_vm_waits_for_gateway_vm_and_routes(runtime_factory: Any) -> None:
    rt = run_dev_section(runtime_factory)
    deps = set(rt.one("gcp:compute/instance:Instance", "geo-standby-vm").dependencies)
    routes = rt.of_type("gcp:compute/route:Route")
    assert routes
    assert {r.urn for r in routes} <= deps
    assert rt.one("gcp:compute/instance:Instance", "geo-vpn-vm").urn in deps


def test_clone_retries_and_replaces_data_only_after_success() -> None:
    from components.gcp.standby import render

    script = render.clone_script(conninfo="host=a", slot="s", data_dir="/d", bin_dir="/b")
    assert "ATTEMPTS=60" in script and "RETRY_SECONDS=30" in script  # about 30 minutes
    assert (
        script.index("until clone_once") < script.index('rm -rf "$DATA"') < script.index('mv "$NEW" "$DATA"')
    )
    assert 'find "$DATA"' not in script
    startup = render.standby_startup_script(
        project="p-12345",
        postgres_version=16,
        primary_ca_pem="-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
        client_cert_pem="-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n",
        client_key_secret="k",
        conninfo="host=a",
        slot="s",
        clone_attempts=3,
        clone_retry_seconds=2,
    )
    assert "ATTEMPTS=3\n" in startup and "RETRY_SECONDS=2\n" in startup
