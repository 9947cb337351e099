"""The plugin package's schema, inferred by component_provider_host's analyzer (no engine).

Checks every component, its inputs (types, descriptions, required and plain flags), its
outputs, and which outputs are secret, against the Python classes the schema is built from
and against what the components really return on the mock runtime.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import runpy
import typing
from collections.abc import Awaitable
from typing import Any

import pulumi
import pytest

import components
import provider
from docs import examples, generate

NAMES = sorted(provider.SECRET_OUTPUTS)
SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return provider.schema()


def camel(name: str) -> str:
    return generate.camel(name)


def expected_property(tp: Any) -> tuple[dict[str, Any], bool]:
    """What the schema should say for a Python annotation: (shape, plain)."""
    plain = True
    if typing.get_origin(tp) in (typing.NotRequired, typing.Required):
        tp = typing.get_args(tp)[0]
    if typing.get_origin(tp) is pulumi.Output:
        tp, plain = typing.get_args(tp)[0], False
    if typing.get_origin(tp) is typing.Union:
        awaitable = [a for a in typing.get_args(tp) if typing.get_origin(a) is Awaitable]
        if awaitable:
            tp, plain = typing.get_args(awaitable[0])[0], False
        else:  # X | None
            tp = next(a for a in typing.get_args(tp) if a is not type(None))
    if tp in SCALARS:
        return {"type": SCALARS[tp]}, plain
    if isinstance(tp, type) and issubclass(tp, pulumi.ProviderResource):  # a provider you pass in
        package = tp.__module__.split(".")[0].removeprefix("pulumi_")
        version = importlib.metadata.version(f"pulumi_{package}")
        return {"$ref": f"/{package}/v{version}/schema.json#/resources/pulumi:providers:{package}"}, plain
    if generate.is_typeddict(tp):
        return {"$ref": f"#/types/crossnet:index:{tp.__name__}"}, plain
    origin = typing.get_origin(tp)
    if origin is list:
        return {"type": "array", "items": expected_property(typing.get_args(tp)[0])[0]}, plain
    if origin is dict:
        return {"type": "object", "additionalProperties": expected_property(typing.get_args(tp)[1])[0]}, plain
    raise AssertionError(f"unexpected annotation {tp!r}")


def shape(prop: dict[str, Any]) -> dict[str, Any]:
    keep = {k: v for k, v in prop.items() if k in ("type", "$ref")}
    if "items" in prop:
        keep["items"] = shape(prop["items"])
    if "additionalProperties" in prop:
        keep["additionalProperties"] = shape(prop["additionalProperties"])
    return keep


def output_annotations(cls: type) -> dict[str, Any]:
    return {k: v for k, v in inspect.get_annotations(cls).items() if typing.get_origin(v) is pulumi.Output}


def test_every_component_is_served(schema: dict[str, Any]) -> None:
    exported = {n for n in components.__all__ if not n.endswith("Args") and n != "ValidationError"}
    assert set(NAMES) == exported
    assert set(schema["resources"]) == {f"crossnet:index:{n}" for n in NAMES}
    assert schema["name"] == "crossnet" and schema["version"] == provider.VERSION
    for name in NAMES:
        resource = schema["resources"][f"crossnet:index:{name}"]
        assert resource["isComponent"] is True
        assert resource["description"] == (getattr(components, name).__doc__ or "").strip()


@pytest.mark.parametrize("name", NAMES)
def test_inputs_follow_the_args_typeddict(schema: dict[str, Any], name: str) -> None:
    args = generate.args_class(getattr(components, name))
    resource = schema["resources"][f"crossnet:index:{name}"]
    inputs = resource["inputProperties"]
    assert set(inputs) == {camel(k) for k in args.__annotations__}
    assert set(resource.get("requiredInputs", [])) == {camel(k) for k in args.__required_keys__}
    for key, annotation in args.__annotations__.items():
        prop = inputs[camel(key)]
        want, plain = expected_property(annotation)
        assert shape(prop) == want, key
        # Plain inputs reach the component as values it can validate before creating anything.
        assert prop.get("plain", False) is plain, key
        assert prop.get("description", "").strip(), f"{name}.{key} has no description"


def test_nested_types_are_described(schema: dict[str, Any]) -> None:
    assert schema["types"], "the Args use nested TypedDicts"
    for token, spec in schema["types"].items():
        cls_name = token.rsplit(":", 1)[-1]
        assert spec["type"] == "object"
        for key, prop in spec["properties"].items():
            assert prop.get("description", "").strip(), f"{cls_name}.{key} has no description"


@pytest.mark.parametrize("name", NAMES)
def test_outputs_follow_the_class_annotations(schema: dict[str, Any], name: str) -> None:
    cls = getattr(components, name)
    resource = schema["resources"][f"crossnet:index:{name}"]
    annotations = output_annotations(cls)
    assert set(resource["properties"]) == {camel(k) for k in annotations}
    for key, annotation in annotations.items():
        prop = resource["properties"][camel(key)]
        assert shape(prop) == expected_property(annotation)[0], key
        assert prop.get("description", "").strip(), f"{name}.{key} has no description"
        # Consumers in other languages read secrecy from the description.
        says_secret = "(secret)" in prop["description"]
        assert says_secret == (key in provider.SECRET_OUTPUTS[name]), (name, key)


@pytest.mark.parametrize("example", examples.EXAMPLES, ids=lambda e: e.main.component)
def test_secret_outputs_are_secret_at_run_time(example: examples.Example) -> None:
    name = example.main.component
    with generate.run_example(example) as (runtime, built):
        component = built[example.main.var]
        secret = {
            key for key in output_annotations(type(component)) if runtime.is_secret(getattr(component, key))
        }
    assert secret == provider.SECRET_OUTPUTS[name]


def test_every_component_has_an_example() -> None:
    assert sorted(e.main.component for e in examples.EXAMPLES) == NAMES


def test_the_entry_point_imports_without_serving() -> None:
    path = provider.ROOT / "provider" / "__main__.py"
    namespace = runpy.run_path(str(path), run_name="crossnet_check")
    assert namespace["component_provider_host"].__module__ == "pulumi.provider.experimental.host"
    assert [c.__name__ for c in namespace["components"]()] == [
        "AuroraGlobalDb",
        "KafkaPrivateLinkCluster",
        "AzureVnetPeering",
        "AzureVnetPeeringAccess",
        "OpenVpnGateway",
        "PostgresStandby",
    ]


def test_postponed_annotations_would_break_the_schema() -> None:
    """Why the component modules avoid ``from __future__ import annotations``."""
    from pulumi.provider.experimental.analyzer import Analyzer

    source = (
        "from __future__ import annotations\nfrom typing import TypedDict\nimport pulumi\n"
        "class DemoArgs(TypedDict):\n    size: int\n"
        "class Demo(pulumi.ComponentResource):\n    out: pulumi.Output[str]\n"
        "    def __init__(self, name: str, args: DemoArgs, opts=None):\n"
        "        super().__init__('crossnet:index:Demo', name, None, opts)\n"
    )
    namespace: dict[str, Any] = {"__name__": "crossnet_demo"}
    exec(compile(source, "<demo>", "exec"), namespace)  # noqa: S102 - a fixed snippet
    with pytest.raises(AttributeError):
        Analyzer("crossnet").analyze([namespace["Demo"]])


def test_schema_tokens_are_the_tokens_the_classes_register(schema):
    """component_provider_host serves `crossnet:index:<Class>`; each class registers exactly that."""
    from components.tokens import type_token

    served = set(schema["resources"])
    assert served == {type_token(name) for name in NAMES}
    assert all(token.startswith("crossnet:index:") for token in served)


@pytest.mark.parametrize("example", examples.EXAMPLES, ids=lambda e: e.main.component)
def test_each_component_registers_the_served_token_with_the_0_1_0_token_as_alias(example) -> None:
    """Stacks deployed with 0.1.0 registered `crossnet:<module>:<Class>`; the alias keeps them."""
    from components.tokens import type_token

    name = example.main.component
    # the components 0.1.0 shipped, by the module in their 0.1.0 token; newer ones have no old token
    released = {
        "AuroraGlobalDb": "aws",
        "KafkaPrivateLinkCluster": "aws",
        "AzureVnetPeering": "azure",
        "OpenVpnGateway": "gcp",
        "PostgresStandby": "gcp",
    }
    with generate.run_example(example) as (runtime, built):
        root = runtime.one(type_token(name), example.main.name)
        assert root.urn == runtime.value(built[example.main.var].urn)
        expected = [f"crossnet:{released[name]}:{name}"] if name in released else []
        assert root.alias_types == expected
