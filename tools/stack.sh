#!/usr/bin/env bash
# The local stack for development, all under .stack/ in this checkout:
#   tools/stack.sh start   install what is missing, build, start redis-server,
#                          the worker and the server, publish the demo season
#                          (first time only), print the addresses (idempotent)
#   tools/stack.sh stop    stop everything this script started
#   tools/stack.sh restart stop, then start (runs freshly built binaries)
#   tools/stack.sh status  what is running
#   tools/stack.sh logs    follow the logs
#   tools/stack.sh start --cluster
#                          the same on the local Redis Cluster of
#                          tools/cluster.sh (started first), the event stream
#                          in 3 partitions; stop/status/logs as usual
# Ports: Redis 6390, gRPC 50051, REST + page 8080, metrics 9464 (worker) and
# 9465 (server); override with STATS_REDIS_PORT, STATS_GRPC_PORT,
# STATS_HTTP_PORT, STATS_WORKER_METRICS_PORT, STATS_SERVER_METRICS_PORT.
# STATS_MIN_REPLICAS_ACKED sets the worker's redis.min_replicas_acked (on a
# cluster). STATS_STACK_DIR (default .stack) holds data, logs and pid files, so a
# second stack (e.g. for benchmarks) can run beside the first with its own
# directory and ports. A crash leaves stale pid files; start/stop notice and
# clean them up.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
STACK="${STATS_STACK_DIR:-$ROOT/.stack}"
REDIS_PORT="${STATS_REDIS_PORT:-6390}"
GRPC_ADDR="127.0.0.1:${STATS_GRPC_PORT:-50051}"
HTTP_ADDR="127.0.0.1:${STATS_HTTP_PORT:-8080}"
WORKER_METRICS="127.0.0.1:${STATS_WORKER_METRICS_PORT:-9464}"
SERVER_METRICS="127.0.0.1:${STATS_SERVER_METRICS_PORT:-9465}"
MODE=development
CLUSTER=0
PARTITIONS=1
mkdir -p "$STACK"
STACK="$(cd "$STACK" && pwd)"

# What NAME's command line contains when it is ours: after a crash the pid in
# a stale pid file can belong to an unrelated process by now.
signature() {
  case "$1" in
    redis) echo "redis-server " ;;
    worker) echo "/worker/worker" ;;
    server) echo "/server/server" ;;
  esac
}

running() {  # running NAME: true if NAME's pid file names our live process
  local pidfile="$STACK/$1.pid" pid state args
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  # A killed daemon can linger as a zombie when nothing reaps it (containers);
  # kill -0 would still succeed, so look at the process state too.
  state="$(ps -o stat= -p "$pid" 2>/dev/null || true)"
  [ -n "$state" ] && [ "${state:0:1}" != Z ] || return 1
  args="$(ps -o args= -p "$pid" 2>/dev/null || true)"
  case "$args" in
    *"$(signature "$1")"*) return 0 ;;
    *) return 1 ;;
  esac
}

# Warns when NAME runs an older build than bazel-bin holds (start does not
# restart what runs; `tools/stack.sh restart` does).
warn_if_rebuilt() {
  local name="$1" binary="$2" pid started built
  pid="$(cat "$STACK/$name.pid")"
  started="$(date -d "$(ps -o lstart= -p "$pid")" +%s 2>/dev/null || echo 0)"
  built="$(stat -L -c %Y "$binary" 2>/dev/null || echo 0)"
  if [ "$built" -gt "$started" ]; then
    echo "note: $name was rebuilt after it started; tools/stack.sh restart runs the new build"
  fi
}

have_worker() { [ -f worker/BUILD ] && grep -q 'name = "worker"' worker/BUILD; }
have_server() { [ -f server/BUILD ] && grep -q 'name = "server"' server/BUILD; }
have_config() { [ -f "config/$MODE.textproto" ]; }

start_redis() {
  if running redis; then
    echo "redis-server already running on 127.0.0.1:$REDIS_PORT (pid $(cat "$STACK/redis.pid"))"
    return
  fi
  rm -f "$STACK/redis.pid"  # stale after a crash
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$STACK" \
    --appendonly yes --save "" --daemonize yes \
    --pidfile "$STACK/redis.pid" --logfile "$STACK/redis.log"
  for _ in $(seq 1 50); do
    if redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
      echo "redis-server running on 127.0.0.1:$REDIS_PORT (data in $STACK)"
      return
    fi
    sleep 0.1
  done
  echo "redis-server did not start; see $STACK/redis.log" >&2
  exit 1
}

