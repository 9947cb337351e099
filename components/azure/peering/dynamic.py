"""The two steps of the peering that no provider offers as a resource.

Why dynamic resources rather than ``command.local.Command``: both run during
``pulumi up``, but a dynamic provider runs in the project's own Python, so it
needs no ``python`` on the engine's PATH, no shell and no quoting, it receives the
Aiven token as a secret input instead of through an environment the command
provider would also keep in state, and its ``diff`` decides exactly when the step
runs again. The classes live in an importable module, so Pulumi pickles them by
reference: the program's interpreter must be able to import ``components``
(true once crossnet is installed, as the README says).

- :class:`KeptRemoteIds` keeps the provider's tenant id and VNet id from the first
  time Aiven reports them. Aiven's ``state_info`` can come back empty after a
  refresh; an empty value then changes nothing, so neither the peering's
  ``remote_virtual_network`` nor the signing-in provider's auxiliary tenant moves.
- :class:`PeeringActive` polls the Aiven API until the connection is ``ACTIVE``
  (bounded), failing with the state and Aiven's message otherwise. On refresh it reads
  the state Aiven reports now, and a state other than ACTIVE makes the next ``up`` wait again.
- :class:`PermissionsEffective` waits, before the peering write, until the app's roles are
  effective on both VNets (see ``permissions``).

Pickled by reference: a deployed stack's state names this module,
``crossnet.azure.peering.dynamic`` when crossnet is installed (``components.azure.peering.dynamic``
in this repository). Moving or renaming it, or these classes, breaks ``up``, ``refresh`` and
``destroy`` of every stack deployed before the move.
"""

from __future__ import annotations

import os
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider

from . import wait

KEPT_KEYS = ("tenant_id", "network_id")
# The Aiven request the ids came from: a new request (replaced, or re-created after Aiven
# deleted it) is a new peering on Aiven's side, so the kept ids start over.
REQUEST_KEY = "request_id"


def _replacing(replaces: list[str]) -> DiffResult:
    """A diff that replaces the resource for each of ``replaces`` (no change when empty)."""
    return DiffResult(changes=bool(replaces), replaces=replaces, stables=[], delete_before_replace=False)


class KeptRemoteIdsProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        missing = [k for k in KEPT_KEYS if not props.get(k)]
        if missing:
            raise ValueError(
                "Aiven did not report " + " and ".join(missing) + " in the peering request's "
                "state_info (to-tenant-id / to-network-id); the request may not have reached "
                "PENDING_PEER yet. Run `pulumi up --refresh`, which reads the request's state_info "
                "again (a plain `pulumi up` reuses the empty one in the state)."
            )
        outs = {k: props[k] for k in KEPT_KEYS}
        outs[REQUEST_KEY] = props.get(REQUEST_KEY, "")
        return CreateResult(id_=f"{outs['tenant_id']}:{outs['network_id']}", outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return kept_ids_diff(olds, news)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_=id_, outs=props)


