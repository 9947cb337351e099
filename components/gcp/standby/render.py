"""Pure renderers for the PostgreSQL standby and what the on-premises primary applies.

The component renders with these; the integration test runs Debian's
PostgreSQL on the same text (primary settings applied by the rendered script,
the standby cloned by the rendered clone script).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping

from ..vpn.render import fetch_secret_function, heredoc

DEFAULT_CERT_DIR = "/var/lib/postgresql/crossnet"
PRIMARY_CA = "primary-ca.crt"
CLIENT_CERT = "replication.crt"
CLIENT_KEY = "replication.key"
CLIENT_CA_FILE = "crossnet-replication-ca.crt"
PRIMARY_CONF = "crossnet-replication.conf"
# Settings naming files on the primary's host: dropped from the cloned postgresql.auto.conf.
HOST_FILE_SETTINGS = r"ssl_[a-z_]+_(file|dir)"


def primary_parameters(max_slot_wal_keep_size: str = "10GB") -> dict[str, str]:
    """Server settings the primary needs for a slot-based TLS streaming standby."""
    return {
        "wal_level": "replica",
        "max_wal_senders": "10",
        "max_replication_slots": "10",
        "max_slot_wal_keep_size": max_slot_wal_keep_size,
    }


def pg_hba_line(user: str, standby_ip: str) -> str:
    """Only the standby's own address, only TLS, only a client certificate whose CN is ``user``."""
    return f"hostssl replication {user} {standby_ip}/32 cert"


def conninfo(
    *, host: str, hostaddr: str, port: int, user: str, application_name: str, cert_dir: str = DEFAULT_CERT_DIR
) -> str:
    """The standby's ``primary_conninfo``: verify-full TLS against the primary's CA, a client certificate.

    ``host`` is the name in the primary's certificate (checked by verify-full);
    ``hostaddr`` is where to connect (its address through the tunnel), so no DNS is needed.
    """
    return " ".join(
        [
            f"host={host}",
            f"hostaddr={hostaddr}",
            f"port={port}",
            f"user={user}",
            f"application_name={application_name}",
            "sslmode=verify-full",
            f"sslrootcert={cert_dir}/{PRIMARY_CA}",
            f"sslcert={cert_dir}/{CLIENT_CERT}",
            f"sslkey={cert_dir}/{CLIENT_KEY}",
            "connect_timeout=10",
        ]
    )


def primary_settings(
    *, user: str, standby_ip: str, primary_host: str, parameters: Mapping[str, str] | None = None
) -> str:
    """What the on-prem primary must apply, as text for its DBA."""
    params = dict(parameters or primary_parameters())
    lines = [
        "# crossnet PostgresStandby: apply on the on-premises primary",
        "# postgresql.conf (or ALTER SYSTEM); wal_level needs a restart if it changes",
        *[f"{k} = '{v}'" for k, v in params.items()],
        "ssl = on",
        f"# ssl_cert_file/ssl_key_file: a server certificate for {primary_host}",
        f"# ssl_ca_file: must include the CA that issued the {user} client certificate",
        "# pg_hba.conf",
        pg_hba_line(user, standby_ip),
        "# SQL",
        f"CREATE ROLE {user} WITH LOGIN REPLICATION;",
        "# the replication slot is created by the standby (pg_basebackup -C)",
    ]
    return "\n".join(lines) + "\n"


