#!/usr/bin/env bash
# Installs what building, testing and running Stats Tracker needs on Debian 12:
# Debian packages (apt), the buf and swagger-cli CLIs (npm, global) and the
# Node client example's packages (npm ci in clients/node). Installs only what
# is missing, so running it again is quick. Needs root or sudo for the
# installs.
set -euo pipefail

APT_PACKAGES=(
  # build
  bazel-bootstrap bazel-rules-cc bazel-rules-java g++ git
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev
  libabsl-dev libhiredis-dev libgtest-dev libgmock-dev libbenchmark-dev
  libmicrohttpd-dev libboost1.74-dev
  # gRPC's health and reflection v1 .proto files (/usr/share/grpc-proto)
  grpc-proto
  # the Python client example (clients/python) and its test
  python3-grpcio python3-protobuf
  # run and test; libjemalloc2 is the worker's malloc (worker/BUILD)
  redis-server redis-tools tzdata curl procps openssl libjemalloc2
  # quality gates (tools/lint.sh, tools/coverage.sh, tools/fuzz.sh) and
  # benchmarks; libclang-rt-14-dev has libFuzzer (-fsanitize=fuzzer);
  # nghttp2-client has h2load (tools/bench_queries)
  clang-format clang-tidy gcovr wrk clang-14 libclang-rt-14-dev nghttp2-client
  # the live page's test (headless browser)
  chromium
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$pkg")
  fi
done
# npm may come bundled with a nodejs package from elsewhere; only if it is
# missing altogether take Debian's.
if ! command -v npm >/dev/null 2>&1; then
  missing+=(npm)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install_deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

if ! command -v buf >/dev/null 2>&1; then
  echo "install_deps: installing buf (npm @bufbuild/buf)"
  $SUDO npm install -g --silent @bufbuild/buf >/dev/null
fi

# The gateway's OpenAPI test validates /openapi.json with swagger-cli.
if ! command -v swagger-cli >/dev/null 2>&1; then
  echo "install_deps: installing swagger-cli (npm @apidevtools/swagger-cli)"
  $SUDO npm install -g --silent @apidevtools/swagger-cli >/dev/null
fi

# The Node client example (clients/node): @grpc/grpc-js and
# @grpc/proto-loader at the versions of its package-lock.json. Re-run only
# when the lock file changed since the last install (a stamp in
# node_modules records its checksum).
node_dir="$(cd "$(dirname "$0")/.." && pwd)/clients/node"
lock_sum="$(sha256sum "$node_dir/package-lock.json" | cut -d' ' -f1)"
stamp="$node_dir/node_modules/.installed-from-lock"
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
  echo "install_deps: npm ci in clients/node"
  (cd "$node_dir" && npm ci --silent --no-audit --no-fund --ignore-scripts >/dev/null)
  echo "$lock_sum" > "$stamp"
fi
