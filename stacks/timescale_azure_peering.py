"""Scenario timescale_azure_peering: an Azure VNet peered with an Aiven project VPC.

Config section ``crossnet:azure``: the keys of ``AzureVnetPeeringArgs`` (an
existing VNet; an existing project VPC id or ``project_vpc`` to create one), plus
an optional ``name`` for the component [``timescale``]. The Aiven token comes from
``aiven:apiToken`` (a secret), the Azure sign-in from ``azure-native:*`` /
``azuread:*`` or the Azure CLI.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

from components.validation import Problems
from stacks import pop_name

SECTION = "crossnet:azure"


@dataclass(frozen=True)
class Config:
    name: str
    args: dict[str, Any]


def configure(section: Mapping[str, Any]) -> Config:
    from components.azure.peering.args import validate

    problems = Problems("stack config")
    settings = dict(section)
    name = pop_name(settings, SECTION, "timescale", problems)
    validate(settings, problems, prefix=f"{SECTION}.")
    problems.raise_if_any()
    return Config(name=name, args=settings)


def deploy(config: Config) -> dict[str, Any]:
    from components.azure.peering import AzureVnetPeering, AzureVnetPeeringArgs

    peering = AzureVnetPeering(config.name, cast(AzureVnetPeeringArgs, config.args))
    return {
        # Not app_secret: a stack output is one `pulumi stack output --show-secrets` away from
        # anyone who can read the stack; the component keeps it for callers that need it.
        "app_client_id": peering.app_client_id,
        "service_principal_id": peering.service_principal_id,
        "provider_service_principal_id": peering.provider_service_principal_id,
        "custom_role_id": peering.custom_role_id,
        "remote_vnet_id": peering.remote_vnet_id,
        "peering_id": peering.peering_id,
        "provider_peering_state": peering.provider_peering_state,
    }
