"""GCP answers shaped like the provider's: addresses, instances, service accounts, secrets; RandomBytes.

Values are derived from the resource name, so two plans of one program agree.
Inputs the caller set (an instance's ``networkIp``, an address's ``address``)
are echoed, as GCP does.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ..mocks import Ctx
from ._util import digest

PROJECT_NUMBER = "123456789012"


def _project(ctx: Ctx) -> str:
    return str(ctx.inputs.get("project") or ctx.config.get("gcp:project") or "crossnet-project")


def _octets(*parts: object) -> list[int]:
    return list(hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()[:3])


def _name(ctx: Ctx) -> str:
    return str(ctx.inputs.get("name") or f"{ctx.name}-{digest(ctx.name, length=7)}")


def address(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    project, name = _project(ctx), _name(ctx)
    region = ctx.inputs.get("region") or ctx.config.get("gcp:region") or "us-central1"
    if ctx.inputs.get("address"):
        ip = ctx.inputs["address"]
    elif ctx.inputs.get("addressType") == "INTERNAL":
        a, b, c = _octets("internal", ctx.name)
        ip = f"10.{a}.{b}.{c % 250 + 2}"
    else:  # a Google-owned external range, as a real reservation would return
        a, b, c = _octets("external", ctx.name)
        ip = f"34.{a % 128 + 64}.{b}.{c % 250 + 2}"
    rid = f"projects/{project}/regions/{region}/addresses/{name}"
    return rid, {
        "name": name,
        "address": ip,
        "project": project,
        "region": region,
        "selfLink": f"https://www.googleapis.com/compute/v1/{rid}",
        "users": [],
    }


def instance(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    project, name = _project(ctx), _name(ctx)
    zone = ctx.inputs.get("zone") or "us-central1-a"
    nics = [dict(n) for n in ctx.inputs.get("networkInterfaces") or []]
    for i, nic in enumerate(nics):
        if not nic.get("networkIp"):
            a, b, c = _octets("nic", ctx.name, i)
            nic["networkIp"] = f"10.{a}.{b}.{c % 250 + 2}"
        nic.setdefault("name", f"nic{i}")
    rid = f"projects/{project}/zones/{zone}/instances/{name}"
    instance_id = str(int(digest("instance", ctx.name, length=15), 16))
    return rid, {
        "name": name,
        "instanceId": instance_id,
        "networkInterfaces": nics,
        "selfLink": f"https://www.googleapis.com/compute/v1/{rid}",
        "project": project,
        "zone": zone,
        "currentStatus": "RUNNING",
        "cpuPlatform": "Intel Broadwell",
    }


def service_account(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    project = _project(ctx)
    account_id = ctx.inputs.get("accountId") or ctx.name
    email = f"{account_id}@{project}.iam.gserviceaccount.com"
    return f"projects/{project}/serviceAccounts/{email}", {
        "email": email,
        "member": f"serviceAccount:{email}",
        "name": f"projects/{project}/serviceAccounts/{email}",
        "uniqueId": str(int(digest("sa", email, length=15), 16)),
        "project": project,
    }


def secret(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    project = _project(ctx)
    secret_id = ctx.inputs.get("secretId") or ctx.name
    return f"projects/{project}/secrets/{secret_id}", {
        "secretId": secret_id,
        "name": f"projects/{PROJECT_NUMBER}/secrets/{secret_id}",
        "project": project,
    }


def secret_version(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    parent = str(ctx.inputs.get("secret") or ctx.name)
    name = f"{parent}/versions/1"
    return name, {"name": name, "version": "1", "enabled": True}


def secret_iam_member(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    rid = f"{ctx.inputs.get('secretId')}/{ctx.inputs.get('role')}/{ctx.inputs.get('member')}"
    return rid, {"etag": "BwY" + digest(rid, length=9)}


def random_bytes(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    size = int(ctx.inputs.get("length") or 32)
    stream = b""
    counter = 0
    while len(stream) < size:
        stream += hashlib.sha256(f"bytes:{ctx.name}:{counter}".encode()).digest()
        counter += 1
    raw = stream[:size]
    return "none", {"base64": base64.b64encode(raw).decode(), "hex": raw.hex()}


def route(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    project, name = _project(ctx), _name(ctx)
    rid = f"projects/{project}/global/routes/{name}"
    return rid, {
        "name": name,
        "selfLink": f"https://www.googleapis.com/compute/v1/{rid}",
        "nextHopNetwork": ctx.inputs.get("network"),
    }


def firewall(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    project, name = _project(ctx), _name(ctx)
    rid = f"projects/{project}/global/firewalls/{name}"
    return rid, {"name": name, "selfLink": f"https://www.googleapis.com/compute/v1/{rid}"}


# The primary range every mock subnetwork has, unless the config names one per subnetwork
# (``crossnet-mock:subnetwork_ranges: {name: cidr}``); the examples' gcp_cidrs contain it.
DEFAULT_SUBNETWORK_RANGE = "10.20.0.0/24"


def get_subnetwork(ctx: Ctx) -> dict[str, Any]:
    link = str(ctx.inputs.get("selfLink") or "")
    name = str(ctx.inputs.get("name") or link.rsplit("/", 1)[-1] or "default")
    project = _project(ctx)
    region = ctx.inputs.get("region") or ctx.config.get("gcp:region") or "us-central1"
    ranges = ctx.config.get("crossnet-mock:subnetwork_ranges") or {}
    rid = f"projects/{project}/regions/{region}/subnetworks/{name}"
    return {
        "id": rid,
        "name": name,
        "project": project,
        "region": region,
        "ipCidrRange": ranges.get(name, DEFAULT_SUBNETWORK_RANGE),
        "network": f"https://www.googleapis.com/compute/v1/projects/{project}/global/networks/{name}-net",
        "privateIpGoogleAccess": True,
        "selfLink": f"https://www.googleapis.com/compute/v1/{rid}",
        "secondaryIpRanges": [],
    }


CALLS = {"gcp:compute/getSubnetwork:getSubnetwork": get_subnetwork}


def zonal(kind: str) -> Any:
    """A named zonal (``zone``) or regional (``region``) resource: its name and self link, as GCP returns."""

    def answer(ctx: Ctx) -> tuple[str, dict[str, Any]]:
        project, name = _project(ctx), _name(ctx)
        where = (
            f"zones/{ctx.inputs['zone']}" if ctx.inputs.get("zone") else f"regions/{ctx.inputs.get('region')}"
        )
        rid = f"projects/{project}/{where}/{kind}/{name}"
        return rid, {"name": name, "selfLink": f"https://www.googleapis.com/compute/v1/{rid}"}

    return answer


RESOURCES = {
    "gcp:compute/disk:Disk": zonal("disks"),
    "gcp:compute/resourcePolicy:ResourcePolicy": zonal("resourcePolicies"),
    "gcp:compute/router:Router": zonal("routers"),
    "gcp:compute/address:Address": address,
    "gcp:compute/instance:Instance": instance,
    "gcp:compute/route:Route": route,
    "gcp:compute/firewall:Firewall": firewall,
    "gcp:serviceaccount/account:Account": service_account,
    "gcp:secretmanager/secret:Secret": secret,
    "gcp:secretmanager/secretVersion:SecretVersion": secret_version,
    "gcp:secretmanager/secretIamMember:SecretIamMember": secret_iam_member,
    "random:index/randomBytes:RandomBytes": random_bytes,
}
