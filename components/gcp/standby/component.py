"""PostgresStandby: a streaming standby in GCP of an on-premises primary, over TLS (DESIGN 3.4)."""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import hashlib
import ipaddress
import re
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import pulumi

from ... import cidr
from ...naming import child
from ...tokens import component_opts, type_token
from ...validation import Problems, unknown_keys
from .. import common
from . import render

PROJECT_ID = r"[a-z][-a-z0-9]{4,28}[a-z0-9]"
ZONE = r"[a-z]+-[a-z]+[0-9]+-[a-z]"
LABEL = r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOSTNAME = rf"(?=.{{1,253}}$){LABEL}(\.{LABEL})*"
PG_NAME = r"[a-z_][a-z0-9_]{0,62}"
CERT_HOURS = 24 * 365 * 2


class PostgresStandbyArgs(TypedDict):
    """Inputs of :class:`PostgresStandby`."""

    project: str
    """GCP project id."""
    zone: str
    """Zone of the standby VM."""
    subnetwork: str
    """Subnetwork name or self link (the GCP side of the VPN)."""
    primary_host: str
    """The name in the primary's server certificate (checked by sslmode=verify-full)."""
    primary_address: str
    """The primary's IP address through the tunnel."""
    primary_ca_certificate: str
    """PEM of the CA that signed the primary's server certificate."""
    client_ca_certificate: pulumi.Input[str]
    """PEM of the CA issuing the replication client certificate (e.g. the gateway's ``ca_certificate``)."""
    client_ca_private_key: pulumi.Input[str]
    """That CA's private key (secret)."""
    allowed_cidrs: list[str]
    """Sources allowed to reach port 5432 on the standby (the VPN and on-prem CIDRs)."""
    network: NotRequired[str]
    """VPC network of the subnetwork, for the firewall rule [default]."""
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
    primary_ssh: NotRequired[common.SshConnectionArgs]
    """Apply the primary's settings (role, pg_hba line, parameters) over SSH [not done]."""


ARG_KEYS = tuple(PostgresStandbyArgs.__annotations__)


@dataclass(frozen=True)
class StandbySettings:
    project: str
    zone: str
    subnetwork: str
    network: str
    primary_host: str
    primary_address: str
    primary_ca_certificate: str
    client_ca_certificate: pulumi.Input[str]
    allowed_cidrs: list[str]
    primary_port: int
    replication_user: str
    slot_name: str
    postgres_version: int
    machine_type: str
    disk_gb: int
    network_ip: str | None
    primary_ssh: common.SshConnectionArgs | None


def default_slot(name: str) -> str:
    slot = "crossnet_" + re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    return slot if len(slot) <= 63 else slot[:54] + "_" + hashlib.sha256(name.encode()).hexdigest()[:8]


def _pem(p: Problems, value: Any, field: str) -> str | None:
    if isinstance(value, pulumi.Output):
        return None
    return p.string(
        value,
        field,
        r"(?s)\s*-----BEGIN CERTIFICATE-----.+-----END CERTIFICATE-----\s*",
        "a PEM certificate (-----BEGIN CERTIFICATE-----)",
    )


def _ip(p: Problems, value: Any, field: str) -> str | None:
    try:
        ipaddress.IPv4Address(value)
    except (ValueError, TypeError):
        p.add(field, value, "an IPv4 address such as 192.168.50.10")
        return None
    return value


