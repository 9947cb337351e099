"""Pure functions: the broker layout, port map, ``server.properties`` and cloud-init user data.

Everything here takes plain values and returns plain values or text, so it is
tested directly (and the user data is run through shellcheck) without Pulumi.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import shlex
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

LISTENER_CONTROLLER = "CONTROLLER"
LISTENER_INTERNAL = "INTERNAL"
LISTENER_EXTERNAL = "EXTERNAL"
KAFKA_HOME = "/opt/kafka"
CONFIG_PATH = "/etc/kafka/server.properties"
# The broker's own EBS volume is mounted here (it survives instance replacement); the log dirs are in it.
DATA_MOUNT = "/var/lib/kafka"
DATA_DIR = "/var/lib/kafka/data"
DATA_DEVICE = "/dev/sdf"
CLOUD_INIT_LOG = "/var/log/cloud-init-output.log"
# kafka-server-start.sh writes its logs and GC logs to $LOG_DIR (default $KAFKA_HOME/logs, which
# is root's): the unit points it at a directory the kafka user owns, or the JVM exits at start.
LOG_DIR = "/var/log/kafka"
# Host offset inside a broker's subnet: AWS reserves .0-.3, so broker n gets network + 10 + n.
BROKER_IP_OFFSET = 10

_DIRECTIONS = {
    "east": "e",
    "west": "w",
    "north": "n",
    "south": "s",
    "central": "c",
    "northeast": "ne",
    "southeast": "se",
    "northwest": "nw",
    "southwest": "sw",
}


@dataclass(frozen=True)
class Ports:
    """Ports on the NLB (bootstrap, broker_base) and on every broker (the other three)."""

    bootstrap: int = 9092
    broker_base: int = 9093
    internal: int = 9092
    external: int = 39092
    controller: int = 29092

    def nlb_port(self, node_id: int) -> int:
        """The NLB port that reaches broker ``node_id`` (and that it advertises)."""
        return self.broker_base + node_id - 1


@dataclass(frozen=True)
class PortMapping:
    """One NLB listener: ``nlb_port`` forwards to ``target_port`` on every broker in ``node_ids``."""

    key: str  # "bootstrap" or the broker's node id
    nlb_port: int
    node_ids: tuple[int, ...]
    target_port: int


def zone_id_prefix(region: str) -> str:
    """The AZ-ID prefix AWS uses for a region: us-west-2 -> usw2, ap-southeast-1 -> apse1,
    us-gov-west-1 -> usgw1."""
    parts = region.split("-")
    area, middle, number = parts[0], parts[1:-1], parts[-1]
    if middle and middle[0] == "gov":
        area, middle = area + "g", middle[1:]
    return area + "".join(_DIRECTIONS.get(m, m[:2]) for m in middle) + number


def cluster_id(component_name: str) -> str:
    """A stable KRaft cluster id: a UUID derived from the component name, as Kafka prints it
    (URL-safe base64 without padding, 22 characters).

    Like Kafka's own ``Uuid.randomUuid`` (clients, ``org.apache.kafka.common.Uuid``), an id whose
    text starts with ``-`` is never used (a command line would read it as an option): the next
    derivation is taken instead. Ids that never started with ``-`` keep their value, so a running
    cluster's new brokers format with the id its first brokers have.
    """
    seed = f"crossnet:kafka:{component_name}"
    attempt = 0
    while True:
        raw = uuid.uuid5(uuid.NAMESPACE_URL, seed if attempt == 0 else f"{seed}#{attempt}").bytes
        text = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        if not text.startswith("-"):
            return text
        attempt += 1


def storage_format_args(kafka_cluster_id: str, config_path: str) -> list[str]:
    """The arguments of ``kafka-storage.sh`` that format a broker's log dirs: each value attached to
    its option with ``=``, so no value is ever parsed as an option; already formatted is no error."""
    return ["format", f"--cluster-id={kafka_cluster_id}", f"--config={config_path}", "--ignore-formatted"]


def broker_az(node_id: int, az_ids: Sequence[str]) -> str:
    """Brokers spread over the AZ IDs in order: broker n in ``az_ids[(n-1) % len(az_ids)]``."""
    return az_ids[(node_id - 1) % len(az_ids)]


def advertised_host(node_id: int, az_id: str, unique_name: str, region: str, suffix: str) -> str:
    """``b{n}.{az_id}.{unique}.{region}.aws.{suffix}``: the name TiDB Cloud resolves to its endpoint."""
    return f"b{node_id}.{az_id}.{unique_name}.{region}.aws.{suffix}"


def controller_ids(node_ids: Sequence[int]) -> list[int]:
    """A quorum for a set of brokers when none is given: the three lowest node ids (one below
    three). It depends on the broker count below three, so the component never uses it: its
    quorum is ``controller_count``'s node ids, fixed for the cluster's life."""
    ordered = sorted(node_ids)
    return ordered[:3] if len(ordered) >= 3 else ordered[:1]


# An NLB forgets a TCP flow idle for 350 s without telling either end (AWS: Network Load Balancers,
# "Connection idle timeout"); Kafka's default of 10 minutes would leave clients writing into a dead
# connection. The broker closes idle connections first.
CONNECTIONS_MAX_IDLE_MS = 300_000


def replication_factor(broker_count: int) -> int:
    return min(3, broker_count)


def broker_ip(subnet_cidr: str, node_id: int, offset: int = BROKER_IP_OFFSET) -> str:
    """The fixed private IP of broker ``node_id`` in its subnet, network + ``offset`` + node id (known
    before the instance exists, which lets every broker's config name the controller voters without
    a dependency cycle)."""
    net = ipaddress.IPv4Network(subnet_cidr)
    address = net.network_address + offset + node_id
    if address not in net or address == net.broadcast_address:
        raise ValueError(f"broker {node_id} does not fit in subnet {subnet_cidr}")
    return str(address)


def port_map(node_ids: Sequence[int], ports: Ports) -> list[PortMapping]:
    """The NLB listeners: bootstrap to every broker, then one port per broker, all to EXTERNAL."""
    ordered = tuple(sorted(node_ids))
    mappings = [PortMapping("bootstrap", ports.bootstrap, ordered, ports.external)]
    mappings += [PortMapping(str(n), ports.nlb_port(n), (n,), ports.external) for n in ordered]
    return mappings


def listener_settings(
    *,
    node_id: int,
    private_ip: str,
    external_host: str,
    ports: Ports,
    controller: bool,
    advertise_controller: bool = True,
) -> dict[str, str]:
    """The listener keys of one broker: three named listeners, EXTERNAL advertised as the NLB port.

    A controller advertises its CONTROLLER listener at its private IP when ``advertise_controller``
    (Kafka 3.9+, KIP-853: voters announce that endpoint to the quorum; unadvertised, a wildcard
    listener is announced as the host's canonical name, which other brokers may not resolve).
    Kafka before 3.9 refuses a controller listener in a broker's advertised.listeners."""
    listeners = []
    if controller:
        listeners.append(f"{LISTENER_CONTROLLER}://0.0.0.0:{ports.controller}")
    listeners += [
        f"{LISTENER_INTERNAL}://0.0.0.0:{ports.internal}",
        f"{LISTENER_EXTERNAL}://0.0.0.0:{ports.external}",
    ]
    protocol_map = ",".join(
        f"{name}:PLAINTEXT" for name in (LISTENER_CONTROLLER, LISTENER_INTERNAL, LISTENER_EXTERNAL)
    )
    advertised = (
        f"{LISTENER_INTERNAL}://{private_ip}:{ports.internal},"
        f"{LISTENER_EXTERNAL}://{external_host}:{ports.nlb_port(node_id)}"
    )
    if controller and advertise_controller:
        advertised += f",{LISTENER_CONTROLLER}://{private_ip}:{ports.controller}"
    return {
        "listeners": ",".join(listeners),
        "advertised.listeners": advertised,
        "listener.security.protocol.map": protocol_map,
        "inter.broker.listener.name": LISTENER_INTERNAL,
        "controller.listener.names": LISTENER_CONTROLLER,
    }


def render_properties(settings: Mapping[str, str | int], header: str = "") -> str:
    lines = [f"# {line}" for line in header.splitlines()] if header else []
    lines += [f"{key}={value}" for key, value in settings.items()]
    return "\n".join(lines) + "\n"


def render_server_properties(
    *,
    node_id: int,
    broker_ips: Mapping[int, str],
    external_host: str,
    ports: Ports,
    controllers: Sequence[int] | None = None,
    rack: str | None = None,
    advertise_controller: bool = True,
) -> str:
    """The full ``server.properties`` of broker ``node_id`` in a KRaft cluster of ``broker_ips``;
    ``rack`` (the broker's AZ ID) makes replica placement rack-aware.

    ``controllers`` is the fixed quorum (the component passes ``controller_count``'s node ids);
    unset, :func:`controller_ids` of the brokers."""
    controllers = list(controllers) if controllers is not None else controller_ids(list(broker_ips))
    is_controller = node_id in controllers
    replicas = replication_factor(len(broker_ips))
    settings: dict[str, str | int] = {
        "process.roles": "broker,controller" if is_controller else "broker",
        "node.id": node_id,
        "controller.quorum.voters": ",".join(f"{n}@{broker_ips[n]}:{ports.controller}" for n in controllers),
        **listener_settings(
            node_id=node_id,
            private_ip=broker_ips[node_id],
            external_host=external_host,
            ports=ports,
            controller=is_controller,
            advertise_controller=advertise_controller,
        ),
        **({"broker.rack": rack} if rack else {}),
        "log.dirs": DATA_DIR,
        "connections.max.idle.ms": CONNECTIONS_MAX_IDLE_MS,
        "num.partitions": 3,
        "default.replication.factor": replicas,
        "min.insync.replicas": max(1, replicas - 1),
        "offsets.topic.replication.factor": replicas,
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": max(1, replicas - 1),
        "auto.create.topics.enable": "true",
    }
    return render_properties(settings, f"Rendered by crossnet KafkaPrivateLinkCluster: broker {node_id}")


def parse_properties(text: str) -> dict[str, str]:
    """``key=value`` lines of a properties file (comments and blank lines skipped)."""
    result = {}
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "!")):
            continue
        key, _, value = stripped.partition("=")
        result[key.strip()] = value.strip()
    return result


