"""Pure renderers for the PostgreSQL standby and what the on-premises primary applies.

The component renders with these; the tests run Debian's PostgreSQL on the same
text: the primary apply script on a tuned primary, the standby's boot and clone
scripts, the promotion drill and the metrics script.
"""

from __future__ import annotations

import shlex

from ..vpn.render import SYNC_SCRIPT, fetch_secret_function, heredoc

DEFAULT_CERT_DIR = "/var/lib/postgresql/crossnet"
PRIMARY_CA = "primary-ca.crt"
CLIENT_CERT = "replication.crt"
CLIENT_KEY = "replication.key"
CLIENT_CA_FILE = "crossnet-replication-ca.crt"
PRIMARY_CONF = "crossnet-replication.conf"
# Settings naming files on the primary's host: dropped from the cloned postgresql.auto.conf.
HOST_FILE_SETTINGS = r"ssl_[a-z_]+_(file|dir)"


# The primary's settings for a slot-based TLS streaming standby: raised to these, never lowered.
MIN_WAL_SENDERS = 10
MIN_REPLICATION_SLOTS = 10


def hba_tag(slot: str) -> str:
    """The comment ending this standby's pg_hba line on the primary: finds it again when its IP changes."""
    return f"# crossnet-standby {slot}"


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
    *, user: str, standby_ip: str, primary_host: str, slot: str, max_slot_wal_keep_size: str | None = None
) -> str:
    """What the on-prem primary must apply, as text for its DBA."""
    keep = (
        [f"max_slot_wal_keep_size = '{max_slot_wal_keep_size}'"]
        if max_slot_wal_keep_size
        else ["# max_slot_wal_keep_size: unchanged (the slot keeps WAL until the standby has it)"]
    )
    lines = [
        "# crossnet PostgresStandby: apply on the on-premises primary",
        "# postgresql.conf (or ALTER SYSTEM): raise to at least these, never lower; a restart applies them",
        "wal_level = 'replica'  # or logical",
        f"max_wal_senders = {MIN_WAL_SENDERS}  # at least",
        f"max_replication_slots = {MIN_REPLICATION_SLOTS}  # at least",
        *keep,
        "ssl = on",
        f"# ssl_cert_file/ssl_key_file: a server certificate for {primary_host}",
        f"# ssl_ca_file: must include the CA that issued the {user} client certificate",
        "# pg_hba.conf: before any other replication line (the first matching line wins)",
        f"{pg_hba_line(user, standby_ip)}  {hba_tag(slot)}",
        "# SQL",
        f"CREATE ROLE {user} WITH LOGIN REPLICATION;",
        "# the replication slot is created by the standby (pg_basebackup -C); WAL it retains:",
        # slot is validated (lowercase letters, digits, underscores)
        "# SELECT pg_size_pretty(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)) "  # noqa: S608
        f"FROM pg_replication_slots WHERE slot_name = '{slot}';",
    ]
    return "\n".join(lines) + "\n"


def _raise_settings_sql(max_slot_wal_keep_size: str | None) -> list[str]:
    """psql input that raises the replication settings and never lowers one.

    A value counts as what the server runs or what its files will apply after a
    restart (``pg_file_settings``), whichever is higher; ``logical`` counts as at
    least ``replica``. ALTER SYSTEM cannot run inside a function, hence ``\\gexec``.
    """
    sql = [
        "WITH want(name, value) AS (VALUES "
        f"('max_wal_senders', {MIN_WAL_SENDERS}), ('max_replication_slots', {MIN_REPLICATION_SLOTS})),",
        "configured AS (SELECT DISTINCT ON (name) name, setting FROM pg_file_settings "
        "WHERE error IS NULL ORDER BY name, seqno DESC)",
        "SELECT format('ALTER SYSTEM SET %I = %s', w.name, w.value) FROM want w "
        "JOIN pg_settings s USING (name) LEFT JOIN configured c USING (name)",
        "WHERE greatest(s.setting::int, coalesce(c.setting::int, 0)) < w.value \\gexec",
        "SELECT 'ALTER SYSTEM SET wal_level = replica' FROM pg_settings s "
        "LEFT JOIN (SELECT DISTINCT ON (name) name, setting FROM pg_file_settings "
        "WHERE error IS NULL ORDER BY name, seqno DESC) c USING (name)",
        "WHERE s.name = 'wal_level' AND s.setting = 'minimal' "
        "AND coalesce(c.setting, 'minimal') = 'minimal' \\gexec",
    ]
    if max_slot_wal_keep_size:
        sql.append(f"ALTER SYSTEM SET max_slot_wal_keep_size = '{max_slot_wal_keep_size}';")
    return sql


