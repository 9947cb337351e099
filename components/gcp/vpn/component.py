"""OpenVpnGateway: a site-to-site OpenVPN gateway on a GCP VM (DESIGN 3.4)."""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import hashlib
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, cast

import pulumi

from ... import cidr
from ...naming import child
from ...tokens import component_opts, type_token
from ...validation import Problems, unknown_keys
from .. import common
from . import render

CLIENT_NAME = r"[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?"
PROJECT_ID = r"[a-z][-a-z0-9]{4,28}[a-z0-9]"
REGION = r"[a-z]+-[a-z]+[0-9]+"
CERT_HOURS = 24 * 365 * 5


class OnPremGatewaySshArgs(TypedDict):
    """SSH to the on-premises site gateway that runs one VPN client.

    The keys of ``common.SshConnectionArgs`` plus ``client``, declared here rather than
    inherited: the provider schema takes field descriptions from this class's own body.
    """

    host: str
    """Address or name of the host."""
    user: str
    """Login user: root, or a user with passwordless sudo."""
    private_key: pulumi.Input[str]
    """SSH private key (pass a secret)."""
    port: NotRequired[int]
    """SSH port [22]."""
    host_key: NotRequired[str]
    """The host's SSH public key (``ssh-ed25519 AAAA...``); required unless ``allow_unknown_host_key``."""
    jump_host: NotRequired[str]
    """Bastion to connect through (same user and key) [none]."""
    jump_host_key: NotRequired[str]
    """The bastion's SSH public key; required with ``jump_host`` unless ``allow_unknown_host_key``."""
    allow_unknown_host_key: NotRequired[bool]
    """Connect without verifying the host keys (open to a man in the middle) [false]."""
    client: str
    """Which entry of ``clients`` this host is; its profile is installed there."""


class OpenVpnGatewayArgs(TypedDict):
    """Inputs of :class:`OpenVpnGateway`."""

    project: str
    """GCP project id."""
    region: str
    """Region of the static external IP (the zone's region)."""
    zone: str
    """Zone of the gateway VM."""
    network: str
    """VPC network name or self link (routes and firewall rules go here)."""
    subnetwork: str
    """Subnetwork name or self link for the VM's interface."""
    gcp_cidrs: list[str]
    """GCP subnet CIDRs pushed to clients as routes."""
    clients: dict[str, list[str]]
    """VPN client name -> CIDRs of the LAN behind it (empty for a single host). Removing a name revokes it."""
    allowed_source_ranges: list[str]
    """Source CIDRs allowed to reach the VPN port (the on-prem sites' public addresses)."""
    vpn_cidr: NotRequired[str]
    """Tunnel address pool [10.8.0.0/24]."""
    port: NotRequired[int]
    """VPN port [1194]."""
    protocol: NotRequired[str]
    """``udp`` [default] or ``tcp``."""
    machine_type: NotRequired[str]
    """VM machine type [e2-small]."""
    client_to_client: NotRequired[bool]
    """Let clients reach each other (and each other's LANs) through the gateway [false]."""
    allow_world_ingress: NotRequired[bool]
    """Required to put 0.0.0.0/0 in ``allowed_source_ranges`` [false]."""
    public_endpoint: NotRequired[str]
    """Host name or address written into client profiles' ``remote`` [the static external IP]."""
    onprem_ssh: NotRequired[OnPremGatewaySshArgs]
    """Install the site client profile on the on-prem gateway over SSH [not done]."""


ARG_KEYS = tuple(OpenVpnGatewayArgs.__annotations__)


@dataclass(frozen=True)
class GatewaySettings:
    """Validated plain values that shape the gateway."""

    project: str
    region: str
    zone: str
    network: str
    subnetwork: str
    gcp_cidrs: list[str]
    clients: dict[str, list[str]]
    allowed_source_ranges: list[str]
    vpn_cidr: str
    port: int
    protocol: str
    machine_type: str
    client_to_client: bool
    public_endpoint: str | None
    onprem_ssh: OnPremGatewaySshArgs | None


