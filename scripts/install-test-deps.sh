#!/usr/bin/env bash
# Installs what the test suite needs that NuGet cannot provide: a real redis-server (with redis-cli, which builds the
# Redis Cluster of the cluster tests) and redis-sentinel (the Sentinel failover test; scripts/redis-cluster.sh starts
# both), Debian's chromium with chromium-driver for the test that drives the pod's page in a real headless browser,
# and the broker conformance suite's independent Kafka clients: kafka-python (Debian's python3-kafka) and kafkajs
# (npm, pinned by tests/Broker/Clients/node/package-lock.json, installed there with `npm ci`).
# Idempotent: does nothing when everything is already there.
# The tests start their own redis-server on a free loopback port, so the system
# service is stopped and disabled after installing: nothing is left listening on 6379.
set -euo pipefail

have_redis() {
  command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ]
}

have_sentinel() {
  { command -v redis-sentinel >/dev/null 2>&1 || [ -x /usr/bin/redis-sentinel ]; } && { command -v redis-cli >/dev/null 2>&1 || [ -x /usr/bin/redis-cli ]; }
}

have_chromium() {
  { command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; } && { command -v chromedriver >/dev/null 2>&1 || [ -x /usr/bin/chromedriver ]; }
}

have_node() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1
}

have_kafka_python() {
  [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import kafka' >/dev/null 2>&1
}

KAFKAJS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/Broker/Clients/node"
install_kafkajs() {
  if [ -d "$KAFKAJS_DIR/node_modules/kafkajs" ]; then
    echo "kafkajs already installed in $KAFKAJS_DIR"
  else
    (cd "$KAFKAJS_DIR" && npm ci --no-audit --no-fund)
  fi
}

PACKAGES=()
if have_node; then
  echo "node already installed: $(command -v node)"
else
  PACKAGES+=(nodejs npm)
fi
if have_kafka_python; then
  echo "kafka-python already installed for /usr/bin/python3"
else
  PACKAGES+=(python3 python3-kafka)
fi
if have_redis; then
  echo "redis-server already installed: $(command -v redis-server || echo /usr/bin/redis-server)"
else
  PACKAGES+=(redis-server)
fi
if have_sentinel; then
  echo "redis-sentinel already installed: $(command -v redis-sentinel || echo /usr/bin/redis-sentinel)"
else
  PACKAGES+=(redis-sentinel redis-tools)
fi
if have_chromium; then
  echo "chromium already installed: $(command -v chromium || echo /usr/bin/chromium)"
else
  PACKAGES+=(chromium chromium-driver)
fi
if [ ${#PACKAGES[@]} -eq 0 ]; then
  install_kafkajs
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "error: need root (or sudo) to apt-get install ${PACKAGES[*]}" >&2; exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# policy-rc.d exit code 101 tells invoke-rc.d not to start services during the install
# (works in containers without systemd as well as on full hosts).
POLICY=/usr/sbin/policy-rc.d
CREATED_POLICY=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$POLICY" >/dev/null
  $SUDO chmod +x "$POLICY"
  CREATED_POLICY=1
fi
cleanup() { if [ "$CREATED_POLICY" = 1 ]; then $SUDO rm -f "$POLICY"; fi; }
trap cleanup EXIT

$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${PACKAGES[@]}"

# In case a service manager started it anyway: stop it and keep it from starting at boot.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl stop redis-server redis-sentinel >/dev/null 2>&1 || true
  $SUDO systemctl disable redis-server redis-sentinel >/dev/null 2>&1 || true
elif command -v service >/dev/null 2>&1; then
  $SUDO service redis-server stop >/dev/null 2>&1 || true
  $SUDO service redis-sentinel stop >/dev/null 2>&1 || true
fi

have_redis || { echo "error: redis-server still not found after install" >&2; exit 1; }
have_sentinel || { echo "error: redis-sentinel or redis-cli still not found after install" >&2; exit 1; }
have_chromium || { echo "error: chromium or chromedriver still not found after install" >&2; exit 1; }
have_node || { echo "error: node or npm still not found after install" >&2; exit 1; }
have_kafka_python || { echo "error: python3-kafka still not importable by /usr/bin/python3 after install" >&2; exit 1; }
install_kafkajs
echo "installed: ${PACKAGES[*]}"
