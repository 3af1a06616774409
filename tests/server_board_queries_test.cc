// Ranking queries of server/board_queries against a real redis-server, on
// boards seeded with exact ties: the three tie modes, secondary scores with
// their own direction, ascending boards, page cursors while entries move.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/board_queries.h"
#include "tests/redis_server.h"
#include "tests/server_board_seed.h"

namespace statstracker {
namespace {

using server::BoardRef;
using ::testing::ElementsAre;
using ::testing::Pair;

constexpr char kGame[] = "g";
const absl::Time kT0 = absl::FromUnixSeconds(1795500000);

class BoardQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    auto conn = redis_->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
  }

  BoardRef Ref(const v1::LeaderboardConfig& config) {
    return BoardRef{&config, kGame, config.leaderboard_id(), "all"};
  }

  void Seed(const v1::LeaderboardConfig& config, const std::string& player,
            double score, int reached_offset_s,
            std::optional<double> secondary = std::nullopt) {
    ASSERT_TRUE(testing::SeedEntry(conn_.get(), kGame, config, "all", player,
                                   score, secondary,
                                   kT0 + absl::Seconds(reached_offset_s))
                    .ok());
  }

  // (player, rank) of a whole board read page by page.
  std::vector<std::pair<std::string, int64_t>> ReadAll(
      const v1::LeaderboardConfig& config, int page_size) {
    std::vector<std::pair<std::string, int64_t>> out;
    std::optional<server::PageCursor> cursor;
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = server::ListPage(conn_.get(), Ref(config), page_size, cursor);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      for (const auto& e : page->entries)
        out.emplace_back(e.player_id(), e.rank());
      if (!page->next) break;
      cursor = page->next;
    }
    return out;
  }

  // Ties: a and b 90 (b first), c and d 80 (d by secondary), e 70.
  void SeedTies(const v1::LeaderboardConfig& config) {
    Seed(config, "top", 100, 50);
    Seed(config, "a", 90, 20);
    Seed(config, "b", 90, 10);
    Seed(config, "c", 80, 0, 1.0);
    Seed(config, "d", 80, 30, 5.0);
    Seed(config, "e", 70, 0);
  }

  v1::LeaderboardConfig Board(const std::string& id, v1::TieMode mode) {
    v1::LeaderboardConfig config;
    config.set_leaderboard_id(id);
    config.set_sort_order(v1::SORT_ORDER_DESCENDING);
    config.set_tie_mode(mode);
    config.mutable_secondary()->set_value_key("kills");
    config.mutable_secondary()->set_sort_order(v1::SORT_ORDER_DESCENDING);
    return config;
  }

  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<RedisConnection> conn_;
};

TEST_F(BoardQueriesTest, UniqueRanksBreakTiesBySecondaryThenTime) {
  v1::LeaderboardConfig config = Board("u", v1::TIE_MODE_UNIQUE);
  SeedTies(config);
  EXPECT_THAT(ReadAll(config, 100),
              ElementsAre(Pair("top", 1), Pair("b", 2), Pair("a", 3),
                          Pair("d", 4), Pair("c", 5), Pair("e", 6)));
}

TEST_F(BoardQueriesTest, StandardRanksShareAndSkip) {
  v1::LeaderboardConfig config = Board("s", v1::TIE_MODE_STANDARD);
  SeedTies(config);
  // Same order on every page size, and ranks right across page boundaries.
  for (int page_size : {1, 2, 3, 100}) {
    EXPECT_THAT(ReadAll(config, page_size),
                ElementsAre(Pair("top", 1), Pair("b", 2), Pair("a", 2),
                            Pair("d", 4), Pair("c", 4), Pair("e", 6)))
        << "page size " << page_size;
  }
}

TEST_F(BoardQueriesTest, DenseRanksShareWithoutSkipping) {
  v1::LeaderboardConfig config = Board("d", v1::TIE_MODE_DENSE);
  SeedTies(config);
  for (int page_size : {1, 2, 100}) {
    EXPECT_THAT(ReadAll(config, page_size),
                ElementsAre(Pair("top", 1), Pair("b", 2), Pair("a", 2),
                            Pair("d", 3), Pair("c", 3), Pair("e", 4)))
        << "page size " << page_size;
  }
}

