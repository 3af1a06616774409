#ifndef STATSTRACKER_TESTS_SERVER_BOARD_SEED_H_
#define STATSTRACKER_TESTS_SERVER_BOARD_SEED_H_

// Writes board entries straight into Redis in the layout of common/keys.h,
// the way the worker stores them (ranking ZSET, members hash, distinct-score
// index, periods). For server tests that need exact ties or boards too large
// to build through the worker in a test (and for tools/bench_server).

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/redis_client.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {
namespace testing {

// Sets `player`'s entry on one board period, replacing any previous one.
absl::Status SeedEntry(RedisConnection* conn, absl::string_view game_id,
                       const v1::LeaderboardConfig& board,
                       absl::string_view period, absl::string_view player,
                       double score, std::optional<double> secondary,
                       absl::Time reached_at);

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TESTS_SERVER_BOARD_SEED_H_
