"""The standby in the geo_postgres_vpn scenario: its config section and its place in the graph."""

from __future__ import annotations

from typing import Any

import pytest

import stacks
from components import ValidationError
from tests.gcp.vpn.test_stack import dev_section, run_dev_section

T_CERT = "tls:index/locallySignedCert:LocallySignedCert"
T_SELF = "tls:index/selfSignedCert:SelfSignedCert"


def test_standby_vm_waits_for_gateway_vm_and_routes(runtime_factory: Any) -> None:
    rt = run_dev_section(runtime_factory)
    deps = set(rt.one("gcp:compute/instance:Instance", "geo-standby-vm").dependencies)
    routes = rt.of_type("gcp:compute/route:Route")
    assert routes
    assert {r.urn for r in routes} <= deps
    assert rt.one("gcp:compute/instance:Instance", "geo-vpn-vm").urn in deps


def test_the_vpn_ca_is_not_the_database_client_ca(runtime_factory: Any) -> None:
    """A VPN client certificate whose CN matches a role must not satisfy `cert` rules on the primary."""
    rt = run_dev_section(runtime_factory)
    vpn_ca = rt.one(T_SELF, "geo-vpn-ca").outputs["certPem"]
    client_ca = rt.one(T_SELF, "geo-standby-client-ca").outputs["certPem"]
    assert client_ca != vpn_ca
    assert rt.one(T_CERT, "geo-standby-replication-cert").inputs["caCertPem"] == client_ca
    out = rt.stack_outputs()["geo_postgres_vpn"]
    assert "hostssl replication replicator" in out["primary_settings"]


def _refused(runtime_factory: Any, section: dict[str, Any]) -> ValidationError:
    rt = runtime_factory(
        config={
            "crossnet:scenarios": ["geo_postgres_vpn"],
            "crossnet:vpn": section,
            "gcp:region": "europe-west1",
        }
    )
    with pytest.raises(ValidationError) as err:
        stacks.run()
    assert not rt.resources
    return err.value


def test_primary_outside_every_routed_lan_is_refused(runtime_factory: Any) -> None:
    section = dev_section()
    section["standby"]["primary_address"] = "10.99.0.5"  # not behind any VPN client
    err = _refused(runtime_factory, section)
    problem = next(p for p in err.problems if p.field == "crossnet:vpn.standby.primary_address")
    assert "192.168.50.0/24" in problem.allowed


def test_the_examples_placeholder_ca_is_refused(runtime_factory: Any) -> None:
    section = dev_section()
    section["standby"]["primary_ca_certificate"] = (
        "-----BEGIN CERTIFICATE-----\nREPLACE-WITH-THE-ON-PREM-CA-PEM\n-----END CERTIFICATE-----\n"
    )
    err = _refused(runtime_factory, section)
    assert "crossnet:vpn.standby.primary_ca_certificate" in err.fields


def test_the_drill_finds_the_standby_from_the_stack_outputs(runtime_factory: Any) -> None:
    rt = run_dev_section(runtime_factory)
    out = rt.stack_outputs()["geo_postgres_vpn"]
    assert (
        out["standby_instance"] == rt.one("gcp:compute/instance:Instance", "geo-standby-vm").outputs["name"]
    )
    assert out["standby_egress"].startswith("existing")
