"""AuroraGlobalDb inputs: the Args types, their validation, and deterministic VPC CIDRs.

Nothing here registers a resource, so ``validate`` runs before the component registers
anything and is tested directly.
"""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, NotRequired, TypedDict

import pulumi_aws as aws

from ... import cidr
from ...validation import Problems, ValidationError, unknown_keys
from .. import ids
from .. import providers as providers_module
from ..providers import AwsProviderSettingsArgs

SUBJECT = "AuroraGlobalDb"

ENDPOINT_MODES = ("global-writer-endpoint", "failover-lambda")
DEFAULT_ENGINE_VERSION = "16.6"
DEFAULT_INSTANCE_CLASS = "db.r7g.large"
MIN_REGIONS, MAX_REGIONS = 2, 11  # a global database holds one primary and up to 10 secondaries
MAX_INSTANCES = 16  # Aurora: one writer and up to 15 replicas per cluster
TTL_RANGE = (5, 3600)
# Lambda's per-function reserved concurrency: at least 1; 1000 is the default account quota.
RESERVED_CONCURRENCY_RANGE = (1, 1000)
AZ_COUNT = 3
RECONCILE_RANGE = (1, 5)  # minutes; issue 14: a lost event may cost minutes, never an outage
DEFAULT_RECONCILE_MINUTES = 5

# RDS stores identifiers in lowercase and the provider refuses uppercase ones at preview.
RDS_IDENTIFIER = r"[a-z](?!.*--)[a-z0-9-]{0,62}(?<!-)"
RDS_IDENTIFIER_MAX = 63
AZ_OVERRIDE_RANGE = (2, 6)
AZ_ID = r"[a-z]{2,}[0-9]+-az[0-9]{1,2}"
# AZ ids: <area><direction letters><number>-az<n>, e.g. use1-az4, apse2-az1, usgw1-az2.
_AZ_DIRECTIONS = {"southeast": "se", "northeast": "ne", "southwest": "sw", "northwest": "nw"}
SQL_NAME = r"[a-zA-Z][a-zA-Z0-9_]{0,62}"
ZONE_ID = r"Z[A-Z0-9]{1,31}"
# The application role and its schema: lowercase, so the name Keycloak is given is the name stored.
LOWER_SQL_NAME = r"[a-z_][a-z0-9_]{0,62}"
ROLE_NAME = r"(?!pg_)(?!rds)" + LOWER_SQL_NAME
RESERVED_ROLES = ("postgres", "rdsadmin", "rds_superuser", "public", "admin", "none", "current_user")
RESERVED_SCHEMAS = ("public", "information_schema")
# The bootstrap authenticates the server through SCRAM channel binding; Aurora PostgreSQL stores
# the master password as SCRAM from 14 on (default.aurora-postgresql14: password_encryption).
APP_ROLE_MIN_MAJOR = 14
PEM_CERTIFICATES = r"(?s)\s*-----BEGIN CERTIFICATE-----.+-----END CERTIFICATE-----\s*"
DNS_NAME = r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*"

# Default VPC CIDRs: one fixed /16 per AWS region, 10.(64 + index).0.0/16. The
# index belongs to the region name, never to its position in ``regions``, so
# adding or removing a region never moves another region's VPC.
# APPEND ONLY: reordering this tuple would re-address existing VPCs.
REGION_TABLE: tuple[str, ...] = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "ca-west-1",
    "sa-east-1",
    "mx-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-east-1",
    "ap-east-2",
    "me-south-1",
    "me-central-1",
    "il-central-1",
    "af-south-1",
    "us-gov-west-1",
    "us-gov-east-1",
    "ap-southeast-6",
)


def zone_id_prefix(region: str) -> str:
    """The AZ-id prefix of ``region``: us-east-1 -> use1, ap-southeast-2 -> apse2, us-gov-west-1 -> usgw1."""
    area, *words, number = region.split("-")
    return area + "".join(_AZ_DIRECTIONS.get(w, w[0]) for w in words) + number


