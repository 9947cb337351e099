"""The rendered primary apply script and the promotion drill on real PostgreSQL 15 (unix sockets only)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.gcp.standby import drill, render
from tests.gcp.standby.base import onprem_ca_pem, self_signed_server
from tests.gcp.standby.pg import AVAILABLE, PG_BIN, Cluster, as_postgres, chown_tree, run

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not AVAILABLE, reason="needs root and postgresql-15"),
]

STANDBY_IP = "10.20.0.10"
LINE = f"hostssl replication replicator {STANDBY_IP}/32 cert"


@pytest.fixture
def primary() -> Iterator[Cluster]:
    root = Path(tempfile.mkdtemp(prefix="crossnet-primary-"))
    root.chmod(0o755)
    chown_tree(root)
    cluster = Cluster(root).init(cert=self_signed_server("primary.test"))
    try:
        yield cluster
    finally:
        cluster.ctl("stop", check=False)
        run(["rm", "-rf", str(root)])


def apply(cluster: Cluster, standby_ip: str = STANDBY_IP, **kwargs: str) -> str:
    script = render.primary_apply_script(
        user="replicator",
        standby_ip=standby_ip,
        client_ca_pem=onprem_ca_pem(),
        slot="crossnet_standby",
        **kwargs,
    )
    return run(["bash", "-s"], stdin=script, env=cluster.env()).stdout


def test_apply_only_raises_settings_and_keeps_logical_slots(primary: Cluster) -> None:
    """wal_level=logical, 20 logical slots, 30 senders/slots, unlimited WAL retention: nothing is lowered."""
    (primary.etc / "conf.d" / "tuned.conf").write_text(
        "wal_level = logical\nmax_replication_slots = 30\nmax_wal_senders = 30\n"
    )
    primary.ctl("start")
    for i in range(20):
        primary.sql(f"SELECT pg_create_logical_replication_slot('logical_{i}', 'test_decoding')")
    out = ""
    for _ in range(2):
        out = apply(primary)
    assert "restart PostgreSQL" not in out, out
    primary.ctl("restart")  # a restart after the script must still come up with every slot
    assert primary.sql("SHOW wal_level") == "logical"
    assert primary.sql("SHOW max_replication_slots") == "30"
    assert primary.sql("SHOW max_wal_senders") == "30"
    assert primary.sql("SHOW max_slot_wal_keep_size") == "-1"  # not asked: unchanged
    assert primary.sql("SELECT count(*) FROM pg_replication_slots WHERE slot_type = 'logical'") == "20"


def test_apply_raises_low_settings_and_sets_wal_keep_only_when_asked(primary: Cluster) -> None:
    (primary.etc / "conf.d" / "low.conf").write_text("wal_level = minimal\nmax_wal_senders = 0\n")
    primary.ctl("start")
    out = apply(primary, max_slot_wal_keep_size="20GB")
    assert "restart PostgreSQL" in out
    primary.ctl("restart")
    assert primary.sql("SHOW wal_level") == "replica"
    assert primary.sql("SHOW max_wal_senders") == "10"
    assert primary.sql("SHOW max_slot_wal_keep_size") == "20GB"


def test_hba_line_goes_before_an_earlier_replication_rule(primary: Cluster) -> None:
    hba = primary.etc / "pg_hba.conf"
    hba.write_text(
        hba.read_text()
        + "host replication all 10.20.0.0/24 reject\nhostssl replication all 0.0.0.0/0 scram-sha-256\n"
    )
    primary.ctl("start")
    apply(primary)
    rules = primary.sql(
        "SELECT type || ' ' || address || ' ' || auth_method FROM pg_hba_file_rules "
        "WHERE 'replication' = ANY(database) ORDER BY line_number"
    ).splitlines()
    assert rules[0] == f"hostssl {STANDBY_IP} cert", rules
    assert primary.sql("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL") == "0"
    apply(primary)  # idempotent
    assert hba.read_text().count(LINE) == 1


def test_a_changed_standby_ip_replaces_its_line(primary: Cluster) -> None:
    primary.ctl("start")
    apply(primary)
    apply(primary, standby_ip="10.20.0.11")
    text = (primary.etc / "pg_hba.conf").read_text()
    assert LINE not in text
    assert text.count("hostssl replication replicator 10.20.0.11/32 cert") == 1


@pytest.fixture
def pair() -> Iterator[tuple[Cluster, Cluster]]:
    """A primary and a streaming standby on unix sockets (no TCP at all)."""
    root = Path(tempfile.mkdtemp(prefix="crossnet-pair-"))
    root.chmod(0o755)
    chown_tree(root)
    primary = Cluster(root / "primary", port=5432).init()
    standby = Cluster(root / "standby", port=5433)
    try:
        primary.ctl("start")
        for d in (standby.root, standby.etc, standby.etc / "conf.d", standby.sock):
            d.mkdir(parents=True, exist_ok=True)
            chown_tree(d)
        run(
            as_postgres(
                f"{PG_BIN}/pg_basebackup",
                "-h",
                str(primary.sock),
                "-p",
                "5432",
                "-D",
                str(standby.data),
                "-R",
                "-X",
                "stream",
                "-C",
                "-S",
                "crossnet_standby",
                "--checkpoint=fast",
            )
        )
        shutil.copy(primary.etc / "pg_hba.conf", standby.etc / "pg_hba.conf")
        shutil.copy(primary.etc / "pg_ident.conf", standby.etc / "pg_ident.conf")
        for name in ("pg_hba.conf", "pg_ident.conf"):
            chown_tree(standby.etc / name)
        (standby.etc / "postgresql.conf").write_text("")
        standby.write_conf(extra_conf="wal_receiver_timeout = '2s'\nwal_retrieve_retry_interval = '500ms'\n")
        standby.ctl("start")
        yield primary, standby
    finally:
        standby.ctl("stop", check=False)
        primary.ctl("stop", check=False)
        run(["rm", "-rf", str(root)])


def _drill(standby: Cluster, *flags: str) -> tuple[int, str]:
    def on_standby(script: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-s"],
            input=script,
            capture_output=True,
            text=True,
            env={**os.environ, **standby.env()},
            timeout=120,
        )

    out = io.StringIO()
    code = drill.main(
        ["--project", "p", "--zone", "z", "--instance", "s", "--wait", "5", *flags],
        runner=on_standby,
        out=out,
    )
    return code, out.getvalue()


def test_drill_refuses_a_planned_promotion_without_the_primary_then_forces_it(
    pair: tuple[Cluster, Cluster],
) -> None:
    primary, standby = pair
    primary.sql("CREATE TABLE t (v text); INSERT INTO t VALUES ('replicated')")
    primary.ctl("stop")  # the primary is gone
    code, text = _drill(standby)
    assert code == 2 and "refused" in text and "--forced" in text, text
    assert standby.sql("SELECT pg_is_in_recovery()") == "t"  # nothing changed
    code, text = _drill(standby, "--forced")
    assert code == 0, text
    assert "mode=forced" in text and "Next:" in text
    assert standby.sql("SELECT pg_is_in_recovery()") == "f"
    assert standby.sql("SELECT v FROM t") == "replicated"


def test_metrics_script_reports_streaming_and_lag_of_a_real_standby(pair: tuple[Cluster, Cluster]) -> None:
    """The rendered metrics script against a streaming standby; curl stands in for the metadata
    server and the Monitoring API (it records what would be posted)."""
    _, standby = pair
    fake = standby.root / "fake-bin"
    fake.mkdir()
    posted = standby.root / "posted.json"
    curl = fake / "curl"
    curl.write_text(
        "#!/bin/bash\nurl=${*: -1}\ncase $url in\n"
        '  */token) echo \'{"access_token":"tok","expires_in":3599}\' ;;\n'
        "  */instance/id) echo 1234567890 ;;\n"
        "  */instance/zone) echo projects/42/zones/europe-west1-b ;;\n"
        '  */timeSeries) while [ $# -gt 1 ]; do [ "$1" = --data ] && printf %s "$2" > '
        f"{posted}; shift; done ;;\n"
        "  *) exit 22 ;;\nesac\n"
    )
    curl.chmod(0o755)
    env = standby.env()
    env["PATH"] = f"{fake}:{env['PATH']}"
    script = render.metrics_script(project="p-12345", standby="geo-standby")
    result = subprocess.run(
        ["bash", "-s"], input=script, capture_output=True, text=True, env={**os.environ, **env}
    )
    assert result.returncode == 0, result.stderr
    series = {s["metric"]["type"].rsplit("/", 1)[1]: s for s in json.loads(posted.read_text())["timeSeries"]}
    assert set(series) == {"streaming", "replay_lag_seconds", "unreplayed_bytes"}
    assert series["streaming"]["points"][0]["value"]["doubleValue"] == 1
    assert series["replay_lag_seconds"]["points"][0]["value"]["doubleValue"] >= 0
    resource = series["streaming"]["resource"]
    assert resource == {
        "type": "gce_instance",
        "labels": {"project_id": "p-12345", "instance_id": "1234567890", "zone": "europe-west1-b"},
    }
    assert series["streaming"]["metric"]["labels"] == {"standby": "geo-standby"}