def primary_apply_script(
    *, user: str, standby_ip: str, client_ca_pem: str, parameters: Mapping[str, str] | None = None
) -> str:
    """Applies ``primary_settings`` on the primary, idempotently; run as root on the primary's host.

    Without an ``ssl_ca_file`` it sets one next to ``pg_hba.conf``, in
    ``conf.d/crossnet-replication.conf`` when ``postgresql.conf`` includes ``conf.d``
    (Debian) or else appended to ``postgresql.conf``: never with ALTER SYSTEM, whose
    ``postgresql.auto.conf`` the standby inherits.

    psql connects as the ``postgres`` OS user; ``PGHOST``/``PGPORT`` in the
    environment pick the cluster (default: the local socket). A second run
    changes nothing. Settings that need a restart are reported, not restarted.
    """
    params = dict(parameters or primary_parameters())
    sql = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{user}') THEN "
        f"CREATE ROLE {user} WITH LOGIN REPLICATION; END IF; END $$;",
        f"ALTER ROLE {user} WITH LOGIN REPLICATION;",
    ]
    sql += [f"ALTER SYSTEM SET {k} = '{v}';" for k, v in params.items()]
    out = [
        "#!/bin/bash",
        "# crossnet PostgresStandby: configure the on-premises primary (rendered)",
        "set -euo pipefail",
        'psql_pg() { runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }',
        "if [ \"$(psql_pg -c 'SHOW ssl')\" != on ]; then",
        '  echo "crossnet: enable ssl on the primary first (a server certificate for its name)" >&2',
        "  exit 1",
        "fi",
        "psql_pg <<'CROSSNET_SQL'",
        *sql,
        "CROSSNET_SQL",
        "hba=$(psql_pg -c 'SHOW hba_file')",
        f"line={shlex.quote(pg_hba_line(user, standby_ip))}",
        'grep -qxF "$line" "$hba" || printf \'%s\\n\' "$line" >> "$hba"',
        "ca_file=$(psql_pg -c 'SHOW ssl_ca_file')",
        'if [ -z "$ca_file" ]; then',
        f'  ca_file="$(dirname "$hba")/{CLIENT_CA_FILE}"',
        "  # not ALTER SYSTEM: pg_basebackup copies postgresql.auto.conf to the standby,",
        "  # where this path does not exist",
        "  conf=$(psql_pg -c 'SHOW config_file')",
        '  if grep -Eq "^[[:space:]]*include_dir[[:space:]]*=?[[:space:]]*\'conf\\.d\'" "$conf"; then',
        f'    target="$(dirname "$conf")/conf.d/{PRIMARY_CONF}"',
        '    install -d -o postgres -g postgres -m 0755 "$(dirname "$target")"',
        '    printf "ssl_ca_file = \'%s\'\\n" "$ca_file" > "$target"',
        '    chown postgres: "$target"',
        "  else",
        '    printf "ssl_ca_file = \'%s\'  # crossnet PostgresStandby\\n" "$ca_file" >> "$conf"',
        "  fi",
        "fi",
        'case "$ca_file" in /*) ;; *) ca_file="$(psql_pg -c \'SHOW data_directory\')/$ca_file" ;; esac',
        "ca_pem=$(cat <<'CROSSNET_CA'",
        client_ca_pem.strip(),
        "CROSSNET_CA",
        ")",
        "first_line=$(printf '%s\\n' \"$ca_pem\" | sed -n 2p)",
        'if ! { [ -f "$ca_file" ] && grep -qF "$first_line" "$ca_file"; }; then',
        '  printf \'%s\\n\' "$ca_pem" >> "$ca_file"',
        '  chown postgres: "$ca_file"',
        "fi",
        "psql_pg -c 'SELECT pg_reload_conf()' >/dev/null",
        "pending=$(psql_pg -c \"SELECT string_agg(name, ', ') FROM pg_settings WHERE pending_restart\")",
        'if [ -n "$pending" ]; then echo "crossnet: restart PostgreSQL to apply: $pending"; fi',
        'echo "crossnet: primary configured for the standby"',
        "",
    ]
    return "\n".join(out)


CLONE_ATTEMPTS = 60
CLONE_RETRY_SECONDS = 30


