"""The application-role bootstrap: a Lambda function in the first region's Aurora VPC.

``pulumi up`` invokes it once (``aws.lambda_.Invocation``) after the primary's writer exists, and
again only when its input changes (a password, the role or schema name, ``sql_digest()``). It connects
to the primary cluster's writer endpoint as the master user and makes the application role:

- ``LOGIN`` and nothing more: no ``SUPERUSER``, ``CREATEDB``, ``CREATEROLE``, ``REPLICATION`` or
  ``BYPASSRLS``, no role memberships, no expiry or connection limit left from a hand-made role;
- ``CONNECT`` and ``TEMPORARY`` on the database, which ``PUBLIC`` no longer has;
- the owner of its own schema, its ``search_path`` in that database; ``CREATE`` on ``public`` is
  revoked from ``PUBLIC`` (PostgreSQL 15 does this itself; 14 does not).

The password never reaches the server in clear: the function sends a SCRAM-SHA-256 verifier
(what ``psql``'s ``\\password`` does), so no statement log can show it.

Transport: TLS always. The server is authenticated by SCRAM channel binding
(``SCRAM-SHA-256-PLUS``, ``tls-server-end-point``): a man in the middle with any other certificate
makes the authentication fail, so the RDS CA bundle, which a function without internet access
cannot fetch, is not needed. Given ``ca_pem``, the certificate chain is verified as well; channel
binding is still required. MD5, clear-text passwords and weak or malformed SCRAM challenges are
refused.

Standard library only: this file is the whole deployment package. Nothing here logs the event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field
from typing import Any

PROTOCOL_VERSION = 196608  # 3.0
SSL_REQUEST_CODE = 80877103
SCRAM_ITERATIONS = 4096  # PostgreSQL's default scram_iterations
CONNECT_SECONDS = 45.0
# Only names these patterns accept are ever put into SQL (the component validates the same).
NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
PASSWORD = re.compile(r"[\x21-\x7e]{8,128}")

# Signature algorithm OIDs -> the hash tls-server-end-point uses (RFC 5929 section 4.1: MD5 and
# SHA-1 are replaced by SHA-256).
_SIGNATURE_HASHES = {
    "1.2.840.113549.1.1.4": "sha256",  # md5WithRSAEncryption
    "1.2.840.113549.1.1.5": "sha256",  # sha1WithRSAEncryption
    "1.2.840.113549.1.1.11": "sha256",
    "1.2.840.113549.1.1.12": "sha384",
    "1.2.840.113549.1.1.13": "sha512",
    "1.2.840.113549.1.1.14": "sha224",
    "1.2.840.10045.4.1": "sha256",  # ecdsa-with-SHA1
    "1.2.840.10045.4.3.1": "sha224",
    "1.2.840.10045.4.3.2": "sha256",
    "1.2.840.10045.4.3.3": "sha384",
    "1.2.840.10045.4.3.4": "sha512",
}


class BootstrapError(Exception):
    """A failure with a message that says what to do; the invocation fails with it."""


class PasswordRefused(BootstrapError):
    """The server refused the master password (SQLSTATE 28P01)."""


class ServerError(BootstrapError):
    def __init__(self, fields: dict[str, str]):
        self.fields = fields
        self.code = fields.get("C", "")
        super().__init__(f"{fields.get('S', 'ERROR')} {self.code}: {fields.get('M', '')}")


# -- a minimal PostgreSQL frontend (protocol 3.0, simple query)


def _der_length(data: bytes, at: int) -> tuple[int, int]:
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


def _der_element(data: bytes, at: int) -> tuple[int, int, int]:
    """(tag, start of contents, end of contents) of the DER element at ``at``."""
    length, start = _der_length(data, at + 1)
    return data[at], start, start + length


def _oid(raw: bytes) -> str:
    parts = [raw[0] // 40, raw[0] % 40]
    value = 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def signature_hash(der: bytes) -> str:
    """The hash ``tls-server-end-point`` uses for this certificate (from its signature algorithm)."""
    _, body, _ = _der_element(der, 0)  # Certificate ::= SEQUENCE
    _, _, tbs_end = _der_element(der, body)  # tbsCertificate
    _, algorithm, _ = _der_element(der, tbs_end)  # signatureAlgorithm ::= SEQUENCE
    tag, start, end = _der_element(der, algorithm)
    oid = _oid(der[start:end]) if tag == 0x06 else "?"
    if oid not in _SIGNATURE_HASHES:
        raise BootstrapError(
            f"the server certificate's signature algorithm {oid} has no channel-binding hash"
        )
    return _SIGNATURE_HASHES[oid]


def scram_verifier(password: str, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """The ``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`` string PostgreSQL stores."""
    salt = os.urandom(16) if salt is None else salt
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    stored = hashlib.sha256(hmac.digest(salted, b"Client Key", "sha256")).digest()
    server = hmac.digest(salted, b"Server Key", "sha256")
    b64 = base64.b64encode
    return f"SCRAM-SHA-256${iterations}:{b64(salt).decode()}${b64(stored).decode()}:{b64(server).decode()}"


SERVER_FIRST = re.compile(
    r"r=([\x21-\x2b\x2d-\x7e]+),s=([A-Za-z0-9+/]+={0,2}),i=([0-9]{1,9})(,[A-Za-z]=[^,]*)*"
)
SERVER_FINAL = re.compile(r"v=([A-Za-z0-9+/]+={0,2})(,[A-Za-z]=[^,]*)*")
MAX_SCRAM_ITERATIONS = 10_000_000  # far above any server's; below what a 120 s function can compute


def parse_server_first(message: str) -> tuple[str, bytes, int]:
    """(nonce, salt, iterations) of a server-first-message (RFC 5802 section 7), or BootstrapError.

    A mandatory extension (``m=``) must fail the exchange (section 5.1); so does a missing salt."""
    match = SERVER_FIRST.fullmatch(message)
    if match is None:
        raise BootstrapError("the server's SCRAM challenge is malformed")
    try:
        salt = base64.b64decode(match.group(2), validate=True)
    except ValueError as err:
        raise BootstrapError("the server's SCRAM salt is not base64") from err
    iterations = int(match.group(3))
    if not salt:
        raise BootstrapError("the server's SCRAM challenge has an empty salt")
    if not SCRAM_ITERATIONS <= iterations <= MAX_SCRAM_ITERATIONS:
        allowed = f"{SCRAM_ITERATIONS}..{MAX_SCRAM_ITERATIONS}"
        raise BootstrapError(f"the server asks for {iterations} SCRAM iterations; {allowed} accepted")
    return match.group(1), salt, iterations


def parse_server_final(message: str) -> bytes:
    """The server signature of a server-final-message; ``e=`` (the server's error) is reported."""
    if message.startswith("e="):
        raise BootstrapError(f"the server ended the SCRAM exchange: {message[2:]}")
    match = SERVER_FINAL.fullmatch(message)
    if match is None:
        raise BootstrapError("the server's SCRAM signature is malformed")
    try:
        return base64.b64decode(match.group(1), validate=True)
    except ValueError as err:
        raise BootstrapError("the server's SCRAM signature is not base64") from err


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class Result:
    rows: list[tuple[str | None, ...]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


class Connection:
    """One authenticated session. Over TCP, TLS is required; see the module docstring for how the
    server is authenticated. A ``host`` that is a directory means PostgreSQL's unix socket in it
    (``<dir>/.s.PGSQL.<port>``, as libpq): no TLS there, the socket's file permissions vouch for the
    server, so plain SCRAM-SHA-256 is accepted. The function in the VPC always connects over TCP."""

    def __init__(
        self,
        host: str,
        port: int,
        user: str,
        password: str,
        database: str,
        *,
        ca_pem: str | None = None,
        timeout: float = 20.0,
        application_name: str = "crossnet-bootstrap",
    ):
        self._sock: socket.socket
        self._local = host.startswith("/")
        if self._local:
            self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self._sock.settimeout(timeout)
            self._sock.connect(f"{host}/.s.PGSQL.{port}")
        else:
            self._sock = self._tls(socket.create_connection((host, port), timeout=timeout), host, ca_pem)
        self._buffer = b""
        self.parameters: dict[str, str] = {}
        self._startup(user, password, database, application_name)

    # transport

    @staticmethod
    def _tls(raw: socket.socket, host: str, ca_pem: str | None) -> ssl.SSLSocket:
        raw.sendall(struct.pack("!ii", 8, SSL_REQUEST_CODE))
        answer = raw.recv(1)
        if answer != b"S":
            raw.close()
            raise BootstrapError(f"{host} does not accept TLS connections (answered {answer!r}); refusing")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        # The host is an Aurora endpoint the certificate may name only by wildcard; the chain (when a
        # bundle is given) and the channel binding authenticate the server.
        context.check_hostname = False
        if ca_pem:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cadata=ca_pem)
        else:
            context.verify_mode = ssl.CERT_NONE
        return context.wrap_socket(raw, server_hostname=host)

    def _send(self, kind: bytes, body: bytes) -> None:
        self._sock.sendall(kind + struct.pack("!i", len(body) + 4) + body)

    def _read(self, count: int) -> bytes:
        while len(self._buffer) < count:
            chunk = self._sock.recv(65536)
            if not chunk:
                raise BootstrapError("the server closed the connection")
            self._buffer += chunk
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        return data

    def _message(self) -> tuple[bytes, bytes]:
        kind, length = struct.unpack("!ci", self._read(5))
        return kind, self._read(length - 4)

    @staticmethod
    def _fields(body: bytes) -> dict[str, str]:
        fields = {}
        for item in body.split(b"\0"):
            if item:
                fields[chr(item[0])] = item[1:].decode("utf-8", "replace")
        return fields

    # authentication

    def _startup(self, user: str, password: str, database: str, application_name: str) -> None:
        params = {"user": user, "database": database, "application_name": application_name}
        body = struct.pack("!i", PROTOCOL_VERSION)
        body += b"".join(k.encode() + b"\0" + v.encode() + b"\0" for k, v in params.items()) + b"\0"
        self._sock.sendall(struct.pack("!i", len(body) + 4) + body)
        authenticated = False
        while True:
            kind, body = self._message()
            if kind == b"R":
                (code,) = struct.unpack("!i", body[:4])
                if code == 0:
                    if not authenticated:
                        # A server that skips the SCRAM exchange has not proven who it is.
                        raise BootstrapError("the server accepted the connection without authentication")
                    continue
                if code == 10:
                    mechanisms = [m.decode() for m in body[4:].split(b"\0") if m]
                    self._scram(password, mechanisms)
                    authenticated = True
                    continue
                method = {3: "clear-text password", 5: "MD5"}.get(code, f"method {code}")
                raise BootstrapError(
                    f"the server asked for {method} authentication; only SCRAM-SHA-256 is accepted "
                    "(Aurora PostgreSQL 14 and later store passwords as SCRAM by default)"
                )
            elif kind == b"E":
                raise ServerError(self._fields(body))
            elif kind == b"S":
                key, value, _ = body.split(b"\0", 2)
                self.parameters[key.decode()] = value.decode()
            elif kind == b"Z":
                return

    def _scram(self, password: str, mechanisms: list[str]) -> None:
        if "SCRAM-SHA-256-PLUS" in mechanisms and isinstance(self._sock, ssl.SSLSocket):
            mechanism = "SCRAM-SHA-256-PLUS"
            der = self._sock.getpeercert(binary_form=True)
            if not der:
                raise BootstrapError("the server sent no certificate to bind the authentication to")
            header = b"p=tls-server-end-point,,"
            binding = header + hashlib.new(signature_hash(der), der).digest()
        elif "SCRAM-SHA-256" in mechanisms and self._local:
            mechanism, header = "SCRAM-SHA-256", b"n,,"
            binding = header
        else:
            # Over TCP channel binding is required even with a verified chain: without it a man in
            # the middle holding any certificate the bundle accepts could relay the login.
            raise BootstrapError(
                f"the server offers {', '.join(mechanisms) or 'no SASL mechanism'}: without "
                "SCRAM-SHA-256-PLUS (channel binding) the server is not authenticated; refusing"
            )
        nonce = base64.b64encode(os.urandom(18)).decode()
        first_bare = f"n=,r={nonce}"
        first = header + first_bare.encode()
        self._send(b"p", mechanism.encode() + b"\0" + struct.pack("!i", len(first)) + first)
        server_first = self._sasl(11)
        server_nonce, salt_bytes, iterations = parse_server_first(server_first)
        if not server_nonce.startswith(nonce) or len(server_nonce) <= len(nonce):
            raise BootstrapError("the server's SCRAM nonce does not extend ours")
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt_bytes, iterations)
        client_key = hmac.digest(salted, b"Client Key", "sha256")
        stored_key = hashlib.sha256(client_key).digest()
        final_bare = f"c={base64.b64encode(binding).decode()},r={server_nonce}"
        auth_message = f"{first_bare},{server_first},{final_bare}".encode()
        signature = hmac.digest(stored_key, auth_message, "sha256")
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        self._send(b"p", f"{final_bare},p={base64.b64encode(proof).decode()}".encode())
        server_final = self._sasl(12)
        expected = hmac.digest(hmac.digest(salted, b"Server Key", "sha256"), auth_message, "sha256")
        if not hmac.compare_digest(parse_server_final(server_final), expected):
            raise BootstrapError("the server's SCRAM signature is wrong: it does not know the password")

    def _sasl(self, code: int) -> str:
        kind, body = self._message()
        if kind == b"E":
            fields = self._fields(body)
            if fields.get("C") == "28P01":
                raise PasswordRefused(f"the master password was refused: {fields.get('M', '')}")
            raise ServerError(fields)
        if kind != b"R" or struct.unpack("!i", body[:4])[0] != code:
            raise BootstrapError("the server broke off the SCRAM exchange")
        try:
            return body[4:].decode("ascii")
        except UnicodeDecodeError as err:
            raise BootstrapError("the server's SCRAM message is not ASCII") from err

    # queries

    def query(self, sql: str) -> Result:
        self._send(b"Q", sql.encode() + b"\0")
        result, error = Result(), None
        while True:
            kind, body = self._message()
            if kind == b"D":
                (count,) = struct.unpack("!h", body[:2])
                at, row = 2, []
                for _ in range(count):
                    (size,) = struct.unpack("!i", body[at : at + 4])
                    at += 4
                    row.append(None if size < 0 else body[at : at + size].decode())
                    at += max(size, 0)
                result.rows.append(tuple(row))
            elif kind == b"E":
                error = ServerError(self._fields(body))
            elif kind == b"N":
                result.notices.append(self._fields(body).get("M", ""))
            elif kind == b"Z":
                if error is not None:
                    raise error
                return result

    def close(self) -> None:
        try:
            self._send(b"X", b"")
        finally:
            self._sock.close()


