// Paging through a 10,000-player board through the real server: every player
// exactly once and in order, and, while scores keep changing between pages,
// every player that did not move still exactly once and in order.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "tests/server_board_seed.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"

namespace statstracker {
namespace {

constexpr int kPlayers = 10000;
const absl::Time kT0 = absl::FromUnixSeconds(1795500000);

struct Row {
  std::string player;
  double score;
  std::string member;
};

class ServerPagingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::StackOptions options;
    options.worker = false;
    auto stack = testing::StartStack(testing::TestConfig(), options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    auto conn = stack_->redis->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
    stub_ = v1::LeaderboardService::NewStub(stack_->channel);
    // The "total" board: higher first, standard ties. Scores 0..999 give
    // about ten players per score, so ties span page boundaries.
    board_.set_leaderboard_id("total");
    board_.set_sort_order(v1::SORT_ORDER_DESCENDING);
    board_.set_tie_mode(v1::TIE_MODE_STANDARD);
    std::mt19937 rng(42);
    for (int i = 0; i < kPlayers; ++i) {
      Set(absl::StrCat("player-", i), rng() % 1000, rng() % 100000);
    }
    // Many record buckets, as a worker-written board of this size has.
    ASSERT_TRUE(
        testing::GrowSeededBuckets(conn_.get(), "arcade", board_, "all").ok());
  }

  void Set(const std::string& player, double score, int at) {
    ASSERT_TRUE(testing::SeedEntry(conn_.get(), "arcade", board_, "all", player,
                                   score, std::nullopt, kT0 + absl::Seconds(at))
                    .ok());
    rows_[player] = Row{player, score,
                        keys::EncodeMember(board_, player, std::nullopt,
                                           kT0 + absl::Seconds(at))};
  }

  // Players best first, as the board must order them.
  std::vector<Row> Expected() const {
    std::vector<Row> rows;
    for (const auto& [player, row] : rows_) rows.push_back(row);
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      if (a.score != b.score) return a.score > b.score;
      return a.member < b.member;  // std::string compares bytes (char_traits)
    });
    return rows;
  }

  v1::ListEntriesResponse Page(int size, const std::string& token) {
    v1::ListEntriesRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id("total");
    req.set_page_size(size);
    req.set_page_token(token);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    v1::ListEntriesResponse resp;
    grpc::Status status = stub_->ListEntries(&ctx, req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp;
  }

  std::unique_ptr<testing::Stack> stack_;
  std::unique_ptr<RedisConnection> conn_;
  std::unique_ptr<v1::LeaderboardService::Stub> stub_;
  v1::LeaderboardConfig board_;
  absl::flat_hash_map<std::string, Row> rows_;
};

TEST_F(ServerPagingTest, EveryPlayerExactlyOnceInOrder) {
  std::vector<Row> expected = Expected();
  for (int page_size : {1000, 137}) {
    std::vector<v1::LeaderboardEntry> got;
    std::string token;
    do {
      v1::ListEntriesResponse resp = Page(page_size, token);
      for (const auto& e : resp.entries()) got.push_back(e);
      token = resp.next_page_token();
      ASSERT_LE(got.size(), static_cast<size_t>(kPlayers));
    } while (!token.empty());
    ASSERT_EQ(got.size(), expected.size()) << "page size " << page_size;
    int64_t rank = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_EQ(got[i].player_id(), expected[i].player) << "position " << i;
      ASSERT_EQ(got[i].score(), expected[i].score);
      // Standard rank: 1 + players with a strictly better score.
      if (i == 0 || expected[i].score != expected[i - 1].score) rank = i + 1;
      ASSERT_EQ(got[i].rank(), rank) << "position " << i;
    }
  }
}

TEST_F(ServerPagingTest, UnmovedPlayersExactlyOnceInOrderWhileScoresChange) {
  std::vector<Row> initial = Expected();
  absl::flat_hash_map<std::string, size_t> position;
  for (size_t i = 0; i < initial.size(); ++i) position[initial[i].player] = i;
  absl::flat_hash_set<std::string> moved;
  std::mt19937 rng(7);
  std::vector<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    v1::ListEntriesResponse resp = Page(250, token);
    for (const auto& e : resp.entries()) seen.push_back(e.player_id());
    token = resp.next_page_token();
    // Between pages, 20 players anywhere on the board get a new score
    // (up or down, ahead of or behind the cursor, the cursor entry itself
    // sometimes), as a live game would.
    for (int i = 0; i < 20; ++i) {
      std::string player =
          (i == 0 && !resp.entries().empty())
              ? resp.entries(resp.entries_size() - 1).player_id()
              : absl::StrCat("player-", rng() % kPlayers);
      moved.insert(player);
      Set(player, rng() % 1000, 200000 + pages * 20 + i);
    }
    ++pages;
    ASSERT_LT(pages, 100);
  } while (!token.empty());

  absl::flat_hash_map<std::string, int> times;
  for (const std::string& p : seen) ++times[p];
  size_t last = 0;
  bool first = true;
  int unmoved = 0;
  for (const std::string& p : seen) {
    if (moved.contains(p)) continue;
    ++unmoved;
    ASSERT_EQ(times[p], 1) << p << " seen more than once";
    size_t pos = position[p];
    ASSERT_TRUE(first || pos > last) << p << " out of order";
    last = pos;
    first = false;
  }
  // No unmoved player is missing.
  EXPECT_EQ(unmoved, kPlayers - static_cast<int>(moved.size()));
  EXPECT_GT(moved.size(), 500u);
}

}  // namespace
}  // namespace statstracker
