"""Run what KafkaPrivateLinkCluster renders on Apache Kafka itself, inside network namespaces.

The pieces, each built from a mock run of the component (nothing about the cluster is typed again):

- :func:`record` runs the component on the mock runtime and keeps, per broker, its recorded private
  IP, subnet and cloud-init user data; the NLB port map (listener -> target group -> attachments);
  the ``remote.Command`` scripts of the existing-broker path; and every resource's inputs, for plan
  diffs (:func:`plan_diff`).
- :class:`Network` builds the VPC as namespaces: one "vpc" namespace routes between the subnets
  (a bridge per recorded subnet CIDR, with the subnet's first address as gateway) and runs haproxy
  as the NLB, bound on the endpoint address; one namespace per broker holds the broker's recorded
  private IP; one "client" namespace resolves every advertised name to the endpoint, as the
  consumer's private DNS zone does.
- :class:`Node` is one broker host. Commands run inside its namespace and in a private mount
  namespace where a per-broker directory is bind-mounted over the paths the rendering uses
  (``/opt/kafka``, ``/etc/kafka``, ``/var/lib/kafka``, ``/var/log/kafka``), and ``/etc/passwd`` /
  ``/etc/group`` gain a ``kafka`` user, so the rendered command lines run unchanged. Each host has
  its EC2 host name (``ip-10-0-32-11``) in its own UTS namespace, and every host resolves every
  broker's EC2 name, as the VPC's resolver does.
  ``/opt/kafka`` holds ``bin`` and ``libs`` from ``build/kafka/<version>`` (scripts/fetch-kafka.sh:
  Apache Kafka's jars from Maven Central, and shims of the tarball's scripts that run the same main
  classes). The broker runs under a small supervisor that plays systemd for the rendered unit
  (``Environment=``, ``ExecStart=`` as ``User=``); ``systemctl restart kafka`` and ``sudo`` on the
  host's PATH reach it, so the existing-broker script's default restart command works as written.

Deviations from a real broker host, on purpose: the JVM heap is 256 MB (the unit's 1 GB times four
brokers is too much for the test machine), package installation and the tarball download in
cloud-init are not run (the jars come from Maven Central instead), and haproxy stands in for the NLB.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components.aws.kafka import KafkaPrivateLinkCluster
from components.aws.kafka.args import DEFAULT_KAFKA_VERSION
from plan.runtime import MockRuntime
from tests.aws.kafka.graph import INSTANCE, SUBNET, Route, routes

REPO = Path(__file__).resolve().parents[3]
ENDPOINT = "10.255.0.1"  # the endpoint (NLB) address as the client sees it
CLIENT = "10.255.0.2"
KAFKA_UID = 64123  # the kafka user inside each broker's mount namespace
HEAP = "-Xms64m -Xmx256m"
REMOTE_COMMAND = "command:remote:Command"
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
# Paths the rendering writes to; bind-mounted per broker (created empty on the host if missing).
MOUNTS = {
    "opt-kafka": "/opt/kafka",
    "etc-kafka": "/etc/kafka",
    "var-lib-kafka": "/var/lib/kafka",
    "var-log-kafka": "/var/log/kafka",
}


# The Kafka the component deploys; CROSSNET_KAFKA_VERSION tries the rendering on another release.
VERSION = os.environ.get("CROSSNET_KAFKA_VERSION") or DEFAULT_KAFKA_VERSION


def kafka_home(version: str = VERSION) -> Path:
    return REPO / "build" / "kafka" / version


def missing() -> str | None:
    """Why Apache Kafka cannot run here, or None when everything is in place."""
    if os.geteuid() != 0:
        return "needs root (network and mount namespaces)"
    for tool in ("ip", "unshare", "setpriv", "runuser", "java"):
        if not shutil.which(tool):
            return f"needs {tool} on PATH"
    if not os.path.exists(HAPROXY):
        return "needs haproxy (make system-deps)"
    home = kafka_home()
    if not (home / ".complete").exists() or not (home / "bin" / "kafka-storage.sh").exists():
        return f"Apache Kafka {VERSION} is not in {home}: run `bash scripts/fetch-kafka.sh {VERSION}`"
    try:
        import confluent_kafka  # noqa: F401
    except ImportError:
        return "needs confluent-kafka in the virtualenv"
    return None


# --- the recorded component -------------------------------------------------------------------


@dataclass(frozen=True)
class Broker:
    node_id: int
    private_ip: str
    subnet: str  # CIDR
    target: str  # what the target groups name: the instance resource name or the instance id
    user_data: str = ""


@dataclass
class Recording:
    brokers: dict[int, Broker]
    routes: list[Route]
    advertised: dict[int, str]  # node id -> host:port of its EXTERNAL listener
    commands: list[tuple[str, str, str]]  # (resource name, connection host, create script), in order
    inputs: dict[tuple[str, str], Any]  # (type, name) -> recorded inputs


def record(
    args: Mapping[str, Any], *, existing_subnets: Mapping[str, str] | None = None, name: str = "kafka"
) -> Recording:
    """One mock run of ``KafkaPrivateLinkCluster(name, args)`` in us-west-2.

    With ``existing_brokers``, ``existing_subnets`` (private IP -> CIDR) says where those brokers sit.
    """
    with MockRuntime(config={"aws:region": "us-west-2"}) as rt:
        cluster = KafkaPrivateLinkCluster(name, dict(args))  # type: ignore[arg-type]
        rt.settle()
        cidrs = {r.id: r.inputs["cidrBlock"] for r in rt.of_type(SUBNET)}
        brokers: dict[int, Broker] = {}
        for instance in rt.of_type(INSTANCE):
            tags = instance.inputs.get("tags") or {}
            if "crossnet:kafka-node-id" not in tags:
                continue  # the bastion
            n = int(tags["crossnet:kafka-node-id"])
            brokers[n] = Broker(
                n,
                instance.outputs["privateIp"],
                cidrs[instance.inputs["subnetId"]],
                instance.name,
                instance.inputs.get("userData") or "",
            )
        for existing in args.get("existing_brokers") or []:
            n, ip = int(existing["node_id"]), existing["private_ip"]
            brokers[n] = Broker(n, ip, (existing_subnets or {})[ip], existing["instance_id"])
        commands = []
        for command in rt.of_type(REMOTE_COMMAND):
            create = command.inputs["create"]
            commands.append((command.name, command.inputs["connection"]["host"], create))
        return Recording(
            brokers=dict(sorted(brokers.items())),
            routes=routes(rt),
            advertised={int(k): v for k, v in rt.value(cluster.advertised_listeners).items()},
            commands=commands,
            inputs={(r.type, r.name): r.inputs for r in rt.resources},
        )


def plan_diff(before: Recording, after: Recording) -> dict[str, list[tuple[str, str]]]:
    """What ``pulumi up`` would do going from one recording to the next: resources added, removed and
    changed (any recorded input differs), by (type, name)."""
    old, new = before.inputs, after.inputs
    return {
        "added": sorted(set(new) - set(old)),
        "removed": sorted(set(old) - set(new)),
        "changed": sorted(k for k in set(old) & set(new) if old[k] != new[k]),
    }


_HEREDOC = re.compile(r"^cat > (\S+) <<'(\w+)'\n(.*?)\n\2$", re.MULTILINE | re.DOTALL)


def heredocs(script: str) -> dict[str, str]:
    """The files a rendered script writes with ``cat > PATH <<'EOF'``: target as written -> text."""
    return {m.group(1): m.group(3) + "\n" for m in _HEREDOC.finditer(script)}


def readonly_variables(script: str) -> dict[str, str]:
    """The ``readonly NAME=value`` settings at the top of a rendered script, values unquoted."""
    result = {}
    for match in re.finditer(r"^readonly ([A-Z_]+)=(.*)$", script, re.MULTILINE):
        words = shlex.split(match.group(2))
        result[match.group(1)] = words[0] if words else ""
    return result


def expand(word: str, variables: Mapping[str, str]) -> str:
    """A heredoc target as the shell sees it: ``"$CONFIG"`` -> /etc/kafka/server.properties."""
    return re.sub(r"\$\{?([A-Z_]+)\}?", lambda m: variables.get(m.group(1), m.group(0)), word.strip('"'))


def storage_format_command(user_data: str) -> str:
    """The rendered ``kafka-storage.sh format`` command of the user data, as a script: the
    ``readonly NAME=value`` settings it uses, then the command line (with its continuations)."""
    lines = user_data.splitlines()
    settings = [line for line in lines if re.match(r"^readonly [A-Z_]+=", line)]
    start = next((i for i, line in enumerate(lines) if "kafka-storage.sh" in line), None)
    if start is None:
        raise AssertionError("the user data has no kafka-storage.sh command")
    command = [lines[start]]
    while command[-1].endswith("\\"):
        start += 1
        command.append(lines[start])
    return "\n".join(["set -euo pipefail", *settings, *command]) + "\n"


@dataclass(frozen=True)
class Unit:
    environment: dict[str, str]
    exec_start: list[str]
    user: str


def systemd_unit(text: str) -> Unit:
    environment: dict[str, str] = {}
    exec_start: list[str] = []
    user = "root"
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key == "Environment":
            for assignment in shlex.split(value):
                name, _, setting = assignment.partition("=")
                environment[name] = setting
        elif key == "ExecStart":
            exec_start = shlex.split(value)
        elif key == "User":
            user = value
    if not exec_start:
        raise AssertionError("the rendered unit has no ExecStart")
    return Unit(environment, exec_start, user)


# --- helpers ------------------------------------------------------------------------------------


def sh(*args: str, timeout: float = 20) -> str:
    return subprocess.run(list(args), check=True, capture_output=True, text=True, timeout=timeout).stdout


def wait_for(check: Callable[[], Any], timeout: float, what: str, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


# --- the network ----------------------------------------------------------------------------------


class Network:
    """The namespaces of one test: vpc (router + NLB), client, one per broker. Removed by close()."""

    def __init__(self, tag: str, workdir: Path, *, vpc_dns: bool = True):
        """``vpc_dns=False``: a VPC whose DHCP options point at a DNS server that does not know the
        EC2 host names; each host resolves only its own name (from its /etc/hosts)."""
        self.tag = tag
        self.vpc_dns = vpc_dns
        self.workdir = workdir
        self.vpc = f"kx{tag}-vpc"
        self.client = f"kx{tag}-cli"
        self.namespaces: list[str] = []
        self.bridges: dict[str, str] = {}  # subnet CIDR -> bridge in the vpc namespace
        self.links = 0
        self.haproxy: subprocess.Popen[bytes] | None = None

    def _ns(self, name: str) -> str:
        sh("ip", "netns", "add", name)
        self.namespaces.append(name)
        sh("ip", "-n", name, "link", "set", "lo", "up")
        return name

    def _veth(self, ns_a: str, addr_a: str | None, ns_b: str, addr_b: str) -> tuple[str, str]:
        self.links += 1
        a, b = f"kx{self.tag}a{self.links}", f"kx{self.tag}b{self.links}"
        sh("ip", "link", "add", a, "netns", ns_a, "type", "veth", "peer", "name", b, "netns", ns_b)
        for ns, dev, addr in ((ns_a, a, addr_a), (ns_b, b, addr_b)):
            if addr:
                sh("ip", "-n", ns, "addr", "add", addr, "dev", dev)
            sh("ip", "-n", ns, "link", "set", dev, "up")
        return a, b

    def open(self, advertised: Mapping[int, str]) -> None:
        self._ns(self.vpc)
        sh("ip", "netns", "exec", self.vpc, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        self._ns(self.client)
        self._veth(self.vpc, f"{ENDPOINT}/24", self.client, f"{CLIENT}/24")
        self.resolve(advertised)

    def resolve(self, advertised: Mapping[int, str]) -> None:
        """The client resolves every advertised name to the endpoint, as the consumer's DNS does."""
        etc = Path(f"/etc/netns/{self.client}")
        etc.mkdir(parents=True, exist_ok=True)
        names = "".join(f"{ENDPOINT} {a.rsplit(':', 1)[0]}\n" for _, a in sorted(advertised.items()))
        (etc / "hosts").write_text("127.0.0.1 localhost\n" + names)

    def hosts(self, ip: str) -> Path:
        """/etc/hosts of the broker host at ``ip``: with the VPC's resolver, every broker's EC2 name;
        without, only its own."""
        return self.workdir / ("vpc-hosts" if self.vpc_dns else f"hosts-{ip}")

    def ec2_hostname(self, ip: str) -> str:
        """The host name EC2 gives an instance (ip-10-0-32-11), resolvable as on AWS (see hosts):
        Kafka 4 resolves a wildcard listener host to the canonical host name."""
        short = "ip-" + ip.replace(".", "-")
        hosts = self.hosts(ip)
        if not hosts.exists():
            hosts.write_text("127.0.0.1 localhost\n")
        with hosts.open("a") as lines:  # appended in place: hosts already mounted see it
            lines.write(f"{ip} {short}.us-west-2.compute.internal {short}\n")
        return short

    def add_host(self, name: str, ip: str, subnet: str) -> str:
        """A namespace holding ``ip`` in ``subnet``, routed through the vpc namespace."""
        net = ipaddress.IPv4Network(subnet)
        if subnet not in self.bridges:
            bridge = f"kx{self.tag}s{len(self.bridges)}"
            sh("ip", "-n", self.vpc, "link", "add", bridge, "type", "bridge")
            gateway = f"{next(net.hosts())}/{net.prefixlen}"
            sh("ip", "-n", self.vpc, "addr", "add", gateway, "dev", bridge)
            sh("ip", "-n", self.vpc, "link", "set", bridge, "up")
            self.bridges[subnet] = bridge
        ns = self._ns(f"kx{self.tag}-{name}")
        outer, _ = self._veth(self.vpc, None, ns, f"{ip}/{net.prefixlen}")
        sh("ip", "-n", self.vpc, "link", "set", outer, "master", self.bridges[subnet])
        sh("ip", "-n", ns, "route", "add", "default", "via", str(next(net.hosts())))
        return ns

    def start_nlb(self, recording: Recording) -> Path:
        """haproxy in the vpc namespace: one TCP frontend per recorded NLB listener on the endpoint
        address, backends = its target group's targets (their recorded IPs, the target group port),
        health-checked like the NLB's targets. Returns the stats socket."""
        stats = self.workdir / "haproxy.sock"
        lines = [
            "global",
            f"    stats socket {stats} mode 600 level admin",
            "    maxconn 512",
            "defaults",
            "    mode tcp",
            "    timeout connect 2s",
            "    timeout client 120s",
            "    timeout server 120s",
            "    retries 3",
            "    option redispatch",
        ]
        by_target = {b.target: b for b in recording.brokers.values()}
        for route in recording.routes:
            name = f"port{route.nlb_port}"
            lines += [
                f"frontend {name}",
                f"    bind {ENDPOINT}:{route.nlb_port}",
                f"    default_backend {name}",
            ]
            lines += [f"backend {name}", "    balance roundrobin"]
            for target, _, port in route.targets:
                broker = by_target[target]
                if port != route.target_group_port:
                    raise AssertionError(
                        f"attachment port {port} != target group port {route.target_group_port}"
                    )
                lines.append(
                    f"    server b{broker.node_id} {broker.private_ip}:{port} check inter 500 fall 2 rise 1"
                )
        config = self.workdir / "haproxy.cfg"
        config.write_text("\n".join(lines) + "\n")
        if self.haproxy is not None:
            stop(self.haproxy)
            stats.unlink(missing_ok=True)
        self.haproxy = subprocess.Popen(
            ["ip", "netns", "exec", self.vpc, HAPROXY, "-db", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=(self.workdir / "haproxy.log").open("ab"),
            start_new_session=True,
        )
        wait_for(stats.exists, 10, "haproxy's stats socket")
        return stats

    def close(self) -> None:
        if self.haproxy is not None:
            stop(self.haproxy)
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20, check=False)
            shutil.rmtree(f"/etc/netns/{ns}", ignore_errors=True)


