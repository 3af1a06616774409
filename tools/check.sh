#!/usr/bin/env bash
# Every quality gate, in the order CI runs them (.ci/run calls this script):
#   tests     tools/test.sh                   every test, normal build
#   asan      tools/test.sh --config=asan     the byte-level unit tests under
#                                             ASan + UBSan (all: run by hand)
#   fuzz      tools/fuzz.sh                   each libFuzzer target 20 s, two at
#                                             a time (STATS_FUZZ_SECONDS)
#   lint      tools/lint.sh                   clang-format + clang-tidy
#   coverage  tools/coverage.sh               reported (total printed), not gated
# Prints one line per gate and ends with "N passed, N failed" summed over the
# two test runs. Exits non-zero when any gated step failed.
# STATS_SKIP_COVERAGE=1 skips the coverage report (it rebuilds everything once
# more with gcc instrumentation).
set -uo pipefail
cd "$(dirname "$0")/.."

declare -A result
total_passed=0
total_failed=0
failed_gates=()

run_tests() {  # run_tests GATE [bazel args...]
  local gate="$1"; shift
  local log; log="$(mktemp)"
  echo "=== gate: $gate ($(date -u +%H:%M:%S))"
  local start=$SECONDS
  bash tools/test.sh "$@" 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line; line="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)"
  total_passed=$((total_passed + $(echo "${line:-0 passed}" | awk '{print $1}')))
  total_failed=$((total_failed + $(echo "${line:-0 passed, 1 failed}" | awk '{print $3}')))
  rm -f "$log"
  if [ "$rc" -eq 0 ]; then result[$gate]="ok"; else result[$gate]="FAILED"; failed_gates+=("$gate"); fi
  result[$gate]+=" (${line:-no summary}; $((SECONDS - start))s)"
}

run_tests tests
# ASan + UBSan in CI: the byte-level code that needs no generated protobuf
# code (record and member encodings, player buckets, cluster slots and
# redirections, the dedup window, client-value escaping, path templates).
# The server's edge (events, page tokens, paths, queries, JSON bodies,
# config) runs under ASan + UBSan in the fuzz gate. `tools/test.sh
# --config=asan` runs every test (about 25 minutes on 2 cores: building
# gRPC-heavy code at -O1 with the sanitizers is what costs), too long for
# CI beside the other gates; run it before a release.
run_tests asan --config=asan --build_tests_only //common:board_record_test \
  //common:player_buckets_test //common:redis_slots_test \
  //common:field_error_test //worker:dedup_test \
  //server/gateway:path_template_test

echo "=== gate: fuzz ($(date -u +%H:%M:%S))"
start=$SECONDS
if bash tools/fuzz.sh --seconds "${STATS_FUZZ_SECONDS:-20}"; then
  result[fuzz]="ok"
else
  result[fuzz]="FAILED"; failed_gates+=(fuzz)
fi
result[fuzz]+=" ($((SECONDS - start))s)"

echo "=== gate: lint ($(date -u +%H:%M:%S))"
start=$SECONDS
if bash tools/lint.sh; then result[lint]="ok"; else result[lint]="FAILED"; failed_gates+=(lint); fi
result[lint]+=" ($((SECONDS - start))s)"

if [ "${STATS_SKIP_COVERAGE:-0}" != 1 ]; then
  echo "=== report: coverage ($(date -u +%H:%M:%S))"
  start=$SECONDS
  cov="$(bash tools/coverage.sh 2>&1 | tail -n 1)"
  result[coverage]="${cov} ($((SECONDS - start))s, not gated)"
fi

echo "=== gates"
for gate in tests asan fuzz lint coverage; do
  [ -n "${result[$gate]:-}" ] && printf '%-9s %s\n' "$gate" "${result[$gate]}"
done
if [ "${#failed_gates[@]}" -gt 0 ]; then
  echo "failed gates: ${failed_gates[*]}"
fi
echo "${total_passed} passed, ${total_failed} failed"
[ "${#failed_gates[@]}" -eq 0 ]
