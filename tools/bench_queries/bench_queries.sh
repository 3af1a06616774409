#!/usr/bin/env bash
# Query benchmark of issue 14, in one run (not a test; figures go to
# BENCHMARKS.md "Queries (issue 14)"):
#
#   tools/bench_queries/bench_queries.sh [--players N] [--seconds S]
#       [--connections C] [--streams M] [--rate EVENTS_PER_S]
#       [--wrk_threads T] [--pairs N] [--serve_stale_for_ms MS]
#       [--no_build] [--keep]
#
# Builds the server, worker, loadgen and this folder's helpers with -c opt,
# starts a private redis-server, fills the test config's arcade/total board
# with --players players (tools/bench_board), starts the worker and the
# server (gRPC + REST gateway), then measures twice:
#   live    while loadgen publishes --rate score events/s to arcade and the
#           worker applies them (its applied rate is printed per row and for
#           the phase, which counts only if the worker kept up);
#   frozen  after publishing stopped and the worker drained.
# Each phase times, for --seconds each: gRPC top-10 / rank / around with
# h2load (raw gRPC frames, C connections x M streams), REST top-10 and rank
# with wrk (C connections), redis-benchmark ZRANGE 0 9 WITHSCORES and ZRANK
# on the same board key (-c C*M and -c C), then gRPC and REST top-10 at half
# the rate just measured (h2load --rps; gRPC with M and with 1 stream per
# connection) for p50/p99. Then, on the frozen board, --pairs N (default 5)
# alternating pairs of gRPC top-10, ZRANGE and REST top-10 at --seconds / 2
# each, whose median ratios move least with the shared host's drift. Prints
# Markdown tables with the issue's ratios. --serve_stale_for_ms sets the
# server's server.answer_cache.serve_stale_for (default: off, as shipped). Everything is on 127.0.0.1; every process
# started here is stopped on exit.
set -euo pipefail

PLAYERS=1000000
SECONDS_EACH=10
CONNECTIONS=8
STREAMS=8
RATE=5000
WRK_THREADS=1
BUILD=1
KEEP=0
PAIRS=5
STALE_MS=0

usage() { sed -n '2,/^set -euo/{/^#/p}' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --players) PLAYERS="$2"; shift 2 ;;
    --seconds) SECONDS_EACH="$2"; shift 2 ;;
    --connections) CONNECTIONS="$2"; shift 2 ;;
    --streams) STREAMS="$2"; shift 2 ;;
    --rate) RATE="$2"; shift 2 ;;
    --wrk_threads) WRK_THREADS="$2"; shift 2 ;;
    --no_build) BUILD=0; shift ;;
    --keep) KEEP=1; shift ;;
    --pairs) PAIRS="$2"; shift 2 ;;
    --serve_stale_for_ms) STALE_MS="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "bench_queries: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
[[ "$PAIRS" =~ ^[0-9]+$ ]] || { echo "bench_queries: --pairs '$PAIRS' is not a count" >&2; exit 2; }
[[ "$STALE_MS" =~ ^[0-9]+$ ]] && [ "$STALE_MS" -le 60000 ] ||
  { echo "bench_queries: --serve_stale_for_ms '$STALE_MS' is not 0-60000" >&2; exit 2; }
for n in "$PLAYERS" "$SECONDS_EACH" "$CONNECTIONS" "$STREAMS" "$RATE" "$WRK_THREADS"; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "bench_queries: '$n' is not a positive integer" >&2; exit 2; }
done
for tool in h2load wrk redis-server redis-cli redis-benchmark curl python3; do
  command -v "$tool" >/dev/null || {
    echo "bench_queries: '$tool' is missing (tools/install_deps.sh installs it)" >&2; exit 1; }
done

