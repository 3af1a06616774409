#!/usr/bin/env bash
# Static analysis of the project's own C++ sources:
#   1. clang-format --dry-run (Google style) must report nothing;
#   2. clang-tidy with the committed .clang-tidy, over a compilation database
#      made from the Bazel build (tools/compile_commands.py).
# Generated protobuf code is excluded. Exits non-zero on any finding.
#
# clang-tidy costs ~8 s of CPU per file (gRPC and protobuf headers), ~10
# minutes for the whole tree on 2 cores, so by default it checks the .cc
# files changed since tools/lint_baseline (the last commit on which the
# whole tree was clean) and the .cc next to each changed header; --all checks
# every file, and is how the baseline is moved:
#   tools/lint.sh --all && git rev-parse HEAD > tools/lint_baseline
# clang-format always covers every file.
set -uo pipefail
cd "$(dirname "$0")/.."

all=0
[ "${1:-}" = "--all" ] && all=1

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
# Bazel links bazel-<checkout directory name> to its execution root, and
# //... would descend into that link unless .bazelignore names it (it names
# bazel-main and bazel-statstracker); for a checkout of another name the
# link is dropped before Bazel runs (Bazel makes it again).
self_link="bazel-$(basename "$PWD")"
grep -qxF "$self_link" .bazelignore 2>/dev/null || rm -f "$self_link"
bazel build //... >/dev/null 2>&1 || { echo "lint: bazel build //... failed"; exit 1; }
python3 tools/compile_commands.py || exit 1
baseline="$(cat tools/lint_baseline 2>/dev/null)"
if [ "$all" -eq 0 ] && [ -n "$baseline" ] &&
    git cat-file -e "${baseline}^{commit}" 2>/dev/null; then
  # Changed since the baseline (committed or not), still present, and ours.
  mapfile -t changed < <({ git diff --name-only "$baseline" --;
                           git ls-files --others --exclude-standard; } |
                         sort -u)
  mapfile -t tidy_sources < <(
    for f in "${changed[@]}"; do
      case "$f" in *.h) f="${f%.h}.cc" ;; esac
      printf '%s\n' "${sources[@]}" | grep -qxF "$f" && [ -f "$f" ] &&
        [[ "$f" == *.cc ]] && echo "$f"
    done | sort -u)
  echo "clang-tidy: ${#tidy_sources[@]} files changed since ${baseline:0:10} (tools/lint_baseline; --all for every file)"
else
  mapfile -t tidy_sources < <(printf '%s\n' "${sources[@]}" | grep '\.cc$')
  echo "clang-tidy: all ${#tidy_sources[@]} files"
fi
if [ "${#tidy_sources[@]}" -eq 0 ]; then
  [ "$status" -eq 0 ] && echo "lint: clean"
  exit "$status"
fi
if ! printf '%s\n' "${tidy_sources[@]}" |
    xargs -P 2 -n 4 clang-tidy -p . --quiet --extra-arg=-Wno-unknown-warning-option \
      2> >(grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated|^Suppressed|^Use -header-filter' >&2); then
  echo "clang-tidy: findings above (.clang-tidy lists the checks)"
  status=1
fi
[ "$status" -eq 0 ] && echo "lint: clean"
exit "$status"
