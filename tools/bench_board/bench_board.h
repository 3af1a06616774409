#ifndef STATSTRACKER_TOOLS_BENCH_BOARD_BENCH_BOARD_H_
#define STATSTRACKER_TOOLS_BENCH_BOARD_BENCH_BOARD_H_

// The board the query benchmarks read: `players` entries with ids
// BenchPlayerId(0..players-1), scores 0..99,999 (so with 1,000,000 players
// about ten share each score: real ties) and reach times spread over ~11.6
// days, from a fixed seed, so every run and every benchmark fills the same
// board. Written straight into Redis in the worker's layout
// (tests/server_board_seed.h), far quicker than publishing events.

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/redis_client.h"
#include "statstracker/v1/config.pb.h"
#include "tests/server_board_seed.h"

namespace statstracker {
namespace bench {

// "p" and the index in 12 digits, e.g. p000000000042: the form
// redis-benchmark gives __rand_int__, so its commands can name players.
std::string BenchPlayerId(int index);

// The rows FillBenchBoard writes, in player-index order.
std::vector<testing::SeedRow> BenchBoardRows(int players);

// Writes BenchBoardRows(players) as the all-time period of `board` of
// `game_id`, which must be empty.
absl::Status FillBenchBoard(RedisConnection* conn, absl::string_view game_id,
                            const v1::LeaderboardConfig& board, int players);

}  // namespace bench
}  // namespace statstracker

#endif  // STATSTRACKER_TOOLS_BENCH_BOARD_BENCH_BOARD_H_
