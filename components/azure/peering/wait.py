"""Wait until Aiven reports an Azure VNet peering connection as ``ACTIVE``.

Plain Python (standard library only), so it runs inside the dynamic provider that
``AzureVnetPeering`` registers, and from a shell:

    AIVEN_TOKEN=... python -m components.azure.peering.wait \\
        --project my-project --vpc-id <uuid> --subscription-id <uuid> \\
        --resource-group my-rg --vnet-name my-vnet --timeout 600

It polls ``GET <api>/v1/project/<project>/vpcs/<project_vpc_id>`` and finds the
peering connection by subscription, resource group and VNet name. The token is
read from the environment, never from the command line (``ps`` shows arguments).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_API_URL = "https://api.aiven.io"
ACTIVE = "ACTIVE"
# States Aiven never leaves on its own (or only towards deletion): waiting longer cannot help.
FAILED_STATES = frozenset(
    {"INVALID_SPECIFICATION", "REJECTED_BY_PEER", "DELETING", "DELETED", "DELETED_BY_PEER"}
)
NOT_FOUND = "NOT_FOUND"
TOKEN_ENV = "AIVEN_TOKEN"  # noqa: S105 - the variable's name, not a token


class PeeringNotActiveError(RuntimeError):
    """The peering did not become ACTIVE: it failed, or the wait timed out."""

    def __init__(self, state: str, message: str, *, timed_out: bool, waited_seconds: float):
        self.state = state
        self.message = message
        self.timed_out = timed_out
        self.waited_seconds = waited_seconds
        detail = f": {message}" if message else " (Aiven gave no state_info message)"
        if timed_out:
            text = (
                f"Aiven peering connection not ACTIVE after {waited_seconds:.0f}s; last state {state}{detail}"
            )
        else:
            text = f"Aiven peering connection ended in state {state}{detail}"
        super().__init__(text)


class AivenApiError(RuntimeError):
    """The Aiven API refused the request in a way retrying will not fix (401, 403, 404)."""


@dataclass(frozen=True)
class PeeringTarget:
    """Which peering connection of which project VPC to watch."""

    project: str
    vpc_id: str
    subscription_id: str
    resource_group: str
    vnet_name: str
    api_url: str = DEFAULT_API_URL


@dataclass
class Observation:
    state: str
    message: str = ""
    state_info: dict[str, Any] = field(default_factory=dict)


def vpc_url(target: PeeringTarget) -> str:
    project = urllib.parse.quote(target.project, safe="")
    vpc = urllib.parse.quote(target.vpc_id, safe="")
    return f"{target.api_url.rstrip('/')}/v1/project/{project}/vpcs/{vpc}"


def find_connection(vpc: Mapping[str, Any], target: PeeringTarget) -> Mapping[str, Any] | None:
    """The peering connection for the target VNet in an Aiven VPC document, if listed."""
    for conn in vpc.get("peering_connections") or []:
        if (
            str(conn.get("peer_cloud_account", "")).lower() == target.subscription_id.lower()
            and str(conn.get("peer_resource_group", "")).lower() == target.resource_group.lower()
            and str(conn.get("peer_vpc", "")).lower() == target.vnet_name.lower()
        ):
            return conn
    return None


def observe(vpc: Mapping[str, Any], target: PeeringTarget) -> Observation:
    conn = find_connection(vpc, target)
    if conn is None:
        return Observation(NOT_FOUND, "no peering connection for this VNet in the project VPC")
    info = conn.get("state_info") or {}
    info = dict(info) if isinstance(info, Mapping) else {}
    return Observation(str(conn.get("state") or "UNKNOWN"), str(info.get("message") or ""), info)


def fetch_vpc(target: PeeringTarget, token: str, timeout: float = 30.0) -> dict[str, Any]:
    url = vpc_url(target)
    if not url.startswith(("https://", "http://")):
        raise AivenApiError(f"Aiven API URL must be http(s): {target.api_url!r}")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        headers={
            "Authorization": f"aivenv1 {token}",
            "Accept": "application/json",
            "User-Agent": "crossnet-azure-peering-wait",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as err:
        if err.code in (401, 403, 404):
            body = err.read().decode("utf-8", "replace")[:300]
            raise AivenApiError(f"GET {url} answered {err.code}: {body}") from err
        raise


def wait_for_active(
    target: PeeringTarget,
    token: str,
    *,
    timeout_seconds: float = 600,
    poll_seconds: float = 10,
    request_timeout: float = 30.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    log: Callable[[str], None] | None = None,
) -> Observation:
    """Poll until the peering is ACTIVE; raise :class:`PeeringNotActiveError` otherwise.

    Transient trouble (5xx, connection errors, the connection not listed yet) is
    retried until the deadline; 401/403/404 raise :class:`AivenApiError` at once.
    """
    if not token:
        raise AivenApiError(f"no Aiven API token: set {TOKEN_ENV} or pass one")
    start = clock()
    deadline = start + timeout_seconds
    last = Observation("UNKNOWN", "no answer from the Aiven API yet")
    while True:
        try:
            last = observe(fetch_vpc(target, token, request_timeout), target)
        except (urllib.error.URLError, TimeoutError, ConnectionError, json.JSONDecodeError) as err:
            last = Observation(last.state, f"{last.message} (last request failed: {err})".strip())
        if log is not None:
            log(f"peering state {last.state}")
        if last.state == ACTIVE:
            return last
        if last.state in FAILED_STATES:
            raise PeeringNotActiveError(
                last.state, last.message, timed_out=False, waited_seconds=clock() - start
            )
        now = clock()
        if now >= deadline:
            raise PeeringNotActiveError(last.state, last.message, timed_out=True, waited_seconds=now - start)
        sleep(min(poll_seconds, max(deadline - now, 0.0)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Wait until Aiven reports an Azure VNet peering ACTIVE.")
    parser.add_argument("--project", required=True)
    parser.add_argument("--vpc-id", required=True, help="the project VPC's UUID")
    parser.add_argument("--subscription-id", required=True)
    parser.add_argument("--resource-group", required=True)
    parser.add_argument("--vnet-name", required=True)
    parser.add_argument("--api-url", default=DEFAULT_API_URL)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--poll", type=float, default=10)
    ns = parser.parse_args(argv)
    target = PeeringTarget(
        ns.project, ns.vpc_id, ns.subscription_id, ns.resource_group, ns.vnet_name, ns.api_url
    )
    try:
        result = wait_for_active(
            target,
            os.environ.get(TOKEN_ENV, ""),
            timeout_seconds=ns.timeout,
            poll_seconds=ns.poll,
            log=lambda m: print(m, file=sys.stderr),
        )
    except (PeeringNotActiveError, AivenApiError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(json.dumps({"state": result.state, "message": result.message}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
