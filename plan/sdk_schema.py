"""Placeholder until the SDK schema check lands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def check_plan(doc: Mapping[str, Any]) -> list[Any]:
    return []
