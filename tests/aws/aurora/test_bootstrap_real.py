"""The application-role bootstrap (``bootstrap.py``, the Lambda function's whole package) against
real PostgreSQL 15 from Debian, on loopback, with TLS and SCRAM as Aurora PostgreSQL 14+ has them.

The master user here is what RDS makes: CREATEROLE and CREATEDB, owner of the database, a member of
an ``rds_superuser`` role, but not a PostgreSQL superuser.
"""

from __future__ import annotations

import contextlib
import secrets
import select
import socket
import ssl
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.aws.aurora import bootstrap
from components.aws.aurora.bootstrap import BootstrapError, Connection, ServerError
from tests.gcp.standby.base import self_signed_server
from tests.gcp.standby.pg import AVAILABLE, Cluster, chown_tree, run

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not AVAILABLE, reason="needs root and postgresql-15"),
]

HOST = "kc-global-us-east-1.cluster-c0ffee.us-east-1.rds.amazonaws.com"
MASTER, MASTER_PASSWORD = "keycloak", "Master0Password0Of0Forty0Characters00000"
HBA = """\
local all postgres peer
hostssl all md5user 127.0.0.1/32 md5
hostssl all all 127.0.0.1/32 scram-sha-256
"""


def certificate(name: str, kind: str = "rsa") -> tuple[str, str]:
    return self_signed_server(name, kind)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bootstrap_event(**changes: Any) -> dict[str, Any]:
    """The invocation's input as the component writes it for the stack's defaults (give host, port)."""
    return {
        "database": "keycloak",
        "master_username": MASTER,
        "master_password": MASTER_PASSWORD,
        "role": "keycloak_app",
        "schema": "keycloak",
        "role_password": secrets.token_hex(20),
        "region": "us-east-1",
        **changes,
    }


def make_rds_master(cluster: Cluster) -> None:
    """What RDS makes: a master user with CREATEROLE and CREATEDB, in rds_superuser, not a superuser."""
    cluster.sql("CREATE ROLE rds_superuser NOLOGIN")
    master = f"CREATE ROLE {MASTER} LOGIN CREATEROLE CREATEDB IN ROLE rds_superuser"
    cluster.sql(f"{master} PASSWORD '{MASTER_PASSWORD}'")


def new_database(cluster: Cluster) -> str:
    """A database the master owns, as RDS's ``database_name``."""
    name = f"db_{secrets.token_hex(4)}"
    cluster.sql(f"CREATE DATABASE {name} OWNER {MASTER}")
    return name


class Server:
    def __init__(self, cluster: Cluster, cert_pem: str):
        self.cluster, self.cert_pem = cluster, cert_pem

    @property
    def port(self) -> int:
        return self.cluster.port

    def sql(self, query: str) -> str:
        return self.cluster.sql(query)

    def event(self, **changes: Any) -> dict[str, Any]:
        return bootstrap_event(**{"host": "127.0.0.1", "port": self.port, **changes})

    def connect(self, user: str, password: str, database: str = "keycloak", **kw: Any) -> Connection:
        return Connection("127.0.0.1", self.port, user, password, database, **kw)

    def log(self) -> str:
        return self.cluster.log.read_text(errors="replace")


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    root = Path(tempfile.mkdtemp(prefix="crossnet-bootstrap-"))
    root.chmod(0o755)
    chown_tree(root)
    cert = certificate(HOST)
    cluster = Cluster(root, port=free_port()).init(
        listen="127.0.0.1",
        cert=cert,
        # Aurora PostgreSQL 14+ (default.aurora-postgresql14) stores passwords as SCRAM.
        extra_conf="password_encryption = 'scram-sha-256'\n",
    )
    (cluster.etc / "pg_hba.conf").write_text(HBA)
    cluster.ctl("start")
    try:
        make_rds_master(cluster)
        cluster.sql(f"CREATE DATABASE keycloak OWNER {MASTER}")
        # From here every statement is logged, so a test can show no password reaches the server in clear.
        cluster.sql("ALTER SYSTEM SET log_statement = 'all'")
        cluster.sql("SELECT pg_reload_conf()")
        yield Server(cluster, cert[0])
    finally:
        cluster.ctl("stop", check=False)
        run(["rm", "-rf", str(root)])


