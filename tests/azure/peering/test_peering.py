"""AzureVnetPeering on the mock runtime: the graph, its wiring, secrets and validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

import stacks
from components import AzureVnetPeering, ValidationError
from components.azure.peering.args import AIVEN_APP_ID, PEER_ACTION, SUBJECT, Settings, validate
from components.azure.peering.dynamic import KeptRemoteIdsProvider, kept_ids_diff
from components.validation import Problems
from plan.answers.azure import AIVEN_TENANT_ID, DEPLOYER_OBJECT_ID

SUB = "1a2b3c4d-2222-4333-8444-5555555555ef"
TENANT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
VPC = "99999999-2222-4333-8444-555555555555"
SUB_SCOPE = f"/subscriptions/{SUB}"
VNET_ID = f"{SUB_SCOPE}/resourceGroups/app-rg/providers/Microsoft.Network/virtualNetworks/app-vnet"
NETWORK_CONTRIBUTOR = (
    f"{SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7"
)

APP = "azuread:index/application:Application"
SP = "azuread:index/servicePrincipal:ServicePrincipal"
PASSWORD = "azuread:index/applicationPassword:ApplicationPassword"
ROLE_DEF = "azure-native:authorization:RoleDefinition"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
PEERING = "azure-native:network:VirtualNetworkPeering"
REQUEST = "aiven:index/azureVpcPeeringConnection:AzureVpcPeeringConnection"
SLEEP = "time:index/sleep:Sleep"
KEPT = "pulumi-python:dynamic/crossnet-azure:KeptRemoteIds"
ACCESS = "crossnet:index:AzureVnetPeeringAccess"
PERMISSIONS = "pulumi-python:dynamic/crossnet-azure:PermissionsEffective"
ACTIVE = "pulumi-python:dynamic/crossnet-azure:PeeringActive"


def base_args(**extra: Any) -> dict[str, Any]:
    return {
        "subscription_id": SUB,
        "tenant_id": TENANT,
        "resource_group_name": "app-rg",
        "vnet_name": "app-vnet",
        "aiven_project": "tsdb",
        "aiven_project_vpc_id": f"tsdb/{VPC}",
        **extra,
    }


def check(args: Any) -> Settings | None:
    """``validate`` as the component runs it: one ValidationError for every problem."""
    problems = Problems(SUBJECT)
    settings = validate(args, problems)
    problems.raise_if_any()
    return settings


@pytest.fixture
def built(runtime):
    component = AzureVnetPeering("ts", base_args())  # type: ignore[arg-type]
    runtime.settle()
    return runtime, component


def test_every_child_is_parented_and_named_from_stable_keys(built):
    runtime, _ = built
    root = runtime.one("crossnet:index:AzureVnetPeering", "ts")
    access = runtime.one(ACCESS, "ts")
    assert access.parent == root.urn
    assert {r.name for r in runtime.children(root)} == {
        "ts",  # the VNet's shared roles, made here since no vnet_access was given
        "ts-azuread",  # the deployer's providers, pinned to the tenant and subscription
        "ts-azure-native",
        "ts-app",
        "ts-app-sp",
        "ts-app-password",
        "ts-app-password-rotation",
        "ts-app-peering-writer",
        "ts-role-propagation",
        "ts-aiven-request",
        "ts-remote-ids",
        "ts-peering-provider",
        "ts-permissions",
        "ts-peering",
        "ts-active",
    }
    assert {r.name for r in runtime.children(access)} == {
        "ts-provider-sp",
        "ts-peer-role",
        "ts-provider-peer",
        "ts-writer-role",
    }
    assert len(runtime.resources) == len(runtime.children(root)) + len(runtime.children(access)) + 1
    # Moved under the shared component: aliased to where 0.1.0 made them, so nothing is replaced.
    assert all(r.aliases for r in runtime.children(access))


def test_custom_role_holds_only_peer_action_assignable_at_the_subscription(built):
    runtime, component = built
    role = runtime.one(ROLE_DEF, "ts-peer-role")
    assert role.inputs["permissions"] == [{"actions": [PEER_ACTION]}]
    assert role.inputs["scope"] == SUB_SCOPE
    assert role.inputs["assignableScopes"] == [SUB_SCOPE]
    assert role.inputs["roleType"] == "CustomRole"
    assert runtime.value(component.custom_role_id) == (
        f"{SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/{role.inputs['roleDefinitionId']}"
    )


def test_the_app_holds_only_what_writing_and_deleting_the_peering_needs(built):
    """Issue 16 item 6: a custom role on the VNet instead of Network Contributor."""
    runtime, _ = built
    writer = runtime.one(ROLE_DEF, "ts-writer-role")
    assert writer.inputs["permissions"] == [
        {
            "actions": [
                "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/read",
                "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write",
                "Microsoft.Network/virtualNetworks/virtualNetworkPeerings/delete",
            ]
        }
    ]
    assert writer.inputs["assignableScopes"] == [VNET_ID]
    assert writer.inputs["roleType"] == "CustomRole"
    app_assignment = runtime.one(ASSIGNMENT, "ts-app-peering-writer")
    assert app_assignment.inputs["roleDefinitionId"] == writer.id
    assert app_assignment.inputs["scope"] == VNET_ID
    assert all(a.inputs["roleDefinitionId"] != NETWORK_CONTRIBUTOR for a in runtime.of_type(ASSIGNMENT))


def test_role_definitions_are_deleted_after_their_assignments(built):
    """Destroy runs in reverse dependency order: an assignment depends on its role definition."""
    runtime, _ = built
    for assignment in runtime.of_type(ASSIGNMENT):
        role = next(r for r in runtime.of_type(ROLE_DEF) if r.id == assignment.inputs["roleDefinitionId"])
        assert role.urn in assignment.dependencies


def test_who_is_assigned_what_where(built):
    runtime, component = built
    app = runtime.one(APP)
    assert app.inputs["signInAudience"] == "AzureADMultipleOrgs"
    app_sp = runtime.one(SP, "ts-app-sp")
    provider_sp = runtime.one(SP, "ts-provider-sp")
    assert app_sp.inputs["clientId"] == app.outputs["clientId"]
    assert provider_sp.inputs == {"clientId": AIVEN_APP_ID, "useExisting": True}
    # Adopted, shared by every Aiven peering in the tenant: destroy must leave it in place.
    assert provider_sp.retain_on_delete is True
    assert not app_sp.retain_on_delete  # the component's own app: destroyed with it
    assert runtime.one(PASSWORD).inputs["applicationId"] == app.id

    writer = runtime.one(ASSIGNMENT, "ts-app-peering-writer")
    assert writer.inputs["principalId"] == app_sp.outputs["objectId"]
    assert writer.inputs["scope"] == VNET_ID

    peer = runtime.one(ASSIGNMENT, "ts-provider-peer")
    assert peer.inputs["principalId"] == provider_sp.outputs["objectId"]
    assert peer.inputs["roleDefinitionId"] == runtime.value(component.custom_role_id)
    assert peer.inputs["scope"] == VNET_ID

    assignments = runtime.of_type(ASSIGNMENT)
    assert len(assignments) == 2
    assert all(a.inputs["principalType"] == "ServicePrincipal" for a in assignments)
    assert runtime.value(component.service_principal_id) == app_sp.outputs["objectId"]
    assert runtime.value(component.provider_service_principal_id) == provider_sp.outputs["objectId"]


def test_aiven_request_waits_for_the_role_assignments(built):
    runtime, component = built
    sleep = runtime.one(SLEEP)
    assignments = {a.urn for a in runtime.of_type(ASSIGNMENT)}
    assert assignments <= set(sleep.dependencies)
    assert sleep.inputs["createDuration"] == "60s"
    assert set(sleep.inputs["triggers"].values()) == {a.id for a in runtime.of_type(ASSIGNMENT)}

    request = runtime.one(REQUEST)
    assert sleep.urn in request.dependencies
    assert request.inputs == {
        "vpcId": f"tsdb/{VPC}",
        "azureSubscriptionId": SUB,
        "peerResourceGroup": "app-rg",
        "vnetName": "app-vnet",
        "peerAzureAppId": runtime.value(component.app_client_id),
        "peerAzureTenantId": TENANT,
    }


def test_peering_is_written_by_the_app_with_the_provider_tenant_as_auxiliary(built):
    runtime, component = built
    peering = runtime.one(PEERING)
    provider = runtime.by_urn(peering.provider_urn)
    assert provider.type == "pulumi:providers:azure-native"
    assert provider.parent == runtime.one("crossnet:index:AzureVnetPeering").urn
    password = runtime.one(PASSWORD)
    assert provider.inputs["clientId"] == runtime.value(component.app_client_id)
    assert provider.inputs["clientSecret"] == password.outputs["value"]
    assert "clientSecret" in provider.secret_inputs
    assert provider.inputs["tenantId"] == TENANT
    assert provider.inputs["subscriptionId"] == SUB
    # Non-string provider inputs reach the engine JSON-encoded.
    assert json.loads(provider.inputs["auxiliaryTenantIds"]) == [AIVEN_TENANT_ID]

    request = runtime.one(REQUEST)
    remote_id = request.outputs["stateInfo"]["to-network-id"]
    assert peering.inputs["remoteVirtualNetwork"] == {"id": remote_id}
    assert peering.inputs["allowVirtualNetworkAccess"] is True
    assert peering.inputs["resourceGroupName"] == "app-rg"
    assert peering.inputs["virtualNetworkName"] == "app-vnet"
    assert peering.inputs["virtualNetworkPeeringName"] == "to-aiven-tsdb"
    assert request.urn in peering.dependencies
    assert runtime.value(component.remote_vnet_id) == remote_id
    assert runtime.value(component.peering_id) == peering.id


def test_remote_ids_pass_through_the_keeper(built):
    runtime, _ = built
    kept = runtime.one(KEPT)
    request = runtime.one(REQUEST)
    assert kept.inputs["tenant_id"] == request.outputs["stateInfo"]["to-tenant-id"]
    assert kept.inputs["network_id"] == request.outputs["stateInfo"]["to-network-id"]
    assert kept.urn in runtime.one(PEERING).dependencies


def test_active_wait_follows_the_peering(built):
    runtime, component = built
    active = runtime.one(ACTIVE)
    peering = runtime.one(PEERING)
    assert peering.urn in active.dependencies
    assert active.inputs["peering_id"] == peering.id
    assert {
        k: active.inputs[k]
        for k in (
            "project",
            "vpc_id",
            "subscription_id",
            "resource_group",
            "vnet_name",
            "timeout_seconds",
            "api_url",
        )
    } == {
        "project": "tsdb",
        "vpc_id": VPC,
        "subscription_id": SUB,
        "resource_group": "app-rg",
        "vnet_name": "app-vnet",
        "timeout_seconds": 1200,  # Aiven: ACTIVE has taken up to 15 minutes
        "api_url": "https://api.aiven.io",
    }
    assert "api_token" not in active.inputs  # none configured: read from AIVEN_TOKEN at run time
    assert runtime.value(component.provider_peering_state) == "ACTIVE"


def test_secret_outputs_are_secret(built):
    runtime, component = built
    assert runtime.is_secret(component.app_secret)
    assert runtime.value(component.app_secret) == runtime.one(PASSWORD).outputs["value"]
    assert not runtime.is_secret(component.app_client_id)
    root = runtime.one("crossnet:index:AzureVnetPeering")
    assert root.secret_component_outputs == {"app_secret"}
    assert set(root.component_outputs) == {
        "app_client_id",
        "app_secret",
        "service_principal_id",
        "provider_service_principal_id",
        "custom_role_id",
        "remote_vnet_id",
        "peering_id",
        "provider_peering_state",
    }
    assert "value" in runtime.one(PASSWORD).secret_outputs


def test_token_for_the_wait_is_a_secret_input(runtime_factory):
    runtime = runtime_factory(config={"aiven:apiToken": "from-config"}, secret_keys=["aiven:apiToken"])
    AzureVnetPeering("ts", base_args())  # type: ignore[arg-type]
    runtime.settle()
    active = runtime.one(ACTIVE)
    assert active.inputs["api_token"] == "from-config"
    assert "api_token" in active.secret_inputs
    assert "api_token" not in active.outputs or "api_token" in active.secret_outputs


def test_project_vpc_is_created_when_asked(runtime):
    args = base_args(
        project_vpc={"cloud_name": "azure-westeurope", "network_cidr": "10.30.0.0/24"},
        vnet_address_space=["10.20.0.0/16"],
        role_propagation_seconds=120,
    )
    del args["aiven_project_vpc_id"]
    AzureVnetPeering("ts", args)  # type: ignore[arg-type]
    runtime.settle()
    vpc = runtime.one("aiven:index/projectVpc:ProjectVpc")
    assert vpc.inputs == {"project": "tsdb", "cloudName": "azure-westeurope", "networkCidr": "10.30.0.0/24"}
    assert runtime.one(REQUEST).inputs["vpcId"] == vpc.id
    assert runtime.one(ACTIVE).inputs["vpc_id"] == vpc.outputs["projectVpcId"]
    assert runtime.one(SLEEP).inputs["createDuration"] == "120s"


def test_bad_input_is_one_error_naming_every_field_before_any_resource(runtime):
    args = base_args(
        subscription_id=SUB.upper(),
        tenant_id="not-a-uuid",
        resource_group_name="App-RG",
        vnet_name="App-VNet",
        aiven_project_vpc_id="tsdb/vpc-123",
        provider_app_id="55F300D4-FC50-4C5E-9222-E90A6E2187FB",
        vnet_address_space=["10.0.0.0/16"],
        provider_vpc_cidr="10.0.128.0/24",
        active_timeout_seconds=5,
        colour="blue",
    )
    with pytest.raises(ValidationError) as info:
        AzureVnetPeering("ts", args)  # type: ignore[arg-type]
    runtime.settle()
    assert set(info.value.fields) == {
        "subscription_id",
        "tenant_id",
        "resource_group_name",
        "vnet_name",
        "aiven_project_vpc_id",
        "provider_app_id",
        "vnet_address_space[0]",
        "active_timeout_seconds",
        "colour",
    }
    text = str(info.value)
    assert SUB.upper() in text and "lowercase UUID" in text
    assert "'App-RG'" in text and "'App-VNet'" in text and "'tsdb/vpc-123'" in text
    assert "must not overlap provider_vpc_cidr (10.0.128.0/24)" in text
    assert runtime.resources == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"aiven_project_vpc_id": f"other/{VPC}"}, "aiven_project_vpc_id"),
        ({"aiven_project_vpc_id": f"a/b/{VPC}"}, "aiven_project_vpc_id"),
        ({"project_vpc": {"cloud_name": "azure-westeurope", "network_cidr": "10.9.0.0/24"}}, "project_vpc"),
        ({"peering_name": "-bad"}, "peering_name"),
        ({"aiven_project": "TSDB"}, "aiven_project"),
    ],
)
def test_single_bad_field_is_named(change, field):
    with pytest.raises(ValidationError) as info:
        check({**base_args(), **change})
    assert field in info.value.fields


def test_overlap_with_a_created_project_vpc_is_caught():
    args = base_args(
        project_vpc={"cloud_name": "azure-westeurope", "network_cidr": "10.20.5.0/24"},
        vnet_address_space=["10.20.0.0/16"],
    )
    del args["aiven_project_vpc_id"]
    with pytest.raises(ValidationError, match=r"project_vpc\.network_cidr \(10\.20\.5\.0/24\)"):
        check(args)


def test_bare_vpc_uuid_and_disjoint_spaces_are_accepted():
    plan = check(
        base_args(
            aiven_project_vpc_id=VPC, vnet_address_space=["10.20.0.0/16"], provider_vpc_cidr="10.30.0.0/24"
        )
    )
    assert plan is not None and plan.vpc_uuid == VPC


def test_kept_ids_survive_an_empty_state_info():
    olds = {"tenant_id": AIVEN_TENANT_ID, "network_id": "/subscriptions/x/vnet"}
    assert not kept_ids_diff(olds, {"tenant_id": "", "network_id": ""}).changes
    assert not kept_ids_diff(olds, {}).changes
    assert not kept_ids_diff(olds, dict(olds)).changes
    moved = kept_ids_diff(olds, {**olds, "network_id": "/subscriptions/x/other"})
    assert moved.changes and moved.replaces == ["network_id"]
    with pytest.raises(ValueError, match="to-tenant-id"):
        KeptRemoteIdsProvider().create({"tenant_id": "", "network_id": "/subscriptions/x/vnet"})
    created = KeptRemoteIdsProvider().create(dict(olds))
    assert created.outs == {**olds, "request_id": ""}


def test_scenario_from_the_dev_stack_config(runtime_factory):
    dev = yaml.safe_load((Path(__file__).resolve().parents[3] / "Pulumi.dev.yaml").read_text())["config"]
    runtime = runtime_factory(
        config={"crossnet:scenarios": ["timescale_azure_peering"], "crossnet:azure": dev["crossnet:azure"]}
    )
    runtime.run(lambda: stacks.run())
    out = runtime.stack_outputs()["timescale_azure_peering"]
    assert out["provider_peering_state"] == "ACTIVE"
    assert out["remote_vnet_id"].startswith("/subscriptions/")
    assert "timescale_azure_peering" not in runtime.secret_stack_outputs()  # app_secret not exported
    assert runtime.one("aiven:index/projectVpc:ProjectVpc").inputs["networkCidr"] == "10.30.0.0/24"
    assert runtime.one(REQUEST).inputs["vnetName"] == dev["crossnet:azure"]["vnet_name"]


def test_scenario_config_errors_are_prefixed(runtime_factory):
    runtime = runtime_factory(
        config={
            "crossnet:scenarios": ["timescale_azure_peering"],
            "crossnet:azure": {**base_args(vnet_name="Bad"), "name": "Ts"},
        }
    )
    with pytest.raises(ValidationError) as info:
        runtime.run(lambda: stacks.run())
    assert set(info.value.fields) == {"crossnet:azure.vnet_name", "crossnet:azure.name"}
    assert runtime.resources == []


def test_custom_role_name_fits_azure_s_limit_with_the_longest_names(runtime):
    """Role names are unique per tenant, so the name carries the VNet's full path; with the longest
    resource group (90) and VNet (64) names validation accepts it is 211 characters, within the
    512 Azure documents for a custom role's roleName."""
    group, vnet = "g" * 90, "v" * 64
    AzureVnetPeering("ts", base_args(resource_group_name=group, vnet_name=vnet))  # type: ignore[arg-type]
    runtime.settle()
    name = runtime.one(ROLE_DEF, "ts-peer-role").inputs["roleName"]
    assert name == f"crossnet vnet peer {SUB}/{group}/{vnet}"
    assert len(name) == 211 <= 512
    writer = runtime.one(ROLE_DEF, "ts-writer-role").inputs["roleName"]
    assert writer == f"crossnet vnet peering writer {SUB}/{group}/{vnet}"
    assert len(writer) == 221 <= 512


