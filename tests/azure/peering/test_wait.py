"""The ACTIVE wait against a local HTTP server (127.0.0.1) that plays Aiven's VPC API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.azure.peering import wait
from components.azure.peering.dynamic import PeeringActiveProvider
from tests.azure.peering.loopback import JsonHandler, serve

PROJECT, VPC = "tsdb-prod", "4f0d6c1e-2b3a-4c5d-8e9f-0a1b2c3d4e5f"
SUB, GROUP, VNET = "11111111-2222-4333-8444-555555555555", "app-rg", "app-vnet"
TOKEN = "test-token-0123"
REPO = Path(__file__).resolve().parents[3]


class AivenScript:
    """Answers GET /v1/project/<p>/vpcs/<id> with the next scripted state (the last one repeats)."""

    def __init__(self, states: list[Any]):
        self.states = states
        self.requests: list[tuple[str, str]] = []

    def answer(self, path: str, auth: str) -> tuple[int, dict[str, Any]]:
        self.requests.append((path, auth))
        step = self.states[min(len(self.requests) - 1, len(self.states) - 1)]
        if isinstance(step, int):
            return step, {"message": f"scripted {step}", "errors": []}
        state, message = step if isinstance(step, tuple) else (step, "")
        ours = {
            "peer_cloud_account": SUB,
            "peer_resource_group": GROUP,
            "peer_vpc": VNET,
            "peer_azure_app_id": "6d9bdf87-47a9-55fc-a63c-e683f615a04a",
            "peer_azure_tenant_id": "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",
            "state": state,
            "state_info": {"message": message, "type": state.lower()},
        }
        other = {
            "peer_cloud_account": SUB,
            "peer_resource_group": GROUP,
            "peer_vpc": "other-vnet",
            "state": "ACTIVE",
            "state_info": {},
        }
        return 200, {
            "project_vpc_id": VPC,
            "state": "ACTIVE",
            "cloud_name": "azure-westeurope",
            "peering_connections": [other, ours],
        }


@pytest.fixture
def aiven() -> Iterator[tuple[str, list[AivenScript]]]:
    holder: list[AivenScript] = []

    class Handler(JsonHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server names)
            self.send_json(*holder[0].answer(self.path, self.headers.get("Authorization", "")))

    with serve(Handler) as url:
        yield url, holder


def target(url: str) -> wait.PeeringTarget:
    return wait.PeeringTarget(PROJECT, VPC, SUB, GROUP, VNET, api_url=url)


def test_reaches_active_through_the_provider_sequence(aiven):
    url, holder = aiven
    holder.append(AivenScript(["APPROVED", "PENDING_PEER", "PENDING_PEER", "ACTIVE"]))
    seen: list[str] = []
    result = wait.wait_for_active(target(url), TOKEN, timeout_seconds=10, poll_seconds=0.01, log=seen.append)
    assert result.state == "ACTIVE"
    assert seen == [
        "peering state APPROVED",
        "peering state PENDING_PEER",
        "peering state PENDING_PEER",
        "peering state ACTIVE",
    ]
    assert holder[0].requests == [(f"/v1/project/{PROJECT}/vpcs/{VPC}", f"aivenv1 {TOKEN}")] * 4


@pytest.mark.parametrize("state", ["INVALID_SPECIFICATION", "REJECTED_BY_PEER"])
def test_failure_states_end_the_wait_with_state_and_message(aiven, state):
    url, holder = aiven
    message = f"peering refused: {state.lower()} for {VNET}"
    holder.append(AivenScript(["APPROVED", "PENDING_PEER", (state, message)]))
    with pytest.raises(wait.PeeringNotActiveError) as info:
        wait.wait_for_active(target(url), TOKEN, timeout_seconds=10, poll_seconds=0.01)
    assert info.value.state == state and not info.value.timed_out
    assert f"ended in state {state}: {message}" in str(info.value)
    assert len(holder[0].requests) == 3  # stopped at once, no polling until the deadline


def test_time_out_names_the_last_state_and_message(aiven):
    url, holder = aiven
    holder.append(AivenScript(["APPROVED", ("PENDING_PEER", "Waiting for the peer to create its side")]))
    with pytest.raises(wait.PeeringNotActiveError) as info:
        wait.wait_for_active(target(url), TOKEN, timeout_seconds=0.4, poll_seconds=0.05)
    err = info.value
    assert err.timed_out and err.state == "PENDING_PEER"
    assert "not ACTIVE after" in str(err) and "last state PENDING_PEER: Waiting for the peer" in str(err)
    assert 0.4 <= err.waited_seconds < 3
    assert len(holder[0].requests) >= 3


def test_server_errors_are_retried_until_active(aiven):
    url, holder = aiven
    holder.append(AivenScript([503, 502, "PENDING_PEER", "ACTIVE"]))
    assert wait.wait_for_active(target(url), TOKEN, timeout_seconds=10, poll_seconds=0.01).state == "ACTIVE"
    assert len(holder[0].requests) == 4


def test_bad_token_fails_at_once(aiven):
    url, holder = aiven
    holder.append(AivenScript([403]))
    with pytest.raises(wait.AivenApiError, match="answered 403"):
        wait.wait_for_active(target(url), TOKEN, timeout_seconds=10, poll_seconds=0.01)
    assert len(holder[0].requests) == 1


def test_connection_not_listed_yet_is_waited_for():
    vpc = {
        "peering_connections": [
            {
                "peer_cloud_account": SUB,
                "peer_resource_group": GROUP,
                "peer_vpc": "another",
                "state": "ACTIVE",
            }
        ]
    }
    obs = wait.observe(vpc, wait.PeeringTarget(PROJECT, VPC, SUB, GROUP, VNET))
    assert obs.state == wait.NOT_FOUND


def test_cli_reads_the_token_from_the_environment(aiven):
    url, holder = aiven
    holder.append(AivenScript(["PENDING_PEER", "ACTIVE"]))
    argv = [
        sys.executable,
        "-m",
        "components.azure.peering.wait",
        "--project",
        PROJECT,
        "--vpc-id",
        VPC,
        "--subscription-id",
        SUB,
        "--resource-group",
        GROUP,
        "--vnet-name",
        VNET,
        "--api-url",
        url,
        "--timeout",
        "10",
        "--poll",
        "0.01",
    ]
    env = {**os.environ, "AIVEN_TOKEN": TOKEN, "PYTHONPATH": str(REPO)}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "ACTIVE"
    assert TOKEN not in " ".join(argv)
    assert holder[0].requests[-1][1] == f"aivenv1 {TOKEN}"


def test_cli_exits_non_zero_with_the_state(aiven):
    url, holder = aiven
    holder.append(AivenScript([("REJECTED_BY_PEER", "peer rejected")]))
    argv = [
        sys.executable,
        "-m",
        "components.azure.peering.wait",
        "--project",
        PROJECT,
        "--vpc-id",
        VPC,
        "--subscription-id",
        SUB,
        "--resource-group",
        GROUP,
        "--vnet-name",
        VNET,
        "--api-url",
        url,
        "--poll",
        "0.01",
    ]
    env = {**os.environ, "AIVEN_TOKEN": TOKEN, "PYTHONPATH": str(REPO)}
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    assert "REJECTED_BY_PEER: peer rejected" in done.stderr


def active_props(url: str, **changes: Any) -> dict[str, Any]:
    """The PeeringActive inputs the component would pass, waiting on the local Aiven at ``url``."""
    return {
        "api_url": url,
        "project": PROJECT,
        "vpc_id": VPC,
        "subscription_id": SUB,
        "resource_group": GROUP,
        "vnet_name": VNET,
        "peering_id": "p",
        "request_id": "r",
        "timeout_seconds": 10,
        "poll_seconds": 0.01,
        "api_token": TOKEN,
        **changes,
    }


def test_dynamic_step_waits_and_keeps_the_token_for_refresh(aiven):
    """The token stays in the outputs so refresh can ask Aiven; the component marks that output
    secret (test_the_wait_keeps_its_token_secret_in_state), as the input already is."""
    url, holder = aiven
    holder.append(AivenScript(["APPROVED", "ACTIVE"]))
    props = active_props(url, peering_id="/subscriptions/x/peering")
    result = PeeringActiveProvider().create(props)
    assert result.outs is not None
    assert result.outs["state"] == "ACTIVE"
    assert holder[0].requests[0][1] == f"aivenv1 {TOKEN}"


def test_dynamic_step_fails_with_the_state(aiven):
    url, holder = aiven
    holder.append(AivenScript([("INVALID_SPECIFICATION", "CIDR overlaps")]))
    props = active_props(url)
    with pytest.raises(wait.PeeringNotActiveError, match="INVALID_SPECIFICATION: CIDR overlaps"):
        PeeringActiveProvider().create(props)


# -- issue 16 item 7: refresh and DELETING


def test_deleting_ends_the_wait_at_once(aiven):
    url, holder = aiven
    holder.append(AivenScript(["PENDING_PEER", ("DELETING", "deleting the peering connection")]))
    with pytest.raises(wait.PeeringNotActiveError, match="ended in state DELETING"):
        wait.wait_for_active(target(url), TOKEN, timeout_seconds=10, poll_seconds=0.01)
    assert len(holder[0].requests) == 2


@pytest.mark.parametrize("state", ["DELETED", "DELETED_BY_PEER", "PENDING_PEER"])
def test_refresh_reads_aiven_s_state(aiven, state):
    url, holder = aiven
    holder.append(AivenScript(["ACTIVE", (state, "after the fact")]))
    provider = PeeringActiveProvider()
    created = provider.create(active_props(url))
    assert created.outs is not None and created.outs["state"] == "ACTIVE"
    read = provider.read(created.id, dict(created.outs))
    assert read.outs is not None
    assert read.outs["state"] == state and read.outs["message"] == "after the fact"
    # The next up waits again instead of keeping a state Aiven no longer reports.
    diff = provider.diff(created.id, dict(read.outs), active_props(url))
    assert diff.changes and "state" in (diff.replaces or [])


def test_refresh_sees_a_connection_aiven_no_longer_lists(aiven):
    url, holder = aiven
    holder.append(AivenScript(["ACTIVE"]))
    provider = PeeringActiveProvider()
    created = provider.create(active_props(url))
    assert created.outs is not None
    outs = {**created.outs, "vnet_name": "gone-vnet"}
    read = provider.read(created.id, outs)
    assert read.outs is not None and read.outs["state"] == wait.NOT_FOUND


def test_an_active_refresh_changes_nothing(aiven):
    url, holder = aiven
    holder.append(AivenScript(["ACTIVE"]))
    provider = PeeringActiveProvider()
    created = provider.create(active_props(url))
    assert created.outs is not None
    read = provider.read(created.id, dict(created.outs))
    assert read.outs is not None and read.outs["state"] == "ACTIVE"
    assert not provider.diff(created.id, dict(read.outs), active_props(url)).changes