# start_daemon NAME READY_PATTERN BINARY ARGS...: runs BINARY in the
# background with its log in .stack/NAME.log and waits for READY_PATTERN.
start_daemon() {
  local name="$1" pattern="$2"
  shift 2
  if running "$name"; then
    echo "$name already running (pid $(cat "$STACK/$name.pid"))"
    warn_if_rebuilt "$name" "$3"
    return
  fi
  rm -f "$STACK/$name.pid"
  : >"$STACK/$name.log"
  nohup "$@" >>"$STACK/$name.log" 2>&1 &
  echo $! >"$STACK/$name.pid"
  for _ in $(seq 1 300); do
    if grep -q "$pattern" "$STACK/$name.log"; then
      echo "$name running (pid $(cat "$STACK/$name.pid"))"
      return
    fi
    if ! running "$name"; then break; fi
    sleep 0.1
  done
  echo "$name did not become ready; last lines of $STACK/$name.log:" >&2
  tail -n 20 "$STACK/$name.log" >&2
  exit 1
}

stop_one() {
  if running "$1"; then
    local pid
    pid="$(cat "$STACK/$1.pid")"
    kill "$pid"
    for _ in $(seq 1 100); do running "$1" || break; sleep 0.1; done
    if running "$1"; then kill -9 "$pid" 2>/dev/null || true; fi
    echo "stopped $1"
  fi
  rm -f "$STACK/$1.pid"
}

# The demo games (those of tools/demo/generate.py that config/$MODE.textproto
# has) without any ranked entry yet: first start, data wiped, or a game
# added to the demo since. Their season is then published; the season's
# event ids are fixed, so the other games' events in it are duplicates the
# worker skips.
# Ports to scan for keys: the one Redis, or every node of the cluster.
scan_ports() {
  if [ "$CLUSTER" = 1 ]; then
    redis-cli -p "$REDIS_PORT" cluster nodes | awk '{split($2, a, "[:@]"); print a[2]}'
  else
    echo "$REDIS_PORT"
  fi
}

demo_games_missing() {
  local game port found
  for game in arcade chess racing arena; do
    grep -q "game_id: \"$game\"" "config/$MODE.textproto" 2>/dev/null || continue
    found=""
    for port in $(scan_ports); do
      found="$found$(redis-cli -p "$port" --scan --pattern "st:{$game}:lb:*" 2>/dev/null | head -n 1)"
    done
    [ -z "$found" ] && echo "$game"
  done
}