PLAIN_FIELDS = [
    "subscription_id",
    "tenant_id",
    "resource_group_name",
    "vnet_name",
    "aiven_project",
    "aiven_project_vpc_id",
    "provider_app_id",
    "app_display_name",
    "peering_name",
    "vnet_address_space",
    "provider_vpc_cidr",
    "role_propagation_seconds",
    "active_timeout_seconds",
    "permission_timeout_seconds",
    "app_password_rotation_days",
    "aiven_api_url",
]


@pytest.mark.parametrize("field", [*PLAIN_FIELDS, "project_vpc", "project_vpc.network_cidr"])
def test_an_output_where_a_plain_value_is_needed_is_named(runtime, field):
    args = base_args()
    if field.startswith("project_vpc"):
        del args["aiven_project_vpc_id"]
        vpc: Any = {"cloud_name": "azure-westeurope", "network_cidr": "10.30.0.0/24"}
        if field == "project_vpc":
            vpc = pulumi.Output.from_input(vpc)
        else:
            vpc["network_cidr"] = pulumi.Output.from_input("10.30.0.0/24")
        args["project_vpc"] = vpc
    else:
        args[field] = pulumi.Output.from_input(args.get(field, "x"))
    with pytest.raises(ValidationError) as info:
        AzureVnetPeering("ts", args)  # type: ignore[arg-type]
    assert field in info.value.fields
    assert "a plain value known before deployment; got an Output" in str(info.value)
    assert runtime.resources == []


