"""The offline plan: tree, JSON, Mermaid, diff, masking, bad config."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from plan import config as stack_config
from plan import render
from plan.__main__ import main
from plan.model import MASK, run_program

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "tests" / "fixtures" / "planproject"


@pytest.fixture(scope="module")
def base_plan():
    return run_program(PROJECT, stack_config.load("base", PROJECT))


def test_plan_lists_every_resource_with_parent_and_inputs(base_plan):
    by_name = {r["name"]: r for r in base_plan["resources"]}
    assert set(by_name) == {"fake-vpc", "fake-password", "fake-secret"}
    assert by_name["fake-vpc"]["inputs"]["cidrBlock"] == "10.10.0.0/16"
    assert by_name["fake-password"]["inputs"]["length"] == 24  # integral, not 24.0
    assert by_name["fake-vpc"]["urn"] in by_name["fake-secret"]["dependencies"]
    assert base_plan["stack"] == "base" and base_plan["format"] == 1


def test_secrets_are_masked_everywhere_in_the_json(base_plan):
    with stack_config_runtime_value("base") as password:
        text = json.dumps(base_plan)
        assert password not in text
    secret = next(r for r in base_plan["resources"] if r["name"] == "fake-secret")
    assert secret["inputs"]["secretString"] == MASK
    assert secret["secret_inputs"] == ["secretString"]
    assert base_plan["outputs"]["fake"]["password"] == MASK
    assert base_plan["outputs"]["fake"]["vpc_id"].startswith("vpc-")


class stack_config_runtime_value:  # noqa: N801 - used as a context manager in one test
    """The mock password for the fixture, computed the way the mock computes it."""

    def __init__(self, stack):
        self.stack = stack

    def __enter__(self):
        from plan.answers.common import random_password
        from plan.mocks import Ctx

        _, out = random_password(
            Ctx(
                "random:index/randomPassword:RandomPassword",
                "fake-password",
                {"length": 24},
                "eu-west-1",
                {},
                None,
            )
        )
        return out["result"]

    def __exit__(self, *exc):
        return False


def test_secure_config_values_become_placeholders_and_secret_keys():
    cfg = stack_config.load("base", PROJECT)
    assert cfg.values["fake:apiToken"] == "plan-placeholder-for-fake-apiToken"
    assert cfg.secret_keys == ["fake:apiToken"]
    assert cfg.values["crossnet:scenarios"] == ["fake"]


def test_text_tree_shows_types_names_inputs_and_masks(base_plan):
    out = render.text(base_plan)
    assert "crossnet plan: stack 'base', 3 resources" in out
    assert "aws:ec2/vpc:Vpc  fake-vpc" in out
    assert "cidrBlock = 10.10.0.0/16" in out
    assert f"secretString = {MASK}" in out
    assert "fake.password = [secret]" in out


def test_mermaid_has_a_node_per_resource(base_plan):
    chart = render.mermaid(base_plan, dependencies=True)
    assert chart.startswith("flowchart LR")
    assert chart.count('["') == 3
    assert "-.->" in chart


def test_diff_of_two_stacks_shows_only_real_changes(base_plan):
    head = run_program(PROJECT, stack_config.load("head", PROJECT))
    result = render.diff(base_plan, head)
    assert result["added"] == [] and result["removed"] == []
    assert list(result["changed"]) == ["crossnet::pulumi:pulumi:Stack$aws:ec2/vpc:Vpc::fake-vpc"]
    change = result["changed"]["crossnet::pulumi:pulumi:Stack$aws:ec2/vpc:Vpc::fake-vpc"]
    assert change == {"cidrBlock": {"old": "10.10.0.0/16", "new": "10.20.0.0/16"}}
    assert result["actions"] == {"crossnet::pulumi:pulumi:Stack$aws:ec2/vpc:Vpc::fake-vpc": "replace"}
    assert "-/+ aws:ec2/vpc:Vpc  fake-vpc  REPLACE (forced by cidrBlock)" in render.diff_text(result)


def test_diff_reports_added_and_removed(base_plan):
    smaller = dict(base_plan, resources=[r for r in base_plan["resources"] if r["name"] != "fake-secret"])
    result = render.diff(smaller, base_plan)
    assert [u.rsplit("::", 1)[-1] for u in result["added"]] == ["fake-secret"]
    assert render.diff(base_plan, smaller)["removed"] == result["added"]


def test_two_runs_give_identical_plans(base_plan):
    again = run_program(PROJECT, stack_config.load("base", PROJECT))
    assert json.dumps(again, sort_keys=True) == json.dumps(base_plan, sort_keys=True)


def test_cli_writes_json_and_mermaid_and_diffs(tmp_path, capsys):
    a, b, m = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "a.mmd"
    assert main(["base", "--project-dir", str(PROJECT), "--json", str(a), "--mermaid", str(m)]) == 0
    assert "fake-vpc" in capsys.readouterr().out
    assert main(["head", "--project-dir", str(PROJECT), "--json", str(b)]) == 0
    capsys.readouterr()
    assert main(["diff", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "plan diff: 0 to add, 1 to replace, 0 to update, 0 to delete" in out
    assert "cidrBlock: 10.10.0.0/16 -> 10.20.0.0/16  [forces replacement]" in out
    assert m.read_text().startswith("flowchart LR")


def test_bad_config_is_one_clear_error_not_a_traceback():
    proc = subprocess.run(
        [sys.executable, "-m", "plan", "badfake", "--project-dir", str(PROJECT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "crossnet:fake.cidr: got '10.20.0.1/16'" in proc.stderr
    assert "crossnet:fake.length: got 3; an integer from 12 to 64" in proc.stderr


def test_missing_or_malformed_stack_files(tmp_path, capsys):
    assert main(["nosuch", "--project-dir", str(PROJECT)]) == 2
    assert "Pulumi.nosuch.yaml not found" in capsys.readouterr().err
    broken = tmp_path / "Pulumi.x.yaml"
    broken.write_text("config: [unclosed\n")
    assert main(["x", "--project-dir", str(PROJECT), "--config-file", str(broken)]) == 2
    assert "not valid YAML" in capsys.readouterr().err
    broken.write_text("config: 3\n")
    assert main(["x", "--project-dir", str(PROJECT), "--config-file", str(broken)]) == 2
    assert "'config' must be a mapping" in capsys.readouterr().err


def test_assets_and_archives_become_plain_json(tmp_path):
    import pulumi

    from plan.model import integral

    source = tmp_path / "handler.py"
    source.write_text("def handler(event, context):\n    return None\n")
    value = integral(
        {
            "code": pulumi.AssetArchive(
                {"handler.py": pulumi.FileAsset(str(source)), "note.txt": pulumi.StringAsset("hi")}
            ),
            "n": 3.0,
        }
    )
    json.dumps(value)
    assert value["n"] == 3
    assert value["code"]["archive"]["note.txt"] == {"asset": "string", "text": "hi"}
    assert value["code"]["archive"]["handler.py"]["path"] == str(source)
    assert len(value["code"]["archive"]["handler.py"]["sha256"]) == 64


def test_mermaid_draws_resources_parented_by_cloud_resources():
    doc = {
        "resources": [
            {
                "urn": "urn:pulumi:s::crossnet::crossnet:x:C::c",
                "type": "crossnet:x:C",
                "name": "c",
                "parent": None,
                "custom": False,
                "dependencies": [],
            },
            {
                "urn": "urn:pulumi:s::crossnet::crossnet:x:C$gcp:secretmanager/secret:Secret::s",
                "type": "gcp:secretmanager/secret:Secret",
                "name": "s",
                "parent": "urn:pulumi:s::crossnet::crossnet:x:C::c",
                "custom": True,
                "dependencies": [],
            },
            {
                "urn": "urn:pulumi:s::crossnet::crossnet:x:C$gcp:secretmanager/secret:Secret$v::v",
                "type": "gcp:secretmanager/secretVersion:SecretVersion",
                "name": "v",
                "parent": "urn:pulumi:s::crossnet::crossnet:x:C$gcp:secretmanager/secret:Secret::s",
                "custom": True,
                "dependencies": [],
            },
        ]
    }
    chart = render.mermaid(doc)
    assert 'subgraph n0["C<br/>c"]' in chart
    assert 'n1["Secret<br/>s"]' in chart and 'n2["SecretVersion<br/>v"]' in chart
    assert "n1 --- n2" in chart
