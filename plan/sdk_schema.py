"""The input side of the provider schemas, rebuilt from the installed SDKs, and a check of a plan.

``python -m plan.sdk_schema --write`` imports, for every resource type the repository's stacks
register (``TYPES``), the SDK's ``<Resource>Args`` input class and walks it: each property's wire
name (``pulumi.getter(name=...)``), its annotation (strings, numbers, lists, maps, nested input
classes, enums from ``_enums.py``), whether ``__init__`` requires it, and the deprecation
message of ``_utilities.deprecated``. The result, with the SDK versions it came from, is
``plan/sdk_schema.json``; ``check_plan`` reads it (no SDK import at check time). A test fails
when an installed SDK's version differs from the recorded one: regenerate after changing
requirements.

``check_plan`` reports, for every recorded resource of a known type: a property the schema does
not have (at any depth), a required input that is missing, a value of the wrong type, a value
outside a strict enum (mandatory), and a deprecated property in use (advisory).
"""

from __future__ import annotations

import argparse
import enum
import importlib
import inspect
import json
import re
import sys
import typing
import warnings
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

from .provider_rules import MASK, Finding, components_of

SCHEMA_FILE = Path(__file__).with_name("sdk_schema.json")
UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown sentinel on the wire

# The resource types crossnet's stacks register (dev and prod plans); extend and regenerate.
TYPES: tuple[str, ...] = (
    "aiven:index/azureVpcPeeringConnection:AzureVpcPeeringConnection",
    "aiven:index/projectVpc:ProjectVpc",
    "aws:cloudwatch/eventRule:EventRule",
    "aws:cloudwatch/eventTarget:EventTarget",
    "aws:cloudwatch/logGroup:LogGroup",
    "aws:ebs/volume:Volume",
    "aws:ec2/eip:Eip",
    "aws:ec2/instance:Instance",
    "aws:ec2/internetGateway:InternetGateway",
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/route:Route",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/securityGroup:SecurityGroup",
    "aws:ec2/subnet:Subnet",
    "aws:ec2/volumeAttachment:VolumeAttachment",
    "aws:ec2/vpc:Vpc",
    "aws:ec2/vpcEndpointService:VpcEndpointService",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection",
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter",
    "aws:iam/instanceProfile:InstanceProfile",
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:kms/key:Key",
    "aws:lambda/function:Function",
    "aws:lambda/invocation:Invocation",
    "aws:lambda/permission:Permission",
    "aws:lb/listener:Listener",
    "aws:lb/loadBalancer:LoadBalancer",
    "aws:lb/targetGroup:TargetGroup",
    "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:rds/globalCluster:GlobalCluster",
    "aws:rds/subnetGroup:SubnetGroup",
    "aws:route53/record:Record",
    "aws:sqs/queue:Queue",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    "azure-native:authorization:RoleAssignment",
    "azure-native:authorization:RoleDefinition",
    "azure-native:network:VirtualNetworkPeering",
    "azuread:index/application:Application",
    "azuread:index/applicationPassword:ApplicationPassword",
    "azuread:index/servicePrincipal:ServicePrincipal",
    "command:local:Command",
    "gcp:compute/address:Address",
    "gcp:compute/attachedDisk:AttachedDisk",
    "gcp:compute/disk:Disk",
    "gcp:compute/diskResourcePolicyAttachment:DiskResourcePolicyAttachment",
    "gcp:compute/firewall:Firewall",
    "gcp:compute/instance:Instance",
    "gcp:compute/resourcePolicy:ResourcePolicy",
    "gcp:compute/route:Route",
    "gcp:monitoring/alertPolicy:AlertPolicy",
    "gcp:projects/iAMMember:IAMMember",
    "gcp:secretmanager/secret:Secret",
    "gcp:secretmanager/secretIamMember:SecretIamMember",
    "gcp:secretmanager/secretVersion:SecretVersion",
    "gcp:serviceaccount/account:Account",
    "random:index/randomBytes:RandomBytes",
    "random:index/randomId:RandomId",
    "random:index/randomPassword:RandomPassword",
    "time:index/rotating:Rotating",
    "time:index/sleep:Sleep",
    "tls:index/certRequest:CertRequest",
    "tls:index/locallySignedCert:LocallySignedCert",
    "tls:index/privateKey:PrivateKey",
    "tls:index/selfSignedCert:SelfSignedCert",
)

PACKAGES = {
    "aws": ("pulumi_aws", "pulumi-aws"),
    "gcp": ("pulumi_gcp", "pulumi-gcp"),
    "azure-native": ("pulumi_azure_native", "pulumi-azure-native"),
    "azuread": ("pulumi_azuread", "pulumi-azuread"),
    "aiven": ("pulumi_aiven", "pulumi-aiven"),
    "random": ("pulumi_random", "pulumi-random"),
    "tls": ("pulumi_tls", "pulumi-tls"),
    "time": ("pulumiverse_time", "pulumiverse-time"),
    "command": ("pulumi_command", "pulumi-command"),
}
MODULE_RENAMES = {"lambda": "lambda_"}