def test_the_api_token_may_be_an_output(runtime):
    AzureVnetPeering("ts", base_args(aiven_api_token=pulumi.Output.from_input("from-an-output")))  # type: ignore[arg-type]
    runtime.settle()
    assert runtime.one(ACTIVE).inputs["api_token"] == "from-an-output"


# -- issue 16 item 3: replacing Aiven's request


def test_aiven_request_is_deleted_before_its_replacement_is_created(built):
    """Aiven refuses a second request for the same VNet ("azure peering connection already exists")."""
    runtime, _ = built
    assert runtime.one(REQUEST).delete_before_replace is True


def test_keeper_and_wait_are_keyed_on_the_request_id(built):
    runtime, _ = built
    request = runtime.one(REQUEST)
    assert runtime.one(KEPT).inputs["request_id"] == request.id
    assert runtime.one(ACTIVE).inputs["request_id"] == request.id


def test_a_new_request_replaces_the_keeper_and_the_wait_even_with_the_same_remote_ids():
    from components.azure.peering.dynamic import PeeringActiveProvider

    olds = {"tenant_id": AIVEN_TENANT_ID, "network_id": "/subscriptions/x/vnet", "request_id": "tsdb/a"}
    diff = kept_ids_diff(olds, {**olds, "request_id": "tsdb/b"})
    assert diff.changes and "request_id" in (diff.replaces or [])
    wait_olds = {"project": "tsdb", "vpc_id": VPC, "peering_id": "p", "request_id": "tsdb/a"}
    wait_diff = PeeringActiveProvider().diff("id", wait_olds, {**wait_olds, "request_id": "tsdb/b"})
    assert wait_diff.changes and "request_id" in (wait_diff.replaces or [])


