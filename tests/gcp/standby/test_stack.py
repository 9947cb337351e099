"""The standby in the geo_postgres_vpn scenario: its config section and its place in the graph."""

from __future__ import annotations

from typing import Any

from tests.gcp.vpn.test_stack import run_dev_section


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