def default_vpc_cidr(region: str) -> str | None:
    """The fixed default CIDR of ``region``'s Aurora VPC, or None for a region not in the table."""
    if region not in REGION_TABLE:
        return None
    return f"10.{64 + REGION_TABLE.index(region)}.0.0/16"


class AuroraDnsArgs(TypedDict):
    """The Route53 record applications connect to."""

    zone_id: str
    """Route53 hosted zone id (``Z...``) that holds the record."""
    zone_name: str
    """The hosted zone's domain name, such as ``example.com``."""
    record_name: NotRequired[str]
    """Record name inside the zone [``<global id>.aurora-global.<zone_name>``]."""
    ttl: NotRequired[int]
    """Record TTL in seconds [30; 5..3600]. Short, so clients follow a failover quickly."""


class AuroraPeerVpcArgs(TypedDict):
    """An application VPC peered with every regional Aurora VPC."""

    vpc_id: str
    """The application VPC id (``vpc-...``); it requests the peering."""
    region: str
    """The application VPC's region."""
    cidr: str
    """The application VPC's CIDR: routed to Aurora and the only source allowed on port 5432."""
    route_table_ids: list[str]
    """Application route tables that get a route to each Aurora VPC."""


class AuroraApplicationRoleArgs(TypedDict):
    """A least-privilege login role for the application, made at deploy time (see ``bootstrap.py``)."""

    name: str
    """Role name: 1-63 lowercase letters, digits or underscores, not ``pg_*``/``rds*``, not the master
    user. Its password is generated and secret."""
    schema: NotRequired[str]
    """The schema the role owns, its ``search_path`` in ``database_name`` [the role's name]."""
    ca_bundle: NotRequired[str]
    """PEM of the RDS CA bundle (https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem) for
    the bootstrap to verify the server's certificate chain as well [none: the server is authenticated
    by SCRAM channel binding alone]."""


class AuroraGlobalDbArgs(TypedDict):
    """Arguments of :class:`AuroraGlobalDb`."""

    regions: list[str]
    """AWS regions, the first is the primary; 2..11 unique names."""
    global_cluster_identifier: str
    """RDS identifier of the global cluster; regional clusters are ``<id>-<region>``."""
    dns: AuroraDnsArgs
    """The stable DNS name (a CNAME) applications use."""
    instances_per_region: NotRequired[int]
    """DB instances in each regional cluster [1; 1..16]."""
    engine_version: NotRequired[str]
    """Aurora PostgreSQL engine version [16.6]."""
    instance_class: NotRequired[str]
    """Instance class [db.r7g.large, memory-optimized, supported by global databases]."""
    database_name: NotRequired[str]
    """Initial database [keycloak]."""
    master_username: NotRequired[str]
    """Master user name [keycloak]; the password is generated and secret."""
    vpc_cidrs: NotRequired[dict[str, str]]
    """Region -> Aurora VPC CIDR (/16../24); regions not listed get a fixed per-region default."""
    endpoint_mode: NotRequired[str]
    """``global-writer-endpoint`` [default] or ``failover-lambda``."""
    failover_reserved_concurrency: NotRequired[int]
    """Reserved concurrency of each failover Lambda [unset: none reserved; 1..1000]. Reservations
    must leave the account's minimum unreserved (100 per AWS docs), so an account with a small
    concurrency quota (new accounts get 10) must leave it unset. Used with ``failover-lambda``; when
    set, the ``application_role`` bootstrap function reserves 1 as well."""
    reconcile_minutes: NotRequired[int]
    """Minutes between the failover handler's scheduled runs in every region [5; 1..5]. RDS sends
    events on a best-effort basis: a lost event leaves the CNAME stale for at most this long.
    Used with ``failover-lambda``."""
    application_role: NotRequired[AuroraApplicationRoleArgs]
    """A login role for the application instead of the master user [none]: created by a function in
    the first region's VPC when the writer first exists, and again when its password changes."""
    peer_vpcs: NotRequired[list[AuroraPeerVpcArgs]]
    """Application VPCs peered with every Aurora VPC [none]."""
    deletion_protection: NotRequired[bool]
    """Deletion protection on the global and regional clusters [true]."""
    backup_retention_days: NotRequired[int]
    """Automated backup retention in days [7; 1..35]."""
    storage_encrypted: NotRequired[bool]
    """Encrypt storage with a KMS key per region [true]."""
    iam_database_authentication: NotRequired[bool]
    """Allow IAM database authentication [true]."""
    performance_insights: NotRequired[bool]
    """Performance Insights on every instance [true]."""
    log_exports: NotRequired[bool]
    """Export the ``postgresql`` log to CloudWatch Logs [true]."""
    skip_final_snapshot: NotRequired[bool]
    """Skip the primary's final snapshot on delete [false]. When the snapshot is kept, so are the KMS
    keys and the automated backups it needs to be restored (see the teardown runbook)."""
    teardown_check: NotRequired[bool]
    """Refuse `pulumi destroy` before any deletion while the writer is not in the first region, with
    the switch-back command [true]. Turn off (then `pulumi up`) only when the first region is gone."""
    allow_engine_upgrade: NotRequired[bool]
    """Apply ``engine_version`` to the running global database (an in-place upgrade of every member)
    [false: ``engine_version`` is used at creation only, so a minor upgrade AWS applies shows no diff]."""
    apply_immediately: NotRequired[bool]
    """Apply cluster and instance changes now instead of in the next maintenance window [false]."""
    availability_zone_ids: NotRequired[dict[str, list[str]]]
    """Region -> 2..6 AZ ids for the Aurora subnets [the region's first 3 AZ ids not needing opt-in;
    exported as ``zone_ids``]."""
    providers: NotRequired[dict[str, aws.Provider]]
    """Region -> an ``aws.Provider`` you made, used as given for that region [none: crossnet makes one
    per region with the stack's ``aws:*`` settings]."""
    provider_settings: NotRequired[dict[str, AwsProviderSettingsArgs]]
    """Region -> settings of the provider crossnet makes there (another account's role or profile);
    each key given replaces the stack's ``aws:*`` value [none]."""


