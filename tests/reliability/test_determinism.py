"""Two runs of the same config give an identical plan: in one process and across processes.

A second `pulumi up` changes nothing only if the program asks for the same resources with the
same inputs every time: no time, randomness, set order or hash seed may leak into names or inputs.
The order in which resources register is not part of that (the mock monitor registers from a
thread pool, as the engine does), so plans are compared with their resources keyed by URN.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.reliability import plans


def canonical(doc: dict[str, Any]) -> str:
    resources = sorted(doc["resources"], key=lambda r: r["urn"])
    assert len({r["urn"] for r in resources}) == len(resources), "duplicate URNs"
    return json.dumps({**doc, "resources": resources}, sort_keys=True)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_two_runs_in_one_process_give_the_same_plan(stack: str) -> None:
    path = plans.DEV_FILE if stack == "dev" else plans.PROD_FILE
    first = plans.cached_plan(stack, path)
    second = plans.run(plans.load(stack, path))
    assert canonical(second) == canonical(first)
    assert len(first["resources"]) > 100


def test_a_run_in_another_process_with_another_hash_seed_gives_the_same_plan() -> None:
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    result = subprocess.run(
        [sys.executable, "-m", "plan", "prod", "--config-file", str(plans.PROD_FILE), "--json", "-"],
        cwd=plans.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    other = json.loads(result.stdout)
    assert canonical(other) == canonical(plans.prod_plan())
