#!/usr/bin/env bash
# How fast does a killed state-stage pod get its partitions back? Two `run --stages State` pods share the 6 partitions
# of the derived topic on the embedded broker and a real redis-server; pod A is killed (SIGKILL, like an OOM kill or a
# node loss) and started again at once. Prints, per mode (dynamic membership, static membership with
# --group-instance-id), the time from the kill to A printing `ready` and to both pods owning 3 partitions again, and
# the most partitions B held meanwhile (6 = B took A's partitions over during a rebalance).
# Usage: bash scripts/measure-takeover.sh   (after a Release build)
set -euo pipefail
cd "$(dirname "$0")/.."
dll=src/Cli/bin/Release/net10.0/contactcenter.dll
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

now() { date +%s.%N; }
assigned() { curl -s "http://127.0.0.1:$1/metrics" | awk '/^cc_assigned_partitions/ {s+=$NF} END {print s+0}'; }

measure() {
  local mode=$1 extra_a=() extra_b=()
  if [[ $mode == static ]]; then extra_a=(--group-instance-id pod-a); extra_b=(--group-instance-id pod-b); fi
  dotnet "$dll" broker --brokers 1 --bootstrap-file "$work/bs-$mode" \
    --topics agent:6,user-feature:6,voice-agent:6,user-aggregate:6,cc.agent-aggregate-agent-aggregate-store-changelog:6,cc.dead-letter:6 \
    >/dev/null 2>&1 &
  pids+=($!); local broker=$!
  local redis_port=$((20000 + RANDOM % 20000))
  redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >/dev/null 2>&1 &
  pids+=($!); local redis=$!
  while [[ ! -s "$work/bs-$mode" ]]; do sleep 0.1; done
  local bs; bs=$(cat "$work/bs-$mode")
  local common=(run --bootstrap-servers "$bs" --redis "127.0.0.1:$redis_port" --create-topics false --stages State)
  local pa=$((40000 + RANDOM % 10000)) pb=$((50000 + RANDOM % 10000))

  dotnet "$dll" "${common[@]}" --http-port "$pa" --state-dir "$work/a-$mode" "${extra_a[@]}" >"$work/a1-$mode.out" 2>&1 &
  local a=$!; pids+=($a)
  dotnet "$dll" "${common[@]}" --http-port "$pb" --state-dir "$work/b-$mode" "${extra_b[@]}" >"$work/b-$mode.out" 2>&1 &
  local b=$!; pids+=($b)
  local deadline=$(( $(date +%s) + 90 ))
  until [[ $(assigned "$pa") == 3 && $(assigned "$pb") == 3 ]]; do
    sleep 0.2; [[ $(date +%s) -lt $deadline ]] || { echo "$mode: the pods did not share the partitions 3/3"; return 1; }
  done

  local t0; t0=$(now)
  kill -9 "$a"
  dotnet "$dll" "${common[@]}" --http-port "$pa" --state-dir "$work/a-$mode" "${extra_a[@]}" >"$work/a2-$mode.out" 2>&1 &
  a=$!; pids+=($a)
  local ready="" balanced="" max_b=3
  deadline=$(( $(date +%s) + 120 ))
  while [[ -z $balanced ]]; do
    [[ $(date +%s) -lt $deadline ]] || { echo "$mode: not balanced within 120 s"; break; }
    [[ -z $ready ]] && grep -qx ready "$work/a2-$mode.out" && ready=$(now)
    local nb; nb=$(assigned "$pb"); (( nb > max_b )) && max_b=$nb
    [[ -n $ready && $(assigned "$pa") == 3 && $nb == 3 ]] && balanced=$(now)
    sleep 0.1
  done
  printf '%-8s kill -> A ready %5.1f s, kill -> 3/3 again %5.1f s, B held at most %d partitions meanwhile\n' "$mode" \
    "$(echo "${ready:-$t0} - $t0" | bc)" "$(echo "${balanced:-$t0} - $t0" | bc)" "$max_b"
  kill -9 "$a" "$b" "$broker" "$redis" 2>/dev/null || true
  sleep 1
}

measure dynamic
measure static
