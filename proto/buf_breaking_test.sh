#!/usr/bin/env bash
# `buf breaking` of the contracts (the proto/ module, FILE rules from
# buf.yaml) against proto/baseline.binpb, the contracts as last released.
# The baseline is a committed buf image, so the check works in any clone
# (a shallow CI clone has no main branch to compare with); it changes only
# when a release deliberately accepts the current contracts:
#   tools/proto_baseline.sh
# Then, so the check cannot pass vacuously (an empty or stale-but-wrong
# baseline), a copy of the protos with one field deleted must be refused.
set -euo pipefail
if ! command -v buf >/dev/null 2>&1; then
  echo "buf not found on PATH. Install it with: npm install -g @bufbuild/buf" \
       "(or run tools/install_deps.sh)" >&2
  exit 1
fi
export BUF_CACHE_DIR="${TEST_TMPDIR:-/tmp}/buf-cache"

if ! buf breaking proto --against proto/baseline.binpb; then
  echo "buf breaking: the contracts break proto/baseline.binpb (above)." >&2
  echo "Fix the change, or, for a release that accepts it on purpose, run" \
       "tools/proto_baseline.sh and say so in README (Contracts)." >&2
  exit 1
fi
echo "buf breaking: no breaking change against proto/baseline.binpb"

planted="${TEST_TMPDIR:-$(mktemp -d)}/planted"
rm -rf "$planted" && mkdir -p "$planted"
cp -rL buf.yaml proto third_party "$planted/"
sed -i 's/^  int32 radius = 5;$/  reserved 5;/' \
  "$planted/proto/statstracker/v1/leaderboard.proto"
if out=$(cd "$planted" && buf breaking proto --against proto/baseline.binpb 2>&1); then
  echo "buf breaking accepted a deleted field: the check or baseline is broken" >&2
  exit 1
fi
if ! grep -q 'field "5" with name "radius"' <<<"$out"; then
  echo "unexpected buf breaking output for the planted break:" >&2
  echo "$out" >&2
  exit 1
fi
echo "buf breaking: a planted break (deleted field) is refused"
