"""The small example each component page is generated from.

One example per component: the component's args (plain values, as a Python program would
pass them), the stack config it runs under, and any component it needs first (the
standby runs behind a gateway). ``docs.generate`` runs every example on the
offline plan's mock runtime for the diagram, and prints the same args as the Python and
Pulumi YAML usage on the page, so the usage shown is what the diagram was drawn from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Ref:
    """An output of another resource in the same example (``gw.ca_certificate``)."""

    var: str
    output: str


@dataclass(frozen=True)
class Text:
    """A value read from a file in the user's project; a placeholder stands in for the run."""

    path: str
    placeholder: str


@dataclass(frozen=True)
class Use:
    """One component in an example program."""

    var: str
    """Python variable and Pulumi YAML resource name."""
    component: str
    """Class name (also the schema token ``crossnet:index:<component>``)."""
    name: str
    """Pulumi resource name."""
    args: dict[str, Any]
    exports: tuple[str, ...] = ()


@dataclass(frozen=True)
class Example:
    slug: str
    """Page file name: ``docs/<slug>.md``."""
    scenario: str
    """The stacks/ scenario that composes this component."""
    uses: tuple[Use, ...]
    """Components in construction order; the last one is the page's component."""
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def main(self) -> Use:
        return self.uses[-1]


# The run needs a certificate that parses: the repository's example CA (its key was discarded).
PRIMARY_CA = Text(
    "onprem-ca.pem", (Path(__file__).resolve().parents[1] / "examples" / "onprem-ca.example.pem").read_text()
)

GATEWAY = Use(
    "gw",
    "OpenVpnGateway",
    "vpn",
    {
        "project": "my-project",
        "region": "europe-west1",
        "zone": "europe-west1-b",
        "network": "prod",
        "subnetwork": "prod-europe-west1",
        "gcp_cidrs": ["10.20.0.0/24"],
        "clients": {"dc1": ["192.168.50.0/24"], "ops-laptop": []},
        "allowed_source_ranges": ["198.51.100.7/32"],
    },
    ("public_ip", "client_profiles"),
)

EXAMPLES: tuple[Example, ...] = (
    Example(
        "aurora-global-db",
        "keycloak_aurora_global",
        (
            Use(
                "db",
                "AuroraGlobalDb",
                "keycloak",
                {
                    "regions": ["us-west-2", "us-east-1"],
                    "global_cluster_identifier": "keycloak-prod",
                    "dns": {"zone_id": "Z0123456789EXAMPLE", "zone_name": "example.com"},
                    "peer_vpcs": [
                        {
                            "vpc_id": "vpc-0a1b2c3d4e5f60718",
                            "region": "us-west-2",
                            "cidr": "10.0.0.0/16",
                            "route_table_ids": ["rtb-0a1b2c3d4e5f60718"],
                        }
                    ],
                    "application_role": {"name": "keycloak_app", "schema": "keycloak"},
                },
                ("dns_name", "application_role_password"),
            ),
        ),
        {"aws:region": "us-west-2"},
    ),
    Example(
        "kafka-privatelink-cluster",
        "tidb_kafka_privatelink",
        (
            Use(
                "kafka",
                "KafkaPrivateLinkCluster",
                "tidb-kafka",
                {
                    "region": "us-west-2",
                    "az_ids": ["usw2-az1", "usw2-az2", "usw2-az3"],
                    "unique_name": "abc123",
                    "listener_domain_suffix": "3199015.tidbcloud.com",
                    "allowed_principals": ["arn:aws:iam::380838443567:root"],
                    "broker_count": 3,
                },
                ("endpoint_service_name", "bootstrap_port", "advertised_listeners"),
            ),
        ),
        {"aws:region": "us-west-2"},
    ),
    Example(
        "azure-vnet-peering",
        "timescale_azure_peering",
        (
            Use(
                "peering",
                "AzureVnetPeering",
                "timescale",
                {
                    "subscription_id": "1a2b3c4d-2222-4333-8444-5555555555ef",
                    "tenant_id": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
                    "resource_group_name": "app-rg",
                    "vnet_name": "app-vnet",
                    "vnet_address_space": ["10.20.0.0/16"],
                    "aiven_project": "my-project",
                    "project_vpc": {"cloud_name": "azure-westeurope", "network_cidr": "10.30.0.0/24"},
                },
                ("peering_id", "provider_peering_state"),
            ),
        ),
        {"azure-native:location": "westeurope"},
    ),
    Example(
        "azure-vnet-peering-access",
        "timescale_azure_peering",
        (
            Use(
                "vnet_access",
                "AzureVnetPeeringAccess",
                "app-vnet",
                {
                    "subscription_id": "1a2b3c4d-2222-4333-8444-5555555555ef",
                    "tenant_id": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
                    "resource_group_name": "app-rg",
                    "vnet_name": "app-vnet",
                },
                ("peer_role_id", "writer_role_id", "provider_role_assignment_id"),
            ),
        ),
        {"azure-native:location": "westeurope"},
    ),
    Example("openvpn-gateway", "geo_postgres_vpn", (GATEWAY,), {"gcp:project": "my-project"}),
    Example(
        "postgres-standby",
        "geo_postgres_vpn",
        (
            GATEWAY,
            Use(
                "standby",
                "PostgresStandby",
                "pg-standby",
                {
                    "project": "my-project",
                    "zone": "europe-west1-b",
                    "network": "prod",
                    "subnetwork": "prod-europe-west1",
                    "primary_host": "pg-primary.dc1.example.internal",
                    "primary_address": "192.168.50.10",
                    "primary_ca_certificate": PRIMARY_CA,
                    "allowed_cidrs": ["10.8.0.0/24", "192.168.50.0/24"],
                    "postgres_version": 16,
                },
                ("standby_ip", "primary_settings"),
            ),
        ),
        {"gcp:project": "my-project"},
    ),
)
