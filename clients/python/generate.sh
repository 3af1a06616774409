#!/usr/bin/env bash
# Generates the Python messages and gRPC stubs of the Stats Tracker API from
# proto/ (and the google.api annotations it imports) with Debian's protoc and
# grpc_python_plugin (protobuf-compiler, protobuf-compiler-grpc):
#   clients/python/generate.sh OUT_DIR
# then put OUT_DIR on PYTHONPATH. Generated code is not committed; the
# Bazel target //clients/python:stubs runs this script.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
mkdir -p "$1"
out="$(cd "$1" && pwd)"
cd "$(dirname "$0")/../.."
protoc -Iproto -Ithird_party/googleapis \
  --python_out="$out" --grpc_python_out="$out" \
  --plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin \
  statstracker/v1/admin.proto statstracker/v1/config.proto \
  statstracker/v1/events.proto statstracker/v1/leaderboard.proto \
  statstracker/v1/plugin_params.proto statstracker/v1/stats.proto \
  google/api/annotations.proto google/api/http.proto