def clone_script(
    *,
    conninfo: str,
    slot: str,
    data_dir: str,
    bin_dir: str,
    attempts: int = CLONE_ATTEMPTS,
    retry_seconds: int = CLONE_RETRY_SECONDS,
) -> str:
    """Clones the primary into ``data_dir`` with ``pg_basebackup -R -C -S <slot>`` (as ``postgres``).

    Skips when ``data_dir`` already is a standby. Clones into ``<data_dir>.crossnet-clone``
    and replaces ``data_dir`` only after a complete clone, so a primary that is not
    reachable yet (the VPN still coming up) leaves ``data_dir`` untouched; it tries
    ``attempts`` times ``retry_seconds`` apart (default about 30 minutes) before failing.
    When the slot exists already (a rebuilt standby or an earlier partial attempt),
    it clones reusing it. Settings naming the primary's files (``ssl_ca_file`` ...) are
    dropped from the cloned ``postgresql.auto.conf``.
    """
    base = (
        f'runuser -u postgres -- {shlex.quote(bin_dir + "/pg_basebackup")} -D "$NEW" '
        f'-d "$CONNINFO" -R -X stream --checkpoint=fast -S {shlex.quote(slot)}'
    )
    return "\n".join(
        [
            "#!/bin/bash",
            "# crossnet PostgresStandby: clone the primary (rendered)",
            "set -euo pipefail",
            f"DATA={shlex.quote(data_dir)}",
            'NEW="$DATA.crossnet-clone"',
            f"CONNINFO={shlex.quote(conninfo)}",
            f"ATTEMPTS={int(attempts)}",
            f"RETRY_SECONDS={int(retry_seconds)}",
            'if [ -f "$DATA/standby.signal" ]; then echo "crossnet: $DATA is a standby already"; exit 0; fi',
            'fresh() { rm -rf "$NEW"; install -d -o postgres -g postgres -m 0700 "$NEW"; }',
            "clone_once() {",
            "  fresh",
            f"  if {base} -C; then return 0; fi",
            '  echo "crossnet: clone failed (primary unreachable, or the slot exists); '
            'trying the existing slot" >&2',
            "  fresh",
            f"  {base}",
            "}",
            "attempt=1",
            "until clone_once; do",
            '  if [ "$attempt" -ge "$ATTEMPTS" ]; then',
            '    rm -rf "$NEW"',
            '    echo "crossnet: no clone of the primary after $ATTEMPTS attempts; $DATA is unchanged" >&2',
            "    exit 1",
            "  fi",
            '  echo "crossnet: clone attempt $attempt/$ATTEMPTS failed; retrying in ${RETRY_SECONDS}s" >&2',
            "  attempt=$((attempt + 1))",
            '  sleep "$RETRY_SECONDS"',
            "done",
            "# the primary's file paths (ssl_ca_file, ...) mean nothing here: the standby's config decides",
            f"runuser -u postgres -- sed -i -E '/^[[:space:]]*{HOST_FILE_SETTINGS}[[:space:]]*=/d' "
            '"$NEW/postgresql.auto.conf"',
            'rm -rf "$DATA"',
            'mv "$NEW" "$DATA"',
            'echo "crossnet: cloned the primary into $DATA"',
            "",
        ]
    )


def standby_startup_script(
    *,
    project: str,
    postgres_version: int,
    primary_ca_pem: str,
    client_cert_pem: str,
    client_key_secret: str,
    conninfo: str,
    slot: str,
    cert_dir: str = DEFAULT_CERT_DIR,
    clone_attempts: int = CLONE_ATTEMPTS,
    clone_retry_seconds: int = CLONE_RETRY_SECONDS,
) -> str:
    """The standby VM's startup script: PostgreSQL from the PGDG repository, keys from Secret Manager,
    the Debian cluster replaced by a clone of the primary, then started."""
    v = int(postgres_version)
    data_dir = f"/var/lib/postgresql/{v}/main"
    out = [
        "#!/bin/bash",
        "# crossnet PostgresStandby startup script (rendered)",
        "set -euo pipefail",
        "export DEBIAN_FRONTEND=noninteractive",
        f"if [ ! -x /usr/lib/postgresql/{v}/bin/postgres ]; then",
        "  apt-get update -q",
        "  apt-get install -y -q postgresql-common",
        "  /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y",
        f"  apt-get install -y -q postgresql-{v}",
        "fi",
        f"install -d -o postgres -g postgres -m 0700 {shlex.quote(cert_dir)}",
    ]
    out += heredoc(f"{cert_dir}/{PRIMARY_CA}", primary_ca_pem, "0644")
    out += heredoc(f"{cert_dir}/{CLIENT_CERT}", client_cert_pem, "0644")
    key = f"{cert_dir}/{CLIENT_KEY}"
    out += fetch_secret_function(project)
    out += [
        f"fetch_secret {shlex.quote(client_key_secret)} {shlex.quote(key)}",
        f"chown postgres:postgres {shlex.quote(cert_dir)}/*",
        f"chmod 0600 {shlex.quote(key)}",
        f"if [ ! -f {data_dir}/standby.signal ]; then",
        f"  pg_ctlcluster {v} main stop || true",
        "  cat > /usr/local/sbin/crossnet-standby-clone <<'CROSSNET_CLONE'",
        clone_script(
            conninfo=conninfo,
            slot=slot,
            data_dir=data_dir,
            bin_dir=f"/usr/lib/postgresql/{v}/bin",
            attempts=clone_attempts,
            retry_seconds=clone_retry_seconds,
        ).rstrip("\n"),
        "CROSSNET_CLONE",
        "  chmod 0700 /usr/local/sbin/crossnet-standby-clone",
        "  /usr/local/sbin/crossnet-standby-clone",
        "fi",
        f"pg_conftool {v} main set listen_addresses '*'",
        f"systemctl enable postgresql@{v}-main",
        f"systemctl restart postgresql@{v}-main",
        "",
    ]
    return "\n".join(out)
