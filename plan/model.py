"""The offline plan: run a program on the mock runtime and describe what it registers.

The JSON form (``format: 1``) is what reviewers diff and what the policy pack and
benchmarks read:

``{"format": 1, "project", "stack", "resources": [{"urn", "type", "name", "parent",
"provider", "custom", "inputs", "secret_inputs", "dependencies", "protect",
"ignore_changes", "additional_secret_outputs", "delete_before_replace",
"retain_on_delete", "custom_timeouts"}], "outputs": {...}}``

Every value that was secret (input, output or export) is replaced by ``MASK``.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.sync_await import _sync_await

from .config import StackConfig
from .provider_rules import MASK
from .runtime import MockRuntime, Resource

FORMAT = 1


def _digest_file(path: str) -> str:
    import hashlib

    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "unreadable"


def _project_path(path: str) -> str:
    """``path`` relative to the project (the working directory) when it is inside it: two checkouts
    of one commit plan the same asset (Pulumi compares assets by content, not by where they are)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path


def plain(value: Any) -> Any:
    """Assets and archives as JSON-friendly descriptions (path and content digest)."""
    if isinstance(value, pulumi.FileAsset):
        return {
            "asset": "file",
            "path": _project_path(str(value.path)),
            "sha256": _digest_file(str(value.path)),
        }
    if isinstance(value, pulumi.StringAsset):
        return {"asset": "string", "text": value.text}
    if isinstance(value, pulumi.RemoteAsset | pulumi.RemoteArchive):
        return {"remote": value.uri}
    if isinstance(value, pulumi.FileArchive):
        return {"archive": "file", "path": _project_path(str(value.path))}
    if isinstance(value, pulumi.AssetArchive):
        return {"archive": {k: plain(v) for k, v in sorted(value.assets.items())}}
    return value


def integral(value: Any) -> Any:
    """Numbers cross the wire as doubles; show 3 as 3, not 3.0. Assets become plain values."""
    value = plain(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: integral(v) for k, v in value.items()}
    if isinstance(value, list):
        return [integral(v) for v in value]
    return value


def mask(value: Any, secret_paths: set[str], path: str = "") -> Any:
    if path in secret_paths:
        return MASK
    if isinstance(value, dict):
        return {k: mask(v, secret_paths, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask(v, secret_paths, f"{path}[{i}]") for i, v in enumerate(value)]
    return value


def resource_record(res: Resource) -> dict[str, Any]:
    return {
        "urn": res.urn,
        "type": res.type,
        "name": res.name,
        "parent": res.parent or None,
        "provider": res.provider_urn or None,
        "custom": res.custom,
        "inputs": integral(mask(res.inputs, res.secret_inputs)),
        "secret_inputs": sorted(res.secret_inputs),
        "dependencies": sorted(res.dependencies),
        "protect": res.protect,
        "ignore_changes": list(res.ignore_changes),
        "additional_secret_outputs": list(res.additional_secret_outputs),
        "delete_before_replace": res.delete_before_replace,
        "retain_on_delete": res.retain_on_delete,
        "custom_timeouts": res.custom_timeouts,
    }


def masked_outputs(runtime: MockRuntime, value: Any) -> Any:
    """Resolve exported values, masking each secret leaf (not the whole export)."""
    if isinstance(value, pulumi.Output):
        if runtime.is_secret(value):
            return MASK
        return masked_outputs(runtime, _sync_await(value.future()))
    if isinstance(value, dict):
        return {k: masked_outputs(runtime, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked_outputs(runtime, v) for v in value]
    return value


def run_program(project_dir: Path, config: StackConfig, program: str = "__main__.py") -> dict[str, Any]:
    """Run the project's program for a stack on the mock runtime; return the plan document."""
    root = str(project_dir.resolve())
    if root not in sys.path:
        sys.path.insert(0, root)
    with MockRuntime(
        project=config.project, stack=config.stack, config=config.values, secret_keys=config.secret_keys
    ) as rt:
        rt.run(lambda: runpy.run_path(str(project_dir / program), run_name="__main__"))
        from pulumi.runtime import settings

        exported = dict(getattr(settings.get_root_resource(), "outputs", {}) or {})
        outputs = integral({k: masked_outputs(rt, v) for k, v in exported.items()})
        # registration order depends on how asyncio interleaves; URN order is the same every run
        resources = [resource_record(r) for r in sorted(rt.resources, key=lambda r: r.urn)]
    return {
        "format": FORMAT,
        "project": config.project,
        "stack": config.stack,
        "resources": resources,
        "outputs": outputs,
    }