def parse_listeners(value: str) -> dict[str, tuple[str, int]]:
    """``NAME://host:port,...`` -> {NAME: (host, port)}."""
    result = {}
    for item in filter(None, value.split(",")):
        name, _, address = item.partition("://")
        host, _, port = address.rpartition(":")
        result[name] = (host, int(port))
    return result


_SYSTEMD_UNIT = f"""[Unit]
Description=Apache Kafka (KRaft) broker
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=kafka
Group=kafka
Environment="KAFKA_HEAP_OPTS=-Xms1g -Xmx1g"
Environment=LOG_DIR={LOG_DIR}
ExecStart={KAFKA_HOME}/bin/kafka-server-start.sh {CONFIG_PATH}
ExecStop={KAFKA_HOME}/bin/kafka-server-stop.sh
Restart=on-failure
RestartSec=5
LimitNOFILE=100000
TimeoutStopSec=180

[Install]
WantedBy=multi-user.target
"""


# Run "$@" until it succeeds, at most INSTALL_ATTEMPTS times, waiting 10 s, 20 s, ... (at most 60 s)
# in between: a NAT route or package mirror that is late by a few minutes does not fail the setup.
INSTALL_ATTEMPTS = 10
RETRY_FUNCTION = f"""retry() {{
  local attempt=1
  until "$@"; do
    if [ "$attempt" -ge {INSTALL_ATTEMPTS} ]; then
      echo "crossnet: giving up after $attempt attempts: $*" >&2
      return 1
    fi
    sleep $((attempt < 6 ? attempt * 10 : 60))
    attempt=$((attempt + 1))
  done
}}"""

