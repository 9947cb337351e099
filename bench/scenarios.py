"""What the bench runs: the scenarios, the clouds each may load, and the scaling variants.

Every variant starts from the dev stack's own config (``Pulumi.dev.yaml``) and changes
one size, so the figures describe the stack users actually start from.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Cloud SDKs: a scenario must not load another cloud's. Utility SDKs (tls, random,
# command, time) are reported but allowed everywhere.
CLOUD_SDKS = ("pulumi_aws", "pulumi_azure_native", "pulumi_azuread", "pulumi_gcp", "pulumi_aiven")

ALLOWED_CLOUDS: dict[str, frozenset[str]] = {
    "timescale_azure_peering": frozenset({"pulumi_azure_native", "pulumi_azuread", "pulumi_aiven"}),
    "geo_postgres_vpn": frozenset({"pulumi_gcp"}),
    "tidb_kafka_privatelink": frozenset({"pulumi_aws"}),
    "keycloak_aurora_global": frozenset({"pulumi_aws"}),
}

DEV = "dev stack (all)"

# Eleven Aurora regions: the dev stack's two first, then a spread over the continents.
AURORA_REGIONS = (
    "us-west-2",
    "us-east-1",
    "us-east-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-1",
    "ap-northeast-1",
    "eu-west-2",
    "ca-central-1",
    "ap-south-1",
    "sa-east-1",
)


def only(values: dict[str, Any], scenario: str | None) -> dict[str, Any]:
    """The dev config with only ``scenario`` enabled (all of them for None)."""
    out = copy.deepcopy(values)
    if scenario is not None:
        out["crossnet:scenarios"] = [scenario]
    return out


def brokers(values: dict[str, Any], n: int) -> dict[str, Any]:
    out = only(values, "tidb_kafka_privatelink")
    out["crossnet:kafka"]["broker_count"] = n
    return out


def regions(values: dict[str, Any], n: int) -> dict[str, Any]:
    out = only(values, "keycloak_aurora_global")
    out["crossnet:aurora"]["regions"] = list(AURORA_REGIONS[:n])
    return out


def vpn_clients(values: dict[str, Any], n: int) -> dict[str, Any]:
    """The dev clients (two) plus sites ``site-003``.. each with one LAN ``172.16.<i>.0/24``."""
    out = only(values, "geo_postgres_vpn")
    clients = dict(out["crossnet:vpn"]["gateway"]["clients"])
    i = 3
    while len(clients) < n:
        clients[f"site-{i:03d}"] = [f"172.16.{i}.0/24"]
        i += 1
    if len(clients) > n:
        raise ValueError(f"the dev stack already has {len(clients)} VPN clients")
    out["crossnet:vpn"]["gateway"]["clients"] = clients
    return out


@dataclass(frozen=True)
class Sweep:
    label: str
    unit: str
    sizes: tuple[int, ...]
    make: Callable[[dict[str, Any], int], dict[str, Any]]
    note: str = ""


SWEEPS = (
    Sweep("kafka brokers", "broker", (3, 12, 48), brokers),
    Sweep("aurora regions", "region", (2, 6, 11), regions),
    Sweep("vpn clients", "client", (2, 26, 50), vpn_clients, "26 added: two sizes cannot show linear growth"),
)
