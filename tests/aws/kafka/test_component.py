"""KafkaPrivateLinkCluster on the mock runtime: the recorded graph and resolved outputs."""

from __future__ import annotations

import base64
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from components import KafkaPrivateLinkCluster, ValidationError
from components.aws.kafka import render
from plan.answers.common import aws_zones
from tests.aws.kafka.graph import (
    BASE_ARGS,
    COMPONENT,
    INSTANCE,
    LB,
    LISTENER,
    SERVICE,
    SUBNET,
    TG,
    routes,
)

WEST2 = {"aws:region": "us-west-2"}


def build(
    runtime_factory: Any, preview: bool = False, **overrides: Any
) -> tuple[Any, KafkaPrivateLinkCluster]:
    rt = runtime_factory(config=WEST2, preview=preview)
    cluster = KafkaPrivateLinkCluster("kafka", {**BASE_ARGS, **overrides})  # type: ignore[typeddict-item]
    rt.settle()
    return rt, cluster


def test_subnets_sit_in_the_az_names_the_account_maps_the_az_ids_to(runtime_factory):
    rt, cluster = build(runtime_factory)
    account = dict((zone_id, zone_name) for zone_name, zone_id in aws_zones("us-west-2"))
    # The mock rotates the mapping: assuming "<region>a" is az1 would fail here.
    assert account["usw2-az1"] != "us-west-2a"
    subnets = {r.name: r for r in rt.of_type(SUBNET)}
    for az_id in BASE_ARGS["az_ids"]:
        subnet = subnets[f"kafka-subnet-{az_id}"]
        assert subnet.inputs["availabilityZone"] == account[az_id]
        assert subnet.inputs["mapPublicIpOnLaunch"] is False
    assert rt.value(cluster.az_names) == {a: account[a] for a in BASE_ARGS["az_ids"]}
    lookups = [
        args
        for token, args in rt.mocks.calls
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones"
    ]
    assert lookups, "AZ names must come from a lookup"
    cidrs = [subnets[f"kafka-subnet-{a}"].inputs["cidrBlock"] for a in BASE_ARGS["az_ids"]]
    assert cidrs == ["10.0.32.0/19", "10.0.64.0/19", "10.0.96.0/19"]  # slot = the AZ number


def test_nlb_deletion_protection_is_turned_off_only_by_the_named_input(runtime_factory):
    rt, _ = build(runtime_factory, nlb_deletion_protection=False)
    assert rt.one(LB).inputs["enableDeletionProtection"] is False


def test_everything_goes_through_an_explicit_provider_for_the_region(runtime_factory):
    rt, _ = build(runtime_factory)
    provider = rt.one("pulumi:providers:aws")
    assert provider.inputs["region"] == "us-west-2"
    assert provider.parent == rt.one(COMPONENT).urn
    for resource in rt.resources:
        if resource.custom and not resource.is_provider and resource.type.startswith("aws:"):
            # direct children name the provider; grandchildren inherit it
            assert resource.provider_urn == provider.urn, resource.name


def test_a_passed_provider_is_used_instead_of_creating_one(runtime_factory):
    rt = runtime_factory(config=WEST2)
    mine = aws.Provider("mine", region="us-west-2")
    KafkaPrivateLinkCluster(
        "kafka",
        dict(BASE_ARGS),  # type: ignore[arg-type]
        pulumi.ResourceOptions(providers={"aws": mine}),
    )
    rt.settle()
    assert [p.name for p in rt.of_type("pulumi:providers:aws")] == ["mine"]
    assert rt.one(INSTANCE, "kafka-broker-1").provider_urn == rt.one("pulumi:providers:aws").urn


def test_broker_instances_are_private_imdsv2_encrypted_and_spread_over_az_ids_in_order(runtime_factory):
    rt, cluster = build(runtime_factory, broker_count=5)
    subnet_by_id = {r.id: r for r in rt.of_type(SUBNET)}
    broker_sg = rt.one("aws:ec2/securityGroup:SecurityGroup", "kafka-broker-sg")
    ips = rt.value(cluster.broker_private_ips)
    for n in range(1, 6):
        broker = rt.one(INSTANCE, f"kafka-broker-{n}")
        assert broker.inputs["metadataOptions"]["httpTokens"] == "required"
        assert broker.inputs["rootBlockDevice"]["encrypted"] is True
        assert broker.inputs["associatePublicIpAddress"] is False
        assert broker.inputs["vpcSecurityGroupIds"] == [broker_sg.id]
        expected_az = BASE_ARGS["az_ids"][(n - 1) % 3]
        assert subnet_by_id[broker.inputs["subnetId"]].name == f"kafka-subnet-{expected_az}"
        assert broker.inputs["privateIp"] == ips[str(n)]
        assert broker.ignore_changes == ["ami", "userData"]
    assert ips["4"] == "10.0.32.14" and ips["2"] == "10.0.64.12"