# Download Kafka to $KAFKA_HOME unless it is there, verified against $KAFKA_SHA512, or when that is
# empty against the checksum Apache publishes next to the archive ($KAFKA_URL.sha512, printed by
# gpg --print-md as "<file>: HEX HEX ..." over several lines, or sha512sum's "<hex>  <file>").
FETCH_KAFKA = """if [ ! -x "$KAFKA_HOME/bin/kafka-server-start.sh" ]; then
  archive="$(mktemp)"
  retry curl --fail --silent --show-error --location --output "$archive" "$KAFKA_URL"
  expected="$KAFKA_SHA512"
  if [ -z "$expected" ]; then
    sums="$(retry curl --fail --silent --show-error --location "$KAFKA_URL.sha512")"
    case "$sums" in
      *:*) expected="${sums#*:}" ;;
      *) expected="${sums%%[[:space:]]*}" ;;
    esac
  fi
  expected="$(printf '%s' "$expected" | tr -d '[:space:]' | tr 'A-F' 'a-f')"
  actual="$(sha512sum "$archive" | cut -d ' ' -f 1)"
  if [ "${#expected}" -ne 128 ] || [ "$actual" != "$expected" ]; then
    echo "crossnet: $KAFKA_URL has SHA-512 $actual, expected ${expected:-nothing}: not installed" >&2
    rm -f "$archive"
    exit 1
  fi
  mkdir -p "$KAFKA_HOME"
  tar -xzf "$archive" -C "$KAFKA_HOME" --strip-components=1
  rm -f "$archive"
fi"""

