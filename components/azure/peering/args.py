"""AzureVnetPeering inputs: the Args types, the validated ``Settings`` and ``validate``.

Everything here is pure (no Pulumi resources), so ``validate`` runs before the
component registers anything and is tested directly.
"""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import pulumi

from ... import cidr
from ...validation import Problems, is_uuid, unknown_keys

SUBJECT = "AzureVnetPeering"

# Aiven's peering application: "a fix id and the command must be run like that" (Aiven, "Azure
# virtual network peering", https://aiven.io/docs/platform/howto/vnet-peering-azure, step
# `az ad sp create --id 55f300d4-...`). Managed Service for TimescaleDB projects are Aiven
# projects and follow the same procedure
# (https://www.tigerdata.com/docs/mst/latest/vpc-peering/vpc-peering-azure).
AIVEN_APP_ID = "55f300d4-fc50-4c5e-9222-e90a6e2187fb"
PEER_ACTION = "Microsoft.Network/virtualNetworks/peer/action"
# What writing, reading and deleting a peering on one's own VNet needs; `peer/action` is needed on
# the *remote* VNet only (Aiven grants it on theirs). Source: Microsoft Learn, "Create, change, or
# delete a virtual network peering", section Permissions
# (https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering#permissions).
PEERING_WRITE_ACTION = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write"
PEERING_WRITER_ACTIONS = (
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read",
    PEERING_WRITE_ACTION,
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete",
)
DEFAULT_AIVEN_API_URL = "https://api.aiven.io"
DEFAULT_ROLE_PROPAGATION_SECONDS = 60
# Aiven: "In some cases it has taken up to 15 minutes" for PENDING_PEER to become ACTIVE (same guide).
DEFAULT_ACTIVE_TIMEOUT_SECONDS = 1200
# Azure: a role assignment can take up to 30 minutes to apply (RBAC troubleshooting guide).
DEFAULT_PERMISSION_TIMEOUT_SECONDS = 1800
DEFAULT_PASSWORD_ROTATION_DAYS = 180
# The password stays valid this long past its planned rotation, so an `up` run late still signs in.
PASSWORD_GRACE_DAYS = 60

_UUID_LOWER = (
    "a lowercase UUID such as 0f2b4c6e-8a1d-4e3f-9b5a-7c6d5e4f3a2b (the provider API rejects uppercase)"
)
# Azure's rules narrowed to what Aiven accepts: lowercase only.
_RESOURCE_GROUP = re.compile(r"[a-z0-9._()-]{0,89}[a-z0-9_()-]")
_VNET = re.compile(r"[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9_])?")
_PEERING = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?")
_AIVEN_PROJECT = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_AIVEN_AZURE_CLOUD = re.compile(r"azure-[a-z0-9-]+")


class AivenProjectVpcArgs(TypedDict):
    """An Aiven project VPC to create when the project has none in the Azure region yet."""

    cloud_name: str
    """Aiven cloud of the VPC, an Azure one such as ``azure-westeurope``."""
    network_cidr: str
    """IPv4 range of the project VPC, such as ``10.30.0.0/24``; must not overlap the VNet."""


class AzureVnetPeeringAccessArgs(TypedDict):
    """Inputs of :class:`AzureVnetPeeringAccess`: the VNet whose peerings it authorizes."""

    subscription_id: str
    """Customer subscription holding the VNet (lowercase UUID)."""
    tenant_id: str
    """Customer Entra ID tenant (lowercase UUID)."""
    resource_group_name: str
    """Resource group of the VNet (lowercase)."""
    vnet_name: str
    """Name of the existing VNet (lowercase)."""
    provider_app_id: NotRequired[str]
    """Application id of the provider's peering app [``55f300d4-fc50-4c5e-9222-e90a6e2187fb``, Aiven's]."""


class VnetAccessIdsArgs(TypedDict):
    """What a peering needs from the VNet's :class:`AzureVnetPeeringAccess` (its ``ids`` output)."""

    provider_service_principal_id: pulumi.Input[str]
    """Object id of the provider application's service principal in the customer tenant."""
    provider_tenant_id: pulumi.Input[str]
    """The provider application's home tenant (its service principal's ``application_tenant_id``)."""
    provider_role_assignment_id: pulumi.Input[str]
    """Resource id of the provider principal's peer-only role assignment on the VNet."""
    peer_role_id: pulumi.Input[str]
    """Resource id of the custom role holding only ``virtualNetworks/peer/action``."""
    writer_role_id: pulumi.Input[str]
    """Resource id of the custom role that lets an app read, write and delete the VNet's peerings."""


