"""Provider-side name rules (issue 13, item 1) over small recorded plans."""

from __future__ import annotations

import pytest

from plan import provider_rules
from plan.provider_rules import check_names
from tests.plan.synthetic import plan, resource
from tests.reliability import plans

TG = "aws:lb/targetGroup:TargetGroup"
KAFKA = "crossnet:index:KafkaPrivateLinkCluster"


def _findings(*resources, config=None):
    return check_names(plan(*resources), config or {"aws:region": "us-west-2"})


def test_auto_named_target_group_counts_pulumis_suffix():
    """`tidb-kafka-prod-tg-bootstrap` is 28 characters; Pulumi makes it 36, AWS allows 32."""
    component = resource(KAFKA, "tidb-kafka-prod", custom=False)
    tg = resource(TG, "tidb-kafka-prod-tg-bootstrap", {"port": 9092}, parent=component["urn"])
    (finding,) = _findings(component, tg)
    assert finding.resource_type == TG and finding.property == "name"
    assert finding.value == "tidb-kafka-prod-tg-bootstrap-xxxxxxx"
    assert "36 characters; allowed 1-32" in finding.rule and "auto-named" in finding.rule
    assert finding.component == "KafkaPrivateLinkCluster tidb-kafka-prod"
    assert "API_CreateTargetGroup" in finding.source
    assert finding.level == "mandatory"


def test_an_auto_name_that_fits_and_an_explicit_name_of_32_pass():
    assert _findings(resource(TG, "tidb-kafka-tg-bootstrap")) == []  # 23 + 8 = 31
    assert _findings(resource(TG, "x", {"name": "a" * 32})) == []
    (finding,) = _findings(resource(TG, "x", {"name": "a" * 33}))
    assert "33 characters" in finding.rule and "auto-named" not in finding.rule


@pytest.mark.parametrize(
    ("identifier", "why"),
    [
        ("Keycloak-us-west-2", "allowed characters"),
        ("k" * 64, "64 characters"),
        ("keycloak--west", "allowed characters"),
        ("1keycloak", "allowed characters"),
    ],
)
def test_rds_identifiers(identifier, why):
    (finding,) = _findings(resource("aws:rds/cluster:Cluster", "c", {"clusterIdentifier": identifier}))
    assert why in finding.rule and finding.property == "clusterIdentifier"


def test_rds_auto_name_is_lowercased_like_the_provider_does():
    assert _findings(resource("aws:rds/clusterInstance:ClusterInstance", "Keycloak-1")) == []
    (finding,) = _findings(resource("aws:rds/clusterInstance:ClusterInstance", "k" * 56))
    assert "64 characters" in finding.rule


def test_gcp_names_are_rfc1035_and_63_long_with_the_suffix():
    (upper,) = _findings(resource("gcp:compute/firewall:Firewall", "Geo-VPN"))
    assert "RFC 1035" in upper.rule
    (long,) = _findings(resource("gcp:compute/firewall:Firewall", "g" * 56))
    assert "64 characters; allowed 1-63" in long.rule
    assert _findings(resource("gcp:compute/firewall:Firewall", "g" * 55)) == []


def test_service_account_ids_are_6_to_30():
    (short,) = _findings(resource("gcp:serviceaccount/account:Account", "sa", {"accountId": "vpn"}))
    assert "allowed 6-30" in short.rule
    (long,) = _findings(resource("gcp:serviceaccount/account:Account", "geo-vpn-gateway-service-acct"))
    assert "36 characters" in long.rule


@pytest.mark.parametrize(
    ("type_", "limit"),
    [
        ("aws:iam/role:Role", 64),
        ("aws:lambda/function:Function", 64),
        ("aws:sqs/queue:Queue", 80),
        ("aws:cloudwatch/eventRule:EventRule", 64),
    ],
)
def test_aws_name_limits(type_, limit):
    assert _findings(resource(type_, "n" * (limit - 8))) == []
    (finding,) = _findings(resource(type_, "n" * (limit - 7)))
    assert f"allowed 1-{limit}" in finding.rule


def test_explicit_names_unique_per_region():
    west = resource("pulumi:providers:aws", "west", {"region": "us-west-2"})
    east = resource("pulumi:providers:aws", "east", {"region": "us-east-1"})
    a = resource(TG, "a", {"name": "same"}, provider=west["urn"])
    b = resource(TG, "b", {"name": "same"}, provider=west["urn"])
    c = resource(TG, "c", {"name": "same"}, provider=east["urn"])
    findings = _findings(west, east, a, b, c)
    assert sorted(f.name for f in findings) == ["a", "b"]
    assert all(f.check == "provider-name-unique" and "us-west-2" in f.rule for f in findings)


def test_iam_role_names_are_unique_per_account_not_region():
    a = resource("aws:iam/role:Role", "a", {"name": "failover"})
    b = resource("aws:iam/role:Role", "b", {"name": "failover"}, provider="urn:x::east")
    assert {f.name for f in _findings(a, b)} == {"a", "b"}


def test_unknown_and_secret_names_are_not_guessed():
    assert _findings(resource(TG, "x", {"name": "[secret]" * 5})) != []  # a plain string is checked
    assert _findings(resource(TG, "x", {"name": {"unknown": True}})) == []
    assert _findings(resource(TG, "x", {"name": "[secret]"})) == []  # the plan's mask, not a name


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_type_the_components_register_has_a_rule_or_a_reason(stack):
    doc = plans.dev_plan() if stack == "dev" else plans.prod_plan()
    types = [r["type"] for r in doc["resources"] if r["custom"]]
    assert provider_rules.unclassified_types(types) == []
    for rule in provider_rules.RULES:
        assert rule.source and rule.max_length >= rule.min_length


def test_an_unclassified_type_is_reported():
    assert provider_rules.unclassified_types(["aws:s3/bucketV2:BucketV2", TG]) == ["aws:s3/bucketV2:BucketV2"]
