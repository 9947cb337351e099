"""OpenVPN 2.6 and PostgreSQL 15 from Debian, run on exactly what the components rendered:
the tunnel, TLS streaming replication through it, and the DR path (promotion drill, reboot).

Topology (network namespaces created here, addresses used only inside them):

    gcp (standby 10.20.0.10) -- gw (10.20.0.1 | WAN 172.31.255.1, OpenVPN server)
        -- site (WAN 172.31.255.2 | LAN 192.168.50.1, OpenVPN client) -- lan (primary 192.168.50.10)

The gateway and standby components run on the mock runtime (real PEMs); the
server config, client-config-dir files, client profiles, the on-prem
install/apply scripts, the standby's boot and clone scripts and the promotion drill
are their outputs. The namespace ``gw`` stands in for the GCP VM and ``gcp``'s default
route for the ``compute.Route``s to it.

The primary is one a DBA would really have: tuned above Debian's defaults, on
``wal_level=logical`` with 20 logical slots, and an earlier ``replication ... reject`` line
in its pg_hba.conf for the GCP subnet.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from components.gcp.standby import drill
from components.gcp.standby import render as pg_render
from components.gcp.vpn import render as vpn_render
from plan.runtime import MockRuntime

from .vpn.base import HOST_KEY

PG_BIN = "/usr/lib/postgresql/15/bin"
OPENVPN = shutil.which("openvpn") or "/usr/sbin/openvpn"
PRIMARY_HOST = "primary.onprem.test"
GW_WAN, SITE_WAN = "172.31.255.1", "172.31.255.2"
STANDBY_IP, PRIMARY_IP = "10.20.0.10", "192.168.50.10"
ALLOWED_CIDRS = ["10.99.0.0/24", "192.168.50.0/24"]
# The primary, tuned above Debian's defaults: a standby must run with at least these.
PRIMARY_TUNING = {
    "max_connections": "150",
    "max_worker_processes": "12",
    "max_locks_per_transaction": "128",
    "max_prepared_transactions": "5",
    "max_wal_senders": "15",
    "max_replication_slots": "30",
    "wal_level": "logical",
}
GATEWAY_ARGS: dict[str, Any] = {
    "project": "crossnet-test",
    "region": "europe-west1",
    "zone": "europe-west1-b",
    "network": "vpc",
    "subnetwork": "gcp-subnet",
    "gcp_cidrs": ["10.20.0.0/24"],
    "clients": {"site-a": ["192.168.50.0/24"], "laptop": [], "retired": []},
    "allowed_source_ranges": ["172.31.255.0/30"],
    "vpn_cidr": "10.99.0.0/24",
    "public_endpoint": GW_WAN,
    "onprem_ssh": {
        "host": "192.168.50.1",
        "user": "root",
        "private_key": "unused",
        "client": "site-a",
        "host_key": HOST_KEY,
    },
}

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.geteuid() != 0 or not Path(PG_BIN).exists() or not Path(OPENVPN).exists(),
        reason="needs root, openvpn and postgresql-15",
    ),
]


# -- the components' outputs ----------------------------------------------------------------------


def _onprem_ca() -> tuple[str, str, str]:
    """The on-prem PKI the primary already has: its own CA and a server certificate for PRIMARY_HOST."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "on-prem CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, PRIMARY_HOST)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(PRIMARY_HOST)]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return (
        ca.public_bytes(pem).decode(),
        cert.public_bytes(pem).decode(),
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode(),
    )


def _foreign_client(ca_pem: str, tls_crypt: str) -> str:
    """A profile for 'site-a' trusting the real CA, with the real tls-crypt key, whose own
    certificate comes from another CA: only the server's certificate check can refuse it."""
    _, cert_pem, key_pem = _onprem_ca()
    return vpn_render.client_profile(
        server_name="gw-server",
        remote=GW_WAN,
        ca_pem=ca_pem,
        cert_pem=cert_pem,
        key_pem=key_pem,
        tls_crypt_key=tls_crypt,
    )


