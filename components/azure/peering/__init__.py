"""AzureVnetPeering: an Azure VNet peered with an Aiven project VPC across two tenants.

``wait`` (the ACTIVE poller) is plain Python and loads no Pulumi SDK; the
component itself loads ``pulumi_azuread``, ``pulumi_aiven`` and
``pulumi_azure_native`` on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .args import AivenProjectVpcArgs, AzureVnetPeeringArgs
    from .component import AzureVnetPeering

_LAZY = {"AzureVnetPeering", "AzureVnetPeeringArgs", "AivenProjectVpcArgs"}

__all__ = ["AivenProjectVpcArgs", "AzureVnetPeering", "AzureVnetPeeringArgs"]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = ".args" if name.endswith("Args") else ".component"
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
