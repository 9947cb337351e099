"""Issue 14 item 9: the application's least-privilege role, made at deploy time, on the mock runtime.

What the bootstrap function does to PostgreSQL is tested on a real server in test_bootstrap_real.py.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from components.aws.aurora import AuroraGlobalDb, bootstrap, component
from plan.runtime import MockRuntime

T_FUNCTION = "aws:lambda/function:Function"
T_INVOCATION = "aws:lambda/invocation:Invocation"
T_SG = "aws:ec2/securityGroup:SecurityGroup"
T_EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
T_INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
ROLE = {"name": "keycloak_app", "schema": "keycloak"}


def build(runtime: MockRuntime, **extra: Any) -> AuroraGlobalDb:
    db = AuroraGlobalDb(
        "kc",
        {  # type: ignore[typeddict-item]
            "regions": ["us-east-1", "eu-west-1"],
            "global_cluster_identifier": "kc-global",
            "dns": {"zone_id": "Z0123456789ABC", "zone_name": "example.com"},
            "instances_per_region": 2,
            **extra,
        },
    )
    runtime.settle()
    return db


def region_of(runtime: MockRuntime, res: Any) -> str:
    return runtime.by_urn(res.provider_urn).inputs["region"]


def test_the_function_runs_in_the_first_regions_vpc_and_reaches_only_the_database(
    runtime: MockRuntime,
) -> None:
    build(runtime, application_role=ROLE)
    function = runtime.one(T_FUNCTION, "kc-us-east-1-bootstrap")
    assert region_of(runtime, function) == "us-east-1"
    subnets = [
        s.id for s in runtime.of_type("aws:ec2/subnet:Subnet") if s.name.startswith("kc-us-east-1-use1")
    ]
    assert len(subnets) == 3
    sg = runtime.one(T_SG, "kc-us-east-1-bootstrap")
    db_sg = runtime.one(T_SG, "kc-us-east-1-db")
    vpc_config = function.inputs["vpcConfig"]
    assert sorted(vpc_config["subnetIds"]) == sorted(subnets)
    assert vpc_config["securityGroupIds"] == [sg.id]
    assert sg.inputs["vpcId"] == runtime.one("aws:ec2/vpc:Vpc", "kc-us-east-1-vpc").id
    assert "egress" not in sg.inputs and "ingress" not in sg.inputs
    egress = runtime.one(T_EGRESS, "kc-us-east-1-bootstrap-postgres")
    assert egress.inputs == {
        "securityGroupId": sg.id,
        "referencedSecurityGroupId": db_sg.id,
        "ipProtocol": "tcp",
        "fromPort": 5432,
        "toPort": 5432,
        "description": "PostgreSQL to the Aurora cluster only",
    }
    ingress = runtime.one(T_INGRESS, "kc-us-east-1-db-from-bootstrap")
    assert (ingress.inputs["securityGroupId"], ingress.inputs["referencedSecurityGroupId"]) == (
        db_sg.id,
        sg.id,
    )
    assert (ingress.inputs["fromPort"], ingress.inputs["toPort"]) == (5432, 5432)
    assert runtime.of_type(T_EGRESS) == [egress]  # nothing else may leave the function's network

    code = function.inputs["code"]
    assert isinstance(code, pulumi.AssetArchive) and set(code.assets) == {"bootstrap.py"}
    assert code.assets["bootstrap.py"].path == str(component.BOOTSTRAP_FILE)
    assert function.inputs["handler"] == "bootstrap.handler"
    assert "environment" not in function.inputs  # no secret in the function's configuration
    # The function calls no AWS API: its policy holds its network interfaces and its own log group.
    policy = json.loads(
        runtime.one("aws:iam/rolePolicy:RolePolicy", "kc-us-east-1-bootstrap-policy").inputs["policy"]
    )
    actions = {a for st in policy["Statement"] for a in st["Action"]}
    assert {a.split(":")[0] for a in actions} == {"ec2", "logs", "sqs", "xray"}
    dlq = runtime.one("aws:sqs/queue:Queue", "kc-us-east-1-bootstrap-dlq")
    assert {st["Sid"]: st for st in policy["Statement"]}["DeadLetters"]["Resource"] == [dlq.outputs["arn"]]
    assert function.inputs["deadLetterConfig"] == {"targetArn": dlq.outputs["arn"]}
    assert function.inputs["tracingConfig"] == {"mode": "Active"}
    assert "reservedConcurrentExecutions" not in function.inputs
    assert not any(a.startswith(("rds", "secretsmanager", "ec2:Authorize", "iam")) for a in actions)
    log_group = runtime.one("aws:cloudwatch/logGroup:LogGroup", "kc-us-east-1-bootstrap-logs")
    by_sid = {st["Sid"]: st for st in policy["Statement"]}
    assert by_sid["Logs"]["Resource"] == [log_group.outputs["arn"] + ":*"]
    role_policy = runtime.one("aws:iam/rolePolicy:RolePolicy", "kc-us-east-1-bootstrap-policy")
    assert role_policy.urn in function.dependencies  # the ENI permissions exist before Lambda checks them


def test_the_invocation_carries_both_passwords_as_a_secret_after_the_writer_exists(
    runtime: MockRuntime,
) -> None:
    db = build(runtime, application_role=ROLE)
    run = runtime.one(T_INVOCATION, "kc-us-east-1-bootstrap-run")
    function = runtime.one(T_FUNCTION, "kc-us-east-1-bootstrap")
    assert region_of(runtime, run) == "us-east-1"
    assert run.inputs["functionName"] == function.outputs["name"]
    assert "input" in run.secret_inputs and "input" in run.additional_secret_outputs
    assert "lifecycleScope" not in run.inputs  # CREATE_ONLY: invoked on create and when the input changes
    event = json.loads(run.inputs["input"])
    primary = runtime.one("aws:rds/cluster:Cluster", "kc-us-east-1-cluster")
    password = runtime.value(db.application_role_password)
    assert event == {
        "host": primary.outputs["endpoint"],
        "port": 5432,
        "database": "keycloak",
        "master_username": "keycloak",
        "master_password": runtime.value(db.master_password),
        "role": "keycloak_app",
        "schema": "keycloak",
        "role_password": password,
        "region": "us-east-1",
        "sql": bootstrap.sql_digest(),
    }
    assert len(password) == 40 and password != runtime.value(db.master_password)
    assert runtime.is_secret(db.application_role_password)
    component_res = runtime.one("crossnet:index:AuroraGlobalDb")
    assert "application_role_password" in component_res.secret_component_outputs
    # The writer exists before the function connects, and so does the path through both groups.
    needs = {
        runtime.one("aws:rds/clusterInstance:ClusterInstance", f"kc-us-east-1-instance-{n}").urn
        for n in (1, 2)
    }
    needs |= {runtime.one(T_EGRESS).urn, runtime.one(T_INGRESS, "kc-us-east-1-db-from-bootstrap").urn}
    assert needs <= set(run.dependencies)
    secondaries = {
        i.urn for i in runtime.of_type("aws:rds/clusterInstance:ClusterInstance") if "eu-west-1" in i.name
    }
    assert not secondaries & set(run.dependencies)
    pw = runtime.one("random:index/randomPassword:RandomPassword", "kc-app-role-password")
    assert pw.inputs["special"] is False and {"result"} <= pw.secret_outputs


def test_the_function_reserves_one_where_the_account_can_reserve(runtime: MockRuntime) -> None:
    build(runtime, application_role=ROLE, failover_reserved_concurrency=2)
    assert runtime.one(T_FUNCTION, "kc-us-east-1-bootstrap").inputs["reservedConcurrentExecutions"] == 1


def test_a_ca_bundle_reaches_the_function(runtime: MockRuntime) -> None:
    from tests.aws.aurora.test_bootstrap_real import certificate

    bundle = certificate("Amazon RDS test CA")[0]
    build(runtime, application_role={**ROLE, "ca_bundle": bundle})
    event = json.loads(runtime.one(T_INVOCATION).inputs["input"])
    assert event["ca_pem"] == bundle


def test_the_function_waits_for_its_network_interfaces_on_destroy(runtime: MockRuntime) -> None:
    build(runtime, application_role=ROLE)
    assert runtime.one(T_SG, "kc-us-east-1-bootstrap").custom_timeouts.get("delete") == "45m"


def test_the_invocation_changes_with_what_the_function_does_to_the_database_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A release that changes the SQL runs the bootstrap once more; one that changes a comment or the
    transport does not (a re-run needs the writer in the first region)."""
    before = bootstrap.sql_digest()
    monkeypatch.setattr(bootstrap, "OUTCOME", bootstrap.OUTCOME + ", true")
    assert bootstrap.sql_digest() != before
    monkeypatch.undo()
    monkeypatch.setattr(bootstrap, "CONNECT_SECONDS", 1.0)
    assert bootstrap.sql_digest() == before


