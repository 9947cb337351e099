"""Wait until the peering app's role assignments are effective, as the app sees them.

Plain Python (standard library only), run by the ``PermissionsEffective`` dynamic resource
before the peering is written. Azure documents that a role assignment can take up to 30
minutes to apply everywhere (Azure RBAC troubleshooting, "Role assignment changes are not
being detected", https://learn.microsoft.com/azure/role-based-access-control/troubleshooting);
a write made before then fails with ``AuthorizationFailed`` (our VNet) or
``LinkedAuthorizationFailed`` (the remote VNet). Rather than sleep a fixed time, this signs
in as the app (client credentials) in each tenant and asks ARM which actions the app holds
at each VNet (``GET <scope>/providers/Microsoft.Authorization/permissions``, "Permissions -
List For Resource", api-version 2022-04-01), until every needed action is allowed or the
bounded wait ends.
"""

from __future__ import annotations

import fnmatch
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_LOGIN_URL = "https://login.microsoftonline.com"
DEFAULT_ARM_URL = "https://management.azure.com"
PERMISSIONS_API_VERSION = "2022-04-01"


@dataclass(frozen=True)
class Need:
    """An action the app must hold at a scope, signing in to a tenant."""

    label: str
    tenant_id: str
    scope: str
    action: str


@dataclass
class Progress:
    need: Need
    met_after: float | None = None
    last: str = "not checked yet"


@dataclass
class Report:
    waited_seconds: float
    lines: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(self.lines)


class PermissionsNotEffectiveError(RuntimeError):
    """The app's permissions were not all effective before the deadline."""


def allows(permissions: Iterable[Mapping[str, Any]], action: str) -> bool:
    """Whether ARM's permission blocks allow ``action`` (wildcards, minus notActions; case-insensitive)."""
    wanted = action.lower()
    for block in permissions:
        granted = any(fnmatch.fnmatchcase(wanted, str(a).lower()) for a in block.get("actions") or [])
        denied = any(fnmatch.fnmatchcase(wanted, str(a).lower()) for a in block.get("notActions") or [])
        if granted and not denied:
            return True
    return False


def _open(request: urllib.request.Request, timeout: float) -> Any:
    if not request.full_url.startswith(("https://", "http://")):
        raise ValueError(f"not an http(s) URL: {request.full_url!r}")
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
        return json.loads(response.read().decode("utf-8"))


def app_token(
    login_url: str, tenant_id: str, client_id: str, secret: str, arm_url: str, timeout: float = 30.0
) -> str:
    """A client-credentials token for ARM, as the app, in ``tenant_id``."""
    body = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": f"{arm_url.rstrip('/')}/.default",
        }
    ).encode()
    url = f"{login_url.rstrip('/')}/{urllib.parse.quote(tenant_id, safe='')}/oauth2/v2.0/token"
    request = urllib.request.Request(  # noqa: S310 (scheme checked in _open)
        url, data=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    return str(_open(request, timeout)["access_token"])


def effective_permissions(
    arm_url: str, scope: str, token: str, timeout: float = 30.0
) -> list[dict[str, Any]]:
    url = (
        f"{arm_url.rstrip('/')}{scope}/providers/Microsoft.Authorization/permissions"
        f"?api-version={PERMISSIONS_API_VERSION}"
    )
    request = urllib.request.Request(  # noqa: S310 (scheme checked in _open)
        url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    return list(_open(request, timeout).get("value") or [])


def _why(err: Exception) -> str:
    if isinstance(err, urllib.error.HTTPError):
        body = err.read().decode("utf-8", "replace")
        try:
            detail = json.loads(body)
            code = (detail.get("error") or {}).get("code") or detail.get("error") or ""
        except (ValueError, AttributeError):
            code = body[:120]
        return f"HTTP {err.code} {code}".strip()
    return f"{type(err).__name__}: {err}"


def wait_until_effective(
    needs: Sequence[Need],
    client_id: str,
    secret: str,
    *,
    timeout_seconds: float,
    poll_seconds: float = 15,
    login_url: str = DEFAULT_LOGIN_URL,
    arm_url: str = DEFAULT_ARM_URL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Report:
    """Poll until every need is allowed; raise :class:`PermissionsNotEffectiveError` naming what is not.

    Sign-in failures (the app not yet known in a tenant), 401/403 and transient errors all mean
    "not yet" until the deadline: that is exactly what propagation looks like from outside.
    """
    start = clock()
    progress = [Progress(n) for n in needs]
    while True:
        tokens: dict[str, str] = {}
        for item in progress:
            if item.met_after is not None:
                continue
            need = item.need
            try:
                if need.tenant_id not in tokens:
                    tokens[need.tenant_id] = app_token(login_url, need.tenant_id, client_id, secret, arm_url)
                permissions = effective_permissions(arm_url, need.scope, tokens[need.tenant_id])
            except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError, KeyError) as err:
                item.last = _why(err)
                continue
            if allows(permissions, need.action):
                item.met_after = clock() - start
            else:
                item.last = f"{need.action} not among the app's actions yet"
        now = clock()
        if all(p.met_after is not None for p in progress):
            return Report(
                now - start,
                [f"{p.need.label}: {p.need.action} effective after {p.met_after:.0f}s" for p in progress],
            )
        if now - start >= timeout_seconds:
            missing = [
                f"{p.need.label} ({p.need.scope}): {p.need.action}; last: {p.last}"
                for p in progress
                if p.met_after is None
            ]
            raise PermissionsNotEffectiveError(
                f"the peering app's permissions were not effective after {now - start:.0f}s: "
                + " | ".join(missing)
                + ". Role assignments can take up to 30 minutes to apply; run `pulumi up` again, "
                "or raise permission_timeout_seconds."
            )
        sleep(min(poll_seconds, max(timeout_seconds - (now - start), 0.0)))
