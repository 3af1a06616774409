#!/usr/bin/env bash
# Every binary's --help says what it does and lists its own flags (Abseil
# printed "No flags matched" for a main.cc before common/flags_usage.h);
# --helpfull still lists every flag.
set -uo pipefail
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# binary, a phrase of its usage text, flags its --help must list
check() {
  local binary="$1" phrase="$2"; shift 2
  local out
  out="$("$binary" --help 2>&1)"
  grep -qF "$phrase" <<<"$out" || fail "$binary --help lacks '$phrase'"
  grep -q "No flags matched" <<<"$out" && fail "$binary --help: No flags matched"
  for flag in "$@"; do
    grep -qE -- "^ +--$flag \(" <<<"$out" || fail "$binary --help lacks --$flag"
  done
  # The libraries' flags are for --helpfull only.
  grep -qE -- "--flagfile" <<<"$out" && fail "$binary --help lists --flagfile"
}

# --helpfull still lists them (common/flags_usage.cc is shared, one binary
# shows it). Abseil exits 1 after printing help: no pipe under pipefail.
out="$(worker/worker --helpfull 2>&1)"
grep -qE -- "--flagfile" <<<"$out" || fail "worker --helpfull lacks --flagfile"
grep -qE -- "--consumer_name" <<<"$out" || fail "worker --helpfull lacks its own flags"

check worker/worker "applies each event" mode config redis_port \
  consumer_name metrics_address
check server/server "answers leaderboard and player-stats queries" mode \
  config grpc_address http_address metrics_address web_root
check tools/cli/stats "usage: stats <command>" server api_key json redis_port
check tools/loadgen/loadgen "publishes --events GameEvents" events rate \
  server redis_port
check tools/bench_worker/bench_worker "worker's throughput" events batch_size
check tools/bench_server/bench_server "top-10 and around-player" players \
  clients
check tools/bench_gateway/bench_gateway "benchmarks the REST gateway" \
  players connections
check tools/bench_queries/setup_board "prepares an empty redis-server" \
  redis_port players config_out out_dir
check tools/bench_queries/write_frames "raw gRPC frames" out_dir player
check tools/bench_queries/check_frames "grpc-status 0" server dir player

if [ "$failures" -gt 0 ]; then
  echo "0 passed, $failures failed"
  exit 1
fi
echo "10 binaries: --help says what each does and lists its flags"
