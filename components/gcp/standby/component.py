"""PostgresStandby: a streaming standby in GCP of an on-premises primary, over TLS."""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import hashlib
from typing import Any, NamedTuple

import pulumi

from ...naming import child
from ...tokens import component_opts, type_token
from ...validation import Problems
from .. import common
from . import render
from .args import SUBJECT, PostgresStandbyArgs, validate

CERT_HOURS = 24 * 365 * 2


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
        problems = Problems(f"{SUBJECT} {name!r}")
        settings = validate(args, problems)
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
        conninfo = render.conninfo(
            host=settings.primary_host,
            hostaddr=settings.primary_address,
            port=settings.primary_port,
            user=settings.replication_user,
            application_name=settings.slot(name),
        )
        instance = self._vm(pki, identity, conninfo, _resources(opts))
        standby_ip = instance.network_interfaces.apply(lambda nics: nics[0].network_ip or "")
        self._primary(standby_ip, pki)

        self.standby_ip = standby_ip
        self.instance_id = instance.instance_id
        self.primary_conninfo = pulumi.Output.secret(conninfo)
        self.primary_settings = standby_ip.apply(
            lambda ip: render.primary_settings(
                user=settings.replication_user, standby_ip=ip, primary_host=settings.primary_host
            )
        )
        self.replication_client_certificate = pki.certificate
        self.replication_client_private_key = pulumi.Output.secret(pki.private_key)
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

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _pki(self) -> Pki:
        """The replication client certificate (CN = the replication user), from the caller's CA or our own."""
        import pulumi_tls as tls

        name, s = self._name, self._settings
        if s.client_ca is not None:
            ca_cert: pulumi.Input[str] = s.client_ca.certificate
            ca_key: pulumi.Input[str] = pulumi.Output.secret(s.client_ca.private_key)
        else:
            own_key = tls.PrivateKey(
                child(name, "client-ca-key"), algorithm="ECDSA", ecdsa_curve="P256", opts=self._opts()
            )
            own = tls.SelfSignedCert(
                child(name, "client-ca"),
                private_key_pem=own_key.private_key_pem,
                is_ca_certificate=True,
                subject=tls.SelfSignedCertSubjectArgs(
                    common_name=f"{name} replication client CA", organization="crossnet"
                ),
                validity_period_hours=CERT_HOURS * 2,
                allowed_uses=["cert_signing", "crl_signing"],
                opts=self._opts(),
            )
            ca_cert, ca_key = own.cert_pem, own_key.private_key_pem
        key = tls.PrivateKey(
            child(name, "replication-key"), algorithm="ECDSA", ecdsa_curve="P256", opts=self._opts()
        )
        request = tls.CertRequest(
            child(name, "replication-csr"),
            private_key_pem=key.private_key_pem,
            subject=tls.CertRequestSubjectArgs(common_name=s.replication_user, organization="crossnet"),
            opts=self._opts(),
        )
        cert = tls.LocallySignedCert(
            child(name, "replication-cert"),
            cert_request_pem=request.cert_request_pem,
            ca_private_key_pem=ca_key,
            ca_cert_pem=ca_cert,
            validity_period_hours=CERT_HOURS,
            allowed_uses=["digital_signature", "key_agreement", "client_auth"],
            opts=self._opts(),
        )
        return Pki(pulumi.Output.from_input(ca_cert), cert.cert_pem, key.private_key_pem)

    def _identity(self, pki: Pki) -> Identity:
        """The VM's own service account, the only reader of the secret holding the replication key."""
        from pulumi_gcp import serviceaccount

        name, s = self._name, self._settings
        account = serviceaccount.Account(
            child(name, "sa"),
            project=s.project,
            account_id=common.service_account_id(name, "pg"),
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
            opts=self._opts(depends_on=[*identity.key_secret.waits, *waits]),
        )

    def _primary(self, standby_ip: pulumi.Output[str], pki: Pki) -> None:
        """With ``primary_ssh``: apply the primary's settings over SSH, again whenever they change."""
        s = self._settings
        if s.primary_ssh is None:
            return
        from pulumi_command import remote

        apply_script = pulumi.Output.all(standby_ip, pki.ca_certificate).apply(
            lambda v: render.primary_apply_script(
                user=s.replication_user, standby_ip=v[0], client_ca_pem=v[1]
            )
        )
        remote.Command(
            child(self._name, "primary-settings"),
            connection=common.connection(s.primary_ssh),
            create=common.sudo_shell(s.primary_ssh["user"]),
            stdin=apply_script,
            triggers=[apply_script.apply(lambda t: hashlib.sha256(t.encode()).hexdigest())],
            opts=self._opts(),
        )
