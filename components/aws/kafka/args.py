"""``KafkaPrivateLinkClusterArgs`` and its validation (plain values in, a checked ``Settings`` out)."""

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NotRequired, TypedDict

import pulumi

from ... import cidr
from ...validation import Problems, unknown_keys
from .. import ids
from ..regions import zone_id_prefix
from . import render

# A release Apache supports (4.x: KRaft only, Java 17+ on brokers). The Kafka integration test
# resolves this exact version from Maven Central.
DEFAULT_KAFKA_VERSION = "4.1.1"
DEFAULT_INSTANCE_TYPE = "m6i.large"
DEFAULT_VPC_CIDR = "10.0.0.0/16"
MAX_BROKERS = 49  # an NLB has at most 50 listeners: one bootstrap plus one per broker
MAX_AZ_IDS = 6
# Subnet slots of the component's VPC (prefix + 3 each): slot 0 is the public subnet, slot n the
# AZ ID numbered n (usw2-az3 -> slot 3). Fixed, so adding or reordering AZ IDs moves no subnet.
SUBNET_SLOTS = 8
MAX_AZ_NUMBER = SUBNET_SLOTS - 1

UNIQUE_RE = r"[a-z0-9]{1,63}"
LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
DOMAIN_RE = rf"{LABEL}(\.{LABEL})+"
PRINCIPAL_RE = r"arn:aws(-cn|-us-gov)?:iam::\d{12}:(root|(user|role)/[\w+=,.@/-]+)"
VERSION_RE = r"(\d+)\.(\d+)\.(\d+)"


class KafkaExistingBrokerArgs(TypedDict):
    """A broker that already runs (the "reconfigure a running cluster" path)."""

    instance_id: str
    """EC2 instance id of the broker (i-...)."""
    private_ip: str
    """The broker's private IPv4 address (its INTERNAL listener advertises it)."""
    az_id: str
    """The AZ ID the broker runs in; must be one of ``az_ids``."""
    node_id: int
    """The broker's Kafka ``node.id`` (1..49); it picks the broker's NLB port ``broker_port_base + n - 1``."""


class KafkaBrokerSshArgs(TypedDict):
    """SSH access to existing brokers, to apply the listener settings as a rolling restart."""

    user: str
    """SSH user on the brokers (needs sudo)."""
    private_key: pulumi.Input[str]
    """SSH private key (PEM/OpenSSH text); kept secret."""
    bastion_host: NotRequired[str]
    """Jump host to reach the brokers' private IPs through [none: connect directly]."""
    bastion_user: NotRequired[str]
    """SSH user on the bastion [``user``]."""
    config_path: NotRequired[str]
    """The brokers' server.properties [/opt/kafka/config/server.properties]."""
    kafka_home: NotRequired[str]
    """Kafka installation, for the under-replicated-partitions check [/opt/kafka]."""
    restart_command: NotRequired[str]
    """Shell command that restarts the broker [sudo systemctl restart kafka]."""
    wait_seconds: NotRequired[int]
    """How long one broker may take to serve again with no under-replicated partitions [600; 30..3600]."""