@dataclass(frozen=True)
class PeerVpc:
    vpc_id: str
    region: str
    cidr: str
    route_table_ids: tuple[str, ...]


@dataclass(frozen=True)
class ApplicationRole:
    name: str
    schema: str
    ca_bundle: str | None = None


@dataclass(frozen=True)
class Settings:
    """Validated, defaulted inputs: plain values only."""

    regions: tuple[str, ...]
    global_id: str
    zone_id: str
    zone_name: str
    record_name: str
    ttl: int
    instances_per_region: int
    engine_version: str
    instance_class: str
    database_name: str
    master_username: str
    vpc_cidrs: dict[str, str]
    endpoint_mode: str
    failover_reserved_concurrency: int | None
    reconcile_minutes: int
    peers: tuple[PeerVpc, ...]
    deletion_protection: bool
    backup_retention_days: int
    storage_encrypted: bool
    iam_database_authentication: bool
    performance_insights: bool
    log_exports: bool
    skip_final_snapshot: bool
    providers: dict[str, aws.Provider]
    provider_settings: dict[str, dict[str, Any]]
    allow_engine_upgrade: bool
    apply_immediately: bool
    teardown_check: bool
    availability_zone_ids: dict[str, tuple[str, ...]]
    application_role: ApplicationRole | None = None

    @property
    def primary(self) -> str:
        return self.regions[0]

    @property
    def secondaries(self) -> tuple[str, ...]:
        return self.regions[1:]

    def cluster_identifier(self, region: str) -> str:
        return f"{self.global_id}-{region}"


def _bool(problems: Problems, args: Mapping[str, Any], key: str, default: bool) -> bool:
    return bool(problems.boolean(args.get(key, default), key))


def validate(args: Any, problems: Problems, prefix: str = "") -> Settings | None:
    """Check every input; record problems in ``problems`` (fields ``<prefix><field>``).

    Returns the Settings, or None when any problem was recorded.
    """
    inner = Problems(problems.subject)
    settings = _validate(args, inner)
    if inner:
        problems.merge(ValidationError(inner.subject, inner.items), prefix)
        return None
    return settings


