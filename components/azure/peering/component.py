"""AzureVnetPeering (``crossnet:index:AzureVnetPeering``): DESIGN section 3.3.

The two-tenant CLI procedure as resources, in the order the procedure needs:

1. a multi-tenant app registration in the customer tenant, its service principal
   and a password; "Network Contributor" on the VNet for that principal;
2. the provider application's service principal in the customer tenant and a
   custom role holding only ``virtualNetworks/peer/action``, assigned to it on the VNet;
3. a bounded wait for the role assignments to take effect, then the provider-side
   request (``aiven.AzureVpcPeeringConnection``), which answers at PENDING_PEER with
   the provider's tenant and VNet ids;
4. the customer-to-provider VNet peering, written by the app with the provider's
   tenant as auxiliary tenant (the write needs tokens for both tenants);
5. a bounded wait until Aiven reports the connection ACTIVE.
"""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict

import pulumi

from ... import cidr
from ...naming import child
from ...tokens import component_opts, type_token
from ...validation import Problems, is_uuid, unknown_keys

AIVEN_APP_ID = "55f300d4-fc50-4c5e-9222-e90a6e2187fb"
NETWORK_CONTRIBUTOR_ROLE = "4d97b98b-1d4f-4787-a291-c67834d212e7"
PEER_ACTION = "Microsoft.Network/virtualNetworks/peer/action"
DEFAULT_AIVEN_API_URL = "https://api.aiven.io"

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
    """Wait after the role assignments before Aiven uses them [60; 0..1800]."""
    active_timeout_seconds: NotRequired[int]
    """How long to wait for Aiven to report the peering ACTIVE [600; 30..7200]."""
    aiven_api_url: NotRequired[str]
    """Aiven API base URL for the ACTIVE wait [``https://api.aiven.io``]."""
    aiven_api_token: NotRequired[pulumi.Input[str]]
    """Token for the ACTIVE wait [config ``aiven:apiToken``, else ``AIVEN_TOKEN`` at run time]."""


@dataclass(frozen=True)
class Plan:
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

    @property
    def subscription_scope(self) -> str:
        return f"/subscriptions/{self.subscription_id}"

    @property
    def vnet_id(self) -> str:
        return (
            f"{self.subscription_scope}/resourceGroups/{self.resource_group_name}"
            f"/providers/Microsoft.Network/virtualNetworks/{self.vnet_name}"
        )

    @property
    def custom_role_guid(self) -> str:
        # Stable across runs and distinct per VNet: a lost state re-creates the same definition.
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"crossnet:peer-action:{self.vnet_id}"))


def validate(args: Mapping[str, Any], prefix: str = "", problems: Problems | None = None) -> Plan | None:
    """Check every input; record problems under ``<prefix><field>``; a Plan when all are good."""
    own = problems is None
    problems = problems if problems is not None else Problems("AzureVnetPeering")
    before = len(problems.items)
    if not isinstance(args, Mapping):
        problems.add(prefix.rstrip(".") or "args", args, "a mapping of AzureVnetPeeringArgs keys")
        if own:
            problems.raise_if_any()
        return None
    unknown_keys(args, AzureVnetPeeringArgs.__annotations__, problems, prefix)

    def lower_uuid(key: str, value: Any) -> str | None:
        if isinstance(value, pulumi.Output):
            problems.add(prefix + key, value, "a plain string (it names resources)")
            return None
        if not (is_uuid(value) and value == value.lower()):
            problems.add(prefix + key, value, _UUID_LOWER)
            return None
        return value

    def name(key: str, pattern: re.Pattern[str], allowed: str, required: bool = True) -> str | None:
        if key not in args:
            if required:
                problems.add(prefix + key, None, "this field is required")
            return None
        value = args[key]
        if not isinstance(value, str) or not pattern.fullmatch(value):
            problems.add(prefix + key, value, allowed)
            return None
        return value

    def required_uuid(key: str) -> str | None:
        if problems.require(args, key, prefix) is None:
            return None
        return lower_uuid(key, args[key])

    sub = required_uuid("subscription_id")
    tenant = required_uuid("tenant_id")
    app_id = (
        lower_uuid("provider_app_id", args["provider_app_id"]) if "provider_app_id" in args else AIVEN_APP_ID
    )
    group = name(
        "resource_group_name",
        _RESOURCE_GROUP,
        "1-90 lowercase letters, digits, '._-()', not ending in '.' (the provider API "
        "accepts lowercase only)",
    )
    vnet = name(
        "vnet_name",
        _VNET,
        "2-64 lowercase letters, digits, '._-', starting with a letter or "
        "digit and ending with a letter, digit or '_' (the provider API accepts lowercase only)",
    )
    project = name(
        "aiven_project",
        _AIVEN_PROJECT,
        "an Aiven project name: lowercase letters, digits and '-', at most 63",
    )

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
        given = cidr.check(problems, args["provider_vpc_cidr"], prefix + "provider_vpc_cidr")
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

    display = args.get("app_display_name", f"aiven-peering-{group}-{vnet}")
    if "app_display_name" in args:
        problems.string(
            display, prefix + "app_display_name", r"[^\x00-\x1f]{1,120}", "1-120 printable characters"
        )
    peering = args.get("peering_name", f"to-aiven-{project}")
    if "peering_name" in args:
        name(
            "peering_name",
            _PEERING,
            "1-80 letters, digits, '._-', starting with a letter or digit and "
            "ending with a letter, digit or '_'",
        )
    propagation = problems.integer(
        args.get("role_propagation_seconds", 60), prefix + "role_propagation_seconds", 0, 1800
    )
    active = problems.integer(
        args.get("active_timeout_seconds", 600), prefix + "active_timeout_seconds", 30, 7200
    )
    api_url = args.get("aiven_api_url", DEFAULT_AIVEN_API_URL)
    problems.string(
        api_url,
        prefix + "aiven_api_url",
        r"https?://[^\s/]+(:\d+)?(/[^\s]*)?",
        "an http(s) base URL such as https://api.aiven.io",
    )

    if own:
        problems.raise_if_any()
    if len(problems.items) > before:
        return None
    assert sub and tenant and app_id and group and vnet and project and propagation is not None
    assert active is not None
    return Plan(
        sub,
        tenant,
        group,
        vnet,
        project,
        vpc_uuid,
        project_vpc,
        app_id,
        str(display),
        str(peering),
        propagation,
        active,
        str(api_url).rstrip("/"),
    )