def _render(clients: dict[str, list[str]], primary_ca: str) -> dict[str, Any]:
    from components import OpenVpnGateway, PostgresStandby

    with MockRuntime(config={"gcp:project": "crossnet-test"}) as rt:
        gw = OpenVpnGateway("gw", {**GATEWAY_ARGS, "clients": clients})  # type: ignore[typeddict-item]
        rt.settle()
        pg = PostgresStandby(
            "standby",
            {
                "project": "crossnet-test",
                "zone": "europe-west1-b",
                "subnetwork": "gcp-subnet",
                "network": "vpc",
                "primary_host": PRIMARY_HOST,
                "primary_address": PRIMARY_IP,
                "primary_ca_certificate": primary_ca,
                "allowed_cidrs": ALLOWED_CIDRS,
                "network_ip": STANDBY_IP,
                "primary_ssh": {
                    "host": PRIMARY_IP,
                    "user": "root",
                    "private_key": "unused",
                    "host_key": HOST_KEY,
                },
            },
        )
        rt.settle()
        versions = {
            r.name: r.inputs["secretData"]
            for r in rt.of_type("gcp:secretmanager/secretVersion:SecretVersion")
        }
        return {
            "server_config": rt.value(gw.server_config),
            "client_configs": rt.value(gw.client_configs),
            "profiles": rt.value(gw.client_profiles),
            "ca": rt.value(gw.ca_certificate),
            "server_cert": rt.one("tls:index/locallySignedCert:LocallySignedCert", "gw-server-cert").outputs[
                "certPem"
            ],
            "client_certs": {
                c: rt.one("tls:index/locallySignedCert:LocallySignedCert", f"gw-client-{c}-cert").outputs[
                    "certPem"
                ]
                for c in clients
            },
            "server_key": versions["gw-server-key-v"],
            "tls_crypt": versions["gw-tls-crypt-v"],
            "site_command": rt.one("command:remote:Command", "gw-onprem-site-a").inputs,
            "primary_command": rt.one("command:remote:Command", "standby-primary-settings").inputs,
            "conninfo": rt.value(pg.primary_conninfo),
            "settings": rt.value(pg.primary_settings),
            "client_cert": rt.value(pg.replication_client_certificate),
            "client_ca": rt.value(pg.client_ca_certificate),
            "client_key": versions["standby-replication-key-v"],
        }


@pytest.fixture(scope="module")
def rendered() -> dict[str, Any]:
    primary_ca, server_cert, server_key = _onprem_ca()
    current = _render({"site-a": ["192.168.50.0/24"], "laptop": []}, primary_ca)
    before = _render(GATEWAY_ARGS["clients"], primary_ca)
    return {
        **current,
        "retired_profile": before["profiles"]["retired"],
        "ca_before": before["ca"],
        "primary_ca": primary_ca,
        "primary_cert": server_cert,
        "primary_key": server_key,
    }


# -- namespaces and processes ------------------------------------------------------------------------


class Lab:
    def __init__(self, root: Path):
        self.suffix = uuid.uuid4().hex[:6]
        self.root = root
        self.namespaces: list[str] = []
        self.procs: list[tuple[str, subprocess.Popen[str] | Path]] = []

    def ns(self, role: str) -> str:
        return f"cxn-{role}-{self.suffix}"

    def sh(
        self,
        role: str,
        *cmd: str,
        check: bool = True,
        env: dict[str, str] | None = None,
        stdin: str | None = None,
        timeout: float = 30,
    ) -> subprocess.CompletedProcess[str]:
        full = ["ip", "netns", "exec", self.ns(role), *cmd]
        result = subprocess.run(
            full,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            input=stdin,
            timeout=timeout,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"{' '.join(full)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
            )
        return result

    def build(self) -> None:
        for role in ("gcp", "gw", "site", "lan"):
            subprocess.run(["ip", "netns", "add", self.ns(role)], check=True)
            self.namespaces.append(self.ns(role))
            self.sh(role, "ip", "link", "set", "lo", "up")
        links = [
            ("gcp", STANDBY_IP, "gw", "10.20.0.1", 24),
            ("gw", GW_WAN, "site", SITE_WAN, 30),
            ("site", "192.168.50.1", "lan", PRIMARY_IP, 24),
        ]
        for i, (a, ip_a, b, ip_b, prefix) in enumerate(links):
            va, vb = f"cx{i}a{self.suffix}", f"cx{i}b{self.suffix}"
            # Created inside namespace a, so the host's link table is never touched.
            self.sh(a, "ip", "link", "add", va, "type", "veth", "peer", "name", vb, "netns", self.ns(b))
            self.sh(a, "ip", "addr", "add", f"{ip_a}/{prefix}", "dev", va)
            self.sh(b, "ip", "addr", "add", f"{ip_b}/{prefix}", "dev", vb)
            self.sh(a, "ip", "link", "set", va, "up")
            self.sh(b, "ip", "link", "set", vb, "up")
        self.sh("gcp", "ip", "route", "add", "default", "via", "10.20.0.1")  # the compute.Routes
        self.sh("lan", "ip", "route", "add", "default", "via", "192.168.50.1")  # the site's LAN router
        self.sh("gw", "sysctl", "-qw", "net.ipv4.ip_forward=1")  # what the startup script sets

    def openvpn(self, role: str, config: Path, log: Path) -> Path:
        pid = log.with_suffix(".pid")
        self.sh(role, OPENVPN, "--config", str(config), "--daemon", "--log", str(log), "--writepid", str(pid))
        self.procs.append((role, pid))
        return pid

    def stop_pid(self, pid_file: Path) -> None:
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().strip())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)

    def pg_ctl(self, role: str, data: Path, action: str, log: Path | None = None) -> None:
        cmd = ["runuser", "-u", "postgres", "--", f"{PG_BIN}/pg_ctl", "-D", str(data), "-w", "-t", "20"]
        if log is not None:
            cmd += ["-l", str(log)]
        if action == "stop":
            cmd += ["-m", "immediate"]
        self.sh(role, *cmd, action, check=action != "stop")


