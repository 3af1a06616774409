#!/usr/bin/env bash
# Test coverage: builds the tests with gcc's --coverage, runs them, and writes
# an HTML report to coverage/index.html plus a one-line total. Generated
# protobuf code and the tests themselves are excluded from the figures.
set -uo pipefail
cd "$(dirname "$0")/.."
tools/install_deps.sh || exit 1
command -v gcovr >/dev/null || { echo "gcovr missing: apt-get install gcovr" >&2; exit 1; }

execroot="$(bazel info --config=gcov execution_root)"
outdir="$execroot/bazel-out/k8-fastbuildgcov"  # --platform_suffix=gcov
# Stale counters from an earlier run would be added to this one's.
find "$outdir" -name '*.gcda' -delete 2>/dev/null
bazel test --config=gcov --nocache_test_results //... "$@" >/tmp/coverage-test.log 2>&1
rc=$?
tail -n 5 /tmp/coverage-test.log

# The objects' paths are relative, so each test writes its .gcda files under
# its own runfiles tree. Give every one the .gcno it belongs to; gcovr then
# merges the counts of all tests per source file.
find "$outdir" -path '*.runfiles/statstracker/bazel-out/*' -name '*.gcda' |
  while read -r gcda; do
    gcno="$execroot/${gcda#*.runfiles/statstracker/}"
    gcno="${gcno%.gcda}.gcno"
    [ -f "$gcno" ] && ln -sf "$gcno" "${gcda%.gcda}.gcno"
  done

mkdir -p coverage
exclude=(--exclude '.*\.pb\.(h|cc)$' --exclude '.*_test\.cc$' --exclude '(.*/)?tests/'
         --exclude '.*/testing/' --exclude '.*testing_util\.h$'
         --exclude '^external/' --exclude '^bazel-out/' --exclude '^/usr/')
(cd "$execroot" && gcovr --root "$execroot" \
   "${exclude[@]}" --gcov-ignore-parse-errors "$outdir" \
   --html-details "$OLDPWD/coverage/index.html" --print-summary >"$OLDPWD/coverage/summary.txt" 2>/dev/null)
lines=$(grep -E '^lines:' coverage/summary.txt | sed 's/^lines: *//')
funcs=$(grep -E '^functions:' coverage/summary.txt | sed 's/^functions: *//')
echo "coverage: lines ${lines:-?}, functions ${funcs:-?} (report: coverage/index.html)"
exit "$rc"