def haproxy_sessions(stats: Path) -> dict[str, int]:
    """Sessions so far per haproxy frontend (``stot``), by frontend name (``port<nlb port>``)."""
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(str(stats))
        sock.sendall(b"show stat\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    rows = data.decode().splitlines()
    header = rows[0].lstrip("# ").split(",")
    result = {}
    for row in rows[1:]:
        values = dict(zip(header, row.split(","), strict=False))
        if values.get("svname") == "FRONTEND":
            result[values["pxname"]] = int(values["stot"] or 0)
    return result


def stop(process: subprocess.Popen[Any], timeout: float = 20) -> None:
    """SIGTERM to the process group, then SIGKILL after ``timeout``."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# --- one broker host --------------------------------------------------------------------------------

_SUDO = """#!/bin/bash
# test host: the caller is root already
exec "$@"
"""

# systemd for the one unit: restart/stop/start/is-active signal the supervisor through its files.
_SYSTEMCTL = """#!/bin/bash
set -euo pipefail
run="$CROSSNET_KAFKA_RUN"
action="${1:-}"
case "${2:-kafka}" in
  kafka | kafka.service) ;;
  *) echo "systemctl (test): unknown unit $2" >&2; exit 5 ;;
esac
pid="$(cat "$run/kafka.pid" 2>/dev/null || true)"
stop_broker() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 360); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -KILL "$pid" 2>/dev/null || true
}
case "$action" in
  restart)
    echo "restart $(date +%s.%N)" >> "$run/restarts"
    stop_broker
    for _ in $(seq 1 60); do
      new="$(cat "$run/kafka.pid" 2>/dev/null || true)"
      [ -n "$new" ] && [ "$new" != "$pid" ] && exit 0
      sleep 0.25
    done
    echo "systemctl (test): kafka did not start again" >&2; exit 1 ;;
  stop) touch "$run/stop"; stop_broker ;;
  is-active) [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null ;;
  daemon-reload | enable | start) ;;
  *) echo "systemctl (test): unsupported $action" >&2; exit 1 ;;
