"""Test harness: a fresh, recording Pulumi mock runtime per test.

``runtime`` is a :class:`plan.runtime.MockRuntime` already entered: construct
components in the test, call ``runtime.settle()`` (or ``runtime.run(fn)``),
then assert on ``runtime.resources`` (recorded inputs, parents, providers,
dependencies) and ``runtime.value(output)`` (resolved outputs; raises if the
output never got a known value). Callbacks registered with ``runtime.expect``
must run, or the test fails at teardown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from plan.runtime import MockRuntime

DEFAULT_CONFIG = {"aws:region": "us-east-1", "gcp:project": "crossnet-test"}


@pytest.fixture
def runtime_factory() -> Iterator[Callable[..., MockRuntime]]:
    """Make a runtime with its own config/preview flag; it is entered and cleaned up for you."""
    opened: list[MockRuntime] = []

    def make(config: dict[str, Any] | None = None, **kwargs: Any) -> MockRuntime:
        if opened:
            raise RuntimeError("one runtime per test: Pulumi's settings are process-global")
        rt = MockRuntime(config={**DEFAULT_CONFIG, **(config or {})}, **kwargs)
        rt.__enter__()
        opened.append(rt)
        return rt

    yield make
    for rt in opened:
        try:
            rt.verify()
        finally:
            rt.__exit__(None, None, None)


@pytest.fixture
def runtime(runtime_factory: Callable[..., MockRuntime]) -> MockRuntime:
    return runtime_factory()