log() { echo "== $*" >&2; }
die() { echo "bench_queries: $*" >&2; exit 1; }
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
BAZEL_OPT=(-c opt --symlink_prefix=/)  # no bazel-* links: fastbuild's stay
TARGETS=(//server //worker //tools/loadgen //tools/bench_queries:setup_board
         //tools/bench_queries:write_frames //tools/bench_queries:check_frames)
if [ "$BUILD" = 1 ]; then
  echo "== building (-c opt) ${TARGETS[*]}" >&2
  bazel build "${BAZEL_OPT[@]}" "${TARGETS[@]}"
fi
BIN="$(bazel info "${BAZEL_OPT[@]}" bazel-bin 2>/dev/null)"
for t in "${TARGETS[@]}"; do
  p="${t#//}"; p="${p/://}"; [[ "$t" == *:* ]] || p="$p/${p##*/}"
  [ -x "$BIN/$p" ] || die "$BIN/$p is not built (run without --no_build)"
done

WORK="$(mktemp -d /tmp/bench_queries.XXXXXX)"
PIDS=()
LOADGEN_PID=""
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$KEEP" = 1 ]; then echo "bench_queries: logs kept in $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# Waits until `file` has a line starting with `marker`; prints that line.
wait_ready() {
  local file="$1" marker="$2" pid="$3" i
  for i in $(seq 1 600); do
    if grep -a -m1 "^$marker" "$file" 2>/dev/null; then return 0; fi
    kill -0 "$pid" 2>/dev/null || { tail -20 "$file" >&2; die "$marker: the process exited"; }
    sleep 0.1
  done
  tail -20 "$file" >&2
  die "no '$marker' line within 60 s"
}
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

# ---- the stack -----------------------------------------------------------
REDIS_PORT="$(free_port)"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$WORK" --save '' \
  --appendonly no --logfile "$WORK/redis.log" &
PIDS+=($!)
for i in $(seq 1 100); do
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
  sleep 0.1
done
RCLI=(redis-cli -h 127.0.0.1 -p "$REDIS_PORT")

"$BIN/tools/bench_queries/setup_board" --redis_port "$REDIS_PORT" \
  --players "$PLAYERS" --config_out "$WORK/config.textproto" --out_dir "$WORK" >&2
if [ "$STALE_MS" -gt 0 ]; then
  # server.answer_cache.serve_stale_for, into the generated config's server
  # block (which sets no answer_cache of its own).
  grep -q answer_cache "$WORK/config.textproto" && die "the generated config already has an answer_cache"
  sed -i "0,/^server {/s//server {\n  answer_cache { serve_stale_for { seconds: $((STALE_MS / 1000)) nanos: $(( (STALE_MS % 1000) * 1000000 )) } }/" \
    "$WORK/config.textproto"
fi
PLAYER="$(cat "$WORK/player")"
MEMBER="$(cat "$WORK/member")"
BOARD_KEY="$(cat "$WORK/board_key")"

"$BIN/worker/worker" --config "$WORK/config.textproto" --redis_host 127.0.0.1 \
  --redis_port "$REDIS_PORT" --metrics_address 127.0.0.1:0 \
  --consumer_name bench-worker >"$WORK/worker.log" 2>&1 &
WORKER_PID=$!
PIDS+=("$WORKER_PID")
WORKER_METRICS="$(field "$(wait_ready "$WORK/worker.log" "worker ready" "$WORKER_PID")" metrics)"
[ -n "$WORKER_METRICS" ] || die "the worker did not start (see above)"

"$BIN/server/server" --config "$WORK/config.textproto" --redis_host 127.0.0.1 \
  --redis_port "$REDIS_PORT" --grpc_address 127.0.0.1:0 \
  --http_address 127.0.0.1:0 --metrics_address 127.0.0.1:0 \
  --web_root server/web >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
PIDS+=("$SERVER_PID")
READY="$(wait_ready "$WORK/server.log" "server ready" "$SERVER_PID")"
[ -n "$READY" ] || die "the server did not start (see above)"
GRPC="$(field "$READY" grpc)"
HTTP="$(field "$READY" http)"
SERVER_METRICS="$(field "$READY" metrics)"
log "redis 127.0.0.1:$REDIS_PORT, server grpc=$GRPC http=$HTTP, worker metrics=$WORKER_METRICS"

"$BIN/tools/bench_queries/write_frames" --out_dir "$WORK" --player "$PLAYER"
log "one call per timed RPC through a real gRPC client (h2load counts HTTP 200, not grpc-status):"
"$BIN/tools/bench_queries/check_frames" --server "$GRPC" --dir "$WORK" \
  --player "$PLAYER" | tee "$WORK/check.txt" >&2 || die "a gRPC call failed; nothing timed"

REST_TOP10="http://$HTTP/v1/games/arcade/leaderboards/total/entries?page_size=10"
REST_RANK="http://$HTTP/v1/games/arcade/leaderboards/total/players/$PLAYER"
for url in "$REST_TOP10" "$REST_RANK"; do
  code="$(curl -s -o "$WORK/rest.json" -w '%{http_code}' "$url")"
  [ "$code" = 200 ] || die "GET $url: HTTP $code: $(head -c 300 "$WORK/rest.json")"
  log "GET ${url#http://$HTTP}: HTTP 200, $(head -c 120 "$WORK/rest.json")..."
done

# ---- probes ----------------------------------------------------------------
# The worker's applied-event counter (all games and types).
worker_applied() {
  { curl -s "http://$WORKER_METRICS/metrics" || true; } |
    awk '/^statstracker_worker_events_processed_total[{ ]/ {s += $NF} END {printf "%d", s}'
}
# RPCs the server answered with a non-OK code so far, by code ("CODE=N,...",
# "" if none; gRPC and REST alike: the gateway calls the same services);
# "n/a" if the server exports no statstracker_server_rpcs_total.
server_errors() {
  { curl -s "http://$SERVER_METRICS/metrics" || true; } | awk '
    /^statstracker_server_rpcs_total[{ ]/ {
      seen = 1
      if (match($0, /code="[A-Z_]+"/)) {
        code = substr($0, RSTART + 6, RLENGTH - 7)
        if (code != "OK") n[code] += $NF
      }
    }
    END {
      if (!seen) { printf "n/a"; exit }
      for (c in n) out = out c "=" n[c] ","
      printf "%s", out }'
}
# What `server_errors` grew by between two samples: "N~CODE~..." or "".
errors_delta() {
  [ "$1" = n/a ] || [ "$2" = n/a ] && { echo ""; return; }
  awk -v a="$1" -v b="$2" 'BEGIN {
    n = split(a, x, ","); for (i = 1; i <= n; i++) if (split(x[i], kv, "=") == 2) before[kv[1]] = kv[2]
    n = split(b, y, ",")
    for (i = 1; i <= n; i++) if (split(y[i], kv, "=") == 2 && kv[2] - before[kv[1]] > 0)
      out = out (kv[2] - before[kv[1]]) "~" kv[1] "~"
    printf "%s", out }'
}
# "lag pending" of the workers' consumer group.
group_state() {
  { "${RCLI[@]}" XINFO GROUPS statstracker:events || true; } | awk '
    prev == "lag" { lag = $0 } prev == "pending" { pending = $0 } { prev = $0 }
    END { printf "%s %s", (lag == "" ? "?" : lag), (pending == "" ? "?" : pending) }'
}
stream_added() {
  { "${RCLI[@]}" XINFO STREAM statstracker:events 2>/dev/null || true; } |
    awk 'prev == "entries-added" { print; exit } { prev = $0 }'
}
now() { date +%s.%N; }
# p50 and p99 in ms of the third column (µs) of an h2load --log-file.
log_percentiles() {
  cut -f3 "$1" | sort -n | awk '
    { v[NR] = $1 }
    END {
      if (NR == 0) { print "0 0"; exit }
      i50 = int(NR * 0.50 + 0.999999); i99 = int(NR * 0.99 + 0.999999)
      printf "%.3f %.3f", v[i50] / 1000, v[i99] / 1000 }'
}

# ---- measurements ----------------------------------------------------------
# Each prints "req/s p50_ms p99_ms problems cut" (problems "-" when none;
# cut: requests h2load started but abandoned when its -D time was up, which
# the server counts as CANCELLED, or INVALID_ARGUMENT when the stream ended
# before the request body: not errors of the server).

# h2load, unary gRPC: raw frame, POST with gRPC's headers. Extra args (e.g.
# --rps) go to h2load.
h2load_grpc() {
  local name="$1"; shift
  local out="$WORK/h2load-$name.txt" logf="$WORK/h2load-$name.log"
  rm -f "$logf"  # h2load appends to its --log-file: one row's samples only
  h2load -c "$CONNECTIONS" -m "$STREAMS" -t 1 -D "$SECONDS_EACH" "$@" \
    -d "$WORK/$name.grpc" -H 'content-type: application/grpc' -H 'te: trailers' \
    --log-file "$logf" "http://$GRPC$(cat "$WORK/$name.path")" >"$out" 2>&1 || true
  h2load_result "$out" "$logf"
}
# h2load over HTTP/1.1 (REST at a fixed rate; wrk has no rate control).
h2load_rest() {
  local name="$1" url="$2"; shift 2
  local out="$WORK/h2load-$name.txt" logf="$WORK/h2load-$name.log"
  rm -f "$logf"
  h2load --h1 -c "$CONNECTIONS" -m 1 -t 1 -D "$SECONDS_EACH" "$@" \
    --log-file "$logf" "$url" >"$out" 2>&1 || true
  h2load_result "$out" "$logf"
}
h2load_result() {
  local out="$1" logf="$2" rps problems cut
  rps="$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$out")"
  problems="$(awk '
    /^requests:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^(failed|errored|timeout)/ && $i > 0) p = p $i " " $(i+1) " " }
    /^status codes:/ { for (i = 1; i < NF; i++) if ($(i+1) ~ /^[345]xx/ && $i > 0) p = p $i " " $(i+1) " " }
    END { print (p == "" ? "-" : p) }' "$out")"
  cut="$(awk '/^requests:/ { for (i = 1; i < NF; i++) {
      if ($(i+1) ~ /^started/) s = $i; if ($(i+1) ~ /^done/) d = $i } }
    END { print s - d }' "$out")"
  [ -n "$rps" ] || { problems="h2load: $(tail -3 "$out" | tr '\n' ' ')"; rps=0; }
  echo "$rps $(log_percentiles "$logf") ${problems// /~} ${cut:-0}"
}
# wrk --latency, keep-alive, C connections (or the third argument's count).
wrk_rest() {
  local name="$1" url="$2" conns="${3:-$CONNECTIONS}"
  local out="$WORK/wrk-$name.txt"
  wrk --latency -t "$WRK_THREADS" -c "$conns" -d "${SECONDS_EACH}s" "$url" >"$out" 2>&1 || true
  awk '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
      if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
      return v + 0 }
    $1 == "Requests/sec:" { rps = $2 }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { p = p $NF "~non-2xx~" }
    /Socket errors/ { p = p "socket~errors~" }
    END { printf "%s %.3f %.3f %s 0\n", (rps == "" ? 0 : rps), p50, p99, (p == "" ? "-" : p) }' "$out"
}
# redis-benchmark --csv on one command, with -n sized from a short
# calibration run so it lasts about `seconds`.
redis_bench() {
  local clients="$1" seconds="$2"; shift 2
  local base=(redis-benchmark -h 127.0.0.1 -p "$REDIS_PORT" -c "$clients" --csv)
  local rate n
  rate="$("${base[@]}" -n 20000 "$@" 2>/dev/null | tail -1 | awk -F'","' '{ print int($(NF-6)) }')"
  [ "${rate:-0}" -gt 0 ] || { echo "0 0 0 redis-benchmark~failed 0"; return; }
  n=$((rate * seconds))
  "${base[@]}" -n "$n" "$@" 2>/dev/null | tail -1 |
    awk -F'","' '{ gsub(/"/, "", $NF); printf "%s %s %s - 0\n", $(NF-6), $(NF-3), $(NF-1) }'
}

