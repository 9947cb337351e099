"""PostgresStandby: a streaming standby in GCP of an on-premises primary, over TLS."""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

from typing import Any, NamedTuple

import pulumi

from ...naming import child
from ...tokens import component_opts, type_token
from ...validation import Problems
from .. import common
from ..vpn.render import CA_RENEW_DAYS, RENEW_DAYS
from . import render
from .args import SUBJECT, PostgresStandbyArgs, validate

ACCOUNT_ROLE = "pg"


class Pki(NamedTuple):
    """The replication client certificate, its key, and the CA the primary trusts for it."""

    ca_certificate: pulumi.Output[str]
    certificate: pulumi.Output[str]
    private_key: pulumi.Output[str]


class Identity(NamedTuple):
    """The VM's service account and the secret holding the replication key."""

    email: pulumi.Output[str]
    key_secret: common.SecretParts


def _resources(opts: pulumi.ResourceOptions | None) -> list[pulumi.Resource]:
    """The plain resources in ``opts.depends_on`` (children do not inherit a component's)."""
    deps: Any = opts.depends_on if opts is not None else None
    if isinstance(deps, pulumi.Resource):
        return [deps]
    if isinstance(deps, list | tuple):
        return [d for d in deps if isinstance(d, pulumi.Resource)]
    return []


