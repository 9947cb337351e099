"""``python -m plan STACK --check`` (issue 13, item 4): names, locations, policy levels, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plan.__main__ import main
from plan.check import PolicyConfigError, check_locations, load_policy_levels, run_checks
from tests.plan.synthetic import plan, resource
from tests.reliability import plans

ROOT = Path(__file__).resolve().parents[2]
PROD = ROOT / "examples" / "prod" / "Pulumi.prod.yaml"
PRODUCTION = ROOT / "policy" / "production.json"

# Mandatory findings on the repository's own stacks that belong to a component fix in flight
# (issue 13 item 2: the explicit AWS providers of AuroraGlobalDb and KafkaPrivateLinkCluster must
# pass skip_region_validation=False). Remove an entry when its fix lands; the test then holds the line.
KNOWN_COMPONENT_FINDINGS: set[tuple[str, str]] = set()


def test_dev_at_production_levels_fails_and_lists_the_mandatory_findings(capsys):
    code = main(["dev", "--project-dir", str(ROOT), "--check", "--policy-config", str(PRODUCTION)])
    out = capsys.readouterr().out
    assert code == 1
    for rule in (
        "aws-rds-deletion-protection",
        "aws-rds-backup-retention",
        "aws-rds-final-snapshot",
        "aws-lb-deletion-protection",
    ):
        assert f"[mandatory] policy {rule}:" in out
    assert "(in AuroraGlobalDb keycloak)" in out and "(in KafkaPrivateLinkCluster tidb-kafka)" in out
    assert "mandatory (" in out.splitlines()[-1]


@pytest.mark.parametrize(("stack", "levels"), [("dev", None), ("prod", PRODUCTION)])
def test_the_repositorys_stacks_have_no_mandatory_finding_but_known_component_ones(stack, levels):
    doc = plans.dev_plan() if stack == "dev" else plans.prod_plan()
    cfg = plans.load(stack, ROOT / "Pulumi.dev.yaml" if stack == "dev" else PROD)
    found = run_checks(doc, cfg.values, load_policy_levels(levels) if levels else None)
    mandatory = {(f.check, f.property) for f in found if f.level == "mandatory"}
    assert mandatory <= KNOWN_COMPONENT_FINDINGS, [f.render() for f in found if f.level == "mandatory"]


def test_locations_are_checked_where_the_plan_records_them():
    doc = plan(
        resource("pulumi:providers:aws", "p", {"region": "eu-central-9", "skipRegionValidation": "false"}),
        resource("gcp:compute/instance:Instance", "vm", {"zone": "europe-west1-a"}),
        resource("gcp:compute/address:Address", "ip", {"region": "europe-west99"}),
        resource("aws:ec2/subnet:Subnet", "s", {"availabilityZoneId": "usw9-az1"}),
    )
    found = {(f.name, f.property): f for f in check_locations(doc, {"gcp:region": "europe-west1"})}
    assert set(found) == {("p", "region"), ("vm", "zone"), ("ip", "region"), ("s", "availabilityZoneId")}
    assert "did you mean eu-central-" in found[("p", "region")].rule
    assert "europe-west1-b" in found[("vm", "zone")].rule


def test_a_provider_that_skips_region_validation_is_a_finding():
    doc = plan(resource("pulumi:providers:aws", "p", {"region": "us-west-2", "skipRegionValidation": "true"}))
    (finding,) = check_locations(doc)
    assert finding.property == "skipRegionValidation" and finding.level == "mandatory"


def test_check_exit_codes_on_a_synthetic_project(tmp_path, capsys):
    """A tiny program whose target group auto-name is too long: --check exits 1 and says why."""
    (tmp_path / "Pulumi.yaml").write_text("name: tiny\nruntime: python\n")
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  aws:region: us-west-2\n")
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "aws.lb.TargetGroup('tidb-kafka-prod-tg-bootstrap', port=9092, protocol='TCP', vpc_id='vpc-1')\n"
    )
    assert main(["s", "--project-dir", str(tmp_path), "--check"]) == 1
    out = capsys.readouterr().out
    assert "tidb-kafka-prod-tg-bootstrap-xxxxxxx" in out and "36 characters; allowed 1-32" in out
    (tmp_path / "__main__.py").write_text(
        "import pulumi_aws as aws\n"
        "aws.lb.TargetGroup('kafka-tg', port=9092, protocol='TCP', vpc_id='vpc-1')\n"
    )
    assert main(["s", "--project-dir", str(tmp_path), "--check"]) == 0
    assert "0 mandatory" in capsys.readouterr().out


def test_policy_config_in_both_pulumi_shapes(tmp_path):
    flat = tmp_path / "a.json"
    flat.write_text(json.dumps({"aws-rds-deletion-protection": "mandatory"}))
    nested = tmp_path / "b.json"
    nested.write_text(json.dumps({"aws-rds-deletion-protection": {"enforcementLevel": "advisory"}}))
    assert load_policy_levels(flat) == {"aws-rds-deletion-protection": "mandatory"}
    assert load_policy_levels(nested) == {"aws-rds-deletion-protection": "advisory"}
    nested.write_text(json.dumps({"aws-rds-deletion-protektion": "mandatory"}))
    with pytest.raises(PolicyConfigError, match="no policy rule named 'aws-rds-deletion-protektion'"):
        load_policy_levels(nested)


def test_a_bad_policy_config_is_exit_2(tmp_path, capsys):
    bad = tmp_path / "p.json"
    bad.write_text("{not json")
    assert main(["dev", "--project-dir", str(ROOT), "--check", "--policy-config", str(bad)]) == 2
    assert "cannot read policy config" in capsys.readouterr().err
