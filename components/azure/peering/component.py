"""AzureVnetPeering (``crossnet:index:AzureVnetPeering``).

The two-tenant CLI procedure as resources, in the order the procedure needs:

1. the deployer's azuread and azure-native providers, pinned to ``tenant_id`` and
   ``subscription_id`` (``providers``);
2. the VNet's shared roles (:class:`~.access.AzureVnetPeeringAccess`, given as ``vnet_access`` or
   made here): Aiven's service principal with a peer-only role on the VNet, and a writer role;
3. a multi-tenant app registration owned by the deployer, its service principal, a rotating
   password, and the writer role on the VNet for it;
4. a bounded wait for Aiven's role, then the provider-side request
   (``aiven.AzureVpcPeeringConnection``, replaced delete-first), which answers at PENDING_PEER
   with the provider's VNet id (kept by ``KeptRemoteIds``);
5. a bounded wait until the app's roles are effective on both VNets, then the
   customer-to-provider VNet peering, written as the app with the provider's home tenant as
   auxiliary tenant (the write needs tokens for both tenants);
6. a bounded wait until Aiven reports the connection ACTIVE.
"""

# No `from __future__ import annotations`: the provider schema reads these annotations at run time.

from typing import Any, NamedTuple

import pulumi

from ...naming import child
from ...tokens import component_opts, type_token
from ...validation import Problems
from .args import (
    AIVEN_APP_ID,
    PASSWORD_GRACE_DAYS,
    PEER_ACTION,
    SUBJECT,
    AivenProjectVpcArgs,
    AzureVnetPeeringArgs,
    Settings,
    VnetAccessIdsArgs,
    validate,
)
from .providers import app_sign_in, pinned

__all__ = [
    "AIVEN_APP_ID",
    "PEER_ACTION",
    "AivenProjectVpcArgs",
    "AzureVnetPeering",
    "AzureVnetPeeringArgs",
    "Settings",
    "validate",
]


class _Identity(NamedTuple):
    app: Any  # azuread.Application
    service_principal: Any  # azuread.ServicePrincipal
    secret: pulumi.Output[str]
    role_assignment: Any  # authorization.RoleAssignment