start() {
  if [ "${1:-}" = --cluster ]; then
    CLUSTER=1
    PARTITIONS=3
    REDIS_PORT="${STATS_CLUSTER_PORT:-7001}"
    if ! redis-cli -p "$REDIS_PORT" cluster info 2>/dev/null | grep -q "cluster_state:ok"; then
      echo "no healthy Redis Cluster on 127.0.0.1:$REDIS_PORT; run tools/cluster.sh start first" >&2
      exit 1
    fi
    echo "$REDIS_PORT" >"$STACK/cluster"
  else
    rm -f "$STACK/cluster"
  fi
  tools/install_deps.sh
  echo "building //tools:stats"
  bazel build //tools:stats
  # Bazel's own answer, not the bazel-bin symlink: another build in this
  # checkout with other flags (--config=tsan, -c opt) re-points the symlink.
  local bin built_worker=0 built_server=0
  bin="$(bazel info bazel-bin 2>/dev/null)"
  # The worker and server are built only once they and the config exist; a
  # build failure is reported and the rest of the stack still starts.
  if have_config && have_worker; then
    echo "building //worker:worker"
    bazel build //worker:worker && built_worker=1 || echo "worker build failed (see above)" >&2
  fi
  if have_config && have_server; then
    echo "building //server:server"
    bazel build //server:server && built_server=1 || echo "server build failed (see above)" >&2
  fi
  if [ "$CLUSTER" = 1 ]; then
    echo "on the Redis Cluster at 127.0.0.1:$REDIS_PORT ($PARTITIONS stream partitions)"
  else
    start_redis
  fi
  # Data of an older storage layout (a .stack/ from an earlier release) is
  # converted before a new worker or server would refuse it; a no-op when
  # it is current. Not while our worker runs (it would refuse anyway).
  if [ "$CLUSTER" = 0 ] && have_config && ! running worker && ! running server; then
    "$bin/tools/cli/stats" migrate --config "$ROOT/config/$MODE.textproto" \
      --redis_port "$REDIS_PORT" --force ||
      echo "stats migrate failed (see above); the worker and server will refuse the data" >&2
  fi
  local missing=()
  if [ "$built_worker" = 1 ]; then
    start_daemon worker "worker ready" "$bin/worker/worker" --mode "$MODE" \
      --config_dir "$ROOT/config" --redis_port "$REDIS_PORT" \
      --stream_partitions "$PARTITIONS" --metrics_address "$WORKER_METRICS" \
      --min_replicas_acked "${STATS_MIN_REPLICAS_ACKED:--1}"
  else
    missing+=("worker")
  fi
  if [ "$built_server" = 1 ]; then
    start_daemon server "server ready" "$bin/server/server" --mode "$MODE" \
      --config_dir "$ROOT/config" --redis_port "$REDIS_PORT" \
      --stream_partitions "$PARTITIONS" --grpc_address "$GRPC_ADDR" --http_address "$HTTP_ADDR" \
      --metrics_address "$SERVER_METRICS" --web_root "$ROOT/server/web"
  else
    missing+=("server")
  fi
  local stream_len missing_games
  stream_len="$(redis-cli -c -p "$REDIS_PORT" XLEN statstracker:events)"
  missing_games="$(demo_games_missing | tr '\n' ' ')"
  if [ -n "$missing_games" ] && { running worker || [ "$stream_len" = 0 ]; }; then
    tools/demo/generate.py >"$STACK/demo-season.jsonl"
    "$bin/tools/cli/stats" publish "$STACK/demo-season.jsonl" \
      --redis_port "$REDIS_PORT" --partitions "$PARTITIONS"
    echo "published the demo season ($STACK/demo-season.jsonl) for: ${missing_games% }"
  else
    echo "demo boards (or the stream) already have data; demo season not republished"
  fi
  echo
  if [ "$CLUSTER" = 1 ]; then
    echo "Redis      cluster 127.0.0.1:$REDIS_PORT... (redis-cli -c -p $REDIS_PORT; tools/cluster.sh status)"
  else
    echo "Redis      127.0.0.1:$REDIS_PORT   (redis-cli -p $REDIS_PORT)"
  fi
  if [ ${#missing[@]} -eq 0 ]; then
    echo "gRPC       $GRPC_ADDR   (bazel-bin/tools/cli/stats top arcade high --server $GRPC_ADDR)"
    echo "REST       http://$HTTP_ADDR/v1/games/arcade/leaderboards"
    echo "Page       http://$HTTP_ADDR/"
    echo "Metrics    http://$WORKER_METRICS/metrics (worker), http://$SERVER_METRICS/metrics (server)"
  else
    echo "Not running yet: ${missing[*]} (not in this checkout yet, or config/$MODE.textproto missing);"
    echo "events published now wait in the stream until the worker starts."
  fi
  echo "CLI        bazel-bin/tools/cli/stats help"
  local env=""
  [ -n "${STATS_STACK_DIR:-}" ] && env="STATS_STACK_DIR=$STACK "
  echo "Logs       ${env}tools/stack.sh logs      Stop: ${env}tools/stack.sh stop"
}

stop() {
  stop_one server
  stop_one worker
  stop_one redis
}

case "${1:-start}" in
  start) start "${2:-}" ;;
  stop) stop ;;
  restart)
    was="$([ -f "$STACK/cluster" ] && echo --cluster || true)"
    stop
    start "${2:-$was}"
    ;;
  status)
    for name in redis worker server; do
      if running "$name"; then echo "$name: running (pid $(cat "$STACK/$name.pid"))"; else echo "$name: stopped"; fi
    done
    ;;
  logs)
    exec tail -F "$STACK"/*.log
    ;;
  *)
    echo "usage: tools/stack.sh start [--cluster]|stop|restart|status|logs" >&2
    exit 2
    ;;
esac
