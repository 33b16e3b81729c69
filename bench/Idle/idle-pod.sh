#!/usr/bin/env bash
# Idle CPU of a pod: starts the embedded broker (own process), a redis-server and `contactcenter run` with both
# stages, waits until the pod is ready, then reads the pod's CPU time from /proc over a window with no traffic.
# Usage: bash bench/Idle/idle-pod.sh [seconds=30]   (after `dotnet build -c Release src/Cli`)
set -euo pipefail
seconds=${1:-30}
dll=${CONTACTCENTER_DLL:-src/Cli/bin/Release/net10.0/contactcenter.dll}
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
cleanup() { for p in ${pod:-} ${broker:-} ${redis:-}; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
redis-server --port "$port" --save '' --appendonly no --daemonize no >"$work/redis.log" 2>&1 & redis=$!
dotnet "$dll" broker --brokers 1 --bootstrap-file "$work/bootstrap" >"$work/broker.log" 2>&1 & broker=$!
for _ in $(seq 100); do [[ -s "$work/bootstrap" ]] && break; sleep 0.2; done
dotnet "$dll" run --bootstrap-servers "$(cat "$work/bootstrap")" --redis "127.0.0.1:$port" --state-dir "$work/state" \
  --http-port 0 >"$work/pod.log" 2>&1 & pod=$!
for _ in $(seq 300); do grep -q '^ready' "$work/pod.log" && break; sleep 0.2; done
grep -q '^ready' "$work/pod.log" || { echo "pod not ready"; cat "$work/pod.log"; exit 1; }
sleep 5 # start-up work (JIT, first commits) settles
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
before=$(ticks "$pod"); broker_before=$(ticks "$broker")
sleep "$seconds"
after=$(ticks "$pod"); broker_after=$(ticks "$broker")
pod_pct=$(awk -v a="$after" -v b="$before" -v s="$seconds" -v hz="$hz" 'BEGIN{printf "%.2f", (a-b)/hz/s*100}')
broker_pct=$(awk -v a="$broker_after" -v b="$broker_before" -v s="$seconds" -v hz="$hz" 'BEGIN{printf "%.2f", (a-b)/hz/s*100}')
echo "{\"idlePodCpuPercent\":$pod_pct,\"idleBrokerCpuPercent\":$broker_pct,\"seconds\":$seconds}"
