"""OpenVpnGateway on the mock runtime: the graph, its settings, secrets, validation."""

from __future__ import annotations

import json
import subprocess
from shutil import which
from typing import Any

import pytest

from components import OpenVpnGateway, ValidationError
from components.gcp.vpn import render as vpn_render
from plan.runtime import MockRuntime

from .base import HOST_KEY, gateway_args

CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
CERT = "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n"  # decodes; fingerprint only


T_INSTANCE = "gcp:compute/instance:Instance"
T_FIREWALL = "gcp:compute/firewall:Firewall"
T_ROUTE = "gcp:compute/route:Route"
T_IAM = "gcp:secretmanager/secretIamMember:SecretIamMember"
T_VERSION = "gcp:secretmanager/secretVersion:SecretVersion"


def test_gateway_graph_and_settings(runtime: MockRuntime) -> None:
    gw = OpenVpnGateway("gw", gateway_args())  # type: ignore[arg-type]
    runtime.settle()
    fw = runtime.one(T_FIREWALL, "gw-vpn-in")
    assert fw.inputs["sourceRanges"] == ["203.0.113.0/24"]
    assert fw.inputs["allows"] == [{"protocol": "udp", "ports": ["1194"]}]
    email = runtime.one("gcp:serviceaccount/account:Account").outputs["email"]
    assert fw.inputs["targetServiceAccounts"] == [email]
    vm = runtime.one(T_INSTANCE)
    assert vm.inputs["canIpForward"] is True
    assert vm.inputs["shieldedInstanceConfig"] == {
        "enableSecureBoot": True,
        "enableVtpm": True,
        "enableIntegrityMonitoring": True,
    }
    meta = vm.inputs["metadata"]
    assert meta["enable-oslogin"] == "TRUE" and meta["block-project-ssh-keys"] == "TRUE"
    assert vm.inputs["serviceAccount"]["email"] == email
    assert vm.inputs["networkInterfaces"][0]["accessConfigs"][0]["natIp"] == runtime.value(gw.public_ip)
    # no private key anywhere in the instance's inputs
    assert "PRIVATE KEY" not in json.dumps(vm.inputs) and "OpenVPN Static key" not in json.dumps(vm.inputs)
    routes = {r.inputs["destRange"]: r for r in runtime.of_type(T_ROUTE)}
    assert set(routes) == {"192.168.50.0/24", "10.8.0.0/24"}
    for r in routes.values():
        assert r.inputs["nextHopInstance"] == vm.outputs["selfLink"]
        assert r.inputs["nextHopInstanceZone"] == "europe-west1-b" and r.inputs["network"] == "vpc"
    # each secret is readable by the VM's service account only, bound on the secret itself
    members = runtime.of_type(T_IAM)
    assert len(members) == 2
    assert {m.inputs["member"] for m in members} == {f"serviceAccount:{email}"}
    assert {m.inputs["role"] for m in members} == {"roles/secretmanager.secretAccessor"}
    versions = runtime.of_type(T_VERSION)
    assert all("secretData" in v.secret_inputs for v in versions)
    assert any("PRIVATE KEY" in v.inputs["secretData"] for v in versions)
    assert any("BEGIN OpenVPN Static key V1" in v.inputs["secretData"] for v in versions)
    # secrets are secret
    assert runtime.is_secret(gw.client_profiles) and runtime.is_secret(gw.ca_private_key)
    assert not runtime.is_secret(gw.server_config)
    assert set(runtime.value(gw.client_profiles)) == {"site-a", "laptop"}
    conf = runtime.value(gw.server_config)
    assert "ccd-exclusive" in conf and "route 192.168.50.0 255.255.255.0" in conf
    assert "BEGIN" not in conf
    assert runtime.value(gw.client_configs)["site-a"].splitlines()[1] == "iroute 192.168.50.0 255.255.255.0"


def test_adding_a_client_keeps_existing_names(runtime_factory: Any) -> None:
    rt = runtime_factory()
    OpenVpnGateway(
        "gw",
        gateway_args(clients={"site-a": ["192.168.50.0/24"], "laptop": [], "site-b": ["192.168.60.0/24"]}),
    )  # type: ignore[arg-type]
    rt.settle()
    names = {r.name for r in rt.resources}
    assert {
        "gw-client-site-a-cert",
        "gw-client-laptop-cert",
        "gw-route-site-site-a-192-168-50-0-24",
        "gw-client-site-b-cert",
        "gw-route-vpn-10-8-0-0-24",
    } <= names


