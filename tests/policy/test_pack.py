"""The policy pack as the engine runs it: PulumiPolicy.yaml, the policies, and the analyzer's
Analyze call (the gRPC method `pulumi preview --policy-pack` invokes), driven without the engine."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

import policy.__main__ as pack
from policy import rules
from tests.policy.fixtures import BASTION, EC2, GOOD, VM, VPN_GATEWAY
from tests.reliability import plans

POLICY_DIR = Path(pack.__file__).resolve().parent


def servicer(config: dict[str, str] | None = None) -> _PolicyAnalyzerServicer:
    """The analyzer PolicyPack serves over gRPC (private in pulumi_policy; the only way to run the
    pack's real request path without the engine)."""
    service = _PolicyAnalyzerServicer(pack.PACK_NAME, "0.1.0", pack.policies(), EnforcementLevel.ADVISORY)
    if config:
        levels = {"mandatory": proto.MANDATORY, "advisory": proto.ADVISORY, "disabled": proto.DISABLED}
        request = proto.ConfigureAnalyzerRequest(
            policyConfig={
                name: proto.PolicyConfig(enforcementLevel=levels[level]) for name, level in config.items()
            }
        )
        service.Configure(request, None)
    return service


def analyze(
    service: _PolicyAnalyzerServicer,
    resource_type: str,
    props: dict[str, Any],
    urn: str = "urn:pulumi:test::crossnet::x::x",
) -> set[tuple[str, str, str]]:
    """(policy, level, message) reported for one resource."""
    request = proto.AnalyzeRequest(
        type=resource_type,
        urn=urn,
        name=urn.rsplit("::", 1)[-1],
        properties=json_format.ParseDict(props, struct_pb2.Struct()),
    )
    response = service.Analyze(request, None)
    return {
        (d.policyName, proto.EnforcementLevel.Name(d.enforcementLevel).lower(), d.message)
        for d in response.diagnostics
    }


def test_pulumipolicy_yaml_declares_a_python_pack() -> None:
    meta = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert meta["runtime"] == "python"
    assert meta["description"]
    requirements = (POLICY_DIR / "requirements.txt").read_text()
    assert "pulumi-policy" in requirements and "pulumi>=" in requirements


def test_one_policy_per_rule_at_the_rule_s_level() -> None:
    policies = pack.policies()
    assert all(isinstance(p, ResourceValidationPolicy) for p in policies)
    assert [p.name for p in policies] == [r.name for r in rules.RULES]
    for policy, rule in zip(policies, rules.RULES, strict=True):
        assert policy.enforcement_level == pack.LEVELS[rule.level]
        assert all(check in policy.description for check in rule.checkov)


def test_the_production_config_file_matches_the_rules() -> None:
    config = json.loads((POLICY_DIR / "production.json").read_text())
    assert config == rules.PRODUCTION
    assert set(config) <= set(rules.RULES_BY_NAME)


def test_importing_the_pack_does_not_start_the_analyzer() -> None:
    """`pulumi preview` runs the file as __main__ (runpy), which serves; an import only defines."""
    source = (POLICY_DIR / "__main__.py").read_text()
    assert 'if __name__ == "__main__":\n    main()' in source


def test_the_analyzer_reports_what_the_rules_report() -> None:
    service = servicer()
    bad_vm = {**GOOD[VM], "canIpForward": True, "metadata": {"serial-port-enable": "TRUE"}}
    reported = analyze(service, VM, bad_vm)
    expected = {
        (name, rules.RULES_BY_NAME[name].level, rules.RULES_BY_NAME[name].description)
        for name in rules.check(VM, bad_vm)
    }
    # the analyzer prefixes the message with the policy description; compare policy and level
    assert {(p, level) for p, level, _ in reported} == {(p, level) for p, level, _ in expected}
    assert {p for p, _, _ in reported} == {
        "gcp-instance-no-ip-forwarding",
        "gcp-instance-no-serial-port",
        "gcp-instance-os-login",
        "gcp-instance-block-project-ssh-keys",
    }
    messages = " ".join(m for _, _, m in reported)
    assert "CKV_GCP_36" in messages and "canIpForward is true" in messages


def test_the_analyzer_honours_the_exceptions_and_the_good_resources() -> None:
    service = servicer()
    assert analyze(service, VM, VPN_GATEWAY) == set()
    assert analyze(service, EC2, BASTION) == set()
    for resource_type, props in GOOD.items():
        assert analyze(service, resource_type, props) == set(), resource_type


def test_an_unknown_value_skips_only_what_depends_on_it() -> None:
    props = {
        **GOOD[EC2],
        "associatePublicIpAddress": True,
        "metadataOptions": {"httpTokens": UNKNOWN_STRING_VALUE},
    }
    reported = analyze(servicer(), EC2, props)
    assert {p for p, _, _ in reported} == {"aws-ec2-no-public-ip"}


def test_the_production_config_makes_deletion_protection_mandatory() -> None:
    props = {**GOOD["aws:rds/cluster:Cluster"], "deletionProtection": False}
    assert {(p, level) for p, level, _ in analyze(servicer(), "aws:rds/cluster:Cluster", props)} == {
        ("aws-rds-deletion-protection", "advisory")
    }
    assert {
        (p, level) for p, level, _ in analyze(servicer(rules.PRODUCTION), "aws:rds/cluster:Cluster", props)
    } == {("aws-rds-deletion-protection", "mandatory")}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_analyzer_agrees_with_the_offline_evaluation_on_every_resource(stack: str) -> None:
    doc = plans.dev_plan() if stack == "dev" else plans.prod_plan()
    service = servicer()
    through_pack: set[tuple[str, str, str]] = set()
    for record in doc["resources"]:
        through_pack |= {
            (record["urn"], p, level)
            for p, level, _ in analyze(service, record["type"], record["inputs"], record["urn"])
        }
    offline = {(f.urn, f.rule, f.level) for f in rules.evaluate_plan(doc)}
    assert through_pack == offline


def test_the_pack_loads_the_way_the_engine_runs_it() -> None:
    """The engine runs ``runpy.run_path(<pack dir>)`` with only the pack directory on sys.path."""
    import subprocess
    import sys

    script = (
        "import runpy, sys; sys.path[:] = [p for p in sys.path if p not in ('', '.')]; "
        f"sys.path.insert(0, {str(POLICY_DIR)!r}); "
        f"ns = runpy.run_path({str(POLICY_DIR)!r}, run_name='loaded'); "
        "print(len(ns['policies']()))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=POLICY_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == str(len(rules.RULES))
