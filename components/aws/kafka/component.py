"""``KafkaPrivateLinkCluster``: self-hosted Kafka (KRaft) behind an NLB and an AWS PrivateLink
endpoint service, one NLB port per broker (the layout TiDB Cloud changefeeds expect)."""

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import pulumi
import pulumi_aws as aws

from ...naming import child
from ...tokens import component_opts, type_token
from ...validation import Problems, ValidationError
from ..providers import regional_provider
from . import names, render
from .args import BrokerSsh, KafkaPrivateLinkClusterArgs, Settings, validate

AL2023_AMI_NAME = "al2023-ami-2023.*-{arch}"
# The bastion shares the brokers' AMI, so it has their CPU architecture.
BASTION_INSTANCE_TYPES = {"x86_64": "t3.micro", "arm64": "t4g.micro"}
EVERYWHERE = "0.0.0.0/0"
# Brokers and the bastion: instance metadata only through IMDSv2 tokens, not past the instance.
IMDSV2_ONLY: aws.ec2.InstanceMetadataOptionsArgsDict = {
    "http_tokens": "required",
    "http_endpoint": "enabled",
    "http_put_response_hop_limit": 1,
}
# The NLB and target groups have explicit names (names.py). Stacks deployed before that carry
# Pulumi's auto-names; a change of name forces a replacement, and replacing the NLB would replace
# the endpoint service TiDB Cloud connects to, so a deployed name is kept.
KEEP_DEPLOYED_NAME = ["name"]


class _Network(NamedTuple):
    """Where the brokers go: the VPC, a subnet per AZ ID and the CIDRs broker IPs derive from."""

    vpc_id: pulumi.Input[str]
    subnet_ids: dict[str, pulumi.Input[str]]
    vpc_cidrs: pulumi.Input[list[str]]  # the primary CIDR and any secondary ones
    subnet_cidrs: dict[str, pulumi.Input[str]]
    bastion_sg: aws.ec2.SecurityGroup | None
    public_subnet: aws.ec2.Subnet | None
    # AZ ID -> what a broker's first boot there needs: the NAT route table and the subnet's association
    egress: dict[str, list[pulumi.Resource]]


class _Placement(NamedTuple):
    """Where and as what a broker instance runs."""

    subnet_id: pulumi.Input[str]
    private_ip: pulumi.Input[str]
    security_group: aws.ec2.SecurityGroup
    ami: pulumi.Input[str]
    instance_profile: aws.iam.InstanceProfile


class _Brokers(NamedTuple):
    """The brokers the NLB targets, built or existing, and what the outputs report about them."""

    ips: dict[int, pulumi.Input[str]]
    instance_ids: dict[int, pulumi.Input[str]]
    server_properties: dict[str, pulumi.Input[str]]
    restart_order: list[str]
    bastion_ip: pulumi.Output[str | None]


