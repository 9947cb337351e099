"""The bench can measure what the program builds: every type has a creation time, lazy stubs are skipped."""

from __future__ import annotations

import importlib.util
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from bench import durations
from bench.child import _executed
from plan import config as stack_config
from plan.runtime import MockRuntime

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("endpoint_mode", ["failover-lambda"])  # a superset of the default mode's types
def test_every_dev_stack_type_has_a_creation_time(
    runtime_factory: Callable[..., MockRuntime], endpoint_mode: str
) -> None:
    import stacks

    cfg = stack_config.load("dev", ROOT)
    values = dict(cfg.values)
    values["crossnet:aurora"] = {**values["crossnet:aurora"], "endpoint_mode": endpoint_mode}
    runtime = runtime_factory(config=values, secret_keys=cfg.secret_keys)
    runtime.run(stacks.run)
    custom = {r.type for r in runtime.resources if r.custom}
    assert "aws:rds/cluster:Cluster" in custom
    missing = set()
    for token in custom:
        try:
            durations.lookup(token, {"createDuration": "1s"})
        except durations.UnknownType:
            missing.add(token)
    assert not missing, f"add these to bench/durations.py: {sorted(missing)}"


def test_lazy_module_stubs_are_not_counted_as_imported() -> None:
    spec = importlib.util.spec_from_loader("bench_lazy_probe", loader=None)
    assert spec is not None
    lazy = importlib.util.module_from_spec(spec)
    lazy.__class__ = type("_LazyModule", (types.ModuleType,), {})
    sys.modules["bench_lazy_probe"] = lazy
    try:
        names = {"bench_lazy_probe", "json"}
        assert _executed(names) == ["json"]
    finally:
        del sys.modules["bench_lazy_probe"]
