#!/usr/bin/env bash
# crossnet test shim of Apache Kafka's bin/kafka-storage.sh: the same main class, kafka.tools.StorageTool.
exec "$(dirname "${BASH_SOURCE[0]}")/kafka-run-class.sh" kafka.tools.StorageTool "$@"