# -- the role


PUBLIC_SCHEMA = (
    "DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN "
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC; REVOKE ALL ON SCHEMA public FROM {role}; END IF; END $$"
)


def role_statements(role: str, schema: str, database: str, verifier: str, exists: bool) -> list[str]:
    """The statements that make ``role`` what the module docstring says (one transaction)."""
    r, s, d = quote_ident(role), quote_ident(schema), quote_ident(database)
    password = quote_literal(verifier)
    return [
        f"CREATE ROLE {r} WITH LOGIN PASSWORD {password}"
        if not exists
        else (
            f"ALTER ROLE {r} WITH LOGIN NOCREATEDB NOCREATEROLE CONNECTION LIMIT -1 "
            f"VALID UNTIL 'infinity' PASSWORD {password}"
        ),
        f"REVOKE ALL ON DATABASE {d} FROM PUBLIC",
        # An adopted role (made by hand, perhaps with GRANT ALL) keeps only what is granted next.
        f"REVOKE ALL ON DATABASE {d} FROM {r}",
        f"GRANT CONNECT, TEMPORARY ON DATABASE {d} TO {r}",
        # Creating a schema owned by another role needs membership in it (PostgreSQL 15; on 16 the
        # creator of a role holds ADMIN on it and may grant it to itself).
        f"GRANT {r} TO CURRENT_USER",
        f"CREATE SCHEMA IF NOT EXISTS {s} AUTHORIZATION {r}",
        f"ALTER SCHEMA {s} OWNER TO {r}",
        # Before PostgreSQL 15 PUBLIC may create in public; an adopted role may hold grants there.
        PUBLIC_SCHEMA.format(role=r),
        f"ALTER ROLE {r} IN DATABASE {d} SET search_path TO {s}",
    ]


