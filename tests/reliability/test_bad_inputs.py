"""A catalogue of bad inputs across the components: each raises ValidationError naming the field,
before anything is registered.

Every entry changes ONE field of a valid base (``BASES``; ``test_every_base_is_valid`` proves the
bases build), constructs the component on the mock runtime, and asserts that the error's
``fields`` contain the expected field and that the runtime recorded no resource at all (not even
the component itself). A few entries go through a scenario's config section instead, where the
field is named ``crossnet:<section>.<key>``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

import stacks
from components import (
    AuroraGlobalDb,
    AzureVnetPeering,
    KafkaPrivateLinkCluster,
    OpenVpnGateway,
    PostgresStandby,
    ValidationError,
)
from plan.runtime import MockRuntime


def _ca() -> tuple[str, str]:
    """A real CA (the standby's mock signs its replication certificate with it)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), pem_key


CA, KEY = _ca()
DELETE = object()

BASES: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
    "aurora": (
        AuroraGlobalDb,
        {
            "regions": ["us-west-2", "us-east-1"],
            "global_cluster_identifier": "kc-global",
            "dns": {"zone_id": "Z0123456789ABC", "zone_name": "example.com"},
            "peer_vpcs": [
                {
                    "vpc_id": "vpc-0123456789abcdef0",
                    "region": "us-west-2",
                    "cidr": "10.0.0.0/16",
                    "route_table_ids": ["rtb-0123456789abcdef0"],
                }
            ],
        },
    ),
    "kafka": (
        KafkaPrivateLinkCluster,
        {
            "region": "us-west-2",
            "az_ids": ["usw2-az1", "usw2-az2", "usw2-az3"],
            "unique_name": "abc123",
            "listener_domain_suffix": "3199015.tidbcloud.com",
            "allowed_principals": ["arn:aws:iam::380838443567:root"],
        },
    ),
    "azure": (
        AzureVnetPeering,
        {
            "subscription_id": "1a2b3c4d-2222-4333-8444-5555555555ef",
            "tenant_id": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
            "resource_group_name": "app-rg",
            "vnet_name": "app-vnet",
            "aiven_project": "tsdb",
            "aiven_project_vpc_id": "tsdb/99999999-2222-4333-8444-555555555555",
        },
    ),
    "vpn": (
        OpenVpnGateway,
        {
            "project": "crossnet-test",
            "region": "europe-west1",
            "zone": "europe-west1-b",
            "network": "vpc",
            "subnetwork": "sub",
            "gcp_cidrs": ["10.20.0.0/24"],
            "clients": {"site-a": ["192.168.50.0/24"], "laptop": []},
            "allowed_source_ranges": ["203.0.113.0/24"],
        },
    ),
    "standby": (
        PostgresStandby,
        {
            "project": "crossnet-test",
            "zone": "europe-west1-b",
            "subnetwork": "sub",
            "network": "vpc",
            "primary_host": "db.onprem.example",
            "primary_address": "192.168.50.10",
            "primary_ca_certificate": CA,
            "client_ca_certificate": CA,
            "client_ca_private_key": KEY,
            "allowed_cidrs": ["10.8.0.0/24", "192.168.50.0/24"],
        },
    ),
}


@dataclass(frozen=True)
class Bad:
    component: str
    path: str
    """Dotted key in the args (``dns.ttl``, ``peer_vpcs.0.cidr``); DELETE as value removes it."""
    value: Any
    field: str
    """A field the error must name."""

    @property
    def id(self) -> str:
        return f"{self.component}:{self.path}={self.value!r}"[:80]


