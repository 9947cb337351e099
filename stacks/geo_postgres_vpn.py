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


@dataclass(frozen=True)
class VpnScenario:
    gateway: dict[str, Any]
    standby: dict[str, Any] | None


def configure(section: Mapping[str, Any]) -> VpnScenario:
    from components.gcp.standby.component import validate as validate_standby
    from components.gcp.vpn.component import validate as validate_gateway

    gcp = pulumi.Config("gcp")
    p = Problems("stack config")
    gateway = dict(section.get("gateway") or {})
    gateway.setdefault("project", gcp.get("project"))
    gateway.setdefault("region", gcp.get("region"))
    for key in section:
        if key not in ("gateway", "standby"):
            p.add(f"{SECTION}.{key}", section[key], "unknown key; allowed keys: gateway, standby")
    try:
        validate_gateway(gateway)
    except ValidationError as err:
        p.merge(err, f"{SECTION}.gateway.")
    standby = section.get("standby")
    if standby is not None:
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
            p.merge(err, f"{SECTION}.standby.")
    p.raise_if_any()
    return VpnScenario(gateway, standby)


def deploy(config: VpnScenario) -> dict[str, Any]:
    from components.gcp.standby import PostgresStandby
    from components.gcp.vpn import OpenVpnGateway

    gw = OpenVpnGateway("geo-vpn", config.gateway)  # type: ignore[arg-type]
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