class KafkaPrivateLinkClusterArgs(TypedDict):
    """Inputs of :class:`KafkaPrivateLinkCluster`."""

    region: str
    """AWS region of the cluster and the endpoint service (the consumer's region), e.g. us-west-2."""
    az_ids: list[str]
    """AZ IDs the consumer gives (e.g. usw2-az1); mapped to this account's AZ names by lookup. 1..6."""
    unique_name: str
    """The consumer's unique string (lowercase letters and digits) in the advertised names."""
    listener_domain_suffix: str
    """Domain suffix of the advertised names, e.g. 3199015.tidbcloud.com."""
    allowed_principals: list[str]
    """IAM principal ARNs allowed to connect, e.g. arn:aws:iam::<account>:root. At least one."""
    broker_count: NotRequired[int]
    """Number of brokers [3; 1..49; at least ``controller_count``]. Growth adds brokers and replaces
    none; shrinking is refused at ``pulumi up`` (it needs partition reassignment first). With
    ``existing_brokers`` leave it unset (their number is used) or equal to it."""
    controller_count: NotRequired[int]
    """Size of the KRaft controller quorum [3; 1, 3 or 5]: brokers 1..n are combined
    broker+controller nodes, whatever ``broker_count`` becomes. Fixed for the cluster's life:
    changing it is a KRaft quorum reconfiguration this component does not do (refused at up)."""
    broker_az_ids: NotRequired[list[str]]
    """The AZ ID of each broker, broker n at position n-1, each one of ``az_ids`` [round-robin over
    ``az_ids`` in the given order]. Pin the current placement (the ``broker_az_ids`` output) before
    adding, removing or reordering AZ IDs of a running cluster; grow by appending."""
    kafka_version: NotRequired[str]
    """Apache Kafka version [4.1.1]; 3.5 or later (KRaft). Brokers get Java 21 (Amazon Corretto)."""
    kafka_download_url: NotRequired[str]
    """https URL of the Kafka binary .tgz [the Apache archive for ``kafka_version``]. Needs
    ``kafka_sha512``."""
    kafka_sha512: NotRequired[str]
    """SHA-512 of the .tgz (128 hex digits; spaces and case as Apache prints them are accepted): a
    download that does not match stops the broker's setup. [with the default URL: the checksum Apache
    publishes next to the archive (``<url>.sha512``), fetched by the broker; required with
    ``kafka_download_url``]."""
    data_volume_gb: NotRequired[int]
    """Size of each broker's data volume (gp3, encrypted; the log dirs) [100; 10..16384]. The volume is
    a resource of its own, so replacing a broker's instance keeps its data."""
    broker_health_timeout_seconds: NotRequired[int]
    """How long ``pulumi up`` waits for each new or restarted broker to be healthy behind the NLB
    before it fails naming the broker [900; 120..3600; 0 turns the wait off]. The wait runs the AWS
    CLI (``aws elbv2 describe-target-health``) where ``pulumi up`` runs."""
    instance_type: NotRequired[str]
    """EC2 instance type of the brokers [m6i.large]. Graviton types (m7g, c6gn, r8g, ...) get the
    arm64 AMI and a t4g.micro bastion; others the x86_64 AMI and a t3.micro bastion."""
    ami_id: NotRequired[str]
    """AMI of the brokers and bastion [the newest Amazon Linux 2023 for the architecture of
    ``instance_type`` (arm64 for Graviton, else x86_64); later AMI releases are ignored so they do
    not replace running brokers]. Must match that architecture."""
    key_name: NotRequired[str]
    """EC2 key pair for SSH to the bastion and brokers [none]."""
    vpc_cidr: NotRequired[str]
    """CIDR of the VPC the component creates [10.0.0.0/16]. Prefix /16 to /21, cut into 8 equal
    slots (/19 in a /16): slot 0 is the public subnet, slot n the broker subnet of the AZ ID ending in
    ``-az<n>`` (n 1..7), e.g. usw2-az3 -> 10.0.96.0/19. A subnet depends only on its own AZ ID, so
    adding or reordering AZ IDs never re-addresses a subnet or a broker (broker n is subnet + 10 + n)."""
    vpc_id: NotRequired[str]
    """Use this existing VPC instead of creating one (needs ``subnet_ids``)."""
    subnet_ids: NotRequired[dict[str, str]]
    """AZ ID -> existing private subnet, one for every AZ ID (with ``vpc_id``)."""
    nat_gateway: NotRequired[bool]
    """Give the broker subnets internet egress through a NAT gateway, so cloud-init can install Java
    and download Kafka [true in a VPC the component creates]."""
    bastion: NotRequired[bool]
    """Create a bastion host in a public subnet [false]. Needs ``ssh_ingress_cidrs``."""
    ssh_ingress_cidrs: NotRequired[list[str]]
    """CIDRs allowed to SSH to the bastion. No default: required with the bastion."""
    allow_world_ssh: NotRequired[bool]
    """Explicit opt-in to allow 0.0.0.0/0 in ``ssh_ingress_cidrs`` [false]."""
    acceptance_required: NotRequired[bool]
    """Endpoint connections must be accepted by the service owner [true]."""
    nlb_deletion_protection: NotRequired[bool]
    """Deletion protection on the NLB [true]: a ``pulumi destroy`` or a replacement of the NLB fails
    until it is turned off, so TiDB Cloud's endpoint is never removed by accident. Dev stacks that are
    torn down often may set false."""
    bootstrap_port: NotRequired[int]
    """NLB port of the bootstrap listener (to every broker) [9092]."""
    broker_port_base: NotRequired[int]
    """NLB port of broker 1; broker n is ``broker_port_base + n - 1`` [9093]."""
    internal_port: NotRequired[int]
    """Broker port of the INTERNAL listener (inter-broker, clients in the VPC) [9092]."""
    external_port: NotRequired[int]
    """Broker port of the EXTERNAL listener (the NLB's targets) [39092]."""
    controller_port: NotRequired[int]
    """Broker port of the CONTROLLER listener (KRaft quorum) [29092]."""
    existing_brokers: NotRequired[list[KafkaExistingBrokerArgs]]
    """Brokers that already run: build only the NLB, target groups, endpoint service and the listener
    settings each broker must add (needs ``vpc_id`` and ``subnet_ids``)."""
    broker_ssh: NotRequired[KafkaBrokerSshArgs]
    """With ``existing_brokers``: apply ``listener_settings`` over SSH, one broker at a time in
    ``restart_order``, each after the previous one is back in sync (``pulumi_command``)."""
    broker_security_group_id: NotRequired[str]
    """With ``existing_brokers``: the brokers' security group, which gains one rule opening
    ``external_port`` to the VPC's CIDRs (the NLB's targets and health checks) [the first security
    group of the broker with the lowest node id, as looked up]."""
    broker_ip_offset: NotRequired[int]
    """Broker n's private IP is its subnet's network address + offset + n [10; 3..1000]. Pick another
    offset before the first deployment when those addresses are taken in an existing subnet; a later
    change would move every broker (refused at up)."""
    tags: NotRequired[dict[str, str]]
    """Tags added to every taggable resource."""