def test_user_data_carries_each_brokers_rendered_config(runtime_factory):
    rt, cluster = build(runtime_factory)
    properties = rt.value(cluster.server_properties)
    cluster_id = render.cluster_id("kafka")
    assert len(cluster_id) == 22 and len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
    for n in (1, 2, 3):
        user_data = rt.one(INSTANCE, f"kafka-broker-{n}").inputs["userData"]
        assert user_data.startswith("#!/bin/bash\n")
        assert properties[str(n)].rstrip() in user_data
        assert f"node.id={n}\n" in user_data
        assert f"readonly CLUSTER_ID={cluster_id}" in user_data
        assert 'kafka-storage.sh" \\\n  format --cluster-id="$CLUSTER_ID"' in user_data
        assert "systemctl enable --now kafka.service" in user_data
        assert "https://archive.apache.org/dist/kafka/4.1.1/kafka_2.13-4.1.1.tgz" in user_data


def test_security_groups_open_kafka_ports_only_inside_the_vpc(runtime_factory):
    rt, _ = build(runtime_factory)
    sg = rt.one("aws:ec2/securityGroup:SecurityGroup", "kafka-broker-sg")
    ports = sorted(rule["fromPort"] for rule in sg.inputs["ingress"])
    assert ports == [9092, 29092, 39092]
    assert all(rule["cidrBlocks"] == ["10.0.0.0/16"] for rule in sg.inputs["ingress"])
    assert all(rule["fromPort"] == rule["toPort"] for rule in sg.inputs["ingress"])
    assert not rt.of_type("aws:ec2/instance:Instance") or not any(
        r.name == "kafka-bastion" for r in rt.of_type(INSTANCE)
    )


def test_bastion_gets_a_public_subnet_igw_and_ssh_only_from_the_given_cidrs(runtime_factory):
    rt, cluster = build(runtime_factory, bastion=True, ssh_ingress_cidrs=["203.0.113.0/24"])
    bastion = rt.one(INSTANCE, "kafka-bastion")
    assert bastion.inputs["associatePublicIpAddress"] is True
    assert bastion.inputs["metadataOptions"]["httpTokens"] == "required"
    public = rt.one(SUBNET, "kafka-public-subnet")
    assert bastion.inputs["subnetId"] == public.id and public.inputs["cidrBlock"] == "10.0.0.0/19"
    igw = rt.one("aws:ec2/internetGateway:InternetGateway")
    public_rt = rt.one("aws:ec2/routeTable:RouteTable", "kafka-public-rt")
    assert public_rt.inputs["routes"] == [{"cidrBlock": "0.0.0.0/0", "gatewayId": igw.id}]
    assoc = rt.one("aws:ec2/routeTableAssociation:RouteTableAssociation", "kafka-public-rta")
    assert assoc.inputs == {"subnetId": public.id, "routeTableId": public_rt.id}
    bastion_sg = rt.one("aws:ec2/securityGroup:SecurityGroup", "kafka-bastion-sg")
    assert [(r["fromPort"], r["cidrBlocks"]) for r in bastion_sg.inputs["ingress"]] == [
        (22, ["203.0.113.0/24"])
    ]
    broker_sg = rt.one("aws:ec2/securityGroup:SecurityGroup", "kafka-broker-sg")
    ssh = [r for r in broker_sg.inputs["ingress"] if r["fromPort"] == 22]
    assert ssh == [
        {
            "protocol": "tcp",
            "fromPort": 22,
            "toPort": 22,
            "securityGroups": [bastion_sg.id],
            "description": "SSH from the bastion",
        }
    ]
    assert rt.value(cluster.bastion_public_ip) == bastion.outputs["publicIp"]


def test_nlb_is_internal_cross_zone_with_a_bootstrap_and_one_listener_per_broker(runtime_factory):
    rt, cluster = build(runtime_factory)
    nlb = rt.one(LB)
    assert nlb.inputs["internal"] is True and nlb.inputs["loadBalancerType"] == "network"
    assert nlb.inputs["enableCrossZoneLoadBalancing"] is True
    assert nlb.inputs["enableDeletionProtection"] is True  # the secure default (checkov CKV_AWS_150)
    subnet_ids = {r.name: r.id for r in rt.of_type(SUBNET)}
    assert nlb.inputs["subnets"] == [subnet_ids[f"kafka-subnet-{a}"] for a in BASE_ARGS["az_ids"]]
    ips = rt.value(cluster.broker_private_ips)
    table = {route.nlb_port: route for route in routes(rt)}
    assert sorted(table) == [9092, 9093, 9094, 9095]
    assert table[9092].targets == tuple((f"kafka-broker-{n}", ips[str(n)], 39092) for n in (1, 2, 3))
    for n in (1, 2, 3):
        assert table[9092 + n].targets == ((f"kafka-broker-{n}", ips[str(n)], 39092),)
        assert table[9092 + n].target_group == f"kafka-tg-broker-{n}"
    for group in rt.of_type(TG):
        assert group.inputs["protocol"] == "TCP" and group.inputs["port"] == 39092
        assert group.inputs["healthCheck"]["protocol"] == "TCP"
        assert group.inputs["targetType"] == "instance"
    assert rt.value(cluster.nlb_dns_name) == nlb.outputs["dnsName"]
    assert rt.value(cluster.bootstrap_port) == 9092
    assert rt.value(cluster.advertised_listeners) == {
        str(n): f"b{n}.{BASE_ARGS['az_ids'][n - 1]}.abc123.us-west-2.aws.3199015.tidbcloud.com:{9092 + n}"
        for n in (1, 2, 3)
    }