class KafkaPrivateLinkCluster(pulumi.ComponentResource):
    """Kafka brokers in private subnets (one per AZ ID), an internal NLB with a bootstrap listener
    and one listener per broker, and a VPC endpoint service only the given principals may use.

    With ``existing_brokers`` it builds only the NLB, target groups and endpoint service for a
    running cluster, and outputs the listener settings each broker must add (``listener_settings``)
    and the order to restart them in (``restart_order``).
    """

    endpoint_service_name: pulumi.Output[str]
    """Service name to paste into TiDB Cloud (com.amazonaws.vpce.<region>.vpce-svc-...)."""
    endpoint_service_id: pulumi.Output[str]
    """Id of the VPC endpoint service (vpce-svc-...); accept connection requests on it."""
    nlb_dns_name: pulumi.Output[str]
    """DNS name of the internal NLB."""
    bootstrap_port: pulumi.Output[int]
    """NLB port of the bootstrap listener."""
    advertised_listeners: pulumi.Output[dict[str, str]]
    """Node id -> the EXTERNAL ``host:port`` the broker advertises."""
    broker_private_ips: pulumi.Output[dict[str, str]]
    """Node id -> the broker's private IP."""
    server_properties: pulumi.Output[dict[str, str]]
    """Node id -> the rendered server.properties (``listener_settings`` for existing brokers): the
    desired config. Running brokers ignore user-data changes; apply changes with a rolling restart."""
    listener_settings: pulumi.Output[dict[str, str]]
    """Node id -> the listener keys of the broker's server.properties; for existing brokers, the
    EXTERNAL entries to append to their ``listeners``, ``listener.security.protocol.map`` and
    ``advertised.listeners`` (controller settings and listener names stay as they are)."""
    restart_order: pulumi.Output[list[str]]
    """Node ids in the order to restart existing brokers after adding the settings (one at a time,
    waiting for each to rejoin the ISR); empty for brokers the component creates."""
    az_ids: pulumi.Output[list[str]]
    """The AZ IDs, as the consumer gave them."""
    az_names: pulumi.Output[dict[str, str]]
    """AZ ID -> this account's AZ name, as looked up."""
    bastion_public_ip: pulumi.Output[str | None]
    """Public IP of the bastion host (None without one)."""

    def __init__(
        self, name: str, args: KafkaPrivateLinkClusterArgs, opts: pulumi.ResourceOptions | None = None
    ):
        problems = Problems(f"KafkaPrivateLinkCluster {name!r}")
        settings = validate(args, problems)
        names.check_component_name(name, problems)
        passed_provider = _passed_aws_provider(opts)
        problems.raise_if_any()
        if settings is None:  # validate returns None only with problems, raised above
            raise ValidationError(problems.subject, problems.items)
        super().__init__(
            type_token("KafkaPrivateLinkCluster"),
            name,
            None,
            component_opts("aws", "KafkaPrivateLinkCluster", opts),
        )
        self._name, self._settings = name, settings
        self._elb_names = names.elb_names(name, pulumi.get_project(), pulumi.get_stack(), settings.node_ids)
        self._tags_base = {"crossnet:component": name, **settings.tags}

        self._provider, provider_region = self._aws_provider(passed_provider)
        invoke = pulumi.InvokeOutputOptions(parent=self, provider=self._provider)
        zones = aws.get_availability_zones_output(state="available", opts=invoke)
        self.az_names = pulumi.Output.all(zones, provider_region).apply(
            lambda zr: _zone_names(zr[0].zone_ids, zr[0].names, settings, zr[1])
        )

        brokers, nlb = self._existing_brokers(invoke) if settings.existing else self._new_brokers(invoke)
        service = self._endpoint_service(nlb)
        self._outputs(nlb, service, brokers)

    # -- steps

    def _aws_provider(
        self, passed: pulumi.ProviderResource | None
    ) -> tuple[pulumi.ProviderResource, pulumi.Output[str]]:
        """The provider every child uses, and the region it is for.

        A passed provider's region is an Output: it is checked with the AZ lookup, before any AZ
        name is used (a mismatch fails the run with a message naming both regions).
        """
        region = self._settings.region
        # Not a bare aws.Provider: it would ignore the stack's aws:profile, assumed roles, default
        # tags and allowed accounts (providers.py).
        provider = passed or regional_provider(child(self._name, "aws", region), region, self)
        provider_region = getattr(passed, "region", None)
        if not isinstance(provider_region, pulumi.Output):
            provider_region = pulumi.Output.from_input(region)
        return provider, provider_region

    def _existing_brokers(self, invoke: pulumi.InvokeOutputOptions) -> tuple[_Brokers, aws.lb.LoadBalancer]:
        """Brokers that already run: the NLB targets them; their listener additions are outputs."""
        s = self._settings
        if s.broker_ssh is not None:
            self._rolling_apply(s.broker_ssh)
        guard = self._layout_guard({b.node_id: (b.az_id, b.private_ip) for b in s.existing})
        # Each subnet is looked up: one in another AZ than its AZ ID fails the run before the NLB.
        checked: dict[str, pulumi.Input[str]] = {
            az: aws.ec2.get_subnet_output(id=subnet, opts=invoke).apply(
                lambda sn, az=az: _subnet_cidr_in(sn, az) and sn.id
            )
            for az, subnet in s.subnet_ids.items()
        }
        vpc_cidrs = self._vpc_cidrs(invoke)
        aws.ec2.SecurityGroupRule(
            child(self._name, "broker-external"),
            type="ingress",
            security_group_id=s.broker_security_group_id or self._first_broker_security_group(invoke),
            protocol="tcp",
            from_port=s.ports.external,
            to_port=s.ports.external,
            cidr_blocks=vpc_cidrs,
            description="Kafka EXTERNAL listener: NLB targets and health checks (crossnet)",
            opts=self._opts(),
        )
        nlb, groups = self._nlb(s.vpc_id or "", checked, guard)
        for broker in s.existing:
            self._attach(groups, broker.node_id, broker.instance_id)
        return _Brokers(
            ips={b.node_id: b.private_ip for b in s.existing},
            instance_ids={b.node_id: b.instance_id for b in s.existing},
            server_properties={
                str(b.node_id): self._settings_text(b.node_id, b.private_ip) for b in s.existing
            },
            restart_order=[str(n) for n in s.node_ids],
            bastion_ip=pulumi.Output.from_input(None),
        ), nlb

    def _new_brokers(self, invoke: pulumi.InvokeOutputOptions) -> tuple[_Brokers, aws.lb.LoadBalancer]:
        """The network (built or looked up), the broker security group and one instance per broker."""
        s = self._settings
        net = self._network(self.az_names) if s.own_vpc else self._existing_network(invoke)
        node_ids = s.node_ids
        ips: dict[int, pulumi.Input[str]] = {
            n: pulumi.Output.from_input(net.subnet_cidrs[s.broker_az(n)]).apply(
                lambda c, n=n: render.broker_ip(c, n, s.broker_ip_offset)
            )
            for n in node_ids
        }
        all_ips = pulumi.Output.all(*[ips[n] for n in node_ids]).apply(
            lambda values: dict(zip(node_ids, values, strict=True))
        )
        server_properties: dict[str, pulumi.Input[str]] = {
            str(n): all_ips.apply(
                lambda m, n=n: render.render_server_properties(
                    node_id=n,
                    broker_ips=m,
                    external_host=s.external_host(n),
                    ports=s.ports,
                    controllers=s.controller_ids,
                    rack=s.broker_az(n),
                    advertise_controller=s.advertises_controller,
                )
            )
            for n in node_ids
        }
        guard = self._layout_guard(all_ips.apply(lambda m: {n: (s.broker_az(n), ip) for n, ip in m.items()}))
        nlb, groups = self._nlb(net.vpc_id, net.subnet_ids, guard)
        broker_sg = self._broker_security_group(net.vpc_id, net.vpc_cidrs, net.bastion_sg)
        ami = self._ami(invoke)
        profile = self._ssm_instance_profile()
        instances: dict[int, aws.ec2.Instance] = {}
        # cloud-init installs Java and downloads Kafka on the first boot only: the route through the
        # NAT must exist before an instance starts. Each broker also waits until the previous one is
        # healthy behind the NLB, so a change that restarts or replaces brokers rolls one at a time.
        previous: list[pulumi.Resource] = []
        for n in node_ids:
            after = [guard, *net.egress.get(s.broker_az(n), []), *previous]
            volume = self._data_volume(n)
            placed = _Placement(net.subnet_ids[s.broker_az(n)], ips[n], broker_sg, ami, profile)
            instances[n] = self._broker(n, placed, server_properties[str(n)], after)
            attached = aws.ec2.VolumeAttachment(
                child(self._name, "broker", n, "data-attachment"),
                device_name=render.DATA_DEVICE,
                volume_id=volume.id,
                instance_id=instances[n].id,
                # Kafka is stopped cleanly (the instance stops) before its log dirs go away.
                stop_instance_before_detaching=True,
                opts=pulumi.ResourceOptions(parent=instances[n], delete_before_replace=True),
            )
            targets = self._attach(groups, n, instances[n].id)
            if s.health_timeout_seconds:
                previous = [self._health_wait(n, instances[n], groups[str(n)], [*targets, attached])]
        bastion_ip: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if net.bastion_sg is not None and net.public_subnet is not None:
            bastion_ip = self._bastion(net.bastion_sg, net.public_subnet, ami).public_ip
        return _Brokers(
            ips=ips,
            instance_ids={n: instances[n].id for n in node_ids},
            server_properties=server_properties,
            restart_order=[],
            bastion_ip=bastion_ip,
        ), nlb

    def _layout_guard(
        self, placement: dict[int, tuple[str, str]] | pulumi.Output[dict[int, tuple[str, str]]]
    ) -> pulumi.Resource:
        """A local command that records the layout and fails ``pulumi up`` when a change would move a
        broker, change the quorum or drop an NLB AZ ID (render.render_layout_guard_update). Brokers
        and the NLB depend on it, so it runs, and refuses, before any of them is replaced."""
        import pulumi_command as command

        s = self._settings

        def layout(m: dict[int, tuple[str, str]]) -> str:
            return render.render_layout(controllers=s.controller_ids, placement=m, nlb_az_ids=s.az_ids)

        text = placement.apply(layout) if isinstance(placement, pulumi.Output) else layout(placement)
        return command.local.Command(
            child(self._name, "layout-guard"),
            create=render.LAYOUT_GUARD_CREATE,
            update=render.render_layout_guard_update(self._name),
            environment={"CROSSNET_LAYOUT": text},
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _nlb(
        self, vpc_id: pulumi.Input[str], subnet_ids: Mapping[str, pulumi.Input[str]], guard: pulumi.Resource
    ) -> tuple[aws.lb.LoadBalancer, dict[str, aws.lb.TargetGroup]]:
        """The internal NLB over every AZ ID's subnet, with the port map's target groups and listeners."""
        s = self._settings
        nlb = aws.lb.LoadBalancer(
            child(self._name, "nlb"),
            name=self._elb_names.nlb,
            internal=True,
            load_balancer_type="network",
            subnets=[subnet_ids[a] for a in s.az_ids],
            enable_cross_zone_load_balancing=True,
            enable_deletion_protection=s.nlb_deletion_protection,
            tags=self._tags("nlb"),
            opts=self._opts(ignore_changes=KEEP_DEPLOYED_NAME, depends_on=[guard]),
        )
        return nlb, self._listeners(nlb, vpc_id)

    def _endpoint_service(self, nlb: aws.lb.LoadBalancer) -> aws.ec2.VpcEndpointService:
        s = self._settings
        return aws.ec2.VpcEndpointService(
            child(self._name, "endpoint-service"),
            acceptance_required=s.acceptance_required,
            network_load_balancer_arns=[nlb.arn],
            allowed_principals=list(s.principals),
            tags=self._tags("endpoint-service"),
            opts=self._opts(),
        )

    def _outputs(
        self, nlb: aws.lb.LoadBalancer, service: aws.ec2.VpcEndpointService, brokers: _Brokers
    ) -> None:
        s = self._settings
        node_ids = s.node_ids
        ips = [brokers.ips[n] for n in node_ids]
        self.endpoint_service_name = service.service_name
        self.endpoint_service_id = service.id
        self.nlb_dns_name = nlb.dns_name
        self.bootstrap_port = pulumi.Output.from_input(s.ports.bootstrap)
        self.advertised_listeners = pulumi.Output.from_input(
            {str(n): f"{s.external_host(n)}:{s.ports.nlb_port(n)}" for n in node_ids}
        )
        self.broker_private_ips = pulumi.Output.all(*ips).apply(
            lambda values: {str(n): ip for n, ip in zip(node_ids, values, strict=True)}
        )
        self.server_properties = pulumi.Output.all(**brokers.server_properties).apply(dict)
        self.listener_settings = pulumi.Output.all(*ips).apply(
            lambda values: {
                str(n): self._settings_text(n, ip) for n, ip in zip(node_ids, values, strict=True)
            }
        )
        self.restart_order = pulumi.Output.from_input(brokers.restart_order)
        self.az_ids = pulumi.Output.from_input(list(s.az_ids))
        self.bastion_public_ip = brokers.bastion_ip
        self.register_outputs(
            {
                "endpoint_service_name": self.endpoint_service_name,
                "endpoint_service_id": self.endpoint_service_id,
                "nlb_dns_name": self.nlb_dns_name,
                "bootstrap_port": self.bootstrap_port,
                "advertised_listeners": self.advertised_listeners,
                "broker_private_ips": self.broker_private_ips,
                "server_properties": self.server_properties,
                "listener_settings": self.listener_settings,
                "restart_order": self.restart_order,
                "az_ids": self.az_ids,
                "az_names": self.az_names,
                "bastion_public_ip": self.bastion_public_ip,
            }
        )

    # -- helpers

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        """Options of a direct AWS child: parent and the explicit provider (grandchildren inherit it)."""
        return pulumi.ResourceOptions(parent=self, provider=self._provider, **kwargs)

    def _tags(self, role: str) -> dict[str, str]:
        return {**self._tags_base, "Name": child(self._name, role)}

    def _external_additions(self, node_id: int) -> dict[str, str]:
        """An existing broker's EXTERNAL entries: the ones output and the ones the rolling apply adds."""
        s = self._settings
        return render.external_additions(
            node_id=node_id, external_host=s.external_host(node_id), ports=s.ports
        )

    def _settings_text(self, node_id: int, private_ip: str) -> str:
        """Existing brokers: the EXTERNAL entries to append; new ones: their listener keys."""
        if self._settings.existing:
            return render.render_additions(node_id, self._external_additions(node_id))
        values = render.listener_settings(
            node_id=node_id,
            private_ip=private_ip,
            external_host=self._settings.external_host(node_id),
            ports=self._settings.ports,
            controller=node_id in self._settings.controller_ids,
            advertise_controller=self._settings.advertises_controller,
        )
        return render.render_properties(values, f"Listener settings for broker {node_id} (crossnet)")

    def _network(self, az_names: pulumi.Output[dict[str, str]]) -> _Network:
        """The component's VPC: one private subnet per AZ ID (slot = AZ number), and with NAT or a
        bastion a public subnet in the first AZ ID."""
        s, name = self._settings, self._name
        vpc = aws.ec2.Vpc(
            child(name, "vpc"),
            cidr_block=s.vpc_cidr,
            enable_dns_support=True,
            enable_dns_hostnames=True,
            tags=self._tags("vpc"),
            opts=self._opts(),
        )
        in_vpc = pulumi.ResourceOptions(parent=vpc)
        subnets = {
            az: aws.ec2.Subnet(
                child(name, "subnet", az),
                vpc_id=vpc.id,
                cidr_block=s.subnet_cidr(az),
                availability_zone=az_names.apply(lambda m, az=az: m[az]),
                map_public_ip_on_launch=False,
                tags={**self._tags(f"subnet-{az}"), "crossnet:az-id": az},
                opts=in_vpc,
            )
            for az in s.az_ids
        }
        public = bastion_sg = None
        egress: dict[str, list[pulumi.Resource]] = {}
        if s.bastion or s.nat_gateway:
            public, igw = self._public_subnet(vpc, az_names)
            if s.nat_gateway:
                egress = self._nat(vpc, public, igw, subnets)
            if s.bastion:
                bastion_sg = self._bastion_security_group(vpc)
        return _Network(
            vpc_id=vpc.id,
            subnet_ids={az: sn.id for az, sn in subnets.items()},
            vpc_cidrs=vpc.cidr_block.apply(lambda c: [c]),
            subnet_cidrs={az: s.subnet_cidr(az) for az in s.az_ids},
            bastion_sg=bastion_sg,
            public_subnet=public,
            egress=egress,
        )

    def _public_subnet(
        self, vpc: aws.ec2.Vpc, az_names: pulumi.Output[dict[str, str]]
    ) -> tuple[aws.ec2.Subnet, aws.ec2.InternetGateway]:
        s, name = self._settings, self._name
        in_vpc = pulumi.ResourceOptions(parent=vpc)
        public = aws.ec2.Subnet(
            child(name, "public-subnet"),
            vpc_id=vpc.id,
            cidr_block=s.public_subnet_cidr(),
            availability_zone=az_names.apply(lambda m: m[s.broker_az(1)]),
            map_public_ip_on_launch=False,
            tags=self._tags("public-subnet"),
            opts=in_vpc,
        )
        igw = aws.ec2.InternetGateway(child(name, "igw"), vpc_id=vpc.id, tags=self._tags("igw"), opts=in_vpc)
        public_rt = aws.ec2.RouteTable(
            child(name, "public-rt"),
            vpc_id=vpc.id,
            routes=[{"cidr_block": EVERYWHERE, "gateway_id": igw.id}],
            tags=self._tags("public-rt"),
            opts=pulumi.ResourceOptions(parent=public),
        )
        aws.ec2.RouteTableAssociation(
            child(name, "public-rta"),
            subnet_id=public.id,
            route_table_id=public_rt.id,
            opts=pulumi.ResourceOptions(parent=public),
        )
        return public, igw

    def _nat(
        self,
        vpc: aws.ec2.Vpc,
        public: aws.ec2.Subnet,
        igw: aws.ec2.InternetGateway,
        subnets: Mapping[str, aws.ec2.Subnet],
    ) -> dict[str, list[pulumi.Resource]]:
        """Egress for the broker subnets (cloud-init installs Java and downloads Kafka); returns, per AZ
        ID, what a broker's first boot there needs: the route table with the NAT route and the
        subnet's association (only its own AZ's, so a new AZ ID adds no dependency to other brokers)."""
        name = self._name
        eip = aws.ec2.Eip(
            child(name, "nat-eip"),
            domain="vpc",
            tags=self._tags("nat-eip"),
            opts=pulumi.ResourceOptions(parent=public),
        )
        nat = aws.ec2.NatGateway(
            child(name, "nat"),
            allocation_id=eip.id,
            subnet_id=public.id,
            tags=self._tags("nat"),
            opts=pulumi.ResourceOptions(parent=public, depends_on=[igw]),
        )
        private_rt = aws.ec2.RouteTable(
            child(name, "private-rt"),
            vpc_id=vpc.id,
            routes=[{"cidr_block": EVERYWHERE, "nat_gateway_id": nat.id}],
            tags=self._tags("private-rt"),
            opts=pulumi.ResourceOptions(parent=vpc),
        )
        return {
            az: [
                private_rt,
                aws.ec2.RouteTableAssociation(
                    child(name, "private-rta", az),
                    subnet_id=subnet.id,
                    route_table_id=private_rt.id,
                    opts=pulumi.ResourceOptions(parent=subnet),
                ),
            ]
            for az, subnet in subnets.items()
        }

    def _bastion_security_group(self, vpc: aws.ec2.Vpc) -> aws.ec2.SecurityGroup:
        return aws.ec2.SecurityGroup(
            child(self._name, "bastion-sg"),
            vpc_id=vpc.id,
            description="SSH to the Kafka bastion",
            ingress=[
                {
                    "protocol": "tcp",
                    "from_port": 22,
                    "to_port": 22,
                    "cidr_blocks": list(self._settings.ssh_ingress_cidrs),
                    "description": "SSH",
                }
            ],
            egress=[_all_egress()],
            tags=self._tags("bastion-sg"),
            opts=pulumi.ResourceOptions(parent=vpc),
        )

    def _first_broker_security_group(self, invoke: pulumi.InvokeOutputOptions) -> pulumi.Output[str]:
        first = min(self._settings.existing, key=lambda b: b.node_id)
        instance = aws.ec2.get_instance_output(instance_id=first.instance_id, opts=invoke)
        return instance.apply(lambda i: _first_security_group(i.vpc_security_group_ids, first.instance_id))

    def _vpc_cidrs(self, invoke: pulumi.InvokeOutputOptions) -> pulumi.Output[list[str]]:
        """Every CIDR of the existing VPC: clients and the NLB may sit in a secondary one."""
        vpc = aws.ec2.get_vpc_output(id=self._settings.vpc_id or "", opts=invoke)
        return vpc.apply(
            lambda v: list(
                dict.fromkeys(
                    [v.cidr_block]
                    + [a.cidr_block for a in (v.cidr_block_associations or []) if a.state != "disassociated"]
                )
            )
        )

    def _existing_network(self, invoke: pulumi.InvokeOutputOptions) -> _Network:
        """A VPC the caller owns: its CIDR and each given subnet's CIDR (checked to be in its AZ ID)."""
        s = self._settings
        vpc_id = s.vpc_id or ""
        cidrs: dict[str, pulumi.Input[str]] = {
            az: aws.ec2.get_subnet_output(id=subnet, opts=invoke).apply(
                lambda sn, az=az: _subnet_cidr_in(sn, az)
            )
            for az, subnet in s.subnet_ids.items()
        }
        return _Network(
            vpc_id=vpc_id,
            subnet_ids=dict(s.subnet_ids),
            vpc_cidrs=self._vpc_cidrs(invoke),
            subnet_cidrs=cidrs,
            bastion_sg=None,
            public_subnet=None,
            egress={},
        )

    def _broker_security_group(
        self,
        vpc_id: pulumi.Input[str],
        vpc_cidrs: pulumi.Input[list[str]],
        bastion_sg: aws.ec2.SecurityGroup | None,
    ) -> aws.ec2.SecurityGroup:
        p = self._settings.ports
        ingress: list[Any] = [
            {
                "protocol": "tcp",
                "from_port": port,
                "to_port": port,
                "cidr_blocks": vpc_cidrs,
                "description": f"Kafka {label} from inside the VPC",
            }
            for label, port in (
                ("CONTROLLER", p.controller),
                ("INTERNAL", p.internal),
                ("EXTERNAL (NLB targets and health checks)", p.external),
            )
        ]
        if bastion_sg is not None:
            ingress.append(
                {
                    "protocol": "tcp",
                    "from_port": 22,
                    "to_port": 22,
                    "security_groups": [bastion_sg.id],
                    "description": "SSH from the bastion",
                }
            )
        return aws.ec2.SecurityGroup(
            child(self._name, "broker-sg"),
            vpc_id=vpc_id,
            description="Kafka brokers behind PrivateLink",
            ingress=ingress,
            egress=[_all_egress()],
            tags=self._tags("broker-sg"),
            opts=self._opts(),
        )

    def _ami(self, invoke: pulumi.InvokeOutputOptions) -> pulumi.Input[str]:
        if self._settings.ami_id:
            return self._settings.ami_id
        arch = architecture(self._settings.instance_type)
        return aws.ec2.get_ami_output(
            most_recent=True,
            owners=["amazon"],
            filters=[
                {"name": "name", "values": [AL2023_AMI_NAME.format(arch=arch)]},
                {"name": "architecture", "values": [arch]},
            ],
            opts=invoke,
        ).id

    def _instance_options(
        self,
        user_data: bool = False,
        depends_on: list[pulumi.Resource] | None = None,
        delete_before_replace: bool | None = None,
    ) -> pulumi.ResourceOptions:
        # A newer AMI from the lookup must not replace running brokers. A changed user data would
        # stop and start the instance (every broker at once) and still not apply: cloud-init runs
        # user scripts on the first boot only. Config changes on a running cluster go through the
        # rolling ``existing_brokers`` + ``broker_ssh`` path instead.
        ignored = ([] if self._settings.ami_id else ["ami"]) + (["user_data"] if user_data else [])
        return self._opts(
            ignore_changes=ignored, depends_on=depends_on or [], delete_before_replace=delete_before_replace
        )

    def _broker(
        self, node_id: int, placed: _Placement, properties: pulumi.Input[str], after: list[pulumi.Resource]
    ) -> aws.ec2.Instance:
        s = self._settings
        cluster = render.cluster_id(self._name)
        user_data = pulumi.Output.from_input(properties).apply(
            lambda text: render.render_user_data(
                node_id=node_id,
                server_properties=text,
                kafka_cluster_id=cluster,
                download_url=s.download_url,
                sha512=s.kafka_sha512,
                data_volume=True,
            )
        )
        return aws.ec2.Instance(
            child(self._name, "broker", node_id),
            ami=placed.ami,
            instance_type=s.instance_type,
            subnet_id=placed.subnet_id,
            private_ip=placed.private_ip,
            vpc_security_group_ids=[placed.security_group.id],
            iam_instance_profile=placed.instance_profile.name,
            associate_public_ip_address=False,
            key_name=s.key_name,
            user_data=user_data,
            metadata_options=IMDSV2_ONLY,
            root_block_device={
                "encrypted": True,
                "volume_type": "gp3",
                "volume_size": 50,
                "delete_on_termination": True,
            },
            tags={
                **self._tags(f"broker-{node_id}"),
                "crossnet:kafka-node-id": str(node_id),
                "crossnet:az-id": s.broker_az(node_id),
            },
            # The broker's IP is fixed: a replacement must delete the old instance first (else
            # InvalidIPAddress.InUse); its data volume is detached first and attached to the new one.
            opts=self._instance_options(user_data=True, depends_on=after, delete_before_replace=True),
        )

    def _data_volume(self, node_id: int) -> aws.ebs.Volume:
        """The broker's log dirs: an encrypted gp3 volume of its own, a sibling of the instance (not
        its root volume), so replacing the instance keeps the data."""
        s = self._settings
        return aws.ebs.Volume(
            child(self._name, "broker", node_id, "data"),
            availability_zone=self.az_names.apply(lambda m: m[s.broker_az(node_id)]),
            size=s.data_volume_gb,
            type="gp3",
            encrypted=True,
            tags={**self._tags(f"broker-{node_id}-data"), "crossnet:kafka-node-id": str(node_id)},
            opts=self._opts(),
        )

    def _ssm_instance_profile(self) -> aws.iam.InstanceProfile:
        """An instance profile with only AWS's managed SSM core policy: day-2 steps (logs, restarts,
        the rolling procedure) through Session Manager, without SSH or a bastion."""
        name, partition = self._name, _partition(self._settings.region)
        role = aws.iam.Role(
            child(name, "broker-role"),
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            tags=self._tags("broker-role"),
            opts=self._opts(),
        )
        aws.iam.RolePolicyAttachment(
            child(name, "broker-ssm"),
            role=role.name,
            policy_arn=f"arn:{partition}:iam::aws:policy/AmazonSSMManagedInstanceCore",
            opts=pulumi.ResourceOptions(parent=role),
        )
        return aws.iam.InstanceProfile(
            child(name, "broker-profile"),
            role=role.name,
            tags=self._tags("broker-profile"),
            opts=pulumi.ResourceOptions(parent=role),
        )

    def _health_wait(
        self,
        node_id: int,
        instance: aws.ec2.Instance,
        group: aws.lb.TargetGroup,
        after: list[pulumi.Resource],
    ) -> pulumi.Resource:
        """``pulumi up`` fails unless broker ``node_id`` turns healthy behind the NLB in time, naming
        it and its cloud-init log. Runs again whenever the broker restarts or is replaced."""
        import pulumi_command as command

        s = self._settings
        script = render.render_health_wait(timeout_seconds=s.health_timeout_seconds)
        environment: dict[str, pulumi.Input[str]] = {
            "BROKER": str(node_id),
            "INSTANCE_ID": instance.id,
            "TARGET_GROUP_ARN": group.arn,
            "TARGET_PORT": str(s.ports.external),
            "AWS_REGION": s.region,
            # what restarts the broker: a change re-runs the wait before the next broker is touched
            "BROKER_INSTANCE_TYPE": s.instance_type,
        }
        profile = pulumi.Config("aws").get("profile")
        if profile:
            environment["AWS_PROFILE"] = profile
        return command.local.Command(
            child(self._name, "broker", node_id, "healthy"),
            create=script,
            update=script,
            environment=environment,
            interpreter=["/bin/bash", "-c"],
            opts=pulumi.ResourceOptions(parent=instance, depends_on=after),
        )

    def _bastion(
        self, sg: aws.ec2.SecurityGroup, public: aws.ec2.Subnet, ami: pulumi.Input[str]
    ) -> aws.ec2.Instance:
        return aws.ec2.Instance(
            child(self._name, "bastion"),
            ami=ami,
            instance_type=BASTION_INSTANCE_TYPES[architecture(self._settings.instance_type)],
            subnet_id=public.id,
            vpc_security_group_ids=[sg.id],
            associate_public_ip_address=True,
            key_name=self._settings.key_name,
            metadata_options=IMDSV2_ONLY,
            root_block_device={"encrypted": True, "volume_type": "gp3", "delete_on_termination": True},
            tags=self._tags("bastion"),
            opts=self._instance_options(),
        )

    def _rolling_apply(self, ssh: BrokerSsh) -> None:
        """One ``remote.Command`` per existing broker, each depending on the previous one."""
        import pulumi_command as command

        s = self._settings
        key = pulumi.Output.secret(ssh.private_key)
        proxy = None
        if ssh.bastion_host:
            proxy = command.remote.ProxyConnectionArgs(
                host=ssh.bastion_host, user=ssh.bastion_user or ssh.user, private_key=key
            )
        previous: list[pulumi.Resource] = []
        for broker in sorted(s.existing, key=lambda b: b.node_id):
            n = broker.node_id
            script = render.render_apply_script(
                node_id=n,
                additions=self._external_additions(n),
                config_path=ssh.config_path,
                restart_command=ssh.restart_command,
                kafka_home=ssh.kafka_home,
                ports=s.ports,
                private_ip=broker.private_ip,
                wait_seconds=ssh.wait_seconds,
            )
            connection = command.remote.ConnectionArgs(
                host=broker.private_ip, user=ssh.user, private_key=key, proxy=proxy
            )
            applied = command.remote.Command(
                child(self._name, "apply", n),
                connection=connection,
                create=script,
                triggers=[script],
                opts=pulumi.ResourceOptions(parent=self, depends_on=previous),
            )
            previous = [applied]

    def _listeners(
        self, nlb: aws.lb.LoadBalancer, vpc_id: pulumi.Input[str]
    ) -> dict[str, aws.lb.TargetGroup]:
        """The port map: one TCP target group and listener per mapping, targets on EXTERNAL.
        Returns the target groups by mapping key ("bootstrap" or the node id as text)."""
        name = self._name
        under_nlb = pulumi.ResourceOptions(parent=nlb)
        groups: dict[str, aws.lb.TargetGroup] = {}
        for mapping in render.port_map(self._settings.node_ids, self._settings.ports):
            key = _group_label(mapping.key)
            group = aws.lb.TargetGroup(
                child(name, "tg", key),
                name=self._elb_names.target_groups[mapping.key],
                port=mapping.target_port,
                protocol="TCP",
                target_type="instance",
                vpc_id=vpc_id,
                deregistration_delay=30,
                health_check={
                    "enabled": True,
                    "protocol": "TCP",
                    "port": "traffic-port",
                    "interval": 10,
                    "healthy_threshold": 3,
                    "unhealthy_threshold": 3,
                },
                tags={**self._tags(f"tg-{key}"), "crossnet:nlb-port": str(mapping.nlb_port)},
                opts=pulumi.ResourceOptions(parent=nlb, ignore_changes=KEEP_DEPLOYED_NAME),
            )
            groups[mapping.key] = group
            aws.lb.Listener(
                child(name, "listener", key),
                load_balancer_arn=nlb.arn,
                port=mapping.nlb_port,
                protocol="TCP",
                default_actions=[{"type": "forward", "target_group_arn": group.arn}],
                tags=self._tags(f"listener-{key}"),
                opts=under_nlb,
            )
        return groups

    def _attach(
        self, groups: Mapping[str, aws.lb.TargetGroup], node_id: int, instance_id: pulumi.Input[str]
    ) -> list[aws.lb.TargetGroupAttachment]:
        """Broker ``node_id`` behind the bootstrap target group and its own, on its EXTERNAL port."""
        return [
            aws.lb.TargetGroupAttachment(
                child(self._name, "tg", _group_label(key), "broker", node_id),
                target_group_arn=groups[key].arn,
                target_id=instance_id,
                port=self._settings.ports.external,
                opts=pulumi.ResourceOptions(parent=groups[key]),
            )
            for key in ("bootstrap", str(node_id))
        ]


def architecture(instance_type: str) -> str:
    """``arm64`` for Graviton types (a ``g`` among the attributes after the generation: m7g, c6gn,
    im4gn, x2gd, is4gen, g5g; and a1), else ``x86_64`` (m6i, g4dn, m7i-flex)."""
    match = re.match(r"([a-z]+)(\d+)([a-z]*)", instance_type.split(".", 1)[0])
    if match is None:
        return "x86_64"
    family, _, attributes = match.groups()
    return "arm64" if family == "a" or "g" in attributes else "x86_64"


def _group_label(key: str) -> str:
    """The resource-name part of a port map key: ``bootstrap``, or ``broker-<node id>``."""
    return key if key == "bootstrap" else f"broker-{key}"


def _first_security_group(group_ids: Sequence[str] | None, instance_id: str) -> str:
    if not group_ids:
        raise ValueError(
            f"existing_brokers: instance {instance_id} has no VPC security group; "
            "pass broker_security_group_id"
        )
    return group_ids[0]


def _partition(region: str) -> str:
    """The ARN partition of ``region``."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _all_egress() -> aws.ec2.SecurityGroupEgressArgs:
    return aws.ec2.SecurityGroupEgressArgs(
        protocol="-1",
        from_port=0,
        to_port=0,
        cidr_blocks=[EVERYWHERE],
        description="outbound (packages, Kafka download, NLB return traffic)",
    )


def _zone_names(
    zone_ids: Sequence[str], names: Sequence[str], settings: Settings, provider_region: str | None
) -> dict[str, str]:
    if provider_region and provider_region != settings.region:
        raise ValueError(
            f"opts.providers['aws'] is for region {provider_region!r}, but region is "
            f"{settings.region!r}: pass a provider for {settings.region} or none"
        )
    mapping = dict(zip(zone_ids, names, strict=True))
    missing = [a for a in settings.az_ids if a not in mapping]
    if missing:
        raise ValueError(
            f"az_ids: {', '.join(missing)} not offered in {settings.region} for this account "
            f"(available: {', '.join(sorted(mapping))})"
        )
    return {a: mapping[a] for a in settings.az_ids}


def _subnet_cidr_in(subnet: Any, az_id: str) -> str:
    if subnet.availability_zone_id and subnet.availability_zone_id != az_id:
        raise ValueError(f"subnet_ids.{az_id}: subnet {subnet.id} is in {subnet.availability_zone_id}")
    return subnet.cidr_block


def _passed_aws_provider(opts: pulumi.ResourceOptions | None) -> pulumi.ProviderResource | None:
    if opts is None or not opts.providers:
        return None
    providers = opts.providers
    if isinstance(providers, Mapping):
        return providers.get("aws")
    return next((p for p in providers if getattr(p, "package", None) == "aws"), None)
