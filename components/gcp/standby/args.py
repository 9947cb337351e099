"""PostgresStandby inputs: the Args types and their validation.

Everything here is pure (no Pulumi resources), so ``validate`` runs before the
component registers anything and is tested directly.
"""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import hashlib
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import pulumi

from ... import cidr
from ...validation import PLAIN, Problems, unknown_keys
from .. import common, regions

SUBJECT = "PostgresStandby"

PROJECT_ID = r"[a-z][-a-z0-9]{4,28}[a-z0-9]"
ZONE = r"[a-z]+-[a-z]+[0-9]+-[a-z]"
LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOSTNAME = rf"(?=.{{1,253}}$){LABEL}(\.{LABEL})*"
PG_NAME = r"[a-z_][a-z0-9_]{0,62}"
SLOT_NAME = r"[a-z0-9_]{1,63}"
BOTH_CA_FIELDS = "set with the other client_ca_* field (or neither: the standby's own CA)"
NOT_THE_INTERNET = "the VPN and on-prem CIDRs, not the whole Internet"
SLOT_ALLOWED = "a slot name of 1-63 lowercase letters, digits and underscores"
PEM_CERTIFICATE = r"(?s)\s*-----BEGIN CERTIFICATE-----.+-----END CERTIFICATE-----\s*"
DEFAULT_PORT = 5432
DEFAULT_USER = "replicator"
DEFAULT_VERSION = 16
VERSION_RANGE = (13, 18)
DEFAULT_MACHINE_TYPE = "e2-medium"
DEFAULT_DISK_GB = 50
DISK_GB_RANGE = (10, 65536)
DEFAULT_DATA_DISK_GB = 50
DEFAULT_SNAPSHOT_DAYS = 14
EGRESS = ("existing", "cloud-nat")
WAL_SIZE = r"-1|[0-9]+(kB|MB|GB|TB)?"
PLACEHOLDER = "REPLACE-WITH"


class PostgresStandbyArgs(TypedDict):
    """Inputs of :class:`PostgresStandby`."""

    project: str
    """GCP project id."""
    zone: str
    """Zone of the standby VM."""
    subnetwork: str
    """Subnetwork name or self link (the GCP side of the VPN)."""
    network: str
    """VPC network of ``subnetwork`` (the firewall rule and the Cloud NAT router go there). Required:
    a default of ``default`` would open the firewall in the wrong VPC."""
    primary_host: str
    """The name in the primary's server certificate (checked by sslmode=verify-full)."""
    primary_address: str
    """The primary's IP address through the tunnel."""
    primary_ca_certificate: pulumi.Input[str]
    """PEM of the CA that signed the primary's server certificate."""
    allowed_cidrs: list[str]
    """Sources allowed to reach port 5432 on the standby (the VPN and on-prem CIDRs)."""
    primary_port: NotRequired[int]
    """The primary's port [5432]."""
    replication_user: NotRequired[str]
    """Replication role, also the client certificate's CN [replicator]."""
    slot_name: NotRequired[str]
    """Physical replication slot on the primary [crossnet_<name>]."""
    postgres_version: NotRequired[int]
    """PostgreSQL major version on the standby; must match the primary [16]."""
    machine_type: NotRequired[str]
    """VM machine type [e2-medium]."""
    disk_gb: NotRequired[int]
    """Boot disk size in GB [50]."""
    network_ip: NotRequired[str]
    """Fixed internal address for the standby [assigned by GCP]."""
    max_slot_wal_keep_size: NotRequired[str]
    """``max_slot_wal_keep_size`` set on the primary by ``primary_ssh`` (``10GB``, ``-1``) [unchanged]."""
    data_disk_gb: NotRequired[int]
    """Size of the data disk, a persistent disk of its own that outlives the VM [50]."""
    snapshot_retention_days: NotRequired[int]
    """Daily snapshots of the data disk, kept this many days [14; 1..365]."""
    protect_data_disk: NotRequired[bool]
    """Pulumi ``protect`` on the data disk, so no change or destroy deletes it [true]."""
    egress: NotRequired[str]
    """How the VM (no external IP) reaches the PostgreSQL apt repository and Secret Manager:
    ``cloud-nat`` (the component creates a Cloud Router and NAT for ``subnetwork``) or ``existing``
    (a prerequisite: the subnetwork already has Cloud NAT or a proxy, and Private Google Access)
    [existing]."""
    alert_replay_lag_seconds: NotRequired[int]
    """Alert when the standby's replay lag stays above this many seconds for 5 minutes [300]; it also
    alerts when it stops streaming (the primary then retains WAL for its slot) or stops reporting."""
    notification_channels: NotRequired[list[str]]
    """Cloud Monitoring notification channel ids for the alert policy [none: visible in the console]."""
    client_ca_certificate: NotRequired[pulumi.Input[str]]
    """PEM of a CA to issue the replication client certificate [the standby's own CA]. The primary
    trusts this CA for client certificates (``ssl_ca_file``): give one that issues nothing else."""
    client_ca_private_key: NotRequired[pulumi.Input[str]]
    """That CA's private key (secret); set with ``client_ca_certificate``."""
    primary_ssh: NotRequired[common.SshConnectionArgs]
    """Apply the primary's settings (role, pg_hba line, parameters) over SSH [not done]."""