def _hba_lines(user: str, standby_ip: str, slot: str) -> list[str]:
    """Shell lines placing this standby's line before the first replication line of ``$hba``.

    An earlier line of this standby (another IP) is replaced. The result is checked with
    ``pg_hba_file_rules`` before the reload; on an error the previous file is restored.
    """
    tag = hba_tag(slot)
    line = f"{pg_hba_line(user, standby_ip)}  {tag}"
    verify_first = "SELECT min(line_number) FROM pg_hba_file_rules WHERE 'replication' = ANY(database)"
    # user and standby_ip are validated (a role name, an IPv4 address)
    verify_ours = (
        "SELECT line_number FROM pg_hba_file_rules WHERE type = 'hostssl' "  # noqa: S608
        f"AND database = ARRAY['replication'] AND user_name = ARRAY['{user}'] "
        f"AND address = '{standby_ip}' AND netmask = '255.255.255.255' AND auth_method = 'cert'"
    )
    return [
        f"line={shlex.quote(line)}",
        f"tag={shlex.quote(tag)}",
        'if ! grep -qxF "$line" "$hba" || [ "$(grep -cF "$tag" "$hba")" != 1 ]; then',
        '  cp -p "$hba" "$hba.crossnet-previous"',
        '  tmp=$(mktemp "$hba.XXXXXX")',
        "  # drop this standby's earlier line; insert ours before the first replication rule",
        "  # (the first matching line wins)",
        '  awk -v line="$line" -v tag="$tag" \'',
        "    substr($0, length($0) - length(tag) + 1) == tag { next }",
        "    !done && $0 !~ /^[[:space:]]*(#|$)/ && $2 ~ /(^|,)replication(,|$)/ { print line; done = 1 }",
        "    { print }",
        "    END { if (!done) print line }",
        '  \' "$hba" > "$tmp"',
        '  chown --reference="$hba" "$tmp"',
        '  chmod --reference="$hba" "$tmp"',
        '  mv "$tmp" "$hba"',
        "fi",
        "errors=$(psql_pg -c 'SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL')",
        f'first=$(psql_pg -c "{verify_first}")',
        f'ours=$(psql_pg -c "{verify_ours}")',
        'if [ "$errors" != 0 ] || [ -z "$ours" ] || [ "$first" != "$ours" ]; then',
        '  [ ! -f "$hba.crossnet-previous" ] || cp -p "$hba.crossnet-previous" "$hba"',
        '  echo "crossnet: pg_hba.conf check failed (errors: $errors, first replication line: $first, '
        'ours: ${ours:-none}); $hba restored" >&2',
        "  exit 1",
        "fi",
    ]


def primary_apply_script(
    *,
    user: str,
    standby_ip: str,
    client_ca_pem: str,
    slot: str,
    max_slot_wal_keep_size: str | None = None,
) -> str:
    """Applies ``primary_settings`` on the primary, idempotently; run as root on the primary's host.

    Settings are only ever raised (``wal_level``, ``max_wal_senders``, ``max_replication_slots``);
    ``max_slot_wal_keep_size`` is set only when given. The ``pg_hba.conf`` line goes before
    the first replication line and replaces this standby's earlier line.

    Without an ``ssl_ca_file`` it sets one next to ``pg_hba.conf``, in
    ``conf.d/crossnet-replication.conf`` when ``postgresql.conf`` includes ``conf.d``
    (Debian) or else appended to ``postgresql.conf``: never with ALTER SYSTEM, whose
    ``postgresql.auto.conf`` the standby inherits.

    psql connects as the ``postgres`` OS user; ``PGHOST``/``PGPORT`` in the
    environment pick the cluster (default: the local socket). A second run
    changes nothing. Settings that need a restart are reported, not restarted.
    """
    sql = [
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{user}') THEN "
        f"CREATE ROLE {user} WITH LOGIN REPLICATION; END IF; END $$;",
        f"ALTER ROLE {user} WITH LOGIN REPLICATION;",
        *_raise_settings_sql(max_slot_wal_keep_size),
    ]
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
        *_hba_lines(user, standby_ip, slot),
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