@dataclass(frozen=True)
class ExistingBroker:
    node_id: int
    instance_id: str
    private_ip: str
    az_id: str


@dataclass(frozen=True)
class BrokerSsh:
    """How to reach existing brokers to apply the listener settings (``broker_ssh``, defaulted)."""

    user: str
    private_key: pulumi.Input[str]
    bastion_host: str | None = None
    bastion_user: str | None = None
    config_path: str = "/opt/kafka/config/server.properties"
    kafka_home: str = "/opt/kafka"
    restart_command: str = "sudo systemctl restart kafka"
    wait_seconds: int = 600


@dataclass(frozen=True)
class Settings:
    """Validated, defaulted plain inputs."""

    region: str
    az_ids: tuple[str, ...]
    unique_name: str
    suffix: str
    principals: tuple[str, ...]
    node_ids: tuple[int, ...]
    kafka_version: str
    download_url: str
    instance_type: str
    ami_id: str | None
    key_name: str | None
    vpc_cidr: str
    vpc_id: str | None
    subnet_ids: dict[str, str]
    nat_gateway: bool
    bastion: bool
    ssh_ingress_cidrs: tuple[str, ...]
    acceptance_required: bool
    ports: render.Ports
    existing: tuple[ExistingBroker, ...]
    tags: dict[str, str] = field(default_factory=dict)
    broker_ssh: BrokerSsh | None = None
    nlb_deletion_protection: bool = True
    controller_count: int = 3
    pinned_az_ids: tuple[str, ...] = ()
    kafka_sha512: str | None = None
    data_volume_gb: int = 100
    health_timeout_seconds: int = 900
    broker_security_group_id: str | None = None
    broker_ip_offset: int = render.BROKER_IP_OFFSET

    @property
    def advertises_controller(self) -> bool:
        """Kafka 3.9+ controllers advertise their CONTROLLER listener (KIP-853)."""
        release = _major_minor(self.kafka_version)
        return release is None or release >= (3, 9)

    @property
    def controller_ids(self) -> tuple[int, ...]:
        """The fixed KRaft quorum: node ids 1..controller_count."""
        return tuple(range(1, self.controller_count + 1))

    @property
    def own_vpc(self) -> bool:
        return self.vpc_id is None

    def broker_az(self, node_id: int) -> str:
        for broker in self.existing:
            if broker.node_id == node_id:
                return broker.az_id
        if self.pinned_az_ids:
            return self.pinned_az_ids[node_id - 1]
        return render.broker_az(node_id, self.az_ids)

    def external_host(self, node_id: int) -> str:
        return render.advertised_host(
            node_id, self.broker_az(node_id), self.unique_name, self.region, self.suffix
        )

    def subnet_prefix(self) -> int:
        """Subnet size in the component's VPC: one of ``SUBNET_SLOTS`` (/19 in a /16)."""
        return _slot_prefix(ipaddress.IPv4Network(self.vpc_cidr).prefixlen)

    def subnet_cidr(self, az_id: str) -> str:
        """The broker subnet of ``az_id``: slot = the AZ ID's number, whatever the other AZ IDs."""
        net = ipaddress.IPv4Network(self.vpc_cidr)
        return str(cidr.subnet_at(net, self.subnet_prefix(), az_number(az_id)))

    def public_subnet_cidr(self) -> str:
        return str(cidr.subnet_at(ipaddress.IPv4Network(self.vpc_cidr), self.subnet_prefix(), 0))


def _slot_prefix(vpc_prefix: int) -> int:
    """The prefix of one of ``SUBNET_SLOTS`` equal subnets of a VPC of prefix ``vpc_prefix``."""
    return vpc_prefix + (SUBNET_SLOTS - 1).bit_length()


def _major_minor(version: str) -> tuple[int, int] | None:
    """``(4, 1)`` for ``4.1.1``; None for text that is not a Kafka release number."""
    match = re.fullmatch(VERSION_RE, version)
    return None if match is None else (int(match[1]), int(match[2]))


def az_number(az_id: str) -> int:
    """The number at the end of an AZ ID: usw2-az3 -> 3."""
    return int(az_id.rsplit("-az", 1)[1])


