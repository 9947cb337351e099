"""OpenVpnGateway inputs: the Args types and their validation into ``Settings``.

Everything here is pure (no Pulumi resources), so ``validate`` runs before the
component registers anything and is tested directly.
"""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import pulumi

from ... import cidr
from ...validation import Problems, unknown_keys
from .. import common, regions

SUBJECT = "OpenVpnGateway"
CLIENT_NAME = r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?"
PROJECT_ID = r"[a-z][-a-z0-9]{4,28}[a-z0-9]"
REGION = r"[a-z]+-[a-z]+[0-9]+"
HOST = r"[A-Za-z0-9.:-]+"
ACCOUNT_ROLE = "vpn"  # the gateway VM's service account id is <name>-<stack>-vpn


class OnPremGatewaySshArgs(TypedDict):
    """SSH to the on-premises site gateway that runs one VPN client.

    The keys of ``common.SshConnectionArgs`` plus ``client``, declared here rather than
    inherited: the provider schema takes field descriptions from this class's own body.
    """

    host: str
    """Address or name of the host."""
    user: str
    """Login user: root, or a user with passwordless sudo."""
    private_key: pulumi.Input[str]
    """SSH private key (pass a secret)."""
    port: NotRequired[int]
    """SSH port [22]."""
    host_key: NotRequired[str]
    """The host's SSH public key (``ssh-ed25519 AAAA...``); required unless ``allow_unknown_host_key``."""
    jump_host: NotRequired[str]
    """Bastion to connect through (same user and key) [none]."""
    jump_host_key: NotRequired[str]
    """The bastion's SSH public key; required with ``jump_host`` unless ``allow_unknown_host_key``."""
    allow_unknown_host_key: NotRequired[bool]
    """Connect without verifying the host keys (open to a man in the middle) [false]."""
    client: str
    """Which entry of ``clients`` this host is; its profile is installed there."""


class OpenVpnGatewayArgs(TypedDict):
    """Inputs of :class:`OpenVpnGateway`."""

    project: str
    """GCP project id."""
    region: str
    """Region of the static external IP (the zone's region)."""
    zone: str
    """Zone of the gateway VM."""
    network: str
    """VPC network name or self link (routes and firewall rules go here)."""
    subnetwork: str
    """Subnetwork name or self link for the VM's interface."""
    gcp_cidrs: list[str]
    """GCP subnet CIDRs pushed to clients as routes."""
    clients: dict[str, list[str]]
    """VPN client name -> CIDRs of the LAN behind it (empty for a single host). Removing a name revokes it."""
    allowed_source_ranges: list[str]
    """Source CIDRs allowed to reach the VPN port (the on-prem sites' public addresses)."""
    vpn_cidr: NotRequired[str]
    """Tunnel address pool [10.8.0.0/24]."""
    port: NotRequired[int]
    """VPN port [1194]."""
    protocol: NotRequired[str]
    """``udp`` [default] or ``tcp``."""
    machine_type: NotRequired[str]
    """VM machine type [e2-small]."""
    client_to_client: NotRequired[bool]
    """Let clients reach each other (and each other's LANs) through the gateway [false]."""
    allow_world_ingress: NotRequired[bool]
    """Required to put 0.0.0.0/0 in ``allowed_source_ranges`` [false]."""
    public_endpoint: NotRequired[str]
    """Host name or address written into client profiles' ``remote`` [the static external IP]."""
    onprem_ssh: NotRequired[OnPremGatewaySshArgs]
    """Install the site client profile on the on-prem gateway over SSH [not done]."""


@dataclass(frozen=True)
class Settings:
    """Validated plain values that shape the gateway."""

    project: str
    region: str
    zone: str
    network: str
    subnetwork: str
    gcp_cidrs: list[str]
    clients: dict[str, list[str]]
    allowed_source_ranges: list[str]
    vpn_cidr: str
    port: int
    protocol: str
    machine_type: str
    client_to_client: bool
    public_endpoint: str | None
    onprem_ssh: OnPremGatewaySshArgs | None


def validate(
    args: Mapping[str, Any], problems: Problems, prefix: str = "", name: str | None = None
) -> Settings | None:
    """Check every input, adding one problem per bad field (named ``<prefix><field>``).

    ``name``: the component's name; with it, the cloud-side names it makes in this stack are
    checked too (reported as ``<prefix>name``). Returns the Settings, or None when a problem
    was added.
    """
    before = len(problems.items)
    if name is not None:
        common.check_component_name(problems, prefix + "name", name, [ACCOUNT_ROLE])
    if not isinstance(args, Mapping):
        problems.add(prefix + "args", args, "an OpenVpnGatewayArgs mapping")
        return None
    a: dict[str, Any] = dict(args)
    unknown_keys(a, OpenVpnGatewayArgs.__annotations__, problems, prefix)
    values = {
        **_location(problems, a, prefix),
        **_addressing(problems, a, prefix),
        **_service(problems, a, prefix),
    }
    values["onprem_ssh"] = _onprem_ssh(
        problems, a.get("onprem_ssh"), prefix + "onprem_ssh", values["clients"]
    )
    if len(problems.items) > before:
        return None
    return Settings(**values)