def test_the_customer_peering_is_replaced_with_the_request(built):
    """Aiven's side of a replaced request is new: the customer peering must be written again."""
    runtime, _ = built
    peering = runtime.one(PEERING)
    assert runtime.one(REQUEST).urn in peering.replace_with
    assert runtime.one(KEPT).urn in peering.replace_with
    # Its name is fixed, so the old one must go first.
    assert peering.delete_before_replace is True


# -- issue 16 item 2: several peerings of one VNet


def vnet_args() -> dict[str, Any]:
    return {k: base_args()[k] for k in ("subscription_id", "tenant_id", "resource_group_name", "vnet_name")}


def assert_no_duplicate_roles(runtime) -> None:
    """What Azure refuses: a role definition's id or name twice, one (principal, role, scope) twice."""
    roles = runtime.of_type(ROLE_DEF)
    assert len({r.inputs["roleDefinitionId"] for r in roles}) == len(roles)
    assert len({r.inputs["roleName"] for r in roles}) == len(roles)
    keys = [
        (a.inputs["principalId"], a.inputs["roleDefinitionId"], a.inputs["scope"])
        for a in runtime.of_type(ASSIGNMENT)
    ]
    assert len(set(keys)) == len(keys)


def test_two_peerings_of_one_vnet_in_one_program_share_its_roles(runtime):
    from components import AzureVnetPeeringAccess

    access = AzureVnetPeeringAccess("app-vnet", vnet_args())  # type: ignore[arg-type]
    for project in ("tsdb", "metrics"):
        args = base_args(
            aiven_project=project, aiven_project_vpc_id=f"{project}/{VPC}", vnet_access=access.ids
        )
        AzureVnetPeering(project, args)  # type: ignore[arg-type]
    runtime.settle()
    assert_no_duplicate_roles(runtime)
    assert len(runtime.of_type(ACCESS)) == 1
    assert len(runtime.of_type(ROLE_DEF)) == 2  # the peer-only role and the writer role, once
    assert {a.name for a in runtime.of_type(ASSIGNMENT)} == {
        "app-vnet-provider-peer",
        "tsdb-app-peering-writer",
        "metrics-app-peering-writer",
    }
    assert len([sp for sp in runtime.of_type(SP) if sp.inputs.get("useExisting")]) == 1
    writer = runtime.one(ROLE_DEF, "app-vnet-writer-role")
    assert all(
        a.inputs["roleDefinitionId"] == writer.id
        for a in runtime.of_type(ASSIGNMENT)
        if a.name.endswith("app-peering-writer")
    )
    provider_peer = runtime.one(ASSIGNMENT, "app-vnet-provider-peer")
    for sleep in runtime.of_type(SLEEP):
        assert sleep.inputs["triggers"]["provider_peer"] == provider_peer.id


