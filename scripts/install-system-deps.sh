#!/usr/bin/env bash
# Installs the Debian packages the integration tests run for real. Idempotent:
# does nothing when every tool is already present.
set -euo pipefail

need=()
command -v openvpn >/dev/null 2>&1 || need+=(openvpn)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
command -v socat >/dev/null 2>&1 || need+=(socat)
command -v shellcheck >/dev/null 2>&1 || need+=(shellcheck)
command -v ps >/dev/null 2>&1 || need+=(procps)
# the VPN gateway's client isolation (nftables) and reachability checks in the VPN integration test
command -v nft >/dev/null 2>&1 || need+=(nftables)
command -v ping >/dev/null 2>&1 || need+=(iputils-ping)
# the standby's systemd units are checked with systemd-analyze verify
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
# Apache Kafka for the Kafka integration test is resolved from Maven Central (scripts/fetch-kafka.sh)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)

if [ "${#need[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-deps: missing ${need[*]}; run as root (or: sudo apt-get install ${need[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian postgresql package starts a cluster of its own; the tests run their own clusters.
if command -v pg_lsclusters >/dev/null 2>&1; then
  pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
    pg_ctlcluster "$ver" "$name" stop 2>/dev/null || true
  done
fi
