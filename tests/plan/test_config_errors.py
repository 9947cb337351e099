"""Bad stack config: one clean error, exit 2, no traceback (issue 13, item 4).

Each case runs ``python -m plan`` on this repository's program with a stack file written to a
temporary directory, the way a user with a typo would.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from plan.__main__ import main

ROOT = Path(__file__).resolve().parents[2]


def _plan(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str) -> tuple[int, str]:
    stack_file = tmp_path / "Pulumi.x.yaml"
    stack_file.write_text(text)
    code = main(["x", "--project-dir", str(ROOT), "--config-file", str(stack_file)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


def test_scenarios_as_a_string_not_a_list(tmp_path, capsys):
    code, err = _plan(tmp_path, capsys, "config:\n  crossnet:scenarios: tidb_kafka_privatelink\n")
    assert code == 2
    assert "crossnet:scenarios" in err
    assert "a list" in err and "tidb_kafka_privatelink" in err


@pytest.mark.parametrize("value", ["", " []", " null"])
def test_missing_or_empty_scenarios_say_how_to_enable_one(tmp_path, capsys, value):
    text = "config:\n  aws:region: us-west-2\n" + (f"  crossnet:scenarios:{value}\n" if value else "")
    code, err = _plan(tmp_path, capsys, text)
    assert code == 2
    assert "crossnet:scenarios" in err and "no scenario is enabled" in err
    assert "pulumi config set --path 'crossnet:scenarios[0]' tidb_kafka_privatelink" in err


def test_misspelled_section_is_refused_with_a_suggestion(tmp_path, capsys):
    code, err = _plan(
        tmp_path,
        capsys,
        "config:\n  crossnet:scenarios: [tidb_kafka_privatelink]\n  crossnet:kafak:\n    name: x\n",
    )
    assert code == 2
    assert "crossnet:kafak" in err and "did you mean crossnet:kafka?" in err


def test_duplicate_yaml_key_is_refused(tmp_path, capsys):
    code, err = _plan(
        tmp_path,
        capsys,
        "config:\n  crossnet:scenarios: [tidb_kafka_privatelink]\n  aws:region: us-west-2\n"
        "  aws:region: us-east-1\n",
    )
    assert code == 2
    assert "aws:region" in err and "appears twice" in err and "line 4" in err


def test_nested_duplicate_key_is_refused(tmp_path, capsys):
    code, err = _plan(
        tmp_path,
        capsys,
        "config:\n  crossnet:kafka:\n    name: a\n    name: b\n",
    )
    assert code == 2
    assert "'name' appears twice" in err


def test_file_without_config_is_refused(tmp_path, capsys):
    code, err = _plan(tmp_path, capsys, "encryptionsalt: v1:abc\n")
    assert code == 2
    assert "no 'config:' mapping" in err


def test_unknown_scenario_names_the_allowed_ones(tmp_path, capsys):
    code, err = _plan(tmp_path, capsys, "config:\n  crossnet:scenarios: [tidb_kafka]\n")
    assert code == 2
    assert "unknown scenario" in err and "tidb_kafka_privatelink" in err


def test_no_traceback_from_the_command_line(tmp_path):
    stack_file = tmp_path / "Pulumi.x.yaml"
    stack_file.write_text("config:\n  crossnet:scenarios: tidb_kafka_privatelink\n")
    proc = subprocess.run(
        [sys.executable, "-m", "plan", "x", "--config-file", str(stack_file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) <= 4