class AzureVnetPeeringArgs(TypedDict):
    """Inputs of :class:`AzureVnetPeering`."""

    subscription_id: str
    """Customer subscription holding the VNet (lowercase UUID)."""
    tenant_id: str
    """Customer Entra ID tenant (lowercase UUID)."""
    resource_group_name: str
    """Resource group of the VNet (lowercase; the provider API rejects uppercase)."""
    vnet_name: str
    """Name of the existing VNet to peer (lowercase)."""
    aiven_project: str
    """Aiven project that owns the project VPC."""
    aiven_project_vpc_id: NotRequired[str]
    """Existing project VPC: ``<aiven_project>/<vpc uuid>`` (the Aiven provider's id) or the bare UUID.
    Required unless ``project_vpc`` is given."""
    project_vpc: NotRequired[AivenProjectVpcArgs]
    """Create the project VPC instead of using ``aiven_project_vpc_id`` (exactly one of the two)."""
    provider_app_id: NotRequired[str]
    """Application id of the provider's peering app [``55f300d4-fc50-4c5e-9222-e90a6e2187fb``, Aiven's]."""
    app_display_name: NotRequired[str]
    """Display name of the app registration [``aiven-peering-<resource group>-<vnet>``]."""
    peering_name: NotRequired[str]
    """Name of the VNet peering in Azure [``to-aiven-<aiven_project>``]."""
    vnet_address_space: NotRequired[list[str]]
    """The VNet's CIDRs; only used to check they do not overlap the provider VPC."""
    provider_vpc_cidr: NotRequired[str]
    """The project VPC's CIDR (taken from ``project_vpc`` when that is given); overlap check only."""
    role_propagation_seconds: NotRequired[int]
    """Fixed wait after the role assignments before Aiven's request, for Aiven's own role [60; 0..1800]."""
    permission_timeout_seconds: NotRequired[int]
    """How long to wait, before writing the peering, until the app's roles are effective on both VNets
    as the app sees them (ARM's permissions API) [1800; 60..3600]."""
    active_timeout_seconds: NotRequired[int]
    """How long to wait for Aiven to report the peering ACTIVE [1200; 30..7200]."""
    app_password_rotation_days: NotRequired[int]
    """The app's password is replaced by the first ``up`` after this many days, and expires 60 days
    later [180; 30..640]."""
    aiven_api_url: NotRequired[str]
    """Aiven API base URL for the ACTIVE wait [``https://api.aiven.io``]."""
    aiven_api_token: NotRequired[pulumi.Input[str]]
    """Token for the ACTIVE wait [config ``aiven:apiToken``, else ``AIVEN_TOKEN`` at run time]."""
    vnet_access: NotRequired[VnetAccessIdsArgs]
    """The VNet's shared roles, from an :class:`AzureVnetPeeringAccess` made once per VNet (its
    ``ids``), possibly in another program. Required for a second peering of the same VNet; without it
    the component makes its own (role names and the provider's assignment are unique per VNet)."""


class _VnetScope:
    """The ARM ids of the customer VNet, for settings that name its subscription, group and VNet."""

    subscription_id: str
    resource_group_name: str
    vnet_name: str

    @property
    def subscription_scope(self) -> str:
        return f"/subscriptions/{self.subscription_id}"

    @property
    def vnet_id(self) -> str:
        return (
            f"{self.subscription_scope}/resourceGroups/{self.resource_group_name}"
            f"/providers/Microsoft.Network/virtualNetworks/{self.vnet_name}"
        )


@dataclass(frozen=True)
class Settings(_VnetScope):
    """Validated plain inputs, with defaults applied."""

    subscription_id: str
    tenant_id: str
    resource_group_name: str
    vnet_name: str
    aiven_project: str
    vpc_uuid: str | None
    project_vpc: AivenProjectVpcArgs | None
    provider_app_id: str
    app_display_name: str
    peering_name: str
    role_propagation_seconds: int
    active_timeout_seconds: int
    aiven_api_url: str
    permission_timeout_seconds: int = DEFAULT_PERMISSION_TIMEOUT_SECONDS
    app_password_rotation_days: int = DEFAULT_PASSWORD_ROTATION_DAYS
    vnet_access: VnetAccessIdsArgs | None = None


