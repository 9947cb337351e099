"""Bad input: one ValidationError naming every bad field, raised before any resource exists."""

from __future__ import annotations

from typing import Any

import pytest

from components import KafkaPrivateLinkCluster, ValidationError
from tests.aws.kafka.graph import BASE_ARGS


def errors_for(runtime: Any, **overrides: Any) -> ValidationError:
    args = {**BASE_ARGS, **overrides}
    for key, value in overrides.items():
        if value is None:
            del args[key]
    with pytest.raises(ValidationError) as info:
        KafkaPrivateLinkCluster("kafka", args)  # type: ignore[arg-type]
    runtime.settle()
    assert runtime.resources == [], "nothing may be registered before validation passed"
    return info.value


def test_every_problem_is_reported_at_once_with_field_value_and_what_is_allowed(runtime):
    error = errors_for(
        runtime,
        unique_name="Abc-1",
        az_ids=["usw2-az1", "use1-az2", "usw2az3"],
        broker_count=50,
        allowed_principals=["380838443567", "arn:aws:iam::380838443567:root"],
        bastion=True,
        ssh_ingress_cidrs=["0.0.0.0/0"],
        bootstrap_port=9094,
    )
    # bootstrap_port is not judged while broker_count (which sets the broker ports) is invalid
    assert error.fields == [
        "az_ids[1]",
        "az_ids[2]",
        "unique_name",
        "allowed_principals[0]",
        "ssh_ingress_cidrs[0]",
        "broker_count",
    ]
    text = str(error)
    assert "unique_name: got 'Abc-1'; 1..63 lowercase letters and digits" in text
    assert "az_ids[1]: got 'use1-az2'; an AZ ID of region us-west-2 (starting with usw2-)" in text
    assert "az_ids[2]: got 'usw2az3'; an AZ ID such as usw2-az1" in text
    assert "broker_count: got 50; an integer from 1 to 49" in text
    assert "allowed_principals[0]: got '380838443567'; an IAM ARN" in text
    assert (
        "ssh_ingress_cidrs[0]: got '0.0.0.0/0'; SSH from the whole internet needs the explicit "
        "opt-in allow_world_ssh: true" in text
    )


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"az_ids": ["usw2-az1", "usw2-az8"]}, "az_ids[1]", "az1..az7"),
        ({"unique_name": "abc_123"}, "unique_name", "lowercase letters and digits"),
        ({"unique_name": "ABC123"}, "unique_name", "no uppercase"),
        ({"az_ids": ["usw2-az1", "usw2-az1"]}, "az_ids", "duplicated: usw2-az1"),
        ({"az_ids": []}, "az_ids", "a list of 1..6 strings"),
        ({"az_ids": ["usw2-az1"] + [f"usw2-az{i}" for i in range(2, 8)]}, "az_ids", "1..6"),
        ({"az_ids": ["euw1-az1"]}, "az_ids[0]", "region us-west-2"),
        ({"broker_count": 0}, "broker_count", "from 1 to 49"),
        ({"broker_count": True}, "broker_count", "from 1 to 49"),
        ({"allowed_principals": []}, "allowed_principals", "a list of at least 1"),
        ({"allowed_principals": None}, "allowed_principals", "required"),
        ({"allowed_principals": ["*"]}, "allowed_principals[0]", "an IAM ARN"),
        ({"allowed_principals": ["arn:aws:iam::12345:root"]}, "allowed_principals[0]", "an IAM ARN"),
        ({"bootstrap_port": 9093}, "bootstrap_port", "outside the broker ports 9093..9095"),
        ({"external_port": 9092}, "external_port", "different from internal_port"),
        ({"controller_port": 39092}, "controller_port", "different from external_port"),
        ({"broker_port_base": 65530, "broker_count": 10}, "broker_port_base", "at most 65535"),
        ({"bastion": True}, "ssh_ingress_cidrs", "no default"),
        ({"bastion": True, "ssh_ingress_cidrs": ["10.0.0.1/8"]}, "ssh_ingress_cidrs[0]", "zero host bits"),
        ({"ssh_ingress_cidrs": ["10.0.0.0/8"]}, "ssh_ingress_cidrs", "only with bastion"),
        ({"region": "uswest2"}, "region", "an AWS region name"),
        ({"region": None}, "region", "required"),
        ({"listener_domain_suffix": "Tidb_Cloud"}, "listener_domain_suffix", "DNS domain"),
        ({"vpc_cidr": "10.0.0.0/8"}, "vpc_cidr", "/16 to /21"),
        ({"vpc_id": "vpc-0123456789abcdef0"}, "subnet_ids", "required with vpc_id"),
        ({"kafka_version": "2.8.2"}, "kafka_version", "3.5 or later"),
        ({"kafka_download_url": "http://example.com/k.tgz"}, "kafka_download_url", "https://"),
        ({"colour": "blue"}, "colour", "unknown key"),
        ({"nlb_deletion_protection": "no"}, "nlb_deletion_protection", "true or false"),
        ({"nlb_deletion_protection": 0}, "nlb_deletion_protection", "true or false"),
        (
            {"broker_ssh": {"user": "ec2-user", "private_key": "-----BEGIN OPENSSH PRIVATE KEY-----"}},
            "broker_ssh",
            "only with existing_brokers",
        ),
        (
            {
                "existing_brokers": [
                    {
                        "instance_id": "i-0aaaaaaaaaaaaaaa1",
                        "private_ip": "10.0.0.1",
                        "az_id": "usw2-az9",
                        "node_id": 1,
                    }
                ]
            },
            "existing_brokers[0].az_id",
            "one of az_ids",
        ),
    ],
)
def test_each_bad_field_is_named(runtime, overrides, field, fragment):
    error = errors_for(runtime, **overrides)
    assert field in error.fields, str(error)
    assert fragment in str(error)


