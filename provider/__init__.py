"""crossnet as a Pulumi plugin package: every component, served to every Pulumi language.

``python -m provider`` (what ``PulumiPlugin.yaml`` runs) hands the component classes to
``pulumi.provider.experimental.component_provider_host``, which infers the package schema
from their ``Args`` TypedDicts (inputs, with the field docstrings as descriptions) and their
class annotations (outputs). ``schema()`` builds the same schema here, without an engine,
so tests can check it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pulumi

PACKAGE = "crossnet"
VERSION = "0.2.0"
ROOT = Path(__file__).resolve().parent.parent

# Outputs whose values are secrets (Output.secret / additional_secret_outputs in the component).
# Their schema descriptions say "(secret)"; tests/delivery/test_schema.py checks both against
# what the components really return on the mock runtime.
SECRET_OUTPUTS: dict[str, frozenset[str]] = {
    "AuroraGlobalDb": frozenset({"master_password", "application_role_password"}),
    "KafkaPrivateLinkCluster": frozenset(),
    "AzureVnetPeering": frozenset({"app_secret"}),
    "AzureVnetPeeringAccess": frozenset(),
    "OpenVpnGateway": frozenset({"client_profiles", "ca_private_key"}),
    "PostgresStandby": frozenset({"primary_conninfo", "replication_client_private_key"}),
}


def components() -> list[type[pulumi.ComponentResource]]:
    """The served component classes (importing them loads every cloud SDK)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from components import (
        AuroraGlobalDb,
        AzureVnetPeering,
        AzureVnetPeeringAccess,
        KafkaPrivateLinkCluster,
        OpenVpnGateway,
        PostgresStandby,
    )

    return [
        AuroraGlobalDb,
        KafkaPrivateLinkCluster,
        AzureVnetPeering,
        AzureVnetPeeringAccess,
        OpenVpnGateway,
        PostgresStandby,
    ]


def schema() -> dict[str, Any]:
    """The package schema exactly as ``component_provider_host`` would serve it."""
    from pulumi.provider.experimental.component import ComponentProvider

    provider = ComponentProvider(components(), PACKAGE, None, VERSION)
    assert provider.schema is not None
    return json.loads(provider.schema)
