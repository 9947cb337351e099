"""What KafkaPrivateLinkCluster renders, run on Apache Kafka (the version it deploys, from Maven
Central) in network namespaces holding the rendered private IPs. See apache_harness for the setup.

- first boot: three brokers, each from its rendered cloud-init (the server.properties it writes, the
  ``kafka-storage format`` command line and the systemd unit it installs), form a KRaft quorum; a
  topic with replication factor 3 is produced to and consumed from through the NLB port map (haproxy
  built from the recorded listeners and target groups) for every broker as partition leader, each
  reached by its rendered advertised listener;
- growth 3 -> 4 as the plan diff has it: broker 4 joins, the quorum keeps its leader and voters, no
  existing broker restarts;
- the existing-broker path: the recorded ``remote.Command`` scripts run one after the other on a
  running cluster while a producer keeps writing; every broker ends with the EXTERNAL listener and
  nothing written is lost;
- issue 15's items as Kafka itself sees them: a cluster id starting with "-" (item 3), a broker
  that leaves ``listeners`` unset (item 4), ``broker.rack`` (item 7), and on Kafka 4 the endpoint
  each controller registers (its private IP, not a host name the VPC's resolver may not know).

Needs root, iproute2, haproxy, Java and ``bash scripts/fetch-kafka.sh``; skipped without them
outside CI, failed under CI=true.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from components.aws.kafka import render
from components.aws.kafka.args import DEFAULT_KAFKA_VERSION
from tests.aws.kafka import apache_harness as h
from tests.aws.kafka.graph import BASE_ARGS, INSTANCE

MISSING = h.missing()
IN_CI = os.environ.get("CI") == "true"
pytestmark = [
    pytest.mark.integration,
    # Outside CI a machine without Kafka's jars (or root) skips, saying what to run; CI must not.
    pytest.mark.skipif(MISSING is not None and not IN_CI, reason=MISSING or ""),
]


@pytest.fixture(autouse=True)
def _apache_kafka_is_here() -> None:
    if MISSING is not None:
        pytest.fail(f"CI=true and Apache Kafka cannot run here: {MISSING}")


SERVICE = "/etc/systemd/system/kafka.service"
LOCAL_COMMAND = "command:local:Command"
PLAIN_ENV = {"PATH": "/usr/bin:/bin", "LC_ALL": "C"}
BOOT = 150  # seconds a broker may take to start and join on a busy 2-core machine


def nlb_port(recording: h.Recording, node_id: int) -> int:
    """The recorded NLB listener whose target group holds only broker ``node_id``."""
    target = recording.brokers[node_id].target
    ports = [r.nlb_port for r in recording.routes if [t[0] for t in r.targets] == [target]]
    assert len(ports) == 1, (node_id, recording.routes)
    return ports[0]


def boot_from_user_data(cluster: h.Cluster, broker: h.Broker) -> h.Node:
    """A new broker host runs its rendered cloud-init's Kafka steps: write the config it carries,
    run the rendered storage format command line, start the unit it installs."""
    node = h.Node(cluster.network, broker)
    cluster.nodes[broker.node_id] = node
    files = h.heredocs(broker.user_data)
    variables = h.readonly_variables(broker.user_data)
    written = {h.expand(target, variables): text for target, text in files.items()}
    config = variables.get("CONFIG", render.CONFIG_PATH)
    assert config in written, f"the user data writes no {config}: {sorted(written)}"
    node.write(config, written[config], owner=h.KAFKA_UID)
    formatted = node.run(h.storage_format_command(broker.user_data))
    assert formatted.returncode == 0, (
        f"broker {broker.node_id}: the rendered kafka-storage format failed:\n"
        f"{formatted.stdout[-2000:]}\n{formatted.stderr[-3000:]}"
    )
    node.start(h.systemd_unit(written[SERVICE]))
    return node


def wait_serving(node: h.Node, port: int = render.Ports().external) -> None:
    try:
        h.wait_for(lambda: node.listening(port), BOOT, f"broker {node.node_id} to listen on {port}", every=1)
    except AssertionError as error:
        raise AssertionError(f"{error}\n--- broker {node.node_id} log ---\n{node.log()}") from None


def healthy_quorum(node: h.Node, voters: set[int] | None) -> dict[str, str]:
    """The quorum as ``node`` reports it once it has a leader among its voters (and, when given,
    exactly ``voters``) and every voter has caught up with the high watermark."""

    def check() -> dict[str, str] | None:
        status = h.quorum(node)
        current = h.voter_ids(status.get("CurrentVoters", ""))
        if not current or int(status.get("LeaderId", "-1")) not in current:
            return None
        if voters is not None and current != voters:
            return None
        return status if status.get("MaxFollowerLag", "1") == "0" or "MaxFollowerLag" not in status else None

    return h.wait_for(
        check, BOOT, f"a quorum with voters {voters or 'any'} seen from broker {node.node_id}", every=2
    )


def leaders(cluster: h.Cluster, workdir: Path, topic: str, expected: dict[str, int]) -> dict[str, Any]:
    """Wait until partition p of ``topic`` is led by broker ``expected[p]`` with every replica in sync."""
    request = {"action": "metadata", "bootstrap": f"{h.ENDPOINT}:9092"}

    def check() -> dict[str, Any] | None:
        meta = h.client(cluster.network.client, workdir, request)
        parts = meta["topics"].get(topic, {})
        ok = all(
            parts.get(p, {}).get("leader") == n and len(parts[p]["isrs"]) >= 3 for p, n in expected.items()
        )
        if ok:
            return meta
        # leadership moves when brokers restart: ask for the preferred leaders back, as an operator would
        election = {**request, "action": "elect", "topic": topic, "partitions": list(expected)}
        h.client(cluster.network.client, workdir, election)
        return None

    return h.wait_for(check, BOOT, f"leaders {expected} of {topic} with full ISRs", every=2)


def roundtrips(
    cluster: h.Cluster, workdir: Path, recording: h.Recording, topic: str, by_leader: dict[int, int]
) -> None:
    """Produce and consume partition p (led by broker n) through the endpoint: bootstrap on 9092,
    then broker n's own NLB port, which the client learns from its advertised listener."""
    assert cluster.stats is not None
    for node_id, partition in by_leader.items():
        port = f"port{nlb_port(recording, node_id)}"
        before = h.haproxy_sessions(cluster.stats)
        value = f"changefeed-row-via-broker-{node_id}"
        outcome = h.client(
            cluster.network.client,
            workdir,
            {
                "action": "roundtrip",
                "bootstrap": f"{h.ENDPOINT}:9092",
                "topic": topic,
                "partition": partition,
                "value": value,
            },
        )
        after = h.haproxy_sessions(cluster.stats)
        assert outcome == {"delivered": [None], "received": value}, (node_id, outcome)
        assert after["port9092"] > before["port9092"], "bootstrap goes through the NLB's 9092"
        assert after[port] > before[port], f"broker {node_id}'s partition went through {port}"


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[h.Cluster, h.Recording, Path]]:
    """Three brokers from a mock run of the component with the default args, serving."""
    workdir = tmp_path_factory.mktemp("apache-kafka")
    recording = h.record(BASE_ARGS)
    assert sorted(recording.brokers) == [1, 2, 3]
    network = h.Network(f"{os.getpid() % 10000}f", workdir)
    cluster = h.Cluster(network)
    with h.mountpoints():
        try:
            network.open(recording.advertised)
            for broker in recording.brokers.values():
                boot_from_user_data(cluster, broker)
            for node in cluster.nodes.values():
                wait_serving(node)
            cluster.stats = network.start_nlb(recording)
            yield cluster, recording, workdir
        finally:
            cluster.close()


