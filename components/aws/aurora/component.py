"""AuroraGlobalDb: an Aurora PostgreSQL global database with a writer-following DNS name."""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import ipaddress
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple, cast

import pulumi
import pulumi_aws as aws
import pulumi_random as random
from pulumi.runtime.config import is_config_secret

from ... import cidr
from ...naming import child
from ...tokens import component_opts, type_token
from ...validation import Problems, ValidationError
from ..providers import regional_provider
from . import bootstrap as role_bootstrap
from . import handler as failover_handler
from .args import AZ_COUNT, SUBJECT, ApplicationRole, AuroraGlobalDbArgs, Settings, validate, zone_number
from .guard import TeardownGuard

ENGINE = "aurora-postgresql"
PORT = 5432
HANDLER_FILE = Path(__file__).with_name("handler.py")
BOOTSTRAP_FILE = Path(__file__).with_name("bootstrap.py")
LAMBDA_RUNTIME = "python3.12"
# A failover moves the writer; the provider would otherwise try to undo it on the next `pulumi up`.
FAILOVER_DRIFT = ["global_cluster_identifier", "replication_source_identifier"]
# The GlobalCluster owns the engine version: raising its engine_version upgrades every member
# cluster in place, so a member that also diffed on it would fail the plan ("Provider produced
# inconsistent final plan", pulumi_aws rds.GlobalCluster "Upgrading Engine Versions"). An upgrade
# AWS forces at end of support must not show as drift either.
MEMBER_IGNORE_CHANGES = [*FAILOVER_DRIFT, "engine_version"]
DLQ_RETENTION_SECONDS = 14 * 24 * 3600  # the SQS maximum: time to notice and replay a lost failover


def event_pattern() -> dict[str, Any]:
    """EventBridge pattern for a finished global switchover (0185) or failover (0238)."""
    return {
        "source": [failover_handler.SOURCE],
        "detail-type": [failover_handler.DETAIL_TYPE],
        "detail": {"EventID": list(failover_handler.EVENT_IDS)},
    }


def function_statements(log_group_arn: str, dead_letter_queue_arn: str) -> list[dict[str, Any]]:
    """What every function of the component may do for itself: write its log group, send to its
    dead-letter queue, and trace. X-Ray's ``PutTraceSegments``/``PutTelemetryRecords`` have no
    resource-level permissions (AWS's documented minimum for active tracing), hence ``*``."""
    return [
        {
            "Sid": "Logs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [f"{log_group_arn}:*"],
        },
        {
            "Sid": "DeadLetters",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [dead_letter_queue_arn],
        },
        {
            "Sid": "Tracing",
            "Effect": "Allow",
            "Action": ["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
            "Resource": ["*"],
        },
    ]


def handler_policy(
    zone_id: str,
    record_name: str,
    global_cluster_arn: str,
    cluster_arns: list[str],
    log_group_arn: str,
    dead_letter_queue_arn: str,
) -> dict[str, Any]:
    """The failover handler's IAM policy: only the calls it makes, on this zone and this cluster.

    The one ``*``: X-Ray's ``PutTraceSegments``/``PutTelemetryRecords`` have no resource-level
    permissions (AWS's documented minimum for active tracing).
    """
    zone_arn = f"arn:aws:route53:::hostedzone/{zone_id}"
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "UpsertTheCname",
                "Effect": "Allow",
                "Action": ["route53:ChangeResourceRecordSets"],
                "Resource": [zone_arn],
                "Condition": {
                    "ForAllValues:StringEquals": {
                        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [record_name],
                        "route53:ChangeResourceRecordSetsRecordTypes": ["CNAME"],
                        "route53:ChangeResourceRecordSetsActions": ["UPSERT"],
                    }
                },
            },
            {
                "Sid": "ReadTheCname",
                "Effect": "Allow",
                "Action": ["route53:ListResourceRecordSets"],
                "Resource": [zone_arn],
            },
            {
                "Sid": "FindTheWriter",
                "Effect": "Allow",
                "Action": ["rds:DescribeGlobalClusters"],
                "Resource": [global_cluster_arn],
            },
            {
                "Sid": "ReadTheWriterEndpoint",
                "Effect": "Allow",
                "Action": ["rds:DescribeDBClusters"],
                "Resource": sorted(cluster_arns),
            },
            *function_statements(log_group_arn, dead_letter_queue_arn),
        ],
    }


