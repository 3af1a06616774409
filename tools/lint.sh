#!/usr/bin/env bash
# Static analysis of the project's own C++ sources:
#   1. clang-format --dry-run (Google style) must report nothing;
#   2. clang-tidy with the committed .clang-tidy, over a compilation database
#      made from the Bazel build (tools/compile_commands.py).
# Generated protobuf code is excluded. Exits non-zero on any finding.
set -uo pipefail
cd "$(dirname "$0")/.."

mapfile -t sources < <(git ls-files -- 'common/*.cc' 'common/*.h' 'plugins/*.cc' \
  'plugins/*.h' 'server/*.cc' 'server/*.h' 'worker/*.cc' 'worker/*.h' \
  'tools/*.cc' 'tools/*.h' 'tests/*.cc' 'tests/*.h' 'proto/*.cc')

# The libFuzzer targets are built by tools/fuzz.sh (clang), not by
# `bazel build //...`, so they are formatted but have no compile commands.
mapfile -t fuzz_sources < <(git ls-files -- 'fuzz/*.cc')

status=0
echo "== clang-format ($((${#sources[@]} + ${#fuzz_sources[@]})) files)"
if ! clang-format --style=Google --dry-run --Werror "${sources[@]}" "${fuzz_sources[@]}"; then
  echo "clang-format: run 'clang-format -i --style=Google <file>' on the files above"
  status=1
fi

echo "== clang-tidy"
# Generated headers must exist for the analysis to see the code as compiled.
bazel build //... >/dev/null 2>&1 || { echo "lint: bazel build //... failed"; exit 1; }
python3 tools/compile_commands.py || exit 1
mapfile -t tidy_sources < <(printf '%s\n' "${sources[@]}" | grep '\.cc$')
if ! printf '%s\n' "${tidy_sources[@]}" |
    xargs -P 2 -n 4 clang-tidy -p . --quiet --extra-arg=-Wno-unknown-warning-option \
      2> >(grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated|^Suppressed|^Use -header-filter' >&2); then
  echo "clang-tidy: findings above (.clang-tidy lists the checks)"
  status=1
fi
[ "$status" -eq 0 ] && echo "lint: clean"
exit "$status"