def test_a_second_program_peering_the_same_vnet_makes_no_shared_role(runtime):
    """The first program made the VNet's roles (a peering without vnet_access, or an
    AzureVnetPeeringAccess); the second takes their ids, e.g. from a StackReference."""
    roles = f"{SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions"
    ids = {
        "provider_service_principal_id": "0b7f4f3e-1111-4222-8333-444455556666",
        "provider_tenant_id": AIVEN_TENANT_ID,
        "provider_role_assignment_id": f"{VNET_ID}/providers/Microsoft.Authorization/roleAssignments/x",
        "peer_role_id": f"{roles}/11111111-2222-4333-8444-555555555555",
        "writer_role_id": f"{roles}/22222222-2222-4333-8444-555555555555",
    }
    args = base_args(aiven_project="metrics", aiven_project_vpc_id=VPC, vnet_access=ids)
    component = AzureVnetPeering("metrics", args)  # type: ignore[arg-type]
    runtime.settle()
    assert runtime.of_type(ROLE_DEF) == []
    assert runtime.of_type(ACCESS) == []
    assert [sp.name for sp in runtime.of_type(SP)] == ["metrics-app-sp"]
    (assignment,) = runtime.of_type(ASSIGNMENT)
    assert assignment.inputs["roleDefinitionId"] == ids["writer_role_id"]
    assert runtime.one(SLEEP).inputs["triggers"]["provider_peer"] == ids["provider_role_assignment_id"]
    assert runtime.value(component.custom_role_id) == ids["peer_role_id"]
    assert runtime.value(component.provider_service_principal_id) == ids["provider_service_principal_id"]


