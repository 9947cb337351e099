"""Read a project's ``Pulumi.yaml`` and a stack's ``Pulumi.<stack>.yaml`` the way the Pulumi CLI does.

The project name comes from the project's own ``Pulumi.yaml`` (``name:``); a config key without
a namespace (``region``) belongs to it (``myapp:region``), as in ``pulumi config``. What the CLI
refuses is refused here too, as a :class:`StackConfigError` (the plan prints it and exits 2):
a key that appears twice in one mapping, a stack file without a ``config:`` mapping.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

PROJECT = "crossnet"
"""The project name when a directory has no ``Pulumi.yaml`` (test fixtures)."""


class StackConfigError(Exception):
    """The stack file is missing or malformed."""


@dataclass
class StackConfig:
    stack: str
    values: dict[str, Any]
    secret_keys: list[str] = field(default_factory=list)
    path: Path | None = None
    project: str = PROJECT


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""


def _mapping_without_duplicates(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)  # type: ignore[arg-type]
        line = key_node.start_mark.line + 1
        if key in seen:
            raise StackConfigError(
                f"{key_node.start_mark.name}: key {key!r} appears twice in one mapping "
                f"(line {seen[key]} and line {line}); the Pulumi CLI refuses the file"
            )
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def read_yaml(path: Path) -> Any:
    """A YAML file as Python values; duplicate keys and syntax errors are a :class:`StackConfigError`."""
    try:
        return yaml.load(path.read_text(), Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise StackConfigError(f"{path}: not valid YAML: {exc}") from exc


def project_name(project_dir: Path) -> str:
    """``name:`` of the project's ``Pulumi.yaml`` (``Pulumi.yml``); ``crossnet`` when there is none."""
    for candidate in ("Pulumi.yaml", "Pulumi.yml"):
        path = project_dir / candidate
        if path.is_file():
            document = read_yaml(path)
            name = document.get("name") if isinstance(document, dict) else None
            if not isinstance(name, str) or not name:
                raise StackConfigError(f"{path}: expected a project 'name:'")
            return name
    return PROJECT


def full_key(key: Any, project: str) -> str:
    """A config key with its namespace: one without (``region``) belongs to the project (``myapp:region``)."""
    return key if ":" in str(key) else f"{project}:{key}"


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
    project = project_name(project_dir)
    document = read_yaml(path)
    if not isinstance(document, dict) or "config" not in document:
        raise StackConfigError(
            f"{path}: no 'config:' mapping; a stack file sets its values under 'config:' "
            f"(for example `config:` then `  {project}:scenarios: [...]`)"
        )
    raw = document["config"]
    if not isinstance(raw, dict):
        raise StackConfigError(f"{path}: 'config' must be a mapping, got {type(raw).__name__}")
    values: dict[str, Any] = {}
    secret_keys: list[str] = []
    for key, value in raw.items():
        namespaced = full_key(key, project)
        if _contains_secure(value):
            secret_keys.append(namespaced)
        values[namespaced] = _replace_secure(namespaced, value)
    return StackConfig(stack=stack, values=values, secret_keys=secret_keys, path=path, project=project)
