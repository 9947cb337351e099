"""AzureVnetPeeringAccess (``crossnet:index:AzureVnetPeeringAccess``): what every peering of one VNet shares.

Custom role names are unique per tenant, a role definition's id is fixed per VNet, and Azure keeps
one role assignment per (principal, role, scope): a second peering of the same VNet (a second Aiven
project) that made these again would fail with "cannot create already existing resource" and
409 ``RoleAssignmentExists``. So they live here, made once per VNet, and each
:class:`~.component.AzureVnetPeering` of that VNet takes their ids (``vnet_access``). A peering
given no ``vnet_access`` makes its own, which is right when it is the VNet's only one.

- the provider application's service principal in the customer tenant (adopted, kept on destroy);
- a custom role holding only ``virtualNetworks/peer/action``, assigned to that principal on the VNet
  (what lets Aiven write its side of the peering);
- a custom role with only what writing, reading and deleting the VNet's peerings needs, which each
  peering assigns to its own app.
"""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

from typing import Any

import pulumi

from ...naming import child
from ...tokens import type_token
from ...validation import Problems
from .args import (
    PEER_ACTION,
    PEERING_WRITER_ACTIONS,
    AccessSettings,
    AzureVnetPeeringAccessArgs,
    VnetAccessIdsArgs,
    peer_role_guid,
    validate_access,
    writer_role_guid,
)
from .providers import pinned

SUBJECT = "AzureVnetPeeringAccess"


class AzureVnetPeeringAccess(pulumi.ComponentResource):
    """The roles every peering of one VNet shares: make one per VNet, pass ``ids`` to each peering."""

    provider_service_principal_id: pulumi.Output[str]
    """Object id of the provider application's service principal in the customer tenant."""
    provider_tenant_id: pulumi.Output[str]
    """The provider application's home tenant (its service principal's ``application_tenant_id``)."""
    provider_role_assignment_id: pulumi.Output[str]
    """Resource id of the provider principal's peer-only role assignment on the VNet."""
    peer_role_id: pulumi.Output[str]
    """Resource id of the custom role holding only ``virtualNetworks/peer/action``."""
    writer_role_id: pulumi.Output[str]
    """Resource id of the custom role that lets an app read, write and delete the VNet's peerings."""

    def __init__(
        self,
        name: str,
        args: AzureVnetPeeringAccessArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        legacy_parent: pulumi.Resource | None = None,
    ):
        problems = Problems(SUBJECT)
        settings = validate_access(args, problems)
        problems.raise_if_any()
        if settings is None:  # pragma: no cover - validate_access returns None only with problems
            raise RuntimeError("validate_access returned no settings without a problem")
        super().__init__(type_token("AzureVnetPeeringAccess"), name, None, opts)
        self._name = name
        self._settings: AccessSettings = settings
        # 0.1.0 made these directly under the AzureVnetPeering: the alias keeps them (no replacement).
        self._legacy_parent = legacy_parent
        self._pinned = pinned(self, name, settings.tenant_id, settings.subscription_id)

        provider_sp, peer_role, assignment = self._provider_peer()
        writer_role = self._writer_role()

        self.provider_service_principal_id = provider_sp.object_id
        self.provider_tenant_id = provider_sp.application_tenant_id
        self.provider_role_assignment_id = assignment.id
        self.peer_role_id = peer_role.id
        self.writer_role_id = writer_role.id
        self.register_outputs(
            {
                "provider_service_principal_id": self.provider_service_principal_id,
                "provider_tenant_id": self.provider_tenant_id,
                "provider_role_assignment_id": self.provider_role_assignment_id,
                "peer_role_id": self.peer_role_id,
                "writer_role_id": self.writer_role_id,
            }
        )

    @property
    def ids(self) -> VnetAccessIdsArgs:
        """What :class:`AzureVnetPeering` takes as ``vnet_access``."""
        return VnetAccessIdsArgs(
            provider_service_principal_id=self.provider_service_principal_id,
            provider_tenant_id=self.provider_tenant_id,
            provider_role_assignment_id=self.provider_role_assignment_id,
            peer_role_id=self.peer_role_id,
            writer_role_id=self.writer_role_id,
        )

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        aliases = [pulumi.Alias(parent=self._legacy_parent)] if self._legacy_parent is not None else None
        return pulumi.ResourceOptions(parent=self, aliases=aliases, **kwargs)

    def _provider_peer(self) -> tuple[Any, Any, Any]:
        """The provider's app in this tenant, allowed only to peer with this VNet."""
        import pulumi_azuread as azuread
        from pulumi_azure_native import authorization

        s = self._settings
        # use_existing adopts the tenant's one service principal of the provider's app, which every
        # other peering with that provider (one made by hand, another VNet's) relies on; azuread
        # would still delete it on destroy. Retained: `pulumi destroy` only forgets it.
        provider_sp = azuread.ServicePrincipal(
            child(self._name, "provider-sp"),
            client_id=s.provider_app_id,
            use_existing=True,
            opts=self._opts(retain_on_delete=True, provider=self._pinned.azuread),
        )
        peer_role = authorization.RoleDefinition(
            child(self._name, "peer-role"),
            scope=s.subscription_scope,
            role_definition_id=peer_role_guid(s.vnet_id),
            # Custom role names are unique per tenant: name the VNet it is for.
            role_name=f"crossnet vnet peer {s.vnet_path}",
            role_type="CustomRole",
            description="Allows only peering with a virtual network (crossnet AzureVnetPeering)",
            permissions=[authorization.PermissionArgs(actions=[PEER_ACTION])],
            assignable_scopes=[s.subscription_scope],
            opts=self._opts(provider=self._pinned.azure_native),
        )
        # The assignment takes the role's id as input, so destroy deletes it before the role.
        assignment = authorization.RoleAssignment(
            child(self._name, "provider-peer"),
            scope=s.vnet_id,
            principal_id=provider_sp.object_id,
            principal_type="ServicePrincipal",
            role_definition_id=peer_role.id,
            description="crossnet: lets the provider peer its VPC with this VNet",
            opts=self._opts(provider=self._pinned.azure_native),
        )
        return provider_sp, peer_role, assignment

    def _writer_role(self) -> Any:
        """Only what writing, reading and deleting this VNet's peerings needs (not Network Contributor)."""
        from pulumi_azure_native import authorization

        s = self._settings
        return authorization.RoleDefinition(
            child(self._name, "writer-role"),
            scope=s.subscription_scope,
            role_definition_id=writer_role_guid(s.vnet_id),
            role_name=f"crossnet vnet peering writer {s.vnet_path}",
            role_type="CustomRole",
            description="Allows only reading, writing and deleting one virtual network's peerings (crossnet)",
            permissions=[authorization.PermissionArgs(actions=list(PEERING_WRITER_ACTIONS))],
            assignable_scopes=[s.vnet_id],
            opts=self._opts(provider=self._pinned.azure_native),
        )
