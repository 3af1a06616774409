#ifndef STATSTRACKER_TOOLS_CLI_LAYOUT_MIGRATION_H_
#define STATSTRACKER_TOOLS_CLI_LAYOUT_MIGRATION_H_

// `stats migrate`: converts a Redis from storage layout 1 (every release
// before the storage rework) to layout 2 (common/keys.h) in place.
//
// Layout 1, per board period B = st:{g}:lb:<board>:<period>:
//   B           ZSET  member = 8-byte secondary key (all 0xFF: none) +
//                     8-byte time (microseconds XOR 2^63, big-endian) +
//                     player id
//   B:members   HASH  player -> member
//   B:state     HASH  player -> "<score>[;<aux>=<value>]..." (%.17g)
//   B:distinct  ZSET  member = "%.17g" of the stored score, every board
//   B:dcount    HASH  "%.17g" -> entries with that score
// per game: st:{g}:seen:<event_id> (STRING, PX dedup_window) and
// st:{g}:applied (STREAM); no layout version key.
//
// What it does, per configured game and board period: moves each player to
// the layout-2 member and record (HSCAN of B:members in chunks, one
// MULTI/EXEC per chunk that also deletes the player's layout-1 fields, so an
// interrupted run resumes where it stopped), then deletes the layout-1 keys,
// rebuilds the distinct index of dense boards and keeps the period's expiry.
// Event-id dedup markers move into the time-bucketed sets with their
// remaining lifetime (capped at the new dedup_window). The version key reads
// "migrating" meanwhile (workers and servers refuse to start) and "2" once
// done. Games not in the config are left alone and listed.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/game_catalog.h"
#include "common/redis_client.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {
namespace cli {

struct MigrationReport {
  bool already_current = false;  // nothing to do
  int64_t board_periods = 0;
  int64_t entries = 0;
  int64_t entries_without_ranking = 0;  // layout-1 inconsistencies skipped
  int64_t dedup_ids = 0;
  std::vector<std::string> unconfigured_games;  // layout-1 data left alone
};

struct MigrationOptions {
  // Migrate even if a consumer of the stream was active in the last 10 s.
  bool force = false;
  // Players per MULTI/EXEC.
  int chunk = 500;
};

// Migrates the Redis behind `conn` for `config`'s games (`catalog` built
// from it: the scorers say which aux values they keep). Progress lines go
// to `log`. FAILED_PRECONDITION when workers look active (see `force`) or
// the data is of an unknown layout.
absl::StatusOr<MigrationReport> MigrateToCurrentLayout(
    RedisConnection* conn, const v1::StatsTrackerConfig& config,
    const GameCatalog& catalog, const MigrationOptions& options,
    std::ostream& log);

}  // namespace cli
}  // namespace statstracker

#endif  // STATSTRACKER_TOOLS_CLI_LAYOUT_MIGRATION_H_