def fresh_database(server: Server) -> str:
    return new_database(server.cluster)


def test_creates_a_login_role_that_owns_its_schema_and_nothing_more(server: Server) -> None:
    db = fresh_database(server)
    event = server.event(database=db, role="kc_one", schema="kc")
    result = bootstrap.handler(event)
    assert result == {
        "role": "kc_one",
        "schema": "kc",
        "database": db,
        "created": True,
        "server_version": result["server_version"],
    }
    assert result["server_version"].startswith("15")
    app = server.connect("kc_one", event["role_password"], db)
    try:
        assert app.query("SELECT current_schema()").rows == [("kc",)]
        app.query("CREATE TABLE realm (id text PRIMARY KEY)")
        app.query("INSERT INTO realm VALUES ('master')")
        assert app.query("SELECT id FROM kc.realm").rows == [("master",)]
        for statement in ("CREATE ROLE intruder", "CREATE DATABASE other", "CREATE TABLE public.t (x int)"):
            with pytest.raises(ServerError) as info:
                app.query(statement)
            assert info.value.code == "42501", statement  # insufficient_privilege
    finally:
        app.close()
    facts = server.sql(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin "
        "FROM pg_roles WHERE rolname = 'kc_one'"
    )
    assert facts == "f|f|f|f|f|t"
    assert (
        server.sql(
            "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member "
            "WHERE r.rolname = 'kc_one'"
        )
        == "0"
    )
    assert server.sql(f"SELECT has_database_privilege('public', '{db}', 'CONNECT')") == "f"
    # The password went over as a SCRAM verifier: the statement log holds the verifier, never the password.
    stored = server.sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'kc_one'")
    assert stored.startswith("SCRAM-SHA-256$4096:")
    assert stored in server.log()
    assert event["role_password"] not in server.log()
    assert MASTER_PASSWORD not in server.log()


def test_another_login_cannot_reach_the_database(server: Server) -> None:
    db = fresh_database(server)
    bootstrap.handler(server.event(database=db, role="kc_two", schema="kc_two"))
    server.sql("CREATE ROLE bystander LOGIN PASSWORD 'Bystander0Password0000'")
    with pytest.raises(ServerError) as info:
        server.connect("bystander", "Bystander0Password0000", db)
    assert info.value.code == "42501"
    server.connect("bystander", "Bystander0Password0000", "postgres").close()


def test_a_second_run_changes_nothing_and_a_new_password_replaces_the_old(server: Server) -> None:
    db = fresh_database(server)
    event = server.event(database=db, role="kc_three", schema="kc_three")
    assert bootstrap.handler(event)["created"] is True
    app = server.connect("kc_three", event["role_password"], db)
    app.query("CREATE TABLE kept (x int)")
    app.query("INSERT INTO kept VALUES (1)")
    app.close()
    assert bootstrap.handler(event)["created"] is False  # `pulumi up` again, or an adoption
    rotated = {**event, "role_password": secrets.token_hex(20)}
    assert bootstrap.handler(rotated)["created"] is False
    with pytest.raises(BootstrapError, match="refused"):
        server.connect("kc_three", event["role_password"], db)
    app = server.connect("kc_three", rotated["role_password"], db)
    try:
        assert app.query("SELECT x FROM kept").rows == [("1",)]  # the schema and its tables stay
    finally:
        app.close()


def test_an_existing_role_with_more_power_is_refused(server: Server) -> None:
    db = fresh_database(server)
    server.sql("CREATE ROLE kc_four LOGIN REPLICATION")
    with pytest.raises(BootstrapError, match="REPLICATION"):
        bootstrap.handler(server.event(database=db, role="kc_four", schema="kc_four"))
    server.sql("CREATE ROLE kc_five LOGIN IN ROLE rds_superuser")
    with pytest.raises(BootstrapError, match="rds_superuser"):
        bootstrap.handler(server.event(database=db, role="kc_five", schema="kc_five"))
    assert server.sql("SELECT count(*) FROM pg_namespace WHERE nspname IN ('kc_four', 'kc_five')") == "0"