esac
"""

# Bind the broker's directories over the rendered paths, then run "$@" (in a private mount namespace).
_ENTER = """set -euo pipefail
root="$1" hosts="$2" name="$3"; shift 3
mount --bind "$root/passwd" /etc/passwd
mount --bind "$root/group" /etc/group
mount --bind "$root/opt-kafka" /opt/kafka
mount --bind "$root/etc-kafka" /etc/kafka
mount --bind "$root/var-lib-kafka" /var/lib/kafka
mount --bind "$root/var-log-kafka" /var/log/kafka
mount --bind "$hosts" /etc/hosts
hostname "$name"
export CROSSNET_KAFKA_RUN="$root/run" PATH="$root/host-bin:$PATH"
exec "$@"
"""


class Node:
    """One broker host: its namespace, its directories and its (supervised) broker process."""

    def __init__(self, network: Network, broker: Broker, version: str = VERSION):
        self.broker = broker
        self.node_id = broker.node_id
        self.ip = broker.private_ip
        self.ns = network.add_host(f"b{broker.node_id}", broker.private_ip, broker.subnet)
        self.network = network
        self.hostname = network.ec2_hostname(broker.private_ip)
        self.root = network.workdir / f"broker{broker.node_id}"
        self.supervisor: subprocess.Popen[bytes] | None = None
        home = kafka_home(version)
        for sub in (*MOUNTS, "run", "host-bin", "opt-kafka/config"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        for sub in ("bin", "libs"):
            (self.root / "opt-kafka" / sub).symlink_to(home / sub)
        for config in (home / "config").iterdir():
            shutil.copy(config, self.root / "opt-kafka" / "config" / config.name)
        for name, text in (("sudo", _SUDO), ("systemctl", _SYSTEMCTL)):
            path = self.root / "host-bin" / name
            path.write_text(text)
            path.chmod(0o755)
        (self.root / "passwd").write_text(
            Path("/etc/passwd").read_text()
            + f"kafka:x:{KAFKA_UID}:{KAFKA_UID}::/var/lib/kafka:/usr/sbin/nologin\n"
        )
        (self.root / "group").write_text(Path("/etc/group").read_text() + f"kafka:x:{KAFKA_UID}:\n")
        # what cloud-init does before formatting: the data and log directories belong to kafka
        for sub in ("var-lib-kafka", "var-log-kafka", "etc-kafka"):
            os.chown(self.root / sub, KAFKA_UID, KAFKA_UID)

    def command(self, *args: str) -> list[str]:
        """``args`` run on this host: in its namespace, with its directories mounted."""
        return [
            "ip", "netns", "exec", self.ns,
            "unshare", "--mount", "--uts", "--propagation", "private",
            "bash", "-c", _ENTER, "crossnet-kafka-host", str(self.root), str(self.network.hosts(self.ip)),
            self.hostname, *args,
        ]  # fmt: skip

    def run(self, script: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command("bash", "-c", script), capture_output=True, text=True, timeout=timeout, check=False
        )

    def write(self, path: str, text: str, owner: int = 0) -> None:
        """Write a file at a rendered path (e.g. /etc/kafka/server.properties) on this host."""
        for sub, mounted in MOUNTS.items():
            if path.startswith(mounted + "/"):
                target = self.root / sub / path[len(mounted) + 1 :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text)
                os.chown(target, owner, owner)
                return
        raise AssertionError(f"{path} is not under a mounted path")

    def read(self, path: str) -> str:
        for sub, mounted in MOUNTS.items():
            if path.startswith(mounted + "/"):
                return (self.root / sub / path[len(mounted) + 1 :]).read_text()
        raise AssertionError(f"{path} is not under a mounted path")

    def start(self, unit: Unit) -> None:
        """Run the unit's ExecStart as its User with its Environment (heap capped for the test),
        restarted by the supervisor whenever it exits, until stop()."""
        env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/var/lib/kafka", **unit.environment}
        env["KAFKA_HEAP_OPTS"] = HEAP
        run = self.root / "run"
        launch = ["setpriv", f"--reuid={unit.user}", f"--regid={unit.user}", "--init-groups", "env", "-i"]
        launch += [f"{k}={v}" for k, v in env.items()] + unit.exec_start
        supervise = textwrap.dedent(f"""\
            run={shlex.quote(str(run))}
            while [ ! -e "$run/stop" ]; do
              {shlex.join(launch)} >> "$run/broker.log" 2>&1 &
              echo "$!" > "$run/kafka.pid"
              echo "start $(date +%s.%N) $!" >> "$run/starts"
              wait "$!" || true
              sleep 1
            done
            """)
        self.supervisor = subprocess.Popen(
            self.command("bash", "-c", supervise),
            stdout=subprocess.DEVNULL,
            stderr=(run / "supervisor.log").open("ab"),
            start_new_session=True,
        )

    def pid(self) -> int:
        return int((self.root / "run" / "kafka.pid").read_text())

    def starts(self) -> int:
        path = self.root / "run" / "starts"
        return len(path.read_text().splitlines()) if path.exists() else 0

    def log(self, tail: int = 4000) -> str:
        path = self.root / "run" / "broker.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else "(no log)"

    def listening(self, port: int) -> bool:
        out = sh("ip", "netns", "exec", self.ns, "ss", "-ltnH")
        return any(line.split()[3].endswith(f":{port}") for line in out.splitlines() if len(line.split()) > 3)

    def signal_stop(self) -> None:
        """Tell the supervisor not to start the broker again and the broker to shut down (SIGTERM)."""
        (self.root / "run" / "stop").touch()
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.kill(self.pid(), signal.SIGTERM)

    def wait_stopped(self, timeout: float) -> None:
        """Wait (bounded) for the supervisor to end, then kill whatever is left."""
        if self.supervisor is not None:
            try:
                self.supervisor.wait(timeout=max(0.1, timeout))
            except subprocess.TimeoutExpired:
                stop(self.supervisor, timeout=1)
        with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
            os.kill(self.pid(), signal.SIGKILL)

    def stop(self) -> None:
        self.signal_stop()
        self.wait_stopped(30)


@contextlib.contextmanager
def mountpoints() -> Iterator[None]:
    """The rendered paths must exist to be mounted over: create the missing ones (empty), remove
    them again afterwards."""
    created = []
    try:
        for path in MOUNTS.values():
            if not os.path.exists(path):
                os.makedirs(path)
                created.append(path)
        yield
    finally:
        for path in reversed(created):
            with contextlib.suppress(OSError):
                os.rmdir(path)
                parent = os.path.dirname(path)
                if parent not in ("/opt", "/etc", "/var/lib", "/var/log") and not os.listdir(parent):
                    os.rmdir(parent)


@dataclass
class Cluster:
    """A running test: its network, its hosts and the processes to end."""

    network: Network
    nodes: dict[int, Node] = field(default_factory=dict)
    stats: Path | None = None

    def close(self) -> None:
        """Stop every broker at once (one by one, the last ones wait for a quorum that is gone),
        then remove the namespaces."""
        for node in self.nodes.values():
            node.signal_stop()
        deadline = time.monotonic() + 20
        for node in self.nodes.values():
            node.wait_stopped(deadline - time.monotonic())
        self.network.close()


# --- Kafka clients (confluent-kafka), run inside a namespace -------------------------------------------

CLIENT_SCRIPT = textwrap.dedent("""
    import json, sys, time
    from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    request = json.loads(sys.argv[1])
    common = {"bootstrap.servers": request["bootstrap"], "broker.address.family": "v4",
              "socket.connection.setup.timeout.ms": 5000}
    admin = AdminClient(common)
    out = {}
    action = request["action"]
    if action == "metadata":
        md = admin.list_topics(timeout=20)
        out["brokers"] = {str(b.id): f"{b.host}:{b.port}" for b in md.brokers.values()}
        out["topics"] = {
            name: {str(p.id): {"leader": p.leader, "replicas": list(p.replicas), "isrs": list(p.isrs)}
                   for p in t.partitions.values()}
            for name, t in md.topics.items() if not name.startswith("__")
        }
        if request.get("describe"):  # racks (needs every listed broker to answer on this listener)
            described = admin.describe_cluster(request_timeout=20).result(20)
            out["racks"] = {str(node.id): node.rack for node in described.nodes}
    elif action == "create":
        # confluent-kafka wants the partition count with an explicit assignment (-1 is refused)
        topic = NewTopic(request["topic"], num_partitions=len(request["assignment"]),
                         replica_assignment=request["assignment"],
                         config={"min.insync.replicas": "2"})
        admin.create_topics([topic], request_timeout=30)[request["topic"]].result(40)
    elif action == "elect":
        # a preferred-replica election, as `kafka-leader-election.sh --election-type PREFERRED` does
        from confluent_kafka import ElectionType
        parts = [TopicPartition(request["topic"], int(p)) for p in request["partitions"]]
        try:
            admin.elect_leaders(ElectionType.PREFERRED, parts).result(40)  # (request_timeout= breaks 2.16)
        except KafkaException as error:  # e.g. ELECTION_NOT_NEEDED for some partitions
            out["error"] = str(error)
    elif action == "roundtrip":
        topic, partition, value = request["topic"], request["partition"], request["value"]
        delivered = []
        producer = Producer({**common, "acks": "all", "message.timeout.ms": 30000})
        producer.produce(topic, value.encode(), partition=partition,
                         callback=lambda err, msg: delivered.append(None if err is None else str(err)))
        producer.flush(40)
        consumer = Consumer({**common, "group.id": "crossnet-apache", "enable.auto.commit": False})
        high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=20)[1]
        consumer.assign([TopicPartition(topic, partition, max(0, high - 1))])
        received = None
        deadline = time.monotonic() + 30
        while received is None and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is not None and msg.error() is None:
                received = msg.value().decode()
        consumer.close()
        out = {"delivered": delivered, "received": received}
    print(json.dumps(out))
