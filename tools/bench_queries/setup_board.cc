// setup_board: prepares a private Redis for tools/bench_queries: writes the
// config the server and worker run with (the server tests' config,
// tests/server_test_config.h), fills its board (tools/bench_board) and picks
// a player from the middle of it for the rank and around-player calls.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/flags_usage.h"
#include "common/keys.h"
#include "common/layout_version.h"
#include "common/redis_client.h"
#include "google/protobuf/text_format.h"
#include "tests/server_test_config.h"
#include "tools/bench_board/bench_board.h"

ABSL_FLAG(int, redis_port, 0, "Port of the (empty) redis-server on 127.0.0.1");
ABSL_FLAG(int, players, 1000000, "Players on the board");
ABSL_FLAG(std::string, game, "arcade", "Game of the board (test config)");
ABSL_FLAG(std::string, board, "total", "Board to fill (test config)");
ABSL_FLAG(std::string, config_out, "", "Where to write the config");
ABSL_FLAG(std::string, out_dir, "",
          "Where to write the picked player: player (its id), member (its "
          "member in the board's sorted set) and board_key");

namespace statstracker {
namespace {

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  out.close();
  if (!out) std::cerr << "setup_board: cannot write " << path << "\n";
  return static_cast<bool>(out);
}

// The row nearest the middle of the board whose sorted-set member has no NUL,
// newline or double quote byte (the member goes to redis-benchmark as a
// command-line argument, through a shell variable, and comes back in its CSV
// output; the member's time prefix is binary). Its index in `rows`.
std::optional<size_t> MiddlePlayer(const v1::LeaderboardConfig& board,
                                   const std::vector<testing::SeedRow>& rows) {
  std::vector<std::pair<double, size_t>> by_score;
  by_score.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    by_score.emplace_back(rows[i].score, i);
  }
  std::sort(by_score.begin(), by_score.end());
  for (size_t step = 0; step < by_score.size(); ++step) {
    // middle, middle+1, middle-1, middle+2, ...
    const size_t mid = by_score.size() / 2;
    const size_t k = step % 2 == 0 ? mid + step / 2 : mid - (step + 1) / 2;
    if (k >= by_score.size()) continue;
    const testing::SeedRow& row = rows[by_score[k].second];
    const std::string member =
        keys::EncodeMember(board, row.player, row.secondary, row.reached_at);
    if (member.find_first_of(std::string("\0\n\"", 3)) == std::string::npos) {
      return by_score[k].second;
    }
  }
  return std::nullopt;
}

int Main() {
  const int players = absl::GetFlag(FLAGS_players);
  const std::string game = absl::GetFlag(FLAGS_game);
  const std::string config_out = absl::GetFlag(FLAGS_config_out);
  const std::string out_dir = absl::GetFlag(FLAGS_out_dir);
  if (absl::GetFlag(FLAGS_redis_port) <= 0 || players < 1 ||
      config_out.empty() || out_dir.empty()) {
    std::cerr << "setup_board: --redis_port, --config_out and --out_dir are "
                 "required, --players must be >= 1\n";
    return 2;
  }
  const v1::LeaderboardConfig board =
      testing::TestBoard(game, absl::GetFlag(FLAGS_board));
  if (board.scorer().empty()) {
    std::cerr << "setup_board: the test config has no board '"
              << board.leaderboard_id() << "' in game '" << game << "'\n";
    return 2;
  }
  if (!WriteFile(config_out, testing::TestConfig())) return 1;

  auto conn = RedisConnection::Connect(
      "127.0.0.1", absl::GetFlag(FLAGS_redis_port), absl::Seconds(30));
  if (!conn.ok()) {
    std::cerr << "setup_board: redis: " << conn.status() << "\n";
    return 1;
  }
  // Claim the empty Redis for this storage layout, as the first worker or
  // server would; the worker and server refuse data without the stamp.
  v1::StatsTrackerConfig config;
  if (!google::protobuf::TextFormat::ParseFromString(testing::TestConfig(),
                                                     &config)) {
    std::cerr << "setup_board: the test config does not parse\n";
    return 1;
  }
  absl::Status layout = CheckLayout(conn->get(), config);
  if (!layout.ok()) {
    std::cerr << "setup_board: " << layout << "\n";
    return 1;
  }
  const absl::Time start = absl::Now();
  absl::Status filled =
      bench::FillBenchBoard(conn->get(), game, board, players);
  if (!filled.ok()) {
    std::cerr << "setup_board: fill: " << filled << "\n";
    return 1;
  }
  std::cout << "filled " << game << "/" << board.leaderboard_id() << " with "
            << players << " players in "
            << absl::FormatDuration(absl::Now() - start) << "\n";

  const std::vector<testing::SeedRow> rows = bench::BenchBoardRows(players);
  std::optional<size_t> middle = MiddlePlayer(board, rows);
  if (!middle) {
    std::cerr << "setup_board: every member has a NUL, newline or quote\n";
    return 1;
  }
  const testing::SeedRow& row = rows[*middle];
  const std::string key =
      keys::Board(game, board.leaderboard_id(), keys::kAllTimePeriod);
  const std::string member =
      keys::EncodeMember(board, row.player, row.secondary, row.reached_at);
  auto rank = (*conn)->Command({"ZRANK", key, member});
  if (!rank.ok() || rank->is_error() || rank->is_nil()) {
    std::cerr << "setup_board: ZRANK of " << row.player
              << "'s member failed: the board is not as written\n";
    return 1;
  }
  std::cout << "middle player " << row.player << " score " << row.score
            << ", ZRANK " << rank->integer << " of " << players << "\n";
  if (!WriteFile(out_dir + "/player", row.player) ||
      !WriteFile(out_dir + "/member", member) ||
      !WriteFile(out_dir + "/board_key", key)) {
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace statstracker

constexpr char kUsage[] =
    R"(prepares an empty redis-server for tools/bench_queries: writes
the server tests' config to --config_out, fills --board of --game with
--players players in the worker's layout (tools/bench_board), and writes a
player from the middle of the board (id, sorted-set member, board key) to
--out_dir.

usage: setup_board --redis_port PORT --config_out FILE --out_dir DIR
           [--players N] [--game G] [--board B])";

int main(int argc, char** argv) {
  statstracker::SetUpHelp(kUsage, __FILE__);
  absl::ParseCommandLine(argc, argv);
  return statstracker::Main();
}
