"""Databases are protected from deletion in the production-like config (and switchable for dev)."""

from __future__ import annotations

import re
from typing import Any

from tests.reliability import plans

DATABASES = ("aws:rds/globalCluster:GlobalCluster", "aws:rds/cluster:Cluster")


def _databases(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in doc["resources"] if r["type"] in DATABASES]


def test_prod_databases_have_deletion_protection_backups_and_a_final_snapshot() -> None:
    databases = _databases(plans.prod_plan())
    assert len(databases) == 4  # the global cluster and three regional clusters
    assert all(r["inputs"]["deletionProtection"] is True for r in databases)
    clusters = [r for r in databases if r["type"] == "aws:rds/cluster:Cluster"]
    assert all(r["inputs"]["backupRetentionPeriod"] >= 7 for r in clusters)
    primary = [r for r in clusters if "masterUsername" in r["inputs"]]
    assert len(primary) == 1
    assert primary[0]["inputs"]["skipFinalSnapshot"] is False
    # Unique per stack: a RandomId suffix (issue 14 item 1).
    assert re.fullmatch(
        r"keycloak-prod-us-west-2-final-[0-9a-f]{8}", primary[0]["inputs"]["finalSnapshotIdentifier"]
    )


def test_prod_storage_and_keys_survive_a_mistaken_delete() -> None:
    doc = plans.prod_plan()
    keys = [r for r in doc["resources"] if r["type"] == "aws:kms/key:Key"]
    assert len(keys) == 3
    assert all(r["inputs"]["deletionWindowInDays"] >= 7 for r in keys)
    assert all(r["inputs"]["storageEncrypted"] is True for r in _databases(doc))


def test_dev_switches_protection_off_on_purpose() -> None:
    """The dev stack turns it off (easy teardown); the check above would see the difference."""
    databases = _databases(plans.dev_plan())
    assert databases and all(r["inputs"]["deletionProtection"] is False for r in databases)
