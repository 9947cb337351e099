"""Issue 17 item 11: the operations page lists the APIs to enable and the deployer's IAM roles."""

from __future__ import annotations

from pathlib import Path

PAGE = Path(__file__).resolve().parents[3] / "docs" / "operations" / "geo_postgres_vpn.md"


def test_prerequisites_name_the_apis_and_roles() -> None:
    text = PAGE.read_text()
    for api in ("compute.googleapis.com", "secretmanager.googleapis.com", "iam.googleapis.com"):
        assert api in text, api
    for role in (
        "roles/compute.instanceAdmin.v1",
        "roles/compute.networkAdmin",
        "roles/compute.securityAdmin",
        "roles/iam.serviceAccountAdmin",
        "roles/iam.serviceAccountUser",
        "roles/secretmanager.admin",
    ):
        assert f"`{role}`" in text, role