_KNOWN = set(KafkaPrivateLinkClusterArgs.__annotations__)
_BROKER_KEYS = set(KafkaExistingBrokerArgs.__annotations__)
_SSH_KEYS = set(KafkaBrokerSshArgs.__annotations__)


def _port(problems: Problems, args: Mapping[str, Any], key: str, default: int, prefix: str) -> int | None:
    return problems.integer(args.get(key, default), prefix + key, 1, 65535)


def _bool(problems: Problems, args: Mapping[str, Any], key: str, default: bool, prefix: str) -> bool:
    value = problems.boolean(args.get(key, default), prefix + key)
    return default if value is None else value


def _opt_string(
    problems: Problems,
    args: Mapping[str, Any],
    key: str,
    prefix: str,
    pattern: str | None = None,
    allowed: str = "a non-empty string",
) -> str | None:
    if key not in args or args[key] is None:
        return None
    return problems.string(args[key], prefix + key, pattern, allowed)


def validate(args: Mapping[str, Any], problems: Problems, prefix: str = "") -> Settings | None:
    """Check every field of ``args``, adding each problem to ``problems``; the Settings if none.

    ``prefix`` names the fields (``crossnet:kafka.`` when the args come from stack config).
    Plain values only: the fields that decide resource counts and names cannot be Outputs.
    """
    before = len(problems.items)
    if not isinstance(args, Mapping):
        problems.add(prefix.rstrip(".") or "args", args, "a mapping of KafkaPrivateLinkClusterArgs")
        return None
    unknown_keys(args, _KNOWN, problems, prefix)

    region = None
    if problems.require(args, "region", prefix) is not None:
        region = problems.string(
            args["region"], prefix + "region", ids.REGION, "an AWS region name such as us-west-2"
        )

    az_ids = _az_ids(problems, args, region, prefix)
    unique = None
    if problems.require(args, "unique_name", prefix) is not None:
        unique = problems.string(
            args["unique_name"],
            prefix + "unique_name",
            UNIQUE_RE,
            "1..63 lowercase letters and digits (no uppercase, no symbols)",
        )
    suffix = None
    if problems.require(args, "listener_domain_suffix", prefix) is not None:
        suffix = problems.string(
            args["listener_domain_suffix"],
            prefix + "listener_domain_suffix",
            DOMAIN_RE,
            "a lowercase DNS domain such as 3199015.tidbcloud.com",
        )
    principals = _principals(problems, args, prefix)

    version = (
        _opt_string(
            problems,
            args,
            "kafka_version",
            prefix,
            VERSION_RE,
            "a Kafka release such as 4.1.1 (3.5 or later, for KRaft)",
        )
        or DEFAULT_KAFKA_VERSION
    )
    release = _major_minor(version)
    if release is not None and release < (3, 5):
        problems.add(prefix + "kafka_version", version, "3.5 or later (KRaft without ZooKeeper)")
    custom_url = _opt_string(
        problems, args, "kafka_download_url", prefix, r"https://\S+", "an https:// URL of a Kafka .tgz"
    )
    url = custom_url or f"https://archive.apache.org/dist/kafka/{version}/kafka_2.13-{version}.tgz"
    sha512 = _opt_string(
        problems,
        args,
        "kafka_sha512",
        prefix,
        r"(?:[0-9A-Fa-f]\s*){128}",
        "the archive's SHA-512: 128 hex digits (spaces allowed, as in Apache's .sha512 files)",
    )
    if "kafka_download_url" in args and "kafka_sha512" not in args:
        problems.add(
            prefix + "kafka_sha512",
            None,
            "required with kafka_download_url: the SHA-512 the download must match",
        )
    data_gb = problems.integer(args.get("data_volume_gb", 100), prefix + "data_volume_gb", 10, 16384)
    health = problems.integer(
        args.get("broker_health_timeout_seconds", 900), prefix + "broker_health_timeout_seconds", 0, 3600
    )
    if health is not None and 0 < health < 120:
        problems.add(prefix + "broker_health_timeout_seconds", health, "0 (no wait) or 120..3600")
    instance_type = (
        _opt_string(
            problems,
            args,
            "instance_type",
            prefix,
            r"[a-z0-9-]+\.[a-z0-9]+",
            "an EC2 instance type such as m6i.large",
        )
        or DEFAULT_INSTANCE_TYPE
    )
    ami_id = _opt_string(
        problems, args, "ami_id", prefix, ids.AMI_ID, "an AMI id such as ami-0123456789abcdef0"
    )
    key_name = _opt_string(problems, args, "key_name", prefix)

    vpc_cidr_value = args.get("vpc_cidr", DEFAULT_VPC_CIDR)
    vpc_net = (
        cidr.check(problems, vpc_cidr_value, prefix + "vpc_cidr", 16, 21)
        if problems.plain(vpc_cidr_value, prefix + "vpc_cidr")
        else None
    )
    vpc_id = _opt_string(problems, args, "vpc_id", prefix, ids.VPC_ID, "a VPC id such as vpc-0123abcd")
    subnet_ids = _subnet_ids(problems, args, az_ids, prefix)
    if "vpc_cidr" in args and vpc_id is not None:
        problems.add(
            prefix + "vpc_cidr", vpc_cidr_value, "leave unset with vpc_id (the existing VPC's CIDR is used)"
        )
    if vpc_id is not None and subnet_ids is None and "subnet_ids" not in args:
        problems.add(prefix + "subnet_ids", None, "required with vpc_id: AZ ID -> subnet id for every AZ ID")
    if "subnet_ids" in args and "vpc_id" not in args:
        problems.add(prefix + "vpc_id", None, "required with subnet_ids")
    if az_ids and "vpc_id" not in args:
        for i, az_id in enumerate(az_ids):
            if not 1 <= az_number(az_id) <= MAX_AZ_NUMBER:
                problems.add(
                    f"{prefix}az_ids[{i}]",
                    az_id,
                    f"an AZ ID numbered az1..az{MAX_AZ_NUMBER} (one subnet slot per AZ number in "
                    "the VPC the component creates), or pass vpc_id and subnet_ids",
                )

    nat = _bool(problems, args, "nat_gateway", vpc_id is None, prefix)
    if nat and vpc_id is not None and "nat_gateway" in args:
        problems.add(
            prefix + "nat_gateway", True, "only in a VPC the component creates (leave unset with vpc_id)"
        )
    bastion = _bool(problems, args, "bastion", False, prefix)
    world = _bool(problems, args, "allow_world_ssh", False, prefix)
    ssh_cidrs = _ssh_cidrs(problems, args, bastion, world, prefix)
    if bastion and vpc_id is not None:
        problems.add(prefix + "bastion", True, "only in a VPC the component creates (not with vpc_id)")
    acceptance = _bool(problems, args, "acceptance_required", True, prefix)
    nlb_protection = _bool(problems, args, "nlb_deletion_protection", True, prefix)

    ports = _ports(problems, args, prefix)
    existing = _existing(problems, args, az_ids, prefix)
    if existing is not None and existing and vpc_id is None and "vpc_id" not in args:
        problems.add(prefix + "vpc_id", None, "required with existing_brokers (the brokers' VPC)")
    if existing:
        node_ids: tuple[int, ...] | None = tuple(sorted(b.node_id for b in existing))
        if "broker_count" in args and args["broker_count"] != len(existing):
            problems.add(
                prefix + "broker_count",
                args["broker_count"],
                f"leave unset with existing_brokers, or {len(existing)} (their number)",
            )
    else:
        count = problems.integer(args.get("broker_count", 3), prefix + "broker_count", 1, MAX_BROKERS)
        node_ids = tuple(range(1, count + 1)) if count is not None else None
    controllers = _controller_count(problems, args, node_ids, bool(existing), prefix)
    pinned = _pinned_az_ids(problems, args, az_ids, bool(existing), prefix)
    if pinned and not existing:
        if "broker_count" in args and node_ids is not None and len(node_ids) != len(pinned):
            problems.add(
                prefix + "broker_count",
                args["broker_count"],
                f"leave unset with broker_az_ids, or {len(pinned)} (their number)",
            )
        node_ids = tuple(range(1, len(pinned) + 1))
    if ports is not None and node_ids is not None:
        _port_collisions(problems, ports, node_ids, prefix)
    tags = args.get("tags") or {}
    if not problems.plain(tags, prefix + "tags"):
        tags = {}
    elif not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        problems.add(prefix + "tags", tags, "a mapping of string keys to string values")
    if region and unique and suffix and az_ids and node_ids:
        longest = max(
            (render.advertised_host(n, a, unique, region, suffix) for n in node_ids for a in az_ids), key=len
        )
        problems.check(
            len(longest) <= 253,
            prefix + "listener_domain_suffix",
            suffix,
            f"short enough for valid advertised DNS names ({longest!r} is too long)",
        )

    broker_ssh = _broker_ssh(problems, args, bool(existing) or "existing_brokers" in args, prefix)
    broker_sg = _opt_string(
        problems,
        args,
        "broker_security_group_id",
        prefix,
        r"sg-[0-9a-f]{8,17}",
        "a security group id such as sg-0123abcd",
    )
    if broker_sg is not None and "existing_brokers" not in args:
        problems.add(prefix + "broker_security_group_id", broker_sg, "only with existing_brokers")
    offset = problems.integer(
        args.get("broker_ip_offset", render.BROKER_IP_OFFSET), prefix + "broker_ip_offset", 3, 1000
    )
    if offset is not None and vpc_net is not None and node_ids and vpc_id is None:
        subnet_size = 2 ** (32 - _slot_prefix(vpc_net.prefixlen))
        if offset + max(node_ids) >= subnet_size - 1:
            problems.add(
                prefix + "broker_ip_offset",
                offset,
                f"small enough that broker {max(node_ids)} fits in a subnet of {subnet_size} addresses",
            )

    if (
        len(problems.items) > before
        or region is None
        or az_ids is None
        or unique is None
        or suffix is None
        or principals is None
        or node_ids is None
        or ports is None
        or vpc_net is None
    ):
        return None
    return Settings(
        region=region,
        az_ids=tuple(az_ids),
        unique_name=unique,
        suffix=suffix,
        principals=tuple(principals),
        node_ids=node_ids,
        kafka_version=version,
        download_url=url,
        instance_type=instance_type,
        ami_id=ami_id,
        key_name=key_name,
        vpc_cidr=str(vpc_net),
        vpc_id=vpc_id,
        subnet_ids=dict(subnet_ids or {}),
        nat_gateway=nat,
        bastion=bastion,
        ssh_ingress_cidrs=tuple(ssh_cidrs or ()),
        acceptance_required=acceptance,
        ports=ports,
        existing=tuple(existing or ()),
        tags=dict(tags),
        broker_ssh=broker_ssh,
        nlb_deletion_protection=nlb_protection,
        controller_count=controllers or 1,
        pinned_az_ids=tuple(pinned or ()),
        kafka_sha512="".join(sha512.split()).lower() if sha512 else None,
        data_volume_gb=data_gb or 100,
        health_timeout_seconds=900 if health is None else health,
        broker_security_group_id=broker_sg,
        broker_ip_offset=render.BROKER_IP_OFFSET if offset is None else offset,
    )


