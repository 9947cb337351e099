#!/usr/bin/env bash
# Resolve the Apache Kafka server that KafkaPrivateLinkCluster deploys (DEFAULT_KAFKA_VERSION in
# components/aws/kafka/args.py, or the version given as $1 / KAFKA_VERSION) from Maven Central into
# build/kafka/<version>/, laid out like the release tarball for the integration tests:
#   libs/    kafka_2.13, kafka-tools and their runtime dependencies, plus the logging backend
#   bin/     shims of the tarball's scripts that run the same main classes (scripts/kafka/bin)
#   config/  logging configuration for the shims
# Idempotent: a complete cache is left alone (no network), so a second run works offline.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:-${KAFKA_VERSION:-}}"
if [ -z "$version" ]; then
  version="$(sed -n -E 's/^DEFAULT_KAFKA_VERSION = "([0-9]+[.][0-9]+[.][0-9]+)"$/\1/p' components/aws/kafka/args.py)"
fi
if ! [[ "$version" =~ ^([0-9]+)[.][0-9]+[.][0-9]+$ ]]; then
  echo "fetch-kafka: no Kafka version (got '$version'; expected DEFAULT_KAFKA_VERSION in components/aws/kafka/args.py)" >&2
  exit 1
fi
major="${BASH_REMATCH[1]}"
# The release tarball's logging backend: log4j 1 (reload4j) up to 3.x, log4j 2 from 4.0 on.
if [ "$major" -ge 4 ]; then logging=log4j2; else logging=log4j1; fi

home="build/kafka/$version"
stamp="$home/.complete"
if [ ! -f "$stamp" ]; then
  command -v mvn >/dev/null || { echo "fetch-kafka: mvn not found (apt-get install maven)" >&2; exit 1; }
  staging="$home/libs.partial"
  rm -rf "$staging"
  mkdir -p "$home"
  # --strict-checksums: a jar whose checksum from Maven Central does not match fails the fetch.
  args=(-q -B --strict-checksums -f scripts/kafka/pom.xml "-P$logging" "-Dkafka.version=$version" dependency:copy-dependencies
    -DincludeScope=runtime "-DoutputDirectory=$PWD/$staging")
  # Offline first: the local Maven repository may already hold everything.
  mvn -o "${args[@]}" >/dev/null 2>&1 || mvn "${args[@]}"
  for jar in "kafka_2.13-$version.jar" "kafka-tools-$version.jar" "kafka-clients-$version.jar"; do
    [ -f "$staging/$jar" ] || { echo "fetch-kafka: $jar was not resolved" >&2; exit 1; }
  done
  rm -rf "$home/libs"
  mv "$staging" "$home/libs"
  echo "$version $logging" > "$stamp"
  echo "fetch-kafka: Apache Kafka $version in $home ($(find "$home/libs" -name '*.jar' | wc -l) jars)"
fi
# The shims and logging configuration are always refreshed from scripts/kafka (cheap, offline).
rm -rf "${home:?}/bin" "${home:?}/config"
cp -R scripts/kafka/bin scripts/kafka/config "$home/"
chmod +x "$home"/bin/*.sh