def _validate(args: Any, problems: Problems) -> Settings | None:
    if not isinstance(args, Mapping):
        if problems.plain(args, "args"):
            problems.add("args", args, "an AuroraGlobalDbArgs mapping")
        return None
    unknown_keys(args, AuroraGlobalDbArgs.__annotations__, problems)

    regions = _regions(problems, args.get("regions"))
    instances = problems.integer(
        args.get("instances_per_region", 1), "instances_per_region", 1, MAX_INSTANCES
    )
    global_id = _global_id(problems, args.get("global_cluster_identifier"), regions, instances)
    engine_version = problems.string(
        args.get("engine_version", DEFAULT_ENGINE_VERSION),
        "engine_version",
        r"1[1-9](\.[0-9]+)*",
        "an Aurora PostgreSQL version such as 16.6",
    )
    instance_class = problems.string(
        args.get("instance_class", DEFAULT_INSTANCE_CLASS),
        "instance_class",
        r"db\.[a-z0-9-]+\.[a-z0-9]+",
        "an instance class such as db.r7g.large",
    )
    database_name = problems.string(
        args.get("database_name", "keycloak"),
        "database_name",
        SQL_NAME,
        "1-63 letters, digits or underscores, starting with a letter",
    )
    master_username = problems.string(
        args.get("master_username", "keycloak"),
        "master_username",
        SQL_NAME,
        "1-63 letters, digits or underscores, starting with a letter",
    )
    if master_username is not None and master_username.lower() in {"rdsadmin", "admin", "postgres"}:
        problems.add("master_username", master_username, "a name RDS does not reserve")
    endpoint_mode = problems.one_of(
        args.get("endpoint_mode", ENDPOINT_MODES[0]), "endpoint_mode", ENDPOINT_MODES
    )
    reserved = args.get("failover_reserved_concurrency")
    if reserved is not None:
        reserved = problems.integer(reserved, "failover_reserved_concurrency", *RESERVED_CONCURRENCY_RANGE)
    reconcile = problems.integer(
        args.get("reconcile_minutes", DEFAULT_RECONCILE_MINUTES), "reconcile_minutes", *RECONCILE_RANGE
    )
    backup_days = problems.integer(args.get("backup_retention_days", 7), "backup_retention_days", 1, 35)
    dns = _dns(problems, args.get("dns"), global_id)
    peers = _peers(problems, args.get("peer_vpcs", []))
    vpc_cidrs = _vpc_cidrs(problems, args.get("vpc_cidrs", {}), regions, peers)
    provider_regions = list(dict.fromkeys([*regions, *(p.region for p in peers)]))
    providers = providers_module.validate_providers(
        args.get("providers", {}), problems, "providers", provider_regions
    )
    provider_settings = _provider_settings(problems, args.get("provider_settings", {}), provider_regions)
    zones = _zones(problems, args.get("availability_zone_ids", {}), regions)
    app_role = _application_role(problems, args.get("application_role"), master_username, engine_version)
    if app_role is not None and database_name is not None and not re.fullmatch(LOWER_SQL_NAME, database_name):
        problems.add(
            "database_name",
            database_name,
            "lowercase letters, digits or underscores with application_role (its grants name the database)",
        )

    flags = {
        key: _bool(problems, args, key, default)
        for key, default in (
            ("deletion_protection", True),
            ("storage_encrypted", True),
            ("iam_database_authentication", True),
            ("performance_insights", True),
            ("log_exports", True),
            ("skip_final_snapshot", False),
            ("allow_engine_upgrade", False),
            ("apply_immediately", False),
            ("teardown_check", True),
        )
    }

    if (
        problems
        or dns is None
        or global_id is None
        or instances is None
        or engine_version is None
        or instance_class is None
        or database_name is None
        or master_username is None
        or endpoint_mode is None
        or backup_days is None
        or reconcile is None
        or providers is None
    ):
        return None
    return Settings(
        regions=tuple(regions),
        global_id=global_id,
        zone_id=dns.zone_id,
        zone_name=dns.zone_name,
        record_name=dns.record_name,
        ttl=dns.ttl,
        instances_per_region=instances,
        engine_version=engine_version,
        instance_class=instance_class,
        database_name=database_name,
        master_username=master_username,
        vpc_cidrs=vpc_cidrs,
        endpoint_mode=endpoint_mode,
        failover_reserved_concurrency=reserved,
        reconcile_minutes=reconcile,
        peers=tuple(peers),
        backup_retention_days=backup_days,
        deletion_protection=flags["deletion_protection"],
        storage_encrypted=flags["storage_encrypted"],
        iam_database_authentication=flags["iam_database_authentication"],
        performance_insights=flags["performance_insights"],
        log_exports=flags["log_exports"],
        skip_final_snapshot=flags["skip_final_snapshot"],
        providers=providers,
        provider_settings=provider_settings,
        allow_engine_upgrade=flags["allow_engine_upgrade"],
        apply_immediately=flags["apply_immediately"],
        teardown_check=flags["teardown_check"],
        availability_zone_ids=zones,
        application_role=app_role,
    )