def test_endpoint_service_requires_acceptance_and_allows_only_the_principals(runtime_factory):
    principals = ["arn:aws:iam::380838443567:root", "arn:aws:iam::111122223333:role/changefeed"]
    rt, cluster = build(runtime_factory, allowed_principals=principals)
    service = rt.one(SERVICE)
    assert service.inputs["acceptanceRequired"] is True
    assert service.inputs["allowedPrincipals"] == principals
    assert service.inputs["networkLoadBalancerArns"] == [rt.one(LB).outputs["arn"]]
    assert "privateDnsName" not in service.inputs
    name = rt.value(cluster.endpoint_service_name)
    assert name == f"com.amazonaws.vpce.us-west-2.{service.id}" and service.id.startswith("vpce-svc-")
    assert rt.value(cluster.endpoint_service_id) == service.id


def test_acceptance_can_be_switched_off_by_name(runtime_factory):
    rt, _ = build(runtime_factory, acceptance_required=False)
    assert rt.one(SERVICE).inputs["acceptanceRequired"] is False


def test_port_overrides_flow_to_listeners_configs_and_security_group(runtime_factory):
    rt, cluster = build(
        runtime_factory,
        bootstrap_port=19092,
        broker_port_base=19101,
        external_port=49092,
        internal_port=19092,
        controller_port=29093,
        broker_count=2,
        controller_count=1,
    )
    assert {r.nlb_port: r.targets[0][2] for r in routes(rt)} == {19092: 49092, 19101: 49092, 19102: 49092}
    props = render.parse_properties(rt.value(cluster.server_properties)["2"])
    assert props["advertised.listeners"].endswith(":19102")
    assert "EXTERNAL://0.0.0.0:49092" in props["listeners"]


def test_existing_vpc_and_subnets_are_used_without_creating_a_network(runtime_factory):
    subnets = {"usw2-az1": "subnet-0aaaaaaaaaaaaaaa1", "usw2-az2": "subnet-0aaaaaaaaaaaaaaa2"}
    rt, cluster = build(
        runtime_factory,
        az_ids=["usw2-az1", "usw2-az2"],
        vpc_id="vpc-0123456789abcdef0",
        subnet_ids=subnets,
        broker_count=2,
        controller_count=1,
    )
    assert not rt.of_type("aws:ec2/vpc:Vpc") and not rt.of_type(SUBNET)
    assert not rt.of_type("aws:ec2/natGateway:NatGateway")
    assert rt.one(INSTANCE, "kafka-broker-2").inputs["subnetId"] == subnets["usw2-az2"]
    assert rt.one(LB).inputs["subnets"] == [subnets["usw2-az1"], subnets["usw2-az2"]]
    vpc_cidr = next(a for t, a in rt.mocks.calls if t == "aws:ec2/getVpc:getVpc")
    assert vpc_cidr == {"id": "vpc-0123456789abcdef0"}
    sg = rt.one("aws:ec2/securityGroup:SecurityGroup", "kafka-broker-sg")
    assert sg.inputs["vpcId"] == "vpc-0123456789abcdef0"
    assert all(r["cidrBlocks"][0].endswith(".0.0/16") for r in sg.inputs["ingress"])
    ips = rt.value(cluster.broker_private_ips)
    props = render.parse_properties(rt.value(cluster.server_properties)["1"])
    assert props["controller.quorum.voters"] == f"1@{ips['1']}:29092"


def test_reconfigure_path_builds_only_the_nlb_and_service_and_emits_listener_settings(runtime_factory):
    existing = [
        {"instance_id": "i-0aaaaaaaaaaaaaaa2", "private_ip": "10.1.2.20", "az_id": "usw2-az2", "node_id": 2},
        {"instance_id": "i-0aaaaaaaaaaaaaaa1", "private_ip": "10.1.1.10", "az_id": "usw2-az1", "node_id": 1},
    ]
    rt, cluster = build(
        runtime_factory,
        az_ids=["usw2-az1", "usw2-az2"],
        vpc_id="vpc-0123456789abcdef0",
        subnet_ids={"usw2-az1": "subnet-0aaaaaaaaaaaaaaa1", "usw2-az2": "subnet-0aaaaaaaaaaaaaaa2"},
        existing_brokers=existing,
    )
    types = {r.type for r in rt.resources if r.custom and not r.is_provider}
    assert types == {
        LB,
        TG,
        LISTENER,
        "aws:lb/targetGroupAttachment:TargetGroupAttachment",
        SERVICE,
        "command:local:Command",  # the layout guard: no AZ ID of the NLB may be dropped
        "aws:ec2/securityGroupRule:SecurityGroupRule",  # EXTERNAL open to the NLB
    }
    table = {route.nlb_port: route.targets for route in routes(rt)}
    assert table == {
        9092: (("i-0aaaaaaaaaaaaaaa1", "", 39092), ("i-0aaaaaaaaaaaaaaa2", "", 39092)),
        9093: (("i-0aaaaaaaaaaaaaaa1", "", 39092),),
        9094: (("i-0aaaaaaaaaaaaaaa2", "", 39092),),
    }
    assert all(g.inputs["vpcId"] == "vpc-0123456789abcdef0" for g in rt.of_type(TG))
    settings = rt.value(cluster.listener_settings)
    second = render.parse_properties(settings["2"])
    # only the EXTERNAL entries to append: no controller settings, no listener names
    assert second == {
        "listeners": "EXTERNAL://0.0.0.0:39092",
        "listener.security.protocol.map": "EXTERNAL:PLAINTEXT",
        "advertised.listeners": "EXTERNAL://b2.usw2-az2.abc123.us-west-2.aws.3199015.tidbcloud.com:9094",
    }
    assert rt.value(cluster.server_properties) == settings
    assert rt.value(cluster.restart_order) == ["1", "2"]
    assert rt.value(cluster.broker_private_ips) == {"1": "10.1.1.10", "2": "10.1.2.20"}