ROLE_FACTS = (
    "SELECT r.rolsuper, r.rolreplication, r.rolbypassrls, COALESCE((SELECT string_agg(g.rolname, ', ' "
    "ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
    "WHERE m.member = r.oid), '') FROM pg_roles r WHERE r.rolname = "
)


def role_facts(role: str) -> str:
    """An existing ``role``'s powers: superuser, replication, bypassrls, and the roles it is in."""
    # A checked NAME, quoted: the one value put into this query.
    return ROLE_FACTS + quote_literal(role)


OUTCOMES = (
    "PUBLIC without CONNECT on the database",
    "the role with CONNECT on the database",
    "the role without CREATE on the database",
    "the role the schema's owner",
    "PUBLIC without CREATE on schema public",
    "the role without CREATE on schema public",
    "the role not the owner of schema public (hand it back: ALTER SCHEMA public OWNER TO ...)",
)
OUTCOME = (
    "SELECT NOT has_database_privilege('public', current_database(), 'CONNECT'), "
    "has_database_privilege({role}, current_database(), 'CONNECT'), "
    "NOT has_database_privilege({role}, current_database(), 'CREATE'), "
    "EXISTS (SELECT 1 FROM pg_namespace n JOIN pg_roles o ON o.oid = n.nspowner "
    "WHERE n.nspname = {schema} AND o.rolname = {role}), "
    "NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') "
    "OR NOT has_schema_privilege('public', 'public', 'CREATE'), "
    "NOT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') "
    "OR NOT has_schema_privilege({role}, 'public', 'CREATE'), "
    "NOT EXISTS (SELECT 1 FROM pg_namespace n JOIN pg_roles o ON o.oid = n.nspowner "
    "WHERE n.nspname = 'public' AND o.rolname = {role})"
)


