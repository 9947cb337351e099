#!/usr/bin/env bash
# crossnet test shim of Apache Kafka's bin/kafka-topics.sh: the same main class, org.apache.kafka.tools.TopicCommand.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" org.apache.kafka.tools.TopicCommand "$@"