def test_outputs_are_known_in_preview_where_aws_would_know_them(runtime_factory):
    rt, cluster = build(runtime_factory, preview=True)
    # rendered from plain values and the AZ lookup: known before anything exists
    assert "node.id=1" in rt.value(cluster.server_properties)["1"]
    assert set(rt.value(cluster.advertised_listeners)) == {"1", "2", "3"}
    assert rt.one(INSTANCE, "kafka-broker-1").inputs["userData"].startswith("#!/bin/bash")


def test_validation_fails_before_any_resource_is_registered(runtime_factory):
    rt = runtime_factory(config=WEST2)
    with pytest.raises(ValidationError):
        KafkaPrivateLinkCluster("kafka", {**BASE_ARGS, "unique_name": "ABC"})  # type: ignore[typeddict-item]
    rt.settle()
    assert rt.resources == []


def test_broker_ssh_applies_the_settings_one_broker_at_a_time_with_a_secret_key(runtime_factory):
    existing = [
        {
            "instance_id": f"i-0aaaaaaaaaaaaaaa{n}",
            "private_ip": f"10.1.{n}.10",
            "az_id": "usw2-az1",
            "node_id": n,
        }
        for n in (3, 1, 2)
    ]
    key = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
    rt, cluster = build(
        runtime_factory,
        az_ids=["usw2-az1"],
        vpc_id="vpc-0123456789abcdef0",
        subnet_ids={"usw2-az1": "subnet-0aaaaaaaaaaaaaaa1"},
        existing_brokers=existing,
        broker_ssh={"user": "ec2-user", "private_key": key, "bastion_host": "198.51.100.7"},
    )
    commands = [rt.one("command:remote:Command", f"kafka-apply-{n}") for n in (1, 2, 3)]
    settings = rt.value(cluster.listener_settings)
    assert rt.value(cluster.restart_order) == ["1", "2", "3"]
    for n, cmd in enumerate(commands, start=1):
        connection = cmd.inputs["connection"]
        assert connection["host"] == f"10.1.{n}.10" and connection["user"] == "ec2-user"
        assert connection["proxy"]["host"] == "198.51.100.7"
        assert "connection" in cmd.secret_inputs  # it carries the private key
        body = render.parse_properties(settings[str(n)])
        assert body["advertised.listeners"] in cmd.inputs["create"]
        assert "sudo systemctl restart kafka" in cmd.inputs["create"]
        # each broker waits for the previous one (the rolling restart)
        expected = [commands[n - 2].urn] if n > 1 else []
        assert cmd.dependencies == expected