def _application_role(
    problems: Problems, value: Any, master_username: str | None, engine_version: str | None
) -> ApplicationRole | None:
    field = "application_role"
    if value is None:
        return None
    if not isinstance(value, Mapping):
        if problems.plain(value, field):
            problems.add(field, value, "a mapping with name and optional schema")
        return None
    unknown_keys(value, AuroraApplicationRoleArgs.__annotations__, problems, f"{field}.")
    allowed = "1-63 lowercase letters, digits or underscores, starting with a letter or _, not pg_* or rds*"
    name = problems.string(value.get("name"), f"{field}.name", ROLE_NAME, allowed)
    if name is not None and name in RESERVED_ROLES:
        problems.add(f"{field}.name", name, "a role name PostgreSQL and RDS do not reserve")
        name = None
    if name is not None and master_username is not None and name == master_username.lower():
        problems.add(
            f"{field}.name",
            name,
            f"a role other than the master user ({master_username}): the point is not to use it",
        )
        name = None
    raw_schema = value.get("schema")
    schema = (
        name if raw_schema is None else problems.string(raw_schema, f"{field}.schema", ROLE_NAME, allowed)
    )
    if schema is not None and schema in RESERVED_SCHEMAS:
        problems.add(f"{field}.schema", schema, "a schema of its own, not public or information_schema")
        schema = None
    if engine_version is not None and int(engine_version.split(".")[0]) < APP_ROLE_MIN_MAJOR:
        problems.add(
            "engine_version",
            engine_version,
            f"{APP_ROLE_MIN_MAJOR} or later with application_role (SCRAM passwords, needed to authenticate "
            "the server from inside the VPC)",
        )
    ca_bundle = value.get("ca_bundle")
    if ca_bundle is not None:
        ca_bundle = _pem_bundle(problems, ca_bundle, f"{field}.ca_bundle")
    if name is None or schema is None or (value.get("ca_bundle") is not None and ca_bundle is None):
        return None
    return ApplicationRole(name, schema, ca_bundle)


def _pem_bundle(problems: Problems, value: Any, field: str) -> str | None:
    """PEM certificates that parse (the stdlib's loader, the one the bootstrap function uses)."""
    import ssl

    text = problems.string(value, field, PEM_CERTIFICATES, "PEM certificates (-----BEGIN CERTIFICATE-----)")
    if text is None:
        return None
    try:
        ssl.create_default_context(cadata=text)
    except (ssl.SSLError, ValueError) as err:
        problems.add(field, "(PEM text)", f"PEM certificates that parse ({err})")
        return None
    return text


def _zones(problems: Problems, value: Any, regions: list[str]) -> dict[str, tuple[str, ...]]:
    field = "availability_zone_ids"
    if not isinstance(value, Mapping):
        if problems.plain(value, field):
            problems.add(field, value, "a mapping of region -> AZ ids")
        return {}
    chosen: dict[str, tuple[str, ...]] = {}
    for region, zone_ids in value.items():
        at = f"{field}.{region}"
        if region not in regions:
            problems.add(at, zone_ids, "a key that is one of regions")
            continue
        listed = problems.string_list(zone_ids, at, *AZ_OVERRIDE_RANGE)
        if listed is None:
            continue
        prefix = zone_id_prefix(region)
        bad = [z for z in listed if not (re.fullmatch(AZ_ID, z) and z.startswith(prefix + "-az"))]
        if bad:
            problems.add(at, bad, f"zone ids of {region} such as {prefix}-az1")
            continue
        chosen[region] = tuple(sorted(listed, key=zone_number))
    return chosen