def outcome(role: str, schema: str) -> str:
    """One row of t/f, one per OUTCOMES entry (checked NAMEs, quoted)."""
    return OUTCOME.format(role=quote_literal(role), schema=quote_literal(schema))


def sql_digest() -> str:
    """What the function does to a database, as text: a release that changes it runs it again
    (the component puts this in the invocation's input); comments and transport do not count."""
    text = "\n".join(
        [
            *role_statements("r", "s", "d", "v", exists=False),
            *role_statements("r", "s", "d", "v", exists=True),
            OUTCOME,
            ROLE_FACTS,
        ]
    )
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _check_event(event: dict[str, Any]) -> None:
    for key in ("role", "schema", "database"):
        if not NAME.fullmatch(str(event.get(key, ""))):
            raise BootstrapError(f"{key} {event.get(key)!r} is not a lowercase SQL name")
    for key in ("role_password", "master_password"):
        if not PASSWORD.fullmatch(str(event.get(key, ""))):
            raise BootstrapError(f"{key} must be 8-128 printable ASCII characters")
    if event["schema"] in ("public", "information_schema") or event["schema"].startswith("pg_"):
        raise BootstrapError(f"schema {event['schema']!r} is reserved")


def connect(event: dict[str, Any], deadline_seconds: float = CONNECT_SECONDS) -> Connection:
    """Connect as the master user, retrying while the writer's name or port is not yet reachable, and
    while a new master password is still being applied (RDS applies it asynchronously)."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        try:
            return Connection(
                event["host"],
                int(event.get("port", 5432)),
                event["master_username"],
                event["master_password"],
                event["database"],
                ca_pem=event.get("ca_pem") or None,
            )
        except ssl.SSLCertVerificationError as err:  # not a network problem: do not wait
            raise BootstrapError(
                f"the server's certificate does not chain to the CA bundle (ca_pem): {err.verify_message}"
            ) from err
        except (OSError, PasswordRefused) as err:  # the instance or the password may still be coming
            if time.monotonic() >= deadline:
                if isinstance(err, PasswordRefused):
                    raise
                raise BootstrapError(
                    f"cannot reach {event['host']}:{event.get('port', 5432)} from the function: {err}"
                ) from err
            time.sleep(3)


def ensure_role(event: dict[str, Any]) -> dict[str, Any]:
    """Create or update the application role; returns what was done (no secrets)."""
    _check_event(event)
    role, schema, database = event["role"], event["schema"], event["database"]
    if role == event["master_username"].lower():
        raise BootstrapError("the application role must not be the master user")
    conn = connect(event, float(event.get("connect_seconds", CONNECT_SECONDS)))
    try:
        if conn.query("SHOW transaction_read_only").rows[0][0] == "on":
            raise BootstrapError(
                f"{event['host']} is read-only: the writer is not in {event.get('region', 'this region')}. "
                "Switch the writer back to the first region (see the drill) and run `pulumi up` again"
            )
        found = conn.query(role_facts(role)).rows
        if found and ("t" in found[0][:3] or found[0][3]):
            member_of = f" (member of {found[0][3]})" if found[0][3] else ""
            raise BootstrapError(
                f"role {role} exists with SUPERUSER, REPLICATION, BYPASSRLS or role memberships{member_of}; "
                "refusing to hand it to an application: remove those or choose another name"
            )
        verifier = scram_verifier(event["role_password"])
        conn.query("BEGIN")
        try:
            for statement in role_statements(role, schema, database, verifier, bool(found)):
                try:
                    conn.query(statement)
                except ServerError as err:
                    shown = statement.split(" PASSWORD ", 1)[0]  # never the verifier
                    raise BootstrapError(f"{shown}: {err}; nothing was changed") from err
            # A GRANT or REVOKE the master may not make is only a warning: check the outcome instead.
            row = conn.query(outcome(role, schema)).rows[0]
            missing = [what for what, ok in zip(OUTCOMES, row, strict=True) if ok != "t"]
            if missing:
                raise BootstrapError(
                    f"the master user could not make {', '.join(missing)} (does it own database {database}?)"
                )
            conn.query("COMMIT")
        except BootstrapError:
            conn.query("ROLLBACK")
            raise
        return {
            "role": role,
            "schema": schema,
            "database": database,
            "created": not found,
            "server_version": conn.parameters.get("server_version", ""),
        }
    finally:
        conn.close()


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda entry point. A failure raises, so the invocation (and `pulumi up`) fails with the message."""
    return ensure_role(event)