def test_apply_script_passes_shellcheck(tmp_path):
    import shutil
    import subprocess

    values = render.external_additions(node_id=4, external_host="b4.x.y", ports=render.Ports())
    script = tmp_path / "apply.sh"
    script.write_text(
        render.render_apply_script(
            node_id=4,
            additions=values,
            config_path="/opt/kafka/config/server.properties",
            restart_command="sudo systemctl restart kafka",
            kafka_home="/opt/kafka",
            ports=render.Ports(),
            private_ip="10.1.1.10",
        )
    )
    shellcheck = shutil.which("shellcheck")
    assert shellcheck
    result = subprocess.run(
        [shellcheck, "-S", "style", str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout


RUN_TO_ERROR = """
import json, sys
import pulumi, pulumi_aws as aws
from plan.runtime import MockRuntime
from components import KafkaPrivateLinkCluster
args, region = json.loads(sys.argv[1]), sys.argv[2]
with MockRuntime(config={"aws:region": "us-west-2"}) as rt:
    opts = pulumi.ResourceOptions(providers=[aws.Provider("p", region=region)]) if region else None
    KafkaPrivateLinkCluster("kafka", args, opts)
    try:
        rt.settle()
    except ValueError as error:
        print("RUN FAILED:", str(error).splitlines()[-1])
"""


def settle_error(args: dict, provider_region: str = "") -> str:
    """Run the component to its failure in a separate process (a run that fails inside the engine's
    futures leaves unretrieved futures behind, which must not leak into other tests)."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    result = subprocess.run(
        [sys.executable, "-c", RUN_TO_ERROR, json.dumps(args), provider_region],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=root,
        check=False,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RUN FAILED:")]
    assert lines, result.stdout[-2000:] + result.stderr[-2000:]
    return lines[0]


def test_a_passed_provider_for_another_region_fails_the_run_naming_both():
    message = settle_error(dict(BASE_ARGS), provider_region="us-east-1")
    assert "opts.providers['aws'] is for region 'us-east-1', but region is 'us-west-2'" in message


def test_an_az_id_the_account_does_not_offer_fails_the_run_naming_it():
    # well-formed and of the region (so validation passes), but the lookup offers az1..az4 only
    message = settle_error({**BASE_ARGS, "az_ids": ["usw2-az1", "usw2-az5"]})
    assert "az_ids: usw2-az5 not offered in us-west-2 for this account" in message


def test_user_data_changes_never_stop_running_brokers(runtime_factory):
    """A user-data change would stop/start every broker at once and cloud-init would not rerun it:
    brokers ignore it (the engine name is recorded), with or without a pinned AMI; the
    ``server_properties`` output still shows the desired config."""
    rt, cluster = build(runtime_factory, ami_id="ami-0123456789abcdef0", broker_count=2, controller_count=1)
    for n in (1, 2):
        broker = rt.one(INSTANCE, f"kafka-broker-{n}")
        assert broker.ignore_changes == ["userData"]
        assert broker.inputs["ami"] == "ami-0123456789abcdef0"
        assert "node.id=" + str(n) in rt.value(cluster.server_properties)[str(n)]


@pytest.mark.parametrize(
    ("instance_type", "arch"),
    [
        ("m6i.large", "x86_64"),
        ("m7i-flex.large", "x86_64"),
        ("g4dn.xlarge", "x86_64"),
        ("g5.xlarge", "x86_64"),
        ("t3.micro", "x86_64"),
        ("m7g.large", "arm64"),
        ("c6gn.large", "arm64"),
        ("r8g.large", "arm64"),
        ("t4g.small", "arm64"),
        ("im4gn.large", "arm64"),
        ("x2gd.large", "arm64"),
        ("is4gen.large", "arm64"),
        ("g5g.xlarge", "arm64"),
        ("a1.large", "arm64"),
        ("hpc7g.4xlarge", "arm64"),
    ],
)
def test_architecture_follows_the_instance_family(instance_type, arch):
    from components.aws.kafka.component import architecture

    assert architecture(instance_type) == arch


@pytest.mark.parametrize(
    ("instance_type", "arch", "bastion_type"),
    [("m7g.large", "arm64", "t4g.micro"), ("m6i.large", "x86_64", "t3.micro")],
)
def test_ami_lookup_and_bastion_match_the_brokers_architecture(
    runtime_factory, instance_type, arch, bastion_type
):
    rt, _ = build(
        runtime_factory, instance_type=instance_type, bastion=True, ssh_ingress_cidrs=["203.0.113.0/24"]
    )
    lookups = [args for token, args in rt.mocks.calls if token == "aws:ec2/getAmi:getAmi"]
    assert len(lookups) == 1
    filters = {f["name"]: f["values"] for f in lookups[0]["filters"]}
    assert filters == {"name": [f"al2023-ami-2023.*-{arch}"], "architecture": [arch]}
    assert rt.one(INSTANCE, "kafka-broker-1").inputs["instanceType"] == instance_type
    assert rt.one(INSTANCE, "kafka-bastion").inputs["instanceType"] == bastion_type
    assert rt.one(INSTANCE, "kafka-bastion").inputs["ami"] == rt.one(INSTANCE, "kafka-broker-1").inputs["ami"]


ELB_NAME = r"(?!internal-)[A-Za-z0-9]([A-Za-z0-9-]{0,30}[A-Za-z0-9])?"


def test_load_balancer_and_target_group_names_are_explicit_and_within_aws_limits(runtime_factory):
    import re

    rt = runtime_factory(config=WEST2)
    KafkaPrivateLinkCluster("tidb-kafka-production", {**BASE_ARGS, "broker_count": 12})  # type: ignore[typeddict-item]
    rt.settle()
    names = [rt.one(LB).inputs.get("name")] + [g.inputs.get("name") for g in rt.of_type(TG)]
    assert len(names) == 14 and len(set(names)) == 14, names
    for name in names:
        # AWS: at most 32 characters, letters, digits and hyphens, no hyphen at either end.
        assert isinstance(name, str) and re.fullmatch(ELB_NAME, name), name
    # Deterministic: the same component in the same stack gets the same names.
    from components.aws.kafka import names as kafka_names

    again = kafka_names.elb_names(
        "tidb-kafka-production", pulumi.get_project(), pulumi.get_stack(), range(1, 13)
    )
    assert set(names) == {again.nlb, *again.target_groups.values()}


def test_a_component_name_aws_cannot_use_in_load_balancer_names_is_refused(runtime):
    for bad in ("tidb_kafka", "internal-kafka"):
        with pytest.raises(ValidationError) as info:
            KafkaPrivateLinkCluster(bad, dict(BASE_ARGS))  # type: ignore[arg-type]
        assert info.value.fields == ["name"], str(info.value)
        assert repr(bad) in str(info.value)
    runtime.settle()
    assert runtime.resources == []


def _placement(rt: Any) -> dict[str, tuple[str, str, str]]:
    """Broker name -> (subnet name, private IP, node id) as recorded."""
    subnets = {r.id: r.name for r in rt.of_type(SUBNET)}
    return {
        b.name: (
            subnets[b.inputs["subnetId"]],
            b.inputs["privateIp"],
            b.inputs["tags"]["crossnet:kafka-node-id"],
        )
        for b in rt.of_type(INSTANCE)
        if "broker" in b.name
    }


def _voters(rt: Any, cluster: KafkaPrivateLinkCluster) -> dict[str, str]:
    props = rt.value(cluster.server_properties)
    return {n: render.parse_properties(text)["controller.quorum.voters"] for n, text in props.items()}


@pytest.mark.parametrize("count", [1, 3, 4])
def test_growing_a_small_cluster_keeps_its_controller_quorum(runtime_factory, count):
    # The same quorum before and after growth: one voter, broker 1 (old code gave broker 3 the
    # voters 1,2,3 while broker 1 kept its own).
    rt, cluster = build(runtime_factory, broker_count=count, controller_count=1)
    assert set(_voters(rt, cluster).values()) == {"1@10.0.32.11:29092"}
    roles = {
        n: render.parse_properties(t)["process.roles"] for n, t in rt.value(cluster.server_properties).items()
    }
    assert roles == {"1": "broker,controller", **{str(n): "broker" for n in range(2, count + 1)}}


def test_two_brokers_without_a_controller_count_are_refused(runtime):
    with pytest.raises(ValidationError) as info:
        KafkaPrivateLinkCluster("kafka", {**BASE_ARGS, "broker_count": 2})  # type: ignore[typeddict-item]
    assert "broker_count" in info.value.fields and "controller_count" in str(info.value)


PINNED = ["usw2-az1", "usw2-az2", "usw2-az1"]
PINNED_PLACEMENT = {
    "kafka-broker-1": ("kafka-subnet-usw2-az1", "10.0.32.11", "1"),
    "kafka-broker-2": ("kafka-subnet-usw2-az2", "10.0.64.12", "2"),
    "kafka-broker-3": ("kafka-subnet-usw2-az1", "10.0.32.13", "3"),
}
PINNED_VOTERS = "1@10.0.32.11:29092,2@10.0.64.12:29092,3@10.0.32.13:29092"


@pytest.mark.parametrize(
    ("az_ids", "broker_az_ids"),
    [
        (["usw2-az1", "usw2-az2"], PINNED),
        (["usw2-az1", "usw2-az2", "usw2-az3"], PINNED),  # an AZ ID added
        (["usw2-az3", "usw2-az2", "usw2-az1"], PINNED),  # and reordered
        (["usw2-az1", "usw2-az2", "usw2-az3"], [*PINNED, "usw2-az3"]),  # and a broker appended
    ],
    ids=["two", "added", "reordered", "grown"],
)
def test_adding_or_reordering_az_ids_moves_no_pinned_broker(runtime_factory, az_ids, broker_az_ids):
    rt, cluster = build(runtime_factory, az_ids=az_ids, broker_az_ids=broker_az_ids)
    placement = _placement(rt)
    assert {k: v for k, v in placement.items() if k in PINNED_PLACEMENT} == PINNED_PLACEMENT
    assert set(_voters(rt, cluster).values()) == {PINNED_VOTERS}
    if len(broker_az_ids) == 4:
        assert placement["kafka-broker-4"] == ("kafka-subnet-usw2-az3", "10.0.96.14", "4")


def test_a_pinned_broker_outside_az_ids_is_refused(runtime):
    with pytest.raises(ValidationError) as info:
        KafkaPrivateLinkCluster(
            "kafka",
            {
                **BASE_ARGS,
                "az_ids": ["usw2-az1", "usw2-az2"],
                "broker_az_ids": ["usw2-az1", "usw2-az2", "usw2-az3"],
            },  # type: ignore[typeddict-item]
        )
    assert info.value.fields == ["broker_az_ids[2]"], str(info.value)


def test_brokers_and_the_nlb_wait_for_the_layout_guard(runtime_factory):
    rt, _ = build(runtime_factory, broker_count=4)
    guard = rt.one("command:local:Command", "kafka-layout-guard")
    layout = guard.inputs["environment"]["CROSSNET_LAYOUT"].splitlines()
    assert layout[0] == "controllers 1,2,3"
    assert "broker 4 az=usw2-az1 ip=10.0.32.14" in layout
    assert guard.inputs["update"] == render.render_layout_guard_update("kafka")
    for n in range(1, 5):
        assert guard.urn in rt.one(INSTANCE, f"kafka-broker-{n}").dependencies
    assert guard.urn in rt.one(LB).dependencies


def test_the_default_kafka_is_a_supported_4x_release():
    from components.aws.kafka.args import DEFAULT_KAFKA_VERSION

    # 3.9 was the last 3.x line; Apache supports the newest releases (4.x, KRaft only). 4.1.1 is
    # served by Maven Central (checked with mvn dependency:get), which the integration test uses.
    assert DEFAULT_KAFKA_VERSION == "4.1.1"


def test_brokers_boot_only_after_their_subnet_routes_through_the_nat(runtime_factory):
    rt, _ = build(runtime_factory)
    route_table = rt.one("aws:ec2/routeTable:RouteTable", "kafka-private-rt")
    assert route_table.inputs["routes"][0]["cidrBlock"] == "0.0.0.0/0"
    for n, az in ((1, "usw2-az1"), (2, "usw2-az2"), (3, "usw2-az3")):
        association = rt.one("aws:ec2/routeTableAssociation:RouteTableAssociation", f"kafka-private-rta-{az}")
        deps = rt.one(INSTANCE, f"kafka-broker-{n}").dependencies
        assert association.urn in deps and route_table.urn in deps, n


VOLUME = "aws:ebs/volume:Volume"
VOLUME_ATTACHMENT = "aws:ec2/volumeAttachment:VolumeAttachment"
COMMAND = "command:local:Command"


def test_each_broker_keeps_its_log_dirs_on_a_volume_of_its_own(runtime_factory):
    rt, cluster = build(runtime_factory, data_volume_gb=500)
    account = dict((zone_id, zone_name) for zone_name, zone_id in aws_zones("us-west-2"))
    for n, az in ((1, "usw2-az1"), (2, "usw2-az2"), (3, "usw2-az3")):
        broker = rt.one(INSTANCE, f"kafka-broker-{n}")
        volume = rt.one(VOLUME, f"kafka-broker-{n}-data")
        # a sibling of the instance, not its root volume: replacing the instance keeps it
        assert volume.parent == rt.one(COMPONENT).urn
        assert volume.inputs["encrypted"] is True and volume.inputs["size"] == 500
        assert volume.inputs["type"] == "gp3" and volume.inputs["availabilityZone"] == account[az]
        attached = rt.one(VOLUME_ATTACHMENT, f"kafka-broker-{n}-data-attachment")
        assert attached.inputs["volumeId"] == volume.id and attached.inputs["instanceId"] == broker.id
        assert attached.inputs["deviceName"] == render.DATA_DEVICE
        assert attached.inputs["stopInstanceBeforeDetaching"] is True
        # a fixed IP cannot be held by two instances: the old one goes first
        assert broker.delete_before_replace and attached.delete_before_replace
        user_data = broker.inputs["userData"]
        assert f"readonly DATA_DEVICE={render.DATA_DEVICE}" in user_data
        assert user_data.index('mount "$DATA_MOUNT"') < user_data.index("kafka-storage.sh")
        props = render.parse_properties(rt.value(cluster.server_properties)[str(n)])
        assert props["log.dirs"].startswith(render.DATA_MOUNT + "/")


def test_brokers_have_an_instance_profile_for_ssm_only(runtime_factory):
    rt, _ = build(runtime_factory)
    role = rt.one("aws:iam/role:Role", "kafka-broker-role")
    assert '"ec2.amazonaws.com"' in role.inputs["assumeRolePolicy"]
    policies = [
        a.inputs["policyArn"] for a in rt.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    ]
    assert policies == ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]
    profile = rt.one("aws:iam/instanceProfile:InstanceProfile", "kafka-broker-profile")
    for n in (1, 2, 3):
        assert rt.one(INSTANCE, f"kafka-broker-{n}").inputs["iamInstanceProfile"] == profile.outputs["name"]


def test_up_waits_for_each_broker_to_be_healthy_and_brokers_follow_one_another(runtime_factory):
    rt, _ = build(runtime_factory, broker_count=4)
    groups = {g.name: g for g in rt.of_type(TG)}
    for n in range(1, 5):
        broker = rt.one(INSTANCE, f"kafka-broker-{n}")
        wait = rt.one(COMMAND, f"kafka-broker-{n}-healthy")
        env = wait.inputs["environment"]
        assert env["INSTANCE_ID"] == broker.id and env["BROKER"] == str(n)
        assert env["TARGET_GROUP_ARN"] == groups[f"kafka-tg-broker-{n}"].outputs["arn"]
        assert (
            wait.inputs["create"] == wait.inputs["update"] == render.render_health_wait(timeout_seconds=900)
        )
        attachments = [
            a.urn
            for a in rt.of_type("aws:lb/targetGroupAttachment:TargetGroupAttachment")
            if a.name.endswith(f"-broker-{n}")
        ]
        assert len(attachments) == 2 and set(attachments) <= set(wait.dependencies)
        if n > 1:
            # broker n starts (or restarts, or is replaced) only once broker n-1 is healthy again
            assert rt.one(COMMAND, f"kafka-broker-{n - 1}-healthy").urn in broker.dependencies


def test_the_health_wait_is_turned_off_only_by_name(runtime_factory):
    rt, _ = build(runtime_factory, broker_health_timeout_seconds=0)
    assert [c.name for c in rt.of_type(COMMAND)] == ["kafka-layout-guard"]


def test_the_explicit_provider_carries_the_stacks_aws_settings(runtime_factory):
    config = {
        **WEST2,
        "aws:profile": "kafka-deployer",
        "aws:allowedAccountIds": '["123456789012"]',
        "aws:assumeRoles": '[{"roleArn": "arn:aws:iam::123456789012:role/deployer"}]',
    }
    rt = runtime_factory(config=config)
    KafkaPrivateLinkCluster("kafka", dict(BASE_ARGS))  # type: ignore[arg-type]
    rt.settle()
    provider = rt.one("pulumi:providers:aws")
    assert provider.inputs["region"] == "us-west-2"
    assert provider.inputs["profile"] == "kafka-deployer"
    assert "123456789012" in str(provider.inputs["allowedAccountIds"])
    assert "arn:aws:iam::123456789012:role/deployer" in str(provider.inputs["assumeRoles"])


def test_brokers_are_rack_aware_and_close_idle_connections_before_the_nlb_does(runtime_factory):
    rt, cluster = build(runtime_factory, broker_count=4)
    for n, text in rt.value(cluster.server_properties).items():
        props = render.parse_properties(text)
        assert props["broker.rack"] == BASE_ARGS["az_ids"][(int(n) - 1) % 3]
        # an NLB drops a TCP flow idle for 350 s without telling either side
        assert int(props["connections.max.idle.ms"]) < 350_000


def test_broker_ips_take_an_offset_when_the_default_ones_are_taken(runtime_factory):
    rt, cluster = build(runtime_factory, broker_ip_offset=100)
    assert rt.value(cluster.broker_private_ips) == {
        "1": "10.0.32.101",
        "2": "10.0.64.102",
        "3": "10.0.96.103",
    }


EXISTING_VPC_ARGS: dict[str, Any] = {
    "az_ids": ["usw2-az1", "usw2-az2"],
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": {"usw2-az1": "subnet-0aaaaaaaaaaaaaaa1", "usw2-az2": "subnet-0aaaaaaaaaaaaaaa2"},
}


def test_brokers_in_an_existing_vpc_are_reachable_from_its_secondary_cidrs(runtime_factory):
    rt, _ = build(runtime_factory, **EXISTING_VPC_ARGS, broker_count=3)
    vpc = next(a for t, a in rt.mocks.calls if t == "aws:ec2/getVpc:getVpc")
    assert vpc["id"] == "vpc-0123456789abcdef0"
    sg = rt.one("aws:ec2/securityGroup:SecurityGroup", "kafka-broker-sg")
    for rule in sg.inputs["ingress"]:
        assert len(rule["cidrBlocks"]) == 2 and "100.64.0.0/20" in rule["cidrBlocks"], rule


def test_the_existing_broker_path_opens_the_external_port_in_the_brokers_security_group(runtime_factory):
    existing = [
        {"instance_id": "i-0aaaaaaaaaaaaaaa1", "private_ip": "10.1.1.10", "az_id": "usw2-az1", "node_id": 1},
    ]
    rt, _ = build(
        runtime_factory,
        **EXISTING_VPC_ARGS,
        existing_brokers=existing,
        broker_security_group_id="sg-0123456789abcdef0",
    )
    rules = rt.of_type("aws:ec2/securityGroupRule:SecurityGroupRule")
    assert len(rules) == 1
    rule = rules[0].inputs
    assert rule["securityGroupId"] == "sg-0123456789abcdef0" and rule["type"] == "ingress"
    assert rule["fromPort"] == rule["toPort"] == 39092 and rule["protocol"] == "tcp"
    assert "100.64.0.0/20" in rule["cidrBlocks"] and len(rule["cidrBlocks"]) == 2
    # the subnets are looked up, so one in another AZ than its key fails the run
    looked_up = {a["id"] for t, a in rt.mocks.calls if t == "aws:ec2/getSubnet:getSubnet"}
    assert looked_up == set(EXISTING_VPC_ARGS["subnet_ids"].values())


def test_without_a_group_id_the_rule_goes_to_the_first_brokers_own_group(runtime_factory):
    existing = [
        {
            "instance_id": f"i-0aaaaaaaaaaaaaaa{n}",
            "private_ip": f"10.1.1.1{n}",
            "az_id": "usw2-az1",
            "node_id": n,
        }
        for n in (2, 1)
    ]
    rt, _ = build(runtime_factory, **EXISTING_VPC_ARGS, existing_brokers=existing)
    lookups = [a for t, a in rt.mocks.calls if t == "aws:ec2/getInstance:getInstance"]
    assert [a["instanceId"] for a in lookups] == ["i-0aaaaaaaaaaaaaaa1"]
    rule = rt.one("aws:ec2/securityGroupRule:SecurityGroupRule").inputs
    assert rule["securityGroupId"].startswith("sg-") and rule["fromPort"] == 39092


def test_a_subnet_in_another_az_than_its_key_is_refused():
    from types import SimpleNamespace

    from components.aws.kafka.component import _subnet_cidr_in

    subnet = SimpleNamespace(id="subnet-1", availability_zone_id="usw2-az3", cidr_block="10.9.0.0/24")
    with pytest.raises(ValueError, match=r"subnet_ids\.usw2-az1: subnet subnet-1 is in usw2-az3"):
        _subnet_cidr_in(subnet, "usw2-az1")


@pytest.mark.parametrize(("version", "advertised"), [("4.1.1", True), ("3.9.1", True), ("3.8.1", False)])
def test_controllers_announce_their_private_ip_on_kafka_3_9_and_later(runtime_factory, version, advertised):
    # KIP-853 (3.9+): a voter announces its CONTROLLER endpoint; with only CONTROLLER://0.0.0.0 in
    # listeners it announces the host's canonical name, which other brokers may not resolve.
    # Before 3.9 a broker refuses a controller listener in advertised.listeners.
    rt, cluster = build(runtime_factory, broker_count=4, kafka_version=version)
    ips = rt.value(cluster.broker_private_ips)
    for n, text in rt.value(cluster.server_properties).items():
        props = render.parse_properties(text)
        entry = f"CONTROLLER://{ips[n]}:29092"
        assert (entry in props["advertised.listeners"]) is (advertised and n in {"1", "2", "3"}), n
