"""The permission wait against a local HTTP server (127.0.0.1) playing Entra ID's token endpoint
and ARM's permissions API, as they look while role assignments propagate."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest

from components.azure.peering import permissions
from components.azure.peering.args import PEER_ACTION, PEERING_WRITE_ACTION
from components.azure.peering.dynamic import PermissionsEffectiveProvider
from tests.azure.peering.loopback import JsonHandler, serve

TENANT, REMOTE_TENANT = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", "2f1c9e57-3b8a-4d6e-a0c4-7e5b9d3f1a26"
CLIENT, SECRET = "6d9bdf87-47a9-55fc-a63c-e683f615a04a", "Qx8~app-secret"
VNET = (
    "/subscriptions/1a2b3c4d-2222-4333-8444-5555555555ef/resourceGroups/app-rg"
    "/providers/Microsoft.Network/virtualNetworks/app-vnet"
)
REMOTE = (
    "/subscriptions/8c4d2a1e-6f3b-4e59-9a7d-0b1c2d3e4f50/resourceGroups/aiven"
    "/providers/Microsoft.Network/virtualNetworks/aiven-vnet"
)
WRITER = [{"actions": ["Microsoft.Network/virtualNetworks/virtualNetworkPeerings/*"], "notActions": []}]
PEER = [{"actions": [PEER_ACTION], "notActions": []}]


class Azure:
    """Scripted answers: per tenant, sign-in failures before tokens; per scope, ARM answers in turn."""

    def __init__(self, sign_in_failures: dict[str, int], answers: dict[str, list[Any]]):
        self.sign_in_failures = dict(sign_in_failures)
        self.answers = answers
        self.calls: list[tuple[str, str]] = []  # (what, tenant or scope)
        self.forms: list[dict[str, list[str]]] = []
        self.tokens_seen: list[tuple[str, str]] = []  # (scope, token)

    def token(self, tenant: str, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        self.calls.append(("token", tenant))
        self.forms.append(form)
        if form.get("client_secret") != [SECRET] or form.get("client_id") != [CLIENT]:
            return 401, {"error": "invalid_client"}
        if self.sign_in_failures.get(tenant, 0) > 0:
            self.sign_in_failures[tenant] -= 1
            return 400, {"error": "unauthorized_client", "error_description": "AADSTS700016: app not found"}
        return 200, {"access_token": f"token-for-{tenant}", "token_type": "Bearer"}

    def permissions(self, scope: str, token: str) -> tuple[int, dict[str, Any]]:
        self.calls.append(("permissions", scope))
        self.tokens_seen.append((scope, token))
        script = self.answers[scope]
        step = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(step, int):
            return step, {"error": {"code": "AuthorizationFailed", "message": "scripted"}}
        return 200, {"value": step}


@pytest.fixture
def azure() -> Iterator[tuple[str, list[Azure]]]:
    holder: list[Azure] = []

    class Handler(JsonHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server names)
            tenant = self.path.split("/")[1]
            form = urllib.parse.parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            self.send_json(*holder[0].token(tenant, form))

        def do_GET(self) -> None:  # noqa: N802 (http.server names)
            path = urllib.parse.urlsplit(self.path).path
            scope = path.removesuffix("/providers/Microsoft.Authorization/permissions")
            token = self.headers.get("Authorization", "").removeprefix("Bearer ")
            self.send_json(*holder[0].permissions(scope, token))

    with serve(Handler) as url:
        yield url, holder


NEEDS = [
    permissions.Need("this VNet", TENANT, VNET, PEERING_WRITE_ACTION),
    permissions.Need("the provider's VNet", REMOTE_TENANT, REMOTE, PEER_ACTION),
]


def test_waits_through_propagation_until_both_vnets_allow_the_write(azure):
    url, holder = azure
    holder.append(Azure({REMOTE_TENANT: 2}, {VNET: [403, [], WRITER], REMOTE: [PEER]}))
    report = permissions.wait_until_effective(
        NEEDS, CLIENT, SECRET, timeout_seconds=30, poll_seconds=0.01, login_url=url, arm_url=url
    )
    assert "this VNet: Microsoft.Network/virtualNetworks/virtualNetworkPeerings/write effective" in str(
        report
    )
    assert "the provider's VNet: Microsoft.Network/virtualNetworks/peer/action effective" in str(report)
    # Each VNet is asked with a token of its own tenant; the secret only goes to the token endpoint.
    assert set(holder[0].tokens_seen) == {
        (VNET, f"token-for-{TENANT}"),
        (REMOTE, f"token-for-{REMOTE_TENANT}"),
    }
    assert holder[0].calls.count(("permissions", VNET)) == 3
    assert all(f["scope"] == [f"{url}/.default"] for f in holder[0].forms)
    assert all(f["grant_type"] == ["client_credentials"] for f in holder[0].forms)


def test_times_out_naming_what_is_still_missing(azure):
    url, holder = azure
    holder.append(Azure({}, {VNET: [WRITER], REMOTE: [403]}))
    with pytest.raises(permissions.PermissionsNotEffectiveError) as info:
        permissions.wait_until_effective(
            NEEDS, CLIENT, SECRET, timeout_seconds=0.3, poll_seconds=0.05, login_url=url, arm_url=url
        )
    text = str(info.value)
    assert f"the provider's VNet ({REMOTE}): {PEER_ACTION}; last: HTTP 403 AuthorizationFailed" in text
    assert "this VNet" not in text  # that one became effective
    assert "up to 30 minutes" in text and "permission_timeout_seconds" in text


def test_wildcards_and_not_actions():
    assert permissions.allows(WRITER, PEERING_WRITE_ACTION)
    assert permissions.allows([{"actions": ["*"]}], PEER_ACTION)
    assert not permissions.allows([{"actions": ["*"], "notActions": ["Microsoft.Network/*"]}], PEER_ACTION)
    assert not permissions.allows([{"actions": ["Microsoft.Network/virtualNetworks/read"]}], PEER_ACTION)
    assert permissions.allows([{"actions": [PEER_ACTION.upper()]}], PEER_ACTION)


def test_the_dynamic_step_reports_and_keeps_the_secret_out_of_state(azure):
    url, holder = azure
    holder.append(Azure({}, {VNET: [WRITER], REMOTE: [PEER]}))
    props = {
        "client_id": CLIENT,
        "client_secret": SECRET,
        "tenant_id": TENANT,
        "remote_tenant_id": REMOTE_TENANT,
        "vnet_id": VNET,
        "remote_vnet_id": REMOTE,
        "role_assignment_id": "a",
        "request_id": "tsdb/r1",
        "timeout_seconds": 10,
        "poll_seconds": 0.01,
        "login_url": url,
        "arm_url": url,
    }
    result = PermissionsEffectiveProvider().create(props)
    assert result.outs is not None
    assert "client_secret" not in result.outs
    assert SECRET not in json.dumps(result.outs)
    assert "effective after" in result.outs["report"]
    provider = PermissionsEffectiveProvider()
    assert not provider.diff("id", props, {**props, "client_secret": "rotated"}).changes
    assert provider.diff("id", props, {**props, "request_id": "tsdb/r2"}).replaces == ["request_id"]