def zone_number(zone_id: str) -> int:
    """``use1-az10`` -> 10: AZ ids sort by number, so a new zone never reorders the chosen ones."""
    return int(zone_id.rsplit("az", 1)[1])


def _provider_settings(problems: Problems, value: Any, regions: list[str]) -> dict[str, dict[str, Any]]:
    field = "provider_settings"
    if not isinstance(value, Mapping):
        if problems.plain(value, field):
            problems.add(field, value, "a mapping of region -> AWS provider settings")
        return {}
    chosen: dict[str, dict[str, Any]] = {}
    for region, item in value.items():
        if region not in regions:
            problems.add(f"{field}.{region}", item, "a key that is one of " + ", ".join(regions))
            continue
        kwargs = providers_module.validate_settings(item, problems, f"{field}.{region}")
        if kwargs is not None:
            chosen[region] = kwargs
    return chosen


def _regions(problems: Problems, value: Any) -> list[str]:
    regions = problems.string_list(value, "regions", MIN_REGIONS, MAX_REGIONS)
    if regions is None:
        return []
    bad = [r for r in regions if not re.fullmatch(ids.REGION, r)]
    if bad:
        problems.add(
            "regions",
            value,
            "AWS region names such as us-east-1; malformed: " + ", ".join(repr(b) for b in bad),
        )
        return []
    return regions


def _global_id(problems: Problems, value: Any, regions: list[str], instances: int | None) -> str | None:
    field = "global_cluster_identifier"
    global_id = problems.string(
        value,
        field,
        RDS_IDENTIFIER,
        "1-63 lowercase letters, digits or hyphens, starting with a letter, without '--' or a trailing '-'",
    )
    if global_id is not None and regions:
        # The longest derived identifier is an instance's, <id>-<region>-<n>; clusters are <id>-<region>.
        longest = max(len(r) for r in regions)
        suffix = 1 + longest + 1 + len(str(instances or 1))
        room = RDS_IDENTIFIER_MAX - suffix
        if len(global_id) > room:
            problems.add(
                field,
                global_id,
                f"at most {room} characters here: instances are named <id>-<region>-<n> "
                f"and RDS allows {RDS_IDENTIFIER_MAX}",
            )
    return global_id


class Dns(NamedTuple):
    zone_id: str
    zone_name: str
    record_name: str
    ttl: int


def _dns(problems: Problems, value: Any, global_id: str | None) -> Dns | None:
    if not isinstance(value, Mapping):
        if problems.plain(value, "dns"):
            problems.add("dns", value, "a mapping with zone_id, zone_name and optional record_name, ttl")
        return None
    unknown_keys(value, AuroraDnsArgs.__annotations__, problems, "dns.")
    zone_id = problems.string(
        value.get("zone_id"), "dns.zone_id", ZONE_ID, "a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ"
    )
    raw_zone = value.get("zone_name")
    zone_name = problems.string(
        raw_zone.lower().rstrip(".") if isinstance(raw_zone, str) else raw_zone,
        "dns.zone_name",
        DNS_NAME,
        "a DNS domain name such as example.com",
    )
    ttl = problems.integer(value.get("ttl", 30), "dns.ttl", *TTL_RANGE)
    record_name: str | None = None
    raw_record = value.get("record_name")
    if raw_record is None:
        if zone_name and global_id:
            record_name = f"{global_id.lower()}.aurora-global.{zone_name}"
    else:
        record_name = problems.string(
            raw_record.lower().rstrip(".") if isinstance(raw_record, str) else raw_record,
            "dns.record_name",
            DNS_NAME,
            "a DNS name inside dns.zone_name",
        )
        if record_name and zone_name and not record_name.endswith("." + zone_name):
            problems.add(
                "dns.record_name",
                raw_record,
                f"a name below the zone {zone_name!r} (a CNAME cannot sit at the zone apex)",
            )
            record_name = None
    if zone_id is None or zone_name is None or record_name is None or ttl is None:
        return None
    return Dns(zone_id, zone_name, record_name, ttl)


