"""OpenVpnGateway's rendered artifacts on Debian's OpenVPN 2.6 and nftables, in network namespaces.

Issue 17 item 7: a removed-then-re-added client name with the old key refused; clients
isolated when ``client_to_client`` is false; IP forwarding persisted after GCE's sysctl file.
Topology (namespaces from the shared harness in test_integration.py, plus ``road``)::

    gcp 10.20.0.10 -- gw (OpenVPN server, WAN 172.31.255.1 | 172.31.254.1) -- site (client site-a)
                                                                            -- lan 192.168.50.10
                       gw 172.31.254.1 -- road 172.31.254.2 (client laptop; a forged "retired")
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from components.gcp.vpn import render
from plan.runtime import MockRuntime

from ..test_integration import (
    GW_WAN,
    OPENVPN,
    PRIMARY_IP,
    STANDBY_IP,
    Lab,
    _read,
    lab,
    wait_for,
    write,
    write_gateway_files,
)
from .base import gateway_args

__all__ = ["lab"]  # the harness's namespace fixture, used by the tests below

NFT = shutil.which("nft") or "/usr/sbin/nft"
PING = shutil.which("ping") or "/usr/bin/ping"
ROAD_GW, ROAD_IP = "172.31.254.1", "172.31.254.2"
CLIENTS = {"site-a": ["192.168.50.0/24"], "laptop": [], "retired": []}
ARGS = gateway_args(
    clients=CLIENTS,
    allowed_source_ranges=["172.31.254.0/23"],
    vpn_cidr="10.99.0.0/24",
    public_endpoint=GW_WAN,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.geteuid() != 0 or not all(Path(p).exists() for p in (OPENVPN, NFT, PING)),
        reason="needs root, openvpn, nftables and iputils-ping",
    ),
]


@pytest.fixture(scope="module")
def gateway() -> dict[str, Any]:
    """The gateway's outputs and recorded inputs on the mock runtime (real PEMs)."""
    from components import OpenVpnGateway

    with MockRuntime(config={"gcp:project": "crossnet-test"}) as rt:
        gw = OpenVpnGateway("gw", ARGS)  # type: ignore[arg-type]
        rt.settle()
        versions = {
            r.name: r.inputs["secretData"]
            for r in rt.of_type("gcp:secretmanager/secretVersion:SecretVersion")
        }
        certs = {
            r.name: r.outputs["certPem"] for r in rt.of_type("tls:index/locallySignedCert:LocallySignedCert")
        }
        return {
            "server_config": rt.value(gw.server_config),
            "client_configs": rt.value(gw.client_configs),
            "profiles": rt.value(gw.client_profiles),
            "ca": rt.value(gw.ca_certificate),
            "ca_key": rt.one("tls:index/privateKey:PrivateKey", "gw-ca-key").outputs["privateKeyPem"],
            "server_cert": certs["gw-server-cert"],
            "client_certs": {c: certs[f"gw-client-{c}-cert"] for c in CLIENTS},
            "server_key": versions["gw-server-key-v"],
            "tls_crypt": versions["gw-tls-crypt-v"],
            "startup_script": rt.one("gcp:compute/instance:Instance").inputs["metadata"]["startup-script"],
        }


def forged_client(gateway: dict[str, Any], common_name: str) -> str:
    """A profile whose certificate the real VPN CA signed for ``common_name`` with another key:
    what a client removed earlier still holds after its name is added again."""
    ca_key = serialization.load_pem_private_key(gateway["ca_key"].encode(), password=None)
    ca = x509.load_pem_x509_certificate(gateway["ca"].encode())
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())  # type: ignore[arg-type]
    )
    pem = serialization.Encoding.PEM
    return render.client_profile(
        server_name="gw-server",
        remote=GW_WAN,
        ca_pem=gateway["ca"],
        cert_pem=cert.public_bytes(pem).decode(),
        key_pem=key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        tls_crypt_key=gateway["tls_crypt"],
    )


def add_road(lab: Lab) -> None:
    """A second client network, reaching the gateway's WAN address through gw."""
    subprocess.run(["ip", "netns", "add", lab.ns("road")], check=True)
    lab.namespaces.append(lab.ns("road"))
    lab.sh("road", "ip", "link", "set", "lo", "up")
    va, vb = f"cxra{lab.suffix}", f"cxrb{lab.suffix}"
    lab.sh("gw", "ip", "link", "add", va, "type", "veth", "peer", "name", vb, "netns", lab.ns("road"))
    lab.sh("gw", "ip", "addr", "add", f"{ROAD_GW}/30", "dev", va)
    lab.sh("road", "ip", "addr", "add", f"{ROAD_IP}/30", "dev", vb)
    lab.sh("gw", "ip", "link", "set", va, "up")
    lab.sh("road", "ip", "link", "set", vb, "up")
    lab.sh("road", "ip", "route", "add", "default", "via", ROAD_GW)
    # the server answers from the address the profiles name (a GCE VM has one NIC behind NAT)
    lab.sh("gw", "ip", "route", "replace", f"{ROAD_IP}/32", "dev", va, "src", GW_WAN)


def start_server(lab: Lab, gateway: dict[str, Any]) -> tuple[Path, Path]:
    """The server on exactly the rendered files, placed under a temporary config_dir."""
    root, vpn_dir = lab.root, lab.root / "gw"
    status = root / "status.log"
    conf = (
        gateway["server_config"]
        .replace(render.DEFAULT_CONFIG_DIR, str(vpn_dir))
        .replace(render.DEFAULT_STATUS_PATH, str(status))
    )
    fingerprints = render.peer_fingerprints(gateway["client_certs"])
    assert fingerprints.strip() in gateway["startup_script"]  # what the VM writes
    write_gateway_files(vpn_dir, gateway)
    log = root / "server.log"
    lab.openvpn("gw", write(vpn_dir / "server.conf", conf), log)
    return log, status