def primary_remove_script(*, slot: str) -> str:
    """Undoes the pg_hba line of ``primary_apply_script`` (run when the standby is removed); the role,
    the raised settings and the slot stay (drop the slot by hand once the standby is gone)."""
    return "\n".join(
        [
            "#!/bin/bash",
            "# crossnet PostgresStandby: remove this standby's pg_hba line from the primary (rendered)",
            "set -euo pipefail",
            'psql_pg() { runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }',
            "hba=$(psql_pg -c 'SHOW hba_file')",
            f"tag={shlex.quote(hba_tag(slot))}",
            'if grep -qF "$tag" "$hba"; then',
            '  tmp=$(mktemp "$hba.XXXXXX")',
            '  awk -v tag="$tag" \'substr($0, length($0) - length(tag) + 1) != tag\' "$hba" > "$tmp"',
            '  chown --reference="$hba" "$tmp"',
            '  chmod --reference="$hba" "$tmp"',
            '  mv "$tmp" "$hba"',
            "  psql_pg -c 'SELECT pg_reload_conf()' >/dev/null",
            "fi",
            f'echo "crossnet: standby line removed; drop its slot when it is gone: SELECT '
            f"pg_drop_replication_slot('{slot}')\"",
            "",
        ]
    )


CLONE_ATTEMPTS = 60
CLONE_RETRY_SECONDS = 30
# IAM bindings can take about 7 minutes to apply: the key read retries for 10.
SECRET_ATTEMPTS = 60
SECRET_RETRY_SECONDS = 10

# The data disk (its own persistent disk, kept when the VM is replaced) and what lives on it.
DATA_DEVICE = "crossnet-data"
DATA_ROOT = "/var/lib/crossnet-pg"
CLONE_MARKER = "crossnet-cloned"
STANDBY_CONF = "crossnet-standby.conf"
UNIT = "crossnet-standby.service"
SETUP = "/usr/local/sbin/crossnet-standby-setup"
BOOT = "/usr/local/sbin/crossnet-standby-boot"
CLONE = "/usr/local/sbin/crossnet-standby-clone"
APP_HBA_TAG = "# crossnet-standby application"
# What a standby must run with at least the primary's value of, and pg_controldata's label for each.
CONTROLDATA_SETTINGS = (
    ("max_connections", "max_connections"),
    ("max_worker_processes", "max_worker_processes"),
    ("max_wal_senders", "max_wal_senders"),
    ("max_prepared_transactions", "max_prepared_xacts"),
    ("max_locks_per_transaction", "max_locks_per_xact"),
)


def data_dir(postgres_version: int) -> str:
    return f"{DATA_ROOT}/{int(postgres_version)}/main"


