#!/usr/bin/env bash
# Runs every test: installs missing dependencies, then `bazel test //...`.
# Prints Bazel's per-test summary and ends with "N passed, N failed".
# Extra arguments go to bazel test (e.g. --config=asan //worker/...).
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh || exit 1

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Bazel links bazel-<checkout directory name> to its execution root, and
# //... would descend into that link unless .bazelignore names it (it names
# bazel-main and bazel-statstracker); for a checkout of another name the
# link is dropped before Bazel runs (Bazel makes it again).
self_link="bazel-$(basename "$PWD")"
grep -qxF "$self_link" .bazelignore 2>/dev/null || rm -f "$self_link"

# Arguments starting with // are the targets (default //...); the rest are
# options.
targets=()
options=()
for arg in "$@"; do
  case "$arg" in //*) targets+=("$arg") ;; *) options+=("$arg") ;; esac
done
[ "${#targets[@]}" -eq 0 ] && targets=(//...)
bazel test "${options[@]}" -- "${targets[@]}" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

# Summary lines look like "//pkg:target   (cached) PASSED in 0.5s".
passed=$(grep -cE '^//[^ ]+ .*PASSED' "$log")
failed=$(grep -cE '^//[^ ]+ .*(FAILED|TIMEOUT|NO STATUS|FLAKY|INCOMPLETE)' "$log")
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the build itself failed before any test ran
fi
echo "${passed} passed, ${failed} failed"
exit "$rc"
