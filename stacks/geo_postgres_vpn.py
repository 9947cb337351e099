"""geo_postgres_vpn: an OpenVPN site-to-site gateway on GCP and a PostgreSQL standby behind it.

Config section ``crossnet:vpn``: ``gateway`` (OpenVpnGatewayArgs without project/region)
and ``standby`` (PostgresStandbyArgs without project, zone, network and subnetwork, which
come from the gateway). ``project`` and ``region`` default to ``gcp:project``/``gcp:region``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components.validation import Problems

SECTION = "crossnet:vpn"
GATEWAY_NAME = "geo-vpn"


@dataclass(frozen=True)
class VpnScenario:
    gateway: dict[str, Any]
    standby: dict[str, Any] | None


def configure(section: Mapping[str, Any]) -> VpnScenario:
    from components.gcp.vpn import validate as validate_gateway

    problems = Problems("stack config")
    for key in section:
        if key not in ("gateway", "standby"):
            problems.add(f"{SECTION}.{key}", section[key], "unknown key; allowed keys: gateway, standby")
    gateway = _gateway_args(section)
    validate_gateway(gateway, problems, prefix=f"{SECTION}.gateway.", name=GATEWAY_NAME)
    standby = _standby(section, gateway, problems)
    problems.raise_if_any()
    return VpnScenario(gateway, standby)


def _gateway_args(section: Mapping[str, Any]) -> dict[str, Any]:
    gcp = pulumi.Config("gcp")
    gateway = dict(section.get("gateway") or {})
    gateway.setdefault("project", gcp.get("project"))
    gateway.setdefault("region", gcp.get("region"))
    return gateway


def _standby(
    section: Mapping[str, Any], gateway: Mapping[str, Any], problems: Problems
) -> dict[str, Any] | None:
    """The standby's args (the standby's own config handling)."""
    from components.gcp.standby.args import validate as validate_standby

    standby = section.get("standby")
    if standby is None:
        return None
    standby = {
        "project": gateway.get("project"),
        "subnetwork": gateway.get("subnetwork"),
        "network": gateway.get("network"),
        "zone": gateway.get("zone"),
        **dict(standby),
    }
    validate_standby(standby, problems, prefix=f"{SECTION}.standby.")
    _primary_behind_gateway(problems, standby.get("primary_address"), gateway.get("clients"))
    return standby


def _primary_behind_gateway(p: Problems, address: Any, clients: Any) -> None:
    """The standby reaches the primary through the gateway: its address must be in a LAN it routes."""
    import ipaddress

    if not isinstance(address, str) or not isinstance(clients, Mapping):
        return  # reported by the components' own validation
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return
    lans = []
    for cidrs in clients.values():
        for value in cidrs if isinstance(cidrs, list) else []:
            try:
                lans.append(ipaddress.IPv4Network(value))
            except (ValueError, TypeError):
                continue
    if not any(ip in lan for lan in lans):
        p.add(
            f"{SECTION}.standby.primary_address",
            address,
            "an address inside a LAN the gateway routes (crossnet:vpn.gateway.clients): "
            + (", ".join(str(n) for n in lans) or "none configured"),
        )


def deploy(config: VpnScenario) -> dict[str, Any]:
    from components.gcp.standby import PostgresStandby
    from components.gcp.vpn import OpenVpnGateway

    gw = OpenVpnGateway(GATEWAY_NAME, config.gateway)  # type: ignore[arg-type]
    out: dict[str, Any] = {
        "public_ip": gw.public_ip,
        "server_config": gw.server_config,
        "client_profiles": gw.client_profiles,
        "ca_certificate": gw.ca_certificate,
    }
    if config.standby is not None:
        # The standby issues its replication client certificate from its own CA: the primary trusts
        # that CA for client certificates, so it must not be the VPN's.
        standby = PostgresStandby(
            "geo-standby",
            config.standby,  # type: ignore[arg-type]
            # the standby's first boot clones the primary through the gateway and its routes
            opts=pulumi.ResourceOptions(depends_on=[gw]),
        )
        out.update(
            {
                "standby_ip": standby.standby_ip,
                "primary_settings": standby.primary_settings,
                "primary_conninfo": standby.primary_conninfo,
                "standby_instance": standby.instance_name,
                "standby_egress": standby.egress,
            }
        )
    return out
