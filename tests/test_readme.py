"""The README is a map that works: its snippets run as written, its links resolve, its quick start
is what the Makefile and CI do."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest

from plan.runtime import MockRuntime
from tests import readme


def run_snippet(runtime: MockRuntime, heading: str) -> None:
    (code,) = readme.blocks(heading)
    runtime.run(lambda: exec(compile(code, "README.md", "exec"), {"__name__": "__main__"}))  # noqa: S102


def self_signed_ca() -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dc1 CA")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_azure_snippet_runs(runtime: MockRuntime) -> None:
    run_snippet(runtime, "AzureVnetPeering")
    assert runtime.stack_outputs()["state"] == "ACTIVE"
    assert runtime.one("crossnet:index:AzureVnetPeering").name == "timescale"


def test_gcp_snippet_runs(runtime: MockRuntime, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "onprem-ca.pem").write_text(self_signed_ca())
    monkeypatch.chdir(tmp_path)
    run_snippet(runtime, "OpenVpnGateway + PostgresStandby")
    assert runtime.one("crossnet:index:OpenVpnGateway").name == "vpn"
    assert runtime.one("crossnet:index:PostgresStandby").name == "pg-standby"


def test_kafka_snippet_runs(runtime_factory: Any) -> None:
    runtime = runtime_factory(config={"aws:region": "us-west-2"})
    run_snippet(runtime, "KafkaPrivateLinkCluster")
    assert len(runtime.of_type("aws:ec2/instance:Instance")) >= 3
    assert runtime.one("aws:ec2/vpcEndpointService:VpcEndpointService").inputs["allowedPrincipals"] == [
        "arn:aws:iam::380838443567:root"
    ]


def test_aurora_snippet_runs(runtime: MockRuntime) -> None:
    run_snippet(runtime, "AuroraGlobalDb")
    assert (
        runtime.one("aws:rds/globalCluster:GlobalCluster").inputs["globalClusterIdentifier"]
        == "keycloak-prod"
    )
    assert len(runtime.of_type("aws:rds/cluster:Cluster")) == 2


def test_quick_start_is_two_make_targets_and_ci_runs_the_test_one() -> None:
    (block,) = readme.blocks("Quick start", "sh")
    commands = [line.split("#")[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["make plan", "make test"]
    makefile = (readme.ROOT / "Makefile").read_text()
    assert re.search(r"^plan: ", makefile, flags=re.M) and re.search(r"^test: ", makefile, flags=re.M)
    assert "make test" in (readme.ROOT / ".ci" / "run").read_text()


def test_every_relative_link_resolves() -> None:
    targets = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme.text())
    local = [t for t in targets if not t.startswith(("http://", "https://"))]
    assert local, "the README links its pages"
    missing = [t for t in local if not (readme.ROOT / t).exists()]
    assert missing == []


def test_the_readme_stays_a_map() -> None:
    lines = readme.text().count("\n")
    assert lines <= 330, f"README.md has {lines} lines; move detail into docs/ and link it"
    layout = readme.blocks("Layout", "")[0] if readme.blocks("Layout", "") else readme.section("Layout")
    for folder in sorted(p.name for p in readme.ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if folder in {"build", "dist", "out", "__pycache__"} or folder.endswith(".egg-info"):
            continue
        assert f"{folder}/" in layout, f"README's Layout does not name {folder}/"