# Mount the broker's own EBS volume, attached as $DATA_DEVICE, at $DATA_MOUNT, with a new filesystem
# only when the volume has none: a replaced instance finds the previous instance's log dirs there.
# On Nitro instances the volume is an NVMe device; Amazon Linux's udev rules (amazon-ec2-utils) link
# it to the device name it was attached as. The volume may be attached after the instance booted.
MOUNT_DATA = """device=""
for _ in $(seq 1 60); do
  for candidate in "$DATA_DEVICE" "/dev/xvd${DATA_DEVICE#/dev/sd}"; do
    if [ -b "$candidate" ]; then
      device="$(readlink -f "$candidate")"
      break 2
    fi
  done
  sleep 5
done
if [ -z "$device" ]; then
  echo "crossnet: no data volume at $DATA_DEVICE after 300 s" >&2
  exit 1
fi
if ! blkid "$device" >/dev/null 2>&1; then
  mkfs.xfs -q -L kafka-data "$device"
fi
uuid="$(blkid -s UUID -o value "$device")"
mkdir -p "$DATA_MOUNT"
if ! grep -q "^UUID=$uuid " /etc/fstab; then
  echo "UUID=$uuid $DATA_MOUNT xfs defaults,nofail 0 2" >> /etc/fstab
fi
if ! mountpoint -q "$DATA_MOUNT"; then
  mount "$DATA_MOUNT"
fi"""


