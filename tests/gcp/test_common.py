"""The GCP components' shared pieces: SSH host keys and deletes (issue 17 item 10), certificate issuance."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pulumi
import pytest
from cryptography import x509

from components.gcp import common
from components.validation import Problems
from plan.runtime import MockRuntime

from .vpn.base import HOST_KEY, JUMP_KEY


def ssh(**over: Any) -> dict[str, Any]:
    return {"host": "192.168.50.1", "user": "admin", "private_key": "KEY", "host_key": HOST_KEY, **over}


def problems_of(value: Any) -> dict[str, str]:
    p = Problems("test")
    common.check_ssh(p, value, "ssh")
    return {item.field: item.allowed for item in p.items}


def test_host_key_is_required_unless_the_insecure_opt_in_is_set() -> None:
    no_key = {k: v for k, v in ssh().items() if k != "host_key"}
    assert "ssh.host_key" in problems_of(no_key)
    assert "allow_unknown_host_key" in problems_of(no_key)["ssh.host_key"]
    assert problems_of({**no_key, "allow_unknown_host_key": True}) == {}
    assert problems_of(ssh()) == {}


def test_jump_host_needs_its_own_host_key() -> None:
    assert set(problems_of(ssh(jump_host="bastion.example"))) == {"ssh.jump_host_key"}
    assert problems_of(ssh(jump_host="bastion.example", jump_host_key=JUMP_KEY)) == {}
    assert set(problems_of(ssh(jump_host_key=JUMP_KEY))) == {"ssh.jump_host_key"}
    assert problems_of(ssh(jump_host="bastion.example", allow_unknown_host_key=True)) == {}


@pytest.mark.parametrize("bad", ["AAAAC3NzaC1lZDI1NTE5", "ssh-ed25519", "SHA256:abcdef", "ssh-dss AAAA"])
def test_a_host_key_that_is_not_an_openssh_public_key_is_refused(bad: str) -> None:
    assert set(problems_of(ssh(host_key=bad))) == {"ssh.host_key"}


@pytest.mark.parametrize("field", ["host_key", "jump_host_key", "allow_unknown_host_key", "host", "port"])
def test_an_output_in_a_plain_ssh_field_is_refused(runtime: MockRuntime, field: str) -> None:
    value = {**ssh(jump_host="bastion.example", jump_host_key=JUMP_KEY), field: pulumi.Output.from_input("x")}
    found = problems_of(value)
    assert f"ssh.{field}" in found and "plain value" in found[f"ssh.{field}"]


def test_ssh_script_pins_host_keys_and_undoes_on_delete(runtime: MockRuntime) -> None:
    parent = pulumi.ComponentResource("test:index:Parent", "p")
    common.ssh_script(
        parent,
        "p-apply",
        ssh(jump_host="bastion.example", jump_host_key=JUMP_KEY),  # type: ignore[arg-type]
        script="echo applied > /etc/x\n",
        undo="rm -f /etc/x",
    )
    runtime.settle()
    cmd = runtime.one("command:remote:Command", "p-apply")
    assert cmd.inputs["create"] == cmd.inputs["update"] == "sudo -n bash -s"
    assert cmd.inputs["delete"] == "sudo -n bash -c 'rm -f /etc/x' < /dev/null"
    assert cmd.inputs["stdin"] == "echo applied > /etc/x\n"
    conn = cmd.inputs["connection"]
    assert conn["hostKey"] == HOST_KEY
    assert conn["proxy"]["hostKey"] == JUMP_KEY and conn["proxy"]["host"] == "bastion.example"
    assert "connection" in cmd.secret_inputs


def test_ca_and_leaf_certificates(runtime: MockRuntime) -> None:
    parent = pulumi.ComponentResource("test:index:Parent", "p")
    ca = common.issue_ca(parent, "p", "ca", common_name="p CA")
    leaf = common.issue_certificate(
        parent,
        "p",
        "client-a",
        common_name="a",
        ca_cert_pem=ca.cert_pem,
        ca_private_key_pem=ca.private_key_pem,
        uses=["client_auth"],
        early_renewal_hours=24 * 30,
    )
    runtime.settle()
    assert {r.name for r in runtime.resources} >= {
        "p-ca-key",
        "p-ca",
        "p-client-a-key",
        "p-client-a-csr",
        "p-client-a-cert",
    }
    cert = runtime.one("tls:index/locallySignedCert:LocallySignedCert", "p-client-a-cert")
    assert cert.inputs["allowedUses"] == ["digital_signature", "key_agreement", "client_auth"]
    assert cert.inputs["earlyRenewalHours"] == 24 * 30
    assert "caPrivateKeyPem" in cert.secret_inputs
    assert runtime.is_secret(leaf.private_key_pem)
    parsed = x509.load_pem_x509_certificate(runtime.value(leaf.cert_pem).encode())
    issuer = x509.load_pem_x509_certificate(runtime.value(ca.cert_pem).encode())
    assert parsed.issuer == issuer.subject
    assert parsed.not_valid_after_utc > dt.datetime.now(dt.UTC) + dt.timedelta(days=365 * 4)


def test_regions_and_zones_that_do_not_exist_are_refused_by_both_components() -> None:
    """europe-west99 and europe-west1-z are well formed but do not exist: refused before any resource."""
    from components.gcp.standby.args import validate as validate_standby
    from components.gcp.vpn.args import validate as validate_gateway

    from .standby.base import standby_args
    from .vpn.base import gateway_args

    problems = Problems("gw")
    validate_gateway({**gateway_args(), "region": "europe-west99", "zone": "europe-west99-b"}, problems)
    assert [p.field for p in problems.items] == ["region", "zone"]
    assert "europe-west" in problems.items[0].allowed
    problems = Problems("pg")
    validate_standby({**standby_args(), "zone": "europe-west1-z"}, problems)
    assert "zone" in [p.field for p in problems.items]