def args_class(resource_type: str) -> type:
    """The SDK's ``<Resource>Args`` class for a type token."""
    package, rest = resource_type.split(":", 1)
    module_path, class_name = rest.split(":")
    root, _ = PACKAGES[package]
    # through the package, never the submodule file: the SDKs load their submodules lazily, and
    # importing one directly leaves the package without its lazily bound classes
    if package == "azure-native":
        module = importlib.import_module(f"{root}.{module_path}")
    else:
        module_dir = module_path.split("/")[0]
        module = importlib.import_module(
            root if module_dir == "index" else f"{root}.{MODULE_RENAMES.get(module_dir, module_dir)}"
        )
    # the input class is <Resource>InitArgs where an input type already took <Resource>Args
    # (azure-native VirtualNetworkPeeringArgs is the peering block of a VirtualNetwork)
    return getattr(module, f"{class_name}InitArgs", None) or getattr(module, f"{class_name}Args")


def _deprecation(fget: Any) -> str | None:
    if "_pulumi_deprecated_callable" not in getattr(fget, "__dict__", {}):
        return None
    try:
        source = inspect.getsource(fget)
    except (OSError, TypeError):
        return "deprecated"
    found = re.search(r'deprecated\("""(.*?)"""\)', source, re.DOTALL)
    return " ".join(found.group(1).split()) if found else "deprecated"


