"""Small recorded plans built by hand, so the checks are tested without any component."""

from __future__ import annotations

from typing import Any

STACK = "urn:pulumi:t::crossnet::"


def resource(
    type_: str,
    name: str,
    inputs: dict[str, Any] | None = None,
    parent: str | None = None,
    provider: str | None = None,
    custom: bool = True,
) -> dict[str, Any]:
    return {
        "urn": f"{STACK}{type_}::{name}",
        "type": type_,
        "name": name,
        "parent": parent,
        "provider": provider,
        "custom": custom,
        "inputs": inputs or {},
        "secret_inputs": [],
        "dependencies": [],
        "protect": False,
        "ignore_changes": [],
        "additional_secret_outputs": [],
        "delete_before_replace": False,
        "retain_on_delete": False,
        "custom_timeouts": {},
    }


def plan(*resources: dict[str, Any], stack: str = "t") -> dict[str, Any]:
    return {"format": 1, "project": "crossnet", "stack": stack, "resources": list(resources), "outputs": {}}