@dataclass(frozen=True)
class ClientCa:
    """A caller's CA for the replication client certificate."""

    certificate: pulumi.Input[str]
    private_key: pulumi.Input[str]


@dataclass(frozen=True)
class Settings:
    """Validated, defaulted inputs. The CA fields may be Outputs; everything else is plain."""

    project: str
    zone: str
    subnetwork: str
    network: str
    primary_host: str
    primary_address: str
    primary_ca_certificate: pulumi.Input[str]
    client_ca: "ClientCa | None"
    """None: the component issues its own client CA."""
    allowed_cidrs: tuple[str, ...]
    primary_port: int
    replication_user: str
    slot_name: str | None
    """None: the component's default, :func:`default_slot` of its name."""
    postgres_version: int
    machine_type: str
    disk_gb: int
    network_ip: str | None
    primary_ssh: common.SshConnectionArgs | None
    max_slot_wal_keep_size: str | None
    data_disk_gb: int
    snapshot_retention_days: int
    protect_data_disk: bool
    egress: str
    alert_replay_lag_seconds: int
    notification_channels: tuple[str, ...]

    @property
    def region(self) -> str:
        return self.zone.rsplit("-", 1)[0]

    def slot(self, name: str) -> str:
        return self.slot_name or default_slot(name)


def default_slot(name: str) -> str:
    """``crossnet_<name>`` in the slot alphabet, at most 63 characters (a hash keeps long names distinct)."""
    slot = "crossnet_" + re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    return slot if len(slot) <= 63 else slot[:54] + "_" + hashlib.sha256(name.encode()).hexdigest()[:8]


