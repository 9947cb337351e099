"""OpenVpnGateway: a site-to-site OpenVPN gateway on a GCP VM."""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

from typing import Any, NamedTuple, cast

import pulumi

from ... import cidr
from ...naming import child
from ...tokens import component_opts, type_token
from ...validation import Problems
from .. import common
from . import render
from .args import ACCOUNT_ROLE, SUBJECT, OnPremGatewaySshArgs, OpenVpnGatewayArgs, Settings, validate

__all__ = ["OnPremGatewaySshArgs", "OpenVpnGateway", "OpenVpnGatewayArgs"]


def dash(value: str) -> str:
    """A CIDR as a name part: ``192.168.50.0/24`` -> ``192-168-50-0-24``."""
    return value.replace(".", "-").replace("/", "-")


class Pki(NamedTuple):
    """The gateway's key material: its CA, server and client certificates, the tls-crypt key."""

    ca: common.Issued
    server: common.Issued
    server_name: str
    clients: dict[str, common.Issued]
    tls_crypt: pulumi.Output[str]


class Identity(NamedTuple):
    """The VM's service account and the secrets only it reads."""

    account: Any
    server_key: common.SecretParts
    tls_crypt: common.SecretParts


class Rendered(NamedTuple):
    """The gateway's configuration files, as text."""

    server_config: str
    client_configs: dict[str, str]