def test_vnet_access_must_name_every_id():
    with pytest.raises(ValidationError) as info:
        check(base_args(vnet_access={"peer_role_id": "x", "colour": "blue"}))
    assert set(info.value.fields) == {
        "vnet_access.colour",
        "vnet_access.provider_service_principal_id",
        "vnet_access.provider_tenant_id",
        "vnet_access.provider_role_assignment_id",
        "vnet_access.writer_role_id",
    }


# -- issue 16 item 5: credentials and tenants


def provider_of(runtime, resource):
    return runtime.by_urn(resource.provider_urn)


def test_the_app_signed_in_provider_leaves_nothing_to_the_environment(built):
    """azure-native tries the default credential and a client certificate before the client secret,
    and reads ARM_* for any option not set: each is set, so only the app's secret can sign in."""
    runtime, _ = built
    provider = provider_of(runtime, runtime.one(PEERING))
    assert {k: provider.inputs.get(k) for k in APP_PROVIDER_PINNED} == APP_PROVIDER_PINNED


APP_PROVIDER_PINNED = {
    # Non-string provider inputs reach the engine JSON-encoded.
    "useDefaultAzureCredential": "false",
    "useMsi": "false",
    "useOidc": "false",
    "clientCertificatePath": "",
    "clientCertificatePassword": "",
    "oidcToken": "",
    "oidcTokenFilePath": "",
    "oidcRequestToken": "",
    "oidcRequestUrl": "",
    "msiEndpoint": "",
    "metadataHost": "",
    "environment": "public",
    "tenantId": TENANT,
    "subscriptionId": SUB,
}


