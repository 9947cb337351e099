"""Answers for the Azure + Aiven peering: Entra ID objects, ARM ids, Aiven's peering request.

Ids follow the real formats (ARM resource ids, ``<project>/<uuid>`` Aiven VPC ids,
UUID object and client ids) and derive from the resource name, so two plans of
the same program are identical.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..mocks import Ctx
from ._util import digest

# The provider's side, as Aiven reports it in state_info at PENDING_PEER.
AIVEN_TENANT_ID = "2f1c9e57-3b8a-4d6e-a0c4-7e5b9d3f1a26"
AIVEN_SUBSCRIPTION_ID = "8c4d2a1e-6f3b-4e59-9a7d-0b1c2d3e4f50"
# The principal that runs `pulumi up` (azuread's getClientConfig).
DEPLOYER_OBJECT_ID = "3c9e1f0a-7b2d-4e8f-9a61-5d4c3b2a1f09"
AIVEN_APP_ID = "55f300d4-fc50-4c5e-9222-e90a6e2187fb"  # components.azure.peering.args.AIVEN_APP_ID


def _uuid(*parts: object) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "crossnet:" + ":".join(str(p) for p in parts)))


def application(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    object_id = _uuid("application", ctx.name)
    return f"/applications/{object_id}", {
        "objectId": object_id,
        "clientId": _uuid("client", ctx.name),
        "signInAudience": ctx.inputs.get("signInAudience", "AzureADMyOrg"),
    }


def service_principal(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    client_id = ctx.inputs.get("clientId")
    object_id = _uuid("service-principal", client_id, ctx.name)
    home = AIVEN_TENANT_ID if client_id == AIVEN_APP_ID else ctx.config.get("azuread:tenantId")
    return object_id, {
        "objectId": object_id,
        "type": "Application",
        "applicationTenantId": home or _uuid("tenant", client_id),
    }


def application_password(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    key_id = _uuid("password", ctx.name)
    return f"{ctx.inputs.get('applicationId')}/password/{key_id}", {
        "keyId": key_id,
        "value": "Qx8~" + digest("password-value", ctx.name, length=36),
    }


def role_definition(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    guid = ctx.inputs.get("roleDefinitionId") or _uuid("role-definition", ctx.name)
    resource_id = f"{ctx.inputs['scope']}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
    return resource_id, {
        "name": guid,
        "type": "Microsoft.Authorization/roleDefinitions",
        "roleType": "CustomRole",
    }


def role_assignment(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    guid = ctx.inputs.get("roleAssignmentName") or _uuid("role-assignment", ctx.name)
    resource_id = f"{ctx.inputs['scope']}/providers/Microsoft.Authorization/roleAssignments/{guid}"
    return resource_id, {"name": guid, "type": "Microsoft.Authorization/roleAssignments"}


def virtual_network_peering(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    subs = [p.inputs.get("subscriptionId") for p in ctx.find("pulumi:providers:azure-native")]
    sub = (
        next((s for s in subs if isinstance(s, str) and s), None)
        or ctx.config.get("azure-native:subscriptionId")
        or "00000000-0000-0000-0000-000000000000"
    )
    name = ctx.inputs.get("virtualNetworkPeeringName") or ctx.name
    resource_id = (
        f"/subscriptions/{sub}/resourceGroups/{ctx.inputs['resourceGroupName']}/providers/"
        f"Microsoft.Network/virtualNetworks/{ctx.inputs['virtualNetworkName']}/"
        f"virtualNetworkPeerings/{name}"
    )
    return resource_id, {
        "name": name,
        "peeringState": "Connected",
        "provisioningState": "Succeeded",
        "peeringSyncLevel": "FullyInSync",
    }


def project_vpc(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    vpc = _uuid("aiven-vpc", ctx.inputs.get("project"), ctx.name)
    return f"{ctx.inputs['project']}/{vpc}", {"projectVpcId": vpc, "state": "ACTIVE"}


def azure_vpc_peering_connection(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    vpc_id = str(ctx.inputs["vpcId"])
    project, _, vpc = vpc_id.rpartition("/")
    network_id = (
        f"/subscriptions/{AIVEN_SUBSCRIPTION_ID}/resourceGroups/aiven-{project}-{vpc[:8]}/"
        f"providers/Microsoft.Network/virtualNetworks/aiven-vnet-{vpc[:8]}"
    )
    resource_id = f"{vpc_id}/{ctx.inputs['azureSubscriptionId']}/{ctx.inputs['vnetName']}"
    return resource_id, {
        "state": "PENDING_PEER",
        "stateInfo": {
            "message": "Pending peering connection from the peer",
            "to-tenant-id": AIVEN_TENANT_ID,
            "to-network-id": network_id,
        },
        "peeringConnectionId": _uuid("aiven-peering", resource_id),
    }


def kept_remote_ids(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    # The dynamic provider's create returns its inputs; the mock echoes them too.
    return f"{ctx.inputs.get('tenant_id')}:{ctx.inputs.get('network_id')}", {}


def peering_active(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    ident = f"{ctx.inputs.get('project')}/{ctx.inputs.get('vpc_id')}/{ctx.inputs.get('vnet_name')}"
    return ident, {"state": "ACTIVE", "message": ""}


def permissions_effective(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    return f"{ctx.inputs.get('client_id')}:{ctx.inputs.get('request_id')}", {
        "report": "this VNet: effective after 0s; the provider's VNet: effective after 0s",
        "waited_seconds": 0,
    }


def rotating(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    # The time provider's id is the base timestamp; a fixed one keeps two plans identical.
    return "2026-01-01T00:00:00Z", {
        "rfc3339": "2026-01-01T00:00:00Z",
        "rotationRfc3339": "2026-06-30T00:00:00Z",
    }


RESOURCES = {
    "azuread:index/application:Application": application,
    "azuread:index/servicePrincipal:ServicePrincipal": service_principal,
    "azuread:index/applicationPassword:ApplicationPassword": application_password,
    "azure-native:authorization:RoleDefinition": role_definition,
    "azure-native:authorization:RoleAssignment": role_assignment,
    "azure-native:network:VirtualNetworkPeering": virtual_network_peering,
    "aiven:index/projectVpc:ProjectVpc": project_vpc,
    "aiven:index/azureVpcPeeringConnection:AzureVpcPeeringConnection": azure_vpc_peering_connection,
    "pulumi-python:dynamic/crossnet-azure:KeptRemoteIds": kept_remote_ids,
    "pulumi-python:dynamic/crossnet-azure:PeeringActive": peering_active,
    "pulumi-python:dynamic/crossnet-azure:PermissionsEffective": permissions_effective,
    "time:index/rotating:Rotating": rotating,
}


def get_client_config(ctx: Ctx) -> dict[str, Any]:
    tenant = ctx.config.get("azuread:tenantId") or "00000000-0000-4000-8000-000000000000"
    return {
        "id": f"{tenant}-crossnet-plan-{DEPLOYER_OBJECT_ID}",
        "clientId": "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "objectId": DEPLOYER_OBJECT_ID,
        "tenantId": tenant,
    }


CALLS = {"azuread:index/getClientConfig:getClientConfig": get_client_config}