TEST_F(BoardQueriesTest, AscendingBoardAndAscendingSecondary) {
  v1::LeaderboardConfig config = Board("time", v1::TIE_MODE_UNIQUE);
  config.set_sort_order(v1::SORT_ORDER_ASCENDING);
  config.mutable_secondary()->set_sort_order(v1::SORT_ORDER_ASCENDING);
  Seed(config, "slow", 95.5, 0);
  Seed(config, "fast", 60.25, 0);
  Seed(config, "tie_low", 70, 0, 3);
  Seed(config, "tie_high", 70, 0, 9);
  Seed(config, "tie_none", 70, 0);
  auto page = server::ListPage(conn_.get(), Ref(config), 10, std::nullopt);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->entries.size(), 5u);
  EXPECT_EQ(page->entries[0].player_id(), "fast");
  EXPECT_EQ(page->entries[0].score(), 60.25);
  EXPECT_EQ(page->entries[1].player_id(), "tie_low");
  EXPECT_EQ(page->entries[1].secondary_score(), 3);
  EXPECT_EQ(page->entries[2].player_id(), "tie_high");
  EXPECT_EQ(page->entries[3].player_id(), "tie_none");
  EXPECT_FALSE(page->entries[3].has_secondary_score());
  EXPECT_EQ(page->entries[4].player_id(), "slow");
  EXPECT_EQ(page->entries[0].updated_at().seconds(), absl::ToUnixSeconds(kT0));
  EXPECT_FALSE(page->next.has_value());
  EXPECT_EQ(page->total, 5);
}

TEST_F(BoardQueriesTest, CursorSurvivesTheCursorEntryMovingOrLeaving) {
  v1::LeaderboardConfig config = Board("m", v1::TIE_MODE_STANDARD);
  for (int i = 0; i < 10; ++i) {
    // Five players on 50 (ordered by time) and five on distinct scores.
    Seed(config, absl::StrCat("p", i), i < 5 ? 50 : 40 - i, i);
  }
  auto first = server::ListPage(conn_.get(), Ref(config), 3, std::nullopt);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->next.has_value());
  EXPECT_EQ(first->entries.back().player_id(), "p2");
  // The cursor entry jumps to the top: the next page still starts at p3.
  Seed(config, "p2", 1000, 100);
  auto second = server::ListPage(conn_.get(), Ref(config), 3, first->next);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->entries.size(), 3u);
  EXPECT_EQ(second->entries[0].player_id(), "p3");
  EXPECT_EQ(second->entries[0].rank(), 2);  // 1000 first, then a 50-tie
  EXPECT_EQ(second->entries[2].player_id(), "p5");
  EXPECT_EQ(second->entries[2].rank(), 6);
  // The cursor entry leaves the board entirely.
  ASSERT_TRUE(conn_
                  ->Command({"ZREM", keys::Board(kGame, "m", "all"),
                             second->next->member})
                  .ok());
  auto third = server::ListPage(conn_.get(), Ref(config), 10, second->next);
  ASSERT_TRUE(third.ok());
  ASSERT_EQ(third->entries.size(), 4u);
  EXPECT_EQ(third->entries[0].player_id(), "p6");
  EXPECT_FALSE(third->next.has_value());
}

TEST_F(BoardQueriesTest, AroundPlayerAndForPlayers) {
  v1::LeaderboardConfig config = Board("s", v1::TIE_MODE_STANDARD);
  SeedTies(config);
  auto around = server::ListAroundPlayer(conn_.get(), Ref(config), "b", 2);
  ASSERT_TRUE(around.ok()) << around.status();
  ASSERT_TRUE(around->player.has_value());
  EXPECT_EQ(around->player->player_id(), "b");
  EXPECT_EQ(around->player->rank(), 2);
  std::vector<std::string> ids;
  for (const auto& e : around->entries) ids.push_back(e.player_id());
  EXPECT_THAT(ids, ElementsAre("top", "b", "a", "d"));  // one above: top
  EXPECT_EQ(around->total, 6);

  auto missing = server::ListAroundPlayer(conn_.get(), Ref(config), "zz", 2);
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->player.has_value());

  auto players = server::ListForPlayers(conn_.get(), Ref(config),
                                        {"e", "nobody", "a", "d"});
  ASSERT_TRUE(players.ok()) << players.status();
  std::vector<std::pair<std::string, int64_t>> got;
  for (const auto& e : players->entries)
    got.emplace_back(e.player_id(), e.rank());
  EXPECT_THAT(got, ElementsAre(Pair("a", 2), Pair("d", 4), Pair("e", 6)));
  EXPECT_THAT(players->missing, ElementsAre("nobody"));

  auto count = server::CountEntries(conn_.get(), Ref(config));
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 6);
}

TEST_F(BoardQueriesTest, EmptyBoard) {
  v1::LeaderboardConfig config = Board("none", v1::TIE_MODE_DENSE);
  auto page = server::ListPage(conn_.get(), Ref(config), 10, std::nullopt);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->entries.empty());
  EXPECT_FALSE(page->next.has_value());
}

}  // namespace
}  // namespace statstracker
