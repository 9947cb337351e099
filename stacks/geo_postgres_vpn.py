"""geo_postgres_vpn: an OpenVPN site-to-site gateway on GCP and a PostgreSQL standby behind it.

Config section ``crossnet:vpn``: ``gateway`` (OpenVpnGatewayArgs without project/region)
and ``standby`` (PostgresStandbyArgs without project, subnetwork and the CA, which
come from the gateway). ``project`` and ``region`` default to ``gcp:project``/``gcp:region``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components.validation import Problems, ValidationError

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
    from components.gcp.standby.component import validate as validate_standby

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
    probe = {
        **standby,
        "client_ca_certificate": "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----",
        "client_ca_private_key": "from the gateway",
    }
    try:
        validate_standby(probe)
    except ValidationError as err:
        problems.merge(err, f"{SECTION}.standby.")
    return standby


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
        # The gateway's CA issues the standby's replication client certificate.
        standby = PostgresStandby(
            "geo-standby",
            {  # type: ignore[typeddict-item]
                **config.standby,
                "client_ca_certificate": gw.ca_certificate,
                "client_ca_private_key": gw.ca_private_key,
            },
            # the standby's first boot clones the primary through the gateway and its routes
            opts=pulumi.ResourceOptions(depends_on=[gw]),
        )
        out.update(
            {
                "standby_ip": standby.standby_ip,
                "primary_settings": standby.primary_settings,
                "primary_conninfo": standby.primary_conninfo,
            }
        )
    return out
