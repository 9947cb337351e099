"""Provider-like answers for Pulumi's mock runtime.

``ProviderMocks`` answers ``new_resource`` and ``call`` the way the real
providers would: realistic ids, ARNs, endpoints and lookups, real PEMs for
``tls:*`` resources. Answers live in ``plan/answers/<topic>.py`` modules, each
exporting ``RESOURCES`` (type token -> function) and ``CALLS`` (invoke token ->
function); every module in that package is loaded. An invoke without an answer
raises, because a silent ``{}`` turns into ``None`` fields and tests that pass by
accident.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.runtime import mocks as pulumi_mocks

from .runtime import RecordingMonitor, Resource, _MonitorAware, unwrap_secrets


@dataclass
class Ctx:
    """What an answer function gets: the resource (or call) and the run's context."""

    type: str
    name: str
    inputs: dict[str, Any]
    region: str
    config: Mapping[str, Any]
    monitor: RecordingMonitor | None

    def find(self, type_token: str) -> list[Resource]:
        if self.monitor is None:
            return []
        return [r for r in self.monitor.recorded.values() if r.type == type_token]


ResourceAnswer = Callable[[Ctx], "tuple[str, dict[str, Any]] | dict[str, Any]"]
CallAnswer = Callable[[Ctx], dict[str, Any]]

_RESOURCES: dict[str, ResourceAnswer] = {}
_PREFIXES: list[tuple[str, ResourceAnswer]] = []
_CALLS: dict[str, CallAnswer] = {}


def _load_answers() -> None:
    if _RESOURCES or _CALLS:
        return
    from . import answers as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for token, fn in getattr(module, "RESOURCES", {}).items():
            if token.endswith("*"):
                _PREFIXES.append((token[:-1], fn))
            else:
                _RESOURCES[token] = fn
        _CALLS.update(getattr(module, "CALLS", {}))
    _PREFIXES.sort(key=lambda p: -len(p[0]))


class MissingCallMock(LookupError):
    pass


class ProviderMocks(_MonitorAware, pulumi_mocks.Mocks):
    def __init__(self, config: Mapping[str, Any] | None = None, preview: bool = False):
        _load_answers()
        self.config = dict(config or {})
        self.preview = preview
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _region_of(self, provider_ref: str | None, inputs: Mapping[str, Any]) -> str:
        if isinstance(inputs.get("region"), str) and inputs["region"]:
            return inputs["region"]
        if provider_ref and self.monitor is not None:
            urn = provider_ref.rsplit("::", 1)[0]
            provider = self.monitor.recorded.get(urn)
            if provider is not None:
                region = provider.inputs.get("region") or provider.inputs.get("location")
                if isinstance(region, str):
                    return region
        for key in ("aws:region", "gcp:region", "azure-native:location"):
            if isinstance(self.config.get(key), str):
                return self.config[key]
        return "us-east-1"

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        inputs, _ = unwrap_secrets(args.inputs)
        ctx = Ctx(
            args.typ, args.name, inputs, self._region_of(args.provider, inputs), self.config, self.monitor
        )
        answer = _RESOURCES.get(args.typ)
        if answer is None:
            answer = next((fn for prefix, fn in _PREFIXES if args.typ.startswith(prefix)), None)
        resource_id = f"{args.name}-id"
        extra: dict[str, Any] = {}
        if answer is not None:
            result = answer(ctx)
            if isinstance(result, tuple):
                resource_id, extra = result
            else:
                extra = result
        state = dict(args.inputs)  # keeps secret envelopes on inputs echoed as outputs
        if self.preview and not args.typ.startswith("pulumi:providers:"):
            # like the engine's preview of a create: computed outputs and the id are unknown
            return None, state
        state.update(extra)
        return resource_id, state

    def call(self, args: pulumi_mocks.MockCallArgs) -> dict:  # type: ignore[override]
        inputs, _ = unwrap_secrets(args.args)
        self.calls.append((args.token, inputs))
        answer = _CALLS.get(args.token)
        if answer is None:
            raise MissingCallMock(f"no mock answer for invoke {args.token}; add one in plan/answers/")
        ctx = Ctx(args.token, "", inputs, self._region_of(args.provider, inputs), self.config, self.monitor)
        return answer(ctx)