def _controller_count(
    problems: Problems,
    args: Mapping[str, Any],
    node_ids: tuple[int, ...] | None,
    has_existing: bool,
    prefix: str,
) -> int | None:
    key = prefix + "controller_count"
    if has_existing:
        if "controller_count" in args:
            problems.add(
                key, args["controller_count"], "leave unset with existing_brokers (their quorum stays)"
            )
        return None
    count = args.get("controller_count", 3)
    if not problems.plain(count, key):
        return None
    if count not in (1, 3, 5):
        problems.add(key, count, "1, 3 or 5 (a KRaft quorum needs an odd number of voters)")
        return None
    brokers = len(node_ids) if node_ids is not None else None
    if brokers is not None and brokers < count and "broker_az_ids" not in args:
        problems.add(
            prefix + "broker_count",
            brokers,
            f"at least controller_count ({count}); for a cluster of 1 or 2 brokers set controller_count: 1 "
            "(the quorum is fixed for the cluster's life, so growing later keeps it)",
        )
    return count


def _pinned_az_ids(
    problems: Problems, args: Mapping[str, Any], az_ids: list[str] | None, has_existing: bool, prefix: str
) -> list[str] | None:
    key = prefix + "broker_az_ids"
    if "broker_az_ids" not in args:
        return None
    if has_existing:
        problems.add(key, args["broker_az_ids"], "leave unset with existing_brokers (each has its az_id)")
        return None
    values = problems.string_list(args["broker_az_ids"], key, 1, MAX_BROKERS, unique=False)
    if values is None:
        return None
    ok = True
    for i, az_id in enumerate(values):
        if az_ids is not None and az_id not in az_ids:
            problems.add(f"{key}[{i}]", az_id, "one of az_ids: " + ", ".join(az_ids))
            ok = False
    count = args.get("controller_count", 3)
    if ok and isinstance(count, int) and len(values) < count:
        problems.add(key, values, f"at least controller_count ({count}) brokers")
        ok = False
    return values if ok else None