def bootstrap_policy(log_group_arn: str, dead_letter_queue_arn: str) -> dict[str, Any]:
    """The bootstrap function's IAM policy: its network interfaces in the VPC, its log group, its
    dead-letter queue and X-Ray. The function itself calls no AWS API: the master password comes in
    the invocation.

    The network-interface actions are what Lambda needs to attach a function to a VPC (the
    AWSLambdaVPCAccessExecutionRole minimum); like X-Ray's two actions they have no resource-level
    permissions, hence ``*``."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AttachToTheVpc",
                "Effect": "Allow",
                "Action": [
                    "ec2:AssignPrivateIpAddresses",
                    "ec2:CreateNetworkInterface",
                    "ec2:DeleteNetworkInterface",
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSubnets",
                    "ec2:UnassignPrivateIpAddresses",
                ],
                "Resource": ["*"],
            },
            *function_statements(log_group_arn, dead_letter_queue_arn),
        ],
    }


def dead_letter_queue_policy(queue_arn: str, *rule_arns: str) -> dict[str, Any]:
    """The DLQ's resource policy: EventBridge may send to it, for these rules only."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EventBridgeDeadLetters",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": rule_arns[0] if len(rule_arns) == 1 else list(rule_arns)}
                },
            }
        ],
    }


LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
    ],
}


def jdbc_url(host: str, database: str, sslrootcert: str, sslmode: str = "verify-ca", port: int = PORT) -> str:
    """A ``KC_DB_URL``-ready JDBC URL.

    ``verify-ca`` checks that the server's certificate chains to the RDS CA bundle at
    ``sslrootcert``; it does not compare the host name, which is what a CNAME needs (the
    certificate names Aurora's own endpoints, never ``<id>.aurora-global.<zone>``).
    """
    return f"jdbc:postgresql://{host}:{port}/{database}?sslmode={sslmode}&sslrootcert={sslrootcert}"


def teardown_credentials(overrides: dict[str, Any]) -> tuple[str | None, Any]:
    """The first region's profile and roles, as boto3 can use them (the stack's, ``overrides`` on top)."""
    config = pulumi.Config("aws")
    profile = overrides.get("profile") or config.get("profile")
    if "assume_roles" in overrides:
        keys = ("role_arn", "session_name", "external_id")
        roles: Any = [
            {k: pulumi.get(r, k) for k in keys if pulumi.get(r, k)} for r in overrides["assume_roles"]
        ]
    else:
        raw = config.get_object("assumeRoles") or []
        roles = [
            {
                k: r[c]
                for k, c in (
                    ("role_arn", "roleArn"),
                    ("session_name", "sessionName"),
                    ("external_id", "externalId"),
                )
                if r.get(c)
            }
            for r in raw
        ]
        if roles and is_config_secret(config.full_key("assumeRoles")):
            roles = pulumi.Output.secret(roles)
    return profile, roles


class Network(NamedTuple):
    """One region's Aurora network."""

    vpc: aws.ec2.Vpc
    subnets: list[aws.ec2.Subnet]
    route_table: aws.ec2.RouteTable
    subnet_group: aws.rds.SubnetGroup
    sg: aws.ec2.SecurityGroup
    zone_ids: list[str]


class Members(NamedTuple):
    """The regional clusters and their instances, by region."""

    clusters: dict[str, aws.rds.Cluster]
    instances: dict[str, list[aws.rds.ClusterInstance]]