def test_a_role_in_another_role_is_refused(server: Server) -> None:
    db = fresh_database(server)
    server.sql("CREATE ROLE kc_member LOGIN IN ROLE pg_write_all_data, pg_read_server_files")
    with pytest.raises(BootstrapError, match="member of pg_read_server_files, pg_write_all_data"):
        bootstrap.handler(server.event(database=db, role="kc_member", schema="kc_member"))


def test_an_adopted_role_loses_what_grant_all_gave_and_its_expiry(server: Server) -> None:
    """0.2.0's runbook had operators make keycloak_app by hand with GRANT ALL ON DATABASE."""
    db = fresh_database(server)
    server.sql(
        "CREATE ROLE kc_handmade LOGIN PASSWORD 'Handmade0Password0' "
        "VALID UNTIL '2001-01-01' CONNECTION LIMIT 1"
    )
    server.sql(f"GRANT ALL ON DATABASE {db} TO kc_handmade")
    event = server.event(database=db, role="kc_handmade", schema="kc_handmade")
    assert bootstrap.handler(event)["created"] is False
    assert server.sql(f"SELECT has_database_privilege('kc_handmade', '{db}', 'CREATE')") == "f"
    assert (
        server.sql(
            "SELECT rolvaliduntil = 'infinity', rolconnlimit FROM pg_roles WHERE rolname = 'kc_handmade'"
        )
        == "t|-1"
    )
    server.connect("kc_handmade", event["role_password"], db).close()


def test_an_adopted_role_loses_its_grants_on_public_and_may_not_own_it(server: Server) -> None:
    """0.2.0 on PostgreSQL 15+: a hand-made role could not create Keycloak's tables in public without
    GRANT ALL ON SCHEMA public, or owning it."""
    db = fresh_database(server)
    server.sql("CREATE ROLE kc_pub LOGIN")
    server.cluster.sql("GRANT ALL ON SCHEMA public TO kc_pub", database=db)
    bootstrap.handler(server.event(database=db, role="kc_pub", schema="kc_pub"))
    assert server.cluster.sql("SELECT has_schema_privilege('kc_pub', 'public', 'CREATE')", database=db) == "f"
    server.sql("CREATE ROLE kc_owner LOGIN")
    server.cluster.sql("ALTER SCHEMA public OWNER TO kc_owner", database=db)
    with pytest.raises(BootstrapError, match="the role not the owner of schema public"):
        bootstrap.handler(server.event(database=db, role="kc_owner", schema="kc_owner"))


def test_public_create_on_public_that_the_master_cannot_revoke_fails_the_run(server: Server) -> None:
    """Before PostgreSQL 15 `public` belongs to the bootstrap superuser and PUBLIC may create in it;
    the master's REVOKE is then only a warning. The outcome check turns it into a failure."""
    db = fresh_database(server)
    server.cluster.sql(
        "ALTER SCHEMA public OWNER TO postgres; GRANT CREATE ON SCHEMA public TO PUBLIC", database=db
    )
    with pytest.raises(BootstrapError, match="PUBLIC without CREATE on schema public"):
        bootstrap.handler(server.event(database=db, role="kc_pg14", schema="kc_pg14"))
    assert server.sql("SELECT count(*) FROM pg_roles WHERE rolname = 'kc_pg14'") == "0"
    server.cluster.sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC", database=db)  # what its owner does
    assert bootstrap.handler(server.event(database=db, role="kc_pg14", schema="kc_pg14"))["created"] is True


def test_a_read_only_writer_endpoint_says_the_writer_moved(server: Server) -> None:
    """After a switchover the first region's cluster is a read-only secondary."""
    db = fresh_database(server)
    server.sql(f"ALTER DATABASE {db} SET default_transaction_read_only = on")
    with pytest.raises(BootstrapError, match=r"writer is not in us-east-1.*Switch the writer back"):
        bootstrap.handler(server.event(database=db, role="kc_six", schema="kc_six"))
    assert server.sql("SELECT count(*) FROM pg_roles WHERE rolname = 'kc_six'") == "0"