def _az_ids(problems: Problems, args: Mapping[str, Any], region: str | None, prefix: str) -> list[str] | None:
    if problems.require(args, "az_ids", prefix) is None:
        return None
    ids = problems.string_list(args["az_ids"], prefix + "az_ids", 1, MAX_AZ_IDS)
    if ids is None:
        return None
    zone_prefix = zone_id_prefix(region) if region else None
    ok = True
    for i, az_id in enumerate(ids):
        if not re.fullmatch(r"[a-z]{3,7}\d{1,2}-az\d{1,2}", az_id):
            problems.add(f"{prefix}az_ids[{i}]", az_id, "an AZ ID such as usw2-az1")
            ok = False
        elif zone_prefix and not az_id.startswith(zone_prefix + "-"):
            problems.add(
                f"{prefix}az_ids[{i}]", az_id, f"an AZ ID of region {region} (starting with {zone_prefix}-)"
            )
            ok = False
    return ids if ok else None


def _principals(problems: Problems, args: Mapping[str, Any], prefix: str) -> list[str] | None:
    if problems.require(args, "allowed_principals", prefix) is None:
        return None
    values = problems.string_list(args["allowed_principals"], prefix + "allowed_principals", 1)
    if values is None:
        return None
    bad = [i for i, v in enumerate(values) if not re.fullmatch(PRINCIPAL_RE, v)]
    for i in bad:
        problems.add(
            f"{prefix}allowed_principals[{i}]",
            values[i],
            "an IAM ARN such as arn:aws:iam::123456789012:root (or :role/..., :user/...)",
        )
    return None if bad else values


