#!/usr/bin/env bash
# crossnet test shim of Apache Kafka's bin/kafka-server-start.sh: the same main class, kafka.Kafka,
# with the server logging configuration (INFO to stdout).
if [ "$#" -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi
export KAFKA_LOG4J_CONFIG=server
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" -name kafkaServer kafka.Kafka "$@"