def start_client(lab: Lab, role: str, name: str, profile: str, dev: str = "tun0") -> Path:
    """An OpenVPN client on ``profile`` in namespace ``role``; returns its log."""
    log, pid = lab.root / f"{name}.log", lab.root / f"{name}.pid"
    conf = write(lab.root / f"{name}.conf", profile, 0o600)
    lab.sh(
        role,
        OPENVPN,
        "--config",
        str(conf),
        "--daemon",
        "--log",
        str(log),
        "--writepid",
        str(pid),
        "--dev",
        dev,
    )
    lab.procs.append((role, pid))
    return log


def tunnel_ip(lab: Lab, role: str, dev: str = "tun0") -> str:
    out = lab.sh(role, "ip", "-4", "-o", "addr", "show", "dev", dev).stdout
    found = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", out)
    assert found, out
    return found.group(1)


def pings(lab: Lab, role: str, address: str) -> bool:
    return lab.sh(role, PING, "-c", "1", "-W", "1", address, check=False).returncode == 0


def test_old_key_of_a_re_added_client_is_refused(lab: Lab, gateway: dict[str, Any]) -> None:
    add_road(lab)
    server_log, status = start_server(lab, gateway)
    # the forged certificate: same CA, same CN as a current client, not one of the current certificates
    forged_log = start_client(lab, "road", "forged", forged_client(gateway, "retired"), dev="tun7")
    wait_for(
        lambda: (
            "certificate hash verification failed" in _read(server_log)
            or "VERIFY ERROR: depth=0" in _read(server_log)
        ),
        "the server to refuse the re-added name's old certificate",
        logs=(server_log, forged_log),
    )
    assert "Initialization Sequence Completed" not in _read(forged_log)
    # the current certificate for that name is admitted
    current_log = start_client(lab, "road", "retired", gateway["profiles"]["retired"])
    wait_for(
        lambda: "Initialization Sequence Completed" in _read(current_log),
        "the re-added client's current certificate to connect",
        logs=(server_log, current_log),
    )
    wait_for(lambda: "retired," in _read(status), "retired in the status file", logs=(server_log,))


def test_clients_are_isolated_without_client_to_client(lab: Lab, gateway: dict[str, Any]) -> None:
    assert "client-to-client" not in gateway["server_config"].splitlines()
    add_road(lab)
    server_log, _ = start_server(lab, gateway)
    site_dir = lab.root / "site"
    log, pid = lab.root / "site-a.log", lab.root / "site-a.pid"
    start = f'{OPENVPN} --config "$CONF" --daemon --log {log} --writepid {pid}'
    lab.sh(
        "site",
        "bash",
        "-s",
        stdin=render.site_install_script(
            client_name="site-a",
            profile=gateway["profiles"]["site-a"],
            config_dir=str(site_dir),
            start_command=start,
        ),
    )
    lab.procs.append(("site", lab.root / "site-a.pid"))
    laptop_log = start_client(lab, "road", "laptop", gateway["profiles"]["laptop"])
    for log in (lab.root / "site-a.log", laptop_log):
        wait_for(
            lambda log=log: "Initialization Sequence Completed" in _read(log),
            f"tunnel {log.name}",
            logs=(server_log, log),
        )
    site_tun = tunnel_ip(lab, "site")
    # the laptop tries the other site's LAN too, through its tunnel
    lab.sh("road", "ip", "route", "add", "192.168.50.0/24", "dev", "tun0")

    # without the rules, the kernel forwards tunnel to tunnel: what `client_to_client: false` alone allowed
    wait_for(lambda: pings(lab, "road", site_tun), "laptop to site-a before the rules", logs=(server_log,))
    rules = write(lab.root / render.FORWARD_RULES, render.forward_rules(client_to_client=False))
    assert _read(rules).strip() in gateway["startup_script"]
    lab.sh("gw", NFT, "-f", str(rules))
    lab.sh("gw", NFT, "-f", str(rules))  # each boot loads it again: idempotent
    assert not pings(lab, "road", site_tun)
    assert not pings(lab, "road", PRIMARY_IP)
    # tunnel to GCP still works, both ways, for both clients
    assert pings(lab, "road", STANDBY_IP)
    assert pings(lab, "lan", STANDBY_IP)
    assert pings(lab, "gcp", PRIMARY_IP)
    # with client_to_client the rendered rules let it through
    lab.sh("gw", NFT, "-f", str(write(rules, render.forward_rules(client_to_client=True))))
    assert pings(lab, "road", site_tun)


def test_forwarding_survives_gces_sysctl_file(lab: Lab, gateway: dict[str, Any], tmp_path: Path) -> None:
    """systemd-sysctl applies /etc/sysctl.d in file-name order; GCE's image file turns forwarding off."""
    found = re.search(r"echo '([^']+)' > (/etc/sysctl\.d/\S+)", gateway["startup_script"])
    assert found, "the startup script persists forwarding"
    setting, path = found.groups()
    (tmp_path / "60-gce-network-security.conf").write_text("net.ipv4.ip_forward = 0\n")
    (tmp_path / Path(path).name).write_text(setting + "\n")
    lab.sh("gw", "sysctl", "-qw", "net.ipv4.ip_forward=0")  # a fresh boot
    for conf in sorted(tmp_path.iterdir()):
        lab.sh("gw", "sysctl", "-q", "-p", str(conf))
    assert lab.sh("gw", "sysctl", "-n", "net.ipv4.ip_forward").stdout.strip() == "1"