def _subnet_ids(
    problems: Problems, args: Mapping[str, Any], az_ids: list[str] | None, prefix: str
) -> dict[str, str] | None:
    value = args.get("subnet_ids")
    if value is None:
        return None
    if isinstance(value, Mapping):
        unknown = [
            az for az, subnet in value.items() if not problems.plain(subnet, f"{prefix}subnet_ids.{az}")
        ]
        if unknown:
            return None
    elif not problems.plain(value, prefix + "subnet_ids"):
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        problems.add(prefix + "subnet_ids", value, "a mapping of AZ ID -> subnet id")
        return None
    ok = True
    for az_id, subnet in value.items():
        if not re.fullmatch(ids.SUBNET_ID, subnet):
            problems.add(f"{prefix}subnet_ids.{az_id}", subnet, "a subnet id such as subnet-0123abcd")
            ok = False
    if az_ids is not None and set(value) != set(az_ids):
        problems.add(
            prefix + "subnet_ids", sorted(value), f"exactly one subnet per AZ ID: {', '.join(az_ids)}"
        )
        ok = False
    return dict(value) if ok else None


def _ssh_cidrs(
    problems: Problems, args: Mapping[str, Any], bastion: bool, world: bool, prefix: str
) -> list[str] | None:
    key = prefix + "ssh_ingress_cidrs"
    if "ssh_ingress_cidrs" not in args:
        if bastion:
            problems.add(key, None, "required with bastion: the CIDRs allowed to SSH (no default)")
        return None
    values = problems.string_list(args["ssh_ingress_cidrs"], key, 1)
    if values is None:
        return None
    if not bastion:
        problems.add(key, values, "only with bastion: true")
    result = []
    for i, value in enumerate(values):
        net = cidr.check(problems, value, f"{key}[{i}]")
        if net is None:
            continue
        if net.prefixlen == 0 and not world:
            problems.add(
                f"{key}[{i}]",
                value,
                "SSH from the whole internet needs the explicit opt-in allow_world_ssh: true",
            )
        result.append(str(net))
    return result


def _ports(problems: Problems, args: Mapping[str, Any], prefix: str) -> render.Ports | None:
    defaults = render.Ports()
    keys = {
        "bootstrap_port": defaults.bootstrap,
        "broker_port_base": defaults.broker_base,
        "internal_port": defaults.internal,
        "external_port": defaults.external,
        "controller_port": defaults.controller,
    }
    values = {k: _port(problems, args, k, d, prefix) for k, d in keys.items()}
    if any(v is None for v in values.values()):
        return None
    broker_side = {k: values[k] for k in ("internal_port", "external_port", "controller_port")}
    seen: dict[int, str] = {}
    ok = True
    for key, port in broker_side.items():
        if port is not None and port in seen:
            problems.add(
                prefix + key, port, f"a port different from {prefix}{seen[port]} (both are on each broker)"
            )
            ok = False
        if port is not None:
            seen[port] = key
    if not ok:
        return None
    return render.Ports(
        bootstrap=values["bootstrap_port"] or 0,
        broker_base=values["broker_port_base"] or 0,
        internal=values["internal_port"] or 0,
        external=values["external_port"] or 0,
        controller=values["controller_port"] or 0,
    )


def _port_collisions(problems: Problems, ports: render.Ports, node_ids: tuple[int, ...], prefix: str) -> None:
    highest = ports.nlb_port(max(node_ids))
    lowest = ports.nlb_port(min(node_ids))
    if highest > 65535:
        problems.add(
            prefix + "broker_port_base",
            ports.broker_base,
            f"low enough that broker {max(node_ids)}'s port ({highest}) is at most 65535",
        )
    if ports.bootstrap in {ports.nlb_port(n) for n in node_ids}:
        problems.add(
            prefix + "bootstrap_port",
            ports.bootstrap,
            f"a port outside the broker ports {lowest}..{highest} (NLB listener ports must not collide)",
        )


