"""The pure renderers: server.properties agrees with itself for every broker; the user data is
valid shell (shellcheck) and installs what it says; zone-id prefixes and cluster ids are right."""

from __future__ import annotations

import base64
import shutil
import subprocess
import uuid

import pytest

from components.aws.kafka import render

PORTS = render.Ports()
SUFFIX = "3199015.tidbcloud.com"


def cluster_configs(count: int, az_ids: list[str], ports: render.Ports = PORTS) -> dict[int, dict[str, str]]:
    ips = {n: f"10.0.{n}.{10 + n}" for n in range(1, count + 1)}
    return {
        n: render.parse_properties(
            render.render_server_properties(
                node_id=n,
                broker_ips=ips,
                external_host=render.advertised_host(
                    n, render.broker_az(n, az_ids), "abc123", "us-west-2", SUFFIX
                ),
                ports=ports,
            )
        )
        for n in ips
    }


@pytest.mark.parametrize("count", [1, 2, 3, 4, 7, 49])
def test_listener_names_protocol_map_controller_and_advertised_listeners_agree(count):
    az_ids = ["usw2-az1", "usw2-az2", "usw2-az3"]
    configs = cluster_configs(count, az_ids)
    voter_sets = {c["controller.quorum.voters"] for c in configs.values()}
    assert len(voter_sets) == 1, "every broker must name the same quorum"
    voters = {int(v.split("@")[0]): v.split("@")[1] for v in voter_sets.pop().split(",")}
    assert len(voters) == (3 if count >= 3 else 1)
    for n, props in configs.items():
        assert props["node.id"] == str(n)
        protocol_map = dict(item.split(":") for item in props["listener.security.protocol.map"].split(","))
        listeners = render.parse_listeners(props["listeners"])
        advertised = render.parse_listeners(props["advertised.listeners"])
        # every listener (and advertised listener) has a protocol; names used by settings exist
        assert set(listeners) <= set(protocol_map) and set(advertised) <= set(listeners)
        assert props["inter.broker.listener.name"] in advertised
        assert props["controller.listener.names"] in protocol_map
        is_controller = n in voters
        # Kafka 4 voters announce the advertised CONTROLLER endpoint: the private IP, never 0.0.0.0
        assert (props["controller.listener.names"] in advertised) is is_controller
        if is_controller:
            assert advertised["CONTROLLER"] == (advertised["INTERNAL"][0], PORTS.controller)
        assert ("controller" in props["process.roles"].split(",")) is is_controller
        assert (props["controller.listener.names"] in listeners) is is_controller
        if is_controller:
            host, port = voters[n].rsplit(":", 1)
            assert int(port) == listeners["CONTROLLER"][1] == PORTS.controller
            assert host == advertised["INTERNAL"][0]
        assert listeners["INTERNAL"][1] == advertised["INTERNAL"][1] == PORTS.internal
        assert listeners["EXTERNAL"] == ("0.0.0.0", PORTS.external)
        host, port = advertised["EXTERNAL"]
        assert port == PORTS.broker_base + n - 1 == 9092 + n
        assert host == f"b{n}.{az_ids[(n - 1) % 3]}.abc123.us-west-2.aws.{SUFFIX}"
        assert int(props["offsets.topic.replication.factor"]) == min(3, count)


def test_growing_past_three_keeps_the_existing_brokers_configs():
    three = cluster_configs(3, ["usw2-az1", "usw2-az2"])
    five = cluster_configs(5, ["usw2-az1", "usw2-az2"])
    assert all(three[n] == five[n] for n in (1, 2, 3))


def test_port_map_has_a_bootstrap_to_every_broker_and_one_port_per_broker():
    mappings = render.port_map([3, 1, 2], PORTS)
    assert [(m.key, m.nlb_port, m.node_ids, m.target_port) for m in mappings] == [
        ("bootstrap", 9092, (1, 2, 3), 39092),
        ("1", 9093, (1,), 39092),
        ("2", 9094, (2,), 39092),
        ("3", 9095, (3,), 39092),
    ]


@pytest.mark.parametrize(
    ("region", "prefix"),
    [
        ("us-west-2", "usw2"),
        ("us-east-1", "use1"),
        ("ap-southeast-1", "apse1"),
        ("ap-northeast-1", "apne1"),
        ("eu-central-1", "euc1"),
        ("sa-east-1", "sae1"),
        ("ca-central-1", "cac1"),
        ("us-gov-west-1", "usgw1"),
        ("cn-northwest-1", "cnnw1"),
        ("eu-south-2", "eus2"),
    ],
)
def test_zone_id_prefix_matches_aws(region, prefix):
    assert render.zone_id_prefix(region) == prefix