def validate(
    args: PostgresStandbyArgs | dict[str, Any], subject: str = "PostgresStandby", name: str = "standby"
) -> StandbySettings:
    """Check every input; raise one ValidationError naming each bad field."""
    p = Problems(subject)
    if not isinstance(args, dict):
        p.add("args", args, "a PostgresStandbyArgs mapping")
        p.raise_if_any()
    a: dict[str, Any] = dict(args)
    unknown_keys(a, ARG_KEYS, p)
    project = p.string(p.require(a, "project"), "project", PROJECT_ID, "a GCP project id")
    zone = p.string(p.require(a, "zone"), "zone", ZONE, "a GCP zone such as europe-west1-b")
    subnetwork = p.string(p.require(a, "subnetwork"), "subnetwork")
    network = p.string(a.get("network", "default"), "network")
    primary_host = p.string(
        p.require(a, "primary_host"), "primary_host", HOSTNAME, "the DNS name in the primary's certificate"
    )
    address = p.require(a, "primary_address")
    primary_address = _ip(p, address, "primary_address") if address is not None else None
    primary_ca = _pem(p, p.require(a, "primary_ca_certificate"), "primary_ca_certificate")
    client_ca = p.require(a, "client_ca_certificate")
    if client_ca is not None:
        _pem(p, client_ca, "client_ca_certificate")
    p.require(a, "client_ca_private_key")
    allowed = p.string_list(p.require(a, "allowed_cidrs"), "allowed_cidrs", min_len=1)
    for i, value in enumerate(allowed or []):
        net = cidr.check(p, value, f"allowed_cidrs[{i}]")
        if net is not None and net.prefixlen == 0:
            p.add(f"allowed_cidrs[{i}]", value, "the VPN and on-prem CIDRs, not the whole Internet")
    port = p.integer(a.get("primary_port", 5432), "primary_port", 1, 65535)
    user = p.string(
        a.get("replication_user", "replicator"),
        "replication_user",
        PG_NAME,
        "a PostgreSQL role name (lowercase letters, digits, underscores; 1-63)",
    )
    slot = p.string(
        a.get("slot_name", default_slot(name)),
        "slot_name",
        r"[a-z0-9_]{1,63}",
        "a slot name of 1-63 lowercase letters, digits and underscores",
    )
    version = p.integer(a.get("postgres_version", 16), "postgres_version", 13, 18)
    machine_type = p.string(
        a.get("machine_type", "e2-medium"), "machine_type", r"[a-z0-9-]+", "a machine type such as e2-medium"
    )
    disk_gb = p.integer(a.get("disk_gb", 50), "disk_gb", 10, 65536)
    network_ip = a.get("network_ip")
    if network_ip is not None:
        network_ip = _ip(p, network_ip, "network_ip")
    ssh = a.get("primary_ssh")
    if ssh is not None:
        common.check_ssh(p, ssh, "primary_ssh")
    p.raise_if_any()
    assert project and zone and subnetwork and network and primary_host and primary_address
    assert primary_ca and client_ca and allowed and port and user and slot and version
    assert machine_type and disk_gb
    return StandbySettings(
        project,
        zone,
        subnetwork,
        network,
        primary_host,
        primary_address,
        primary_ca,
        client_ca,
        list(allowed),
        port,
        user,
        slot,
        version,
        machine_type,
        disk_gb,
        network_ip,
        ssh,
    )


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
    primary_conninfo: pulumi.Output[str]
    """The standby's primary_conninfo (secret)."""
    primary_settings: pulumi.Output[str]
    """What the on-prem primary must apply (pg_hba line, parameters, role)."""
    replication_client_certificate: pulumi.Output[str]
    """PEM of the replication client certificate (CN = replication user)."""
    replication_client_private_key: pulumi.Output[str]
    """Its private key (secret)."""

    def __init__(
        self, name: str, args: PostgresStandbyArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        s = validate(args, f"PostgresStandby {name!r}", name)
        super().__init__(
            type_token("PostgresStandby"), name, None, component_opts("gcp", "PostgresStandby", opts)
        )
        import pulumi_tls as tls
        from pulumi_gcp import compute, serviceaccount

        here = pulumi.ResourceOptions(parent=self)
        key = tls.PrivateKey(child(name, "replication-key"), algorithm="ECDSA", ecdsa_curve="P256", opts=here)
        request = tls.CertRequest(
            child(name, "replication-csr"),
            private_key_pem=key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(common_name=s.replication_user, organization="crossnet"),
            opts=here,
        )
        cert = tls.LocallySignedCert(
            child(name, "replication-cert"),
            cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=pulumi.Output.secret(args["client_ca_private_key"]),
            ca_cert_pem=s.client_ca_certificate,
            validity_period_hours=CERT_HOURS,
            allowed_uses=["digital_signature", "key_agreement", "client_auth"],
            opts=here,
        )

        account = serviceaccount.Account(
            child(name, "sa"),
            project=s.project,
            account_id=common.service_account_id(name, "pg"),
            display_name=f"crossnet PostgreSQL standby {name}",
            opts=here,
        )
        key_secret = common.secret_for(
            self, name, "replication-key", s.project, key.private_key_pem, account.email
        )
        compute.Firewall(
            child(name, "pg-in"),
            project=s.project,
            network=s.network,
            direction="INGRESS",
            allows=[compute.FirewallAllowArgs(protocol="tcp", ports=["5432"])],
            source_ranges=s.allowed_cidrs,
            target_service_accounts=[account.email],
            description=f"crossnet {name}: PostgreSQL from the VPN and on-prem networks",
            opts=here,
        )

        conninfo = render.conninfo(
            host=s.primary_host,
            hostaddr=s.primary_address,
            port=s.primary_port,
            user=s.replication_user,
            application_name=s.slot_name,
        )
        script = pulumi.Output.all(cert.cert_pem, key_secret.secret_id).apply(
            lambda v: render.standby_startup_script(
                project=s.project,
                postgres_version=s.postgres_version,
                primary_ca_pem=s.primary_ca_certificate,
                client_cert_pem=v[0],
                client_key_secret=v[1],
                conninfo=conninfo,
                slot=s.slot_name,
            )
        )
        instance = common.hardened_vm(
            child(name, "vm"),
            project=s.project,
            zone=s.zone,
            machine_type=s.machine_type,
            disk_gb=s.disk_gb,
            network_interface=compute.InstanceNetworkInterfaceArgs(
                subnetwork=s.subnetwork, subnetwork_project=s.project, network_ip=s.network_ip
            ),
            service_account_email=account.email,
            startup_script=script,
            role="postgres-standby",
            # the component's own depends_on (e.g. the VPN gateway and its routes) holds the VM,
            # whose startup script clones the primary through them
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*key_secret.waits, *_resources(opts)]),
        )

        standby_ip = instance.network_interfaces.apply(lambda nics: nics[0].network_ip or "")
        settings = standby_ip.apply(
            lambda ip: render.primary_settings(
                user=s.replication_user, standby_ip=ip, primary_host=s.primary_host
            )
        )
        if s.primary_ssh is not None:
            from pulumi_command import remote

            apply_script = pulumi.Output.all(standby_ip, s.client_ca_certificate).apply(
                lambda v: render.primary_apply_script(
                    user=s.replication_user, standby_ip=v[0], client_ca_pem=v[1]
                )
            )
            remote.Command(
                child(name, "primary-settings"),
                connection=common.connection(s.primary_ssh),
                create=common.sudo_shell(s.primary_ssh["user"]),
                stdin=apply_script,
                triggers=[apply_script.apply(lambda t: hashlib.sha256(t.encode()).hexdigest())],
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.standby_ip = standby_ip
        self.instance_id = instance.instance_id
        self.primary_conninfo = pulumi.Output.secret(conninfo)
        self.primary_settings = settings
        self.replication_client_certificate = cert.cert_pem
        self.replication_client_private_key = pulumi.Output.secret(key.private_key_pem)
        self.register_outputs(
            {
                "standby_ip": self.standby_ip,
                "instance_id": self.instance_id,
                "primary_conninfo": self.primary_conninfo,
                "primary_settings": self.primary_settings,
                "replication_client_certificate": self.replication_client_certificate,
                "replication_client_private_key": self.replication_client_private_key,
            }
        )