def _existing(
    problems: Problems, args: Mapping[str, Any], az_ids: list[str] | None, prefix: str
) -> list[ExistingBroker] | None:
    value = args.get("existing_brokers")
    if value is None:
        return None
    key = prefix + "existing_brokers"
    if isinstance(value, pulumi.Output):
        problems.plain(value, key)
        return None
    if not isinstance(value, list | tuple) or not value or len(value) > MAX_BROKERS:
        problems.add(key, value, f"a list of 1..{MAX_BROKERS} brokers")
        return None
    result: list[ExistingBroker] = []
    for i, item in enumerate(value):
        where = f"{key}[{i}]."
        if not isinstance(item, Mapping):
            problems.add(f"{key}[{i}]", item, "a mapping with instance_id, private_ip, az_id, node_id")
            continue
        unknown_keys(item, _BROKER_KEYS, problems, where)
        instance_id = None
        if problems.require(item, "instance_id", where) is not None:
            instance_id = problems.string(
                item["instance_id"],
                where + "instance_id",
                ids.INSTANCE_ID,
                "an EC2 instance id such as i-0123456789abcdef0",
            )
        ip = item.get("private_ip")
        if ip is None:
            problems.require(item, "private_ip", where)
        elif not problems.plain(ip, where + "private_ip"):
            ip = None
        elif not _is_ipv4(ip):
            problems.add(where + "private_ip", ip, "a literal private IPv4 address such as 10.0.1.17")
            ip = None
        az_id = item.get("az_id")
        if az_id is None:
            problems.require(item, "az_id", where)
        elif not problems.plain(az_id, where + "az_id"):
            az_id = None
        elif az_ids is not None and az_id not in az_ids:
            problems.add(where + "az_id", az_id, "one of az_ids: " + ", ".join(az_ids))
            az_id = None
        node = problems.integer(item.get("node_id"), where + "node_id", 1, MAX_BROKERS)
        if instance_id and ip and az_id and node is not None:
            result.append(ExistingBroker(node, instance_id, ip, az_id))
    for field_name, values in (
        ("node_id", [str(b.node_id) for b in result]),
        ("instance_id", [b.instance_id for b in result]),
        ("private_ip", [b.private_ip for b in result]),
    ):
        dupes = sorted({v for v in values if values.count(v) > 1})
        if dupes:
            problems.add(f"{key}[*].{field_name}", dupes, "unique across existing_brokers")
    return result if len(result) == len(value) else None


def _is_ipv4(value: Any) -> bool:
    try:
        return isinstance(value, str) and ipaddress.IPv4Address(value).is_private
    except ValueError:
        return False


def _broker_ssh(
    problems: Problems, args: Mapping[str, Any], has_existing: bool, prefix: str
) -> BrokerSsh | None:
    value = args.get("broker_ssh")
    if value is None:
        return None
    key = prefix + "broker_ssh"
    if isinstance(value, pulumi.Output):
        problems.plain(value, key)
        return None
    if not isinstance(value, Mapping):
        problems.add(key, value, "a mapping with user, private_key and optional bastion_host")
        return None
    before = len(problems.items)
    if not has_existing:
        problems.add(key, "{...}", "only with existing_brokers (new brokers are configured by cloud-init)")
    unknown_keys(value, _SSH_KEYS, problems, key + ".")
    user = None
    if problems.require(value, "user", key + ".") is not None:
        user = problems.string(value["user"], key + ".user", r"[a-z_][a-z0-9_.-]{0,31}", "a Unix user name")
    private_key = problems.require(value, "private_key", key + ".")
    if (
        private_key is not None
        and not isinstance(private_key, pulumi.Output)
        and (not isinstance(private_key, str) or "PRIVATE KEY" not in private_key)
    ):
        problems.add(key + ".private_key", "<hidden>", "an SSH private key in PEM or OpenSSH format")
    defaults = BrokerSsh(user="", private_key="")
    texts: dict[str, str | None] = {}
    for name in ("bastion_host", "bastion_user", "config_path", "kafka_home", "restart_command"):
        texts[name] = problems.string(value[name], f"{key}.{name}") if name in value else None
    for name in ("config_path", "kafka_home"):
        path = texts[name]
        if path is not None and not path.startswith("/"):
            problems.add(f"{key}.{name}", path, "an absolute path")
    wait = problems.integer(value.get("wait_seconds", defaults.wait_seconds), key + ".wait_seconds", 30, 3600)
    if len(problems.items) > before or user is None or private_key is None or wait is None:
        return None
    return BrokerSsh(
        user=user,
        private_key=private_key,
        bastion_host=texts["bastion_host"],
        bastion_user=texts["bastion_user"],
        config_path=texts["config_path"] or defaults.config_path,
        kafka_home=texts["kafka_home"] or defaults.kafka_home,
        restart_command=texts["restart_command"] or defaults.restart_command,
        wait_seconds=wait,
    )