def clone_marker(data: str) -> str:
    """Written next to the data directory after the first complete clone; while it exists, no clone runs.

    Promotion removes ``standby.signal`` but not this, so a promoted standby is never cloned over.
    """
    return f"{data.rstrip('/').rsplit('/', 1)[0]}/{CLONE_MARKER}"


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

    Runs only on a VM whose data disk never completed a clone (:func:`clone_marker`),
    never after one: a promoted standby keeps its data. Clones into
    ``<data_dir>.crossnet-clone`` and replaces ``data_dir`` only after a complete clone, so
    a primary that is not reachable yet (the VPN still coming up) leaves ``data_dir``
    untouched; it tries ``attempts`` times ``retry_seconds`` apart (default about 30
    minutes) before failing. When the slot exists already (a rebuilt standby or an earlier
    partial attempt), it clones reusing it. Settings naming the primary's files
    (``ssl_ca_file`` ...) are dropped from the cloned ``postgresql.auto.conf``.
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
            f"MARKER={shlex.quote(clone_marker(data_dir))}",
            'NEW="$DATA.crossnet-clone"',
            f"CONNINFO={shlex.quote(conninfo)}",
            f"ATTEMPTS={int(attempts)}",
            f"RETRY_SECONDS={int(retry_seconds)}",
            'if [ -f "$MARKER" ]; then',
            '  echo "crossnet: $DATA was cloned before ($MARKER): not cloning again"',
            "  exit 0",
            "fi",
            'install -d -o postgres -g postgres -m 0700 "$(dirname "$DATA")"',
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
            "sync",
            'date -u +%FT%TZ > "$MARKER"',
            'echo "crossnet: cloned the primary into $DATA"',
            "",
        ]
    )


def boot_script(
    *,
    data_dir: str,
    bin_dir: str,
    conf_dir: str,
    clone_command: str,
    stop_command: str,
    start_command: str,
    allowed_cidrs: list[str] | tuple[str, ...],
    legacy_data_dir: str | None = None,
) -> str:
    """Every boot: clone on the first boot only, then configure and (re)start the cluster.

    ``legacy_data_dir`` is where crossnet 0.1.0 cloned (the boot disk): a clone there that was
    promoted (``primary_conninfo`` from ``pg_basebackup -R`` but no ``standby.signal``) stops
    the boot before any clone, so the promoted database is never silently replaced by a new
    clone of the old primary.

    ``conf_dir`` is the Debian cluster's configuration directory (``postgresql.conf`` with
    ``include_dir = 'conf.d'``, ``pg_hba.conf``). Its ``data_directory`` points at the data
    disk; ``conf.d/crossnet-standby.conf`` carries at least the primary's values of the
    settings a standby may not run below (read from ``pg_controldata`` of the data), and
    ``pg_hba.conf`` admits the application over TLS from ``allowed_cidrs`` (used once the
    standby is promoted; it serves read-only queries before).
    """
    conf = f"{conf_dir}/conf.d/{STANDBY_CONF}"
    out = [
        "#!/bin/bash",
        "# crossnet PostgresStandby: boot work (rendered)",
        "set -euo pipefail",
        f"DATA={shlex.quote(data_dir)}",
        f"MARKER={shlex.quote(clone_marker(data_dir))}",
        f"CONF_DIR={shlex.quote(conf_dir)}",
        'if [ ! -f "$MARKER" ]; then',
        *(
            [
                f"  legacy={shlex.quote(legacy_data_dir)}",
                '  if grep -qs primary_conninfo "$legacy/postgresql.auto.conf" '
                '&& [ ! -f "$legacy/standby.signal" ]; then',
                '    echo "crossnet: $legacy holds a promoted standby (crossnet 0.1.0): not cloning over it;'
                ' copy it to $DATA and date -u +%FT%TZ > $MARKER, or move it away to clone again" >&2',
                "    exit 1",
                "  fi",
            ]
            if legacy_data_dir
            else []
        ),
        f"  {stop_command} || true",
        f"  {clone_command}",
        "else",
        '  echo "crossnet: $DATA holds this standby\'s data (cloned $(cat "$MARKER")): starting it"',
        "fi",
        'if [ ! -f "$DATA/PG_VERSION" ]; then',
        '  echo "crossnet: $MARKER exists but $DATA holds no cluster: restore the data disk, or remove'
        ' $MARKER to clone the primary again" >&2',
        "  exit 1",
        "fi",
        f'controldata=$(runuser -u postgres -- {shlex.quote(bin_dir + "/pg_controldata")} "$DATA")',
        'primary_value() { printf \'%s\\n\' "$controldata" | sed -n "s/^$1 setting:[[:space:]]*//p"; }',
        "tmp=$(mktemp)",
        "{",
        "  echo '# crossnet PostgresStandby (rendered; rewritten every boot)'",
        '  printf "data_directory = \'%s\'\\n" "$DATA"',
        "  echo \"listen_addresses = '*'\"",
        "  # a standby refuses to start below the primary's values of these",
    ]
    for setting, label in CONTROLDATA_SETTINGS:
        out += [
            f"  value=$(primary_value {label})",
            f'  if [ -n "$value" ]; then echo "{setting} = $value"; fi',
        ]
    out += [
        "}" + ' > "$tmp"',
        f'install -o postgres -g postgres -m 0644 "$tmp" {shlex.quote(conf)}',
        'rm -f "$tmp"',
        "# pg_ctlcluster reads data_directory from postgresql.conf itself, not from conf.d",
        "sed -i -E \"s|^[#[:space:]]*data_directory[[:space:]]*=.*|data_directory = '$DATA'|\" "
        '"$CONF_DIR/postgresql.conf"',
        'hba="$CONF_DIR/pg_hba.conf"',
        f"sed -i '/{APP_HBA_TAG}$/d' \"$hba\"",
    ]
    for net in allowed_cidrs:
        out.append(f"echo 'hostssl all all {net} scram-sha-256  {APP_HBA_TAG}' >> \"$hba\"")
    out += [
        f"{stop_command} || true",
        start_command,
        'echo "crossnet: PostgreSQL started on $DATA"',
        "",
    ]
    return "\n".join(out)


