"""AzureVnetPeering on the mock runtime: the graph, its wiring, secrets and validation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

import stacks
from components import AzureVnetPeering, ValidationError
from components.azure.peering.component import AIVEN_APP_ID, PEER_ACTION, validate
from components.azure.peering.dynamic import KeptRemoteIdsProvider, kept_ids_diff
from plan.answers.azure import AIVEN_TENANT_ID

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


@pytest.fixture
def built(runtime):
    component = AzureVnetPeering("ts", base_args())  # type: ignore[arg-type]
    runtime.settle()
    return runtime, component


def test_every_child_is_parented_and_named_from_stable_keys(built):
    runtime, _ = built
    root = runtime.one("crossnet:index:AzureVnetPeering", "ts")
    children = runtime.children(root)
    assert {r.name for r in children} == {
        "ts-app",
        "ts-app-sp",
        "ts-app-password",
        "ts-app-network-contributor",
        "ts-provider-sp",
        "ts-peer-role",
        "ts-provider-peer",
        "ts-role-propagation",
        "ts-aiven-request",
        "ts-remote-ids",
        "ts-peering-provider",
        "ts-peering",
        "ts-active",
    }
    assert len(runtime.resources) == len(children) + 1


def test_custom_role_holds_only_peer_action_assignable_at_the_subscription(built):
    runtime, component = built
    role = runtime.one(ROLE_DEF)
    assert role.inputs["permissions"] == [{"actions": [PEER_ACTION]}]
    assert role.inputs["scope"] == SUB_SCOPE
    assert role.inputs["assignableScopes"] == [SUB_SCOPE]
    assert runtime.value(component.custom_role_id) == (
        f"{SUB_SCOPE}/providers/Microsoft.Authorization/roleDefinitions/{role.inputs['roleDefinitionId']}"
    )


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

    contributor = runtime.one(ASSIGNMENT, "ts-app-network-contributor")
    assert contributor.inputs["principalId"] == app_sp.outputs["objectId"]
    assert contributor.inputs["roleDefinitionId"] == NETWORK_CONTRIBUTOR
    assert contributor.inputs["scope"] == VNET_ID

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
    assert kept.urn in runtime.one("pulumi:providers:azure-native").dependencies


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
        "timeout_seconds": 600,
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
        validate({**base_args(), **change})
    assert field in info.value.fields


def test_overlap_with_a_created_project_vpc_is_caught():
    args = base_args(
        project_vpc={"cloud_name": "azure-westeurope", "network_cidr": "10.20.5.0/24"},
        vnet_address_space=["10.20.0.0/16"],
    )
    del args["aiven_project_vpc_id"]
    with pytest.raises(ValidationError, match=r"project_vpc\.network_cidr \(10\.20\.5\.0/24\)"):
        validate(args)


def test_bare_vpc_uuid_and_disjoint_spaces_are_accepted():
    plan = validate(
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
    assert created.outs == olds


def test_scenario_from_the_dev_stack_config(runtime_factory):
    dev = yaml.safe_load((Path(__file__).resolve().parents[3] / "Pulumi.dev.yaml").read_text())["config"]
    runtime = runtime_factory(
        config={"crossnet:scenarios": ["timescale_azure_peering"], "crossnet:azure": dev["crossnet:azure"]}
    )
    runtime.run(lambda: stacks.run())
    out = runtime.stack_outputs()["timescale_azure_peering"]
    assert out["provider_peering_state"] == "ACTIVE"
    assert out["remote_vnet_id"].startswith("/subscriptions/")
    assert "timescale_azure_peering" in runtime.secret_stack_outputs()
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
    name = runtime.one(ROLE_DEF).inputs["roleName"]
    assert name == f"crossnet vnet peer {SUB}/{group}/{vnet}"
    assert len(name) == 211 <= 512
