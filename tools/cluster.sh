#!/usr/bin/env bash
# A local Redis Cluster for development: 3 masters and 3 replicas from
# Debian's redis-server on 127.0.0.1, data under .cluster/ in this checkout.
#   tools/cluster.sh start    start the nodes (creating the cluster the first
#                             time), wait until it serves every slot
#   tools/cluster.sh stop     shut every node down (data and membership kept)
#   tools/cluster.sh status   each node's role and the cluster state
#   tools/cluster.sh reset    stop and delete .cluster/ (a new cluster next)
# Ports 7001..7006; STATS_CLUSTER_PORT sets the first, STATS_CLUSTER_DIR the
# directory. Then `tools/stack.sh start --cluster` runs the stack on it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
DIR="${STATS_CLUSTER_DIR:-$ROOT/.cluster}"
FIRST="${STATS_CLUSTER_PORT:-7001}"
NODES=6
PORTS=()
for ((i = 0; i < NODES; i++)); do PORTS+=($((FIRST + i))); done

alive() { redis-cli -p "$1" ping 2>/dev/null | grep -q PONG; }

state() { redis-cli -p "$1" cluster info 2>/dev/null | tr -d '\r' | sed -n 's/^cluster_state://p'; }

start_node() {
  local port="$1" dir="$DIR/node-$1"
  mkdir -p "$dir"
  if alive "$port"; then return; fi
  redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" \
    --cluster-enabled yes --cluster-config-file nodes.conf \
    --cluster-node-timeout 5000 --appendonly yes \
    --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for _ in $(seq 1 100); do alive "$port" && return; sleep 0.05; done
  echo "redis-server on $port did not start; see $dir/redis.log" >&2
  exit 1
}

start() {
  tools/install_deps.sh >/dev/null
  mkdir -p "$DIR"
  for port in "${PORTS[@]}"; do start_node "$port"; done
  # Created before: the nodes find each other again from nodes.conf.
  local slots
  slots="$(redis-cli -p "$FIRST" cluster info | tr -d '\r' | sed -n 's/^cluster_slots_assigned://p')"
  if [ "${slots:-0}" = 0 ]; then
    local addresses=()
    for port in "${PORTS[@]}"; do addresses+=("127.0.0.1:$port"); done
    redis-cli --cluster create "${addresses[@]}" --cluster-replicas 1 \
      --cluster-yes >"$DIR/create.log" 2>&1 ||
      { cat "$DIR/create.log" >&2; exit 1; }
  fi
  for _ in $(seq 1 300); do
    local ok=1
    for port in "${PORTS[@]}"; do [ "$(state "$port")" = ok ] || ok=0; done
    if [ "$ok" = 1 ]; then
      echo "Redis Cluster ok: 127.0.0.1:${PORTS[0]}..${PORTS[-1]} (3 masters, 3 replicas; data in $DIR)"
      echo "Stack on it: tools/stack.sh start --cluster"
      return
    fi
    sleep 0.1
  done
  echo "the cluster did not reach cluster_state:ok; tools/cluster.sh status" >&2
  exit 1
}

stop() {
  for port in "${PORTS[@]}"; do
    if alive "$port"; then redis-cli -p "$port" shutdown >/dev/null 2>&1 || true; fi
  done
  echo "cluster stopped (data kept in $DIR)"
}

status() {
  for port in "${PORTS[@]}"; do
    if alive "$port"; then
      echo "127.0.0.1:$port $(redis-cli -p "$port" role | head -n 1) cluster_state:$(state "$port")"
    else
      echo "127.0.0.1:$port stopped"
    fi
  done
}

case "${1:-status}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  reset)
    stop
    rm -rf "$DIR"
    ;;
  *)
    echo "usage: tools/cluster.sh start|stop|status|reset" >&2
    exit 2
    ;;
esac
