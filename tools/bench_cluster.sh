#!/usr/bin/env bash
# One Redis against a 3-master Redis Cluster (3 replicas) on this machine, in
# one run, with the same binaries: the local stack (tools/stack.sh) on each,
# then
#   - events/s applied: tools/loadgen publishes N events (30% Elo matches,
#     70% scores) and waits until the consumer group drained;
#   - the same with redis.min_replicas_acked: 1 (WAIT for a replica before
#     each acknowledgement), on the cluster only (the single Redis has no
#     replica);
#   - queries/s: h2load (gRPC over HTTP/2, raw gRPC framing via -d) of
#     GetPlayerRank and of ListEntries top-10 on arcade/high;
#   - keys and commands per node (DBSIZE, INFO commandstats calls).
# Loopback only; bounded by --events and --requests. Stops the stack and the
# cluster it started, and leaves the development stack's data alone (it runs
# with its own STATS_STACK_DIR).
#
#   tools/bench_cluster.sh [EVENTS] [REQUESTS]     # default 100000 50000
#
# Needs h2load (Debian nghttp2-client) and the binaries `bazel build //...`
# builds (fastbuild, what tools/stack.sh runs).
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS="${1:-100000}"
REQUESTS="${2:-50000}"
command -v h2load >/dev/null || { echo "h2load missing: apt-get install nghttp2-client" >&2; exit 1; }

work="$(mktemp -d)"
export STATS_STACK_DIR="$work/stack"
export STATS_CLUSTER_DIR="$work/cluster"
export STATS_CLUSTER_PORT=7101
trap 'bash tools/stack.sh stop >/dev/null 2>&1 || true; bash tools/cluster.sh stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
S=bazel-bin/tools/cli/stats
bazel build //worker //server //tools/cli:stats //tools/loadgen >/dev/null 2>&1

# gRPC request bodies: a 5-byte frame header (uncompressed, big-endian
# length) + the serialized request.
frame() {  # frame TYPE TEXT OUT
  local body="$work/body.bin"
  printf '%s' "$2" | protoc -Iproto -I/usr/include -Ithird_party/googleapis \
    --encode="$1" statstracker/v1/leaderboard.proto >"$body"
  python3 -c "import sys,struct; b=open('$body','rb').read(); sys.stdout.buffer.write(b'\x00'+struct.pack('>I',len(b))+b)" >"$3"
}
frame statstracker.v1.GetPlayerRankRequest \
  'game_id: "arcade" leaderboard_id: "high" player_id: "player-42"' "$work/rank.bin"
frame statstracker.v1.ListEntriesRequest \
  'game_id: "arcade" leaderboard_id: "high" page_size: 10' "$work/top.bin"

queries() {  # queries NAME BODY METHOD -> "q/s mean"
  h2load -n "$REQUESTS" -c 8 -m 8 -H 'content-type: application/grpc' \
    -H 'te: trailers' -d "$2" \
    "http://127.0.0.1:50051/statstracker.v1.LeaderboardService/$3" 2>&1 |
    awk -v n="$1" '/^finished in/ {rate=$4} /^requests:/ {ok=$8} /^time for request:/ {mean=$6}
      END {printf "| %s | %s | %s | %s |\n", n, rate, mean, ok}'
}

applied() {  # applied LABEL PORT PARTITIONS -> loadgen's drained rate
  local out
  out="$(bazel-bin/tools/loadgen/loadgen --redis_port "$2" --partitions "$3" \
    --events "$EVENTS" --seed "$RANDOM" 2>&1)" || true
  echo "$out" | grep -E "^(publish|processing|end-to-end)" | sed "s/^/  [$1] /" ||
    echo "$out" | tail -n 5
}

per_node() {  # per_node PORT... -> keys and commands per node
  for p in "$@"; do
    local keys calls
    keys="$(redis-cli -p "$p" DBSIZE)"
    calls="$(redis-cli -p "$p" INFO commandstats | awk -F'[=,]' '/^cmdstat/ {s+=$2} END {print s+0}')"
    echo "| $p | $(redis-cli -p "$p" ROLE | head -1) | $keys | $calls |"
  done
}

echo "== one Redis"
bash tools/stack.sh start >/dev/null
applied single 6390 1
echo "| query | q/s | mean | requests |"
queries "GetPlayerRank (one Redis)" "$work/rank.bin" GetPlayerRank
queries "ListEntries top-10 (one Redis)" "$work/top.bin" ListEntries
echo "| node | role | keys | commands |"
per_node 6390
bash tools/stack.sh stop >/dev/null

echo "== Redis Cluster: 3 masters + 3 replicas, 3 stream partitions"
bash tools/cluster.sh start >/dev/null
ports=(7101 7102 7103 7104 7105 7106)
for p in "${ports[@]}"; do redis-cli -p "$p" CONFIG RESETSTAT >/dev/null; done
bash tools/stack.sh start --cluster >/dev/null
applied cluster 7101 3
echo "| query | q/s | mean | requests |"
queries "GetPlayerRank (cluster)" "$work/rank.bin" GetPlayerRank
queries "ListEntries top-10 (cluster)" "$work/top.bin" ListEntries
echo "| node | role | keys | commands |"
per_node "${ports[@]}"
bash tools/stack.sh stop >/dev/null

echo "== Redis Cluster with redis.min_replicas_acked: 1"
export STATS_MIN_REPLICAS_ACKED=1
# A fresh cluster, so both cluster runs start from the same state.
bash tools/cluster.sh reset >/dev/null
bash tools/cluster.sh start >/dev/null
if ! bash tools/stack.sh start --cluster >"$work/stack-wait.log" 2>&1; then
  tail -n 20 "$work/stack-wait.log"
  exit 1
fi
applied "cluster+WAIT" 7101 3
for p in 7101 7102 7103; do
  redis-cli -p "$p" INFO commandstats | grep cmdstat_wait | sed "s/^/  [$p] /"
done
bash tools/stack.sh stop >/dev/null