def validate(args: OpenVpnGatewayArgs | dict[str, Any], subject: str = "OpenVpnGateway") -> GatewaySettings:
    """Check every input; raise one ValidationError naming each bad field."""
    p = Problems(subject)
    if not isinstance(args, dict):
        p.add("args", args, "an OpenVpnGatewayArgs mapping")
        p.raise_if_any()
    a: dict[str, Any] = dict(args)
    unknown_keys(a, ARG_KEYS, p)
    project = p.string(
        p.require(a, "project"),
        "project",
        PROJECT_ID,
        "a GCP project id (6-30 lowercase letters, digits, hyphens)",
    )
    region = p.string(p.require(a, "region"), "region", REGION, "a GCP region such as europe-west1")
    zone = p.string(p.require(a, "zone"), "zone", REGION + r"-[a-z]", "a GCP zone such as europe-west1-b")
    if region and zone and not zone.startswith(region + "-"):
        p.add("zone", zone, f"a zone in region {region}")
    network = p.string(p.require(a, "network"), "network")
    subnetwork = p.string(p.require(a, "subnetwork"), "subnetwork")

    named: dict[str, cidr.Network] = {}
    vpn_cidr = a.get("vpn_cidr", "10.8.0.0/24")
    vpn_net = cidr.check(p, vpn_cidr, "vpn_cidr", 16, 29)
    if vpn_net is not None:
        named["vpn_cidr"] = vpn_net

    gcp_cidrs = p.string_list(p.require(a, "gcp_cidrs"), "gcp_cidrs", min_len=1)
    for i, value in enumerate(gcp_cidrs or []):
        net = cidr.check(p, value, f"gcp_cidrs[{i}]")
        if net is not None:
            named[f"gcp_cidrs[{i}]"] = net

    clients = p.require(a, "clients")
    if clients is not None and (not isinstance(clients, dict) or not clients):
        p.add("clients", clients, "a non-empty mapping of client name -> list of LAN CIDRs")
        clients = None
    for name, lans in (clients or {}).items():
        if not isinstance(name, str) or not _fullmatch(CLIENT_NAME, name):
            p.add(
                f"clients[{name!r}]",
                name,
                "a client name of 1-32 lowercase letters, digits and inner hyphens",
            )
        field = f"clients[{name!r}]"
        if p.string_list(lans, field) is None:
            continue
        for i, value in enumerate(lans):
            net = cidr.check(p, value, f"{field}[{i}]")
            if net is not None:
                named[f"{field}[{i}]"] = net
    cidr.report_overlaps(p, named)

    world = a.get("allow_world_ingress", False)
    p.boolean(world, "allow_world_ingress")
    sources = p.string_list(p.require(a, "allowed_source_ranges"), "allowed_source_ranges", min_len=1)
    for i, value in enumerate(sources or []):
        net = cidr.check(p, value, f"allowed_source_ranges[{i}]")
        if net is not None and net.prefixlen == 0 and world is not True:
            p.add(
                f"allowed_source_ranges[{i}]",
                value,
                "a world-open range needs allow_world_ingress=True; prefer the sites' public CIDRs",
            )

    port = p.integer(a.get("port", 1194), "port", 1, 65535)
    protocol = p.one_of(a.get("protocol", "udp"), "protocol", ["udp", "tcp"])
    machine_type = p.string(
        a.get("machine_type", "e2-small"), "machine_type", r"[a-z0-9-]+", "a machine type such as e2-small"
    )
    c2c = p.boolean(a.get("client_to_client", False), "client_to_client")
    endpoint = a.get("public_endpoint")
    if endpoint is not None:
        endpoint = p.string(endpoint, "public_endpoint", r"[A-Za-z0-9.:-]+", "a host name or IP address")
    ssh = a.get("onprem_ssh")
    if ssh is not None:
        common.check_ssh(
            p, {k: v for k, v in ssh.items() if k != "client"} if isinstance(ssh, dict) else ssh, "onprem_ssh"
        )
        if isinstance(ssh, dict) and (not clients or ssh.get("client") not in clients):
            p.add(
                "onprem_ssh.client",
                ssh.get("client"),
                "the name of one entry in clients (the site this host is)",
            )
    p.raise_if_any()
    assert project and region and zone and network and subnetwork and gcp_cidrs is not None
    assert clients is not None and sources is not None and port and protocol and machine_type
    return GatewaySettings(
        project,
        region,
        zone,
        network,
        subnetwork,
        list(gcp_cidrs),
        {k: list(v) for k, v in clients.items()},
        list(sources),
        str(vpn_cidr),
        port,
        protocol,
        machine_type,
        bool(c2c),
        endpoint,
        cast("OnPremGatewaySshArgs | None", ssh),
    )


