#include "tools/bench_board/bench_board.h"

#include <random>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace statstracker {
namespace bench {

std::string BenchPlayerId(int index) {
  return absl::StrFormat("p%012d", index);
}

std::vector<testing::SeedRow> BenchBoardRows(int players) {
  std::mt19937 rng(1);  // fixed: the same board in every run
  const absl::Time t0 = absl::FromUnixSeconds(1795500000);
  std::vector<testing::SeedRow> rows;
  rows.reserve(players);
  for (int i = 0; i < players; ++i) {
    testing::SeedRow row;
    row.player = BenchPlayerId(i);
    row.score = rng() % 100000;
    row.reached_at = t0 + absl::Seconds(rng() % 1000000);
    rows.push_back(std::move(row));
  }
  return rows;
}

absl::Status FillBenchBoard(RedisConnection* conn, absl::string_view game_id,
                            const v1::LeaderboardConfig& board, int players) {
  return testing::SeedBoard(conn, game_id, board, "all",
                            BenchBoardRows(players));
}

}  // namespace bench
}  // namespace statstracker
