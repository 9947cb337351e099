"""Every rule has a passing and a failing fixture, and reports exactly what it must."""

from __future__ import annotations

from collections import Counter

import pytest

from policy import rules
from tests.policy.fixtures import CASES, GOOD, Case


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_fixture(case: Case) -> None:
    rule = rules.RULES_BY_NAME[case.rule]
    assert rule.applies_to(case.resource_type)
    messages = rule.check(case.resource_type, case.props)
    if case.fails:
        assert messages, f"{case.rule} did not report {case.label}"
        assert all(isinstance(m, str) and m for m in messages)
    else:
        assert messages == []


def test_every_rule_has_a_passing_and_a_failing_fixture() -> None:
    passing = Counter(c.rule for c in CASES if not c.fails)
    failing = Counter(c.rule for c in CASES if c.fails)
    names = {r.name for r in rules.RULES}
    assert set(passing) == names
    assert set(failing) == names
    assert {c.rule for c in CASES} <= names


def test_the_good_fixtures_pass_every_rule() -> None:
    """The base resources are what crossnet records, so no rule may object to any of them."""
    for resource_type, props in GOOD.items():
        assert rules.check(resource_type, props) == {}, resource_type


def test_rule_names_are_unique_and_levels_known() -> None:
    assert len(rules.RULES_BY_NAME) == len(rules.RULES)
    assert {r.level for r in rules.RULES} <= {rules.MANDATORY, rules.ADVISORY}
    assert all(c.startswith(("CKV_AWS_", "CKV_GCP_", "CKV_AZURE_")) for r in rules.RULES for c in r.checkov)


def test_the_issue_s_checkov_ids_are_all_mirrored() -> None:
    mirrored = {c for r in rules.RULES for c in r.checkov}
    wanted = {
        "CKV_AWS_24",
        "CKV_AWS_277",
        "CKV_AWS_79",
        "CKV_AWS_8",
        "CKV_AWS_88",
        "CKV_AWS_96",
        "CKV_AWS_139",
        "CKV_AWS_162",
        "CKV_AWS_133",
        "CKV_AWS_324",
        "CKV_AWS_313",
        "CKV_AWS_152",
        "CKV_AWS_150",
        "CKV_AWS_123",
        "CKV_AWS_50",
        "CKV_AWS_115",
        "CKV_AWS_116",
        "CKV_GCP_2",
        "CKV_GCP_33",
        "CKV_GCP_35",
        "CKV_GCP_39",
        "CKV_GCP_32",
        "CKV_GCP_36",
        "CKV_AZURE_39",
    }
    assert wanted <= mirrored


def test_exceptions_name_existing_rules_and_are_exercised_by_fixtures() -> None:
    for exception in rules.EXCEPTIONS:
        assert exception.rule in rules.RULES_BY_NAME
        assert any(c.rule == exception.rule and not c.fails and "exception" in c.label for c in CASES)


def test_levels_apply_overrides_and_refuse_unknown_names() -> None:
    assert rules.levels()["aws-rds-deletion-protection"] == rules.ADVISORY
    assert rules.levels(rules.PRODUCTION)["aws-rds-deletion-protection"] == rules.MANDATORY
    with pytest.raises(KeyError):
        rules.levels({"no-such-rule": rules.MANDATORY})


def test_rules_the_components_now_meet_are_mandatory() -> None:
    """The failover Lambda always has tracing and a DLQ. Reserved concurrency and NLB deletion
    protection are settings a dev stack (or an account with a concurrency quota of 10) leaves off,
    so only production makes them mandatory."""
    base, production = rules.levels(), rules.levels(rules.PRODUCTION)
    for name in ("aws-lambda-tracing", "aws-lambda-dlq"):
        assert base[name] == rules.MANDATORY, name
    for name in ("aws-lb-deletion-protection", "aws-lambda-concurrency"):
        assert base[name] == rules.ADVISORY, name
        assert production[name] == rules.MANDATORY, name


def test_unknown_values_are_not_reported() -> None:
    unknown = {
        "metadataOptions": rules.UNKNOWN,
        "rootBlockDevice": rules.UNKNOWN,
        "associatePublicIpAddress": rules.UNKNOWN,
    }
    assert rules.check("aws:ec2/instance:Instance", unknown) == {}