def kept_ids_diff(olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
    """Replace when the request is a new one, or when Aiven reports a different, non-empty id;
    an empty id keeps the old."""
    replaces = [k for k in KEPT_KEYS if news.get(k) and olds.get(k) and news[k] != olds[k]]
    # State written by 0.1 has no request id: adopt the current one rather than replace (which
    # would replace the customer peering too).
    if REQUEST_KEY in olds and olds.get(REQUEST_KEY) != news.get(REQUEST_KEY):
        replaces.append(REQUEST_KEY)
    return _replacing(replaces)


class KeptRemoteIds(Resource, module="crossnet-azure", name="KeptRemoteIds"):
    tenant_id: pulumi.Output[str]
    network_id: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        tenant_id: pulumi.Input[str],
        network_id: pulumi.Input[str],
        request_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        props = {"tenant_id": tenant_id, "network_id": network_id, REQUEST_KEY: request_id}
        super().__init__(KeptRemoteIdsProvider(), name, props, opts)


# Inputs whose change means "a different peering": wait again.
_WAIT_IDENTITY = (
    "project",
    "vpc_id",
    "subscription_id",
    "resource_group",
    "vnet_name",
    "peering_id",
    REQUEST_KEY,
)


def _target(props: dict[str, Any]) -> wait.PeeringTarget:
    return wait.PeeringTarget(
        project=props["project"],
        vpc_id=props["vpc_id"],
        subscription_id=props["subscription_id"],
        resource_group=props["resource_group"],
        vnet_name=props["vnet_name"],
        api_url=props.get("api_url") or wait.DEFAULT_API_URL,
    )


def _token(props: dict[str, Any]) -> str:
    """The stored token, else ``AIVEN_TOKEN`` at run time."""
    return props.get("api_token") or os.environ.get(wait.TOKEN_ENV, "")


class PeeringActiveProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        target = _target(props)
        token = _token(props)
        result = wait.wait_for_active(
            target,
            token,
            timeout_seconds=float(props["timeout_seconds"]),
            poll_seconds=float(props.get("poll_seconds") or 10),
        )
        # The token stays in the outputs (secret, like the input) so that refresh can ask Aiven.
        outs = {**props, "state": result.state, "message": result.message}
        return CreateResult(id_=f"{target.project}/{target.vpc_id}/{target.vnet_name}", outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in _WAIT_IDENTITY if olds.get(k) != news.get(k)]
        if olds.get("state") not in (None, wait.ACTIVE):
            replaces.append("state")  # a refresh saw the connection leave ACTIVE: wait again
        return _replacing(replaces)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """What Aiven reports now; without a token (none stored, no AIVEN_TOKEN) the stored state."""
        token = _token(props)
        if not token:
            return ReadResult(id_=id_, outs=props)
        target = _target(props)
        try:
            seen = wait.observe(wait.fetch_vpc(target, token), target)
        except wait.AivenApiError as err:
            if " answered 404" not in str(err):
                raise
            seen = wait.Observation(wait.NOT_FOUND, "the project VPC is gone")
        return ReadResult(id_=id_, outs={**props, "state": seen.state, "message": seen.message})


class PeeringActive(Resource, module="crossnet-azure", name="PeeringActive"):
    state: pulumi.Output[str]
    message: pulumi.Output[str]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
        super().__init__(PeeringActiveProvider(), name, {**props, "state": None, "message": None}, opts)


# Inputs whose change means "other permissions to wait for": wait again. The secret is not one
# (a rotated password holds the same roles).
_PERMISSIONS_IDENTITY = (
    "client_id",
    "tenant_id",
    "remote_tenant_id",
    "vnet_id",
    "remote_vnet_id",
    "role_assignment_id",
    REQUEST_KEY,
)


class PermissionsEffectiveProvider(ResourceProvider):
    def create(self, props: dict[str, Any]) -> CreateResult:
        from . import permissions
        from .args import PEER_ACTION, PEERING_WRITE_ACTION

        needs = [
            permissions.Need("this VNet", props["tenant_id"], props["vnet_id"], PEERING_WRITE_ACTION),
            permissions.Need(
                "the provider's VNet", props["remote_tenant_id"], props["remote_vnet_id"], PEER_ACTION
            ),
        ]
        report = permissions.wait_until_effective(
            needs,
            props["client_id"],
            props["client_secret"],
            timeout_seconds=float(props["timeout_seconds"]),
            poll_seconds=float(props.get("poll_seconds") or 15),
            login_url=props.get("login_url") or permissions.DEFAULT_LOGIN_URL,
            arm_url=props.get("arm_url") or permissions.DEFAULT_ARM_URL,
        )
        outs = {k: v for k, v in props.items() if k != "client_secret"}
        outs.update(report=str(report), waited_seconds=round(report.waited_seconds))
        return CreateResult(id_=f"{props['client_id']}:{props[REQUEST_KEY]}", outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = [k for k in _PERMISSIONS_IDENTITY if olds.get(k) != news.get(k)]
        return _replacing(replaces)


class PermissionsEffective(Resource, module="crossnet-azure", name="PermissionsEffective"):
    report: pulumi.Output[str]
    waited_seconds: pulumi.Output[int]

    def __init__(self, name: str, props: dict[str, Any], opts: pulumi.ResourceOptions | None = None):
        super().__init__(
            PermissionsEffectiveProvider(), name, {**props, "report": None, "waited_seconds": None}, opts
        )
