"""Read a stack's config (``Pulumi.<stack>.yaml``) the way the Pulumi CLI hands it to a program."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROJECT = "crossnet"


class StackConfigError(Exception):
    """The stack file is missing or malformed."""


@dataclass
class StackConfig:
    stack: str
    values: dict[str, Any]
    secret_keys: list[str] = field(default_factory=list)
    path: Path | None = None


def placeholder(key: str) -> str:
    """What a ``secure:`` value becomes offline: no ciphertext can be decrypted here."""
    return f"plan-placeholder-for-{key.replace(':', '-')}"


def _contains_secure(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_contains_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secure(v) for v in value)
    return False


def _replace_secure(key: str, value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return placeholder(key)
        return {k: _replace_secure(f"{key}.{k}", v) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_secure(f"{key}[{i}]", v) for i, v in enumerate(value)]
    return value


def load(stack: str, project_dir: Path, config_file: Path | None = None) -> StackConfig:
    path = config_file or project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise StackConfigError(
            f"stack config {path} not found (stacks here: "
            + ", ".join(sorted(p.name for p in project_dir.glob("Pulumi.*.yaml") if p.name != "Pulumi.yaml"))
            + ")"
        )
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise StackConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise StackConfigError(f"{path}: expected a mapping with a 'config' key")
    raw = document.get("config") or {}
    if not isinstance(raw, dict):
        raise StackConfigError(f"{path}: 'config' must be a mapping, got {type(raw).__name__}")
    values: dict[str, Any] = {}
    secret_keys: list[str] = []
    for key, value in raw.items():
        full_key = key if ":" in str(key) else f"{PROJECT}:{key}"
        if _contains_secure(value):
            secret_keys.append(full_key)
        values[full_key] = _replace_secure(full_key, value)
    return StackConfig(stack=stack, values=values, secret_keys=secret_keys, path=path)