class OpenVpnGateway(pulumi.ComponentResource):
    """A site-to-site OpenVPN gateway VM joining on-premises LANs to a GCP VPC.

    The server admits only the current clients' certificates (by SHA-256 fingerprint, as
    well as by CA and client-config-dir), isolates clients from each other unless
    ``client_to_client``, persists IP forwarding past GCE's own sysctl file and clamps TCP to
    the VPC's MTU. Private keys reach the VM through Secret Manager, readable by its own
    service account only; configuration changes and renewed certificates reach it through
    a metadata watcher, without a reboot. Cloud-side names carry the stack's name.
    """

    public_ip: pulumi.Output[str]
    """The gateway's static external IP."""
    instance_id: pulumi.Output[str]
    """The VM's instance id."""
    internal_ip: pulumi.Output[str]
    """The VM's address in the subnetwork (next hop of the routes)."""
    server_config: pulumi.Output[str]
    """The rendered server.conf (key material referenced by path)."""
    client_configs: pulumi.Output[dict[str, str]]
    """Client name -> client-config-dir file."""
    client_profiles: pulumi.Output[dict[str, str]]
    """Client name -> inline .ovpn profile (secret)."""
    ca_certificate: pulumi.Output[str]
    """PEM of the VPN CA."""
    ca_private_key: pulumi.Output[str]
    """PEM of the VPN CA's key (secret), to issue more VPN client certificates. Never another
    service's client CA: whoever trusts it accepts every VPN client's certificate."""

    def __init__(
        self, name: str, args: OpenVpnGatewayArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        problems = Problems(f"{SUBJECT} {name!r}")
        settings = validate(args, problems, name=name)
        problems.raise_if_any()
        super().__init__(
            type_token("OpenVpnGateway"), name, None, component_opts("gcp", "OpenVpnGateway", opts)
        )
        self._name = name
        self._settings = cast("Settings", settings)  # not None: raise_if_any raised otherwise

        pki = self._pki()
        identity = self._identity(pki)
        address = self._network(identity)
        rendered = self._render()
        instance = self._vm(pki, identity, address, rendered)
        self._routes(instance)
        profiles = self._profiles(pki, address)
        self._onprem(profiles, instance)

        self.public_ip = address.address
        self.instance_id = instance.instance_id
        self.internal_ip = instance.network_interfaces.apply(lambda nics: nics[0].network_ip or "")
        self.server_config = pulumi.Output.from_input(rendered.server_config)
        self.client_configs = pulumi.Output.from_input(rendered.client_configs)
        self.client_profiles = pulumi.Output.secret(pulumi.Output.all(**profiles))
        self.ca_certificate = pki.ca.cert_pem
        self.ca_private_key = pki.ca.private_key_pem
        self.register_outputs(
            {
                "public_ip": self.public_ip,
                "instance_id": self.instance_id,
                "internal_ip": self.internal_ip,
                "server_config": self.server_config,
                "client_configs": self.client_configs,
                "client_profiles": self.client_profiles,
                "ca_certificate": self.ca_certificate,
                "ca_private_key": self.ca_private_key,
            }
        )

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _pki(self) -> Pki:
        """The VPN CA, the server's and each client's key and certificate, the tls-crypt key."""
        import pulumi_random as random

        name, s = self._name, self._settings
        ca = common.issue_ca(
            self, name, "ca", common_name=f"{name} VPN CA", early_renewal_hours=render.CA_RENEW_DAYS * 24
        )

        def issue(key: str, common_name: str, use: str) -> common.Issued:
            return common.issue_certificate(
                self,
                name,
                key,
                common_name=common_name,
                ca_cert_pem=ca.cert_pem,
                ca_private_key_pem=ca.key.private_key_pem,
                uses=[use],
                early_renewal_hours=render.RENEW_DAYS * 24,
            )

        server_name = f"{name}-server"
        server = issue("server", server_name, "server_auth")
        tls_crypt = random.RandomBytes(
            child(name, "tls-crypt"), length=render.STATIC_KEY_BYTES, opts=self._opts()
        )
        return Pki(
            ca=ca,
            server=server,
            server_name=server_name,
            clients={c: issue(f"client-{c}", c, "client_auth") for c in s.clients},
            tls_crypt=pulumi.Output.secret(tls_crypt.hex.apply(render.static_key)),
        )

    def _identity(self, pki: Pki) -> Identity:
        """The VM's own service account; the server key and tls-crypt key as secrets only it reads."""
        from pulumi_gcp import serviceaccount

        name, s = self._name, self._settings
        account = serviceaccount.Account(
            child(name, "sa"),
            project=s.project,
            account_id=common.service_account_id(name, ACCOUNT_ROLE),
            display_name=f"crossnet OpenVPN gateway {name}",
            opts=self._opts(),
        )
        server_key = common.secret_for(
            self, name, "server-key", s.project, pki.server.key.private_key_pem, account.email
        )
        tls_crypt = common.secret_for(self, name, "tls-crypt", s.project, pki.tls_crypt, account.email)
        return Identity(account=account, server_key=server_key, tls_crypt=tls_crypt)

    def _network(self, identity: Identity) -> Any:
        """The static external IP and the firewall rules; returns the address."""
        from pulumi_gcp import compute

        name, s = self._name, self._settings
        address = compute.Address(
            child(name, "ip"),
            project=s.project,
            region=s.region,
            address_type="EXTERNAL",
            network_tier="PREMIUM",
            opts=self._opts(),
        )
        compute.Firewall(
            child(name, "vpn-in"),
            project=s.project,
            network=s.network,
            direction="INGRESS",
            allows=[compute.FirewallAllowArgs(protocol=s.protocol, ports=[str(s.port)])],
            source_ranges=s.allowed_source_ranges,
            target_service_accounts=[identity.account.email],
            description=f"crossnet {name}: OpenVPN {s.protocol}/{s.port}",
            opts=self._opts(),
        )
        # Traffic from GCP to the on-prem LANs enters the gateway VM before it is forwarded.
        compute.Firewall(
            child(name, "forward-in"),
            project=s.project,
            network=s.network,
            direction="INGRESS",
            allows=[compute.FirewallAllowArgs(protocol="all")],
            source_ranges=s.gcp_cidrs,
            target_service_accounts=[identity.account.email],
            description=f"crossnet {name}: GCP subnets to the VPN sites through the gateway",
            opts=self._opts(),
        )
        return address

    def _render(self) -> Rendered:
        """server.conf and the client-config-dir files (no key material)."""
        s = self._settings
        return Rendered(
            server_config=render.server_conf(
                vpn_cidr=s.vpn_cidr,
                gcp_cidrs=s.gcp_cidrs,
                clients=s.clients,
                port=s.port,
                protocol=s.protocol,
                client_to_client=s.client_to_client,
            ),
            client_configs={c: render.client_config(c, s.clients, s.client_to_client) for c in s.clients},
        )

    def _vm(self, pki: Pki, identity: Identity, address: Any, rendered: Rendered) -> Any:
        """The gateway VM; its startup script writes the config and reads the keys from Secret Manager."""
        from pulumi_gcp import compute

        name, s = self._name, self._settings
        client_certs = pulumi.Output.all(**{c: issued.cert_pem for c, issued in pki.clients.items()})
        script = pulumi.Output.all(
            pki.ca.cert_pem,
            pki.server.cert_pem,
            identity.server_key.secret_id,
            identity.tls_crypt.secret_id,
            client_certs,
        ).apply(
            lambda v: render.startup_script(
                project=s.project,
                server_config=rendered.server_config,
                client_configs=rendered.client_configs,
                ca_pem=v[0],
                server_cert_pem=v[1],
                server_key_secret=v[2],
                tls_crypt_secret=v[3],
                client_certs=v[4],
                client_to_client=s.client_to_client,
            )
        )
        return common.hardened_vm(
            child(name, "vm"),
            project=s.project,
            zone=s.zone,
            machine_type=s.machine_type,
            disk_gb=10,
            can_ip_forward=True,
            network_interface=compute.InstanceNetworkInterfaceArgs(
                subnetwork=self._checked_subnetwork(),
                subnetwork_project=s.project,
                access_configs=[
                    compute.InstanceNetworkInterfaceAccessConfigArgs(
                        nat_ip=address.address, network_tier="PREMIUM"
                    )
                ],
            ),
            service_account_email=identity.account.email,
            startup_script=script,
            role="vpn-gateway",
            opts=self._opts(depends_on=[*identity.server_key.waits, *identity.tls_crypt.waits]),
        )

    def _checked_subnetwork(self) -> pulumi.Output[str]:
        """The subnetwork, once its primary range is known to lie inside ``gcp_cidrs``.

        Clients get routes for ``gcp_cidrs`` only, so a gateway (and a standby) in a subnetwork
        outside them is unreachable through the tunnel. The range lives in GCP: it is read with
        an invoke, which the engine runs at preview, and the VM waits for the check.
        """
        from pulumi_gcp import compute

        s = self._settings
        by_link = "/" in s.subnetwork
        found = compute.get_subnetwork_output(
            name=None if by_link else s.subnetwork,
            self_link=s.subnetwork if by_link else None,
            project=None if by_link else s.project,
            region=None if by_link else s.region,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        return found.ip_cidr_range.apply(self._subnetwork_inside)

    def _subnetwork_inside(self, range_: str) -> str:
        s = self._settings
        net = cidr.parse(range_)
        inside = net is not None and any(
            (outer := cidr.parse(c)) is not None and net.subnet_of(outer) for c in s.gcp_cidrs
        )
        if range_ and not inside:
            problems = Problems(f"{SUBJECT} {self._name!r}")
            problems.add(
                "subnetwork",
                s.subnetwork,
                f"a subnetwork whose range is inside gcp_cidrs {s.gcp_cidrs}; its range is {range_}:"
                " add it to gcp_cidrs (clients are given routes for those only) or choose another subnetwork",
            )
            problems.raise_if_any()
        return s.subnetwork

    def _routes(self, instance: Any) -> None:
        """A route through the VM for each site LAN and for the tunnel pool."""
        from pulumi_gcp import compute

        name, s = self._name, self._settings
        destinations = [(f"site-{c}-{dash(n)}", n) for c in sorted(s.clients) for n in s.clients[c]]
        destinations.append((f"vpn-{dash(s.vpn_cidr)}", s.vpn_cidr))
        for key, dest in destinations:
            compute.Route(
                child(name, "route", key),
                name=common.gcp_name(common.scoped(name), "route", key),
                project=s.project,
                network=s.network,
                dest_range=dest,
                next_hop_instance=instance.self_link,
                next_hop_instance_zone=s.zone,
                priority=900,
                description=f"crossnet {name}: {dest} through the VPN gateway",
                # an explicit name: the old route must go before its replacement takes the name
                opts=self._opts(delete_before_replace=True),
            )

    def _profiles(self, pki: Pki, address: Any) -> dict[str, pulumi.Output[str]]:
        """Client name -> its inline .ovpn profile (holds the client's private key)."""
        s = self._settings
        remote_host: pulumi.Input[str] = s.public_endpoint or address.address
        profiles: dict[str, pulumi.Output[str]] = {}
        for c, issued in pki.clients.items():
            profiles[c] = pulumi.Output.all(
                remote_host, pki.ca.cert_pem, issued.cert_pem, issued.key.private_key_pem, pki.tls_crypt
            ).apply(
                lambda v: render.client_profile(
                    server_name=pki.server_name,
                    remote=v[0],
                    port=s.port,
                    protocol=s.protocol,
                    ca_pem=v[1],
                    cert_pem=v[2],
                    key_pem=v[3],
                    tls_crypt_key=v[4],
                )
            )
        return profiles

    def _onprem(self, profiles: dict[str, pulumi.Output[str]], instance: Any) -> None:
        """Install the site's profile on the on-prem gateway over SSH (and remove it on delete)."""
        ssh = self._settings.onprem_ssh
        if ssh is None:
            return
        site = ssh["client"]
        install = pulumi.Output.secret(
            profiles[site].apply(lambda text: render.site_install_script(client_name=site, profile=text))
        )
        common.ssh_script(
            self,
            child(self._name, "onprem", site),
            ssh,  # type: ignore[arg-type]
            script=install,
            undo=render.site_uninstall_script(client_name=site),
            depends_on=[instance],
        )