def test_cluster_id_is_a_stable_22_char_base64_uuid_per_component_name():
    value = render.cluster_id("tidb-kafka")
    assert value == render.cluster_id("tidb-kafka") != render.cluster_id("other")
    assert len(value) == 22 and "=" not in value
    raw = base64.urlsafe_b64decode(value + "==")
    assert uuid.UUID(bytes=raw).version == 5


def test_cluster_id_never_starts_with_a_dash_and_existing_ids_keep_their_value():
    # Kafka's Uuid.randomUuid redraws ids whose text starts with "-": the storage tool's parser
    # would take them for an option. uuid5("changefeed") is such an id.
    assert render.cluster_id("changefeed") != "-2rZj5XVWvGxd6nYaDxzPg"
    assert not render.cluster_id("changefeed").startswith("-")
    assert not [n for n in (f"kafka-{i}" for i in range(3000)) if render.cluster_id(n).startswith("-")]
    # A cluster already formatted keeps its id: growth formats new brokers with the same one.
    assert render.cluster_id("tidb-kafka") == "uIHfestUVCy76CkWdgxEJw"
    assert render.cluster_id("kafka") == "3arhhswcVWeq-t7Kjfuruw"


def test_storage_format_passes_the_cluster_id_attached_to_its_option():
    script = render.render_user_data(
        node_id=1,
        server_properties="node.id=1\n",
        kafka_cluster_id=render.cluster_id("changefeed"),
        download_url=DEFAULT_URL,
    )
    assert '--cluster-id="$CLUSTER_ID"' in script
    assert '--cluster-id "$CLUSTER_ID"' not in script
    assert render.storage_format_args("-abc", "/etc/kafka/server.properties") == [
        "format",
        "--cluster-id=-abc",
        "--config=/etc/kafka/server.properties",
        "--ignore-formatted",
    ]


def test_broker_ip_is_fixed_inside_the_subnet_and_refuses_to_overflow():
    assert render.broker_ip("10.0.64.0/18", 2) == "10.0.64.12"
    assert render.broker_ip("10.9.9.0/24", 49) == "10.9.9.59"
    with pytest.raises(ValueError, match="does not fit"):
        render.broker_ip("10.9.9.0/28", 6)


DEFAULT_URL = "https://archive.apache.org/dist/kafka/4.1.1/kafka_2.13-4.1.1.tgz"


