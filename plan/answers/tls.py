"""Real PEM keys and certificates for ``tls:*`` resources.

Keys are derived from the resource name (EC keys deterministically, RSA keys
cached per name), and certificates are signed deterministically, so rendered
configs hold material that OpenVPN and PostgreSQL accept, and two plans of the
same program made on the same day are identical.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ..mocks import Ctx


def _start_of_yesterday() -> dt.datetime:
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - dt.timedelta(days=1)


# Certificates start at midnight UTC the day before the run: valid now (with a day of clock
# skew) for their whole period, so a test using a 2-year certificate keeps passing in 2028;
# fixed for the whole process, so two plans in one run are identical (plans made on different
# days differ in their certificates' dates and signatures).
NOT_BEFORE = _start_of_yesterday()
_CURVES = {"P224": ec.SECP224R1, "P256": ec.SECP256R1, "P384": ec.SECP384R1, "P521": ec.SECP521R1}


@cache
def key_for(name: str, algorithm: str, curve: str, rsa_bits: int) -> Any:
    seed = hashlib.sha512(f"tls-key:{name}".encode()).digest()
    if algorithm == "ECDSA":
        curve_cls = _CURVES[curve]
        order = {"P224": 2**224, "P256": 2**256, "P384": 2**384, "P521": 2**521}[curve]
        return ec.derive_private_key(int.from_bytes(seed, "big") % (order - 2) + 1, curve_cls())
    if algorithm == "ED25519":
        return ed25519.Ed25519PrivateKey.from_private_bytes(seed[:32])
    return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)


def _load_key(pem: str) -> Any:
    return serialization.load_pem_private_key(pem.encode(), password=None)


def private_key(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    algorithm = ctx.inputs.get("algorithm", "RSA")
    key = key_for(
        ctx.name, algorithm, ctx.inputs.get("ecdsaCurve", "P224"), int(ctx.inputs.get("rsaBits", 2048))
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL
        if algorithm != "ED25519"
        else serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    pkcs8 = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = key.public_key()
    public_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    openssh = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    fingerprint = hashlib.sha256(public_pem.encode()).hexdigest()
    resource_id = hashlib.sha256(public_pem.encode()).hexdigest()
    return resource_id, {
        "privateKeyPem": pem,
        "privateKeyPemPkcs8": pkcs8,
        "privateKeyOpenssh": pkcs8,
        "publicKeyPem": public_pem,
        "publicKeyOpenssh": openssh + "\n",
        "publicKeyFingerprintMd5": hashlib.md5(openssh.encode()).hexdigest(),  # noqa: S324 - a fingerprint, as the provider reports
        "publicKeyFingerprintSha256": "SHA256:" + fingerprint,
    }


def _name(subject: dict[str, Any] | None) -> x509.Name:
    subject = subject or {}
    fields = [
        ("commonName", NameOID.COMMON_NAME),
        ("organization", NameOID.ORGANIZATION_NAME),
        ("organizationalUnit", NameOID.ORGANIZATIONAL_UNIT_NAME),
        ("country", NameOID.COUNTRY_NAME),
        ("locality", NameOID.LOCALITY_NAME),
        ("province", NameOID.STATE_OR_PROVINCE_NAME),
    ]
    return x509.Name([x509.NameAttribute(oid, str(subject[key])) for key, oid in fields if subject.get(key)])


_EKU = {
    "server_auth": ExtendedKeyUsageOID.SERVER_AUTH,
    "client_auth": ExtendedKeyUsageOID.CLIENT_AUTH,
    "code_signing": ExtendedKeyUsageOID.CODE_SIGNING,
    "email_protection": ExtendedKeyUsageOID.EMAIL_PROTECTION,
    "timestamping": ExtendedKeyUsageOID.TIME_STAMPING,
    "ocsp_signing": ExtendedKeyUsageOID.OCSP_SIGNING,
}


def _build(
    ctx: Ctx,
    subject: x509.Name,
    public_key: Any,
    issuer: x509.Name,
    signer: Any,
    dns_names: list[str],
    ip_addresses: list[str],
    is_ca: bool,
) -> tuple[str, dict[str, Any]]:
    uses = list(ctx.inputs.get("allowedUses") or [])
    hours = int(ctx.inputs.get("validityPeriodHours") or 24)
    serial = int(hashlib.sha256(f"serial:{ctx.type}:{ctx.name}".encode()).hexdigest()[:30], 16)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(NOT_BEFORE)
        .not_valid_after(NOT_BEFORE + dt.timedelta(hours=hours))
        .add_extension(x509.BasicConstraints(ca=is_ca, path_length=None), critical=True)
    )
    key_usage = {
        k: k.replace("_", "") in {u.replace("_", "") for u in uses}
        for k in (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        )
    }
    key_usage["key_cert_sign"] = "cert_signing" in uses
    key_usage["crl_sign"] = "crl_signing" in uses
    if not key_usage["key_agreement"]:
        key_usage["encipher_only"] = key_usage["decipher_only"] = False
    if any(key_usage.values()):
        builder = builder.add_extension(x509.KeyUsage(**key_usage), critical=True)
    ekus = [_EKU[u] for u in uses if u in _EKU]
    if ekus:
        builder = builder.add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in ip_addresses]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    builder = builder.add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    if isinstance(signer, ed25519.Ed25519PrivateKey):
        cert = builder.sign(signer, None)
    elif isinstance(signer, ec.EllipticCurvePrivateKey):
        cert = builder.sign(signer, hashes.SHA256(), ecdsa_deterministic=True)
    else:
        cert = builder.sign(signer, hashes.SHA256())
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    end = NOT_BEFORE + dt.timedelta(hours=hours)
    return str(serial), {
        "certPem": pem,
        "validityStartTime": NOT_BEFORE.isoformat(),
        "validityEndTime": end.isoformat(),
        "readyForRenewal": False,
    }


def self_signed_cert(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    key = _load_key(ctx.inputs["privateKeyPem"])
    name = _name(ctx.inputs.get("subject"))
    return _build(
        ctx,
        name,
        key.public_key(),
        name,
        key,
        list(ctx.inputs.get("dnsNames") or []),
        list(ctx.inputs.get("ipAddresses") or []),
        bool(ctx.inputs.get("isCaCertificate")),
    )


def cert_request(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    key = _load_key(ctx.inputs["privateKeyPem"])
    builder = x509.CertificateSigningRequestBuilder().subject_name(_name(ctx.inputs.get("subject")))
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in ctx.inputs.get("dnsNames") or []]
    sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in ctx.inputs.get("ipAddresses") or []]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        csr = builder.sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    else:
        csr = builder.sign(key, hashes.SHA256() if not isinstance(key, ed25519.Ed25519PrivateKey) else None)
    pem = csr.public_bytes(serialization.Encoding.PEM).decode()
    return hashlib.sha256(pem.encode()).hexdigest(), {"certRequestPem": pem}


def locally_signed_cert(ctx: Ctx) -> tuple[str, dict[str, Any]]:
    csr = x509.load_pem_x509_csr(ctx.inputs["certRequestPem"].encode())
    ca_key = _load_key(ctx.inputs["caPrivateKeyPem"])
    ca_cert = x509.load_pem_x509_certificate(ctx.inputs["caCertPem"].encode())
    try:
        san = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = san.get_values_for_type(x509.DNSName)
        ips = [str(i) for i in san.get_values_for_type(x509.IPAddress)]
    except x509.ExtensionNotFound:
        dns_names, ips = [], []
    return _build(
        ctx,
        csr.subject,
        csr.public_key(),
        ca_cert.subject,
        ca_key,
        dns_names,
        ips,
        bool(ctx.inputs.get("isCaCertificate")),
    )


RESOURCES = {
    "tls:index/privateKey:PrivateKey": private_key,
    "tls:index/selfSignedCert:SelfSignedCert": self_signed_cert,
    "tls:index/certRequest:CertRequest": cert_request,
    "tls:index/locallySignedCert:LocallySignedCert": locally_signed_cert,
}
