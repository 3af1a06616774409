#!/usr/bin/env bash
# Builds the libFuzzer targets (//fuzz, clang-14 + ASan + UBSan) and runs each
# for a bounded time, two at a time, starting from the seed corpora in
# fuzz/corpus/<target>/ (new inputs go to a scratch directory, not the repo).
# A crash, a sanitizer report, a timeout (>10 s on one input) or running out
# of memory fails the target; its reproducer is kept in $STATS_FUZZ_OUT
# (default .fuzz/) and the script exits non-zero.
#
#   tools/fuzz.sh                 # every target, 20 s each (the CI gate)
#   tools/fuzz.sh --seconds 600   # every target, 10 minutes each
#   tools/fuzz.sh --seconds 60 route_fuzzer event_fuzzer
#   bazel-fuzz/fuzz/route_fuzzer .fuzz/route_fuzzer/crash-...   # reproduce
#
# Bazel runs with an output base of its own (next to the normal one): the
# fuzz build uses clang, and switching the C++ toolchain in the normal output
# base would throw away the gcc build's cache.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
jobs=2
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ "${#targets[@]}" -eq 0 ]; then
  targets=(event_fuzzer page_token_fuzzer path_template_fuzzer route_fuzzer
           json_body_fuzzer config_fuzzer)
fi

if ! command -v clang-14 >/dev/null 2>&1 ||
   ! ls /usr/lib/llvm-14/lib/clang/14*/lib/linux/libclang_rt.fuzzer-x86_64.a \
     >/dev/null 2>&1; then
  bash tools/install_deps.sh
fi

out="${STATS_FUZZ_OUT:-.fuzz}"
mkdir -p "$out"
normal_base="$(bazel info output_base 2>/dev/null)"
fuzz_base="${normal_base}-fuzz"
labels=()
for t in "${targets[@]}"; do labels+=("//fuzz:$t"); done

start=$SECONDS
# --max_idle_secs: this second Bazel server goes away by itself when idle.
fuzz_bazel=(bazel --output_base="$fuzz_base" --max_idle_secs=600)
"${fuzz_bazel[@]}" build --config=fuzz "${labels[@]}"
bin="$("${fuzz_bazel[@]}" info --config=fuzz bazel-bin)"
echo "fuzz: built ${#targets[@]} targets in $((SECONDS - start))s; running each ${seconds}s, ${jobs} at a time"

run_one() {  # run_one TARGET SECONDS BIN OUT
  local t="$1" secs="$2" bindir="$3" outdir="$4"
  local work="$outdir/$t"
  rm -rf "$work/corpus"
  mkdir -p "$work/corpus"
  local log="$work/log.txt"
  if "$bindir/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$work/" \
      "$work/corpus" "fuzz/corpus/$t" >"$log" 2>&1; then
    local runs
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    echo "fuzz: $t ok (${runs} runs in ${secs}s)"
  else
    echo "fuzz: $t FAILED; reproducer and log in $work/"
    grep -E "ERROR: |SUMMARY: |runtime error|Test unit written" "$log" | head -n 8
    return 1
  fi
}
export -f run_one

status=0
printf '%s\n' "${targets[@]}" |
  xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$seconds" "$bin" "$out" ||
  status=1
echo "fuzz: done in $((SECONDS - start))s"
exit "$status"