def wait_for(check: Callable[[], bool], what: str, timeout: float = 15, logs: tuple[Path, ...] = ()) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if check():
            return time.monotonic() - start
        time.sleep(0.1)
    tails = "\n".join(f"--- {p}\n" + "\n".join(_read(p).splitlines()[-15:]) for p in logs)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tails}")


def write(path: Path, text: str, mode: int = 0o644, owner: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    if owner:
        shutil.chown(path, owner, owner)
    return path


def write_gateway_files(vpn_dir: Path, gateway: dict[str, Any]) -> None:
    """The key material, peer fingerprints and client configs the VM writes, under ``vpn_dir``
    (the config_dir); ``gateway`` is the outputs dict that ``_render`` (or test_vpn_integration's
    ``gateway`` fixture) builds."""
    write(vpn_dir / vpn_render.CA_CERT, gateway["ca"])
    write(vpn_dir / vpn_render.SERVER_CERT, gateway["server_cert"])
    write(vpn_dir / vpn_render.SERVER_KEY, gateway["server_key"], 0o600)
    write(vpn_dir / vpn_render.TLS_CRYPT_KEY, gateway["tls_crypt"], 0o600)
    write(vpn_dir / vpn_render.PEER_FINGERPRINTS, vpn_render.peer_fingerprints(gateway["client_certs"]))
    for client, text in gateway["client_configs"].items():
        write(vpn_dir / vpn_render.CCD_DIR / client, text)
    for d in (vpn_dir, vpn_dir / "pki", vpn_dir / "ccd"):
        d.chmod(0o755)


@pytest.fixture
def lab() -> Iterator[Lab]:
    root = Path(tempfile.mkdtemp(prefix="crossnet-vpn-"))
    root.chmod(0o755)
    shutil.chown(root, "postgres", "postgres")
    lab = Lab(root)
    lab.pg_dirs = []  # type: ignore[attr-defined]
    try:
        lab.build()
        yield lab
    finally:
        # standby, primary, VPN, then namespaces: deleting namespaces first hangs the primary
        for role, data in reversed(lab.pg_dirs):  # type: ignore[attr-defined]
            lab.pg_ctl(role, data, "stop")
        for _, pid in reversed(lab.procs):
            if isinstance(pid, Path):
                lab.stop_pid(pid)
            elif pid.poll() is None:
                os.killpg(pid.pid, signal.SIGKILL)
                pid.wait()
        for name in lab.namespaces:
            subprocess.run(["ip", "netns", "del", name], check=False)
        shutil.rmtree(root, ignore_errors=True)


# -- the test ---------------------------------------------------------------------------------------


def psql(lab: Lab, role: str, sock: Path, sql: str, port: str = "5432") -> str:
    out = lab.sh(
        role,
        "runuser",
        "-u",
        "postgres",
        "--",
        f"{PG_BIN}/psql",
        "-X",
        "-qAt",
        "-h",
        str(sock),
        "-p",
        port,
        "-d",
        "postgres",
        "-c",
        sql,
    )
    return out.stdout.strip()


def test_tunnel_and_tls_replication_from_rendered_configs(lab: Lab, rendered: dict[str, Any]) -> None:
    started = time.monotonic()
    root = lab.root
    # -- gateway: the exact server.conf, with the key material at the documented config_dir
    vpn_dir = root / "gw"
    server_conf = vpn_render.server_conf(
        vpn_cidr="10.99.0.0/24",
        gcp_cidrs=["10.20.0.0/24"],
        clients={"site-a": ["192.168.50.0/24"], "laptop": []},
        config_dir=str(vpn_dir),
        status_path=str(root / "status.log"),
    )
    assert server_conf == rendered["server_config"].replace(
        vpn_render.DEFAULT_CONFIG_DIR, str(vpn_dir)
    ).replace(vpn_render.DEFAULT_STATUS_PATH, str(root / "status.log"))
    write_gateway_files(vpn_dir, rendered)
    server_log = root / "server.log"
    lab.openvpn("gw", write(vpn_dir / "server.conf", server_conf), server_log)

    # -- on-prem site gateway: the install script the remote.Command runs, with a namespace start command
    site_cmd = rendered["site_command"]
    assert site_cmd["create"] == "bash -s"
    profile = rendered["profiles"]["site-a"]
    assert vpn_render.site_install_script(client_name="site-a", profile=profile) == site_cmd["stdin"]
    client_dir, client_log = root / "site", root / "client.log"
    start = f'{OPENVPN} --config "$CONF" --daemon --log {client_log} --writepid {root / "client.pid"}'
    lab.sh(
        "site",
        "bash",
        "-s",
        stdin=vpn_render.site_install_script(
            client_name="site-a", profile=profile, config_dir=str(client_dir), start_command=start
        ),
    )
    lab.procs.append(("site", root / "client.pid"))
    wait_for(lambda: "Initialization Sequence Completed" in _read(client_log), "the tunnel")
    wait_for(lambda: "site-a" in _read(root / "status.log"), "site-a in the server status file")

    # -- standby on the GCP side: files as the startup script writes them, a Debian-style cluster
    # configuration, and the rendered boot script (clone once, configure, start) started before the
    # primary exists: the clone retries until the primary is up, leaving the data directory alone
    certs = Path(pg_render.DEFAULT_CERT_DIR)
    conninfo = rendered["conninfo"]
    cert_dir = root / "standby-certs"
    conninfo_here = conninfo.replace(str(certs), str(cert_dir))
    write(cert_dir / pg_render.PRIMARY_CA, rendered["primary_ca"], 0o644, "postgres")
    write(cert_dir / pg_render.CLIENT_CERT, rendered["client_cert"], 0o644, "postgres")
    write(cert_dir / pg_render.CLIENT_KEY, rendered["client_key"], 0o600, "postgres")
    shutil.chown(cert_dir, "postgres", "postgres")
    assert conninfo_here == pg_render.conninfo(
        host=PRIMARY_HOST,
        hostaddr=PRIMARY_IP,
        port=5432,
        user="replicator",
        application_name="crossnet_standby",
        cert_dir=str(cert_dir),
    )
    data_root, sock_s, standby_etc = root / "standby-disk", root / "sock-standby", root / "standby-etc"
    for d in (data_root, sock_s, standby_etc, standby_etc / "conf.d"):
        d.mkdir()
        shutil.chown(d, "postgres", "postgres")
    standby = data_root / "15" / "main"
    primary_etc = root / "primary-etc"
    # The standby's own Debian-style configuration (Debian's defaults: max_connections 100, ...),
    # TLS on with its own certificate; include_dir last, as Debian's postgresql.conf has it.
    _, standby_cert, standby_key = _onprem_ca()
    write(standby_etc / "server.crt", standby_cert, 0o644, "postgres")
    write(standby_etc / "server.key", standby_key, 0o600, "postgres")
    write(standby_etc / "pg_hba.conf", "local all postgres peer\n", 0o644, "postgres")
    write(
        standby_etc / "postgresql.conf",
        "data_directory = '/var/lib/postgresql/15/main'\n"
        f"hba_file = '{standby_etc}/pg_hba.conf'\nunix_socket_directories = '{sock_s}'\n"
        f"ssl = on\nssl_cert_file = '{standby_etc}/server.crt'\nssl_key_file = '{standby_etc}/server.key'\n"
        "wal_receiver_timeout = '3s'\nwal_retrieve_retry_interval = '500ms'\ninclude_dir = 'conf.d'\n",
        0o644,
        "postgres",
    )
    clone_sh = write(
        root / "clone.sh",
        pg_render.clone_script(
            conninfo=conninfo_here,
            slot="crossnet_standby",
            data_dir=str(standby),
            bin_dir=PG_BIN,
            attempts=60,
            retry_seconds=1,
        ),
    )
    # pg_ctl stands in for systemctl; the primary's configuration directory is hidden from the
    # standby (as on the GCP VM), so a setting naming one of its files would stop the standby
    ctl = f"runuser -u postgres -- {PG_BIN}/pg_ctl -D {standby_etc} -w -t 30 -l {root / 'standby.log'}"
    boot_sh = write(
        root / "boot.sh",
        pg_render.boot_script(
            data_dir=str(standby),
            bin_dir=PG_BIN,
            conf_dir=str(standby_etc),
            clone_command=f"bash {clone_sh}",
            stop_command=f"{ctl} -m fast stop",
            start_command=f"mount -t tmpfs crossnet-hide {primary_etc} && {ctl} start",
            allowed_cidrs=ALLOWED_CIDRS,
        ),
    )
    lab.pg_dirs.append(("gcp", standby_etc))  # type: ignore[attr-defined]
    boot = subprocess.Popen(
        ["ip", "netns", "exec", lab.ns("gcp"), "bash", str(boot_sh)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    lab.procs.append(("gcp", boot))
    wait_for(lambda: (standby.parent / "main.crossnet-clone").exists(), "the first clone attempt")
    assert boot.poll() is None  # still retrying
    assert not standby.exists()  # nothing in place before a successful clone

    # -- primary on the on-prem LAN: an existing TLS-enabled cluster laid out as Debian does
    # (configuration in its own directory with conf.d, data elsewhere), tuned above the defaults,
    # with 20 logical slots and an earlier reject rule for the GCP subnet; then the rendered apply script
    primary, sock_p = root / "primary", root / "sock-primary"
    for d in (primary, primary_etc, primary_etc / "conf.d", sock_p):
        d.mkdir()
        shutil.chown(d, "postgres", "postgres")
    lab.sh("lan", "runuser", "-u", "postgres", "--", f"{PG_BIN}/initdb", "-A", "peer", "-D", str(primary))
    for conf_name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
        shutil.move(primary / conf_name, primary_etc / conf_name)
    write(primary_etc / "server.crt", rendered["primary_cert"], 0o644, "postgres")
    write(primary_etc / "server.key", rendered["primary_key"], 0o600, "postgres")
    with (primary_etc / "pg_hba.conf").open("a") as hba:
        hba.write("host replication all 10.20.0.0/24 reject\n")
    with (primary_etc / "postgresql.conf").open("a") as conf:
        conf.write(
            f"data_directory = '{primary}'\nhba_file = '{primary_etc}/pg_hba.conf'\n"
            f"ident_file = '{primary_etc}/pg_ident.conf'\ninclude_dir = 'conf.d'\n"
            f"listen_addresses = '{PRIMARY_IP}'\nunix_socket_directories = '{sock_p}'\n"
            f"ssl = on\nssl_cert_file = '{primary_etc}/server.crt'\n"
            f"ssl_key_file = '{primary_etc}/server.key'\n"
            + "".join(f"{k} = {v}\n" for k, v in PRIMARY_TUNING.items())
        )
    lab.pg_dirs.append(("lan", primary))  # type: ignore[attr-defined]
    lab.pg_ctl("lan", primary_etc, "start", root / "primary.log")
    for i in range(20):
        psql(lab, "lan", sock_p, f"SELECT pg_create_logical_replication_slot('logical_{i}', 'test_decoding')")
    apply_script = rendered["primary_command"]["stdin"]
    out = ""
    for _ in range(2):  # idempotent: the second run changes nothing
        out = lab.sh("lan", "bash", "-s", stdin=apply_script, env={"PGHOST": str(sock_p)}).stdout
    assert "restart PostgreSQL" not in out  # nothing lowered, nothing to raise: no restart needed
    for key, value in PRIMARY_TUNING.items():
        assert psql(lab, "lan", sock_p, f"SHOW {key}") == value, key
    assert (
        psql(lab, "lan", sock_p, "SELECT count(*) FROM pg_replication_slots WHERE slot_type = 'logical'")
        == "20"
    )
    line = f"hostssl replication replicator {STANDBY_IP}/32 cert"
    hba_text = (primary_etc / "pg_hba.conf").read_text()
    assert hba_text.count(line) == 1
    assert hba_text.index(line) < hba_text.index("host replication all 10.20.0.0/24 reject")
    ca_path = primary_etc / pg_render.CLIENT_CA_FILE
    assert (primary_etc / "conf.d" / pg_render.PRIMARY_CONF).read_text() == f"ssl_ca_file = '{ca_path}'\n"
    assert psql(lab, "lan", sock_p, "SHOW ssl_ca_file") == str(ca_path)
    assert rendered["client_ca"].strip() in ca_path.read_text()  # the standby's own CA, not the VPN's
    assert rendered["ca"].strip() not in ca_path.read_text()
    assert "ssl_ca_file" not in (primary / "postgresql.auto.conf").read_text()
    assert line in rendered["settings"]
    psql(
        lab, "lan", sock_p, "CREATE TABLE t (id int primary key, v text); INSERT INTO t VALUES (1, 'before')"
    )

    boot_out, boot_err = boot.communicate(timeout=90)
    assert boot.returncode == 0, boot_out + boot_err
    assert "clone attempt 1/60 failed; retrying in 1s" in boot_err
    assert (standby / "standby.signal").exists() and Path(pg_render.clone_marker(str(standby))).exists()
    assert not (standby.parent / "main.crossnet-clone").exists()
    assert "ssl_ca_file" not in (standby / "postgresql.auto.conf").read_text()
    assert psql(lab, "gcp", sock_s, "SHOW ssl") == "on"
    # a primary tuned above the defaults: the standby runs with at least its values
    for key in ("max_connections", "max_worker_processes", "max_locks_per_transaction"):
        assert psql(lab, "gcp", sock_s, f"SHOW {key}") == PRIMARY_TUNING[key], key
    assert psql(lab, "gcp", sock_s, "SHOW max_prepared_transactions") == "5"

    psql(lab, "lan", sock_p, "INSERT INTO t VALUES (2, 'after')")
    wait_for(
        lambda: psql(lab, "gcp", sock_s, "SELECT v FROM t WHERE id = 2") == "after", "row on the standby"
    )
    row = psql(
        lab,
        "lan",
        sock_p,
        "SELECT r.client_addr, s.ssl, r.application_name FROM pg_stat_replication r "
        "JOIN pg_stat_ssl s USING (pid)",
    )
    assert row == f"{STANDBY_IP}|t|crossnet_standby"  # the standby's own address: no NAT, and TLS
    assert (
        psql(
            lab, "lan", sock_p, "SELECT active FROM pg_replication_slots WHERE slot_name = 'crossnet_standby'"
        )
        == "t"
    )

    # -- a client certificate from another CA is refused (tls-crypt passes, the certificate does not)
    foreign = write(root / "foreign.conf", _foreign_client(rendered["ca"], rendered["tls_crypt"]), 0o600)
    lab.sh(
        "site",
        OPENVPN,
        "--config",
        str(foreign),
        "--daemon",
        "--log",
        str(root / "foreign.log"),
        "--writepid",
        str(root / "foreign.pid"),
        "--dev",
        "tun9",
    )
    lab.procs.append(("site", root / "foreign.pid"))
    wait_for(
        lambda: "certificate verify failed" in _read(server_log) or "VERIFY ERROR" in _read(server_log),
        "the server to refuse the foreign certificate",
        logs=(server_log, root / "foreign.log"),
    )
    lab.stop_pid(root / "foreign.pid")

    # -- a client removed from `clients` is refused although the same CA signed it
    assert rendered["ca_before"] == rendered["ca"]
    retired = write(root / "retired.conf", rendered["retired_profile"], 0o600)
    lab.sh(
        "site",
        OPENVPN,
        "--config",
        str(retired),
        "--daemon",
        "--log",
        str(root / "retired.log"),
        "--writepid",
        str(root / "retired.pid"),
        "--dev",
        "tun8",
    )
    lab.procs.append(("site", root / "retired.pid"))
    wait_for(
        lambda: (
            "client-config-dir authentication failed for common name 'retired'" in _read(server_log)
            or "certificate hash verification failed" in _read(server_log)
            or "VERIFY ERROR: depth=0" in _read(server_log)
        ),
        "the server to refuse the removed client",
        logs=(server_log, root / "retired.log"),
    )
    lab.stop_pid(root / "retired.pid")
    assert "retired" not in _read(root / "status.log")

    # -- replication resumes after the site's VPN client restarts
    lab.stop_pid(root / "client.pid")
    psql(lab, "lan", sock_p, "INSERT INTO t VALUES (3, 'during outage')")
    client_log.write_text("")
    lab.sh(
        "site",
        OPENVPN,
        "--config",
        str(client_dir / "site-a.conf"),
        "--daemon",
        "--log",
        str(client_log),
        "--writepid",
        str(root / "client.pid"),
    )
    wait_for(lambda: "Initialization Sequence Completed" in _read(client_log), "the tunnel again")
    wait_for(lambda: psql(lab, "gcp", sock_s, "SELECT count(*) FROM t") == "3", "replication to resume", 20)

    # -- the promotion drill, planned: the standby has replayed everything, is promoted, takes a write
    def on_standby(script: str) -> subprocess.CompletedProcess[str]:
        return lab.sh(
            "gcp", "bash", "-s", stdin=script, env={"PGHOST": str(sock_s)}, check=False, timeout=120
        )

    drill_args = [
        "--project",
        "p",
        "--zone",
        "z",
        "--instance",
        "standby",
        "--wait",
        "20",
        "--target",
        STANDBY_IP,
    ]
    report = io.StringIO()
    assert drill.main(drill_args, runner=on_standby, out=report) == 0, report.getvalue()
    text = report.getvalue()
    steps = [line.split()[0] for line in text.splitlines() if line and not line.startswith(" ")]
    assert steps[:5] == ["state", "caught-up", "promote", "write", "total"], text
    assert "receiver=streaming slot=crossnet_standby" in text and "pg_rewind" in text
    assert psql(lab, "gcp", sock_s, "SELECT pg_is_in_recovery()") == "f"
    psql(lab, "gcp", sock_s, "INSERT INTO t VALUES (10, 'written on the promoted standby')")
    again = io.StringIO()
    assert drill.main(drill_args, runner=on_standby, out=again) == 0
    assert "already-primary" in again.getvalue()

    # -- after promotion the application connects over TLS from an allowed CIDR (the on-prem LAN,
    # through the tunnel), with a password
    psql(lab, "gcp", sock_s, "CREATE ROLE app LOGIN PASSWORD 'app-secret'")
    app = lab.sh(
        "lan",
        f"{PG_BIN}/psql",
        "-X",
        "-qAt",
        f"hostaddr={STANDBY_IP} user=app dbname=postgres sslmode=require connect_timeout=5",
        "-c",
        "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
        env={"PGPASSWORD": "app-secret"},
    )
    assert app.stdout.strip() == "t"

    # -- reboot of the promoted standby: the unit runs the boot script again; no clone (the old
    # primary is still reachable), the promoted data kept, PostgreSQL running as a primary
    lab.sh("gcp", "sh", "-c", f"{ctl} -m fast stop")
    rebooted = lab.sh("gcp", "bash", str(boot_sh), timeout=60)
    assert "not cloning" not in rebooted.stdout and "cloned the primary" not in rebooted.stdout
    assert "holds this standby's data" in rebooted.stdout
    assert psql(lab, "gcp", sock_s, "SELECT v FROM t WHERE id = 10") == "written on the promoted standby"
    assert psql(lab, "gcp", sock_s, "SELECT pg_is_in_recovery()") == "f"
    assert psql(lab, "gcp", sock_s, "SHOW max_connections") == PRIMARY_TUNING["max_connections"]

    # -- no deprecation warnings for the rendered configs
    for log in (server_log, client_log):
        text = _read(log)
        assert "DEPRECATED" not in text.upper(), text
        assert "WARNING" not in text, text
    assert time.monotonic() - started < 120


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""