def test_three_rendered_brokers_form_a_quorum_and_serve_every_leader_through_the_port_map(fresh):
    cluster, recording, workdir = fresh
    config = h.readonly_variables(recording.brokers[1].user_data).get("CONFIG", render.CONFIG_PATH)
    rendered = {n: render.parse_properties(node.read(config)) for n, node in cluster.nodes.items()}
    static = {p["controller.quorum.voters"] for p in rendered.values() if "controller.quorum.voters" in p}
    assert len(static) <= 1, f"brokers disagree on controller.quorum.voters: {static}"
    status = healthy_quorum(cluster.nodes[1], None)
    for n in cluster.nodes:
        assert h.quorum(cluster.nodes[n]).get("LeaderId") == status["LeaderId"], (
            f"broker {n} sees another leader"
        )
    assert status["ClusterId"] == render.cluster_id("kafka"), status

    meta = h.client(
        cluster.network.client,
        workdir,
        {"action": "metadata", "bootstrap": f"{h.ENDPOINT}:9092", "describe": True},
    )
    # The brokers' EXTERNAL listeners, as the client sees them through the endpoint, are the rendered ones.
    assert meta["brokers"] == {str(n): a for n, a in recording.advertised.items()}
    # rack-aware replica placement sees the rendered broker.rack (issue 15 item 7: the AZ id)
    assert meta["racks"] == {str(n): p.get("broker.rack") for n, p in rendered.items()}

    assignment = [[1, 2, 3], [2, 3, 1], [3, 1, 2]]  # partition p's preferred leader is broker p + 1
    h.client(
        cluster.network.client,
        workdir,
        {
            "action": "create",
            "bootstrap": f"{h.ENDPOINT}:9092",
            "topic": "changefeed",
            "assignment": assignment,
        },
    )
    leaders(cluster, workdir, "changefeed", {"0": 1, "1": 2, "2": 3})
    roundtrips(cluster, workdir, recording, "changefeed", {1: 0, 2: 1, 3: 2})


