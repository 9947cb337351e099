#!/usr/bin/env bash
# crossnet test shim of Apache Kafka's bin/kafka-metadata-quorum.sh: the same main class, org.apache.kafka.tools.MetadataQuorumCommand.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" org.apache.kafka.tools.MetadataQuorumCommand "$@"
