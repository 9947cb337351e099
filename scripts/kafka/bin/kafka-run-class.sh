#!/usr/bin/env bash
# crossnet test shim of Apache Kafka's bin/kafka-run-class.sh: runs main class $1 with every jar in
# ../libs (resolved from Maven Central by scripts/fetch-kafka.sh) on the class path. Honours the
# environment the real script reads (KAFKA_HEAP_OPTS, KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_OPTS,
# KAFKA_LOG4J_OPTS, LOG_DIR, JAVA_HOME), with small defaults for test machines.
set -euo pipefail

if [ "$#" -lt 1 ]; then
  echo "usage: $0 [-daemon] [-name servicename] [-loggc] classname [opts]" >&2
  exit 1
fi
# The real script's daemon, name and GC-log flags: accepted and ignored (the caller supervises).
while [ "$#" -gt 0 ]; do
  case "$1" in
    -daemon | -loggc) shift ;;
    -name) shift 2 ;;
    *) break ;;
  esac
done

base_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOG_DIR="${LOG_DIR:-$base_dir/logs}"
mkdir -p "$LOG_DIR" 2>/dev/null || true

# As in the real script: tools log warnings to stderr (their stdout is their answer);
# kafka-server-start.sh asks for the server configuration (KAFKA_LOG4J_CONFIG=server).
config="${KAFKA_LOG4J_CONFIG:-tools}"
if [ -z "${KAFKA_LOG4J_OPTS:-}" ]; then
  if compgen -G "$base_dir/libs/log4j-core-*.jar" >/dev/null; then
    KAFKA_LOG4J_OPTS="-Dlog4j2.configurationFile=$base_dir/config/$config-log4j2.properties"
  else
    KAFKA_LOG4J_OPTS="-Dlog4j.configuration=file:$base_dir/config/$config-log4j.properties"
  fi
fi

java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# Word splitting of the *_OPTS variables is wanted: each holds several JVM flags, as in the real script.
# shellcheck disable=SC2086
exec "$java" ${KAFKA_HEAP_OPTS:--Xmx256m -Xms64m} \
  ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true} \
  -Dkafka.logs.dir="$LOG_DIR" $KAFKA_LOG4J_OPTS ${KAFKA_OPTS:-} \
  -cp "$base_dir/libs/*" "$@"
