"""Valid PostgresStandby inputs for the tests, and a real CA certificate for the primary."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


@cache
def onprem_ca_pem() -> str:
    """A self-signed CA certificate standing in for the on-premises CA (its key is thrown away)."""
    now = dt.datetime.now(dt.UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test on-prem CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ"


def primary_ssh(**over: Any) -> dict[str, Any]:
    return {"host": "192.168.50.10", "user": "root", "private_key": "KEY", "host_key": HOST_KEY, **over}


def standby_args(**over: Any) -> dict[str, Any]:
    return {
        "project": "crossnet-test",
        "zone": "europe-west1-b",
        "subnetwork": "sub",
        "network": "vpc",
        "primary_host": "db.onprem.example",
        "primary_address": "192.168.50.10",
        "primary_ca_certificate": onprem_ca_pem(),
        "allowed_cidrs": ["10.8.0.0/24", "192.168.50.0/24"],
        **over,
    }


def self_signed_server(name: str, kind: str = "p256") -> tuple[str, str]:
    """A self-signed server certificate for ``name`` and its key (for a test cluster's ssl = on):
    ``p256`` (EC P-256, SHA-256), ``rsa`` (RSA 2048, SHA-256, like rds-ca-rsa2048-g1's) or ``p384``
    (EC P-384, SHA-384, like rds-ca-ecc384-g1's)."""
    now = dt.datetime.now(dt.UTC)
    key: Any
    if kind == "rsa":
        key, digest = rsa.generate_private_key(public_exponent=65537, key_size=2048), hashes.SHA256()
    elif kind == "p384":
        key, digest = ec.generate_private_key(ec.SECP384R1()), hashes.SHA384()
    else:
        key, digest = ec.generate_private_key(ec.SECP256R1()), hashes.SHA256()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, digest)
    )
    pem = serialization.Encoding.PEM
    return (
        cert.public_bytes(pem).decode(),
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode(),
    )