def render_user_data(
    *,
    node_id: int,
    server_properties: str,
    kafka_cluster_id: str,
    download_url: str,
    sha512: str | None = None,
    data_volume: bool = False,
) -> str:
    """The cloud-init user data (a shell script) that mounts the broker's data volume, installs Java
    and Kafka (downloads retried with a bound, the archive checked against its SHA-512), writes the
    config, formats KRaft storage with the cluster id, and starts a systemd unit. Safe to run twice.
    Any failure names the step and the log to read (/var/log/cloud-init-output.log)."""
    for text in (server_properties, _SYSTEMD_UNIT):
        if "CROSSNET_EOF" in text:
            raise ValueError("rendered file contains the heredoc delimiter")
    if sha512 is not None and not re.fullmatch(r"[0-9a-f]{128}", sha512):
        raise ValueError("sha512 must be 128 lowercase hex digits")
    # A "$" or backquote in the URL is literal on purpose (single-quoted); say so to shellcheck.
    literal = "# shellcheck disable=SC2016\n" if any(c in download_url for c in "$`") else ""
    mount = f"\nreadonly DATA_DEVICE={DATA_DEVICE}\n{MOUNT_DATA}\n" if data_volume else ""
    return f"""#!/bin/bash
# crossnet KafkaPrivateLinkCluster broker {node_id}: data volume, Java, Kafka, KRaft storage, systemd unit.
set -euo pipefail
trap 'echo "crossnet: broker {node_id} setup failed at line $LINENO; see {CLOUD_INIT_LOG}" >&2' ERR

{literal}readonly KAFKA_URL={shlex.quote(download_url)}
readonly KAFKA_SHA512={shlex.quote(sha512 or "")}
readonly KAFKA_HOME={KAFKA_HOME}
readonly CLUSTER_ID={shlex.quote(kafka_cluster_id)}
readonly CONFIG={CONFIG_PATH}
readonly DATA_MOUNT={DATA_MOUNT}
readonly DATA_DIR={DATA_DIR}
readonly LOG_DIR={LOG_DIR}

{RETRY_FUNCTION}
{mount}
if command -v dnf >/dev/null 2>&1; then
  retry dnf install -y java-21-amazon-corretto-headless tar gzip xfsprogs
else
  retry apt-get update -q
  DEBIAN_FRONTEND=noninteractive retry apt-get install -y -q openjdk-17-jre-headless curl xfsprogs
fi

if ! id kafka >/dev/null 2>&1; then
  useradd --system --home-dir "$DATA_MOUNT" --shell /sbin/nologin kafka
fi
mkdir -p "$KAFKA_HOME" "$DATA_DIR" "$(dirname "$CONFIG")"

{FETCH_KAFKA}

cat > "$CONFIG" <<'CROSSNET_EOF'
{server_properties.rstrip()}
CROSSNET_EOF

chown -R kafka:kafka "$DATA_MOUNT" "$(dirname "$CONFIG")"
install -d -o kafka -g kafka -m 0750 "$LOG_DIR"
runuser -u kafka -- env LOG_DIR="$LOG_DIR" "$KAFKA_HOME/bin/kafka-storage.sh" \\
  {" ".join(storage_format_args('"$CLUSTER_ID"', '"$CONFIG"'))}

cat > /etc/systemd/system/kafka.service <<'CROSSNET_EOF'
{_SYSTEMD_UNIT.rstrip()}
CROSSNET_EOF

systemctl daemon-reload
systemctl enable --now kafka.service
"""


