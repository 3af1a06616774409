#ifndef STATSTRACKER_TESTS_SERVER_BOARD_SEED_H_
#define STATSTRACKER_TESTS_SERVER_BOARD_SEED_H_

// Writes board entries straight into Redis in the layout of common/keys.h,
// the way the worker stores them (ranking ZSET, player records in their
// buckets, distinct-score index of dense boards, periods). For server tests
// that need exact ties or boards too large to build through the worker in a
// test (and for tools/bench_server).

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/redis_client.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {
namespace testing {

// Sets `player`'s entry on one board period, replacing any previous one.
// The record holds no scorer aux values (an empty aux mask when
// `scorer_keeps_aux`, as best_score, glicko2 and latest_value boards have).
absl::Status SeedEntry(RedisConnection* conn, absl::string_view game_id,
                       const v1::LeaderboardConfig& board,
                       absl::string_view period, absl::string_view player,
                       double score, std::optional<double> secondary,
                       absl::Time reached_at, bool scorer_keeps_aux = false);

// One entry for SeedBoard.
struct SeedRow {
  std::string player;
  double score = 0;
  absl::Time reached_at;
  std::optional<double> secondary;
};

// Writes a whole board period at once into an empty board (pipelined bulk
// commands, the bucket state sized for the row count up front): for large
// boards in benchmarks. Player ids must be unique.
absl::Status SeedBoard(RedisConnection* conn, absl::string_view game_id,
                       const v1::LeaderboardConfig& board,
                       absl::string_view period,
                       const std::vector<SeedRow>& rows,
                       bool scorer_keeps_aux = false);

// Splits the board period's record buckets as the worker would after
// writing that many entries (common/player_buckets.h). Call after seeding
// many entries.
absl::Status GrowSeededBuckets(RedisConnection* conn, absl::string_view game_id,
                               const v1::LeaderboardConfig& board,
                               absl::string_view period);

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TESTS_SERVER_BOARD_SEED_H_