def test_port_collision_is_reported_alongside_other_problems(runtime):
    error = errors_for(runtime, unique_name="UPPER", broker_count=4, bootstrap_port=9096)
    assert error.fields == ["unique_name", "bootstrap_port"]
    assert "bootstrap_port: got 9096; a port outside the broker ports 9093..9096" in str(error)


def test_world_ssh_is_allowed_only_with_the_named_opt_in(runtime):
    KafkaPrivateLinkCluster(
        "kafka",
        {
            **BASE_ARGS,
            "bastion": True,  # type: ignore[typeddict-item]
            "ssh_ingress_cidrs": ["0.0.0.0/0"],
            "allow_world_ssh": True,
        },
    )
    runtime.settle()
    sg = runtime.one("aws:ec2/securityGroup:SecurityGroup", "kafka-bastion-sg")
    assert sg.inputs["ingress"][0]["cidrBlocks"] == ["0.0.0.0/0"]


def test_existing_brokers_with_duplicate_node_ids_are_rejected(runtime):
    broker = {
        "instance_id": "i-0aaaaaaaaaaaaaaa1",
        "private_ip": "10.0.0.1",
        "az_id": "usw2-az1",
        "node_id": 1,
    }
    error = errors_for(
        runtime,
        vpc_id="vpc-0123456789abcdef0",
        subnet_ids={a: "subnet-0aaaaaaaaaaaaaaa1" for a in BASE_ARGS["az_ids"]},
        existing_brokers=[broker, {**broker, "instance_id": "i-0aaaaaaaaaaaaaaa2", "private_ip": "10.0.0.2"}],
    )
    assert error.fields == ["existing_brokers[*].node_id"]


def test_an_existing_vpc_takes_any_az_number(runtime):
    from components.aws.kafka.args import validate
    from components.validation import Problems

    problems = Problems("kafka")
    settings = validate(
        {
            **BASE_ARGS,
            "az_ids": ["usw2-az8"],
            "vpc_id": "vpc-0123456789abcdef0",
            "subnet_ids": {"usw2-az8": "subnet-0aaaaaaaaaaaaaaa1"},
        },
        problems,
    )
    assert problems.items == [] and settings is not None


EXISTING_VPC: dict[str, Any] = {
    "vpc_id": "vpc-0123456789abcdef0",
    "subnet_ids": {a: f"subnet-0aaaaaaaaaaaaaaa{i}" for i, a in enumerate(BASE_ARGS["az_ids"], 1)},
}
EXISTING_BROKER: dict[str, Any] = {
    "instance_id": "i-0aaaaaaaaaaaaaaa1",
    "private_ip": "10.0.32.11",
    "az_id": "usw2-az1",
    "node_id": 1,
}
SSH: dict[str, Any] = {
    "user": "ec2-user",
    "private_key": "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----\n",
    "bastion_host": "198.51.100.7",
    "bastion_user": "ec2-user",
    "config_path": "/opt/kafka/config/server.properties",
    "kafka_home": "/opt/kafka",
    "restart_command": "sudo systemctl restart kafka",
    "wait_seconds": 600,
}
WITH_BASTION: dict[str, Any] = {"bastion": True, "ssh_ingress_cidrs": ["203.0.113.0/28"]}