def user_data(node_id: int = 2, url: str = DEFAULT_URL) -> str:
    props = render.render_server_properties(
        node_id=node_id,
        broker_ips={1: "10.0.0.11", 2: "10.0.64.12", 3: "10.0.128.13"},
        external_host=render.advertised_host(node_id, "usw2-az2", "abc123", "us-west-2", SUFFIX),
        ports=PORTS,
    )
    return render.render_user_data(
        node_id=node_id,
        server_properties=props,
        kafka_cluster_id=render.cluster_id("kafka"),
        download_url=url,
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://archive.apache.org/dist/kafka/4.1.1/kafka_2.13-4.1.1.tgz",
        "https://mirror.example.com/kafka/kafka 4.0.tgz?sig=a'b&c=$HOME",  # quoting must hold
    ],
)
def test_user_data_passes_shellcheck(tmp_path, url):
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is installed by scripts/install-system-deps.sh"
    script = tmp_path / "user-data.sh"
    script.write_text(user_data(url=url))
    result = subprocess.run(
        [shellcheck, "--severity=style", "--shell=bash", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_user_data_writes_the_exact_config_and_quotes_the_url(tmp_path):
    url = "https://mirror.example.com/k.tgz?x=$HOME'"
    text = user_data(url=url)
    # Run only the assignment lines through bash: the URL survives quoting byte for byte.
    assignments = "\n".join(line for line in text.splitlines() if line.startswith("readonly "))
    out = subprocess.run(
        ["bash", "-c", assignments + '\nprintf %s "$KAFKA_URL"'],
        capture_output=True,
        text=True,
        timeout=10,
        check=True,
    ).stdout
    assert out == url
    # The config heredoc is quoted, so what lands in server.properties is the rendered text as is.
    body = text.split("<<'CROSSNET_EOF'\n", 1)[1].split("\nCROSSNET_EOF", 1)[0]
    assert render.parse_properties(body)["node.id"] == "2"


def test_render_refuses_text_containing_the_heredoc_delimiter():
    with pytest.raises(ValueError, match="delimiter"):
        render.render_user_data(
            node_id=1, server_properties="x=CROSSNET_EOF\n", kafka_cluster_id="a", download_url="https://x"
        )


# Stock Apache Kafka 3.9 config/kraft files (comments trimmed): a combined broker+controller node
# and a broker-only node.
STOCK_COMBINED = """process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://:9092,CONTROLLER://:9093
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
num.network.threads=3
log.dirs=/tmp/kraft-combined-logs
"""
STOCK_BROKER = """process.roles=broker
node.id=2
controller.quorum.voters=1@localhost:9093
listeners=PLAINTEXT://localhost:9092
inter.broker.listener.name=PLAINTEXT
advertised.listeners=PLAINTEXT://localhost:9092
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL
log.dirs=/tmp/kraft-broker-logs
"""
# Neither advertised.listeners nor the protocol map set: both start from Kafka's defaults.
MINIMAL = """process.roles=broker,controller
node.id=3
controller.quorum.voters=3@10.0.0.3:9093
listeners = PLAINTEXT://0.0.0.0:9092, CONTROLLER://:9093
controller.listener.names=CONTROLLER
log.dirs=/data
"""
LISTENER_KEYS = {"listeners", "advertised.listeners", "listener.security.protocol.map"}


def run_apply(
    tmp_path, config_text: str, node_id: int = 1, runs: int = 2, external_port: int | None = None
) -> tuple[str, list[str]]:
    """Run the rolling-restart step for real against a local copy of ``config_text``: sudo is a
    pass-through shim, the "restart" appends to a log, a loopback listener stands in for the
    broker's EXTERNAL port. Returns the final file and the restart log."""
    import socket

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    (bin_dir / "sudo").chmod(0o755)
    (bin_dir / "java").write_text("#!/bin/sh\nexit 0\n")  # kafka-topics.sh needs one
    (bin_dir / "java").chmod(0o755)
    kafka_home = tmp_path / "kafka"
    (kafka_home / "bin").mkdir(parents=True, exist_ok=True)
    # no under-replicated partitions: kafka-topics.sh prints nothing
    (kafka_home / "bin" / "kafka-topics.sh").write_text("#!/bin/sh\nexit 0\n")
    (kafka_home / "bin" / "kafka-topics.sh").chmod(0o755)
    config = tmp_path / "server.properties"
    config.write_text(config_text)
    restarts = tmp_path / "restarts"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        ports = render.Ports(external=listener.getsockname()[1])
        additions = render.external_additions(
            node_id=node_id,
            external_host=f"b{node_id}.az.u.r.aws.s",
            ports=render.Ports(external=external_port or 39092),
        )
        script = tmp_path / "apply.sh"
        script.write_text(
            render.render_apply_script(
                node_id=node_id,
                additions=additions,
                config_path=str(config),
                restart_command=f"echo restarted >> {restarts}",
                kafka_home=str(kafka_home),
                ports=ports,
                private_ip="127.0.0.1",
                wait_seconds=30,
            )
        )
        env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
        for _ in range(runs):
            result = subprocess.run(
                ["bash", str(script)], capture_output=True, text=True, timeout=30, env=env, check=False
            )
            assert result.returncode == 0, result.stderr
    log = restarts.read_text().splitlines() if restarts.exists() else []
    return config.read_text(), log


@pytest.mark.parametrize("stock", [STOCK_COMBINED, STOCK_BROKER], ids=["combined", "broker-only"])
def test_apply_script_only_appends_external_and_is_idempotent(tmp_path, stock):
    text, restarts = run_apply(tmp_path, stock, runs=2)
    before, after = render.parse_properties(stock), render.parse_properties(text)
    # everything but the three listener keys is untouched: roles, quorum, listener names
    assert {k: v for k, v in after.items() if k not in LISTENER_KEYS} == {
        k: v for k, v in before.items() if k not in LISTENER_KEYS
    }
    port = 9093  # broker 1's NLB port
    assert after["listeners"] == before["listeners"] + ",EXTERNAL://0.0.0.0:39092"
    assert after["listener.security.protocol.map"] == (
        before["listener.security.protocol.map"] + ",EXTERNAL:PLAINTEXT"
    )
    assert after["advertised.listeners"] == (
        before["advertised.listeners"] + f",EXTERNAL://b1.az.u.r.aws.s:{port}"
    )
    lines = text.splitlines()
    for key in LISTENER_KEYS:
        assert sum(line.startswith(key + "=") for line in lines) == 1
    assert restarts == ["restarted"], "the second run changes nothing and does not restart"
    assert (tmp_path / "server.properties.crossnet.bak").read_text() == stock


def test_apply_script_starts_from_kafkas_defaults_when_keys_are_unset(tmp_path):
    text, _ = run_apply(tmp_path, MINIMAL, node_id=3)
    after = render.parse_properties(text)
    assert after["listeners"] == "PLAINTEXT://0.0.0.0:9092,CONTROLLER://:9093,EXTERNAL://0.0.0.0:39092"
    assert after["listener.security.protocol.map"] == render.DEFAULT_PROTOCOL_MAP + ",EXTERNAL:PLAINTEXT"
    # the controller listener is not advertised; the wildcard host becomes the broker's IP
    assert after["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9092,EXTERNAL://b3.az.u.r.aws.s:9095"
    assert after["controller.listener.names"] == "CONTROLLER"


# A broker-only node that leaves listeners to Kafka's default (PLAINTEXT://:9092).
NO_LISTENERS = """process.roles=broker
node.id=4
controller.quorum.voters=1@10.0.0.1:9093
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=/data
"""


def test_apply_script_keeps_kafkas_default_listener_when_listeners_is_unset(tmp_path):
    text, _ = run_apply(tmp_path, NO_LISTENERS, node_id=4)
    after = render.parse_properties(text)
    # Without PLAINTEXT the broker refuses to start: its inter-broker listener would be undefined.
    assert after["listeners"] == "PLAINTEXT://:9092,EXTERNAL://0.0.0.0:39092"
    assert after["advertised.listeners"] == "PLAINTEXT://127.0.0.1:9092,EXTERNAL://b4.az.u.r.aws.s:9096"
    assert after["listener.security.protocol.map"] == (
        "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,EXTERNAL:PLAINTEXT"
    )


def test_apply_script_replaces_an_older_external_entry(tmp_path):
    first, _ = run_apply(tmp_path, STOCK_COMBINED, runs=1, external_port=39000)
    text, restarts = run_apply(tmp_path, first, runs=1)
    after = render.parse_properties(text)
    assert after["listeners"] == "PLAINTEXT://:9092,CONTROLLER://:9093,EXTERNAL://0.0.0.0:39092"
    assert after["listener.security.protocol.map"].count("EXTERNAL") == 1
    assert restarts == ["restarted", "restarted"]
    # the backup keeps the file from before the first change
    assert (tmp_path / "server.properties.crossnet.bak").read_text() == STOCK_COMBINED


def test_broker_logs_go_to_a_directory_the_kafka_user_owns():
    """kafka-run-class.sh writes logs and the -loggc GC log to $LOG_DIR, default $KAFKA_HOME/logs
    (root's, from the tarball): unset, the JVM started as kafka exits. The unit sets LOG_DIR and the
    user data creates it owned by kafka before formatting storage and starting the unit."""
    text = user_data()
    unit = text.split("cat > /etc/systemd/system/kafka.service <<'CROSSNET_EOF'\n", 1)[1]
    unit = unit.split("\nCROSSNET_EOF", 1)[0]
    env = [
        line.removeprefix("Environment=").strip('"')
        for line in unit.splitlines()
        if line.startswith("Environment=")
    ]
    assert f"LOG_DIR={render.LOG_DIR}" in env
    assert not render.LOG_DIR.startswith(render.KAFKA_HOME)
    create = text.index('install -d -o kafka -g kafka -m 0750 "$LOG_DIR"')
    assert f"readonly LOG_DIR={render.LOG_DIR}\n" in text
    fmt = text.index('kafka-storage.sh" \\\n  format')
    assert create < fmt < text.index("systemctl enable --now kafka.service")
    assert 'runuser -u kafka -- env LOG_DIR="$LOG_DIR"' in text


def test_the_directory_preparation_runs_and_leaves_kafka_owned_dirs(tmp_path):
    """Run the user data's directory steps (paths moved under a temp root, no network, no
    package manager) as root: the log, data and config directories end up owned by kafka."""
    import os
    import pwd

    text = user_data()
    start = text.index("readonly KAFKA_HOME=")
    steps = [
        line
        for line in text[start:].splitlines()
        if line.startswith(
            (
                "readonly KAFKA_HOME",
                "readonly CONFIG",
                "readonly DATA_MOUNT",
                "readonly DATA_DIR",
                "readonly LOG_DIR",
                "mkdir -p",
                "chown -R",
                "install -d",
            )
        )
    ]
    script = "set -euo pipefail\n" + "\n".join(steps)
    root = tmp_path / "root"
    for absolute in ("/opt/kafka", "/etc/kafka", "/var/lib/kafka", "/var/log/kafka"):
        script = script.replace(absolute, f"{root}{absolute}")
    user = "nobody"  # stands in for the kafka user, which the test does not create
    script = script.replace("kafka:kafka", f"{user}:nogroup").replace(
        "-o kafka -g kafka", f"-o {user} -g nogroup"
    )
    if os.geteuid() != 0:
        pytest.skip("chown needs root")
    subprocess.run(["bash", "-c", script], check=True, timeout=10)
    uid = pwd.getpwnam(user).pw_uid
    for path in ("var/log/kafka", "var/lib/kafka/data", "etc/kafka"):
        assert (root / path).stat().st_uid == uid, path
    assert (root / "opt/kafka").stat().st_uid == 0


LAYOUT = render.render_layout(
    controllers=[1, 2, 3],
    placement={1: ("usw2-az1", "10.0.32.11"), 2: ("usw2-az2", "10.0.64.12"), 3: ("usw2-az3", "10.0.96.13")},
    nlb_az_ids=["usw2-az1", "usw2-az2", "usw2-az3"],
)


def guard(deployed: str, new: str) -> subprocess.CompletedProcess[str]:
    """Run the layout guard's update as pulumi-command does: ``sh -c`` with the previous stdout."""
    return subprocess.run(
        ["/bin/sh", "-c", render.render_layout_guard_update("tidb-kafka")],
        env={"PATH": "/usr/bin:/bin", "PULUMI_COMMAND_STDOUT": deployed, "CROSSNET_LAYOUT": new},
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )


def test_layout_guard_lets_growth_through_and_records_the_new_layout():
    grown = LAYOUT + "\nbroker 4 az=usw2-az1 ip=10.0.32.14\nnlb-az usw2-az4"
    result = guard(LAYOUT, grown)
    assert result.returncode == 0, result.stderr
    assert result.stdout == grown + "\n"
    assert guard(LAYOUT, LAYOUT).returncode == 0


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            lambda t: t.replace("broker 3 az=usw2-az3 ip=10.0.96.13", "broker 3 az=usw2-az1 ip=10.0.32.13"),
            "broker 3",
        ),
        (lambda t: t.replace("controllers 1,2,3", "controllers 1"), "controllers 1,2,3"),
        (lambda t: t.replace("\nnlb-az usw2-az3", ""), "nlb-az usw2-az3"),
        (lambda t: t.replace("\nbroker 3 az=usw2-az3 ip=10.0.96.13", ""), "broker 3"),
    ],
    ids=["moved", "quorum", "az-removed", "shrunk"],
)
def test_layout_guard_refuses_what_cannot_be_done_in_place(change, line):
    result = guard(LAYOUT, change(LAYOUT))
    assert result.returncode == 1
    assert "tidb-kafka" in result.stderr and "cannot be done in place" in result.stderr
    assert f"  {line}" in result.stderr