def render_health_wait(*, timeout_seconds: int) -> str:
    """The wait ``pulumi up`` runs (a local command, bash) after each broker: poll the broker's
    target in its own target group (``aws elbv2 describe-target-health``) until it is healthy, or
    fail after ``timeout_seconds`` naming the broker, its state and the cloud-init log to read.
    Reads BROKER, INSTANCE_ID, TARGET_GROUP_ARN, TARGET_PORT and AWS_REGION from the environment."""
    return f"""set -euo pipefail
readonly TIMEOUT={int(timeout_seconds)}
deadline=$((SECONDS + TIMEOUT))
while true; do
  state="$(aws elbv2 describe-target-health --region "$AWS_REGION" --target-group-arn "$TARGET_GROUP_ARN" \\
    --targets "Id=$INSTANCE_ID,Port=$TARGET_PORT" \\
    --query 'TargetHealthDescriptions[0].TargetHealth.[State,Reason,Description]' --output text 2>&1)" \\
    || state="unknown (aws elbv2 describe-target-health failed: $state)"
  case "$state" in
    healthy*)
      echo "broker $BROKER ($INSTANCE_ID) is healthy behind the NLB"
      exit 0
      ;;
  esac
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "broker $BROKER ($INSTANCE_ID) is not healthy behind the NLB after $TIMEOUT s: $state" >&2
    echo "Its setup log is {CLOUD_INIT_LOG} on the instance (and journalctl -u kafka):" >&2
    echo "  aws ssm start-session --region $AWS_REGION --target $INSTANCE_ID" >&2
    exit 1
  fi
  sleep "${{CROSSNET_POLL_SECONDS:-15}}"
done
"""


# Kafka's listeners when the key is unset (SocketServerConfigs.LISTENERS_DEFAULT).
DEFAULT_LISTENERS = "PLAINTEXT://:9092"
# Kafka's listener.security.protocol.map when the key is unset (each protocol maps to itself).
DEFAULT_PROTOCOL_MAP = "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL"


def external_additions(*, node_id: int, external_host: str, ports: Ports) -> dict[str, str]:
    """What an existing broker gains: one EXTERNAL entry appended to each of three keys. The
    broker's other listeners, its controller settings and the listener names stay as they are."""
    return {
        "listeners": f"{LISTENER_EXTERNAL}://0.0.0.0:{ports.external}",
        "listener.security.protocol.map": f"{LISTENER_EXTERNAL}:PLAINTEXT",
        "advertised.listeners": f"{LISTENER_EXTERNAL}://{external_host}:{ports.nlb_port(node_id)}",
    }


def render_additions(node_id: int, additions: Mapping[str, str]) -> str:
    """``additions`` as text for the ``listener_settings`` output of an existing broker."""
    return render_properties(
        additions,
        (
            f"Broker {node_id} (crossnet): append each entry to the broker's existing value of the key\n"
            "(comma-separated; replace an EXTERNAL entry already there). Unset listeners starts from\n"
            f"Kafka's default {DEFAULT_LISTENERS}; unset advertised.listeners\n"
            "starts from listeners without the controller listeners, 0.0.0.0 and empty hosts as the\n"
            "broker's private IP; unset listener.security.protocol.map from Kafka's default."
        ),
    )