def test_a_failed_statement_rolls_everything_back(server: Server) -> None:
    """Nothing half-created: a schema of that name the master cannot take over fails the run, and
    the role it had already created is gone with the transaction."""
    db = fresh_database(server)
    server.cluster.sql("CREATE SCHEMA kc_seven", database=db)  # owned by postgres, a superuser
    with pytest.raises(BootstrapError, match=r"^ALTER SCHEMA .*must be owner of schema kc_seven; nothing"):
        bootstrap.handler(server.event(database=db, role="kc_seven", schema="kc_seven"))
    assert server.sql("SELECT count(*) FROM pg_roles WHERE rolname = 'kc_seven'") == "0"
    assert server.sql(f"SELECT has_database_privilege('public', '{db}', 'CONNECT')") == "t"


def test_a_grant_the_master_may_not_make_fails_instead_of_warning(server: Server) -> None:
    """REVOKE on a database the master does not own is only a WARNING in PostgreSQL: the outcome is
    checked, so an adopted database owned by someone else fails the run by name."""
    db = fresh_database(server)
    server.sql(f"ALTER DATABASE {db} OWNER TO postgres")
    server.sql(f"GRANT CREATE ON DATABASE {db} TO {MASTER}")
    with pytest.raises(BootstrapError, match=rf"PUBLIC without CONNECT.*own database {db}"):
        bootstrap.handler(server.event(database=db, role="kc_eleven", schema="kc_eleven"))
    assert server.sql("SELECT count(*) FROM pg_roles WHERE rolname = 'kc_eleven'") == "0"


def test_md5_and_a_wrong_master_password_are_refused(server: Server) -> None:
    server.sql(
        "SET password_encryption = 'md5'; CREATE ROLE md5user LOGIN CREATEROLE PASSWORD 'Md5user0Password00'"
    )
    with pytest.raises(BootstrapError, match="MD5 authentication; only SCRAM-SHA-256"):
        bootstrap.handler(server.event(master_username="md5user", master_password="Md5user0Password00"))
    with pytest.raises(BootstrapError, match="master password was refused"):
        bootstrap.handler(server.event(master_password="Not0The0Master0Password", connect_seconds=1))


def test_a_master_password_still_being_applied_is_waited_for(server: Server) -> None:
    """RDS applies a new master password asynchronously: the run that follows a rotation retries."""
    db = fresh_database(server)
    server.sql("CREATE ROLE rotating LOGIN CREATEROLE PASSWORD 'Old0Master0Password0000'")
    server.sql(f"ALTER DATABASE {db} OWNER TO rotating")
    timer = threading.Timer(2.0, server.sql, ["ALTER ROLE rotating PASSWORD 'New0Master0Password0000'"])
    timer.start()
    try:
        event = server.event(
            database=db,
            master_username="rotating",
            master_password="New0Master0Password0000",
            role="kc_twelve",
            schema="kc_twelve",
            connect_seconds=30,
        )
        assert bootstrap.handler(event)["created"] is True
    finally:
        timer.join()


def test_channel_binding_uses_the_certificates_hash(server: Server) -> None:
    """tls-server-end-point hashes with the certificate's signature hash: SHA-384 for an ECC P-384
    certificate (rds-ca-ecc384-g1), SHA-256 for RSA (rds-ca-rsa2048-g1). A wrong hash fails."""
    cert, key = certificate(HOST, "p384")
    etc = server.cluster.etc
    original = (etc / "server.crt").read_text(), (etc / "server.key").read_text()
    try:
        (etc / "server.crt").write_text(cert)
        (etc / "server.key").write_text(key)
        server.cluster.ctl("reload")
        conn = server.connect(MASTER, MASTER_PASSWORD)
        der = conn._sock.getpeercert(binary_form=True)
        assert der is not None and bootstrap.signature_hash(der) == "sha384"
        conn.close()
        assert bootstrap.handler(server.event(role="kc_eight", schema="kc_eight"))["created"] is True
    finally:
        (etc / "server.crt").write_text(original[0])
        (etc / "server.key").write_text(original[1])
        server.cluster.ctl("reload")
    rsa_der = ssl.PEM_cert_to_DER_cert(server.cert_pem)
    assert bootstrap.signature_hash(rsa_der) == "sha256"


def test_a_verified_chain_is_checked_when_a_bundle_is_given(server: Server) -> None:
    server.connect(MASTER, MASTER_PASSWORD, ca_pem=server.cert_pem).close()
    other_ca, _ = certificate("some other CA")
    with pytest.raises(ssl.SSLCertVerificationError):
        server.connect(MASTER, MASTER_PASSWORD, ca_pem=other_ca)