def test_onprem_ssh_runs_rendered_install_with_triggers(runtime: MockRuntime) -> None:
    gw = OpenVpnGateway(
        "gw",
        gateway_args(
            onprem_ssh={  # type: ignore[arg-type]
                "host": "192.168.50.1",
                "user": "admin",
                "private_key": "KEY",
                "host_key": HOST_KEY,
                "client": "site-a",
            }
        ),
    )
    runtime.settle()
    cmd = runtime.one("command:remote:Command", "gw-onprem-site-a")
    assert cmd.inputs["create"] == "sudo -n bash -s"
    profile = runtime.value(gw.client_profiles)["site-a"]
    assert cmd.inputs["stdin"] == vpn_render.site_install_script(client_name="site-a", profile=profile)
    assert "stdin" in cmd.secret_inputs and "connection" in cmd.secret_inputs
    assert len(cmd.inputs["triggers"]) == 1 and len(cmd.inputs["triggers"][0]) == 64


def test_validation_lists_every_bad_field() -> None:
    with MockRuntime() as rt, pytest.raises(ValidationError) as err:
        OpenVpnGateway(
            "gw",
            gateway_args(  # type: ignore[arg-type]
                vpn_cidr="10.20.0.0/24",
                gcp_cidrs=["10.20.0.0/16", "nope"],
                clients={"Bad Name": ["192.168.50.0/24"], "site-b": ["192.168.50.128/25"]},
                allowed_source_ranges=["0.0.0.0/0"],
                port=70000,
                protocol="sctp",
            ),
        )
    fields = set(err.value.fields)
    assert {"gcp_cidrs[1]", "clients['Bad Name']", "allowed_source_ranges[0]", "port", "protocol"} <= fields
    assert "vpn_cidr" in fields  # overlaps gcp_cidrs[0]
    assert "clients['Bad Name'][0]" in fields  # overlaps site-b's LAN
    assert not rt.resources


def test_world_ingress_needs_explicit_opt_in(runtime: MockRuntime) -> None:
    OpenVpnGateway(
        "gw",
        gateway_args(
            allowed_source_ranges=["0.0.0.0/0"],  # type: ignore[arg-type]
            allow_world_ingress=True,
            protocol="tcp",
            port=443,
        ),
    )
    runtime.settle()
    fw = runtime.one(T_FIREWALL, "gw-vpn-in")
    assert fw.inputs["sourceRanges"] == ["0.0.0.0/0"]
    assert fw.inputs["allows"] == [{"protocol": "tcp", "ports": ["443"]}]


def test_static_key_format() -> None:
    text = vpn_render.static_key("ab" * 256)
    lines = text.splitlines()
    assert (
        lines[3] == "-----BEGIN OpenVPN Static key V1-----"
        and lines[-1] == "-----END OpenVPN Static key V1-----"
    )
    assert len(lines[4:-1]) == 16 and all(len(line) == 32 for line in lines[4:-1])
    with pytest.raises(ValueError, match="256 bytes"):
        vpn_render.static_key("ab" * 255)


def test_ccd_pushes_other_sites_with_client_to_client() -> None:
    clients = {"a": ["192.168.1.0/24"], "b": ["192.168.2.0/24"]}
    assert 'push "route 192.168.2.0 255.255.255.0"' in vpn_render.client_config("a", clients, True)
    assert "push" not in vpn_render.client_config("a", clients, False)
    assert "client-to-client" in vpn_render.server_conf(
        vpn_cidr="10.8.0.0/24", gcp_cidrs=[], clients=clients, client_to_client=True
    )


def gateway_script(**over: Any) -> str:
    """The gateway's startup script rendered from small fixed values."""
    values: dict[str, Any] = {
        "project": "p-12345",
        "server_config": "x\n",
        "client_configs": {},
        "ca_pem": CA,
        "server_cert_pem": CA,
        "server_key_secret": "s1",
        "tls_crypt_secret": "s2",
        "client_certs": {"a": CERT},
        "client_to_client": False,
    }
    return vpn_render.startup_script(**{**values, **over})