CATALOGUE: list[Bad] = [
    # AuroraGlobalDb
    Bad("aurora", "regions", ["us-west-2"], "regions"),
    Bad("aurora", "regions", ["us-west-2", "us-west-2"], "regions"),
    Bad("aurora", "regions", ["us-west-2", "US_EAST_1"], "regions"),
    Bad("aurora", "global_cluster_identifier", "1-starts-with-digit", "global_cluster_identifier"),
    Bad("aurora", "global_cluster_identifier", "double--hyphen", "global_cluster_identifier"),
    Bad("aurora", "instances_per_region", 0, "instances_per_region"),
    Bad("aurora", "instances_per_region", 17, "instances_per_region"),
    Bad("aurora", "engine_version", "banana", "engine_version"),
    Bad("aurora", "instance_class", "r7g.large", "instance_class"),
    Bad("aurora", "master_username", "admin", "master_username"),
    Bad("aurora", "endpoint_mode", "round-robin", "endpoint_mode"),
    Bad("aurora", "backup_retention_days", 0, "backup_retention_days"),
    Bad("aurora", "backup_retention_days", 36, "backup_retention_days"),
    Bad("aurora", "deletion_protection", "yes", "deletion_protection"),
    Bad("aurora", "dns.zone_id", "not-a-zone", "dns.zone_id"),
    Bad("aurora", "dns.ttl", 1, "dns.ttl"),
    Bad("aurora", "dns.record_name", "db.other.org", "dns.record_name"),
    Bad("aurora", "peer_vpcs.0.cidr", "10.0.0.0/33", "peer_vpcs[0].cidr"),
    Bad("aurora", "peer_vpcs.0.vpc_id", "vpc-XYZ", "peer_vpcs[0].vpc_id"),
    Bad("aurora", "peer_vpcs.0.route_table_ids", ["table-1"], "peer_vpcs[0].route_table_ids"),
    Bad("aurora", "vpc_cidrs", {"us-west-2": "10.0.0.0/16"}, "vpc_cidrs.us-west-2"),
    Bad("aurora", "unknown_option", True, "unknown_option"),
    # KafkaPrivateLinkCluster
    Bad("kafka", "region", "uswest2", "region"),
    Bad("kafka", "az_ids", ["usw2-az1", "use1-az2"], "az_ids[1]"),
    Bad("kafka", "unique_name", "Abc-1", "unique_name"),
    Bad("kafka", "listener_domain_suffix", "not a domain", "listener_domain_suffix"),
    Bad("kafka", "allowed_principals", ["380838443567"], "allowed_principals[0]"),
    Bad("kafka", "broker_count", 0, "broker_count"),
    Bad("kafka", "broker_count", 50, "broker_count"),
    Bad("kafka", "ssh_ingress_cidrs", ["203.0.113.0/24"], "ssh_ingress_cidrs"),
    Bad("kafka", "vpc_cidr", "10.0.0.0/8", "vpc_cidr"),
    Bad("kafka", "kafka_version", "2.8.0", "kafka_version"),
    Bad("kafka", "acceptance_required", "no", "acceptance_required"),
    # AzureVnetPeering
    Bad("azure", "subscription_id", "not-a-uuid", "subscription_id"),
    Bad("azure", "subscription_id", "1A2B3C4D-2222-4333-8444-5555555555EF", "subscription_id"),
    Bad("azure", "tenant_id", DELETE, "tenant_id"),
    Bad("azure", "vnet_name", "App-VNet", "vnet_name"),
    Bad("azure", "resource_group_name", "App-RG", "resource_group_name"),
    Bad("azure", "aiven_project_vpc_id", "no-slash", "aiven_project_vpc_id"),
    Bad("azure", "role_propagation_seconds", -1, "role_propagation_seconds"),
    Bad("azure", "vnet_address_space", ["10.0.0.0/40"], "vnet_address_space[0]"),
    # OpenVpnGateway
    Bad("vpn", "port", 70000, "port"),
    Bad("vpn", "protocol", "icmp", "protocol"),
    Bad("vpn", "vpn_cidr", "10.20.0.0/24", "vpn_cidr"),
    Bad("vpn", "gcp_cidrs", ["nope"], "gcp_cidrs[0]"),
    Bad("vpn", "allowed_source_ranges", ["0.0.0.0/0"], "allowed_source_ranges[0]"),
    Bad("vpn", "clients", {"Bad Name": []}, "clients['Bad Name']"),
    Bad("vpn", "zone", "europe-west1", "zone"),
    # PostgresStandby
    Bad("standby", "primary_address", "db", "primary_address"),
    Bad("standby", "allowed_cidrs", ["0.0.0.0/0"], "allowed_cidrs[0]"),
    Bad("standby", "slot_name", "Bad-Slot", "slot_name"),
    Bad("standby", "primary_port", 0, "primary_port"),
    Bad("standby", "postgres_version", 9, "postgres_version"),
    Bad("standby", "primary_ca_certificate", "not a pem", "primary_ca_certificate"),
]


def _apply(args: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    result = copy.deepcopy(args)
    *parents, last = path.split(".")
    target: Any = result
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return result


def test_the_catalogue_is_broad() -> None:
    assert len(CATALOGUE) >= 40
    assert {bad.component for bad in CATALOGUE} == set(BASES)
    assert len({bad.id for bad in CATALOGUE}) == len(CATALOGUE)


@pytest.mark.parametrize("component", list(BASES))
def test_every_base_is_valid(runtime: MockRuntime, component: str) -> None:
    cls, args = BASES[component]
    cls("x", copy.deepcopy(args))
    runtime.settle()
    assert len(runtime.resources) > 3


@pytest.mark.parametrize("bad", CATALOGUE, ids=[b.id for b in CATALOGUE])
def test_bad_input_names_the_field_and_registers_nothing(runtime: MockRuntime, bad: Bad) -> None:
    cls, args = BASES[bad.component]
    with pytest.raises(ValidationError) as info:
        cls("x", _apply(args, bad.path, bad.value))
    runtime.settle()
    assert bad.field in info.value.fields, str(info.value)
    assert runtime.resources == []


# Through the stack config: the scenario names the field with its section.
SCENARIO_CASES = [
    ("tidb_kafka_privatelink", "kafka", {"broker_count": 0}, "crossnet:kafka.broker_count"),
    ("keycloak_aurora_global", "aurora", {"sslmode": "verify-full"}, "crossnet:aurora.sslmode"),
    ("timescale_azure_peering", "azure", {"name": "Bad Name"}, "crossnet:azure.name"),
    ("geo_postgres_vpn", "vpn", {"extra": 1}, "crossnet:vpn.extra"),
]


@pytest.mark.parametrize(
    ("scenario", "section", "change", "field"), SCENARIO_CASES, ids=[c[3] for c in SCENARIO_CASES]
)
def test_bad_stack_config_names_the_field_and_registers_nothing(
    runtime_factory: Callable[..., MockRuntime],
    scenario: str,
    section: str,
    change: dict[str, Any],
    field: str,
) -> None:
    from tests.reliability import plans

    dev = plans.load("dev", plans.DEV_FILE).values
    config = {k: v for k, v in dev.items() if not k.startswith("crossnet:")}
    config["crossnet:scenarios"] = [scenario]
    config[f"crossnet:{section}"] = {**dev[f"crossnet:{section}"], **change}
    runtime = runtime_factory(config=config)
    with pytest.raises(ValidationError) as info:
        runtime.run(stacks.run)
    assert field in info.value.fields, str(info.value)
    assert runtime.resources == []