def _parse_vpc_id(problems: Problems, prefix: str, value: Any, project: str | None) -> str | None:
    allowed = "'<aiven_project>/<vpc uuid>' (the Aiven provider's ProjectVpc id) or the bare VPC UUID"
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
    return cidr.check(problems, net, field_name + ".network_cidr", 16, 29) if net is not None else None


class AzureVnetPeering(pulumi.ComponentResource):
    """A customer VNet peered with an Aiven project VPC, across the two tenants."""

    app_client_id: pulumi.Output[str]
    """Application (client) id of the multi-tenant app that writes the peering."""
    app_secret: pulumi.Output[str]
    """The app's password (secret)."""
    service_principal_id: pulumi.Output[str]
    """Object id of the app's service principal in the customer tenant."""
    provider_service_principal_id: pulumi.Output[str]
    """Object id of the provider application's service principal in the customer tenant."""
    custom_role_id: pulumi.Output[str]
    """Resource id of the custom role holding only virtualNetworks/peer/action."""
    remote_vnet_id: pulumi.Output[str]
    """Resource id of the provider's VNet, kept from the first time Aiven reported it."""
    peering_id: pulumi.Output[str]
    """Resource id of the customer-to-provider VNet peering."""
    provider_peering_state: pulumi.Output[str]
    """The state Aiven reports for the peering connection (ACTIVE once the wait succeeded)."""

    def __init__(self, name: str, args: AzureVnetPeeringArgs, opts: pulumi.ResourceOptions | None = None):
        plan = validate(args)
        assert plan is not None
        super().__init__(
            type_token("AzureVnetPeering"), name, None, component_opts("azure", "AzureVnetPeering", opts)
        )

        import pulumi_aiven as aiven
        import pulumi_azure_native as azure_native
        import pulumi_azuread as azuread
        import pulumiverse_time as time
        from pulumi_azure_native import authorization, network

        from .dynamic import KeptRemoteIds, PeeringActive

        here = pulumi.ResourceOptions(parent=self)

        # 1. The app that will write the customer-to-provider peering.
        app = azuread.Application(
            child(name, "app"),
            display_name=plan.app_display_name,
            sign_in_audience="AzureADMultipleOrgs",
            opts=here,
        )
        app_sp = azuread.ServicePrincipal(child(name, "app-sp"), client_id=app.client_id, opts=here)
        password = azuread.ApplicationPassword(
            child(name, "app-password"),
            application_id=app.id,
            display_name="crossnet VNet peering",
            opts=here,
        )
        app_secret = pulumi.Output.secret(password.value)
        network_contributor = authorization.RoleAssignment(
            child(name, "app-network-contributor"),
            scope=plan.vnet_id,
            principal_id=app_sp.object_id,
            principal_type="ServicePrincipal",
            role_definition_id=(
                f"{plan.subscription_scope}/providers/Microsoft.Authorization/"
                f"roleDefinitions/{NETWORK_CONTRIBUTOR_ROLE}"
            ),
            description="crossnet: lets the peering app write the VNet peering",
            opts=here,
        )

        # 2. The provider's app in this tenant, allowed only to peer with this VNet.
        #    use_existing adopts the tenant's one service principal of the provider's app, which every
        #    other peering with that provider (another AzureVnetPeering, one made by hand) relies on;
        #    azuread would still delete it on destroy. Retained: `pulumi destroy` only forgets it.
        provider_sp = azuread.ServicePrincipal(
            child(name, "provider-sp"),
            client_id=plan.provider_app_id,
            use_existing=True,
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
        )
        peer_role = authorization.RoleDefinition(
            child(name, "peer-role"),
            scope=plan.subscription_scope,
            role_definition_id=plan.custom_role_guid,
            # Custom role names are unique per tenant: name the VNet it is for.
            role_name=(
                f"crossnet vnet peer {plan.subscription_id}/{plan.resource_group_name}/{plan.vnet_name}"
            ),
            description="Allows only peering with a virtual network (crossnet AzureVnetPeering)",
            permissions=[authorization.PermissionArgs(actions=[PEER_ACTION])],
            assignable_scopes=[plan.subscription_scope],
            opts=here,
        )
        provider_peer = authorization.RoleAssignment(
            child(name, "provider-peer"),
            scope=plan.vnet_id,
            principal_id=provider_sp.object_id,
            principal_type="ServicePrincipal",
            role_definition_id=peer_role.id,
            description="crossnet: lets the provider peer its VPC with this VNet",
            opts=here,
        )

        # 3. Role assignments take minutes to reach every ARM front end; the provider's
        #    peering write is refused until they do. A fixed, bounded wait (re-run only
        #    when an assignment is replaced) is what the procedure does by hand.
        propagated = time.Sleep(
            child(name, "role-propagation"),
            create_duration=f"{plan.role_propagation_seconds}s",
            triggers={"network_contributor": network_contributor.id, "provider_peer": provider_peer.id},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[network_contributor, provider_peer]),
        )

        if plan.project_vpc is not None:
            project_vpc = aiven.ProjectVpc(
                child(name, "project-vpc"),
                project=plan.aiven_project,
                cloud_name=plan.project_vpc["cloud_name"],
                network_cidr=plan.project_vpc["network_cidr"],
                opts=here,
            )
            aiven_vpc_id: pulumi.Input[str] = project_vpc.id
            vpc_uuid: pulumi.Input[str] = project_vpc.project_vpc_id
        else:
            assert plan.vpc_uuid is not None
            aiven_vpc_id = f"{plan.aiven_project}/{plan.vpc_uuid}"
            vpc_uuid = plan.vpc_uuid

        request = aiven.AzureVpcPeeringConnection(
            child(name, "aiven-request"),
            vpc_id=aiven_vpc_id,
            azure_subscription_id=plan.subscription_id,
            peer_resource_group=plan.resource_group_name,
            vnet_name=plan.vnet_name,
            peer_azure_app_id=app.client_id,
            peer_azure_tenant_id=plan.tenant_id,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[propagated]),
        )

        info = request.state_info.apply(lambda i: dict(i or {}))
        remote = KeptRemoteIds(
            child(name, "remote-ids"),
            tenant_id=info.apply(lambda i: i.get("to-tenant-id", "")),
            network_id=info.apply(lambda i: i.get("to-network-id", "")),
            opts=here,
        )

        # 4. The peering write needs a token for the provider's tenant as well as ours.
        signed_in_as_app = azure_native.Provider(
            child(name, "peering-provider"),
            client_id=app.client_id,
            client_secret=app_secret,
            tenant_id=plan.tenant_id,
            subscription_id=plan.subscription_id,
            auxiliary_tenant_ids=[remote.tenant_id],
            opts=here,
        )
        peering = network.VirtualNetworkPeering(
            child(name, "peering"),
            resource_group_name=plan.resource_group_name,
            virtual_network_name=plan.vnet_name,
            virtual_network_peering_name=plan.peering_name,
            remote_virtual_network=network.SubResourceArgs(id=remote.network_id),
            allow_virtual_network_access=True,
            allow_forwarded_traffic=False,
            allow_gateway_transit=False,
            use_remote_gateways=False,
            opts=pulumi.ResourceOptions(
                parent=self, provider=signed_in_as_app, depends_on=[propagated, request]
            ),
        )

        # 5. Aiven finishes its side asynchronously; wait (bounded) for ACTIVE.
        token = args.get("aiven_api_token")
        if token is None:
            token = pulumi.Config("aiven").get_secret("apiToken")
        active_props: dict[str, Any] = {
            "api_url": plan.aiven_api_url,
            "project": plan.aiven_project,
            "vpc_id": vpc_uuid,
            "subscription_id": plan.subscription_id,
            "resource_group": plan.resource_group_name,
            "vnet_name": plan.vnet_name,
            "peering_id": peering.id,
            "timeout_seconds": plan.active_timeout_seconds,
            "poll_seconds": 10,
        }
        if token is not None:
            active_props["api_token"] = pulumi.Output.secret(token)
        active = PeeringActive(
            child(name, "active"),
            active_props,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[peering]),
        )

        self.app_client_id = app.client_id
        self.app_secret = app_secret
        self.service_principal_id = app_sp.object_id
        self.provider_service_principal_id = provider_sp.object_id
        self.custom_role_id = peer_role.id
        self.remote_vnet_id = remote.network_id
        self.peering_id = peering.id
        self.provider_peering_state = active.state
        self.register_outputs(
            {
                "app_client_id": self.app_client_id,
                "app_secret": self.app_secret,
                "service_principal_id": self.service_principal_id,
                "provider_service_principal_id": self.provider_service_principal_id,
                "custom_role_id": self.custom_role_id,
                "remote_vnet_id": self.remote_vnet_id,
                "peering_id": self.peering_id,
                "provider_peering_state": self.provider_peering_state,
            }
        )