def test_without_a_role_there_is_no_bootstrap(runtime: MockRuntime) -> None:
    db = build(runtime)
    assert runtime.of_type(T_INVOCATION) == []
    assert [f.name for f in runtime.of_type(T_FUNCTION)] == []
    assert runtime.value(db.application_role_password) is None


@pytest.mark.parametrize("mode", ["global-writer-endpoint", "failover-lambda"])
def test_a_second_run_and_a_new_region_do_not_invoke_it_again(mode: str) -> None:
    """CREATE_ONLY invokes again only when the input changes: it must be the same after a second
    program run and after a region is added."""

    def invocation(regions: list[str]) -> tuple[Any, ...]:
        with MockRuntime(config={"aws:region": "us-east-1"}) as rt:
            AuroraGlobalDb(
                "kc",
                {  # type: ignore[typeddict-item]
                    "regions": regions,
                    "global_cluster_identifier": "kc-global",
                    "dns": {"zone_id": "Z0123456789ABC", "zone_name": "example.com"},
                    "endpoint_mode": mode,
                    "application_role": ROLE,
                },
            )
            rt.settle()
            run = rt.one(T_INVOCATION)
            function = rt.one(T_FUNCTION, "kc-us-east-1-bootstrap")
            return run.urn, run.inputs, sorted(function.inputs["vpcConfig"]["subnetIds"])

    first = invocation(["us-east-1", "eu-west-1"])
    assert invocation(["us-east-1", "eu-west-1"]) == first
    assert invocation(["us-east-1", "eu-west-1", "ap-southeast-2"]) == first