class _Request(NamedTuple):
    request: Any  # aiven.AzureVpcPeeringConnection
    vpc_uuid: pulumi.Input[str]
    remote: Any  # KeptRemoteIds


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
        problems = Problems(SUBJECT)
        settings = validate(args, problems)
        problems.raise_if_any()
        if settings is None:  # pragma: no cover - validate returns None only with problems recorded
            raise RuntimeError("validate returned no settings without a problem")
        super().__init__(
            type_token("AzureVnetPeering"), name, None, component_opts("azure", "AzureVnetPeering", opts)
        )
        self._name = name
        self._settings = settings
        self._pinned = pinned(self, name, settings.tenant_id, settings.subscription_id)

        access = self._vnet_access()
        identity = self._identity(access)
        propagated = self._role_propagation(identity, access)
        request = self._aiven_request(identity, propagated)
        peering = self._peering(identity, access, propagated, request)
        active = self._active_wait(args, request, peering)

        self.app_client_id = identity.app.client_id
        self.app_secret = identity.secret
        self.service_principal_id = identity.service_principal.object_id
        self.provider_service_principal_id = pulumi.Output.from_input(access["provider_service_principal_id"])
        self.custom_role_id = pulumi.Output.from_input(access["peer_role_id"])
        self.remote_vnet_id = request.remote.network_id
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

    def _opts(self, **kwargs: Any) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, **kwargs)

    def _child(self, suffix: str) -> str:
        return child(self._name, suffix)

    def _vnet_access(self) -> VnetAccessIdsArgs:
        """The VNet's shared roles: given (``vnet_access``), or made here for a VNet's only peering."""
        from .access import AzureVnetPeeringAccess

        s = self._settings
        if s.vnet_access is not None:
            return s.vnet_access
        access = AzureVnetPeeringAccess(
            self._name,
            {
                "subscription_id": s.subscription_id,
                "tenant_id": s.tenant_id,
                "resource_group_name": s.resource_group_name,
                "vnet_name": s.vnet_name,
                "provider_app_id": s.provider_app_id,
            },
            opts=self._opts(providers=self._pinned.all()),
            legacy_parent=self,
        )
        return access.ids

    def _identity(self, access: VnetAccessIdsArgs) -> _Identity:
        """The app that will write the customer-to-provider peering, and its right on the VNet."""
        import pulumi_azuread as azuread
        import pulumiverse_time as time
        from pulumi_azure_native import authorization

        s = self._settings
        in_tenant = self._opts(provider=self._pinned.azuread)
        # The deploying principal owns what it creates, so a CI principal holding only
        # Application.ReadWrite.OwnedBy can update and delete them later.
        deployer = azuread.get_client_config_output(
            opts=pulumi.InvokeOutputOptions(parent=self, provider=self._pinned.azuread)
        )
        owners = [deployer.object_id]
        app = azuread.Application(
            self._child("app"),
            display_name=s.app_display_name,
            sign_in_audience="AzureADMultipleOrgs",
            owners=owners,
            opts=in_tenant,
        )
        app_sp = azuread.ServicePrincipal(
            self._child("app-sp"), client_id=app.client_id, owners=owners, opts=in_tenant
        )
        # Replaced by the first `up` after the rotation date (the new one is created before the
        # old one is deleted); valid a grace period past it.
        rotation = time.Rotating(
            self._child("app-password-rotation"),
            rotation_days=s.app_password_rotation_days,
            opts=self._opts(),
        )
        password = azuread.ApplicationPassword(
            self._child("app-password"),
            application_id=app.id,
            display_name="crossnet VNet peering",
            end_date_relative=f"{(s.app_password_rotation_days + PASSWORD_GRACE_DAYS) * 24}h",
            rotate_when_changed={"rotation": rotation.id},
            opts=in_tenant,
        )
        # Only what writing and deleting the peering needs (the shared writer role), on this VNet.
        writer = authorization.RoleAssignment(
            self._child("app-peering-writer"),
            scope=s.vnet_id,
            principal_id=app_sp.object_id,
            principal_type="ServicePrincipal",
            role_definition_id=access["writer_role_id"],
            description="crossnet: lets the peering app write the VNet peering",
            opts=self._opts(provider=self._pinned.azure_native),
        )
        return _Identity(app, app_sp, pulumi.Output.secret(password.value), writer)

    def _role_propagation(self, identity: _Identity, access: VnetAccessIdsArgs) -> pulumi.Resource:
        """A fixed, bounded wait before Aiven's request, for Aiven's own role on the VNet."""
        import pulumiverse_time as time

        s = self._settings
        # Aiven writes its side of the peering with its own app, whose rights we cannot check as
        # that app; a fixed wait (re-run only when an assignment is replaced) gives its role time
        # to apply. Our app's rights are checked as the app before the peering write
        # (_permissions_effective).
        return time.Sleep(
            self._child("role-propagation"),
            create_duration=f"{s.role_propagation_seconds}s",
            triggers={
                "app_peering_writer": identity.role_assignment.id,
                "provider_peer": access["provider_role_assignment_id"],
            },
            opts=self._opts(depends_on=[identity.role_assignment]),
        )

    def _aiven_request(self, identity: _Identity, propagated: pulumi.Resource) -> _Request:
        """Aiven's side: the project VPC (when asked) and the peering request; keep the ids it reports."""
        import pulumi_aiven as aiven

        from .dynamic import KeptRemoteIds

        s = self._settings
        if s.project_vpc is not None:
            project_vpc = aiven.ProjectVpc(
                self._child("project-vpc"),
                project=s.aiven_project,
                cloud_name=s.project_vpc["cloud_name"],
                network_cidr=s.project_vpc["network_cidr"],
                opts=self._opts(),
            )
            aiven_vpc_id: pulumi.Input[str] = project_vpc.id
            vpc_uuid: pulumi.Input[str] = project_vpc.project_vpc_id
        else:
            aiven_vpc_id = f"{s.aiven_project}/{s.vpc_uuid}"
            vpc_uuid = str(s.vpc_uuid)

        request = aiven.AzureVpcPeeringConnection(
            self._child("aiven-request"),
            vpc_id=aiven_vpc_id,
            azure_subscription_id=s.subscription_id,
            peer_resource_group=s.resource_group_name,
            vnet_name=s.vnet_name,
            peer_azure_app_id=identity.app.client_id,
            peer_azure_tenant_id=s.tenant_id,
            # Aiven keeps one request per VNet and refuses a second ("azure peering connection
            # already exists"): the old request must be gone before the new one is made.
            opts=self._opts(depends_on=[propagated], delete_before_replace=True),
        )
        info = request.state_info.apply(lambda i: dict(i or {}))
        remote = KeptRemoteIds(
            self._child("remote-ids"),
            tenant_id=info.apply(lambda i: i.get("to-tenant-id", "")),
            network_id=info.apply(lambda i: i.get("to-network-id", "")),
            request_id=request.id,
            opts=self._opts(),
        )
        return _Request(request, vpc_uuid, remote)

    def _peering(
        self, identity: _Identity, access: VnetAccessIdsArgs, propagated: pulumi.Resource, request: _Request
    ) -> Any:
        """The customer-to-provider peering, written as the app with tokens for both tenants."""
        import pulumi_azure_native as azure_native
        from pulumi_azure_native import network

        s = self._settings
        effective = self._permissions_effective(identity, request, access)
        signed_in_as_app = azure_native.Provider(
            self._child("peering-provider"),
            **app_sign_in(
                identity.app.client_id,
                identity.secret,
                s.tenant_id,
                s.subscription_id,
                # The provider's home tenant: known once its service principal exists here.
                access["provider_tenant_id"],
            ),
            opts=self._opts(),
        )
        return network.VirtualNetworkPeering(
            self._child("peering"),
            resource_group_name=s.resource_group_name,
            virtual_network_name=s.vnet_name,
            virtual_network_peering_name=s.peering_name,
            remote_virtual_network=network.SubResourceArgs(id=request.remote.network_id),
            allow_virtual_network_access=True,
            allow_forwarded_traffic=False,
            allow_gateway_transit=False,
            use_remote_gateways=False,
            # A new Aiven request (or new ids) is a new remote side: write our side again. The
            # peering's name is fixed, so the old one goes first. `replace_with` needs a Pulumi
            # CLI that knows it; an older one ignores it, and the ACTIVE wait (keyed on the
            # request) then fails instead of reporting a dead peering as ACTIVE.
            opts=self._opts(
                provider=signed_in_as_app,
                depends_on=[propagated, request.request, effective],
                replace_with=[request.request, request.remote],
                delete_before_replace=True,
            ),
        )

    def _permissions_effective(
        self, identity: _Identity, request: _Request, access: VnetAccessIdsArgs
    ) -> pulumi.Resource:
        """Before the write: wait (bounded) until the app holds what it needs on both VNets."""
        from .dynamic import PermissionsEffective
        from .providers import endpoints

        s = self._settings
        login_url, arm_url = endpoints()
        return PermissionsEffective(
            self._child("permissions"),
            {
                "client_id": identity.app.client_id,
                "client_secret": identity.secret,
                "tenant_id": s.tenant_id,
                "remote_tenant_id": access["provider_tenant_id"],
                "vnet_id": s.vnet_id,
                "remote_vnet_id": request.remote.network_id,
                "role_assignment_id": identity.role_assignment.id,
                "request_id": request.request.id,
                "timeout_seconds": s.permission_timeout_seconds,
                "poll_seconds": 15,
                "login_url": login_url,
                "arm_url": arm_url,
            },
            opts=self._opts(depends_on=[identity.role_assignment]),
        )

    def _active_wait(self, args: AzureVnetPeeringArgs, request: _Request, peering: Any) -> Any:
        """Aiven finishes its side asynchronously; wait (bounded) for ACTIVE."""
        from .dynamic import PeeringActive

        s = self._settings
        token = args.get("aiven_api_token")
        if token is None:
            token = pulumi.Config("aiven").get_secret("apiToken")
        props: dict[str, Any] = {
            "api_url": s.aiven_api_url,
            "project": s.aiven_project,
            "vpc_id": request.vpc_uuid,
            "subscription_id": s.subscription_id,
            "resource_group": s.resource_group_name,
            "vnet_name": s.vnet_name,
            "peering_id": peering.id,
            "request_id": request.request.id,
            "timeout_seconds": s.active_timeout_seconds,
            "poll_seconds": 10,
        }
        if token is not None:
            props["api_token"] = pulumi.Output.secret(token)
        return PeeringActive(
            self._child("active"),
            props,
            opts=self._opts(depends_on=[peering], additional_secret_outputs=["api_token"]),
        )