class PostgresStandby(pulumi.ComponentResource):
    """A PostgreSQL streaming standby VM in GCP replicating an on-prem primary through the VPN."""

    standby_ip: pulumi.Output[str]
    """The standby's internal address (the address the primary sees)."""
    instance_id: pulumi.Output[str]
    """The VM's instance id."""
    instance_name: pulumi.Output[str]
    """The VM's name (what the promotion drill's ``--instance`` takes)."""
    primary_conninfo: pulumi.Output[str]
    """The standby's primary_conninfo (secret)."""
    primary_settings: pulumi.Output[str]
    """What the on-prem primary must apply (pg_hba line, parameters, role)."""
    replication_client_certificate: pulumi.Output[str]
    """PEM of the replication client certificate (CN = replication user)."""
    replication_client_private_key: pulumi.Output[str]
    """Its private key (secret)."""
    client_ca_certificate: pulumi.Output[str]
    """PEM of the CA the primary trusts for the replication client certificate (its ``ssl_ca_file``)."""
    data_disk: pulumi.Output[str]
    """Self link of the data disk (kept when the VM is replaced; snapshotted daily)."""
    egress: pulumi.Output[str]
    """How the VM reaches the apt repository and Secret Manager (Cloud NAT created, or the prerequisite)."""

    def __init__(
        self, name: str, args: PostgresStandbyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = Problems(f"{SUBJECT} {name!r}")
        settings = validate(args, problems)
        common.check_component_name(problems, "name", name, [ACCOUNT_ROLE])
        problems.raise_if_any()
        if settings is None:  # validate returns None only after adding a problem
            raise RuntimeError(f"{SUBJECT} {name!r}: validation returned no settings")
        super().__init__(
            type_token("PostgresStandby"), name, None, component_opts("gcp", "PostgresStandby", opts)
        )
        self._name = name
        self._settings = settings
        pki = self._pki()
        identity = self._identity(pki)
        self._firewall(identity)
        egress = self._egress()
        disk = self._data_disk()
        conninfo = render.conninfo(
            host=settings.primary_host,
            hostaddr=settings.primary_address,
            port=settings.primary_port,
            user=settings.replication_user,
            application_name=settings.slot(name),
        )
        instance = self._vm(pki, identity, conninfo, _resources(opts))
        self._attach(disk, instance)
        self._monitoring(identity)
        standby_ip = instance.network_interfaces.apply(lambda nics: nics[0].network_ip or "")
        self._primary(standby_ip, pki)

        self.standby_ip = standby_ip
        self.instance_id = instance.instance_id
        self.instance_name = instance.name
        self.primary_conninfo = pulumi.Output.secret(conninfo)
        self.primary_settings = standby_ip.apply(
            lambda ip: render.primary_settings(
                user=settings.replication_user,
                standby_ip=ip,
                primary_host=settings.primary_host,
                slot=settings.slot(name),
                max_slot_wal_keep_size=settings.max_slot_wal_keep_size,
            )
        )
        self.replication_client_certificate = pki.certificate
        self.replication_client_private_key = pulumi.Output.secret(pki.private_key)
        self.client_ca_certificate = pki.ca_certificate
        self.data_disk = disk.self_link
        self.egress = pulumi.Output.from_input(egress)
        self.register_outputs(
            {
                "standby_ip": self.standby_ip,
                "instance_id": self.instance_id,
                "instance_name": self.instance_name,
                "primary_conninfo": self.primary_conninfo,
                "primary_settings": self.primary_settings,
                "replication_client_certificate": self.replication_client_certificate,
                "replication_client_private_key": self.replication_client_private_key,
                "client_ca_certificate": self.client_ca_certificate,
                "data_disk": self.data_disk,
                "egress": self.egress,
            }
        )

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _pki(self) -> Pki:
        """The replication client certificate (CN = the replication user), from the caller's CA or our own.

        Our own by default: the primary trusts this CA for client certificates (``cert`` rules), so it
        must issue nothing else (not the VPN's CA, whose clients' CNs are free-form).
        """
        name, s = self._name, self._settings
        if s.client_ca is not None:
            ca_cert: pulumi.Input[str] = s.client_ca.certificate
            ca_key: pulumi.Input[str] = s.client_ca.private_key
        else:
            own = common.issue_ca(
                self,
                name,
                "client-ca",
                common_name=f"{name} replication client CA",
                early_renewal_hours=CA_RENEW_DAYS * 24,
            )
            ca_cert, ca_key = own.cert.cert_pem, own.key.private_key_pem
        issued = common.issue_certificate(
            self,
            name,
            "replication",
            common_name=s.replication_user,
            ca_cert_pem=ca_cert,
            ca_private_key_pem=ca_key,
            uses=["client_auth"],
            # renewed on the first `pulumi up` in its last 90 days; the metadata watcher brings it to the
            # VM, and the primary keeps trusting the CA (primary_ssh appends a renewed CA to ssl_ca_file)
            early_renewal_hours=RENEW_DAYS * 24,
        )
        return Pki(pulumi.Output.from_input(ca_cert), issued.cert.cert_pem, issued.key.private_key_pem)

    def _identity(self, pki: Pki) -> Identity:
        """The VM's own service account, the only reader of the secret holding the replication key."""
        from pulumi_gcp import serviceaccount

        name, s = self._name, self._settings
        account = serviceaccount.Account(
            child(name, "sa"),
            project=s.project,
            account_id=common.service_account_id(name, ACCOUNT_ROLE),
            display_name=f"crossnet PostgreSQL standby {name}",
            opts=self._opts(),
        )
        key_secret = common.secret_for(
            self, name, "replication-key", s.project, pki.private_key, account.email
        )
        return Identity(account.email, key_secret)

    def _firewall(self, identity: Identity) -> None:
        from pulumi_gcp import compute

        name, s = self._name, self._settings
        compute.Firewall(
            child(name, "pg-in"),
            project=s.project,
            network=s.network,
            direction="INGRESS",
            allows=[compute.FirewallAllowArgs(protocol="tcp", ports=["5432"])],
            source_ranges=list(s.allowed_cidrs),
            target_service_accounts=[identity.email],
            description=f"crossnet {name}: PostgreSQL from the VPN and on-prem networks",
            opts=self._opts(),
        )

    def _vm(self, pki: Pki, identity: Identity, conninfo: str, waits: list[pulumi.Resource]) -> Any:
        """The standby VM; its startup script installs PostgreSQL and clones the primary."""
        from pulumi_gcp import compute

        name, s = self._name, self._settings
        script = pulumi.Output.all(
            pki.certificate, identity.key_secret.secret_id, s.primary_ca_certificate
        ).apply(
            lambda v: render.standby_startup_script(
                project=s.project,
                postgres_version=s.postgres_version,
                primary_ca_pem=v[2],
                client_cert_pem=v[0],
                client_key_secret=v[1],
                conninfo=conninfo,
                slot=s.slot(name),
                allowed_cidrs=s.allowed_cidrs,
                standby=name,
            )
        )
        return common.hardened_vm(
            child(name, "vm"),
            project=s.project,
            zone=s.zone,
            machine_type=s.machine_type,
            disk_gb=s.disk_gb,
            network_interface=compute.InstanceNetworkInterfaceArgs(
                subnetwork=s.subnetwork, subnetwork_project=s.project, network_ip=s.network_ip
            ),
            service_account_email=identity.email,
            startup_script=script,
            role="postgres-standby",
            # the component's own depends_on (e.g. the VPN gateway and its routes) holds the VM,
            # whose startup script clones the primary through them
            # the data disk is attached by its own AttachedDisk resource
            opts=self._opts(
                depends_on=[*identity.key_secret.waits, *waits], ignore_changes=["attachedDisks"]
            ),
        )

    def _egress(self) -> str:
        """The VM has no external IP: Cloud NAT for its subnetwork when asked, else the prerequisite."""
        name, s = self._name, self._settings
        if s.egress != "cloud-nat":
            return (
                "existing: the subnetwork must already reach the internet (Cloud NAT or a proxy) "
                "and have Private Google Access for Secret Manager"
            )
        from pulumi_gcp import compute

        router = compute.Router(
            child(name, "router"),
            project=s.project,
            region=s.region,
            network=s.network,
            description=f"crossnet {name}: Cloud NAT for the standby's package and secret downloads",
            opts=self._opts(),
        )
        compute.RouterNat(
            child(name, "nat"),
            project=s.project,
            region=s.region,
            router=router.name,
            nat_ip_allocate_option="AUTO_ONLY",
            source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
            subnetworks=[
                compute.RouterNatSubnetworkArgs(name=s.subnetwork, source_ip_ranges_to_nats=["ALL_IP_RANGES"])
            ],
            log_config=compute.RouterNatLogConfigArgs(enable=True, filter="ERRORS_ONLY"),
            opts=pulumi.ResourceOptions(parent=router),
        )
        return f"cloud-nat: {child(name, 'nat')} on router {child(name, 'router')} for {s.subnetwork}"

    def _data_disk(self) -> Any:
        """The data on its own persistent disk: protected, snapshotted daily, kept when the VM goes."""
        from pulumi_gcp import compute

        name, s = self._name, self._settings
        disk = compute.Disk(
            child(name, "data"),
            project=s.project,
            zone=s.zone,
            size=s.data_disk_gb,
            type="pd-balanced",
            labels={"crossnet-role": "postgres-standby-data"},
            opts=self._opts(protect=s.protect_data_disk),
        )
        policy = compute.ResourcePolicy(
            child(name, "snapshots"),
            project=s.project,
            region=s.region,
            description=f"crossnet {name}: daily snapshots of the standby's data disk",
            snapshot_schedule_policy=compute.ResourcePolicySnapshotSchedulePolicyArgs(
                schedule=compute.ResourcePolicySnapshotSchedulePolicyScheduleArgs(
                    daily_schedule=compute.ResourcePolicySnapshotSchedulePolicyScheduleDailyScheduleArgs(
                        days_in_cycle=1, start_time="03:00"
                    )
                ),
                retention_policy=compute.ResourcePolicySnapshotSchedulePolicyRetentionPolicyArgs(
                    max_retention_days=s.snapshot_retention_days,
                    on_source_disk_delete="KEEP_AUTO_SNAPSHOTS",
                ),
            ),
            opts=self._opts(),
        )
        compute.DiskResourcePolicyAttachment(
            child(name, "data-snapshots"),
            project=s.project,
            zone=s.zone,
            disk=disk.name,
            name=policy.name,
            opts=pulumi.ResourceOptions(parent=disk),
        )
        return disk

    def _attach(self, disk: Any, instance: Any) -> None:
        """Its own resource, so replacing the VM detaches the disk and attaches it to the new VM."""
        from pulumi_gcp import compute

        s = self._settings
        compute.AttachedDisk(
            child(self._name, "data-attachment"),
            project=s.project,
            zone=s.zone,
            disk=disk.id,
            instance=instance.id,
            device_name=render.DATA_DEVICE,
            mode="READ_WRITE",
            # the disk can be attached read-write to one VM only: detach from the old VM first
            opts=self._opts(delete_before_replace=True),
        )

    def _monitoring(self, identity: Identity) -> None:
        """The VM writes its replication gauges (render.METRICS); an alert policy watches them."""
        from pulumi_gcp import monitoring, projects

        name, s = self._name, self._settings
        projects.IAMMember(
            child(name, "metric-writer"),
            project=s.project,
            role="roles/monitoring.metricWriter",
            member=pulumi.Output.concat("serviceAccount:", identity.email),
            opts=self._opts(),
        )
        metric = f'metric.type = "{render.METRIC_PREFIX}{{}}" AND metric.label.standby = "{name}"'
        metric += ' AND resource.type = "gce_instance"'
        per_minute = [
            monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                alignment_period="60s", per_series_aligner="ALIGN_MEAN"
            )
        ]

        def threshold(title: str, gauge: str, comparison: str, value: float, duration: str) -> Any:
            return monitoring.AlertPolicyConditionArgs(
                display_name=title,
                condition_threshold=monitoring.AlertPolicyConditionConditionThresholdArgs(
                    filter=metric.format(gauge),
                    comparison=comparison,
                    threshold_value=value,
                    duration=duration,
                    aggregations=per_minute,
                ),
            )

        monitoring.AlertPolicy(
            child(name, "replication-alert"),
            project=s.project,
            display_name=f"crossnet {name}: PostgreSQL standby replication",
            combiner="OR",
            conditions=[
                threshold(
                    "not streaming (the primary retains WAL for its slot)",
                    "streaming",
                    "COMPARISON_LT",
                    1,
                    "600s",
                ),
                threshold(
                    f"replay lag above {s.alert_replay_lag_seconds}s",
                    "replay_lag_seconds",
                    "COMPARISON_GT",
                    s.alert_replay_lag_seconds,
                    "300s",
                ),
                monitoring.AlertPolicyConditionArgs(
                    display_name="no replication metrics (VM or timer down)",
                    condition_absent=monitoring.AlertPolicyConditionConditionAbsentArgs(
                        filter=metric.format("streaming"),
                        duration="900s",
                        aggregations=[
                            monitoring.AlertPolicyConditionConditionAbsentAggregationArgs(
                                alignment_period="300s", per_series_aligner="ALIGN_MEAN"
                            )
                        ],
                    ),
                ),
            ],
            notification_channels=list(s.notification_channels),
            documentation=monitoring.AlertPolicyDocumentationArgs(
                content="See docs/operations/geo_postgres_vpn.md (DR drill, promotion, failback). After a "
                "promotion this alert stays open until a new standby streams.",
                mime_type="text/markdown",
            ),
            opts=self._opts(),
        )

    def _primary(self, standby_ip: pulumi.Output[str], pki: Pki) -> None:
        """With ``primary_ssh``: apply the primary's settings over SSH, again whenever they change."""
        s = self._settings
        if s.primary_ssh is None:
            return
        apply_script = pulumi.Output.all(standby_ip, pki.ca_certificate).apply(
            lambda v: render.primary_apply_script(
                user=s.replication_user,
                standby_ip=v[0],
                client_ca_pem=v[1],
                slot=s.slot(self._name),
                max_slot_wal_keep_size=s.max_slot_wal_keep_size,
            )
        )
        # removing the standby removes its pg_hba line on the primary (the slot is dropped by hand)
        common.ssh_script(
            self,
            child(self._name, "primary-settings"),
            s.primary_ssh,
            script=apply_script,
            undo=render.primary_remove_script(slot=s.slot(self._name)),
        )