def run_bash(script: str, tmp_path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "step.sh"
    path.write_text(script)
    return subprocess.run(
        ["bash", str(path)],
        env={"PATH": f"{tmp_path}/bin:/usr/bin:/bin", **(env or {})},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def fake(tmp_path, name: str, body: str) -> None:
    """A command on the test's PATH (tmp_path/bin) standing in for a network tool."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / name).write_text("#!/bin/bash\n" + body)
    (bin_dir / name).chmod(0o755)


def test_install_steps_retry_with_a_bound(tmp_path):
    fake(tmp_path, "sleep", "exit 0\n")  # the real waits are 10..60 s
    counter = tmp_path / "tries"
    # a package install that fails twice (the NAT route is late), then works
    fake(tmp_path, "flaky", f'echo x >> {counter}; [ "$(wc -l < {counter})" -ge 3 ]\n')
    result = run_bash(f"set -euo pipefail\n{render.RETRY_FUNCTION}\nretry flaky\necho done\n", tmp_path)
    assert result.returncode == 0 and result.stdout == "done\n", result.stderr
    assert counter.read_text().count("x") == 3
    counter.unlink()
    fake(tmp_path, "broken", f"echo x >> {counter}; exit 1\n")
    result = run_bash(
        f"set -euo pipefail\n{render.RETRY_FUNCTION}\nretry broken\necho not reached\n", tmp_path
    )
    assert result.returncode == 1 and "not reached" not in result.stdout
    assert counter.read_text().count("x") == render.INSTALL_ATTEMPTS
    assert f"giving up after {render.INSTALL_ATTEMPTS} attempts: broken" in result.stderr
    text = user_data()
    assert "retry dnf install -y java-21-amazon-corretto-headless" in text
    assert "retry curl --fail" in text


def _tarball(tmp_path) -> tuple[str, str]:
    """A Kafka-shaped .tgz (kafka_2.13-x/bin/kafka-server-start.sh) and its SHA-512."""
    import hashlib
    import tarfile

    top = tmp_path / "src" / "kafka_2.13-4.1.1" / "bin"
    top.mkdir(parents=True)
    (top / "kafka-server-start.sh").write_text("#!/bin/sh\n")
    (top / "kafka-server-start.sh").chmod(0o755)
    archive = tmp_path / "kafka_2.13-4.1.1.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(tmp_path / "src" / "kafka_2.13-4.1.1", arcname="kafka_2.13-4.1.1")
    return str(archive), hashlib.sha512(archive.read_bytes()).hexdigest()


def _apache_format(name: str, digest: str) -> str:
    """How Apache's .sha512 files print a digest (gpg --print-md SHA512): upper case, in groups."""
    groups = [digest[i : i + 8].upper() for i in range(0, 128, 8)]
    return f"{name}: {' '.join(groups[:6])}\n{' ' * (len(name) + 2)}{' '.join(groups[6:])}\n"


@pytest.mark.parametrize("source", ["input", "apache-file", "sha512sum-file"])
def test_the_kafka_archive_is_installed_only_when_its_sha512_matches(tmp_path, source):
    archive, digest = _tarball(tmp_path)
    if source == "apache-file":
        (tmp_path / "kafka_2.13-4.1.1.tgz.sha512").write_text(_apache_format("kafka_2.13-4.1.1.tgz", digest))
    elif source == "sha512sum-file":
        (tmp_path / "kafka_2.13-4.1.1.tgz.sha512").write_text(f"{digest}  kafka_2.13-4.1.1.tgz\n")
    home = tmp_path / "kafka"
    env = {
        "KAFKA_URL": f"file://{archive}",
        "KAFKA_HOME": str(home),
        "KAFKA_SHA512": digest if source == "input" else "",
    }
    script = f"set -euo pipefail\n{render.RETRY_FUNCTION}\n{render.FETCH_KAFKA}\n"
    result = run_bash(script, tmp_path, env)
    assert result.returncode == 0, result.stderr
    assert (home / "bin" / "kafka-server-start.sh").exists()

    # the same archive against another digest: refused, nothing installed
    other = tmp_path / "other"
    result = run_bash(script, tmp_path, {**env, "KAFKA_HOME": str(other), "KAFKA_SHA512": "0" * 128})
    assert result.returncode == 1 and "SHA-512" in result.stderr
    assert not (other / "bin").exists()


def test_a_missing_published_checksum_stops_the_install(tmp_path):
    fake(tmp_path, "sleep", "exit 0\n")
    archive, _ = _tarball(tmp_path)
    env = {"KAFKA_URL": f"file://{archive}", "KAFKA_HOME": str(tmp_path / "kafka"), "KAFKA_SHA512": ""}
    result = run_bash(f"set -euo pipefail\n{render.RETRY_FUNCTION}\n{render.FETCH_KAFKA}\n", tmp_path, env)
    assert result.returncode != 0
    assert not (tmp_path / "kafka" / "bin").exists()


def health_wait(tmp_path, states: list[str], timeout: int = 3) -> subprocess.CompletedProcess[str]:
    """Run the wait with an ``aws`` stand-in answering ``states`` in turn (the last one repeats)."""
    answers = tmp_path / "answers"
    answers.write_text("\n".join(states) + "\n")
    calls = tmp_path / "calls"
    fake(
        tmp_path,
        "aws",
        f'echo "$*" >> {calls}\nline="$(head -n 1 {answers})"\n'
        f'if [ "$(wc -l < {answers})" -gt 1 ]; then sed -i 1d {answers}; fi\nprintf "%s\\n" "$line"\n',
    )
    env = {
        "BROKER": "2",
        "INSTANCE_ID": "i-0abc",
        "TARGET_GROUP_ARN": "arn:aws:elasticloadbalancing:us-west-2:1:targetgroup/x/1",
        "TARGET_PORT": "39092",
        "AWS_REGION": "us-west-2",
        "CROSSNET_POLL_SECONDS": "0.1",
    }
    return run_bash(render.render_health_wait(timeout_seconds=timeout), tmp_path, env)


def test_the_health_wait_ends_when_the_broker_is_healthy(tmp_path):
    result = health_wait(
        tmp_path,
        ["initial\tElb.RegistrationInProgress\tRegistering", "unhealthy\tx\ty", "healthy\tNone\tNone"],
    )
    assert result.returncode == 0, result.stderr
    assert "broker 2 (i-0abc) is healthy" in result.stdout
    calls = (tmp_path / "calls").read_text().splitlines()
    assert len(calls) == 3
    assert "--targets Id=i-0abc,Port=39092" in calls[0] and "--region us-west-2" in calls[0]


def test_the_health_wait_fails_naming_the_broker_and_its_cloud_init_log(tmp_path):
    result = health_wait(tmp_path, ["unhealthy\tTarget.FailedHealthChecks\tHealth checks failed"], timeout=1)
    assert result.returncode == 1
    assert "broker 2 (i-0abc) is not healthy behind the NLB after 1 s: unhealthy" in result.stderr
    assert render.CLOUD_INIT_LOG in result.stderr
    assert "aws ssm start-session --region us-west-2 --target i-0abc" in result.stderr


@pytest.mark.parametrize("missing", ["kafka-topics", "java"])
def test_the_rolling_step_fails_loudly_when_it_cannot_check_replication(tmp_path, missing):
    """A wrong kafka_home or no java on the SSH user's PATH used to skip the under-replicated
    check; now the step stops before touching the broker and says why."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec "$@"\n')
    (bin_dir / "sudo").chmod(0o755)
    home = tmp_path / "kafka"
    (home / "bin").mkdir(parents=True)
    if missing != "kafka-topics":
        (home / "bin" / "kafka-topics.sh").write_text("#!/bin/sh\nexit 0\n")
        (home / "bin" / "kafka-topics.sh").chmod(0o755)
    config = tmp_path / "server.properties"
    config.write_text(STOCK_BROKER)
    script = render.render_apply_script(
        node_id=2,
        additions=render.external_additions(node_id=2, external_host="b2.az.u.r.aws.s", ports=render.Ports()),
        config_path=str(config),
        restart_command=f"echo restarted >> {tmp_path / 'restarts'}",
        kafka_home=str(home),
        ports=render.Ports(),
        private_ip="127.0.0.1",
        wait_seconds=30,
    )
    # only the tools the step uses: no java anywhere on the PATH (this machine has one in /usr/bin)
    import shutil

    for tool in ("cat", "cp", "head", "sed", "tail", "tee", "test", "tr"):
        found = shutil.which(tool)
        assert found is not None, tool
        (bin_dir / tool).symlink_to(found)
    env = {"PATH": str(bin_dir)}
    result = subprocess.run(
        ["/bin/bash", "-c", script], env=env, capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 1
    expected = "kafka-topics.sh" if missing == "kafka-topics" else "java"
    assert expected in result.stderr and "broker 2" in result.stderr
    assert config.read_text() == STOCK_BROKER and not (tmp_path / "restarts").exists()


def test_the_mock_az_lookup_uses_the_components_zone_id_prefix_even_for_govcloud():
    from plan.answers.common import aws_zones

    # it re-implemented the prefix and crashed on us-gov-west-1, a region ids.py accepts
    zone_ids = [zone_id for _, zone_id in aws_zones("us-gov-west-1")]
    assert zone_ids and all(z.startswith("usgw1-az") for z in zone_ids)
