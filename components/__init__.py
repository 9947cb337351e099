"""crossnet: Pulumi components for private connectivity and disaster recovery of data systems.

Component classes load lazily: ``from components import KafkaPrivateLinkCluster``
imports the AWS SDK only, never the Azure or GCP ones.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .validation import ValidationError

if TYPE_CHECKING:
    from .aws.aurora import AuroraGlobalDb, AuroraGlobalDbArgs
    from .aws.kafka import KafkaPrivateLinkCluster, KafkaPrivateLinkClusterArgs
    from .azure.peering import AzureVnetPeering, AzureVnetPeeringAccess, AzureVnetPeeringArgs
    from .gcp.standby import PostgresStandby, PostgresStandbyArgs
    from .gcp.vpn import OpenVpnGateway, OpenVpnGatewayArgs

_LAZY = {
    "AuroraGlobalDb": ".aws.aurora",
    "AuroraGlobalDbArgs": ".aws.aurora",
    "KafkaPrivateLinkCluster": ".aws.kafka",
    "KafkaPrivateLinkClusterArgs": ".aws.kafka",
    "AzureVnetPeering": ".azure.peering",
    "AzureVnetPeeringArgs": ".azure.peering",
    "AzureVnetPeeringAccess": ".azure.peering",
    "OpenVpnGateway": ".gcp.vpn",
    "OpenVpnGatewayArgs": ".gcp.vpn",
    "PostgresStandby": ".gcp.standby",
    "PostgresStandbyArgs": ".gcp.standby",
}

__all__ = [
    "AuroraGlobalDb",
    "AuroraGlobalDbArgs",
    "AzureVnetPeering",
    "AzureVnetPeeringAccess",
    "AzureVnetPeeringArgs",
    "KafkaPrivateLinkCluster",
    "KafkaPrivateLinkClusterArgs",
    "OpenVpnGateway",
    "OpenVpnGatewayArgs",
    "PostgresStandby",
    "PostgresStandbyArgs",
    "ValidationError",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