def render_apply_script(
    *,
    node_id: int,
    additions: Mapping[str, str],
    config_path: str,
    restart_command: str,
    kafka_home: str,
    ports: Ports,
    private_ip: str,
    wait_seconds: int = 600,
) -> str:
    """The script that adds the EXTERNAL listener to a running broker and restarts it, then waits
    (bounded) until it serves again and no partition is under-replicated: the rolling restart step.

    It reads the broker's current ``listeners``, ``advertised.listeners`` and
    ``listener.security.protocol.map`` and appends ``additions`` (from :func:`external_additions`)
    to them, replacing an EXTERNAL entry already there; nothing else changes, so combined and
    broker-only nodes keep their controller settings. Running it again changes nothing and does not
    restart. The file before the first change is kept as ``<config>.crossnet.bak``.
    """
    keys = ("listeners", "listener.security.protocol.map", "advertised.listeners")
    if set(additions) != set(keys):
        raise ValueError(f"additions must set exactly {', '.join(keys)}")
    for value in additions.values():
        if not value.startswith(LISTENER_EXTERNAL + ":") or any(c in value for c in ",'\"\\\n$`"):
            raise ValueError(f"not a single EXTERNAL entry: {value!r}")
    q = shlex.quote
    return f"""#!/bin/bash
# crossnet KafkaPrivateLinkCluster: add the EXTERNAL listener to broker {node_id}, restart, wait to rejoin.
set -euo pipefail

readonly CONFIG={q(config_path)}
readonly KAFKA_HOME={q(kafka_home)}
readonly BOOTSTRAP={q(f"{private_ip}:{ports.internal}")}
readonly PRIVATE_IP={q(private_ip)}
readonly DEADLINE=$((SECONDS + {int(wait_seconds)}))

# The step must be able to check replication before it restarts anything: a wrong kafka_home or no
# java for this user would otherwise let the next broker restart while partitions are short of replicas.
if [ ! -x "$KAFKA_HOME/bin/kafka-topics.sh" ]; then
  echo "broker {node_id}: $KAFKA_HOME/bin/kafka-topics.sh not found (set broker_ssh.kafka_home);" \\
    "nothing changed" >&2
  exit 1
fi
if ! {{ [ -n "${{JAVA_HOME:-}}" ] && [ -x "$JAVA_HOME/bin/java" ]; }} \\
    && ! command -v java >/dev/null 2>&1; then
  echo "broker {node_id}: no java on this user's PATH or JAVA_HOME (kafka-topics.sh needs it);" \\
    "nothing changed" >&2
  exit 1
fi

current="$(sudo cat "$CONFIG")"

# The last value of key $1 in the current file, spaces removed; empty when unset.
prop() {{
  local pattern
  pattern="$(printf '%s' "$1" | sed 's/[.]/[.]/g')"
  printf '%s\\n' "$current" | sed -n -E "s/^[[:space:]]*${{pattern}}[[:space:]]*[=:][[:space:]]*//p" \\
    | tail -n 1 | tr -d '[:space:]'
}}

# Comma list $1 without its {LISTENER_EXTERNAL} entry, with entry $2 appended.
with_external() {{
  local item result=""
  local -a items
  IFS=, read -r -a items <<< "$1"
  for item in "${{items[@]}}"; do
    case "$item" in
      ""|{LISTENER_EXTERNAL}:*) ;;
      *) result="${{result:+$result,}}$item" ;;
    esac
  done
  printf '%s' "${{result:+$result,}}$2"
}}

# advertised.listeners when unset: listeners minus the controller listeners, wildcard hosts as the IP.
default_advertised() {{
  local item name address host result=""
  local -a items
  IFS=, read -r -a items <<< "$old_listeners"
  for item in "${{items[@]}}"; do
    name="${{item%%://*}}"
    address="${{item#*://}}"
    host="${{address%:*}}"
    case ",$(prop controller.listener.names)," in *",$name,"*) continue ;; esac
    case "$host" in ""|0.0.0.0|"[::]") host="$PRIVATE_IP" ;; esac
    result="${{result:+$result,}}$name://$host:${{address##*:}}"
  done
  printf '%s' "$result"
}}

# Unset listeners means Kafka's default one: keep it, or the broker loses its inter-broker listener.
old_listeners="$(prop listeners)"
old_listeners="${{old_listeners:-{DEFAULT_LISTENERS}}}"
listeners="$(with_external "$old_listeners" {q(additions["listeners"])})"
protocol_map="$(prop listener.security.protocol.map)"
protocol_map="$(with_external "${{protocol_map:-{DEFAULT_PROTOCOL_MAP}}}" \\
  {q(additions["listener.security.protocol.map"])})"
advertised="$(prop advertised.listeners)"
advertised="$(with_external "${{advertised:-$(default_advertised)}}" {q(additions["advertised.listeners"])})"

if [ "$listeners" = "$(prop listeners)" ] && [ "$protocol_map" = "$(prop listener.security.protocol.map)" ] \\
    && [ "$advertised" = "$(prop advertised.listeners)" ]; then
  echo "broker {node_id}: EXTERNAL listener already configured"
else
  if ! sudo test -e "$CONFIG.crossnet.bak"; then
    sudo cp -p "$CONFIG" "$CONFIG.crossnet.bak"
  fi
  keys='(listeners|advertised[.]listeners|listener[.]security[.]protocol[.]map)'
  sudo sed -i -E "/^[[:space:]]*${{keys}}[[:space:]]*[=:]/d" "$CONFIG"
  printf '%s\\n' "# crossnet: EXTERNAL listener for broker {node_id}" "listeners=$listeners" \\
    "listener.security.protocol.map=$protocol_map" "advertised.listeners=$advertised" \\
    | sudo tee -a "$CONFIG" >/dev/null
  {restart_command}
fi

until (exec 3<>"/dev/tcp/$PRIVATE_IP/{ports.external}") 2>/dev/null; do
  if [ "$SECONDS" -ge "$DEADLINE" ]; then
    echo "broker {node_id}: EXTERNAL port {ports.external} not open after {int(wait_seconds)}s" >&2
    exit 1
  fi
  sleep 5
done

while true; do
  under="$("$KAFKA_HOME/bin/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP" --describe \\
    --under-replicated-partitions 2>&1)" || under="kafka-topics.sh failed: $under"
  if [ -z "$under" ]; then
    break
  fi
  if [ "$SECONDS" -ge "$DEADLINE" ]; then
    echo "broker {node_id}: not back in sync after {int(wait_seconds)}s (the next broker is not touched):" >&2
    printf '%s\\n' "$under" | head -n 20 >&2
    exit 1
  fi
  sleep 5
done
echo "broker {node_id}: EXTERNAL listener applied, broker back in sync"
"""


