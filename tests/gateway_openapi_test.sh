#!/usr/bin/env bash
# Validates the gateway's OpenAPI document (statstracker.v1 API plus the
# test-only echo service) with swagger-cli from the npm registry
# (@apidevtools/swagger-cli, installed by tools/install_deps.sh; falls back
# to `npx --yes`), and checks that every API RPC has an operation and the
# admin operations the bearer security scheme.
set -euo pipefail

dump="server/gateway/testing/openapi_dump"
doc="${TEST_TMPDIR}/openapi.json"
"$dump" > "$doc"

if command -v swagger-cli >/dev/null 2>&1; then
  validator=(swagger-cli)
else
  export HOME="${HOME:-$TEST_TMPDIR}"
  export npm_config_cache="${TEST_TMPDIR}/npm-cache"
  validator=(npx --yes @apidevtools/swagger-cli)
fi
"${validator[@]}" validate "$doc"

# Every routed RPC has an operationId; every API RPC with an HTTP option.
for op in LeaderboardService_ListLeaderboards LeaderboardService_ListEntries \
  LeaderboardService_GetPlayerRank LeaderboardService_ListEntriesAroundPlayer \
  LeaderboardService_ListEntriesForPlayers LeaderboardService_ListEntriesForPlayers_1 \
  LeaderboardService_CountEntries LeaderboardService_GetPlayerHistory \
  LeaderboardService_WatchLeaderboard \
  PlayerStatsService_GetPlayerStats PlayerStatsService_BatchGetPlayerStats \
  AdminService_PublishEvents AdminService_ResetLeaderboard AdminService_ErasePlayer \
  EchoService_Echo EchoService_Count; do
  if ! grep -q "\"operationId\": \"$op\"" "$doc"; then
    echo "FAIL: no operation $op in /openapi.json" >&2
    exit 1
  fi
done
# Comments become descriptions; streaming is documented as NDJSON.
grep -q "The top of a board, best first, one page at a time." "$doc"
grep -q '"application/x-ndjson"' "$doc"
grep -q '"statstracker.v1.LeaderboardEntry"' "$doc"
# The admin operations' bearer scheme is part of what swagger-cli validated.
grep -q '"bearerAuth": \[\]' "$doc"
grep -q '"scheme": "bearer"' "$doc"
echo "1 passed, 0 failed"
