#!/usr/bin/env bash
# Accepts the current contracts as released: rebuilds proto/baseline.binpb,
# the buf image //proto:buf_breaking_test compares the protos with. Run it
# on purpose only (a release, or a breaking change agreed and recorded in
# README's Contracts section); then commit the new baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
buf lint
buf build proto --exclude-source-info -o proto/baseline.binpb
echo "proto/baseline.binpb rebuilt from the working tree; commit it"