@pytest.mark.skipif(which("shellcheck") is None, reason="shellcheck not installed")
def test_rendered_scripts_pass_shellcheck() -> None:
    scripts = [
        gateway_script(client_configs={"a": "y\n"}),
        vpn_render.site_install_script(client_name="a", profile="client\n"),
        vpn_render.SYNC_SCRIPT,
    ]
    for script in scripts:
        result = subprocess.run(
            ["shellcheck", "-s", "bash", "-"], input=script, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout


def test_route_names_fit_gcp_limit_and_are_stable(runtime_factory: Any) -> None:
    from components.gcp.common import GCP_NAME, gcp_name

    long_client = "c" * 32
    rt = runtime_factory()
    OpenVpnGateway(
        "geo-vpn",
        gateway_args(clients={long_client: ["192.168.100.0/24"], "site-a": ["192.168.50.0/24"]}),
    )  # type: ignore[arg-type]
    rt.settle()
    routes = {r.inputs["destRange"]: r for r in rt.of_type(T_ROUTE)}
    import re

    for r in routes.values():
        gname = r.inputs["name"]
        assert len(gname) <= 63 and re.fullmatch(GCP_NAME, gname), gname
        assert r.delete_before_replace
    long_route = routes["192.168.100.0/24"]
    # the logical (URN) name is unchanged; the GCP name is short, deterministic, distinct
    assert long_route.name == f"geo-vpn-route-site-{long_client}-192-168-100-0-24"
    long_key = f"site-{long_client}-192-168-100-0-24"
    assert long_route.inputs["name"] == gcp_name("geo-vpn-test", "route", long_key)
    assert routes["192.168.50.0/24"].inputs["name"] == "geo-vpn-test-route-site-site-a-192-168-50-0-24"
    assert len({r.inputs["name"] for r in routes.values()}) == len(routes)
    assert gcp_name("geo-vpn", "route", "x" * 80) != gcp_name("geo-vpn", "route", "x" * 79 + "y")


def test_vms_wait_for_secret_versions_and_reader_bindings(runtime: MockRuntime) -> None:
    OpenVpnGateway("gw", gateway_args())  # type: ignore[arg-type]
    runtime.settle()
    for vm_name, prefixes in (("gw-vm", ("gw-server-key", "gw-tls-crypt")),):
        deps = set(runtime.one(T_INSTANCE, vm_name).dependencies)
        for prefix in prefixes:
            assert runtime.one(T_VERSION, f"{prefix}-v").urn in deps, (vm_name, prefix)
            assert runtime.one(T_IAM, f"{prefix}-reader").urn in deps, (vm_name, prefix)


def test_fetch_secret_retries_until_readable(tmp_path: Any) -> None:
    """The rendered fetch_secret against a fake gcloud that fails twice, then answers."""
    fake = tmp_path / "gcloud"
    fake.write_text(
        '#!/bin/bash\nn=$(cat "$COUNT" 2>/dev/null || echo 0); echo $((n + 1)) > "$COUNT"\n'
        '[ "$n" -ge 2 ] || { echo "PERMISSION_DENIED" >&2; exit 1; }\necho "s3cret for $*"\n'
    )
    fake.chmod(0o755)
    fn = "\n".join(vpn_render.fetch_secret_function("p-12345", attempts=5, delay=0))
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "COUNT": str(tmp_path / "count")}
    out = tmp_path / "key"
    run = subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{fn}\nfetch_secret my-secret {out}"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert out.read_text().startswith("s3cret for secrets versions access latest --project=p-12345")
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert (tmp_path / "count").read_text().strip() == "3"
    # bounded: gives up (non-zero) after the attempts
    (tmp_path / "count").write_text("-100")
    fn = "\n".join(vpn_render.fetch_secret_function("p-12345", attempts=3, delay=0))
    run = subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{fn}\nfetch_secret my-secret {out}.2; echo unreachable"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0 and "unreachable" not in run.stdout
    assert "could not read secret my-secret" in run.stderr
    for script in (gateway_script(),):
        assert "\n".join(vpn_render.fetch_secret_function("p-12345")) in script
        assert "gcloud secrets" not in script.replace(
            "\n".join(vpn_render.fetch_secret_function("p-12345")), ""
        )
