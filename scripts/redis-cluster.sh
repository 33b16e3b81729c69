#!/usr/bin/env bash
# Starts and stops the Redis topologies the cluster and failover tests run against, from Debian's redis-server and
# redis-sentinel, on free loopback ports, with nothing persisted. Everything a topology needs lives in DIR (configs,
# logs, pid files) and `stop DIR` ends exactly the processes whose pid files are there.
#
#   scripts/redis-cluster.sh cluster DIR [PRIMARIES]   3 primaries (default) with one replica each, all slots covered
#   scripts/redis-cluster.sh sentinel DIR              one primary, one replica, three sentinels (service "cc-primary")
#   scripts/redis-cluster.sh single DIR                one plain redis-server (the benchmarks' baseline)
#   scripts/redis-cluster.sh stop DIR                  kills every process started in DIR
#
# On success the last lines of stdout describe the topology, one per line:
#   cluster:  "primary PORT" / "replica PORT" (a node's cluster bus is PORT+10000)
#   sentinel: "primary PORT" / "replica PORT" / "sentinel PORT" / "service NAME"
set -euo pipefail

SERVER=$(command -v redis-server || echo /usr/bin/redis-server)
SENTINEL=$(command -v redis-sentinel || echo /usr/bin/redis-sentinel)
CLI=$(command -v redis-cli || echo /usr/bin/redis-cli)
SERVICE=cc-primary

die() { echo "error: $*" >&2; exit 1; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A port P that is free together with P+10000 (the cluster bus), both below Linux's ephemeral range (32768 and up),
# where an outgoing connection could take the port between this check and the server's bind.
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$((11000 + RANDOM % 11000))
    if port_free "$p" && port_free $((p + 10000)) && ! grep -qx "$p" "$DIR/.taken" 2>/dev/null; then
      echo "$p" >>"$DIR/.taken"
      echo "$p"
      return
    fi
  done
  die "no free loopback port found"
}

wait_ping() {
  for _ in $(seq 1 150); do
    [ "$("$CLI" -p "$1" ping 2>/dev/null)" = PONG ] && return
    sleep 0.1
  done
  die "redis on port $1 did not answer PING; see $DIR/$1.log"
}

start_server() { # port, extra args...
  local port=$1; shift
  "$SERVER" --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$DIR" --daemonize yes \
    --pidfile "$DIR/$port.pid" --logfile "$DIR/$port.log" --loglevel warning "$@"
}

cluster() {
  local primaries=${1:-3} ports=() p
  [ "$primaries" -ge 3 ] || die "a Redis Cluster needs at least 3 primaries"
  for _ in $(seq 1 $((primaries * 2))); do
    p=$(free_port)
    ports+=("$p")
    start_server "$p" --cluster-enabled yes --cluster-config-file "$DIR/nodes-$p.conf" --cluster-node-timeout 2000 \
      --cluster-require-full-coverage no --cluster-replica-validity-factor 0 --cluster-allow-reads-when-down no
  done
  for p in "${ports[@]}"; do wait_ping "$p"; done
  local hosts=()
  for p in "${ports[@]}"; do hosts+=("127.0.0.1:$p"); done
  "$CLI" --cluster create "${hosts[@]}" --cluster-replicas 1 --cluster-yes >"$DIR/create.log" 2>&1 \
    || die "cluster create failed; see $DIR/create.log"
  # Every node must see every slot served and the cluster ok before the tests use it.
  for _ in $(seq 1 300); do
    local ok=1
    for p in "${ports[@]}"; do
      "$CLI" -p "$p" cluster info 2>/dev/null | grep -q "cluster_state:ok" || ok=0
    done
    if [ "$ok" = 1 ] && "$CLI" --cluster check "127.0.0.1:${ports[0]}" >/dev/null 2>&1; then
      for p in "${ports[@]}"; do
        if "$CLI" -p "$p" role | head -1 | grep -q master; then echo "primary $p"; else echo "replica $p"; fi
      done
      return
    fi
    sleep 0.1
  done
  die "the cluster did not become ok; see $DIR/*.log"
}

sentinel() {
  local primary replica s
  primary=$(free_port)
  replica=$(free_port)
  start_server "$primary"
  wait_ping "$primary"
  start_server "$replica" --replicaof 127.0.0.1 "$primary"
  wait_ping "$replica"
  local sentinels=()
  for i in 1 2 3; do
    s=$(free_port)
    sentinels+=("$s")
    cat >"$DIR/sentinel-$s.conf" <<EOF
port $s
bind 127.0.0.1
daemonize yes
pidfile $DIR/$s.pid
logfile $DIR/$s.log
dir $DIR
sentinel monitor $SERVICE 127.0.0.1 $primary 2
sentinel down-after-milliseconds $SERVICE 1000
sentinel failover-timeout $SERVICE 5000
sentinel parallel-syncs $SERVICE 1
EOF
    "$SENTINEL" "$DIR/sentinel-$s.conf"
  done
  for s in "${sentinels[@]}"; do wait_ping "$s"; done
  # Ready when the replica is in sync and every sentinel knows the primary, the replica and the two other sentinels.
  for _ in $(seq 1 300); do
    local ok=1
    "$CLI" -p "$replica" info replication 2>/dev/null | grep -q "master_link_status:up" || ok=0
    for s in "${sentinels[@]}"; do
      local info
      info=$("$CLI" -p "$s" sentinel master "$SERVICE" 2>/dev/null | paste -sd' ') || info=""
      echo "$info" | grep -Eq "num-slaves 1( |$)" || ok=0
      echo "$info" | grep -Eq "num-other-sentinels 2( |$)" || ok=0
    done
    if [ "$ok" = 1 ]; then
      echo "primary $primary"
      echo "replica $replica"
      for s in "${sentinels[@]}"; do echo "sentinel $s"; done
      echo "service $SERVICE"
      return
    fi
    sleep 0.1
  done
  die "sentinels did not settle; see $DIR/*.log"
}

single() {
  local port
  port=$(free_port)
  start_server "$port"
  wait_ping "$port"
  echo "primary $port"
}

stop() {
  local f pid
  for f in "$DIR"/*.pid; do
    [ -e "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    # Only a redis process started from this directory's pid file.
    if [ -n "$pid" ] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q redis; then
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
}

[ $# -ge 2 ] || die "usage: $0 cluster|sentinel|single|stop DIR [PRIMARIES]"
[ -x "$SERVER" ] || die "redis-server not found: run scripts/install-test-deps.sh"
CMD=$1
DIR=$(mkdir -p "$2" && cd "$2" && pwd)
case "$CMD" in
  cluster) cluster "${3:-3}" ;;
  sentinel) [ -x "$SENTINEL" ] || die "redis-sentinel not found: run scripts/install-test-deps.sh"; sentinel ;;
  single) single ;;
  stop) stop ;;
  *) die "unknown command $CMD (cluster, sentinel, single or stop)" ;;
esac
