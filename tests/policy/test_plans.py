"""The pack over the offline plans of the dev stack and the production-like example.

Zero mandatory violations in both (the prod example also under policy/production.json); the
by-design exceptions are what keep the VPN gateway, the bastion and the Aurora secondaries
passing, and removing a marker makes them fail.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from policy import rules
from tests.reliability import plans


def _plan(stack: str) -> dict[str, Any]:
    return plans.dev_plan() if stack == "dev" else plans.prod_plan()


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_mandatory_violation(stack: str) -> None:
    findings = rules.evaluate_plan(_plan(stack))
    assert [str(f) for f in rules.mandatory(findings)] == []


def test_prod_passes_the_production_levels_too() -> None:
    findings = rules.evaluate_plan(plans.prod_plan(), rules.PRODUCTION)
    assert [str(f) for f in rules.mandatory(findings)] == []


def test_dev_fails_the_production_levels_on_purpose() -> None:
    """Dev switches deletion protection (database and NLB), backups and the final snapshot off, and
    reserves no Lambda concurrency (its one function is Keycloak's role bootstrap); production would
    not."""
    dev = plans.dev_plan()
    failing = rules.mandatory(rules.evaluate_plan(dev, rules.PRODUCTION))
    functions = [r["name"] for r in dev["resources"] if r["type"] == "aws:lambda/function:Function"]
    assert functions == ["keycloak-us-west-2-bootstrap"]
    assert {f.rule for f in failing} == set(rules.PRODUCTION)
    assert [f.urn.rsplit("::", 1)[1] for f in failing if f.rule == "aws-lambda-concurrency"] == functions


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_rules_see_the_resources_crossnet_creates(stack: str) -> None:
    types = {r["type"] for r in _plan(stack)["resources"]}
    covered = {t for rule in rules.RULES for t in rule.types if t in types}
    expected = {
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
        "aws:ec2/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:rds/globalCluster:GlobalCluster",
        "aws:rds/clusterInstance:ClusterInstance",
        "aws:lb/loadBalancer:LoadBalancer",
        "aws:ec2/vpcEndpointService:VpcEndpointService",
        "gcp:compute/firewall:Firewall",
        "gcp:compute/instance:Instance",
        "azure-native:authorization:RoleDefinition",
    }
    if stack == "prod":
        expected.add("aws:lambda/function:Function")
    assert expected <= covered


def _strip(doc: dict[str, Any], resource_type: str, match: str, change: Any) -> dict[str, Any]:
    tampered = copy.deepcopy(doc)
    hits = [r for r in tampered["resources"] if r["type"] == resource_type and match in r["name"]]
    assert hits, f"no {resource_type} named *{match}* in the plan"
    for record in hits:
        change(record["inputs"])
    return tampered


@pytest.mark.parametrize(
    ("resource_type", "match", "change", "rule"),
    [
        (
            "gcp:compute/instance:Instance",
            "geo-vpn-vm",
            lambda i: i.pop("labels"),
            "gcp-instance-no-ip-forwarding",
        ),
        (
            "gcp:compute/instance:Instance",
            "geo-vpn-vm",
            lambda i: i.pop("labels"),
            "gcp-instance-no-public-ip",
        ),
        (
            "aws:ec2/instance:Instance",
            "bastion",
            lambda i: i["tags"].pop("crossnet:component"),
            "aws-ec2-no-public-ip",
        ),
        (
            "aws:rds/cluster:Cluster",
            "eu-west-1",
            lambda i: i.pop("globalClusterIdentifier"),
            "aws-rds-final-snapshot",
        ),
    ],
    ids=["vpn-forwarding", "vpn-public-ip", "bastion-public-ip", "secondary-final-snapshot"],
)
def test_each_exception_is_what_keeps_prod_passing(
    resource_type: str, match: str, change: Any, rule: str
) -> None:
    doc = plans.prod_plan()
    assert rule not in {f.rule for f in rules.evaluate_plan(doc, rules.PRODUCTION)}
    tampered = _strip(doc, resource_type, match, change)
    assert rule in {f.rule for f in rules.mandatory(rules.evaluate_plan(tampered, rules.PRODUCTION))}


@pytest.mark.parametrize(
    ("key", "rule"), [("tracingConfig", "aws-lambda-tracing"), ("deadLetterConfig", "aws-lambda-dlq")]
)
def test_a_failover_lambda_without_its_setting_is_blocked(key: str, rule: str) -> None:
    tampered = _strip(plans.prod_plan(), "aws:lambda/function:Function", "failover", lambda i: i.pop(key))
    blocked = {f.rule for f in rules.mandatory(rules.evaluate_plan(tampered))}
    assert blocked == {rule}


def test_a_failover_lambda_without_reserved_concurrency_is_blocked_in_production_only() -> None:
    """Reserved concurrency is opt-in (accounts with a concurrency quota of 10 cannot reserve any):
    advice by default, a block under policy/production.json."""
    doc = plans.prod_plan()
    functions = [r for r in doc["resources"] if r["type"] == "aws:lambda/function:Function"]
    failover = [f for f in functions if "failover" in f["name"]]
    assert failover and all(f["inputs"]["reservedConcurrentExecutions"] == 2 for f in failover)
    # The role bootstrap reserves one where the account can reserve (failover_reserved_concurrency).
    bootstrap = [f["inputs"]["reservedConcurrentExecutions"] for f in functions if "bootstrap" in f["name"]]
    assert bootstrap == [1]
    tampered = _strip(
        doc, "aws:lambda/function:Function", "failover", lambda i: i.pop("reservedConcurrentExecutions")
    )
    assert rules.mandatory(rules.evaluate_plan(tampered)) == []
    advised = {f.rule for f in rules.evaluate_plan(tampered) if f.level == rules.ADVISORY}
    assert advised == {"aws-lambda-concurrency"}
    blocked = {f.rule for f in rules.mandatory(rules.evaluate_plan(tampered, rules.PRODUCTION))}
    assert blocked == {"aws-lambda-concurrency"}


def test_an_unprotected_nlb_is_blocked_in_production_only() -> None:
    tampered = _strip(
        plans.prod_plan(),
        "aws:lb/loadBalancer:LoadBalancer",
        "nlb",
        lambda i: i.update(enableDeletionProtection=False),
    )
    assert rules.mandatory(rules.evaluate_plan(tampered)) == []
    blocked = {f.rule for f in rules.mandatory(rules.evaluate_plan(tampered, rules.PRODUCTION))}
    assert blocked == {"aws-lb-deletion-protection"}


def test_prod_gets_no_advice_either() -> None:
    """The components now have every setting the advisory rules ask for; prod uses them all."""
    advisories = [str(f) for f in rules.evaluate_plan(plans.prod_plan()) if f.level == rules.ADVISORY]
    assert advisories == []


def test_the_kafka_nlb_is_protected_in_prod_and_not_in_dev() -> None:
    """Prod keeps nlb_deletion_protection on; dev turns it off explicitly, so destroy is one step."""

    def nlbs(doc: dict[str, Any]) -> list[Any]:
        return [
            r["inputs"].get("enableDeletionProtection")
            for r in doc["resources"]
            if r["type"] == "aws:lb/loadBalancer:LoadBalancer"
        ]

    assert nlbs(plans.prod_plan()) == [True]
    assert nlbs(plans.dev_plan()) == [False]
