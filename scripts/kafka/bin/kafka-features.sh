#!/usr/bin/env bash
# crossnet test shim of Apache Kafka's bin/kafka-features.sh: the same main class, org.apache.kafka.tools.FeatureCommand.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" org.apache.kafka.tools.FeatureCommand "$@"