KAFKA_4 = int(h.VERSION.split(".")[0]) >= 4


@pytest.mark.skipif(not KAFKA_4, reason="Kafka 3.x voters take their address from controller.quorum.voters")
def test_controllers_announce_their_private_ip_to_the_quorum(fresh):
    """Kafka 4 (KIP-853) voters announce their CONTROLLER endpoint, and followers use the leader's
    announced endpoint over controller.quorum.voters. A wildcard host is announced as the host's
    canonical name (\"CONTROLLER: resolved wildcard host to ...\" in the broker log): where that name
    does not resolve to the broker's IP in every broker (a VPC whose DHCP options name another DNS
    server), followers cannot fetch and the quorum never forms (seen here: with the host name
    resolving to 127.0.0.1, broker 3 fetched from localhost and never joined)."""
    cluster, recording, _ = fresh
    healthy_quorum(cluster.nodes[1], None)
    # Kafka's record of each controller's endpoints, as the active controller replays it
    registered = {
        int(n): host
        for node in cluster.nodes.values()
        for n, host in re.findall(
            r"RegisterControllerRecord containing ControllerRegistration\(id=(\d+),[^]]*?"
            r"listenerName='CONTROLLER', securityProtocol=\w+, host='([^']*)'",
            node.log(tail=10_000_000),
        )
    }
    assert registered, "no controller registration in the broker logs"
    assert registered == {n: recording.brokers[n].private_ip for n in registered}


