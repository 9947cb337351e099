"""A recording mock runtime for Pulumi programs.

``MockRuntime`` gives one program run a fresh event loop, fresh settings and
fresh mocks, records every registered resource (type, name, parent, provider,
inputs with their secret paths, dependencies, options, mock outputs), and
resolves outputs after the run. Nothing here talks to an engine or a cloud.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

SECRET_SIG = rpc._special_secret_sig
SIG_KEY = rpc._special_sig_key
UNKNOWN = rpc.UNKNOWN


class UnknownOutput(AssertionError):
    """An output had no known value after the run (unknown in preview, or never resolved)."""


class CallbackNeverRan(AssertionError):
    """A callback registered with ``MockRuntime.expect`` did not run."""


def is_secret_envelope(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def unwrap_secrets(value: Any, path: str = "", found: set[str] | None = None) -> tuple[Any, set[str]]:
    """Strip secret envelopes from a deserialized property value.

    Returns the plain value and the set of paths (``a.b[0]``) that were secret.
    """
    found = set() if found is None else found
    if is_secret_envelope(value):
        found.add(path)
        inner, _ = unwrap_secrets(value.get("value"), path, set())
        return inner, found
    if isinstance(value, dict):
        return {
            k: unwrap_secrets(v, f"{path}.{k}" if path else str(k), found)[0] for k, v in value.items()
        }, found
    if isinstance(value, list):
        return [unwrap_secrets(v, f"{path}[{i}]", found)[0] for i, v in enumerate(value)], found
    return value, found


def wrap_secret(value: Any) -> dict[str, Any]:
    return {SIG_KEY: SECRET_SIG, "value": value}


@dataclass
class Resource:
    """One registered resource as the engine would have seen it."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    provider: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    inputs: dict[str, Any]
    secret_inputs: set[str]
    id: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)
    protect: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    additional_secret_outputs: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    retain_on_delete: bool = False
    deleted_with: str = ""
    replace_on_changes: list[str] = field(default_factory=list)
    replace_with: list[str] = field(default_factory=list)
    aliases: int = 0
    alias_types: list[str] = field(default_factory=list)
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    component_outputs: dict[str, Any] = field(default_factory=dict)
    secret_component_outputs: set[str] = field(default_factory=set)

    @property
    def provider_urn(self) -> str:
        """URN of the explicit provider, '' for the default provider."""
        return self.provider.rsplit("::", 1)[0] if self.provider else ""

    @property
    def is_provider(self) -> bool:
        return self.type.startswith("pulumi:providers:")

    def input(self, path: str, default: Any = None) -> Any:
        """A nested input by dotted path (``ingress.0.cidrBlocks``)."""
        node: Any = self.inputs
        for part in path.split("."):
            if isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            elif isinstance(node, dict) and part in node:
                node = node[part]
            else:
                return default
        return node


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """MockMonitor that keeps everything a resource registration carried."""

    def __init__(self, mocks: pulumi_mocks.Mocks):
        super().__init__(mocks)
        self.recorded: dict[str, Resource] = {}
        self.order: list[str] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        from pulumi.runtime.proto import resource_pb2

        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        _ensure_event_loop()
        raw_inputs = rpc.deserialize_properties(request.object)
        inputs, secret_paths = unwrap_secrets(raw_inputs)
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=raw_inputs,
            provider=request.provider,
            resource_id=request.importId,
            custom=request.custom or False,
        )
        resource_id, state = self.mocks.new_resource(args)
        state = dict(state)
        for key in request.additionalSecretOutputs:
            if key in state and not is_secret_envelope(state[key]):
                state[key] = wrap_secret(state[key])
        outputs, secret_outputs = unwrap_secrets(state)
        obj_proto = _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, resource_id or "", state)
        timeouts = request.customTimeouts
        self.recorded[urn] = Resource(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=bool(request.custom),
            provider=request.provider,
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            inputs=inputs,
            secret_inputs=secret_paths,
            id=resource_id,
            outputs=outputs,
            secret_outputs=secret_outputs,
            protect=bool(request.protect),
            ignore_changes=list(request.ignoreChanges),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            delete_before_replace=bool(request.deleteBeforeReplace),
            retain_on_delete=bool(request.retainOnDelete),
            deleted_with=request.deletedWith,
            replace_on_changes=list(request.replaceOnChanges),
            replace_with=list(request.replace_with),
            aliases=len(request.aliases) + len(request.aliasURNs),
            alias_types=[a.spec.type for a in request.aliases if a.HasField("spec") and a.spec.type],
            custom_timeouts={
                k: v
                for k, v in (
                    ("create", timeouts.create),
                    ("update", timeouts.update),
                    ("delete", timeouts.delete),
                )
                if v
            },
        )
        self.order.append(urn)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id or "", object=obj_proto)

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802
        outputs, secret = unwrap_secrets(rpc.deserialize_properties(request.outputs))
        if request.urn in self.recorded:
            self.recorded[request.urn].component_outputs = outputs
            self.recorded[request.urn].secret_component_outputs = secret
        return super().RegisterResourceOutputs(request)


@dataclass
class Expectation:
    label: str
    ran: bool = False