SYNC = "/usr/local/sbin/crossnet-standby-sync"
SYNC_UNIT = "crossnet-standby-sync.service"


def _sync_unit() -> str:
    return "\n".join(
        [
            "[Unit]",
            "Description=crossnet PostgresStandby: apply configuration changes from instance metadata",
            "After=network-online.target",
            "",
            "[Service]",
            f"ExecStart={SYNC}",
            "Restart=always",
            "RestartSec=10",
            "",
            "[Install]",
            "WantedBy=multi-user.target",
        ]
    )


def _unit() -> str:
    return "\n".join(
        [
            "[Unit]",
            "Description=crossnet PostgresStandby: install, clone once, configure and start PostgreSQL",
            "Wants=network-online.target",
            "After=network-online.target",
            "StartLimitIntervalSec=0",
            "",
            "[Service]",
            "Type=oneshot",
            "RemainAfterExit=yes",
            f"ExecStart={SETUP}",
            "Restart=on-failure",
            "RestartSec=30",
            "TimeoutStartSec=infinity",
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
    allowed_cidrs: list[str] | tuple[str, ...],
    standby: str = "standby",
    cert_dir: str = DEFAULT_CERT_DIR,
    clone_attempts: int = CLONE_ATTEMPTS,
    clone_retry_seconds: int = CLONE_RETRY_SECONDS,
) -> str:
    """The standby VM's startup script: writes the boot work and a systemd unit that runs it
    (again every 30 s until it succeeds), then starts the unit and returns. A watcher installed
    first re-runs this script when the instance's metadata changes.

    The work: PostgreSQL from the PGDG repository, the data disk mounted, keys from
    Secret Manager, the primary cloned onto the data disk on the first boot only, then
    PostgreSQL configured and started.
    """
    v = int(postgres_version)
    data = data_dir(v)
    bin_dir = f"/usr/lib/postgresql/{v}/bin"
    key = f"{cert_dir}/{CLIENT_KEY}"
    device = f"/dev/disk/by-id/google-{DATA_DEVICE}"
    setup = [
        "#!/bin/bash",
        "# crossnet PostgresStandby: setup, run by crossnet-standby.service (rendered)",
        "set -euo pipefail",
        "export DEBIAN_FRONTEND=noninteractive",
        f"if [ ! -x {bin_dir}/postgres ]; then",
        "  apt-get update -q",
        "  apt-get install -y -q postgresql-common",
        "  /usr/share/postgresql-common/pgdg/apt.postgresql.org.sh -y",
        f"  apt-get install -y -q postgresql-{v}",
        "fi",
        "# the data disk: formatted only when blank, mounted by UUID",
        f"for _ in $(seq 1 60); do [ -b {device} ] && break; sleep 2; done",
        f"if ! blkid {device} >/dev/null; then mkfs.ext4 -q -m 0 -L {DATA_DEVICE} {device}; fi",
        f"uuid=$(blkid -s UUID -o value {device})",
        f"install -d -m 0755 {DATA_ROOT}",
        f'grep -q "$uuid" /etc/fstab || echo "UUID=$uuid {DATA_ROOT} ext4 defaults,nofail 0 2" >> /etc/fstab',
        f"mountpoint -q {DATA_ROOT} || mount {DATA_ROOT}",
        f"chown postgres:postgres {DATA_ROOT}",
        f"install -d -o postgres -g postgres -m 0700 {shlex.quote(cert_dir)}",
    ]
    setup += heredoc(f"{cert_dir}/{PRIMARY_CA}", primary_ca_pem, "0644")
    setup += heredoc(f"{cert_dir}/{CLIENT_CERT}", client_cert_pem, "0644")
    setup += fetch_secret_function(project, attempts=SECRET_ATTEMPTS, delay=SECRET_RETRY_SECONDS)
    setup += [
        f"fetch_secret {shlex.quote(client_key_secret)} {shlex.quote(key)}",
        f"chown postgres:postgres {shlex.quote(cert_dir)}/*",
        f"chmod 0600 {shlex.quote(key)}",
        f"exec {BOOT}",
    ]
    clone = clone_script(
        conninfo=conninfo,
        slot=slot,
        data_dir=data,
        bin_dir=bin_dir,
        attempts=clone_attempts,
        retry_seconds=clone_retry_seconds,
    )
    boot = boot_script(
        data_dir=data,
        bin_dir=bin_dir,
        conf_dir=f"/etc/postgresql/{v}/main",
        clone_command=CLONE,
        stop_command=f"systemctl stop postgresql@{v}-main",
        start_command=f"systemctl enable postgresql@{v}-main && systemctl restart postgresql@{v}-main",
        allowed_cidrs=allowed_cidrs,
        legacy_data_dir=f"/var/lib/postgresql/{v}/main",
    )
    out = [
        "#!/bin/bash",
        "# crossnet PostgresStandby startup script (rendered): installs the boot work as a unit, starts it",
        "set -euo pipefail",
    ]
    # the units first: from here on, a failure is retried by systemd, not left until the next boot,
    # and a metadata change (allowed_cidrs, certificates) re-runs this script without a reboot
    out += heredoc(f"/etc/systemd/system/{UNIT}", _unit(), "0644", "CROSSNET_UNIT")
    out += heredoc(SYNC, SYNC_SCRIPT, "0755", "CROSSNET_SYNC")
    out += heredoc(f"/etc/systemd/system/{SYNC_UNIT}", _sync_unit(), "0644", "CROSSNET_SYNC_UNIT")
    out += ["systemctl daemon-reload", f"systemctl enable --now {SYNC_UNIT}"]
    out += heredoc(CLONE, clone, "0700", "CROSSNET_CLONE")
    out += heredoc(BOOT, boot, "0700", "CROSSNET_BOOT")
    out += heredoc(SETUP, "\n".join(setup), "0700", "CROSSNET_SETUP")
    service, timer = _metrics_units()
    out += heredoc(
        METRICS_SCRIPT, metrics_script(project=project, standby=standby), "0700", "CROSSNET_METRICS"
    )
    out += heredoc(f"/etc/systemd/system/{METRICS_UNIT}.service", service, "0644", "CROSSNET_METRICS_UNIT")
    out += heredoc(f"/etc/systemd/system/{METRICS_UNIT}.timer", timer, "0644", "CROSSNET_METRICS_TIMER")
    out += [
        "systemctl daemon-reload",
        f"systemctl enable --now {METRICS_UNIT}.timer",
        f"systemctl restart --no-block {UNIT}",
        "",
    ]
    return "\n".join(out)


DRILL_WAIT_SECONDS = 60


def promote_script(*, forced: bool, wait_seconds: int = DRILL_WAIT_SECONDS) -> str:
    """The promotion drill, run as root on the standby (``PGHOST``/``PGPORT`` pick the cluster).

    1. ``state``: must be a standby; the WAL receiver's status and slot, bytes received but
       not replayed, and the age of the last replayed transaction.
    2. ``caught-up`` (planned only): waits up to ``wait_seconds`` until everything the primary
       reported is replayed (stop the application's writes first); refuses (exit 2) when the
       standby is not streaming or does not catch up. ``forced`` skips this: the primary is gone
       and what it had not sent is lost.
    3. ``promote``: ``pg_promote`` (waits for the end of recovery).
    4. ``write``: a transaction that needs a transaction id commits (a temporary table).

    Each step prints ``crossnet-drill step=<name> seconds=<s> <detail>``. A second run on a
    promoted standby reports it and changes nothing.
    """
    mode = "forced" if forced else "planned"
    return "\n".join(
        [
            "#!/bin/bash",
            f"# crossnet PostgresStandby: promotion drill ({mode}) (rendered)",
            "set -euo pipefail",
            'psql_pg() { runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 -d postgres "$@"; }',
            "now() { date +%s.%N; }",
            'step() { awk -v a="$2" -v b="$(now)" -v n="$1" -v d="$3" '
            "'BEGIN { printf \"crossnet-drill step=%s seconds=%.2f %s\\n\", n, b - a, d }'; }",
            "t0=$(now)",
            "if [ \"$(psql_pg -c 'SELECT pg_is_in_recovery()')\" != t ]; then",
            '  step state "$t0" "already-primary: not in recovery; nothing to promote"',
            "  exit 0",
            "fi",
            "state=$(psql_pg -F \" \" -c \"SELECT coalesce(r.status, 'stopped'), coalesce(r.slot_name, '-'), "
            "coalesce(pg_wal_lsn_diff(r.latest_end_lsn, pg_last_wal_replay_lsn())::bigint, -1), "
            "coalesce(round(extract(epoch FROM now() - pg_last_xact_replay_timestamp()))::bigint, -1) "
            'FROM (SELECT 1) x LEFT JOIN pg_stat_wal_receiver r ON true")',
            'read -r status slot behind age <<< "$state"',
            'step state "$t0" "receiver=$status slot=$slot unreplayed_bytes=$behind '
            'last_replayed_age_s=$age"',
            *(
                []
                if forced
                else [
                    "t1=$(now)",
                    'if [ "$status" != streaming ]; then',
                    '  step caught-up "$t1" "refused: the standby is not streaming ($status); '
                    'promote with --forced if the primary is gone"',
                    "  exit 2",
                    "fi",
                    "caught_up=",
                    f"for _ in $(seq 1 {int(wait_seconds) * 2}); do",
                    '  behind=$(psql_pg -c "SELECT pg_wal_lsn_diff(latest_end_lsn, pg_last_wal_replay_lsn())'
                    '::bigint FROM pg_stat_wal_receiver")',
                    '  if [ -n "$behind" ] && [ "$behind" -le 0 ]; then caught_up=1; break; fi',
                    "  sleep 0.5",
                    "done",
                    'if [ -z "$caught_up" ]; then',
                    '  step caught-up "$t1" "refused: ${behind:-?} bytes not replayed after '
                    f'{int(wait_seconds)}s; stop writes on the primary, or use --forced"',
                    "  exit 2",
                    "fi",
                    'step caught-up "$t1" "replayed everything the primary reported"',
                ]
            ),
            "t2=$(now)",
            "if [ \"$(psql_pg -c 'SELECT pg_promote(true, 60)')\" != t ]; then",
            '  step promote "$t2" "failed: pg_promote did not finish in 60s"',
            "  exit 1",
            "fi",
            "timeline=$(psql_pg -c 'SELECT timeline_id FROM pg_control_checkpoint()')",
            'step promote "$t2" "promoted: timeline $timeline"',
            "t3=$(now)",
            "xid=$(psql_pg <<'CROSSNET_SQL'",
            "BEGIN;",
            "CREATE TEMP TABLE crossnet_drill (at timestamptz) ON COMMIT DROP;",
            "INSERT INTO crossnet_drill VALUES (now());",
            "SELECT txid_current();",
            "COMMIT;",
            "CROSSNET_SQL",
            ")",
            'step write "$t3" "accepted a write (transaction $xid)"',
            'step total "$t0" "mode=' + mode + '"',
            "",
        ]
    )


METRIC_PREFIX = "custom.googleapis.com/crossnet/standby/"
# (metric, SQL), each a gauge written every minute by crossnet-standby-metrics.timer
METRICS = (
    (
        "streaming",
        "SELECT CASE WHEN EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming') "
        "THEN 1 ELSE 0 END",
    ),
    (
        "replay_lag_seconds",
        "SELECT CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
        "THEN 0 ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END",
    ),
    (
        "unreplayed_bytes",
        "SELECT coalesce((SELECT pg_wal_lsn_diff(latest_end_lsn, pg_last_wal_replay_lsn()) "
        "FROM pg_stat_wal_receiver), 0)",
    ),
)
METRICS_SCRIPT = "/usr/local/sbin/crossnet-standby-metrics"
METRICS_UNIT = "crossnet-standby-metrics"


def metrics_script(*, project: str, standby: str, api: str = "https://monitoring.googleapis.com") -> str:
    """Writes the standby's replication gauges (``METRICS``) to Cloud Monitoring as custom metrics
    of its ``gce_instance``, with the VM's own service account (token from the metadata server).

    ``streaming`` (1/0) stands for the WAL the primary's slot retains: while the standby does
    not stream, the primary keeps WAL for it (the primary_settings text has the query that
    measures it there).
    """
    md = "http://metadata.google.internal/computeMetadata/v1"
    lines = [
        "#!/bin/bash",
        "# crossnet PostgresStandby: replication metrics to Cloud Monitoring (rendered)",
        "set -euo pipefail",
        'psql_pg() { runuser -u postgres -- psql -X -q -A -t -v ON_ERROR_STOP=1 -d postgres "$@"; }',
        f'md() {{ curl -sf -H "Metadata-Flavor: Google" "{md}/$1"; }}',
        "token=$(md instance/service-accounts/default/token "
        '| sed -E \'s/.*"access_token":"([^"]+)".*/\\1/\')',
        "instance_id=$(md instance/id)",
        "zone=$(md instance/zone); zone=${zone##*/}",
        "now=$(date -u +%Y-%m-%dT%H:%M:%SZ)",
        "series=",
    ]
    for metric, sql in METRICS:
        lines += [
            f'value=$(psql_pg -c "{sql}")',
            'series="${series:+$series,}$(printf \'{"metric":{"type":"%s","labels":{"standby":"%s"}},'
            '"resource":{"type":"gce_instance","labels":{"project_id":"%s","instance_id":"%s","zone":"%s"}},'
            '"points":[{"interval":{"endTime":"%s"},"value":{"doubleValue":%s}}]}\' '
            f'"{METRIC_PREFIX}{metric}" {shlex.quote(standby)} {shlex.quote(project)} '
            '"$instance_id" "$zone" "$now" "$value")"',
        ]
    lines += [
        'curl -sf -X POST -H "Authorization: Bearer $token" -H "Content-Type: application/json" '
        f'--data "{{\\"timeSeries\\":[$series]}}" "{api}/v3/projects/{project}/timeSeries" >/dev/null',
        "",
    ]
    return "\n".join(lines)


def _metrics_units() -> tuple[str, str]:
    service = "\n".join(
        [
            "[Unit]",
            "Description=crossnet PostgresStandby: replication metrics to Cloud Monitoring",
            "[Service]",
            "Type=oneshot",
            f"ExecStart={METRICS_SCRIPT}",
        ]
    )
    timer = "\n".join(
        [
            "[Unit]",
            "Description=crossnet PostgresStandby: replication metrics every minute",
            "[Timer]",
            "OnBootSec=2min",
            "OnUnitActiveSec=60s",
            "[Install]",
            "WantedBy=timers.target",
        ]
    )
    return service, timer