def test_what_the_deployer_creates_is_created_in_the_given_tenant_and_subscription(built):
    runtime, _ = built
    for token in (APP, SP, PASSWORD):
        for resource in runtime.of_type(token):
            provider = provider_of(runtime, resource)
            assert provider.type == "pulumi:providers:azuread", resource.name
            assert provider.inputs["tenantId"] == TENANT
    for token in (ROLE_DEF, ASSIGNMENT):
        for resource in runtime.of_type(token):
            provider = provider_of(runtime, resource)
            assert provider.type == "pulumi:providers:azure-native", resource.name
            assert provider.inputs["tenantId"] == TENANT
            assert provider.inputs["subscriptionId"] == SUB
            assert provider.name == "ts-azure-native"  # not the app-signed-in one


def test_the_pinned_providers_keep_the_stack_s_sign_in_settings(runtime_factory):
    runtime = runtime_factory(
        config={
            "azuread:clientId": "ci-client",
            "azuread:useOidc": "true",
            "azuread:tenantId": "00000000-0000-4000-8000-000000000000",  # another tenant: overridden
            "azure-native:clientId": "ci-client",
            "azure-native:clientSecret": "ci-secret",
            "azure-native:subscriptionId": "00000000-0000-4000-8000-000000000001",
        },
        secret_keys=["azure-native:clientSecret"],
    )
    AzureVnetPeering("ts", base_args())  # type: ignore[arg-type]
    runtime.settle()
    azuread = runtime.one("pulumi:providers:azuread", "ts-azuread")
    assert azuread.inputs["clientId"] == "ci-client"
    assert azuread.inputs["useOidc"] == "true"
    assert azuread.inputs["tenantId"] == TENANT
    native = runtime.one("pulumi:providers:azure-native", "ts-azure-native")
    assert native.inputs["clientSecret"] == "ci-secret" and "clientSecret" in native.secret_inputs
    assert native.inputs["subscriptionId"] == SUB


def test_a_provider_the_caller_passes_is_used(runtime):
    import pulumi_azuread as azuread

    own = azuread.Provider("mine", tenant_id=TENANT)
    AzureVnetPeering("ts", base_args(), pulumi.ResourceOptions(providers=[own]))  # type: ignore[arg-type]
    runtime.settle()
    assert runtime.of_type("pulumi:providers:azuread") == [runtime.one("pulumi:providers:azuread", "mine")]
    mine = runtime.one("pulumi:providers:azuread", "mine")
    assert provider_of(runtime, runtime.one(APP)).urn == mine.urn


# -- issue 16 item 4: role propagation


def test_the_peering_is_written_once_the_app_s_roles_are_effective_on_both_vnets(built):
    runtime, _ = built
    check_ = runtime.one(PERMISSIONS)
    app = runtime.one(APP)
    request = runtime.one(REQUEST)
    assert check_.inputs["client_id"] == app.outputs["clientId"]
    assert check_.inputs["client_secret"] == runtime.one(PASSWORD).outputs["value"]
    assert "client_secret" in check_.secret_inputs
    assert check_.inputs["tenant_id"] == TENANT
    assert check_.inputs["vnet_id"] == VNET_ID
    assert check_.inputs["remote_tenant_id"] == AIVEN_TENANT_ID
    assert check_.inputs["remote_vnet_id"] == request.outputs["stateInfo"]["to-network-id"]
    assert check_.inputs["request_id"] == request.id
    assert check_.inputs["timeout_seconds"] == 1800  # Azure: up to 30 minutes
    assert check_.inputs["arm_url"] == "https://management.azure.com"
    assert runtime.one(ASSIGNMENT, "ts-app-peering-writer").urn in check_.dependencies
    assert check_.urn in runtime.one(PEERING).dependencies


def test_the_permission_wait_is_configurable_and_bounded(runtime):
    AzureVnetPeering("ts", base_args(permission_timeout_seconds=600))  # type: ignore[arg-type]
    runtime.settle()
    assert runtime.one(PERMISSIONS).inputs["timeout_seconds"] == 600
    with pytest.raises(
        ValidationError, match="permission_timeout_seconds: got 7200; an integer from 60 to 3600"
    ):
        check(base_args(permission_timeout_seconds=7200))


# -- issue 16 item 7


def test_the_keeper_s_advice_is_to_refresh():
    with pytest.raises(ValueError, match=r"pulumi up --refresh"):
        KeptRemoteIdsProvider().create({"tenant_id": "", "network_id": "", "request_id": "r"})


def test_the_auxiliary_tenant_is_the_provider_app_s_home_tenant(built):
    """Known as soon as the provider's service principal exists; not from Aiven's state_info."""
    runtime, _ = built
    provider_sp = runtime.one(SP, "ts-provider-sp")
    app_provider = runtime.one("pulumi:providers:azure-native", "ts-peering-provider")
    assert json.loads(app_provider.inputs["auxiliaryTenantIds"]) == [
        provider_sp.outputs["applicationTenantId"]
    ]
    assert provider_sp.urn in app_provider.dependencies
    assert runtime.one(PERMISSIONS).inputs["remote_tenant_id"] == provider_sp.outputs["applicationTenantId"]


