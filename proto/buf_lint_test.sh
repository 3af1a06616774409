#!/usr/bin/env bash
# `buf lint` over the buf workspace (buf.yaml at the repository root), as a
# Bazel test so `bazel test //...` runs it.
set -euo pipefail
if ! command -v buf >/dev/null 2>&1; then
  echo "buf not found on PATH. Install it with: npm install -g @bufbuild/buf" \
       "(or run tools/install_deps.sh)" >&2
  exit 1
fi
export BUF_CACHE_DIR="${TEST_TMPDIR:-/tmp}/buf-cache"
buf lint
echo "buf lint: clean ($(buf ls-files | wc -l) files)"