# Every field that decides names, counts, placement or rendered text: (field path, base args).
PLAIN_FIELDS: list[tuple[str, dict[str, Any]]] = [
    *[
        (key, {})
        for key in (
            "region",
            "az_ids",
            "unique_name",
            "listener_domain_suffix",
            "allowed_principals",
            "broker_count",
            "kafka_version",
            "kafka_download_url",
            "instance_type",
            "ami_id",
            "key_name",
            "vpc_cidr",
            "nat_gateway",
            "acceptance_required",
            "nlb_deletion_protection",
            "bootstrap_port",
            "broker_port_base",
            "internal_port",
            "external_port",
            "controller_port",
            "tags",
            "controller_count",
            "broker_az_ids",
            "data_volume_gb",
            "broker_health_timeout_seconds",
            "broker_ip_offset",
        )
    ],
    ("kafka_sha512", {"kafka_download_url": "https://downloads.example.com/kafka.tgz"}),
    ("broker_security_group_id", {**EXISTING_VPC, "existing_brokers": [EXISTING_BROKER]}),
    ("bastion", {"ssh_ingress_cidrs": ["203.0.113.0/28"]}),
    ("ssh_ingress_cidrs", {"bastion": True}),
    ("allow_world_ssh", WITH_BASTION),
    ("vpc_id", {"subnet_ids": EXISTING_VPC["subnet_ids"]}),
    ("subnet_ids", {"vpc_id": EXISTING_VPC["vpc_id"]}),
    ("subnet_ids.usw2-az2", EXISTING_VPC),
    ("existing_brokers", EXISTING_VPC),
    *[
        (f"existing_brokers[0].{key}", {**EXISTING_VPC, "existing_brokers": [EXISTING_BROKER]})
        for key in EXISTING_BROKER
    ],
    ("broker_ssh", {**EXISTING_VPC, "existing_brokers": [EXISTING_BROKER]}),
    *[
        (f"broker_ssh.{key}", {**EXISTING_VPC, "existing_brokers": [EXISTING_BROKER], "broker_ssh": SSH})
        for key in SSH
        if key != "private_key"  # flows only into the command's connection: an Input
    ],
]
VALID_VALUES: dict[str, Any] = {
    "region": "us-west-2",
    "az_ids": BASE_ARGS["az_ids"],
    "unique_name": "abc123",
    "listener_domain_suffix": "3199015.tidbcloud.com",
    "allowed_principals": BASE_ARGS["allowed_principals"],
    "broker_count": 3,
    "kafka_version": "4.1.1",
    "kafka_download_url": "https://downloads.example.com/kafka.tgz",
    "instance_type": "m6i.large",
    "ami_id": "ami-0123456789abcdef0",
    "key_name": "ops",
    "vpc_cidr": "10.0.0.0/16",
    "nat_gateway": True,
    "acceptance_required": True,
    "nlb_deletion_protection": True,
    "bootstrap_port": 9092,
    "broker_port_base": 9093,
    "internal_port": 9092,
    "external_port": 39092,
    "controller_port": 29092,
    "tags": {"team": "data"},
    "controller_count": 3,
    "broker_az_ids": ["usw2-az1", "usw2-az2", "usw2-az3"],
    "data_volume_gb": 100,
    "broker_health_timeout_seconds": 900,
    "broker_ip_offset": 10,
    "kafka_sha512": "ab" * 64,
    "broker_security_group_id": "sg-0123456789abcdef0",
    "bastion": True,
    "ssh_ingress_cidrs": ["203.0.113.0/28"],
    "allow_world_ssh": False,
    "existing_brokers": [EXISTING_BROKER],
    "broker_ssh": SSH,
    **EXISTING_VPC,
}


def _with_output(args: dict[str, Any], path: str) -> dict[str, Any]:
    """``args`` with the value at ``path`` (``a.b``, ``a[0].b``) wrapped in an Output."""
    import copy

    import pulumi

    result = copy.deepcopy(args)
    head, _, rest = path.partition(".")
    if head.endswith("[0]"):
        key = head[:-3]
        item = result[key][0]
        item[rest] = pulumi.Output.from_input(item[rest])
    elif rest:
        result[head][rest] = pulumi.Output.from_input(result[head][rest])
    else:
        result[head] = pulumi.Output.from_input(result.get(head, VALID_VALUES[head]))
    return result


@pytest.mark.parametrize(("field", "extra"), PLAIN_FIELDS, ids=[f for f, _ in PLAIN_FIELDS])
def test_an_output_in_a_plain_field_is_refused_naming_the_field(runtime, field, extra):
    from components.validation import PLAIN

    args = _with_output({**BASE_ARGS, **extra}, field)
    error = errors_for(
        runtime, **{k: v for k, v in args.items() if k not in BASE_ARGS or v is not BASE_ARGS[k]}
    )
    assert field in error.fields, str(error)
    problem = next(p for p in error.problems if p.field == field)
    assert problem.allowed == PLAIN, str(error)


def test_the_ssh_private_key_may_be_an_output(runtime):
    import pulumi

    from components.aws.kafka.args import validate
    from components.validation import Problems

    problems = Problems("kafka")
    key = pulumi.Output.secret(SSH["private_key"])
    args = {
        **BASE_ARGS,
        **EXISTING_VPC,
        "existing_brokers": [EXISTING_BROKER],
        "broker_ssh": {**SSH, "private_key": key},
    }
    settings = validate(args, problems)
    assert problems.items == [] and settings is not None and settings.broker_ssh is not None
    assert settings.broker_ssh.private_key is key