@dataclass(frozen=True)
class AccessSettings(_VnetScope):
    """Validated inputs of :class:`AzureVnetPeeringAccess`."""

    subscription_id: str
    tenant_id: str
    resource_group_name: str
    vnet_name: str
    provider_app_id: str

    @property
    def vnet_path(self) -> str:
        return f"{self.subscription_id}/{self.resource_group_name}/{self.vnet_name}"


def peer_role_guid(vnet_id: str) -> str:
    """Stable across runs and distinct per VNet (a lost state finds the same definition again)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"crossnet:peer-action:{vnet_id}"))


def writer_role_guid(vnet_id: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"crossnet:peering-writer:{vnet_id}"))


def _args_mapping(args: Any, problems: Problems, prefix: str, keys: type) -> bool:
    """Whether ``args`` is a mapping (a problem when not), recording any key ``keys`` does not name."""
    if not isinstance(args, Mapping):
        problems.add(prefix.rstrip(".") or "args", args, f"a mapping of {keys.__name__} keys")
        return False
    unknown_keys(args, keys.__annotations__, problems, prefix)
    return True


def validate_access(args: Any, problems: Problems, prefix: str = "") -> AccessSettings | None:
    """Check the inputs of :class:`AzureVnetPeeringAccess`; AccessSettings when all are good."""
    before = len(problems.items)
    if not _args_mapping(args, problems, prefix, AzureVnetPeeringAccessArgs):
        return None
    sub, tenant, app_id, group, vnet = _vnet_fields(problems, args, prefix)
    if len(problems.items) > before or None in (sub, tenant, app_id, group, vnet):
        return None
    return AccessSettings(
        subscription_id=str(sub),
        tenant_id=str(tenant),
        resource_group_name=str(group),
        vnet_name=str(vnet),
        provider_app_id=str(app_id),
    )


def _vnet_fields(
    problems: Problems, args: Mapping[str, Any], prefix: str
) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """subscription_id, tenant_id, provider_app_id, resource_group_name, vnet_name."""
    sub = _lower_uuid(problems, prefix + "subscription_id", problems.require(args, "subscription_id", prefix))
    tenant = _lower_uuid(problems, prefix + "tenant_id", problems.require(args, "tenant_id", prefix))
    app_id = (
        _lower_uuid(problems, prefix + "provider_app_id", args["provider_app_id"])
        if "provider_app_id" in args
        else AIVEN_APP_ID
    )
    group = _name(
        problems,
        args,
        prefix,
        "resource_group_name",
        _RESOURCE_GROUP,
        "1-90 lowercase letters, digits, '._-()', not ending in '.' (the provider API "
        "accepts lowercase only)",
    )
    vnet = _name(
        problems,
        args,
        prefix,
        "vnet_name",
        _VNET,
        "2-64 lowercase letters, digits, '._-', starting with a letter or "
        "digit and ending with a letter, digit or '_' (the provider API accepts lowercase only)",
    )
    return sub, tenant, app_id, group, vnet


def _vnet_access(problems: Problems, value: Any, field_name: str) -> VnetAccessIdsArgs | None:
    """Each id may be an Output (it only flows into resources); the mapping itself must be plain."""
    keys = VnetAccessIdsArgs.__annotations__
    if isinstance(value, pulumi.Output) or not isinstance(value, Mapping):
        allowed = "a mapping with " + ", ".join(keys) + " (AzureVnetPeeringAccess.ids)"
        if not isinstance(value, pulumi.Output) or problems.plain(value, field_name):
            problems.add(field_name, value, allowed)
        return None
    unknown_keys(value, keys, problems, field_name + ".")
    for key in keys:
        item = problems.require(value, key, field_name + ".")
        if item is not None and not isinstance(item, pulumi.Output) and not (isinstance(item, str) and item):
            problems.add(f"{field_name}.{key}", item, "a non-empty id (string or Output)")
    return VnetAccessIdsArgs(**{k: value[k] for k in keys if k in value})  # type: ignore[typeddict-item]


def validate(args: Any, problems: Problems, prefix: str = "") -> Settings | None:
    """Check every input, recording problems under ``<prefix><field>``; Settings when all are good."""
    before = len(problems.items)
    if not _args_mapping(args, problems, prefix, AzureVnetPeeringArgs):
        return None

    sub, tenant, app_id, group, vnet = _vnet_fields(problems, args, prefix)
    project = _name(
        problems,
        args,
        prefix,
        "aiven_project",
        _AIVEN_PROJECT,
        "an Aiven project name: lowercase letters, digits and '-', at most 63",
    )
    vpc_uuid, project_vpc = _project_vpc(problems, args, prefix, project)

    display = args.get("app_display_name", f"aiven-peering-{group}-{vnet}")
    if "app_display_name" in args:
        problems.string(
            display, prefix + "app_display_name", r"[^\x00-\x1f]{1,120}", "1-120 printable characters"
        )
    peering = args.get("peering_name", f"to-aiven-{project}")
    if "peering_name" in args:
        _name(
            problems,
            args,
            prefix,
            "peering_name",
            _PEERING,
            "1-80 letters, digits, '._-', starting with a letter or digit and "
            "ending with a letter, digit or '_'",
        )
    propagation = problems.integer(
        args.get("role_propagation_seconds", DEFAULT_ROLE_PROPAGATION_SECONDS),
        prefix + "role_propagation_seconds",
        0,
        1800,
    )
    active = problems.integer(
        args.get("active_timeout_seconds", DEFAULT_ACTIVE_TIMEOUT_SECONDS),
        prefix + "active_timeout_seconds",
        30,
        7200,
    )
    permission_timeout = problems.integer(
        args.get("permission_timeout_seconds", DEFAULT_PERMISSION_TIMEOUT_SECONDS),
        prefix + "permission_timeout_seconds",
        60,
        3600,
    )
    rotation_days = problems.integer(
        args.get("app_password_rotation_days", DEFAULT_PASSWORD_ROTATION_DAYS),
        prefix + "app_password_rotation_days",
        30,
        640,  # with the grace, under Entra's two-year limit on a client secret
    )
    api_url = problems.string(
        args.get("aiven_api_url", DEFAULT_AIVEN_API_URL),
        prefix + "aiven_api_url",
        r"https?://[^\s/]+(:\d+)?(/[^\s]*)?",
        "an http(s) base URL such as https://api.aiven.io",
    )

    access = (
        _vnet_access(problems, args["vnet_access"], prefix + "vnet_access") if "vnet_access" in args else None
    )

    if len(problems.items) > before:
        return None
    if (
        sub is None
        or tenant is None
        or app_id is None
        or group is None
        or vnet is None
        or project is None
        or propagation is None
        or active is None
        or permission_timeout is None
        or rotation_days is None
        or api_url is None
    ):
        return None  # unreachable: each None above recorded a problem
    return Settings(
        subscription_id=sub,
        tenant_id=tenant,
        resource_group_name=group,
        vnet_name=vnet,
        aiven_project=project,
        vpc_uuid=vpc_uuid,
        project_vpc=project_vpc,
        provider_app_id=app_id,
        app_display_name=str(display),
        peering_name=str(peering),
        role_propagation_seconds=propagation,
        active_timeout_seconds=active,
        aiven_api_url=api_url.rstrip("/"),
        permission_timeout_seconds=permission_timeout,
        app_password_rotation_days=rotation_days,
        vnet_access=access,
    )


def _lower_uuid(problems: Problems, field_name: str, value: Any) -> str | None:
    if value is None:
        return None  # `require` already said so
    if not problems.plain(value, field_name):
        return None
    if not (is_uuid(value) and value == value.lower()):
        problems.add(field_name, value, _UUID_LOWER)
        return None
    return value


def _name(
    problems: Problems, args: Mapping[str, Any], prefix: str, key: str, pattern: re.Pattern[str], allowed: str
) -> str | None:
    if key not in args:
        problems.add(prefix + key, None, "this field is required")
        return None
    value = args[key]
    if not problems.plain(value, prefix + key):
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        problems.add(prefix + key, value, allowed)
        return None
    return value


def _project_vpc(
    problems: Problems, args: Mapping[str, Any], prefix: str, project: str | None
) -> tuple[str | None, AivenProjectVpcArgs | None]:
    """The existing VPC's UUID or the VPC to create, and the CIDR overlap checks."""
    vpc_uuid: str | None = None
    project_vpc = args.get("project_vpc")
    provider_cidr: cidr.Network | None = None
    has_id, has_new = "aiven_project_vpc_id" in args, project_vpc is not None
    if has_id == has_new:
        problems.add(
            prefix + ("project_vpc" if has_new else "aiven_project_vpc_id"),
            project_vpc if has_new else None,
            "exactly one of aiven_project_vpc_id (an existing VPC) or project_vpc (create one)",
        )
    elif has_id:
        vpc_uuid = _parse_vpc_id(problems, prefix, args["aiven_project_vpc_id"], project)
    else:
        provider_cidr = _check_project_vpc(problems, prefix, project_vpc)

    vnet_nets: dict[str, cidr.Network] = {}
    if "vnet_address_space" in args:
        spaces = problems.string_list(args["vnet_address_space"], prefix + "vnet_address_space", 1)
        for i, value in enumerate(spaces or []):
            net = cidr.check(problems, value, f"{prefix}vnet_address_space[{i}]")
            if net is not None:
                vnet_nets[f"{prefix}vnet_address_space[{i}]"] = net
    if "provider_vpc_cidr" in args:
        given = (
            cidr.check(problems, args["provider_vpc_cidr"], prefix + "provider_vpc_cidr")
            if problems.plain(args["provider_vpc_cidr"], prefix + "provider_vpc_cidr")
            else None
        )
        if given is not None and provider_cidr is not None and given != provider_cidr:
            problems.add(
                prefix + "provider_vpc_cidr",
                args["provider_vpc_cidr"],
                f"must equal project_vpc.network_cidr ({provider_cidr}) when both are given",
            )
        provider_cidr = provider_cidr or given
    if provider_cidr is not None:
        provider_field = (
            (prefix + "project_vpc.network_cidr") if has_new and not has_id else prefix + "provider_vpc_cidr"
        )
        for field_name, net in vnet_nets.items():
            if net.overlaps(provider_cidr):
                problems.add(
                    field_name,
                    str(net),
                    f"must not overlap {provider_field} ({provider_cidr}): "
                    "overlapping address spaces cannot peer",
                )
    return vpc_uuid, (project_vpc if has_new and not has_id else None)