def test_scram_verifier_matches_postgresqls_own(server: Server) -> None:
    server.sql("CREATE ROLE verifier_check PASSWORD 'Same0Password0Both0Ways'")
    stored = server.sql("SELECT rolpassword FROM pg_authid WHERE rolname = 'verifier_check'")
    head, _ = stored.split("$", 2)[1:]
    iterations, salt = head.split(":")
    import base64

    assert (
        bootstrap.scram_verifier("Same0Password0Both0Ways", base64.b64decode(salt), int(iterations)) == stored
    )


# -- a server that is not what it claims


class Relay:
    """A man in the middle on loopback: terminates the client's TLS with its own certificate and
    opens its own TLS session to the real server, relaying the bytes in between."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        cert, key = certificate(HOST)
        self.dir = Path(tempfile.mkdtemp(prefix="crossnet-relay-"))
        (self.dir / "c.pem").write_text(cert)
        (self.dir / "k.pem").write_text(key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.relayed = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self.listener.close()
        run(["rm", "-rf", str(self.dir)])

    def _serve(self) -> None:
        try:
            client, _ = self.listener.accept()
        except OSError:  # closed before any client came (the test failed earlier)
            return
        client.recv(8)  # SSLRequest
        client.sendall(b"S")
        server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_side.load_cert_chain(self.dir / "c.pem", self.dir / "k.pem")
        downstream = server_side.wrap_socket(client, server_side=True)
        raw = socket.create_connection(("127.0.0.1", self.upstream_port))
        raw.sendall(bytes.fromhex("0000000804d2162f"))
        raw.recv(1)
        client_side = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client_side.check_hostname, client_side.verify_mode = False, ssl.CERT_NONE
        upstream = client_side.wrap_socket(raw)

        self._relay(downstream, upstream)

    def _relay(self, a: ssl.SSLSocket, b: ssl.SSLSocket) -> None:
        """Both directions in this one thread (an SSL object must not be read and written from two
        threads at once), each socket closed once, here."""
        other = {a: b, b: a}
        try:
            while True:
                ready = [s for s in other if s.pending()] or select.select(list(other), [], [], 30)[0]
                if not ready:
                    return
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    self.relayed += len(data)
                    other[sock].sendall(data)
        except OSError:
            return
        finally:
            for sock in other:
                with contextlib.suppress(OSError):
                    sock.close()


def test_a_man_in_the_middle_fails_the_authentication(server: Server) -> None:
    relay = Relay(server.port)
    try:
        with pytest.raises(BootstrapError) as info:
            bootstrap.handler(server.event(port=relay.port, role="kc_nine", schema="kc_nine"))
    finally:
        relay.close()
    assert "channel binding" in str(info.value)
    assert relay.relayed > 0  # the relay was in the path
    assert server.sql("SELECT count(*) FROM pg_roles WHERE rolname = 'kc_nine'") == "0"


def test_a_server_without_tls_is_refused() -> None:
    listener = socket.create_server(("127.0.0.1", 0))

    def answer() -> None:
        conn, _ = listener.accept()
        conn.recv(8)
        conn.sendall(b"N")
        conn.close()

    threading.Thread(target=answer, daemon=True).start()
    event = {
        "host": "127.0.0.1",
        "port": listener.getsockname()[1],
        "database": "keycloak",
        "master_username": MASTER,
        "master_password": MASTER_PASSWORD,
        "role": "kc_ten",
        "schema": "kc_ten",
        "role_password": secrets.token_hex(20),
    }
    with pytest.raises(BootstrapError, match="does not accept TLS"):
        bootstrap.handler(event)
    listener.close()


# -- the runbook's upgrade from 0.2.0, where Keycloak ran as the master user in `public`


def runbook_upgrade_sql() -> str:
    from tests.readme import ROOT

    text = (ROOT / "docs" / "operations" / "keycloak_aurora_global.md").read_text()
    after = text.split("<!-- upgrade-sql:", 1)[1]
    return after.split("```sql\n", 1)[1].split("\n```", 1)[0]


def test_the_runbooks_upgrade_hands_keycloaks_tables_to_its_role(server: Server) -> None:
    db = fresh_database(server)
    master = server.connect(MASTER, MASTER_PASSWORD, db)
    try:
        # What Keycloak made while it ran as the master user: tables with keys, a serial and an
        # identity column, an index, a view, a sequence of its own.
        master.query(
            "CREATE TABLE public.realm (id text PRIMARY KEY, name text);"
            "CREATE TABLE public.event (id serial PRIMARY KEY, realm_id text REFERENCES public.realm (id));"
            "CREATE TABLE public.counter (id int GENERATED ALWAYS AS IDENTITY, n int);"
            "CREATE INDEX event_realm ON public.event (realm_id);"
            "CREATE VIEW public.realm_names AS SELECT name FROM public.realm;"
            "CREATE SEQUENCE public.standalone;"
            "INSERT INTO public.realm VALUES ('master', 'Master');"
            "INSERT INTO public.event (realm_id) VALUES ('master')"
        )
        password = secrets.token_hex(20)
        # keycloak_app with schema keycloak: the stack's defaults, which the runbook's SQL names.
        bootstrap.handler(server.event(database=db, role_password=password))
        # 0.2.0's runbook path: a table keycloak_app itself made in public (it had GRANT ALL then).
        server.cluster.sql(
            "CREATE TABLE public.handmade (x int); ALTER TABLE public.handmade OWNER TO keycloak_app",
            database=db,
        )
        master.query(runbook_upgrade_sql())
        left = master.query(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'S', 'i')"
        )
        assert left.rows == [("0",)]
    finally:
        master.close()
    app = server.connect("keycloak_app", password, db)
    try:
        assert app.query("SELECT name FROM realm_names").rows == [("Master",)]
        app.query("INSERT INTO event (realm_id) VALUES ('master')")
        assert app.query("SELECT max(id) FROM event").rows == [("2",)]
        app.query("INSERT INTO counter (n) VALUES (1)")
        app.query("SELECT nextval('standalone')")
        app.query("ALTER TABLE realm ADD COLUMN display_name text")  # Keycloak's next migration
        owners = app.query(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'keycloak'"
        )
        assert owners.rows == [("keycloak_app",)]
        app.query("INSERT INTO handmade VALUES (1)")
    finally:
        app.close()


# -- a server that does not follow SCRAM: what the client itself must refuse


class FakeServer:
    """A PostgreSQL look-alike on loopback speaking TLS and SCRAM-SHA-256-PLUS for one connection,
    with one misbehaviour: ``skip-auth`` (AuthenticationOk at once), ``bad-signature`` (a server
    signature that proves nothing), ``foreign-nonce`` (a nonce that does not extend the client's),
    ``few-iterations`` (i=1), ``garbled`` (a challenge that is not SCRAM), ``no-plus`` (only
    SCRAM-SHA-256 offered), or ``honest``."""

    def __init__(self, mode: str, password: str):
        import struct

        self.mode, self.password, self.struct = mode, password, struct
        self.dir = Path(tempfile.mkdtemp(prefix="crossnet-fake-pg-"))
        cert, key = certificate(HOST)
        (self.dir / "c.pem").write_text(cert)
        (self.dir / "k.pem").write_text(key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def close(self) -> None:
        self.listener.close()
        run(["rm", "-rf", str(self.dir)])

    def _send(self, conn: Any, kind: bytes, body: bytes) -> None:
        conn.sendall(kind + self.struct.pack("!i", len(body) + 4) + body)

    def _auth(self, conn: Any, code: int, data: bytes = b"") -> None:
        self._send(conn, b"R", self.struct.pack("!i", code) + data)

    def _read(self, conn: Any) -> bytes:
        head = conn.recv(5)
        if len(head) < 5:
            raise ConnectionAbortedError("the client hung up")  # what it should do on a bad challenge
        (length,) = self.struct.unpack("!i", head[1:5])
        body = b""
        while len(body) < length - 4:
            body += conn.recv(length - 4 - len(body))
        return body

    def _serve(self) -> None:
        import base64
        import hashlib
        import hmac

        raw, _ = self.listener.accept()
        raw.recv(8)
        raw.sendall(b"S")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.dir / "c.pem", self.dir / "k.pem")
        conn = context.wrap_socket(raw, server_side=True)
        try:
            conn.recv(4096)  # the startup message
            if self.mode == "skip-auth":
                self._auth(conn, 0)
                self._send(conn, b"Z", b"I")
                return
            mechanisms = (
                b"SCRAM-SHA-256\0\0" if self.mode == "no-plus" else b"SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0"
            )
            self._auth(conn, 10, mechanisms)
            first = self._read(conn)
            client_first = first.split(b"\0", 1)[1][4:].decode()
            client_bare = client_first.split(",", 2)[2]
            client_nonce = client_bare.split("r=", 1)[1]
            salt = b"0123456789abcdef"
            iterations = {"few-iterations": 1, "huge-iterations": 10**8}.get(self.mode, 4096)
            nonce = ("someone-else" if self.mode == "foreign-nonce" else client_nonce) + "server"
            server_first = f"r={nonce},s={base64.b64encode(salt).decode()},i={iterations}"
            if self.mode == "garbled":
                server_first = "this is not scram"
            if self.mode == "mandatory-extension":
                server_first = "m=must-understand," + server_first
            self._auth(conn, 11, server_first.encode())
            final = self._read(conn).decode()
            final_bare = final.rsplit(",p=", 1)[0]
            salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, iterations)
            auth_message = f"{client_bare},{server_first},{final_bare}".encode()
            signature = hmac.digest(hmac.digest(salted, b"Server Key", "sha256"), auth_message, "sha256")
            if self.mode == "bad-signature":
                signature = bytes(32)
            final_message = b"v=" + base64.b64encode(signature)
            if self.mode == "server-error":
                final_message = b"e=invalid-proof"
            self._auth(conn, 12, final_message)
            self._auth(conn, 0)
            self._send(conn, b"Z", b"I")
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("skip-auth", "without authentication"),
        ("bad-signature", "does not know the password"),
        ("foreign-nonce", "nonce does not extend ours"),
        ("few-iterations", "asks for 1 SCRAM iterations"),
        ("huge-iterations", "asks for 100000000 SCRAM iterations"),
        ("garbled", "SCRAM challenge is malformed"),
        ("mandatory-extension", "SCRAM challenge is malformed"),
        ("server-error", "ended the SCRAM exchange: invalid-proof"),
        ("no-plus", "without SCRAM-SHA-256-PLUS"),
    ],
)
def test_the_client_refuses_a_server_that_breaks_scram(mode: str, words: str) -> None:
    fake = FakeServer(mode, MASTER_PASSWORD)
    try:
        with pytest.raises(BootstrapError, match=words):
            Connection("127.0.0.1", fake.port, MASTER, MASTER_PASSWORD, "keycloak")
    finally:
        fake.close()


def test_a_ca_bundle_does_not_stand_in_for_channel_binding() -> None:
    """With the bundle a relay needs only some certificate that chains to it; without channel
    binding it could pass the login on. Over TCP -PLUS is required either way."""
    fake = FakeServer("no-plus", MASTER_PASSWORD)
    try:
        ca = (fake.dir / "c.pem").read_text()
        with pytest.raises(BootstrapError, match="without SCRAM-SHA-256-PLUS"):
            Connection("127.0.0.1", fake.port, MASTER, MASTER_PASSWORD, "keycloak", ca_pem=ca)
    finally:
        fake.close()


def test_the_fake_server_is_accepted_when_honest() -> None:
    """Guards the test above: the same fake, behaving, completes the login."""
    fake = FakeServer("honest", MASTER_PASSWORD)
    try:
        Connection("127.0.0.1", fake.port, MASTER, MASTER_PASSWORD, "keycloak").close()
    finally:
        fake.close()


def test_a_wrong_ca_bundle_fails_at_once_and_says_so(server: Server) -> None:
    import time

    other_ca, _ = certificate("some other CA")
    started = time.monotonic()
    with pytest.raises(BootstrapError, match=r"does not chain to the CA bundle \(ca_pem\)"):
        bootstrap.handler(server.event(ca_pem=other_ca, connect_seconds=30))
    assert time.monotonic() - started < 10  # not retried as if the network were down