def _describe(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    """A small JSON description of an annotation: kind, items/values/properties."""
    import pulumi

    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is typing.Union or (origin is not None and str(origin) == "types.UnionType"):
        kept = []
        for arg in args:
            arg_origin = typing.get_origin(arg)
            if arg is type(None) or arg_origin is pulumi.Output or arg is pulumi.Output:
                continue
            if arg_origin is not None and getattr(arg_origin, "__name__", "") == "Awaitable":
                continue
            kept.append(arg)
        enums = [a for a in kept if isinstance(a, type) and issubclass(a, enum.Enum)]
        others = [a for a in kept if a not in enums]
        if enums:
            values = sorted({str(m.value) for e in enums for m in e})
            return {"kind": "enum", "values": values, "strict": not others}
        if len(others) == 1:
            return _describe(others[0], defs)
        return {"kind": "union", "of": [_describe(a, defs) for a in others]}
    if origin is pulumi.Output:
        return _describe(args[0], defs) if args else {"kind": "any"}
    if origin in (list, Sequence, typing.Sequence) or origin is getattr(typing, "List", None):
        return {"kind": "array", "items": _describe(args[0], defs) if args else {"kind": "any"}}
    if origin in (dict, Mapping, typing.Mapping):
        return {"kind": "map", "values": _describe(args[1], defs) if len(args) > 1 else {"kind": "any"}}
    if hint is str:
        return {"kind": "string"}
    if hint is bool:
        return {"kind": "boolean"}
    if hint is int:
        return {"kind": "integer"}
    if hint is float:
        return {"kind": "number"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {"kind": "enum", "values": sorted(str(m.value) for m in hint), "strict": True}
    if isinstance(hint, type) and issubclass(hint, pulumi.Asset | pulumi.Archive):
        return {"kind": "asset"}
    if isinstance(hint, type) and hasattr(hint, "__init__") and hint.__name__.endswith("Args"):
        key = f"{hint.__module__}.{hint.__qualname__}"
        if key not in defs:
            defs[key] = {}  # placeholder: breaks cycles
            defs[key] = _object(hint, defs)
        return {"kind": "object", "ref": key}
    return {"kind": "any"}


def _locals() -> dict[str, Any]:
    import pulumi

    # pulumi.Input[T] expands to Union[T, Awaitable[T], "Output[T]"]; resolve the forward reference
    return {"Output": pulumi.Output, "T": Any}


_LOCALS = _locals()


def _object(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    module = sys.modules[cls.__module__]
    signature = inspect.signature(cls.__init__)
    required = sorted(
        name
        for name, p in signature.parameters.items()
        if name not in ("self", "__self__")
        and p.default is inspect.Parameter.empty
        and p.kind == p.KEYWORD_ONLY
    )
    properties: dict[str, Any] = {}
    python_to_wire: dict[str, str] = {}
    for attr, value in vars(cls).items():
        if not isinstance(value, property) or value.fget is None:
            continue
        fget = value.fget
        wire = getattr(fget, "_pulumi_name", None) or attr
        python_to_wire[attr] = wire
        try:
            hints = typing.get_type_hints(fget, globalns=vars(module), localns=_LOCALS)
            description = _describe(hints.get("return", Any), defs)
        except Exception:  # noqa: BLE001 - an annotation the SDK cannot resolve: accept any value
            description = {"kind": "any"}
        deprecated = _deprecation(fget)
        if deprecated:
            description["deprecated"] = deprecated
        properties[wire] = description
    return {"properties": properties, "required": sorted(python_to_wire.get(r, r) for r in required)}


def versions() -> dict[str, str]:
    """Installed version of each provider SDK distribution the types come from."""
    result = {}
    for package in sorted({t.split(":", 1)[0] for t in TYPES}):
        _, dist = PACKAGES[package]
        result[dist] = metadata.version(dist)
    return result


def build(types: Sequence[str] = TYPES) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    resources = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for resource_type in sorted(types):
            resources[resource_type] = _object(args_class(resource_type), defs)
    return {"versions": versions(), "resources": resources, "types": dict(sorted(defs.items()))}


@cache
def load() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text()) if SCHEMA_FILE.is_file() else {"resources": {}, "types": {}}


def _kind_ok(kind: str, value: Any) -> bool:
    return {
        "string": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "integer": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "array": isinstance(value, list),
        "map": isinstance(value, dict),
        "object": isinstance(value, dict),
        "asset": isinstance(value, dict) and bool({"asset", "archive", "remote"} & set(value)),
    }.get(kind, True)


def _walk(
    schema: Mapping[str, Any],
    spec: Mapping[str, Any],
    value: Any,
    path: str,
    out: list[tuple[str, str, Any, str]],
) -> None:
    """Append (level, path, value, problem) for everything wrong with ``value`` against ``spec``."""
    if value is None or (isinstance(value, str) and value in (MASK, UNKNOWN_VALUE)):
        return
    kind = spec.get("kind", "any")
    if spec.get("deprecated"):
        out.append(("advisory", path, value, "deprecated: " + spec["deprecated"]))
    if kind == "union":
        if not any(_kind_ok(option.get("kind", "any"), value) for option in spec.get("of", [])):
            kinds = " or ".join(o.get("kind", "any") for o in spec["of"])
            out.append(("mandatory", path, value, f"expected {kinds}, got {type(value).__name__}"))
        return
    if kind == "enum":
        if spec.get("strict") and str(value) not in spec["values"]:
            out.append(("mandatory", path, value, "one of " + ", ".join(spec["values"])))
        return
    if not _kind_ok(kind, value):
        out.append(("mandatory", path, value, f"expected {kind}, got {type(value).__name__}"))
        return
    if kind == "array":
        for i, item in enumerate(value):
            _walk(schema, spec["items"], item, f"{path}[{i}]", out)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            _walk(schema, spec["values"], item, f"{path}.{key}", out)
    elif kind == "object" and isinstance(value, dict):
        _walk_object(schema, schema["types"].get(spec["ref"], {}), value, path, out)


def _walk_object(
    schema: Mapping[str, Any], obj: Mapping[str, Any], value: Mapping[str, Any], path: str, out: list[Any]
) -> None:
    properties = obj.get("properties", {})
    prefix = f"{path}." if path else ""
    for key, item in value.items():
        if key == "__defaults" or (not path and key.startswith("__")):
            continue
        if key not in properties:
            out.append(("mandatory", prefix + key, item, "no such property in the provider SDK"))
            continue
        _walk(schema, properties[key], item, prefix + key, out)
    for key in obj.get("required", []):
        if value.get(key) is None:
            out.append(("mandatory", prefix + key, None, "a required input is missing"))


def check_record(
    record: Mapping[str, Any], schema: Mapping[str, Any] | None = None
) -> list[tuple[str, str, Any, str]]:
    schema = schema or load()
    obj = schema["resources"].get(str(record.get("type")))
    if obj is None:
        return []
    out: list[tuple[str, str, Any, str]] = []
    _walk_object(schema, obj, record.get("inputs") or {}, "", out)
    return out


def check_plan(doc: Mapping[str, Any], schema: Mapping[str, Any] | None = None) -> list[Finding]:
    schema = schema or load()
    resources = list(doc.get("resources") or [])
    components = components_of(resources)
    findings = []
    for record in resources:
        for level, path, value, problem in check_record(record, schema):
            check = "sdk-deprecated" if level == "advisory" else "sdk-input"
            findings.append(
                Finding(
                    check,
                    level,
                    str(record["urn"]),
                    str(record["type"]),
                    str(record["name"]),
                    path,
                    value,
                    problem,
                    "plan/sdk_schema.json, rebuilt from the installed SDKs ("
                    + ", ".join(f"{k} {v}" for k, v in schema.get("versions", {}).items())
                    + ")",
                    components.get(str(record["urn"]), ""),
                )
            )
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plan.sdk_schema", description=__doc__)
    parser.add_argument("--write", action="store_true", help=f"regenerate {SCHEMA_FILE.name}")
    args = parser.parse_args(argv)
    data = build()
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    if args.write:
        SCHEMA_FILE.write_text(text)
        print(
            f"wrote {SCHEMA_FILE} ({len(data['resources'])} resource types, {len(data['types'])} input types)"
        )
        return 0
    current = SCHEMA_FILE.read_text() if SCHEMA_FILE.is_file() else ""
    if current != text:
        print(f"{SCHEMA_FILE} is out of date: run python -m plan.sdk_schema --write", file=sys.stderr)
        return 1
    print(f"{SCHEMA_FILE} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