def _parse_vpc_id(problems: Problems, prefix: str, value: Any, project: str | None) -> str | None:
    allowed = "'<aiven_project>/<vpc uuid>' (the Aiven provider's ProjectVpc id) or the bare VPC UUID"
    if not problems.plain(value, prefix + "aiven_project_vpc_id"):
        return None
    if not isinstance(value, str):
        problems.add(prefix + "aiven_project_vpc_id", value, allowed)
        return None
    owner, _, vpc = value.rpartition("/")
    if not is_uuid(vpc) or (owner and "/" in owner):
        problems.add(prefix + "aiven_project_vpc_id", value, allowed)
        return None
    if owner and project is not None and owner != project:
        problems.add(
            prefix + "aiven_project_vpc_id", value, f"the project part must be aiven_project ({project!r})"
        )
        return None
    return vpc.lower()


def _check_project_vpc(problems: Problems, prefix: str, value: Any) -> cidr.Network | None:
    field_name = prefix + "project_vpc"
    if isinstance(value, pulumi.Output):
        problems.plain(value, field_name)
        return None
    if not isinstance(value, Mapping):
        problems.add(field_name, value, "a mapping with cloud_name and network_cidr")
        return None
    unknown_keys(value, AivenProjectVpcArgs.__annotations__, problems, field_name + ".")
    cloud = problems.require(value, "cloud_name", field_name + ".")
    if cloud is not None:
        problems.string(
            cloud,
            field_name + ".cloud_name",
            _AIVEN_AZURE_CLOUD.pattern,
            "an Aiven Azure cloud name such as azure-westeurope",
        )
    net = problems.require(value, "network_cidr", field_name + ".")
    if net is None or not problems.plain(net, field_name + ".network_cidr"):
        return None
    return cidr.check(problems, net, field_name + ".network_cidr", 16, 29)
