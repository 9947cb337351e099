"""No secret value (passwords, private keys, app secrets, client profiles) appears unmasked in a plan.

The run is ``run_program`` itself; a runtime subclass collects, before it closes, every value the
run held as a secret: secret inputs and outputs, the outputs provider schemas mark secret
(``SCHEMA_SECRET_OUTPUTS``), secret component outputs, secret stack config and secret exports.
Each must be absent from the plan's JSON: whole values, and for text that holds keys (client
profiles, PEMs, the tls-crypt key) every line of key material, so a private key copied into a
startup script or a profile pasted into an export is caught too.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.reliability import plans

KEY_MATERIAL = re.compile(r"[A-Za-z0-9+/=]{32,}")
SECRET_BLOCK = re.compile(r"-----BEGIN [A-Za-z0-9 ]*(?:PRIVATE KEY|Static key V1)-----(.*?)-----END", re.S)

# Values that are marked secret somewhere but are not secrets, each with the reason.
NOT_SECRET = {
    # azure-native marks the provider's clientId secret; it is the peering app's public application
    # id, exported on purpose as app_client_id (the application id Aiven is given).
    "pulumi:providers:azure-native::timescale-peering-provider input clientId",
    "pulumi:providers:azure-native::timescale-peering-provider output clientId",
    # PostgresStandby exports primary_conninfo as a secret, but it carries no credential (certificate
    # auth; only file paths), and the standby's startup script writes the same text. Reported.
    "component output primary_conninfo",
    "export geo_postgres_vpn.primary_conninfo",
}


def _exempt(wheres: set[str]) -> bool:
    return all(any(marker in where for marker in NOT_SECRET) for where in wheres)


def _pieces(value: str) -> list[str]:
    """What must not appear: the whole value, or for text holding keys, each line of key material.

    A client profile also carries certificates, which are public (the CA is exported on purpose),
    so only its private-key and tls-crypt blocks count.
    """
    blocks = SECRET_BLOCK.findall(value)
    if blocks:
        return [line for block in blocks for line in KEY_MATERIAL.findall(block)]
    return [value] if len(value) >= 8 else []


def leaks(doc: dict[str, Any], harvest: plans.Harvest) -> list[str]:
    text = json.dumps(doc, sort_keys=True)
    found = []
    for value, wheres in harvest.values.items():
        if _exempt(wheres):
            continue
        for piece in _pieces(value):
            if piece in text or json.dumps(piece)[1:-1] in text:
                found.append(f"{piece[:40]!r}... (secret at {sorted(wheres)[0]})")
                break
    return found


@pytest.fixture(scope="module", params=["dev", "prod"])
def harvested(request: pytest.FixtureRequest) -> tuple[dict[str, Any], plans.Harvest]:
    mp = pytest.MonkeyPatch()
    try:
        path = plans.DEV_FILE if request.param == "dev" else plans.PROD_FILE
        return plans.run_harvesting(plans.load(request.param, path), mp)
    finally:
        mp.undo()


def test_no_secret_value_appears_in_the_plan_json(harvested: tuple[dict[str, Any], plans.Harvest]) -> None:
    doc, harvest = harvested
    assert leaks(doc, harvest) == []


def test_the_harvest_holds_every_kind_of_secret(harvested: tuple[dict[str, Any], plans.Harvest]) -> None:
    """Guards the test above against passing vacuously."""
    _, harvest = harvested

    def where(fragment: str) -> list[str]:
        return [v for v, ws in harvest.values.items() if any(fragment in w for w in ws)]

    password = where("RandomPassword::keycloak-master-password output result")
    assert len(password) == 1 and len(password[0]) == 40
    assert where("input masterPassword") == password
    role_password = where("RandomPassword::keycloak-app-role-password output result")
    assert len(role_password) == 1 and role_password != password
    assert where("export keycloak_aurora_global.kc_db_password") == role_password
    # Both reach the bootstrap function only inside the invocation's secret input.
    invocation = where("Invocation::keycloak-us-west-2-bootstrap-run input input")
    assert len(invocation) == 1 and password[0] in invocation[0] and role_password[0] in invocation[0]
    assert where("ApplicationPassword::timescale-app-password output value")
    # The peering app's secret is not exported (issue 16); it reaches the app-signed-in provider only.
    assert where("timescale-peering-provider input clientSecret")
    assert any("PRIVATE KEY-----" in v for v in where("tls:index/privateKey:PrivateKey"))
    profiles = where("export geo_postgres_vpn.client_profiles")
    assert len(profiles) >= 2 and all("PRIVATE KEY-----" in p for p in profiles)
    assert where("SecretVersion::geo-vpn-server-key-v input secretData")


def test_the_check_catches_a_leak(harvested: tuple[dict[str, Any], plans.Harvest]) -> None:
    doc, harvest = harvested
    profile = next(
        v
        for v, ws in harvest.values.items()
        if any("export geo_postgres_vpn.client_profiles" in w for w in ws)
    )
    key_line = KEY_MATERIAL.findall(SECRET_BLOCK.findall(profile)[0])[0]
    tampered = json.loads(json.dumps(doc))
    tampered["resources"][0]["inputs"]["note"] = f"startup\n{key_line}\n"
    assert leaks(tampered, harvest)


def test_secret_exports_and_inputs_are_masked(harvested: tuple[dict[str, Any], plans.Harvest]) -> None:
    doc, _ = harvested
    outputs = doc["outputs"]
    assert outputs["keycloak_aurora_global"]["kc_db_password"] == "[secret]"
    assert "app_secret" not in outputs["timescale_azure_peering"]
    assert outputs["geo_postgres_vpn"]["client_profiles"] == "[secret]"
    primary = next(
        r
        for r in doc["resources"]
        if r["type"] == "aws:rds/cluster:Cluster" and "masterUsername" in r["inputs"]
    )
    assert primary["inputs"]["masterPassword"] == "[secret]"
    assert "masterPassword" in primary["secret_inputs"]