def _fullmatch(pattern: str, value: str) -> bool:
    import re

    return re.fullmatch(pattern, value) is not None


def dash(value: str) -> str:
    """A CIDR as a name part: ``192.168.50.0/24`` -> ``192-168-50-0-24``."""
    return value.replace(".", "-").replace("/", "-")


class OpenVpnGateway(pulumi.ComponentResource):
    """A site-to-site OpenVPN gateway VM joining on-premises LANs to a GCP VPC."""

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
    """PEM of the VPN CA's key (secret), to issue more certificates (e.g. PostgresStandby)."""

    def __init__(
        self, name: str, args: OpenVpnGatewayArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        s = validate(args, f"OpenVpnGateway {name!r}")
        super().__init__(
            type_token("OpenVpnGateway"), name, None, component_opts("gcp", "OpenVpnGateway", opts)
        )
        import pulumi_random as random
        import pulumi_tls as tls
        from pulumi_gcp import compute, serviceaccount

        here = pulumi.ResourceOptions(parent=self)

        # -- PKI
        ca_key = tls.PrivateKey(child(name, "ca-key"), algorithm="ECDSA", ecdsa_curve="P256", opts=here)
        ca = tls.SelfSignedCert(
            child(name, "ca"),
            private_key_pem=ca_key.private_key_pem,
            is_ca_certificate=True,
            subject=tls.SelfSignedCertSubjectArgs(common_name=f"{name} VPN CA", organization="crossnet"),
            validity_period_hours=CERT_HOURS * 2,
            allowed_uses=["cert_signing", "crl_signing"],
            opts=here,
        )
        server_name = f"{name}-server"
        server_key, server_cert = _issue(name, "server", server_name, ["server_auth"], ca_key, ca, here)
        tls_crypt = random.RandomBytes(child(name, "tls-crypt"), length=render.STATIC_KEY_BYTES, opts=here)
        tls_crypt_text = pulumi.Output.secret(tls_crypt.hex.apply(render.static_key))
        client_certs = {
            c: _issue(name, f"client-{c}", c, ["client_auth"], ca_key, ca, here) for c in s.clients
        }

        # -- identity and secrets
        account = serviceaccount.Account(
            child(name, "sa"),
            project=s.project,
            account_id=common.service_account_id(name, "vpn"),
            display_name=f"crossnet OpenVPN gateway {name}",
            opts=here,
        )
        key_secret = common.secret_for(
            self, name, "server-key", s.project, server_key.private_key_pem, account.email
        )
        crypt_secret = common.secret_for(self, name, "tls-crypt", s.project, tls_crypt_text, account.email)

        # -- network
        address = compute.Address(
            child(name, "ip"),
            project=s.project,
            region=s.region,
            address_type="EXTERNAL",
            network_tier="PREMIUM",
            opts=here,
        )
        compute.Firewall(
            child(name, "vpn-in"),
            project=s.project,
            network=s.network,
            direction="INGRESS",
            allows=[compute.FirewallAllowArgs(protocol=s.protocol, ports=[str(s.port)])],
            source_ranges=s.allowed_source_ranges,
            target_service_accounts=[account.email],
            description=f"crossnet {name}: OpenVPN {s.protocol}/{s.port}",
            opts=here,
        )
        # Traffic from GCP to the on-prem LANs enters the gateway VM before it is forwarded.
        compute.Firewall(
            child(name, "forward-in"),
            project=s.project,
            network=s.network,
            direction="INGRESS",
            allows=[compute.FirewallAllowArgs(protocol="all")],
            source_ranges=s.gcp_cidrs,
            target_service_accounts=[account.email],
            description=f"crossnet {name}: GCP subnets to the VPN sites through the gateway",
            opts=here,
        )

        server_config = render.server_conf(
            vpn_cidr=s.vpn_cidr,
            gcp_cidrs=s.gcp_cidrs,
            clients=s.clients,
            port=s.port,
            protocol=s.protocol,
            client_to_client=s.client_to_client,
        )
        client_configs = {c: render.client_config(c, s.clients, s.client_to_client) for c in s.clients}
        script = pulumi.Output.all(
            ca.cert_pem, server_cert.cert_pem, key_secret.secret_id, crypt_secret.secret_id
        ).apply(
            lambda v: render.startup_script(
                project=s.project,
                server_config=server_config,
                client_configs=client_configs,
                ca_pem=v[0],
                server_cert_pem=v[1],
                server_key_secret=v[2],
                tls_crypt_secret=v[3],
            )
        )
        instance = common.hardened_vm(
            child(name, "vm"),
            project=s.project,
            zone=s.zone,
            machine_type=s.machine_type,
            disk_gb=10,
            can_ip_forward=True,
            network_interface=compute.InstanceNetworkInterfaceArgs(
                subnetwork=s.subnetwork,
                subnetwork_project=s.project,
                access_configs=[
                    compute.InstanceNetworkInterfaceAccessConfigArgs(
                        nat_ip=address.address, network_tier="PREMIUM"
                    )
                ],
            ),
            service_account_email=account.email,
            startup_script=script,
            role="vpn-gateway",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*key_secret.waits, *crypt_secret.waits]),
        )

        destinations = [(f"site-{c}-{dash(n)}", n) for c in sorted(s.clients) for n in s.clients[c]]
        destinations.append((f"vpn-{dash(s.vpn_cidr)}", s.vpn_cidr))
        for key, dest in destinations:
            compute.Route(
                child(name, "route", key),
                name=common.gcp_name(name, "route", key),
                project=s.project,
                network=s.network,
                dest_range=dest,
                next_hop_instance=instance.self_link,
                next_hop_instance_zone=s.zone,
                priority=900,
                description=f"crossnet {name}: {dest} through the VPN gateway",
                # an explicit name: the old route must go before its replacement takes the name
                opts=pulumi.ResourceOptions(parent=self, delete_before_replace=True),
            )

        remote_host: pulumi.Input[str] = s.public_endpoint or address.address
        profiles: dict[str, pulumi.Output[str]] = {}
        for c, (key, cert) in client_certs.items():
            profiles[c] = pulumi.Output.all(
                remote_host, ca.cert_pem, cert.cert_pem, key.private_key_pem, tls_crypt_text
            ).apply(
                lambda v: render.client_profile(
                    server_name=server_name,
                    remote=v[0],
                    port=s.port,
                    protocol=s.protocol,
                    ca_pem=v[1],
                    cert_pem=v[2],
                    key_pem=v[3],
                    tls_crypt_key=v[4],
                )
            )
        profiles_out = pulumi.Output.secret(pulumi.Output.all(**profiles))

        if s.onprem_ssh is not None:
            from pulumi_command import remote

            site = s.onprem_ssh["client"]
            install = pulumi.Output.secret(
                profiles[site].apply(lambda text: render.site_install_script(client_name=site, profile=text))
            )
            remote.Command(
                child(name, "onprem", site),
                connection=common.connection(s.onprem_ssh),
                create=common.sudo_shell(s.onprem_ssh["user"]),
                stdin=install,
                triggers=[install.apply(lambda t: hashlib.sha256(t.encode()).hexdigest())],
                logging=remote.Logging.STDERR,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[instance]),
            )

        self.public_ip = address.address
        self.instance_id = instance.instance_id
        self.internal_ip = instance.network_interfaces.apply(lambda nics: nics[0].network_ip or "")
        self.server_config = pulumi.Output.from_input(server_config)
        self.client_configs = pulumi.Output.from_input(client_configs)
        self.client_profiles = profiles_out
        self.ca_certificate = ca.cert_pem
        self.ca_private_key = pulumi.Output.secret(ca_key.private_key_pem)
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


def _issue(
    component: str,
    key: str,
    common_name: str,
    uses: list[str],
    ca_key: Any,
    ca: Any,
    opts: pulumi.ResourceOptions,
) -> tuple[Any, Any]:
    """A P-256 key and a certificate for it signed by the VPN CA."""
    import pulumi_tls as tls

    private = tls.PrivateKey(child(component, key, "key"), algorithm="ECDSA", ecdsa_curve="P256", opts=opts)
    request = tls.CertRequest(
        child(component, key, "csr"),
        private_key_pem=private.private_key_pem,
        subject=tls.CertRequestSubjectArgs(common_name=common_name, organization="crossnet"),
        opts=opts,
    )
    cert = tls.LocallySignedCert(
        child(component, key, "cert"),
        cert_request_pem=request.cert_request_pem,
        ca_private_key_pem=ca_key.private_key_pem,
        ca_cert_pem=ca.cert_pem,
        validity_period_hours=CERT_HOURS,
        allowed_uses=["digital_signature", "key_agreement", *uses],
        opts=opts,
    )
    return private, cert
