"""Unit-test a Pulumi program that uses crossnet, without a cloud account or the Pulumi CLI.

The same provider-like mocks as ``crossnet plan`` answer every resource and lookup the way the
real providers would (availability-zone and AMI lookups, ARNs and ids, real PEMs for ``tls``), so
components that look things up work in a test where a bare ``pulumi.runtime.set_mocks`` would
fail. Two ways in::

    # a whole project: its Pulumi.yaml (name), Pulumi.<stack>.yaml (config) and __main__.py
    from crossnet.testing import run

    def test_the_stack_creates_one_global_cluster():
        registered = run("path/to/myapp", stack="dev")
        assert len(registered.of_type("aws:rds/globalCluster:GlobalCluster")) == 1

    # a function that registers resources, on a fresh runtime per test (conftest.py:
    # pytest_plugins = ["crossnet.testing"])
    def test_with_the_fixture(crossnet_runtime):
        build_my_stack()
        crossnet_runtime.settle()
        assert crossnet_runtime.one("aws:ec2/vpc:Vpc").inputs["cidrBlock"] == "10.0.0.0/16"

``run`` returns what the program registered (type, name, parent, provider, inputs, options) and
its stack outputs, resolved, with secret outputs listed by name.
"""

from __future__ import annotations

import importlib
import runpy
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any


def _plan(name: str) -> ModuleType:
    """``crossnet.plan.<name>`` installed; ``plan.<name>`` in the crossnet repository."""
    try:
        return importlib.import_module(f"{__package__}.plan.{name}")
    except ModuleNotFoundError:
        return importlib.import_module(f"plan.{name}")


@dataclass
class Registered:
    """What one program run registered, and its resolved stack outputs."""

    resources: list[Any]
    """``Resource`` records (``type``, ``name``, ``urn``, ``parent``, ``inputs``, ``protect``, ...)."""
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)

    def of_type(self, type_token: str) -> list[Any]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> Any:
        return _plan("runtime").one_resource(self.resources, type_token, name)

    def named(self, name: str) -> Any:
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one resource named {name!r}, found {len(found)}")
        return found[0]


def _full_keys(config: Mapping[str, Any], project: str) -> dict[str, Any]:
    full_key = _plan("config").full_key
    return {full_key(key, project): value for key, value in config.items()}


def run(
    program: Callable[[], Any] | str | Path,
    *,
    config: Mapping[str, Any] | None = None,
    stack: str = "test",
    project: str | None = None,
    preview: bool = False,
) -> Registered:
    """Run ``program`` on the mock runtime and return what it registered.

    ``program`` is a function that registers resources, or a Pulumi project directory (its
    ``Pulumi.yaml`` names the project, ``Pulumi.<stack>.yaml`` gives the config, ``__main__.py``
    is the program). ``config`` adds or overrides keys; a key without a namespace belongs to the
    project (``dbName`` -> ``myapp:dbName``). A bad config or a ``ValidationError`` raises.
    """
    stack_config = _plan("config")
    runtime = _plan("runtime")
    secret_keys: list[str] = []
    values: dict[str, Any] = {}
    if callable(program):
        name = project or "test"
        target: Callable[[], Any] = program
    else:
        directory = Path(program).resolve()
        loaded = stack_config.load(stack, directory)
        name = project or loaded.project
        values, secret_keys = dict(loaded.values), list(loaded.secret_keys)
        main = directory / "__main__.py"

        def target() -> Any:
            if str(directory) not in sys.path:
                sys.path.insert(0, str(directory))
            return runpy.run_path(str(main), run_name="__main__")

    values.update(_full_keys(config or {}, name))
    with runtime.MockRuntime(
        project=name, stack=stack, preview=preview, config=values, secret_keys=secret_keys
    ) as rt:
        rt.run(target)
        rt.verify()
        outputs = rt.stack_outputs()
        secret = rt.secret_stack_outputs()
        resources = list(rt.resources)
    return Registered(resources=resources, outputs=outputs, secret_outputs=secret)


try:
    import pytest
except ImportError:  # pragma: no cover - the fixture needs pytest; run() does not
    pytest = None  # type: ignore[assignment]

if pytest is not None:

    @pytest.fixture
    def crossnet_runtime_factory() -> Iterator[Callable[..., Any]]:
        """Make the test's one mock runtime with its own config: ``crossnet_runtime_factory(
        config={"aws:region": "eu-west-1", "dbName": "orders"}, project="myapp")``. It is entered
        for you, and checked (``.expect`` callbacks ran) and closed when the test ends."""
        opened: list[Any] = []

        def make(
            config: Mapping[str, Any] | None = None,
            *,
            project: str = "test",
            stack: str = "test",
            **kwargs: Any,
        ) -> Any:
            if opened:
                raise RuntimeError("one runtime per test: Pulumi's settings are process-global")
            runtime = _plan("runtime").MockRuntime(
                project=project, stack=stack, config=_full_keys(config or {}, project), **kwargs
            )
            runtime.__enter__()
            opened.append(runtime)
            return runtime

        yield make
        for runtime in opened:
            try:
                runtime.verify()
            finally:
                runtime.__exit__(None, None, None)

    @pytest.fixture
    def crossnet_runtime(crossnet_runtime_factory: Callable[..., Any]) -> Any:
        """A fresh, entered mock runtime per test (``plan.runtime.MockRuntime``): register
        resources, ``settle()``, then assert on ``.resources``/``.one(...)``/``.value(output)``.
        Callbacks registered with ``.expect`` must have run when the test ends."""
        return crossnet_runtime_factory()