def test_the_wait_keeps_its_token_secret_in_state(built):
    runtime, _ = built
    assert "api_token" in runtime.one(ACTIVE).additional_secret_outputs


# -- issue 16 item 6: the app's secret and owners

ROTATING = "time:index/rotating:Rotating"


def test_the_app_password_expires_and_rotates(built):
    runtime, _ = built
    rotating = runtime.one(ROTATING, "ts-app-password-rotation")
    assert rotating.inputs["rotationDays"] == 180
    password = runtime.one(PASSWORD)
    assert password.inputs["rotateWhenChanged"] == {"rotation": rotating.id}
    # Valid 60 days past the planned rotation, so an up run a little late still signs in.
    assert password.inputs["endDateRelative"] == f"{(180 + 60) * 24}h"


def test_the_rotation_period_is_an_input(runtime):
    AzureVnetPeering("ts", base_args(app_password_rotation_days=90))  # type: ignore[arg-type]
    runtime.settle()
    assert runtime.one(ROTATING).inputs["rotationDays"] == 90
    assert runtime.one(PASSWORD).inputs["endDateRelative"] == f"{150 * 24}h"
    with pytest.raises(
        ValidationError, match="app_password_rotation_days: got 700; an integer from 30 to 640"
    ):
        check(base_args(app_password_rotation_days=700))


def test_the_deploying_principal_owns_the_app_and_its_service_principal(built):
    """So a CI principal holding only Application.ReadWrite.OwnedBy can manage them afterwards."""
    runtime, _ = built
    assert runtime.one(APP).inputs["owners"] == [DEPLOYER_OBJECT_ID]
    assert runtime.one(SP, "ts-app-sp").inputs["owners"] == [DEPLOYER_OBJECT_ID]


def test_the_stack_does_not_export_the_app_secret(runtime_factory):
    dev = yaml.safe_load((Path(__file__).resolve().parents[3] / "Pulumi.dev.yaml").read_text())["config"]
    runtime = runtime_factory(
        config={"crossnet:scenarios": ["timescale_azure_peering"], "crossnet:azure": dev["crossnet:azure"]}
    )
    runtime.run(lambda: stacks.run())
    out = runtime.stack_outputs()["timescale_azure_peering"]
    assert "app_secret" not in out
    assert out["app_client_id"]


# -- issue 12 item 3: the module path a deployed stack depends on


@pytest.mark.parametrize(
    "name", ["KeptRemoteIdsProvider", "PermissionsEffectiveProvider", "PeeringActiveProvider"]
)
def test_dynamic_providers_are_pickled_by_their_module_path(name):
    """The state stores this path (``crossnet.azure.peering.dynamic`` when installed): it must not move."""
    import base64
    import pickle

    from pulumi.dynamic.dynamic import serialize_provider

    from components.azure.peering import dynamic

    blob = base64.b64decode(serialize_provider(getattr(dynamic, name)()))
    assert b"components.azure.peering.dynamic" in blob and name.encode() in blob
    assert b"wait_for_active" not in blob  # by reference, not the code by value
    assert type(pickle.loads(blob)).__name__ == name  # noqa: S301 - our own bytes


def test_a_second_up_with_the_same_inputs_changes_nothing():
    from components.azure.peering.dynamic import PeeringActiveProvider, PermissionsEffectiveProvider

    kept = {"tenant_id": AIVEN_TENANT_ID, "network_id": "/subscriptions/x/vnet", "request_id": "tsdb/a"}
    assert not kept_ids_diff(kept, dict(kept)).changes
    wait_in = {"project": "tsdb", "vpc_id": VPC, "peering_id": "p", "request_id": "tsdb/a", "api_token": "t"}
    assert not PeeringActiveProvider().diff("id", {**wait_in, "state": "ACTIVE"}, wait_in).changes
    perms = {"client_id": "c", "tenant_id": TENANT, "vnet_id": VNET_ID, "request_id": "tsdb/a"}
    assert (
        not PermissionsEffectiveProvider()
        .diff("id", {**perms, "report": "r"}, {**perms, "client_secret": "s"})
        .changes
    )


def test_upgrading_from_0_1_keeps_the_kept_ids_and_so_the_peering():
    """0.1 stored no request id: adopting the current one must not replace the keeper, which
    would replace the customer peering (replace_with) on the first up after the upgrade."""
    old_state = {"tenant_id": AIVEN_TENANT_ID, "network_id": "/subscriptions/x/vnet"}
    assert not kept_ids_diff(old_state, {**old_state, "request_id": "tsdb/a"}).changes