def test_growth_from_three_to_four_brokers_joins_without_restarting_anyone(fresh):
    cluster, before, workdir = fresh
    after = h.record({**BASE_ARGS, "broker_count": 4})
    diff = h.plan_diff(before, after)
    assert diff["removed"] == [], diff
    instances_added = [name for kind, name in diff["added"] if kind == INSTANCE]
    assert instances_added == [after.brokers[4].target], diff
    assert not [name for kind, name in diff["changed"] if kind == INSTANCE], (
        f"existing brokers change: {diff}"
    )
    starts = {n: node.starts() for n, node in cluster.nodes.items()}
    pids = {n: node.pid() for n, node in cluster.nodes.items()}
    status_before = healthy_quorum(cluster.nodes[1], h.voter_ids(h.quorum(cluster.nodes[1])["CurrentVoters"]))

    # Besides the new broker and its listener, only local commands change (the layout guard):
    # run each one's update as pulumi-command would, on the output of the deployed create.
    changed = [key for key in diff["changed"] if key[0] != LOCAL_COMMAND]
    assert not changed, f"growth changes cloud resources in place: {changed}"
    for key in diff["changed"]:
        old, new = before.inputs[key], after.inputs[key]
        deployed = subprocess.run(
            ["sh", "-c", old["create"]],
            env={**PLAIN_ENV, **old.get("environment", {})},
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout
        update = subprocess.run(
            ["sh", "-c", new["update"]],
            env={**PLAIN_ENV, **new.get("environment", {}), "PULUMI_COMMAND_STDOUT": deployed},
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        assert update.returncode == 0, f"{key[1]} refuses growth: {update.stderr}"

    # pulumi up: the new instance boots from its user data; the NLB gains broker 4's listener.
    node = boot_from_user_data(cluster, after.brokers[4])
    wait_serving(node)
    cluster.network.resolve(after.advertised)
    cluster.stats = cluster.network.start_nlb(after)

    voters = h.voter_ids(status_before["CurrentVoters"])
    status = healthy_quorum(cluster.nodes[1], voters)
    h.wait_for(
        lambda: (
            4 in h.voter_ids(h.quorum(node).get("CurrentObservers", ""))
            or 4 in h.voter_ids(h.quorum(node).get("CurrentVoters", ""))
        ),
        BOOT,
        "broker 4 in the quorum's observers or voters",
        every=2,
    )
    assert status["ClusterId"] == status_before["ClusterId"]
    meta = h.client(
        cluster.network.client, workdir, {"action": "metadata", "bootstrap": f"{h.ENDPOINT}:9092"}
    )
    assert meta["brokers"] == {str(n): a for n, a in after.advertised.items()}
    h.client(
        cluster.network.client,
        workdir,
        {"action": "create", "bootstrap": f"{h.ENDPOINT}:9092", "topic": "grown", "assignment": [[4, 1, 2]]},
    )
    leaders(cluster, workdir, "grown", {"0": 4})
    roundtrips(cluster, workdir, after, "grown", {4: 0})
    roundtrips(cluster, workdir, after, "changefeed", {1: 0})
    assert {n: cluster.nodes[n].starts() for n in starts} == starts, "an existing broker restarted"
    assert {n: cluster.nodes[n].pid() for n in pids} == pids


# --- the existing-broker path ---------------------------------------------------------------------------

EXISTING = {  # node id -> (private ip, subnet, az id)
    1: ("10.1.1.11", "10.1.1.0/24", "usw2-az1"),
    2: ("10.1.2.12", "10.1.2.0/24", "usw2-az2"),
    3: ("10.1.3.13", "10.1.3.0/24", "usw2-az3"),
}
EXISTING_CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qg"
EXISTING_CONFIG = "/opt/kafka/config/server.properties"
# The scripts run inside the brokers' namespaces here, not over SSH: the key is never used.
UNUSED_KEY = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"


def existing_properties(
    node_id: int, voters: dict[int, str], *, advertised: bool = True, listeners: bool = True
) -> str:
    """A running KRaft node as people set one up from Kafka's quickstart: PLAINTEXT on 9092 with the
    node's address, CONTROLLER on 9093 on the voters. ``advertised=False`` leaves advertised.listeners
    to its default; ``listeners=False`` (a broker-only node) leaves listeners to Kafka's default,
    PLAINTEXT://:9092."""
    ip = EXISTING[node_id][0]
    controller = node_id in voters
    settings: dict[str, str | int] = {
        "process.roles": "broker,controller" if controller else "broker",
        "node.id": node_id,
        "controller.quorum.voters": ",".join(f"{n}@{address}:9093" for n, address in voters.items()),
    }
    if listeners:
        controllers = f",CONTROLLER://{ip}:9093" if controller else ""
        settings["listeners"] = f"PLAINTEXT://{ip}:9092{controllers}"
    if advertised:
        settings["advertised.listeners"] = f"PLAINTEXT://{ip}:9092"
    replicas = min(3, len(EXISTING))
    settings.update(
        {
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": "/var/lib/kafka/data",
            "offsets.topic.replication.factor": replicas,
            "transaction.state.log.replication.factor": replicas,
            "transaction.state.log.min.isr": 2,
        }
    )
    return render.render_properties(settings, f"an existing broker {node_id}")


def existing_recording(node_ids: list[int], wait_seconds: int) -> h.Recording:
    """The component on the existing-broker path with SSH apply, for brokers ``node_ids`` of EXISTING."""
    existing = [
        {
            "instance_id": f"i-0aaaaaaaaaaaaaa{n:02d}",
            "private_ip": EXISTING[n][0],
            "az_id": EXISTING[n][2],
            "node_id": n,
        }
        for n in node_ids
    ]
    az_ids = [EXISTING[n][2] for n in node_ids]
    recording = h.record(
        {
            **BASE_ARGS,
            "az_ids": az_ids,
            "vpc_id": "vpc-0123456789abcdef0",
            "subnet_ids": {EXISTING[n][2]: f"subnet-0aaaaaaaaaaaaaa{n:02d}" for n in node_ids},
            "existing_brokers": existing,
            "broker_ssh": {"user": "ec2-user", "private_key": UNUSED_KEY, "wait_seconds": wait_seconds},
        },
        existing_subnets={EXISTING[n][0]: EXISTING[n][1] for n in node_ids},
    )
    assert [host for _, host, _ in recording.commands] == [EXISTING[n][0] for n in sorted(node_ids)]
    return recording


def boot_existing(cluster: h.Cluster, broker: h.Broker, properties: str) -> h.Node:
    """An existing broker host as the tarball's quickstart sets it up, run by a systemd unit."""
    node = h.Node(cluster.network, broker)
    cluster.nodes[broker.node_id] = node
    node.write(EXISTING_CONFIG, properties, owner=h.KAFKA_UID)
    formatted = node.run(
        "runuser -u kafka -- /opt/kafka/bin/kafka-storage.sh format "
        f"--cluster-id={EXISTING_CLUSTER_ID} --config {EXISTING_CONFIG}"
    )
    assert formatted.returncode == 0, formatted.stderr[-3000:]
    node.start(EXISTING_UNIT)
    return node


EXISTING_UNIT = h.Unit(
    {"LOG_DIR": "/var/log/kafka"}, ["/opt/kafka/bin/kafka-server-start.sh", EXISTING_CONFIG], "kafka"
)


def test_rolling_apply_on_running_brokers_keeps_serving_and_adds_external(tmp_path):
    recording = existing_recording([1, 2, 3], wait_seconds=180)
    voters = {n: EXISTING[n][0] for n in (1, 2, 3)}
    network = h.Network(f"{os.getpid() % 10000}e", tmp_path)
    cluster = h.Cluster(network)
    steady: subprocess.Popen[str] | None = None
    with h.mountpoints():
        try:
            network.open(recording.advertised)
            for broker in recording.brokers.values():
                boot_existing(
                    cluster,
                    broker,
                    existing_properties(broker.node_id, voters, advertised=broker.node_id != 1),
                )
            for node in cluster.nodes.values():
                wait_serving(node, 9092)
            cluster.stats = network.start_nlb(recording)
            healthy_quorum(cluster.nodes[1], {1, 2, 3})

            # an application already using the cluster on its own listener keeps writing throughout
            bootstrap = ",".join(f"{v[0]}:9092" for v in EXISTING.values())
            (tmp_path / "client.py").write_text(h.CLIENT_SCRIPT)
            create = {
                "action": "create",
                "bootstrap": bootstrap,
                "topic": "orders",
                "assignment": [[1, 2, 3], [2, 3, 1], [3, 1, 2]],
            }
            h.client(network.vpc, tmp_path, create)
            (tmp_path / "steady.py").write_text(h.STEADY_SCRIPT)
            request = {
                "bootstrap": bootstrap,
                "topic": "orders",
                "stop": str(tmp_path / "stop-steady"),
                "interval": 0.2,
            }
            steady = subprocess.Popen(
                [
                    "ip",
                    "netns",
                    "exec",
                    network.vpc,
                    sys.executable,
                    str(tmp_path / "steady.py"),
                    json.dumps(request),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )

            by_ip = {node.ip: node for node in cluster.nodes.values()}
            for name, host, script in recording.commands:  # in order: each depends on the previous one
                node = by_ip[host]
                started = time.monotonic()
                result = node.run(script, timeout=300)
                assert result.returncode == 0, (
                    f"{name} failed after {time.monotonic() - started:.0f}s:\n{result.stdout[-2000:]}\n"
                    f"{result.stderr[-2000:]}\n--- config ---\n{node.read(EXISTING_CONFIG)}\n"
                    f"--- broker {node.node_id} log ---\n{node.log()}"
                )
                assert node.starts() == 2, f"{name}: broker {node.node_id} was restarted once"
                listeners = render.parse_listeners(
                    render.parse_properties(node.read(EXISTING_CONFIG))["listeners"]
                )
                assert listeners["EXTERNAL"][1] == render.Ports().external

            (tmp_path / "stop-steady").touch()
            out, err = steady.communicate(timeout=240)
            assert out.strip(), f"the producer printed nothing: {err[-2000:]}"
            written: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
            assert written.get("error_count") == 0 and written["unflushed"] == 0, written
            assert written["read_back"] == written["sent"] > 0, written

            # every broker now serves the endpoint on its rendered advertised listener
            meta = h.client(
                network.client, tmp_path, {"action": "metadata", "bootstrap": f"{h.ENDPOINT}:9092"}
            )
            assert meta["brokers"] == {str(n): a for n, a in recording.advertised.items()}
            leaders(cluster, tmp_path, "orders", {"0": 1, "1": 2, "2": 3})
            roundtrips(cluster, tmp_path, recording, "orders", {1: 0, 2: 1, 3: 2})

            # a second apply changes nothing and restarts nothing
            name, host, script = recording.commands[0]
            again = by_ip[host].run(script, timeout=300)
            assert again.returncode == 0 and "already configured" in again.stdout, again.stdout + again.stderr
            assert by_ip[host].starts() == 2
        finally:
            if steady is not None and steady.poll() is None:
                steady.kill()
                steady.wait(timeout=10)
            cluster.close()


def test_the_harness_runs_the_version_the_component_deploys():
    assert os.environ.get("CROSSNET_KAFKA_VERSION", DEFAULT_KAFKA_VERSION) == h.VERSION
    assert (h.kafka_home() / "libs" / f"kafka_2.13-{h.VERSION}.jar").exists()


def test_rolling_apply_keeps_the_default_listener_of_a_broker_that_leaves_listeners_unset(tmp_path):
    """Issue 15 item 4: a broker-only node with ``listeners`` unset listens on Kafka's default
    PLAINTEXT://:9092, its inter-broker listener. The apply script must keep it next to EXTERNAL."""
    recording = existing_recording([1, 2], wait_seconds=60)
    voters = {1: EXISTING[1][0]}
    network = h.Network(f"{os.getpid() % 10000}d", tmp_path)
    cluster = h.Cluster(network)
    with h.mountpoints():
        try:
            network.open(recording.advertised)
            boot_existing(cluster, recording.brokers[1], existing_properties(1, voters))
            node = boot_existing(
                cluster, recording.brokers[2], existing_properties(2, voters, listeners=False)
            )
            for each in cluster.nodes.values():
                wait_serving(each, 9092)
            cluster.stats = network.start_nlb(recording)
            name, host, script = recording.commands[1]
            assert host == node.ip
            result = node.run(script, timeout=300)
            config = render.parse_properties(node.read(EXISTING_CONFIG))
            assert result.returncode == 0, (
                f"{name} failed; the broker was left with listeners={config.get('listeners')!r}\n"
                f"{result.stderr[-1500:]}\n--- broker 2 log ---\n{node.log(2500)}"
            )
            assert set(render.parse_listeners(config["listeners"])) == {"PLAINTEXT", "EXTERNAL"}, config
            wait_serving(node)
            # through the bootstrap port: broker 1 has no EXTERNAL listener yet, so only broker 2 is listed
            request = {"action": "metadata", "bootstrap": f"{h.ENDPOINT}:9092"}
            meta = h.wait_for(
                lambda: (m := h.client(network.client, tmp_path, request))["brokers"] and m, 60, "metadata"
            )
            assert meta["brokers"] == {"2": recording.advertised[2]}, meta
        finally:
            cluster.close()


def test_the_rendered_storage_format_accepts_a_cluster_id_that_starts_with_a_dash(tmp_path):
    """Issue 15 item 3: ``changefeed`` is one of the component names (about 1 in 64) whose cluster
    id, as first rendered, started with "-"; the rendered format command line must format the
    storage with the rendered id whatever it starts with."""
    recording = h.record(BASE_ARGS, name="changefeed")
    broker = recording.brokers[1]
    network = h.Network(f"{os.getpid() % 10000}c", tmp_path)
    cluster = h.Cluster(network)
    with h.mountpoints():
        try:
            network.open(recording.advertised)
            node = h.Node(network, broker)
            cluster.nodes[1] = node
            variables = h.readonly_variables(broker.user_data)
            written = {h.expand(k, variables): v for k, v in h.heredocs(broker.user_data).items()}
            config = variables.get("CONFIG", render.CONFIG_PATH)
            node.write(config, written[config], owner=h.KAFKA_UID)
            formatted = node.run(h.storage_format_command(broker.user_data))
            assert formatted.returncode == 0, (variables.get("CLUSTER_ID"), formatted.stderr[-1500:])
            data_dir = render.parse_properties(written[config])["log.dirs"].split(",")[0]
            meta = render.parse_properties(node.read(f"{data_dir}/meta.properties"))
            assert meta["cluster.id"] == variables["CLUSTER_ID"] == render.cluster_id("changefeed")
        finally:
            cluster.close()
