"""Throwaway PostgreSQL clusters from Debian's packages, on a unix socket in a temp directory.

Used by the real-software tests of what the standby renders. Nothing listens on TCP
unless a test gives ``listen`` (inside a network namespace it created).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PG_VERSION = 15
PG_BIN = f"/usr/lib/postgresql/{PG_VERSION}/bin"
AVAILABLE = os.geteuid() == 0 and Path(PG_BIN, "postgres").exists()


def as_postgres(*cmd: str, ns: str | None = None) -> list[str]:
    prefix = ["ip", "netns", "exec", ns] if ns else []
    return [*prefix, "runuser", "-u", "postgres", "--", *cmd]


def run(
    cmd: Sequence[str], *, stdin: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
):
    result = subprocess.run(
        list(cmd),
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def chown_tree(path: Path) -> None:
    shutil.chown(path, "postgres", "postgres")


@dataclass
class Cluster:
    """A cluster laid out as Debian does: configuration in ``etc`` (with conf.d), data in ``data``."""

    root: Path
    ns: str | None = None
    port: int = 5432
    bin: str = PG_BIN
    """The server's binaries: Debian's PostgreSQL 15 unless a test brings another version."""
    client: str = PG_BIN
    """Where ``sql`` finds psql: Debian's (it talks to newer servers too)."""

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def sock(self) -> Path:
        return self.root / "sock"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def init(self, *, listen: str = "", extra_conf: str = "", cert: tuple[str, str] | None = None) -> Cluster:
        for d in (self.root, self.data, self.etc, self.etc / "conf.d", self.sock):
            d.mkdir(parents=True, exist_ok=True)
            chown_tree(d)
        run(as_postgres(f"{self.bin}/initdb", "-A", "peer", "-D", str(self.data), ns=self.ns))
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.move(self.data / name, self.etc / name)
        self.write_conf(listen=listen, extra_conf=extra_conf, cert=cert)
        return self

    def write_conf(
        self, *, listen: str = "", extra_conf: str = "", cert: tuple[str, str] | None = None
    ) -> None:
        conf = self.etc / "postgresql.conf"
        text = conf.read_text() if conf.exists() else ""
        text += (
            f"data_directory = '{self.data}'\nhba_file = '{self.etc}/pg_hba.conf'\n"
            f"ident_file = '{self.etc}/pg_ident.conf'\ninclude_dir = 'conf.d'\n"
            f"listen_addresses = '{listen}'\nunix_socket_directories = '{self.sock}'\nport = {self.port}\n"
        )
        if cert is not None:
            for name, body, mode in (("server.crt", cert[0], 0o644), ("server.key", cert[1], 0o600)):
                path = self.etc / name
                path.write_text(body)
                path.chmod(mode)
                chown_tree(path)
            text += (
                f"ssl = on\nssl_cert_file = '{self.etc}/server.crt'\nssl_key_file = '{self.etc}/server.key'\n"
            )
        text += extra_conf
        conf.write_text(text)
        chown_tree(conf)

    def ctl(self, action: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = as_postgres(
            f"{self.bin}/pg_ctl", "-D", str(self.etc), "-w", "-t", "30", "-l", str(self.log), ns=self.ns
        )
        if action in ("stop", "restart"):
            cmd += ["-m", "fast"]
        result = subprocess.run([*cmd, action], capture_output=True, text=True, timeout=90)
        if check and result.returncode != 0:
            tail = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise AssertionError(f"pg_ctl {action} failed:\n{result.stdout}\n{result.stderr}\n{tail}")
        return result

    def sql(self, query: str, database: str = "postgres") -> str:
        cmd = as_postgres(
            f"{self.client}/psql",
            "-X",
            "-qAt",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            str(self.sock),
            "-p",
            str(self.port),
            "-d",
            database,
            "-c",
            query,
            ns=self.ns,
        )
        return run(cmd).stdout.strip()

    def env(self) -> dict[str, str]:
        """What the rendered scripts need to find this cluster (PGHOST/PGPORT, and its binaries first)."""
        return {
            "PGHOST": str(self.sock),
            "PGPORT": str(self.port),
            "PATH": f"{self.bin}:{os.environ['PATH']}",
        }
