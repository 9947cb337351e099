"""AzureVnetPeering: an Azure VNet peered with an Aiven project VPC across two tenants;
AzureVnetPeeringAccess: the roles all peerings of one VNet share.

``wait`` (the ACTIVE poller) is plain Python and loads no Pulumi SDK; the
component itself loads ``pulumi_azuread``, ``pulumi_aiven`` and
``pulumi_azure_native`` on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .access import AzureVnetPeeringAccess
    from .args import AivenProjectVpcArgs, AzureVnetPeeringAccessArgs, AzureVnetPeeringArgs, VnetAccessIdsArgs
    from .component import AzureVnetPeering

_LAZY = {
    "AzureVnetPeering": ".component",
    "AzureVnetPeeringAccess": ".access",
    "AzureVnetPeeringArgs": ".args",
    "AzureVnetPeeringAccessArgs": ".args",
    "AivenProjectVpcArgs": ".args",
    "VnetAccessIdsArgs": ".args",
}

__all__ = [
    "AivenProjectVpcArgs",
    "AzureVnetPeering",
    "AzureVnetPeeringAccess",
    "AzureVnetPeeringAccessArgs",
    "AzureVnetPeeringArgs",
    "VnetAccessIdsArgs",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name], __name__), name)
    globals()[name] = value
    return value
