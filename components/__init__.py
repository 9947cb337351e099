"""crossnet: Pulumi components for private connectivity and disaster recovery of data systems.

Component classes load lazily: ``from components import KafkaPrivateLinkCluster``
imports the AWS SDK only, never the Azure or GCP ones.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from components.validation import ValidationError

if TYPE_CHECKING:
    from components.aws.aurora import AuroraGlobalDb, AuroraGlobalDbArgs
    from components.aws.kafka import KafkaPrivateLinkCluster, KafkaPrivateLinkClusterArgs
    from components.azure.peering import AzureVnetPeering, AzureVnetPeeringArgs
    from components.gcp.standby import PostgresStandby, PostgresStandbyArgs
    from components.gcp.vpn import OpenVpnGateway, OpenVpnGatewayArgs

_LAZY = {
    "AuroraGlobalDb": "components.aws.aurora",
    "AuroraGlobalDbArgs": "components.aws.aurora",
    "KafkaPrivateLinkCluster": "components.aws.kafka",
    "KafkaPrivateLinkClusterArgs": "components.aws.kafka",
    "AzureVnetPeering": "components.azure.peering",
    "AzureVnetPeeringArgs": "components.azure.peering",
    "OpenVpnGateway": "components.gcp.vpn",
    "OpenVpnGatewayArgs": "components.gcp.vpn",
    "PostgresStandby": "components.gcp.standby",
    "PostgresStandbyArgs": "components.gcp.standby",
}

__all__ = [
    "AuroraGlobalDb", "AuroraGlobalDbArgs", "AzureVnetPeering", "AzureVnetPeeringArgs",
    "KafkaPrivateLinkCluster", "KafkaPrivateLinkClusterArgs", "OpenVpnGateway", "OpenVpnGatewayArgs",
    "PostgresStandby", "PostgresStandbyArgs", "ValidationError",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'components' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