class MockRuntime:
    """One isolated program run on Pulumi's mock runtime.

    Use as a context manager (the test fixture does): it installs a fresh event
    loop, settings and mocks, and on exit cancels pending work and closes the loop.
    """

    def __init__(
        self,
        mocks: pulumi_mocks.Mocks | None = None,
        *,
        project: str = "crossnet",
        stack: str = "test",
        preview: bool = False,
        config: Mapping[str, Any] | None = None,
        secret_keys: list[str] | None = None,
    ):
        from .mocks import ProviderMocks

        self.mocks = mocks if mocks is not None else ProviderMocks(config=config, preview=preview)
        self.project, self.stack, self.preview = project, stack, preview
        self.config = dict(config or {})
        self.secret_keys = list(secret_keys or [])
        self.monitor = RecordingMonitor(self.mocks)
        if isinstance(self.mocks, _MonitorAware):
            self.mocks.attach(self.monitor)
        self.expectations: list[Expectation] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    # -- lifecycle
    def __enter__(self) -> MockRuntime:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        settings.reset_options(project=self.project, stack=self.stack, preview=self.preview)
        set_all_config({k: _config_text(v) for k, v in self.config.items()}, self.secret_keys)
        pulumi_mocks.set_mocks(
            self.mocks, project=self.project, stack=self.stack, preview=self.preview, monitor=self.monitor
        )
        return self

    def __exit__(self, *exc: object) -> None:
        loop = self._loop
        try:
            if loop is not None:
                pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                for task in pending:
                    task.cancel()
                if pending:
                    with contextlib.suppress(BaseException):
                        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                with contextlib.suppress(BaseException):
                    loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()
        finally:
            asyncio.set_event_loop(None)
            settings.reset_options()
            set_all_config({}, [])
            current: Any = settings.SETTINGS
            current.outputs.clear()
            current.rpc_manager.clear()

    # -- running
    def run(self, program: Callable[[], Any]) -> Any:
        """Call ``program`` (which registers resources) and wait until everything settled."""
        result = program()
        self.settle()
        return result

    def settle(self) -> None:
        """Wait for every registration and output; re-raise the first error."""
        from pulumi.runtime.stack import wait_for_rpcs

        _sync_await(wait_for_rpcs())

    # -- outputs
    def value(self, output: Any) -> Any:
        """The resolved value of an Output (or plain value); fails when it is unknown."""
        out = pulumi.Output.from_input(output)
        known = _sync_await(out.is_known())
        value = _sync_await(out.future())
        if not known or _contains_unknown(value):
            raise UnknownOutput(f"output has no known value (preview={self.preview})")
        return value

    def is_secret(self, output: Any) -> bool:
        return bool(_sync_await(pulumi.Output.from_input(output).is_secret()))

    def expect(self, output: Any, check: Callable[[Any], Any], label: str = "") -> None:
        """Run ``check`` on the output's value; ``verify`` fails if it never ran."""
        expectation = Expectation(label or getattr(check, "__name__", "check"))
        self.expectations.append(expectation)

        def _run(value: Any) -> Any:
            expectation.ran = True
            return check(value)

        pulumi.Output.from_input(output).apply(_run)

    def verify(self) -> None:
        self.settle()
        missing = [e.label for e in self.expectations if not e.ran]
        if missing:
            raise CallbackNeverRan("callbacks never ran: " + ", ".join(missing))

    def stack_outputs(self) -> dict[str, Any]:
        """Values passed to ``pulumi.export``, resolved, secrets unwrapped."""
        root = settings.get_root_resource()
        exported = dict(getattr(root, "outputs", {}) or {})
        return {k: _sync_await(pulumi.Output.from_input(v).future()) for k, v in exported.items()}

    def secret_stack_outputs(self) -> set[str]:
        root = settings.get_root_resource()
        exported = dict(getattr(root, "outputs", {}) or {})
        return {k for k, v in exported.items() if self.is_secret(v)}

    # -- queries
    @property
    def resources(self) -> list[Resource]:
        return [self.monitor.recorded[u] for u in self.monitor.order]

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> Resource:
        return one_resource(self.resources, type_token, name)

    def by_urn(self, urn: str) -> Resource:
        return self.monitor.recorded[urn]

    def children(self, parent: Resource) -> list[Resource]:
        return [r for r in self.resources if r.parent == parent.urn]


def one_resource(resources: Iterable[Any], type_token: str, name: str | None = None) -> Any:
    """The one resource of ``type_token`` (named ``name``, when given); AssertionError otherwise."""
    of_type = [r for r in resources if r.type == type_token]
    found = [r for r in of_type if name is None or r.name == name]
    if len(found) != 1:
        names = [r.name for r in of_type]
        raise AssertionError(f"expected one {type_token} named {name!r}, found {names}")
    return found[0]


class _MonitorAware:
    """Mocks that want to look up earlier registrations (for example a provider's region)."""

    monitor: RecordingMonitor | None = None

    def attach(self, monitor: RecordingMonitor) -> None:
        self.monitor = monitor


def _config_text(value: Any) -> str:
    import json

    return value if isinstance(value, str) else json.dumps(value)


def _contains_unknown(value: Any) -> bool:
    if value is UNKNOWN or value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_contains_unknown(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_unknown(v) for v in value)
    return False
