"""Offline plans of the project's stacks, in-process and cached, plus the secrets each run held.

A plan is ``plan.model.run_program`` on a config: the same code path as ``python -m plan``.
The first plan in a process pays for importing the cloud SDKs (~20 s); later ones take 1-5 s.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.sync_await import _sync_await

import plan.model
from plan import config as stack_config
from plan.runtime import MockRuntime

ROOT = Path(__file__).resolve().parents[2]
DEV_FILE = ROOT / "Pulumi.dev.yaml"
PROD_FILE = ROOT / "examples" / "prod" / "Pulumi.prod.yaml"

# Outputs the providers' schemas mark secret. The mock runtime does not know the schemas, so the
# harvest names them; a value here that leaks into the plan fails test_secrets.
SCHEMA_SECRET_OUTPUTS: dict[str, tuple[str, ...]] = {
    "tls:index/privateKey:PrivateKey": ("privateKeyPem", "privateKeyOpenssh", "privateKeyPemPkcs8"),
    "random:index/randomPassword:RandomPassword": ("result", "bcryptHash"),
    "random:index/randomBytes:RandomBytes": ("base64", "hex"),
    "azuread:index/applicationPassword:ApplicationPassword": ("value",),
}


def load(stack: str, config_file: Path) -> stack_config.StackConfig:
    return stack_config.load(stack, ROOT, config_file)


def with_values(base: stack_config.StackConfig, **changes: Any) -> stack_config.StackConfig:
    """A copy of ``base`` with config keys replaced (``crossnet_kafka={...}`` -> ``crossnet:kafka``)."""
    values = copy.deepcopy(base.values)
    for key, value in changes.items():
        values[key.replace("_", ":", 1)] = value
    return stack_config.StackConfig(
        stack=base.stack, values=values, secret_keys=list(base.secret_keys), path=base.path
    )


def run(cfg: stack_config.StackConfig) -> dict[str, Any]:
    return plan.model.run_program(ROOT, cfg)


@cache
def _cached(stack: str, config_file: str) -> str:
    return json.dumps(run(load(stack, Path(config_file))), sort_keys=True)


def cached_plan(stack: str, config_file: Path) -> dict[str, Any]:
    """The plan of a stack file, computed once per process (a fresh copy each call)."""
    return json.loads(_cached(stack, str(config_file)))


def dev_plan() -> dict[str, Any]:
    return cached_plan("dev", DEV_FILE)


def prod_plan() -> dict[str, Any]:
    return cached_plan("prod", PROD_FILE)


# -- secrets --------------------------------------------------------------------------------------


@dataclass
class Harvest:
    """Every secret value a program run held, by where it was found."""

    values: dict[str, set[str]] = field(default_factory=dict)

    def add(self, where: str, value: Any) -> None:
        for text in _leaves(value):
            self.values.setdefault(text, set()).add(where)


def _leaves(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for inner in value.values():
            yield from _leaves(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _leaves(inner)


def _at(value: Any, path: str) -> Any:
    """The value at a secret path such as ``a.b[0]`` (as plan.runtime.unwrap_secrets writes them)."""
    import re

    current = value
    for name, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path):
        if name:
            if not isinstance(current, Mapping) or name not in current:
                return None
            current = current[name]
        else:
            if not isinstance(current, list) or int(index) >= len(current):
                return None
            current = current[int(index)]
    return current


class HarvestingRuntime(MockRuntime):
    """A MockRuntime that, before it closes, collects every secret value of the run."""

    last: Harvest | None = None

    def __exit__(self, *exc: object) -> None:
        harvest = Harvest()
        try:
            for res in self.resources:
                for path in res.secret_inputs:
                    harvest.add(f"{res.urn} input {path}", _at(res.inputs, path))
                for path in res.secret_outputs:
                    harvest.add(f"{res.urn} output {path}", _at(res.outputs, path))
                for name in SCHEMA_SECRET_OUTPUTS.get(res.type, ()):
                    harvest.add(f"{res.urn} output {name}", (res.outputs or {}).get(name))
                for path in res.secret_component_outputs:
                    harvest.add(f"{res.urn} component output {path}", _at(res.component_outputs, path))
            for key in self.secret_keys:
                harvest.add(f"config {key}", self.config.get(key))
            from pulumi.runtime import settings

            exported = dict(getattr(settings.get_root_resource(), "outputs", {}) or {})
            for name, value in exported.items():
                _harvest_export(self, harvest, f"export {name}", value)
        finally:
            HarvestingRuntime.last = harvest
            super().__exit__(*exc)


def _harvest_export(runtime: MockRuntime, harvest: Harvest, where: str, value: Any) -> None:
    if isinstance(value, pulumi.Output):
        resolved = _sync_await(value.future())
        if runtime.is_secret(value):
            harvest.add(where, resolved)
        else:
            _harvest_export(runtime, harvest, where, resolved)
    elif isinstance(value, Mapping):
        for key, inner in value.items():
            _harvest_export(runtime, harvest, f"{where}.{key}", inner)
    elif isinstance(value, list | tuple):
        for i, inner in enumerate(value):
            _harvest_export(runtime, harvest, f"{where}[{i}]", inner)


def run_harvesting(cfg: stack_config.StackConfig, monkeypatch: Any) -> tuple[dict[str, Any], Harvest]:
    """The plan of ``cfg`` (through ``run_program`` itself) and the secrets the run held."""
    monkeypatch.setattr(plan.model, "MockRuntime", HarvestingRuntime)
    HarvestingRuntime.last = None
    doc = run(cfg)
    assert HarvestingRuntime.last is not None, "the harvesting runtime did not run"
    return doc, HarvestingRuntime.last