""")

# Produces one record every `interval` seconds until the stop file exists, then counts what it can
# read back: what "the cluster keeps serving" means for the rolling restart.
STEADY_SCRIPT = textwrap.dedent("""
    import json, os, sys, time
    from confluent_kafka import Consumer, Producer, TopicPartition

    request = json.loads(sys.argv[1])
    common = {"bootstrap.servers": request["bootstrap"], "broker.address.family": "v4"}
    producer = Producer({**common, "acks": "all", "enable.idempotence": True,
                         "message.timeout.ms": 120000})
    errors, sent = [], 0
    def done(err, msg):
        if err is not None:
            errors.append(str(err))
    while not os.path.exists(request["stop"]):
        producer.produce(request["topic"], f"row-{sent}".encode(), callback=done)
        sent += 1
        producer.poll(request["interval"])
    left = producer.flush(120)
    consumer = Consumer({**common, "group.id": "crossnet-steady", "enable.auto.commit": False})
    seen = set()
    parts = consumer.list_topics(request["topic"], timeout=20).topics[request["topic"]].partitions
    consumer.assign([TopicPartition(request["topic"], p, 0) for p in parts])
    deadline = time.monotonic() + 60
    while len(seen) < sent and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None:
            seen.add(msg.value().decode())
    consumer.close()
    print(json.dumps({"sent": sent, "errors": errors[:5], "error_count": len(errors),
                      "unflushed": left, "read_back": len(seen)}))
