"""The crossnet library and policy pack, wherever the plan tool runs.

Installed, the tool is ``crossnet.plan`` beside the library (``crossnet.validation``, ...) and
the pack (``crossnet.policy``); in this repository it is ``plan`` beside ``components`` and
``policy``. The tool must use the very modules the program imports (``ValidationError`` is
matched by class), so it looks them up here instead of importing a fixed name.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_PARENT = __package__.rpartition(".")[0] if __package__ else ""  # "crossnet" installed, "" here
LIBRARY = _PARENT or "components"


def module(name: str) -> ModuleType:
    """A library module by its name inside the library: ``module("aws.regions")``."""
    return importlib.import_module(f"{LIBRARY}.{name}")


def policy_rules() -> ModuleType | None:
    """The policy pack's rules (``policy/rules.py``), or None when it is not installed."""
    for candidate in (f"{_PARENT}.policy.rules" if _PARENT else "", "policy.rules"):
        if not candidate:
            continue
        try:
            return importlib.import_module(candidate)
        except ImportError:
            continue
    return None