def _cidr(problems: Problems, value: Any, field: str, lo: int, hi: int) -> ipaddress.IPv4Network | None:
    if not problems.plain(value, field):
        return None
    return cidr.check(problems, value, field, lo, hi)


def _peers(problems: Problems, value: Any) -> list[PeerVpc]:
    if not isinstance(value, list | tuple):
        if problems.plain(value, "peer_vpcs"):
            problems.add("peer_vpcs", value, "a list of peer VPC mappings")
        return []
    peers: list[PeerVpc] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        prefix = f"peer_vpcs[{i}]."
        if not isinstance(item, Mapping):
            problems.add(f"peer_vpcs[{i}]", item, "a mapping with vpc_id, region, cidr, route_table_ids")
            continue
        unknown_keys(item, AuroraPeerVpcArgs.__annotations__, problems, prefix)
        vpc_id = problems.string(
            item.get("vpc_id"), prefix + "vpc_id", ids.VPC_ID, "a VPC id such as vpc-0abc12345"
        )
        if vpc_id is not None and vpc_id in seen:
            problems.add(prefix + "vpc_id", vpc_id, "each peer VPC once")
            vpc_id = None
        region = problems.string(
            item.get("region"), prefix + "region", ids.REGION, "an AWS region name such as us-east-1"
        )
        net = _cidr(problems, item.get("cidr"), prefix + "cidr", 8, 28)
        tables = problems.string_list(item.get("route_table_ids"), prefix + "route_table_ids", 1)
        if tables is not None:
            bad = [t for t in tables if not re.fullmatch(ids.ROUTE_TABLE_ID, t)]
            if bad:
                problems.add(prefix + "route_table_ids", bad, "route table ids such as rtb-0abc12345")
                tables = None
        if vpc_id and region and net and tables is not None:
            seen.add(vpc_id)
            peers.append(PeerVpc(vpc_id, region, str(net), tuple(tables)))
    return peers


def _vpc_cidrs(problems: Problems, value: Any, regions: list[str], peers: list[PeerVpc]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        if problems.plain(value, "vpc_cidrs"):
            problems.add("vpc_cidrs", value, "a mapping of region -> CIDR")
        return {}
    chosen: dict[str, str] = {}
    fields: dict[str, ipaddress.IPv4Network] = {}
    for region in value:
        if region not in regions:
            problems.add(f"vpc_cidrs.{region}", value[region], "a key that is one of regions")
    for region in regions:
        if region in value:
            net = _cidr(problems, value[region], f"vpc_cidrs.{region}", 16, 24)
            if net is not None:
                chosen[region] = str(net)
                fields[f"vpc_cidrs.{region}"] = net
            continue
        default = default_vpc_cidr(region)
        if default is None:
            problems.add(
                f"vpc_cidrs.{region}",
                None,
                "a CIDR for this region: it has no default allocation in the crossnet region table",
            )
            continue
        chosen[region] = default
        fields[f"vpc_cidrs.{region} (default {default})"] = ipaddress.IPv4Network(default)
    for i, peer in enumerate(peers):
        fields[f"peer_vpcs[{i}].cidr"] = ipaddress.IPv4Network(peer.cidr)
    for a, b in cidr.overlapping_pairs(fields):
        # Name the field the caller can change: a defaulted region is fixed, so blame the other side
        # (a peer, or the explicit vpc_cidrs entry) and point at vpc_cidrs as the way out.
        blamed, other = (b, a) if "(default" in a else (a, b)
        field_name = blamed.split(" (default", 1)[0]
        problems.add(
            field_name,
            str(fields[blamed]),
            f"must not overlap {other} ({fields[other]}); set vpc_cidrs to move an Aurora VPC",
        )
    return chosen