""")


def client(ns: str, workdir: Path, request: Mapping[str, Any], timeout: float = 120) -> dict[str, Any]:
    script = workdir / "client.py"
    if not script.exists():
        script.write_text(CLIENT_SCRIPT)
    result = subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, str(script), json.dumps(request)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise AssertionError(f"client {request['action']} failed: {result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def quorum(node: Node, timeout: float = 90) -> dict[str, str]:
    """``kafka-metadata-quorum.sh describe --status`` on ``node`` against its own INTERNAL address,
    as ``{field: value}`` (LeaderId, CurrentVoters, CurrentObservers, HighWatermark, ...)."""
    port = 9092
    result = node.run(
        f"/opt/kafka/bin/kafka-metadata-quorum.sh --bootstrap-server {node.ip}:{port} describe --status",
        timeout=timeout,
    )
    if result.returncode != 0:
        return {}
    fields = {}
    for line in result.stdout.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() and " " not in key.strip():
            fields[key.strip()] = value.strip()
    return fields


def voter_ids(text: str) -> set[int]:
    """Node ids in a CurrentVoters / CurrentObservers value (3.9: ``[1,2,3]``; 4.x: JSON objects)."""
    ids = re.findall(r'"id":\s*(\d+)', text)
    if not ids:
        ids = re.findall(r"\d+", text)
    return {int(i) for i in ids}
