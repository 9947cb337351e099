#!/usr/bin/env bash
# crossnet test shim of Apache Kafka's bin/kafka-server-start.sh: the same main class, kafka.Kafka.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka.Kafka "$@"