def validate(args: Any, problems: Problems, prefix: str = "") -> Settings | None:
    """Check every input, adding one problem per bad field (named ``<prefix><field>``).

    Returns the Settings, or None when a problem was added.
    """
    before = len(problems.items)
    if not isinstance(args, Mapping):
        problems.add(prefix.rstrip(".") or "args", args, "a PostgresStandbyArgs mapping")
        return None
    a: Mapping[str, Any] = args
    unknown_keys(a, PostgresStandbyArgs.__annotations__, problems, prefix)

    def req(key: str) -> Any:
        return problems.require(a, key, prefix)

    def required_string(
        key: str, pattern: str | None = None, allowed: str = "a non-empty string"
    ) -> str | None:
        value = req(key)
        return None if value is None else problems.string(value, prefix + key, pattern, allowed)

    project = required_string("project", PROJECT_ID, "a GCP project id")
    zone = required_string("zone", ZONE, "a GCP zone such as europe-west1-b")
    zone = regions.check_zone(problems, zone, prefix + "zone") if zone else None  # a zone that exists
    subnetwork = required_string("subnetwork")
    network = required_string("network")
    primary_host = required_string("primary_host", HOSTNAME, "the DNS name in the primary's certificate")
    address = req("primary_address")
    primary_address = _ipv4(problems, address, prefix + "primary_address") if address is not None else None
    primary_ca = req("primary_ca_certificate")
    _pem(problems, primary_ca, prefix + "primary_ca_certificate")
    client_ca = _client_ca(problems, a, prefix)
    allowed = _allowed_cidrs(problems, req("allowed_cidrs"), prefix)
    port = problems.integer(a.get("primary_port", DEFAULT_PORT), prefix + "primary_port", 1, 65535)
    user = problems.string(
        a.get("replication_user", DEFAULT_USER),
        prefix + "replication_user",
        PG_NAME,
        "a PostgreSQL role name (lowercase letters, digits, underscores; 1-63)",
    )
    slot = a.get("slot_name")
    if slot is not None:
        slot = problems.string(
            slot,
            prefix + "slot_name",
            SLOT_NAME,
            SLOT_ALLOWED,
        )
    version = problems.integer(
        a.get("postgres_version", DEFAULT_VERSION), prefix + "postgres_version", *VERSION_RANGE
    )
    machine_type = problems.string(
        a.get("machine_type", DEFAULT_MACHINE_TYPE),
        prefix + "machine_type",
        r"[a-z0-9-]+",
        "a machine type such as e2-medium",
    )
    disk_gb = problems.integer(a.get("disk_gb", DEFAULT_DISK_GB), prefix + "disk_gb", *DISK_GB_RANGE)
    network_ip = a.get("network_ip")
    if network_ip is not None:
        network_ip = _ipv4(problems, network_ip, prefix + "network_ip")
    ssh: common.SshConnectionArgs | None = a.get("primary_ssh")
    if isinstance(ssh, pulumi.Output):
        problems.add(prefix + "primary_ssh", ssh, PLAIN)
    elif ssh is not None:
        common.check_ssh(problems, ssh, prefix + "primary_ssh")

    keep = a.get("max_slot_wal_keep_size")
    if keep is not None:
        keep = problems.string(
            keep, prefix + "max_slot_wal_keep_size", WAL_SIZE, "a size such as 10GB, or -1"
        )
    data_gb = problems.integer(
        a.get("data_disk_gb", DEFAULT_DATA_DISK_GB), prefix + "data_disk_gb", *DISK_GB_RANGE
    )
    days = problems.integer(
        a.get("snapshot_retention_days", DEFAULT_SNAPSHOT_DAYS), prefix + "snapshot_retention_days", 1, 365
    )
    protect = problems.boolean(a.get("protect_data_disk", True), prefix + "protect_data_disk")
    egress = problems.one_of(a.get("egress", EGRESS[0]), prefix + "egress", EGRESS)
    lag = problems.integer(
        a.get("alert_replay_lag_seconds", 300), prefix + "alert_replay_lag_seconds", 30, 86400
    )
    channels = problems.string_list(a.get("notification_channels", []), prefix + "notification_channels")

    if len(problems.items) > before:
        return None
    if (
        project is None
        or zone is None
        or subnetwork is None
        or network is None
        or primary_host is None
        or primary_address is None
        or allowed is None
        or port is None
        or user is None
        or version is None
        or machine_type is None
        or disk_gb is None
        or data_gb is None
        or days is None
        or protect is None
        or egress is None
        or lag is None
        or channels is None
    ):
        return None  # every None above added a problem; this keeps the types honest
    return Settings(
        project=project,
        zone=zone,
        subnetwork=subnetwork,
        network=network,
        primary_host=primary_host,
        primary_address=primary_address,
        primary_ca_certificate=primary_ca,
        client_ca=client_ca,
        allowed_cidrs=tuple(allowed),
        primary_port=port,
        replication_user=user,
        slot_name=slot,
        postgres_version=version,
        machine_type=machine_type,
        disk_gb=disk_gb,
        network_ip=network_ip,
        primary_ssh=ssh,
        max_slot_wal_keep_size=keep,
        data_disk_gb=data_gb,
        snapshot_retention_days=days,
        protect_data_disk=protect,
        egress=egress,
        alert_replay_lag_seconds=lag,
        notification_channels=tuple(channels),
    )


def _pem(problems: Problems, value: Any, field: str) -> None:
    """PEM certificates that parse; an Output (composed from another resource) flows through unchecked."""
    if value is None or isinstance(value, pulumi.Output):
        return
    text = problems.string(value, field, PEM_CERTIFICATE, "a PEM certificate (-----BEGIN CERTIFICATE-----)")
    if text is None:
        return
    if PLACEHOLDER in text:
        problems.add(field, value, "the real CA certificate, not the example's placeholder")
        return
    from cryptography import x509

    try:
        x509.load_pem_x509_certificates(text.strip().encode())
    except ValueError as err:
        problems.add(field, value, f"a PEM certificate that parses ({err})")


def _client_ca(problems: Problems, a: Mapping[str, Any], prefix: str) -> ClientCa | None:
    cert, key = a.get("client_ca_certificate"), a.get("client_ca_private_key")
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        missing = "client_ca_certificate" if cert is None else "client_ca_private_key"
        problems.add(prefix + missing, None, BOTH_CA_FIELDS)
        return None
    _pem(problems, cert, prefix + "client_ca_certificate")
    return ClientCa(cert, key)


def _ipv4(problems: Problems, value: Any, field: str) -> str | None:
    if not problems.plain(value, field):
        return None
    try:
        ipaddress.IPv4Address(value)
    except (ValueError, TypeError):
        problems.add(field, value, "an IPv4 address such as 192.168.50.10")
        return None
    return value


def _allowed_cidrs(problems: Problems, value: Any, prefix: str) -> list[str] | None:
    if value is None:
        return None
    allowed = problems.string_list(value, prefix + "allowed_cidrs", min_len=1)
    if allowed is None:
        return None
    ok = True
    for i, item in enumerate(allowed):
        net = cidr.check(problems, item, f"{prefix}allowed_cidrs[{i}]")
        if net is None:
            ok = False
        elif net.prefixlen == 0:
            problems.add(f"{prefix}allowed_cidrs[{i}]", item, NOT_THE_INTERNET)
            ok = False
    return allowed if ok else None
