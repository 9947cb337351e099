"""The providers AzureVnetPeering signs in with.

- The deployer's ``azuread`` and ``azure-native`` providers, pinned to the tenant (and
  subscription) the component was given, so an ``az login`` or ``ARM_TENANT_ID`` pointing at
  another tenant cannot create the app or the roles there. They keep the stack's other
  ``azuread:*`` / ``azure-native:*`` settings (how to sign in), which an explicit provider would
  otherwise not see. A provider the caller passes for the package (``opts.providers``) is used
  as it is.
- The provider that writes the peering as the app. azure-native picks the first configured of:
  default credential, client certificate, client secret, OIDC, managed identity, Azure CLI, and
  reads ``ARM_*`` for every option that is not set (a key present with an empty value counts as
  set). Source: pulumi-azure-native ``provider/pkg/provider/auth_azidentity.go``
  (``newSingleMethodAuthCredential``) and ``provider.go`` (``getConfig``). So every option is set
  here, and only the app's client secret is left to sign in with.
"""

from __future__ import annotations

from typing import Any

import pulumi

# Stack config keys (camelCase, as in Pulumi.<stack>.yaml) -> Provider argument, and how to read them.
_STR, _BOOL, _SECRET, _OBJECT = "str", "bool", "secret", "object"
AZUREAD_SETTINGS: dict[str, tuple[str, str]] = {
    "adoPipelineServiceConnectionId": ("ado_pipeline_service_connection_id", _STR),
    "clientCertificate": ("client_certificate", _SECRET),
    "clientCertificatePassword": ("client_certificate_password", _SECRET),
    "clientCertificatePath": ("client_certificate_path", _STR),
    "clientId": ("client_id", _STR),
    "clientIdFilePath": ("client_id_file_path", _STR),
    "clientSecret": ("client_secret", _SECRET),
    "clientSecretFilePath": ("client_secret_file_path", _STR),
    "disableTerraformPartnerId": ("disable_terraform_partner_id", _BOOL),
    "environment": ("environment", _STR),
    "metadataHost": ("metadata_host", _STR),
    "msiEndpoint": ("msi_endpoint", _STR),
    "oidcRequestToken": ("oidc_request_token", _SECRET),
    "oidcRequestUrl": ("oidc_request_url", _STR),
    "oidcToken": ("oidc_token", _SECRET),
    "oidcTokenFilePath": ("oidc_token_file_path", _STR),
    "partnerId": ("partner_id", _STR),
    "useAksWorkloadIdentity": ("use_aks_workload_identity", _BOOL),
    "useCli": ("use_cli", _BOOL),
    "useMsi": ("use_msi", _BOOL),
    "useOidc": ("use_oidc", _BOOL),
}
AZURE_NATIVE_SETTINGS: dict[str, tuple[str, str]] = {
    "auxiliaryTenantIds": ("auxiliary_tenant_ids", _OBJECT),
    "clientCertificatePassword": ("client_certificate_password", _SECRET),
    "clientCertificatePath": ("client_certificate_path", _STR),
    "clientId": ("client_id", _STR),
    "clientSecret": ("client_secret", _SECRET),
    "disableInstanceDiscovery": ("disable_instance_discovery", _BOOL),
    "disablePulumiPartnerId": ("disable_pulumi_partner_id", _BOOL),
    "environment": ("environment", _STR),
    "location": ("location", _STR),
    "metadataHost": ("metadata_host", _STR),
    "msiEndpoint": ("msi_endpoint", _STR),
    "oidcRequestToken": ("oidc_request_token", _SECRET),
    "oidcRequestUrl": ("oidc_request_url", _STR),
    "oidcToken": ("oidc_token", _SECRET),
    "oidcTokenFilePath": ("oidc_token_file_path", _STR),
    "partnerId": ("partner_id", _STR),
    "useDefaultAzureCredential": ("use_default_azure_credential", _BOOL),
    "useMsi": ("use_msi", _BOOL),
    "useOidc": ("use_oidc", _BOOL),
}


def stack_settings(package: str, table: dict[str, tuple[str, str]]) -> dict[str, Any]:
    """The stack's ``<package>:*`` sign-in settings as Provider arguments (unset ones left out)."""
    config = pulumi.Config(package)
    found: dict[str, Any] = {}
    for key, (arg, kind) in table.items():
        if kind == _BOOL:
            value: Any = config.get_bool(key)
        elif kind == _SECRET:
            value = config.get_secret(key)
        elif kind == _OBJECT:
            value = config.get_object(key)
        else:
            value = config.get(key)
        if value is not None:
            found[arg] = value
    return found


def _environment() -> str:
    """The stack's Azure cloud (config ``azure-native:environment``), as written [``public``]."""
    return pulumi.Config("azure-native").get("environment") or "public"


def app_sign_in(
    client_id: pulumi.Input[str],
    client_secret: pulumi.Input[str],
    tenant_id: str,
    subscription_id: str,
    auxiliary_tenant_id: pulumi.Input[str],
) -> dict[str, Any]:
    """Arguments of the azure-native Provider that signs in as the app with its secret, and only so."""
    return {
        "client_id": client_id,
        "client_secret": client_secret,
        "tenant_id": tenant_id,
        "subscription_id": subscription_id,
        "auxiliary_tenant_ids": [auxiliary_tenant_id],
        "environment": _environment(),
        "metadata_host": "",
        "use_default_azure_credential": False,
        "use_msi": False,
        "msi_endpoint": "",
        "use_oidc": False,
        "oidc_token": "",
        "oidc_token_file_path": "",
        "oidc_request_token": "",
        "oidc_request_url": "",
        "client_certificate_path": "",
        "client_certificate_password": "",
    }


class Pinned:
    """The deployer's azuread and azure-native providers for one component."""

    def __init__(self, azuread: pulumi.ProviderResource, azure_native: pulumi.ProviderResource):
        self.azuread = azuread
        self.azure_native = azure_native

    def all(self) -> list[pulumi.ProviderResource]:
        return [self.azuread, self.azure_native]


def pinned(owner: pulumi.ComponentResource, name: str, tenant_id: str, subscription_id: str) -> Pinned:
    """The caller's providers for the packages it passed one for; the others made here, pinned."""
    import pulumi_azure_native as azure_native
    import pulumi_azuread as azuread

    given: dict[str, pulumi.ProviderResource] = dict(getattr(owner, "_providers", {}) or {})
    here = pulumi.ResourceOptions(parent=owner)
    ad = given.get("azuread") or azuread.Provider(
        f"{name}-azuread",
        **{**stack_settings("azuread", AZUREAD_SETTINGS), "tenant_id": tenant_id},
        opts=here,
    )
    native = given.get("azure-native") or azure_native.Provider(
        f"{name}-azure-native",
        **{
            **stack_settings("azure-native", AZURE_NATIVE_SETTINGS),
            "tenant_id": tenant_id,
            "subscription_id": subscription_id,
        },
        opts=here,
    )
    return Pinned(ad, native)


# Sign-in and ARM endpoints per azure-native `environment` (Azure's national clouds).
_ENDPOINTS = {
    "public": ("https://login.microsoftonline.com", "https://management.azure.com"),
    "usgovernment": ("https://login.microsoftonline.us", "https://management.usgovcloudapi.net"),
    "china": ("https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn"),
}


def endpoints() -> tuple[str, str]:
    """(login URL, ARM URL) of the stack's Azure cloud (config ``azure-native:environment``)."""
    return _ENDPOINTS.get(_environment().lower(), _ENDPOINTS["public"])