def _location(p: Problems, a: Mapping[str, Any], f: str) -> dict[str, Any]:
    """Where the gateway goes: project, region, zone, network, subnetwork."""
    project = p.string(
        p.require(a, "project", f),
        f + "project",
        PROJECT_ID,
        "a GCP project id (6-30 lowercase letters, digits, hyphens)",
    )
    region = p.string(p.require(a, "region", f), f + "region", REGION, "a GCP region such as europe-west1")
    zone = p.string(
        p.require(a, "zone", f), f + "zone", REGION + r"-[a-z]", "a GCP zone such as europe-west1-b"
    )
    if region and zone and not zone.startswith(region + "-"):
        p.add(f + "zone", zone, f"a zone in region {region}")
    else:  # well-formed: it must also exist (Google's region and zone table)
        region = regions.check_region(p, region, f + "region") if region else None
        zone = regions.check_zone(p, zone, f + "zone", region) if zone else None
    return {
        "project": project,
        "region": region,
        "zone": zone,
        "network": p.string(p.require(a, "network", f), f + "network"),
        "subnetwork": p.string(p.require(a, "subnetwork", f), f + "subnetwork"),
    }


def _addressing(p: Problems, a: Mapping[str, Any], f: str) -> dict[str, Any]:
    """The CIDRs: tunnel pool, GCP side, each client's LANs (no two overlap), allowed sources."""
    named: dict[str, cidr.Network] = {}
    vpn_cidr = a.get("vpn_cidr", "10.8.0.0/24")
    if p.plain(vpn_cidr, f + "vpn_cidr"):
        vpn_net = cidr.check(p, vpn_cidr, f + "vpn_cidr", 16, 29)
        if vpn_net is not None:
            named[f + "vpn_cidr"] = vpn_net
    gcp_cidrs = _cidr_list(p, p.require(a, "gcp_cidrs", f), f + "gcp_cidrs", named)
    clients = _clients(p, p.require(a, "clients", f), f + "clients", named)
    cidr.report_overlaps(p, named)
    return {
        "vpn_cidr": str(vpn_cidr),
        "gcp_cidrs": gcp_cidrs,
        "clients": clients,
        "allowed_source_ranges": _sources(p, a, f),
    }


def _service(p: Problems, a: Mapping[str, Any], f: str) -> dict[str, Any]:
    """The VPN service and its VM: port, protocol, machine type, client isolation, endpoint."""
    endpoint = a.get("public_endpoint")
    if endpoint is not None:
        endpoint = p.string(endpoint, f + "public_endpoint", HOST, "a host name or IP address")
    return {
        "port": p.integer(a.get("port", 1194), f + "port", 1, 65535),
        "protocol": p.one_of(a.get("protocol", "udp"), f + "protocol", ["udp", "tcp"]),
        "machine_type": p.string(
            a.get("machine_type", "e2-small"),
            f + "machine_type",
            r"[a-z0-9-]+",
            "a machine type such as e2-small",
        ),
        "client_to_client": p.boolean(a.get("client_to_client", False), f + "client_to_client"),
        "public_endpoint": endpoint,
    }


def _cidr_list(p: Problems, value: Any, field: str, named: dict[str, cidr.Network]) -> list[str] | None:
    values = p.string_list(value, field, min_len=1)
    for i, item in enumerate(values or []):
        net = cidr.check(p, item, f"{field}[{i}]")
        if net is not None:
            named[f"{field}[{i}]"] = net
    return values


def _clients(
    p: Problems, value: Any, field: str, named: dict[str, cidr.Network]
) -> dict[str, list[str]] | None:
    if value is None or not p.plain(value, field):
        return None
    if not isinstance(value, Mapping) or not value:
        p.add(field, value, "a non-empty mapping of client name -> list of LAN CIDRs")
        return None
    clients: dict[str, list[str]] = {}
    for name, lans in value.items():
        entry = f"{field}[{name!r}]"
        if not isinstance(name, str) or re.fullmatch(CLIENT_NAME, name) is None:
            p.add(entry, name, "a client name of 1-32 lowercase letters, digits and inner hyphens")
        checked = p.string_list(lans, entry)
        if checked is None:
            continue
        for i, item in enumerate(checked):
            net = cidr.check(p, item, f"{entry}[{i}]")
            if net is not None:
                named[f"{entry}[{i}]"] = net
        clients[str(name)] = checked
    return clients


def _sources(p: Problems, a: Mapping[str, Any], f: str) -> list[str] | None:
    world = a.get("allow_world_ingress", False)
    p.boolean(world, f + "allow_world_ingress")
    sources = p.string_list(p.require(a, "allowed_source_ranges", f), f + "allowed_source_ranges", min_len=1)
    for i, value in enumerate(sources or []):
        net = cidr.check(p, value, f"{f}allowed_source_ranges[{i}]")
        if net is not None and net.prefixlen == 0 and world is not True:
            p.add(
                f"{f}allowed_source_ranges[{i}]",
                value,
                "a world-open range needs allow_world_ingress=True; prefer the sites' public CIDRs",
            )
    return sources


def _onprem_ssh(
    p: Problems, ssh: Any, field: str, clients: dict[str, list[str]] | None
) -> OnPremGatewaySshArgs | None:
    if ssh is None:
        return None
    common.check_ssh(p, ssh, field, extra_keys=("client",))
    if not isinstance(ssh, dict):
        return None
    client = ssh.get("client")
    if p.plain(client, field + ".client") and (not clients or client not in clients):
        p.add(field + ".client", client, "the name of one entry in clients (the site this host is)")
    return ssh  # type: ignore[return-value]