def render_layout(
    *, controllers: Sequence[int], placement: Mapping[int, tuple[str, str]], nlb_az_ids: Sequence[str]
) -> str:
    """What a running cluster cannot change in place, one fact a line: the controller quorum, each
    broker's AZ ID and private IP (node id -> (az_id, ip)), and the AZ IDs the NLB spans."""
    lines = ["controllers " + ",".join(str(n) for n in sorted(controllers))]
    lines += [f"broker {n} az={az} ip={ip}" for n, (az, ip) in sorted(placement.items())]
    lines += [f"nlb-az {az}" for az in sorted(nlb_az_ids)]
    return "\n".join(lines)


LAYOUT_GUARD_CREATE = 'printf "%s\\n" "$CROSSNET_LAYOUT"'


def render_layout_guard_update(component_name: str) -> str:
    """The guard's update command (POSIX sh, run by ``pulumi up`` before any broker or the NLB is
    touched): every line of the deployed layout (``$PULUMI_COMMAND_STDOUT``) must still be in the new
    one (``$CROSSNET_LAYOUT``). Growth only adds lines and passes; a moved, renumbered or removed
    broker, a changed quorum or a removed NLB AZ ID fails the update, naming each line."""
    name = shlex.quote(component_name)
    return f"""set -eu
missing=""
while IFS= read -r line; do
  [ -n "$line" ] || continue
  if ! printf '%s\\n' "$CROSSNET_LAYOUT" | grep -Fxq -e "$line"; then
    missing="$missing
  $line"
  fi
done <<CROSSNET_EOF
${{PULUMI_COMMAND_STDOUT:-}}
CROSSNET_EOF
if [ -n "$missing" ]; then
  echo "KafkaPrivateLinkCluster "{name}": refused: this change cannot be done in place." >&2
  echo "Deployed, and changed or gone in the new program:$missing" >&2
  echo "Brokers keep their AZ ID, IP and node id (pin them with broker_az_ids), the controller" >&2
  echo "quorum stays (controller_count), and AZ IDs can be added, not removed (removing one replaces" >&2
  echo "the NLB and the endpoint service). Restore the inputs, or follow the manual procedure in" >&2
  echo "docs/operations/tidb_kafka_privatelink.md and then pulumi up --replace this guard." >&2
  exit 1
fi
printf '%s\\n' "$CROSSNET_LAYOUT"
"""