ROWS=()  # "phase|what|concurrency|req/s|p50|p99|worker ev/s|problems"
# Runs one measurement ("$@"), with the worker's applied rate and the
# server's non-OK answers over its duration; records a row and prints it.
measure() {
  local phase="$1" what="$2" conc="$3"; shift 3
  local a0 e0 t0 a1 e1 t1 result rps p50 p99 problems cut rate errs n
  a0="$(worker_applied)"; e0="$(server_errors)"; t0="$(now)"
  result="$("$@")"
  a1="$(worker_applied)"; e1="$(server_errors)"; t1="$(now)"
  read -r rps p50 p99 problems cut <<<"$result"
  rate="$(awk -v a="$a0" -v b="$a1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.0f", (b - a) / (e - s) }')"
  errs="$(errors_delta "$e0" "$e1")"
  if [ -n "$errs" ]; then
    n="$(tr '~' '\n' <<<"$errs" | awk '/^[0-9]+$/ { s += $1 } END { print s + 0 }')"
    if [ "$n" -le "${cut:-0}" ]; then
      problems="${problems/#-/}${errs}of~the~${cut}~streams~h2load~cut~at~the~end"
    else
      problems="${problems/#-/}ERRORS:~gRPC~status~$errs(h2load~cut~${cut:-0})"
    fi
  fi
  # A live row ran under the full event load only if the worker applied at
  # least 95% of --rate while it ran (it may catch up in a later row).
  if [ "$phase" = live ] && [ "$rate" -lt $((RATE * 95 / 100)) ]; then
    rate="$rate (behind)"
  fi
  ROWS+=("$phase|$what|$conc|$rps|$p50|$p99|$rate|$problems")
  log "$(printf '%-7s %-40s %-14s %10.0f req/s p50 %7.3f p99 %7.3f ms  worker %s ev/s  %s' \
    "$phase" "$what" "$conc" "$rps" "$p50" "$p99" "$rate" "${problems//\~/ }")"
}
row_rps() {  # req/s of the row of `phase` whose `what` is $2
  local r
  for r in "${ROWS[@]}"; do
    IFS='|' read -r ph wh _ rps _ <<<"$r"
    if [ "$ph" = "$1" ] && [ "$wh" = "$2" ]; then echo "$rps"; return; fi
  done
  echo 0
}

G="$CONNECTIONS conn x $STREAMS streams"
CM=$((CONNECTIONS * STREAMS))
run_phase() {
  local phase="$1" half
  measure "$phase" "gRPC ListEntries top-10" "$G" h2load_grpc top10
  measure "$phase" "gRPC GetPlayerRank (one player)" "$G" h2load_grpc rank
  measure "$phase" "gRPC ListEntriesAroundPlayer r=5" "$G" h2load_grpc around
  measure "$phase" "REST top-10" "$CONNECTIONS conn" wrk_rest top10 "$REST_TOP10"
  measure "$phase" "REST rank (one player)" "$CONNECTIONS conn" wrk_rest rank "$REST_RANK"
  # HTTP/1.1 has one request in flight per connection: C x M connections
  # keep as many in flight as h2load's gRPC rows.
  measure "$phase" "REST top-10, as many in flight as gRPC" "$CM conn" \
    wrk_rest top10-cm "$REST_TOP10" "$CM"
  measure "$phase" "redis ZRANGE 0 9 WITHSCORES" "-c $CM" \
    redis_bench "$CM" "$SECONDS_EACH" ZRANGE "$BOARD_KEY" 0 9 WITHSCORES
  measure "$phase" "redis ZRANK (same player)" "-c $CM" \
    redis_bench "$CM" "$SECONDS_EACH" ZRANK "$BOARD_KEY" "$MEMBER"
  measure "$phase" "redis ZRANGE 0 9 WITHSCORES" "-c $CONNECTIONS" \
    redis_bench "$CONNECTIONS" "$(( (SECONDS_EACH + 1) / 2 ))" ZRANGE "$BOARD_KEY" 0 9 WITHSCORES
  measure "$phase" "redis ZRANK (same player)" "-c $CONNECTIONS" \
    redis_bench "$CONNECTIONS" "$(( (SECONDS_EACH + 1) / 2 ))" ZRANK "$BOARD_KEY" "$MEMBER"
  # Half the maximum rate just measured, spread over the C connections.
  half="$(awk -v r="$(row_rps "$phase" "gRPC ListEntries top-10")" -v c="$CONNECTIONS" \
    'BEGIN { x = r / 2 / c; printf "%.0f", (x < 1 ? 1 : x) }')"
  measure "$phase" "gRPC top-10 at half rate" "$G, $((half * CONNECTIONS))/s" \
    h2load_grpc top10 --rps "$half"
  # The same rate with one request in flight per connection, as REST has:
  # h2load --rps with several streams sends each tick's requests in a burst
  # on one connection, which then wait for each other.
  measure "$phase" "gRPC top-10 at half rate, 1 stream/conn" \
    "$CONNECTIONS conn x 1 stream, $((half * CONNECTIONS))/s" \
    h2load_grpc top10 -m 1 --rps "$half"
  half="$(awk -v r="$(row_rps "$phase" "REST top-10")" -v c="$CONNECTIONS" \
    'BEGIN { x = r / 2 / c; printf "%.0f", (x < 1 ? 1 : x) }')"
  measure "$phase" "REST top-10 at half rate (h2load --h1)" "$CONNECTIONS conn, $((half * CONNECTIONS))/s" \
    h2load_rest rest-top10-half "$REST_TOP10" --rps "$half"
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- live phase ------------------------------------------------------------
log "live phase: loadgen publishes $RATE score events/s to arcade"
"$BIN/tools/loadgen/loadgen" --events $((RATE * 3600)) --rate "$RATE" \
  --match_ratio 0 --score_game arcade --players 10000 --server "" \
  --redis_port "$REDIS_PORT" >"$WORK/loadgen.log" 2>&1 &
LOADGEN_PID=$!
PIDS+=("$LOADGEN_PID")
sleep 3  # the worker reaches its steady state
LIVE_A0="$(worker_applied)"; LIVE_P0="$(stream_added)"; LIVE_T0="$(now)"
run_phase live
LIVE_A1="$(worker_applied)"; LIVE_P1="$(stream_added)"; LIVE_T1="$(now)"
read -r LIVE_LAG LIVE_PENDING <<<"$(group_state)"
LOAD_LIVE="$(cut -d' ' -f1-3 /proc/loadavg)"
kill "$LOADGEN_PID" 2>/dev/null || true
wait "$LOADGEN_PID" 2>/dev/null || true
LIVE_S="$(awk -v a="$LIVE_T0" -v b="$LIVE_T1" 'BEGIN { printf "%.1f", b - a }')"
LIVE_APPLIED="$(awk -v a="$LIVE_A0" -v b="$LIVE_A1" -v s="$LIVE_S" 'BEGIN { printf "%.0f", (b - a) / s }')"
LIVE_PUBLISHED="$(awk -v a="${LIVE_P0:-0}" -v b="${LIVE_P1:-0}" -v s="$LIVE_S" 'BEGIN { printf "%.0f", (b - a) / s }')"
# It counts if the worker applied >= 95% of the target rate over the phase
# and ended less than a second of events behind.
LIVE_VERDICT="$(awk -v r="$LIVE_APPLIED" -v t="$RATE" -v lag="$LIVE_LAG" -v p="$LIVE_PENDING" \
  'BEGIN { ok = (r >= 0.95 * t) && (lag + p < t); print (ok ? "the worker kept up" : "the worker did NOT keep up: the live rows do not count") }')"
log "live phase: $LIVE_S s, published $LIVE_PUBLISHED events/s, applied $LIVE_APPLIED events/s, group lag $LIVE_LAG pending $LIVE_PENDING at the end: $LIVE_VERDICT"

# ---- frozen phase ----------------------------------------------------------
log "frozen phase: publishing stopped; waiting for the worker to drain"
DRAIN_T0="$(now)"
for i in $(seq 1 1200); do
  read -r lag pending <<<"$(group_state)"
  [ "$lag" = 0 ] && [ "$pending" = 0 ] && break
  sleep 0.1
done
[ "$lag" = 0 ] && [ "$pending" = 0 ] || die "the worker did not drain within 120 s (lag $lag pending $pending)"
DRAIN_S="$(awk -v a="$DRAIN_T0" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')"
log "drained in $DRAIN_S s"
run_phase frozen

# ---- alternating pairs (frozen) --------------------------------------------
# The host is shared: a row's rate drifts by a tenth or more within minutes.
# Each pair times gRPC top-10, redis ZRANGE (-c C x M) and REST top-10 (C
# connections) back to back, --seconds / 2 each, so each ratio compares
# rates measured within seconds of each other; the median of the pairs is
# the figure least moved by the host.
PAIR_ROWS=()
half_s=$(( (SECONDS_EACH + 1) / 2 ))
for i in $(seq 1 "$PAIRS"); do
  SECONDS_EACH_SAVED="$SECONDS_EACH"; SECONDS_EACH="$half_s"
  read -r g _ <<<"$(h2load_grpc top10)"
  read -r z _ <<<"$(redis_bench "$CM" "$half_s" ZRANGE "$BOARD_KEY" 0 9 WITHSCORES)"
  read -r w _ <<<"$(wrk_rest top10-pair "$REST_TOP10")"
  SECONDS_EACH="$SECONDS_EACH_SAVED"
  PAIR_ROWS+=("$i $g $z $w")
  log "$(awk -v i="$i" -v g="$g" -v z="$z" -v w="$w" 'BEGIN {
    printf "pair %d: gRPC top-10 %.0f/s, redis ZRANGE %.0f/s, REST top-10 %.0f/s: %.2f, %.2f", i, g, z, w,
      (z > 0 ? g / z : 0), (g > 0 ? w / g : 0) }')"
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# ---- report ----------------------------------------------------------------
ratio() {  # $1 / $2 of two rows of phase $3
  awk -v a="$(row_rps "$3" "$1")" -v b="$(row_rps "$3" "$2")" \
    'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "n/a" }'
}
{
  echo
  echo "players=$PLAYERS seconds=$SECONDS_EACH connections=$CONNECTIONS streams=$STREAMS" \
    "rate=$RATE events/s wrk_threads=$WRK_THREADS serve_stale_for_ms=$STALE_MS cores=$(nproc)" \
    "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- server worker common || echo +dirty)"
  echo "load average (1/5/15 min): before $LOAD_BEFORE, end of live $LOAD_LIVE, after $LOAD_AFTER"
  echo "live phase: ${LIVE_S} s, published $LIVE_PUBLISHED events/s, worker applied $LIVE_APPLIED events/s," \
    "group lag $LIVE_LAG pending $LIVE_PENDING at its end: $LIVE_VERDICT; drained in $DRAIN_S s"
  echo "worker events/s: applied while the row ran; (behind): below 95% of $RATE/s, so that row did not run under the full event load"
  echo "checked once before timing: $(tr '\n' ';' <"$WORK/check.txt" | sed 's/;$//')"
  echo
  echo "| phase | what | concurrency | req/s | p50 ms | p99 ms | worker events/s | problems |"
  echo "|---|---|---|---:|---:|---:|---:|---|"
  for r in "${ROWS[@]}"; do
    IFS='|' read -r ph wh co rps p50 p99 rate pr <<<"$r"
    printf '| %s | %s | %s | %.0f | %.3f | %.3f | %s | %s |\n' \
      "$ph" "$wh" "$co" "$rps" "$p50" "$p99" "$rate" "${pr//\~/ }"
  done
  echo
  echo "| ratio (req/s, same phase; redis at -c $CM) | live | frozen | issue asks |"
  echo "|---|---:|---:|---:|"
  for spec in "gRPC top-10 / redis ZRANGE|gRPC ListEntries top-10|redis ZRANGE 0 9 WITHSCORES|>= 1.0" \
              "gRPC rank / redis ZRANK|gRPC GetPlayerRank (one player)|redis ZRANK (same player)|>= 0.5" \
              "gRPC around / redis ZRANGE|gRPC ListEntriesAroundPlayer r=5|redis ZRANGE 0 9 WITHSCORES|>= 0.5" \
              "REST top-10 / gRPC top-10|REST top-10|gRPC ListEntries top-10|>= 0.8" \
              "REST top-10 at $CM conn / gRPC top-10|REST top-10, as many in flight as gRPC|gRPC ListEntries top-10|>= 0.8"; do
    IFS='|' read -r label num den want <<<"$spec"
    echo "| $label | $(ratio "$num" "$den" live) | $(ratio "$num" "$den" frozen) | $want |"
  done
  if [ "$PAIRS" -gt 0 ]; then
    echo
    echo "Alternating pairs, frozen board, $half_s s each (gRPC $CONNECTIONS conn x $STREAMS streams, redis -c $CM, REST $CONNECTIONS conn):"
    echo
    echo "| pair | gRPC top-10 req/s | redis ZRANGE req/s | REST top-10 req/s | gRPC / redis | REST / gRPC |"
    echo "|---:|---:|---:|---:|---:|---:|"
    for r in "${PAIR_ROWS[@]}"; do
      awk -v r="$r" 'BEGIN { split(r, a, " ");
        printf "| %d | %.0f | %.0f | %.0f | %.2f | %.2f |\n", a[1], a[2], a[3], a[4],
          (a[3] > 0 ? a[2] / a[3] : 0), (a[2] > 0 ? a[4] / a[2] : 0) }'
    done
    printf '%s\n' "${PAIR_ROWS[@]}" | awk '{ g[NR] = ($3 > 0 ? $2 / $3 : 0); w[NR] = ($2 > 0 ? $4 / $2 : 0) }
      function median(x, n,   i, j, t) {
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (x[j] < x[i]) { t = x[i]; x[i] = x[j]; x[j] = t }
        return (n % 2 ? x[(n + 1) / 2] : (x[n / 2] + x[n / 2 + 1]) / 2) }
      END { printf "| median | | | | %.2f | %.2f |\n", median(g, NR), median(w, NR) }'
  fi
} | tee "$WORK/report.md"
