"""What the standby renders, run with stand-in binaries where the real ones need a VM."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from shutil import which

import pytest

from components.gcp.standby import render
from components.gcp.vpn import render as vpn_render
from tests.gcp.standby.base import onprem_ca_pem

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0 or which("runuser") is None, reason="needs root and runuser")


def standby_script(**over: object) -> str:
    values: dict[str, object] = {
        "project": "p-12345",
        "postgres_version": 16,
        "primary_ca_pem": onprem_ca_pem(),
        "client_cert_pem": onprem_ca_pem(),
        "client_key_secret": "k",
        "conninfo": "host=a sslmode=verify-full",
        "slot": "s",
        "allowed_cidrs": ["10.8.0.0/24"],
    }
    return render.standby_startup_script(**{**values, **over})  # type: ignore[arg-type]


def _stub(path: Path, body: str) -> None:
    path.write_text("#!/bin/bash\nset -eu\n" + body)
    path.chmod(0o755)


@pytest.fixture
def tmp_path() -> Iterator[Path]:
    """A temp directory the postgres user can traverse (pytest's own is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="crossnet-render-"))
    path.chmod(0o777)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _sandbox(tmp_path: Path) -> tuple[Path, Path]:
    """A bin dir whose pg_basebackup counts its calls and writes a minimal standby data directory."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _stub(
        bin_dir / "pg_basebackup",
        'echo call >> "$CROSSNET_TEST_COUNT"\nD=$2\necho 15 > "$D/PG_VERSION"\ntouch "$D/standby.signal"\n'
        ': > "$D/postgresql.auto.conf"\n',
    )
    count = tmp_path / "count"
    count.touch()
    count.chmod(0o666)
    data = tmp_path / "pg" / "15" / "main"
    data.mkdir(parents=True)
    (data / "debian-cluster").touch()
    return bin_dir, data


def _run(script: str, count: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "CROSSNET_TEST_COUNT": str(count)},
        timeout=60,
    )


@ROOT_ONLY
def test_clone_never_runs_again_after_a_completed_clone(tmp_path: Path) -> None:
    """Promotion removes standby.signal; a reboot must not clone the old primary over the promoted data."""
    bin_dir, data = _sandbox(tmp_path)
    count = tmp_path / "count"
    script = render.clone_script(conninfo="host=a", slot="s", data_dir=str(data), bin_dir=str(bin_dir))
    first = _run(script, count)
    assert first.returncode == 0, first.stderr
    assert (data / "standby.signal").exists() and not (data / "debian-cluster").exists()
    # promotion: standby.signal goes away, the data directory now holds the new primary's writes
    (data / "standby.signal").unlink()
    (data / "promoted-writes").write_text("keep me")
    again = _run(script, count)
    assert again.returncode == 0, again.stderr
    assert count.read_text().count("call") == 1, "cloned again after a completed clone"
    assert (data / "promoted-writes").read_text() == "keep me"
    assert Path(render.clone_marker(str(data))).exists()


@ROOT_ONLY
def test_boot_sets_at_least_the_primarys_values_from_controldata(tmp_path: Path) -> None:
    """A primary tuned above Debian's defaults: the standby starts with at least its values."""
    bin_dir, data = _sandbox(tmp_path)
    _stub(
        bin_dir / "pg_controldata",
        "cat <<'OUT'\npg_control version number:            1300\n"
        "wal_level setting:                    replica\n"
        "max_connections setting:              500\nmax_worker_processes setting:         16\n"
        "max_wal_senders setting:              20\nmax_prepared_xacts setting:           7\n"
        "max_locks_per_xact setting:           256\nOUT\n",
    )
    etc = tmp_path / "etc"
    (etc / "conf.d").mkdir(parents=True)
    (etc / "postgresql.conf").write_text(
        "data_directory = '/var/lib/postgresql/15/main'\ninclude_dir = 'conf.d'\n"
    )
    (etc / "pg_hba.conf").write_text("local all postgres peer\n")
    log = tmp_path / "actions"
    marker = render.clone_marker(str(data))
    boot = render.boot_script(
        data_dir=str(data),
        bin_dir=str(bin_dir),
        conf_dir=str(etc),
        clone_command=f"echo clone >> {log}; echo 15 > {data}/PG_VERSION; touch {marker}",
        stop_command=f"echo stop >> {log}",
        start_command=f"echo start >> {log}",
        allowed_cidrs=["10.8.0.0/24", "192.168.50.0/24"],
    )
    for _ in range(2):
        run = _run(boot, tmp_path / "count")
        assert run.returncode == 0, run.stderr
    conf = (etc / "conf.d" / render.STANDBY_CONF).read_text()
    for line in (
        "max_connections = 500",
        "max_worker_processes = 16",
        "max_wal_senders = 20",
        "max_prepared_transactions = 7",
        "max_locks_per_transaction = 256",
        f"data_directory = '{data}'",
    ):
        assert line in conf, conf
    assert f"data_directory = '{data}'" in (etc / "postgresql.conf").read_text()
    # clone once (the first boot), start every boot
    actions = log.read_text().split()
    assert actions.count("clone") == 1 and actions.count("start") == 2, actions
    hba = (etc / "pg_hba.conf").read_text()
    assert hba.count("hostssl all all 10.8.0.0/24 scram-sha-256") == 1
    assert hba.count("hostssl all all 192.168.50.0/24 scram-sha-256") == 1


def test_boot_work_runs_as_a_unit_that_restarts_on_failure() -> None:
    script = standby_script()
    unit = re.search(r"<<'CROSSNET_UNIT'\n(.*?)\nCROSSNET_UNIT", script, re.S)
    assert unit, "no systemd unit in the startup script"
    text = unit.group(1)
    assert "Restart=on-failure" in text and "StartLimitIntervalSec=0" in text
    # the unit and its scripts are written before any work that can fail; the script ends by starting it
    before_unit = script[: unit.start()]
    assert "apt-get" not in before_unit and "gcloud" not in before_unit and "pg_basebackup" not in before_unit
    # the metadata watcher comes next, also before any work
    watcher = script.index(f"systemctl enable --now {render.SYNC_UNIT}")
    assert (
        watcher < script.index("<<'CROSSNET_CLONE'") and "google_metadata_script_runner" in script[:watcher]
    )
    assert script.rstrip().splitlines()[-1] == f"systemctl restart --no-block {render.UNIT}"


def test_secret_reads_outlast_iam_propagation() -> None:
    """IAM bindings can take about 7 minutes: the key read retries for at least 10."""
    assert render.SECRET_ATTEMPTS * render.SECRET_RETRY_SECONDS >= 600
    fn = "\n".join(
        vpn_render.fetch_secret_function(
            "p-12345", attempts=render.SECRET_ATTEMPTS, delay=render.SECRET_RETRY_SECONDS
        )
    )
    assert fn in standby_script()


@pytest.mark.skipif(which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_unit_passes_systemd_analyze(tmp_path: Path) -> None:
    unit = re.search(r"<<'CROSSNET_UNIT'\n(.*?)\nCROSSNET_UNIT", standby_script(), re.S)
    assert unit
    path = tmp_path / render.UNIT
    path.write_text(unit.group(1).replace("/usr/local/sbin/crossnet-standby-setup", "/bin/true") + "\n")
    result = subprocess.run(["systemd-analyze", "verify", str(path)], capture_output=True, text=True)
    assert "crossnet" not in result.stderr, result.stderr


@pytest.mark.skipif(which("shellcheck") is None, reason="shellcheck not installed")
def test_rendered_scripts_pass_shellcheck() -> None:
    scripts = [
        render.primary_apply_script(
            user="replicator", standby_ip="10.0.0.2", client_ca_pem=onprem_ca_pem(), slot="s"
        ),
        render.primary_remove_script(slot="s"),
        standby_script(),
        render.boot_script(
            data_dir="/d/15/main",
            bin_dir="/b",
            conf_dir="/etc/pg",
            clone_command="/c",
            stop_command="true",
            start_command="true",
            allowed_cidrs=["10.8.0.0/24"],
        ),
        render.clone_script(conninfo="host=a", slot="s", data_dir="/d", bin_dir="/b"),
    ]
    for script in scripts:
        result = subprocess.run(
            ["shellcheck", "-s", "bash", "-"], input=script, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout


def test_clone_retries_and_replaces_data_only_after_success() -> None:
    script = render.clone_script(conninfo="host=a", slot="s", data_dir="/d", bin_dir="/b")
    assert "ATTEMPTS=60" in script and "RETRY_SECONDS=30" in script  # about 30 minutes
    assert (
        script.index("until clone_once") < script.index('rm -rf "$DATA"') < script.index('mv "$NEW" "$DATA"')
    )
    startup = standby_script(clone_attempts=3, clone_retry_seconds=2)
    assert "ATTEMPTS=3\n" in startup and "RETRY_SECONDS=2\n" in startup


@ROOT_ONLY
def test_a_standby_promoted_under_0_1_0_is_never_cloned_over(tmp_path: Path) -> None:
    """0.1.0 cloned onto the boot disk; after an upgrade the data disk is blank. A promoted
    0.1.0 standby there stops the boot instead of being replaced by a clone of the old primary."""
    bin_dir, data = _sandbox(tmp_path)
    legacy = tmp_path / "legacy" / "15" / "main"
    legacy.mkdir(parents=True)
    (legacy / "postgresql.auto.conf").write_text("primary_conninfo = 'host=old'\n")
    log = tmp_path / "actions"
    boot = render.boot_script(
        data_dir=str(data),
        bin_dir=str(bin_dir),
        conf_dir=str(tmp_path / "etc"),
        clone_command=f"echo clone >> {log}",
        stop_command=f"echo stop >> {log}",
        start_command=f"echo start >> {log}",
        allowed_cidrs=["10.8.0.0/24"],
        legacy_data_dir=str(legacy),
    )
    refused = _run(boot, tmp_path / "count")
    assert refused.returncode != 0 and "promoted standby (crossnet 0.1.0)" in refused.stderr
    assert not log.exists()
    (legacy / "standby.signal").touch()  # a 0.1.0 standby that was never promoted: cloning again is fine
    again = _run(boot, tmp_path / "count")
    assert "clone" in log.read_text(), again.stderr
