"""Issue 17 item 7 (VPN hardening) on the mock runtime and the renderers.

The same artifacts run on Debian's OpenVPN in tests/gcp/vpn/test_vpn_integration.py.
"""

from __future__ import annotations

import hashlib
import re
import ssl
from typing import Any

from components import OpenVpnGateway
from components.gcp.vpn import render
from plan.runtime import MockRuntime

from .base import gateway_args

T_LOCAL = "tls:index/locallySignedCert:LocallySignedCert"
T_SELF = "tls:index/selfSignedCert:SelfSignedCert"
GCE_SYSCTL = "60-gce-network-security.conf"  # sets net.ipv4.ip_forward = 0 on GCE images


def metadata_script(rt: MockRuntime) -> str:
    return rt.one("gcp:compute/instance:Instance").inputs["metadata"]["startup-script"]


def test_forwarding_is_persisted_in_a_file_read_after_gces(runtime: MockRuntime) -> None:
    OpenVpnGateway("gw", gateway_args())  # type: ignore[arg-type]
    runtime.settle()
    script = metadata_script(runtime)
    files = re.findall(r"> /etc/sysctl\.d/([^ \n]+)", script)
    forward = [f for f in files if "forward" in f]
    assert forward and all(f > GCE_SYSCTL for f in forward), files
    assert "net.ipv4.ip_forward = 1" in script
    # the file the old script wrote sorted before GCE's and is removed
    assert "rm -f /etc/sysctl.d/60-crossnet-forward.conf" in script


def test_mss_is_clamped_for_the_vpc_mtu(runtime: MockRuntime) -> None:
    gw = OpenVpnGateway("gw", gateway_args())  # type: ignore[arg-type]
    runtime.settle()
    assert "mssfix 1460 mtu" in runtime.value(gw.server_config).splitlines()
    for profile in runtime.value(gw.client_profiles).values():
        assert "mssfix 1460 mtu" in profile.splitlines()


def test_clients_are_isolated_by_forwarding_rules_unless_asked(runtime: MockRuntime) -> None:
    OpenVpnGateway("gw", gateway_args())  # type: ignore[arg-type]
    runtime.settle()
    script = metadata_script(runtime)
    rules = render.forward_rules(client_to_client=False)
    assert rules in script and f'iifname "{render.TUN_DEVICE}" oifname "{render.TUN_DEVICE}" drop' in rules
    assert f"dev {render.TUN_DEVICE}" in render.server_conf(
        vpn_cidr="10.8.0.0/24", gcp_cidrs=[], clients={"a": []}
    )
    # the rules are loaded before the server starts
    assert script.index("nft -f") < script.index("systemctl restart openvpn-server@crossnet")
    assert "drop" not in render.forward_rules(client_to_client=True)


def fingerprint(pem: str) -> str:
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def test_the_server_admits_only_the_current_client_certificates(runtime: MockRuntime) -> None:
    OpenVpnGateway("gw", gateway_args())  # type: ignore[arg-type]
    runtime.settle()
    script = metadata_script(runtime)
    certs = {r.name: r.outputs["certPem"] for r in runtime.of_type(T_LOCAL)}
    expected = {fingerprint(certs[f"gw-client-{c}-cert"]) for c in ("site-a", "laptop")}
    block = re.search(r"<peer-fingerprint>\n(.*?)</peer-fingerprint>", script, re.S)
    assert block is not None
    listed = {line for line in block.group(1).splitlines() if line and not line.startswith("#")}
    assert listed == expected
    assert fingerprint(certs["gw-server-cert"]) not in listed
    conf = render.server_conf(vpn_cidr="10.8.0.0/24", gcp_cidrs=[], clients={"a": []})
    assert f"config {render.DEFAULT_CONFIG_DIR}/{render.PEER_FINGERPRINTS}" in conf


def test_certificates_renew_before_expiry_and_reach_the_vm(runtime_factory: Any) -> None:
    rt = runtime_factory()
    OpenVpnGateway("gw", gateway_args())  # type: ignore[arg-type]
    rt.settle()
    for cert in rt.of_type(T_LOCAL):
        assert cert.inputs["earlyRenewalHours"] == render.RENEW_DAYS * 24, cert.name
    assert rt.one(T_SELF).inputs["earlyRenewalHours"] == render.CA_RENEW_DAYS * 24
    # a renewed server certificate changes the startup-script metadata, which the watcher applies
    server_cert = rt.one(T_LOCAL, "gw-server-cert").outputs["certPem"]
    script = metadata_script(rt)
    assert server_cert.strip() in script and "crossnet-vpn-sync.service" in script
