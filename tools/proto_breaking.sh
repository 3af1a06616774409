#!/usr/bin/env bash
# Breaking changes of the working tree's contracts against a git ref's
# (default: main), e.g. to review a branch before it is merged:
#   tools/proto_breaking.sh            # against main
#   tools/proto_breaking.sh HEAD~3
# CI does not use this (a CI clone of main has nothing to compare with);
# it runs //proto:buf_breaking_test against the committed baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
ref="${1:-main}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
git archive "$ref" | tar -x -C "$tmp"
if [ -f "$tmp/buf.yaml" ]; then
  (cd "$tmp" && buf build proto --exclude-source-info -o "$tmp/against.binpb")
else  # before the workspace moved to the root, buf.yaml was in proto/
  (cd "$tmp/proto" && buf build --exclude-source-info -o "$tmp/against.binpb")
fi
buf breaking proto --against "$tmp/against.binpb"
echo "no breaking change against $ref"
