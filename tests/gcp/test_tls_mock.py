"""The plan tool's mock certificates start now, not on a fixed date (issue 17, "Also")."""

from __future__ import annotations

import datetime as dt

import pulumi
from cryptography import x509

from components.gcp import common
from plan.runtime import MockRuntime

TWO_YEARS = 24 * 365 * 2


def test_a_mock_certificate_is_valid_from_today_for_its_whole_period(runtime: MockRuntime) -> None:
    parent = pulumi.ComponentResource("test:index:Parent", "p")
    ca = common.issue_ca(parent, "p", "ca", common_name="p CA")
    leaf = common.issue_certificate(
        parent,
        "p",
        "leaf",
        common_name="leaf",
        ca_cert_pem=ca.cert_pem,
        ca_private_key_pem=ca.private_key_pem,
        uses=["client_auth"],
        hours=TWO_YEARS,
    )
    runtime.settle()
    now = dt.datetime.now(dt.UTC)
    cert = x509.load_pem_x509_certificate(runtime.value(leaf.cert_pem).encode())
    assert cert.not_valid_before_utc <= now
    assert now - cert.not_valid_before_utc <= dt.timedelta(days=2)
    assert cert.not_valid_after_utc >= now + dt.timedelta(hours=TWO_YEARS) - dt.timedelta(days=2)
    record = runtime.one("tls:index/locallySignedCert:LocallySignedCert", "p-leaf-cert")
    assert record.outputs["validityEndTime"] == cert.not_valid_after_utc.isoformat()
