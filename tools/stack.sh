#!/usr/bin/env bash
# The local stack for development: a private redis-server with its data under
# .stack/ in this checkout.
#   tools/stack.sh start   install what is missing, build, start (idempotent)
#   tools/stack.sh stop    stop everything this script started
#   tools/stack.sh status  what is running
#   tools/stack.sh logs    follow the logs
# Not yet here: the worker and the query server are started by this script once
# they exist (issues 4 and 5); today it starts Redis only.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
STACK="$ROOT/.stack"
REDIS_PORT="${STATS_REDIS_PORT:-6390}"
mkdir -p "$STACK"

running() {  # running NAME: true if NAME's pid file names a live process
  local pidfile="$STACK/$1.pid"
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

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
      echo "redis-server running on 127.0.0.1:$REDIS_PORT (data in .stack/)"
      return
    fi
    sleep 0.1
  done
  echo "redis-server did not start; see $STACK/redis.log" >&2
  exit 1
}

stop_one() {
  if running "$1"; then
    kill "$(cat "$STACK/$1.pid")"
    echo "stopped $1"
  fi
  rm -f "$STACK/$1.pid"
}

case "${1:-start}" in
  start)
    tools/install_deps.sh
    start_redis
    echo "The worker and the query server are not built yet; only Redis runs."
    echo "Publish an event:  redis-cli -p $REDIS_PORT XADD statstracker:events '*' event <GameEvent bytes>"
    echo "Stop:              tools/stack.sh stop"
    ;;
  stop)
    stop_one redis
    ;;
  status)
    if running redis; then echo "redis: running (pid $(cat "$STACK/redis.pid"))"; else echo "redis: stopped"; fi
    ;;
  logs)
    exec tail -F "$STACK"/*.log
    ;;
  *)
    echo "usage: tools/stack.sh start|stop|status|logs" >&2
    exit 2
    ;;
esac