class AuroraGlobalDb(pulumi.ComponentResource):
    """Aurora PostgreSQL global database over several regions, with a stable DNS name and peering."""

    global_cluster_id: pulumi.Output[str]
    """The global cluster identifier."""
    global_writer_endpoint: pulumi.Output[str]
    """Aurora's global writer endpoint (follows the writer by itself)."""
    dns_name: pulumi.Output[str]
    """The CNAME applications connect to."""
    regional: pulumi.Output[dict[str, dict[str, str]]]
    """Region -> cluster_id, writer_endpoint, reader_endpoint, vpc_id, security_group_id."""
    master_password: pulumi.Output[str]
    """The generated master password (secret)."""
    peering_connection_ids: pulumi.Output[dict[str, str]]
    """``<peer vpc id>/<aurora region>`` -> VPC peering connection id."""
    zone_ids: pulumi.Output[dict[str, list[str]]]
    """Region -> the AZ ids of the Aurora subnets (pin them with ``availability_zone_ids``)."""
    application_role_password: pulumi.Output[str | None]
    """The generated password (secret) of ``application_role``, the role the application logs in as;
    None without one."""

    def __init__(self, name: str, args: AuroraGlobalDbArgs, opts: pulumi.ResourceOptions | None = None):
        problems = Problems(SUBJECT)
        settings = validate(args, problems)
        problems.raise_if_any()
        if settings is None:  # validate returns None only after recording a problem: never taken
            raise ValidationError(SUBJECT, problems.items)
        super().__init__(
            type_token("AuroraGlobalDb"), name, None, component_opts("aws", "AuroraGlobalDb", opts)
        )
        self._name, self._settings = name, settings
        self._providers = self._regional_providers()
        self.master_password = self._password()
        networks = {r: self._network(r) for r in settings.regions}
        keys = {r: self._kms_key(r) for r in settings.regions} if settings.storage_encrypted else {}
        global_cluster = self._global_cluster()
        members = self._members(global_cluster, networks, keys)
        record = self._dns(global_cluster, members)
        if settings.endpoint_mode == "failover-lambda":
            for region in settings.regions:
                self._failover_handler(region, global_cluster, members.clusters)
        peering_ids = self._peering(networks, members.clusters, members.instances)
        self._teardown_guard(members)
        self.application_role_password = (
            self._application_role(settings.application_role, networks[settings.primary], members)
            if settings.application_role is not None
            else pulumi.Output.from_input(None)
        )
        self._outputs(global_cluster, record, networks, members, peering_ids)

    # -- steps

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _regional_providers(self) -> dict[str, aws.Provider]:
        """One explicit provider per region, Aurora and application regions alike: the caller's
        (``providers``), or one with the stack's ``aws:*`` settings and the region's
        ``provider_settings`` on top. Named by region only, so a region that is first a peer's and
        later an Aurora region keeps the same provider."""
        s = self._settings
        all_regions = list(dict.fromkeys([*s.regions, *(p.region for p in s.peers)]))
        return {
            r: s.providers.get(r)
            or regional_provider(child(self._name, r, "aws"), r, self, s.provider_settings.get(r))
            for r in all_regions
        }

    def _password(self) -> pulumi.Output[str]:
        password = random.RandomPassword(
            child(self._name, "master-password"),
            length=40,
            special=False,
            opts=self._opts(additional_secret_outputs=["result", "bcrypt_hash"]),
        )
        return pulumi.Output.secret(password.result)

    def _global_cluster(self) -> aws.rds.GlobalCluster:
        s = self._settings
        return aws.rds.GlobalCluster(
            child(self._name, "global"),
            global_cluster_identifier=s.global_id,
            engine=ENGINE,
            engine_version=s.engine_version,
            storage_encrypted=s.storage_encrypted,
            deletion_protection=s.deletion_protection,
            # AWS can force a minor upgrade at end of support; pulumi would then try to move the global
            # cluster back to the pinned version and fail. engine_version applies at creation only,
            # unless the caller asks for the upgrade (allow_engine_upgrade).
            opts=self._opts(
                provider=self._providers[s.primary],
                ignore_changes=[] if s.allow_engine_upgrade else ["engine_version"],
            ),
        )

    def _members(
        self,
        global_cluster: aws.rds.GlobalCluster,
        networks: dict[str, Network],
        keys: dict[str, aws.kms.Key],
    ) -> Members:
        s = self._settings
        primary = s.primary
        clusters: dict[str, aws.rds.Cluster] = {}
        instances: dict[str, list[aws.rds.ClusterInstance]] = {}
        clusters[primary] = self._cluster(primary, global_cluster, networks[primary], keys.get(primary), [])
        instances[primary] = self._instances(primary, clusters[primary], keys.get(primary))
        for region in s.secondaries:
            # Each secondary waits for the primary (cluster and writer instance), never for another
            # secondary: they join the global cluster in parallel.
            clusters[region] = self._cluster(
                region,
                global_cluster,
                networks[region],
                keys.get(region),
                [clusters[primary], *instances[primary]],
            )
            instances[region] = self._instances(region, clusters[region], keys.get(region))
        return Members(clusters, instances)

    def _outputs(
        self,
        global_cluster: aws.rds.GlobalCluster,
        record: aws.route53.Record,
        networks: dict[str, Network],
        members: Members,
        peering_ids: dict[str, pulumi.Output[str]],
    ) -> None:
        clusters = members.clusters
        self.global_cluster_id = global_cluster.id
        self.global_writer_endpoint = global_cluster.endpoint
        self.dns_name = record.name
        self.regional = cast(
            pulumi.Output[dict[str, dict[str, str]]],
            pulumi.Output.from_input(
                {
                    r: {
                        "cluster_id": clusters[r].id,
                        "writer_endpoint": clusters[r].endpoint,
                        "reader_endpoint": clusters[r].reader_endpoint,
                        "vpc_id": networks[r].vpc.id,
                        "security_group_id": networks[r].sg.id,
                    }
                    for r in self._settings.regions
                }
            ),
        )
        self.zone_ids = pulumi.Output.from_input({r: networks[r].zone_ids for r in self._settings.regions})
        self.peering_connection_ids = cast(
            pulumi.Output[dict[str, str]], pulumi.Output.from_input(peering_ids)
        )
        self.register_outputs(
            {
                "global_cluster_id": self.global_cluster_id,
                "global_writer_endpoint": self.global_writer_endpoint,
                "dns_name": self.dns_name,
                "regional": self.regional,
                "master_password": self.master_password,
                "peering_connection_ids": self.peering_connection_ids,
                "zone_ids": self.zone_ids,
                "application_role_password": self.application_role_password,
            }
        )

    def _network(self, region: str) -> Network:
        """VPC, one private subnet per AZ (3 AZs by AZ id), a route table, subnet group, security group."""
        s, name, provider = self._settings, self._name, self._providers[region]
        vpc_net = ipaddress.IPv4Network(s.vpc_cidrs[region])
        vpc = aws.ec2.Vpc(
            child(name, region, "vpc"),
            cidr_block=str(vpc_net),
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags={"Name": child(name, region)},
            opts=self._opts(provider=provider),
        )
        by_id = self._zones(region)
        route_table = aws.ec2.RouteTable(
            child(name, region, "private"),
            vpc_id=vpc.id,
            tags={"Name": child(name, region, "private")},
            opts=self._opts(provider=provider),
        )
        subnets = []
        for zone_id in by_id:
            # The CIDR follows the AZ id's number (use1-az4 -> 4th slot), so it never depends on which
            # other zones were picked.
            slot = (int(zone_id.rsplit("az", 1)[1]) - 1) % 16
            subnet = aws.ec2.Subnet(
                child(name, region, zone_id),
                vpc_id=vpc.id,
                availability_zone_id=zone_id,
                cidr_block=str(cidr.subnet_at(vpc_net, vpc_net.prefixlen + 4, slot)),
                tags={"Name": child(name, region, zone_id), "crossnet:az": by_id[zone_id]},
                opts=self._opts(provider=provider),
            )
            aws.ec2.RouteTableAssociation(
                child(name, region, zone_id, "private"),
                subnet_id=subnet.id,
                route_table_id=route_table.id,
                opts=self._opts(provider=provider),
            )
            subnets.append(subnet)
        subnet_group = aws.rds.SubnetGroup(
            child(name, region, "subnets"),
            subnet_ids=[x.id for x in subnets],
            description=f"Aurora {s.global_id} in {region}",
            opts=self._opts(provider=provider),
        )
        sg = aws.ec2.SecurityGroup(
            child(name, region, "db"),
            vpc_id=vpc.id,
            description=f"Aurora {s.global_id}: PostgreSQL from peered VPCs only",
            tags={"Name": child(name, region, "db")},
            opts=self._opts(provider=provider),
        )
        return Network(vpc, subnets, route_table, subnet_group, sg, list(by_id))

    def _zones(self, region: str) -> dict[str, str]:
        """The region's Aurora AZs, id -> name: the override, or the first AZ_COUNT ids by number.

        Only the opt-in status filters the zones, never their live state: an impaired zone must not
        make a later `pulumi up` (likely during DR work) replace the subnets the database uses.
        """
        zones = aws.get_availability_zones(
            filters=[{"name": "opt-in-status", "values": ["opt-in-not-required"]}],
            opts=pulumi.InvokeOptions(provider=self._providers[region]),
        )
        by_id = dict(zip(zones.zone_ids, zones.names, strict=True))
        wanted = self._settings.availability_zone_ids.get(region)
        if wanted is not None:
            missing = [z for z in wanted if z not in by_id]
            if missing:
                raise RuntimeError(
                    f"availability_zone_ids.{region}: {', '.join(missing)} not offered to this account "
                    f"(offered: {', '.join(sorted(by_id, key=zone_number))})"
                )
            return {z: by_id[z] for z in wanted}
        chosen = sorted(by_id, key=zone_number)[:AZ_COUNT]
        if len(chosen) < 2:
            raise RuntimeError(f"{region} offers {len(chosen)} availability zones; Aurora needs at least 2")
        return {z: by_id[z] for z in chosen}

    def _kms_key(self, region: str) -> aws.kms.Key:
        # Encrypted global databases need a key in every region: a KMS key never leaves its region.
        return aws.kms.Key(
            child(self._name, region, "kms"),
            description=f"Aurora {self._settings.global_id} storage in {region}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            # A kept final snapshot (and the retained automated backups) is encrypted with this key:
            # deleting the key with the stack would make it unrestorable after the 30-day window.
            opts=self._opts(
                provider=self._providers[region], retain_on_delete=not self._settings.skip_final_snapshot
            ),
        )

    def _cluster(
        self,
        region: str,
        global_cluster: aws.rds.GlobalCluster,
        net: Network,
        key: aws.kms.Key | None,
        depends_on: list[pulumi.Resource],
    ) -> aws.rds.Cluster:
        s = self._settings
        is_primary = region == s.primary
        common: dict[str, Any] = {
            "cluster_identifier": s.cluster_identifier(region),
            "engine": ENGINE,
            # The running version, not the pinned one: a region added after AWS upgraded the global
            # database joins at the version its members run (RDS refuses an older one).
            "engine_version": global_cluster.engine_version_actual,
            "global_cluster_identifier": global_cluster.id,
            "db_subnet_group_name": net.subnet_group.name,
            "vpc_security_group_ids": [net.sg.id],
            "port": PORT,
            "storage_encrypted": s.storage_encrypted,
            "kms_key_id": key.arn if key is not None else None,
            "deletion_protection": s.deletion_protection,
            "backup_retention_period": s.backup_retention_days,
            "iam_database_authentication_enabled": s.iam_database_authentication,
            "enabled_cloudwatch_logs_exports": ["postgresql"] if s.log_exports else [],
            "copy_tags_to_snapshot": True,
            "apply_immediately": s.apply_immediately,
        }
        if is_primary:
            extra: dict[str, Any] = {
                "database_name": s.database_name,
                "master_username": s.master_username,
                "master_password": self.master_password,
                **self._final_snapshot(region),
            }
        else:
            # A secondary replicates the primary: no credentials or database name of its own. The
            # provider detaches a secondary from the global cluster before deleting it, so it could
            # take a final snapshot, but its data is the primary's: one final snapshot, the
            # primary's, is what a restore needs.
            extra = {"skip_final_snapshot": True}
        # Every member, the primary included, ignores the drift a failover causes (after one, the old
        # primary is a secondary and reports a replication source the program never set) and the
        # engine version, which the GlobalCluster upgrades for all members.
        return aws.rds.Cluster(
            child(self._name, region, "cluster"),
            **common,
            **extra,
            opts=self._opts(
                provider=self._providers[region], depends_on=depends_on, ignore_changes=MEMBER_IGNORE_CHANGES
            ),
        )

    def _teardown_guard(self, members: Members) -> TeardownGuard:
        """Deleted first by `pulumi destroy` (it depends on every cluster and instance): refuses the
        destroy, with the switch-back command, while the writer is not in the first region."""
        s = self._settings
        command = (
            f"python -m components.aws.aurora.drill --global-cluster-id {s.global_id} "
            f"--to-region {s.primary} --zone-id {s.zone_id} --record-name {s.record_name}"
        )
        profile, roles = teardown_credentials(s.provider_settings.get(s.primary, {}))
        props: dict[str, Any] = {
            "global_cluster_id": s.global_id,
            "first_region": s.primary,
            "command": command,
            "enforce": s.teardown_check,
            "profile": profile,
            "roles": roles,
        }
        everything = [*members.clusters.values(), *(i for group in members.instances.values() for i in group)]
        return TeardownGuard(
            child(self._name, "teardown-guard"), props, opts=self._opts(depends_on=everything)
        )

    def _final_snapshot(self, region: str) -> dict[str, Any]:
        """The primary's final snapshot arguments: a name unique per stack, backups kept with it."""
        s = self._settings
        if s.skip_final_snapshot:
            return {"skip_final_snapshot": True}
        # A fixed name fails the second destroy of a stack with this component name (or another stack's)
        # with DBClusterSnapshotAlreadyExistsFault; a suffix drawn once per stack never repeats.
        suffix = random.RandomId(child(self._name, "final-snapshot-suffix"), byte_length=4, opts=self._opts())
        return {
            "skip_final_snapshot": False,
            "final_snapshot_identifier": suffix.hex.apply(
                lambda x: f"{s.cluster_identifier(region)}-final-{x}"
            ),
            # Keep the automated backups too (until their retention ends): point-in-time restore
            # after a destroy. The teardown runbook lists them and their cost.
            "delete_automated_backups": False,
        }

    def _instances(
        self, region: str, cluster: aws.rds.Cluster, key: aws.kms.Key | None
    ) -> list[aws.rds.ClusterInstance]:
        s = self._settings
        return [
            aws.rds.ClusterInstance(
                child(self._name, region, "instance", n),
                identifier=f"{s.cluster_identifier(region)}-{n}",
                # No engine_version: an instance runs its cluster's version (an upgrade goes through the
                # GlobalCluster).
                cluster_identifier=cluster.id,
                engine=aws.rds.EngineType.AURORA_POSTGRESQL,
                instance_class=s.instance_class,
                publicly_accessible=False,
                # Automatic minor upgrades do not apply to global database members (AWS applies a
                # minor upgrade itself only at end of support; allow_engine_upgrade does it on purpose).
                auto_minor_version_upgrade=False,
                apply_immediately=s.apply_immediately,
                performance_insights_enabled=s.performance_insights,
                performance_insights_kms_key_id=key.arn
                if (key is not None and s.performance_insights)
                else None,
                promotion_tier=n - 1,
                opts=self._opts(provider=self._providers[region]),
            )
            for n in range(1, s.instances_per_region + 1)
        ]

    def _dns(self, global_cluster: aws.rds.GlobalCluster, members: Members) -> aws.route53.Record:
        s = self._settings
        if s.endpoint_mode == "global-writer-endpoint":
            target: pulumi.Output[str] = global_cluster.endpoint
            ignore: list[str] = []
        else:
            # The handler owns the value after creation: a `pulumi up` must not revert a failover.
            target = members.clusters[s.primary].endpoint
            ignore = ["records"]
        return aws.route53.Record(
            child(self._name, "cname"),
            zone_id=s.zone_id,
            name=s.record_name,
            type="CNAME",
            ttl=s.ttl,
            records=[target],
            allow_overwrite=False,
            # The global writer endpoint may be empty until the first member instance exists.
            opts=self._opts(
                provider=self._providers[s.primary],
                ignore_changes=ignore,
                depends_on=list(members.instances[s.primary]),
            ),
        )

    def _function_base(
        self,
        region: str,
        kind: str,
        description: str,
        arns: list[pulumi.Output[str]],
        policy_of: Callable[[str, str, list[str]], dict[str, Any]],
    ) -> tuple[aws.cloudwatch.LogGroup, aws.sqs.Queue, aws.iam.Role, aws.iam.RolePolicy]:
        """A function's log group (``/crossnet/aurora/<global id>/<kind>``, 90 days), dead-letter queue,
        execution role and its policy: ``policy_of(log group arn, queue arn, resolved arns)``."""
        s, name = self._settings, self._name
        opts = self._opts(provider=self._providers[region])
        log_group = aws.cloudwatch.LogGroup(
            child(name, region, f"{kind}-logs"),
            name=f"/crossnet/aurora/{s.global_id}/{kind}",
            retention_in_days=90,
            opts=opts,
        )
        dlq = aws.sqs.Queue(
            child(name, region, f"{kind}-dlq"),
            sqs_managed_sse_enabled=True,
            message_retention_seconds=DLQ_RETENTION_SECONDS,
            opts=opts,
        )
        role = aws.iam.Role(
            child(name, region, f"{kind}-role"),
            assume_role_policy=json.dumps(LAMBDA_TRUST),
            description=description,
            opts=opts,
        )
        policy = pulumi.Output.all(log_group.arn, dlq.arn, *arns).apply(
            lambda a: json.dumps(policy_of(a[0], a[1], list(a[2:])))
        )
        role_policy = aws.iam.RolePolicy(
            child(name, region, f"{kind}-policy"), role=role.id, policy=policy, opts=opts
        )
        return log_group, dlq, role, role_policy

    def _application_role(self, role: ApplicationRole, net: Network, members: Members) -> pulumi.Output[Any]:
        """The application's login role, made by ``bootstrap.py`` in the first region's VPC.

        ``pulumi up`` invokes the function once the primary's writer exists, and again only when the
        invocation's input changes (the role's password, name or schema): a second `up`, a new region
        or a failover run nothing. The input holds both passwords; it is secret in the state, and the
        function neither logs it nor calls any AWS API."""
        s, name, region = self._settings, self._name, self._settings.primary
        opts = self._opts(provider=self._providers[region])
        password = random.RandomPassword(
            child(name, "app-role-password"),
            length=40,
            special=False,
            opts=self._opts(additional_secret_outputs=["result", "bcrypt_hash"]),
        )
        sg = aws.ec2.SecurityGroup(
            child(name, region, "bootstrap"),
            vpc_id=net.vpc.id,
            description=f"Aurora {s.global_id}: the role bootstrap function, PostgreSQL out only",
            tags={"Name": child(name, region, "bootstrap")},
            # Lambda releases a VPC function's network interfaces some time after the function is
            # deleted; the provider waits for them before deleting the group.
            opts=self._opts(provider=self._providers[region], custom_timeouts={"delete": "45m"}),
        )
        egress = aws.vpc.SecurityGroupEgressRule(
            child(name, region, "bootstrap-postgres"),
            security_group_id=sg.id,
            referenced_security_group_id=net.sg.id,
            ip_protocol="tcp",
            from_port=PORT,
            to_port=PORT,
            description="PostgreSQL to the Aurora cluster only",
            opts=opts,
        )
        ingress = aws.vpc.SecurityGroupIngressRule(
            child(name, region, "db-from-bootstrap"),
            security_group_id=net.sg.id,
            referenced_security_group_id=sg.id,
            ip_protocol="tcp",
            from_port=PORT,
            to_port=PORT,
            description="PostgreSQL from the role bootstrap function",
            opts=opts,
        )
        # The policy pack asks every function for a dead-letter queue: `pulumi up` invokes this one
        # synchronously, so nothing should land there; anyone invoking it asynchronously would.
        log_group, dlq, iam_role, policy = self._function_base(
            region,
            "bootstrap",
            f"crossnet role bootstrap of {s.global_id}",
            [],
            lambda logs, dead, _: bootstrap_policy(logs, dead),
        )
        function = aws.lambda_.Function(
            child(name, region, "bootstrap"),
            role=iam_role.arn,
            runtime=LAMBDA_RUNTIME,
            handler="bootstrap.handler",
            code=pulumi.AssetArchive({"bootstrap.py": pulumi.FileAsset(str(BOOTSTRAP_FILE))}),
            timeout=120,
            memory_size=128,
            # One at a time; reserved only where the account can reserve (failover_reserved_concurrency).
            reserved_concurrent_executions=1 if s.failover_reserved_concurrency else None,
            tracing_config={"mode": "Active"},
            dead_letter_config={"target_arn": dlq.arn},
            vpc_config={"subnet_ids": [x.id for x in net.subnets], "security_group_ids": [sg.id]},
            logging_config={"log_format": "Text", "log_group": log_group.name},
            description=f"Creates the {role.name} role in {s.global_id}",
            # Lambda checks the role can create network interfaces when the function is created.
            opts=self._opts(provider=self._providers[region], depends_on=[policy]),
        )
        cluster = members.clusters[region]
        event = pulumi.Output.all(
            host=cluster.endpoint,
            port=cluster.port,
            master_password=self.master_password,
            role_password=password.result,
        ).apply(
            lambda a: json.dumps(
                {
                    "host": a["host"],
                    "port": a["port"],
                    "database": s.database_name,
                    "master_username": s.master_username,
                    "master_password": a["master_password"],
                    "role": role.name,
                    "schema": role.schema,
                    "role_password": a["role_password"],
                    "region": region,
                    # A release that changes what the function does to the database runs it again
                    # (idempotently); comments or transport changes do not.
                    "sql": role_bootstrap.sql_digest(),
                    **({"ca_pem": role.ca_bundle} if role.ca_bundle else {}),
                },
                sort_keys=True,
            )
        )
        aws.lambda_.Invocation(
            child(name, region, "bootstrap-run"),
            function_name=function.name,
            input=pulumi.Output.secret(event),
            opts=self._opts(
                provider=self._providers[region],
                depends_on=[*members.instances[region], egress, ingress],
                additional_secret_outputs=["input"],
            ),
        )
        return pulumi.Output.secret(password.result)

    def _failover_handler(
        self, region: str, global_cluster: aws.rds.GlobalCluster, clusters: dict[str, aws.rds.Cluster]
    ) -> aws.lambda_.Function:
        s, name = self._settings, self._name
        # The dead-letter queue is where a failed event ends up instead of vanishing: the function's
        # asynchronous invocations (EventBridge invokes it asynchronously) after their retries, and
        # events EventBridge could not deliver to the function at all.
        arns = [global_cluster.arn, *[c.arn for c in clusters.values()]]
        log_group, dlq, role, role_policy = self._function_base(
            region,
            "failover",
            f"crossnet failover handler of {s.global_id} in {region}",
            arns,
            lambda logs, dead, a: handler_policy(s.zone_id, s.record_name, a[0], a[1:], logs, dead),
        )
        function = aws.lambda_.Function(
            child(name, region, "failover"),
            role=role.arn,
            runtime=LAMBDA_RUNTIME,
            handler="handler.handler",
            code=pulumi.AssetArchive({"handler.py": pulumi.FileAsset(str(HANDLER_FILE))}),
            timeout=180,
            memory_size=128,
            reserved_concurrent_executions=s.failover_reserved_concurrency,
            tracing_config={"mode": "Active"},
            dead_letter_config={"target_arn": dlq.arn},
            logging_config={"log_format": "Text", "log_group": log_group.name},
            environment={
                "variables": {
                    "ZONE_ID": s.zone_id,
                    "RECORD_NAME": s.record_name,
                    "GLOBAL_CLUSTER_ID": s.global_id,
                    "TTL": str(s.ttl),
                    "WAIT_SECONDS": "120",
                }
            },
            description=f"Points {s.record_name} at the writer of {s.global_id}",
            opts=self._opts(provider=self._providers[region], depends_on=[role_policy]),
        )
        self._failover_triggers(region, function, dlq)
        return function

    def _failover_triggers(self, region: str, function: aws.lambda_.Function, dlq: aws.sqs.Queue) -> None:
        """What invokes the handler: RDS's switchover/failover events and, because RDS sends events
        "on a best effort basis", a schedule that reconciles every ``reconcile_minutes``."""
        s, name = self._settings, self._name
        opts = self._opts(provider=self._providers[region])
        minutes = s.reconcile_minutes
        rules = [
            aws.cloudwatch.EventRule(
                child(name, region, "failover-events"),
                description=f"Global switchover/failover of {s.global_id}",
                event_pattern=json.dumps(event_pattern()),
                opts=opts,
            ),
            aws.cloudwatch.EventRule(
                child(name, region, "failover-reconcile"),
                description=f"Reconcile the CNAME of {s.global_id} with its writer (a lost event)",
                schedule_expression=f"rate({minutes} minute{'' if minutes == 1 else 's'})",
                opts=opts,
            ),
        ]
        queue_policy = aws.sqs.QueuePolicy(
            child(name, region, "failover-dlq-policy"),
            queue_url=dlq.url,
            policy=pulumi.Output.all(dlq.arn, *[r.arn for r in rules]).apply(
                lambda a: json.dumps(dead_letter_queue_policy(a[0], *a[1:]))
            ),
            opts=opts,
        )
        for rule, suffix in zip(rules, ("", "-reconcile"), strict=True):
            aws.lambda_.Permission(
                child(name, region, f"failover{suffix}-invoke"),
                action="lambda:InvokeFunction",
                function=function.name,
                principal="events.amazonaws.com",
                source_arn=rule.arn,
                opts=opts,
            )
            aws.cloudwatch.EventTarget(
                child(name, region, f"failover{suffix}-target"),
                rule=rule.name,
                arn=function.arn,
                dead_letter_config={"arn": dlq.arn},
                opts=self._opts(provider=self._providers[region], depends_on=[queue_policy]),
            )

    def _peering(
        self,
        networks: dict[str, Network],
        clusters: dict[str, aws.rds.Cluster],
        instances: dict[str, list[aws.rds.ClusterInstance]],
    ) -> dict[str, pulumi.Output[str]]:
        """Peer every application VPC with every Aurora VPC; routes on both sides; SG ingress."""
        s, name = self._settings, self._name
        ids: dict[str, pulumi.Output[str]] = {}
        for peer in s.peers:
            for region in s.regions:
                net = networks[region]
                # Teardown order: Pulumi deletes a resource before the resources it depends on. The
                # access path (peering, routes, ingress) depends on the region's cluster and instances,
                # so `pulumi destroy` removes it first and the databases last: clients are cut off
                # before the final snapshot, and a failed database deletion never leaves a database
                # still reachable through half-removed networking. The cost: peering is created after
                # the cluster, not alongside it.
                access = [clusters[region], *instances[region]]
                key = child(name, region, "peer", peer.vpc_id)
                request = aws.ec2.VpcPeeringConnection(
                    key,
                    vpc_id=peer.vpc_id,
                    peer_vpc_id=net.vpc.id,
                    peer_region=region,
                    auto_accept=False,
                    tags={"Name": f"{peer.vpc_id} to Aurora {s.global_id} {region}"},
                    opts=self._opts(provider=self._providers[peer.region], depends_on=access),
                )
                accept = aws.ec2.VpcPeeringConnectionAccepter(
                    child(key, "accept"),
                    vpc_peering_connection_id=request.id,
                    auto_accept=True,
                    tags={"Name": f"{peer.vpc_id} to Aurora {s.global_id} {region}"},
                    opts=self._opts(provider=self._providers[region], depends_on=access),
                )
                for table in peer.route_table_ids:
                    aws.ec2.Route(
                        child(key, table),
                        route_table_id=table,
                        destination_cidr_block=s.vpc_cidrs[region],
                        vpc_peering_connection_id=accept.vpc_peering_connection_id,
                        opts=self._opts(provider=self._providers[peer.region]),
                    )
                aws.ec2.Route(
                    child(key, "route"),
                    route_table_id=net.route_table.id,
                    destination_cidr_block=peer.cidr,
                    vpc_peering_connection_id=accept.vpc_peering_connection_id,
                    opts=self._opts(provider=self._providers[region]),
                )
                aws.vpc.SecurityGroupIngressRule(
                    child(key, "postgres"),
                    security_group_id=net.sg.id,
                    cidr_ipv4=peer.cidr,
                    ip_protocol="tcp",
                    from_port=PORT,
                    to_port=PORT,
                    description=f"PostgreSQL from peered {peer.vpc_id}",
                    opts=self._opts(provider=self._providers[region], depends_on=access),
                )
                ids[f"{peer.vpc_id}/{region}"] = request.id
        return ids


__all__ = [
    "AuroraGlobalDb",
    "AuroraGlobalDbArgs",
    "Settings",
    "dead_letter_queue_policy",
    "event_pattern",
    "handler_policy",
    "jdbc_url",
]
