// End to end: events published through AdminService.PublishEvents, applied
// by the real worker, read back through every query RPC of the real server.
// The expected boards and stats are worked out by hand below from the
// events, independently of the plugins' code.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "statstracker/v1/admin.grpc.pb.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "statstracker/v1/stats.grpc.pb.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"

namespace statstracker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

std::unique_ptr<grpc::ClientContext> Ctx(bool admin = false) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(10));
  if (admin) {
    ctx->AddMetadata("authorization",
                     absl::StrCat("Bearer ", testing::kTestApiKey));
  }
  return ctx;
}

std::vector<std::pair<std::string, int64_t>> Ranks(
    const google::protobuf::RepeatedPtrField<v1::LeaderboardEntry> &entries) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto &e : entries) out.emplace_back(e.player_id(), e.rank());
  return out;
}

std::vector<std::pair<std::string, double>> Scores(
    const google::protobuf::RepeatedPtrField<v1::LeaderboardEntry> &entries) {
  std::vector<std::pair<std::string, double>> out;
  for (const auto &e : entries) out.emplace_back(e.player_id(), e.score());
  return out;
}

class ServerEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveBinary("worker/worker")) {
      GTEST_FAIL() << "worker/worker is not in the runfiles (data = //worker)";
    }
    auto stack = testing::StartStack(testing::TestConfig());
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    ASSERT_NE(stack_->worker, nullptr);
    boards_ = v1::LeaderboardService::NewStub(stack_->channel);
    stats_ = v1::PlayerStatsService::NewStub(stack_->channel);
    admin_ = v1::AdminService::NewStub(stack_->channel);
    t0_ = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) - 120);
    day_ = absl::FormatTime("%Y-%m-%d", t0_, absl::UTCTimeZone());
  }

  v1::GameEvent Score(const std::string &id, const std::string &player,
                      double score, int at, double kills = -1) {
    v1::GameEvent e;
    e.set_event_id(id);
    e.set_game_id("arcade");
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(t0_) + at);
    e.mutable_score_submitted()->set_player_id(player);
    e.mutable_score_submitted()->set_score(score);
    if (kills >= 0)
      (*e.mutable_score_submitted()->mutable_values())["kills"] = kills;
    return e;
  }

  v1::GameEvent Match(const std::string &id, int at, const std::string &winner,
                      double winner_kills, const std::string &loser,
                      double loser_kills) {
    v1::GameEvent e;
    e.set_event_id(id);
    e.set_game_id("duel");
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(t0_) + at);
    auto *m = e.mutable_match_completed();
    m->set_match_id(id);
    auto *w = m->add_participants();
    w->set_player_id(winner);
    w->set_outcome(v1::OUTCOME_WIN);
    w->set_placement(1);
    (*w->mutable_values())["kills"] = winner_kills;
    auto *l = m->add_participants();
    l->set_player_id(loser);
    l->set_outcome(v1::OUTCOME_LOSS);
    l->set_placement(2);
    (*l->mutable_values())["kills"] = loser_kills;
    return e;
  }

  void Publish(const std::vector<v1::GameEvent> &events) {
    v1::PublishEventsRequest req;
    for (const auto &e : events) *req.add_events() = e;
    v1::PublishEventsResponse resp;
    grpc::Status status = admin_->PublishEvents(Ctx(true).get(), req, &resp);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(resp.stream_ids_size(), req.events_size());
  }

  // Waits until `player` has `matches` in duel stats (the last events).
  void WaitForStats(const std::string &player, int64_t matches) {
    absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      v1::GetPlayerStatsRequest req;
      req.set_game_id("duel");
      req.set_player_id(player);
      v1::GetPlayerStatsResponse resp;
      if (stats_->GetPlayerStats(Ctx().get(), req, &resp).ok() &&
          resp.stats().stats().contains("matches") &&
          resp.stats().stats().at("matches").int_value() == matches) {
        return;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    FAIL() << "the worker did not apply the events; worker output:\n"
           << stack_->worker->Output();
  }

  v1::ListEntriesResponse List(const std::string &game,
                               const std::string &board, int page_size = 10,
                               const std::string &token = "",
                               const std::string &period = "") {
    v1::ListEntriesRequest req;
    req.set_game_id(game);
    req.set_leaderboard_id(board);
    req.set_page_size(page_size);
    req.set_page_token(token);
    req.set_period(period);
    v1::ListEntriesResponse resp;
    grpc::Status status = boards_->ListEntries(Ctx().get(), req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp;
  }

  void PublishAll() {
    std::vector<v1::GameEvent> events = {
        Score("a1", "alice", 500, 1, 3), Score("a2", "bob", 300, 2),
        Score("a3", "carol", 500, 3, 7), Score("a4", "bob", 700, 4),
        Score("a5", "dave", 100, 5),     Score("a6", "alice", 400, 6),
        Score("a7", "eve", 500, 7),
    };
    Publish(events);
    // A producer retry of a1 (same event_id, even with another score): no
    // effect anywhere.
    Publish({Score("a1", "alice", 5000, 1, 3)});
    Publish({Match("m1", 10, "p1", 10, "p2", 2),
             Match("m2", 11, "p1", 5, "p3", 8),
             Match("m3", 12, "p2", 4, "p3", 1)});
    WaitForStats("p3", 2);
  }

  std::unique_ptr<testing::Stack> stack_;
  std::unique_ptr<v1::LeaderboardService::Stub> boards_;
  std::unique_ptr<v1::PlayerStatsService::Stub> stats_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  absl::Time t0_;
  std::string day_;
};

TEST_F(ServerEndToEndTest, EveryQueryOnWorkerWrittenData) {
  PublishAll();

  // high: best score, secondary kills (higher first), then earliest.
  v1::ListEntriesResponse p1 = List("arcade", "high", 2);
  v1::ListEntriesResponse p2 = List("arcade", "high", 2, p1.next_page_token());
  v1::ListEntriesResponse p3 = List("arcade", "high", 2, p2.next_page_token());
  EXPECT_THAT(Ranks(p1.entries()),
              ElementsAre(Pair("bob", 1), Pair("carol", 2)));
  EXPECT_THAT(Ranks(p2.entries()),
              ElementsAre(Pair("alice", 3), Pair("eve", 4)));
  EXPECT_THAT(Ranks(p3.entries()), ElementsAre(Pair("dave", 5)));
  EXPECT_TRUE(p3.next_page_token().empty());
  EXPECT_EQ(p1.entries(1).secondary_score(), 7);
  EXPECT_EQ(p2.entries(0).score(), 500);
  EXPECT_EQ(p2.entries(0).updated_at().seconds(), absl::ToUnixSeconds(t0_) + 1);

  // total: sums, standard ties.
  v1::ListEntriesResponse total = List("arcade", "total");
  EXPECT_THAT(
      Scores(total.entries()),
      ElementsAre(Pair("bob", 1000), Pair("alice", 900), Pair("carol", 500),
                  Pair("eve", 500), Pair("dave", 100)));
  EXPECT_THAT(Ranks(total.entries()),
              ElementsAre(Pair("bob", 1), Pair("alice", 2), Pair("carol", 3),
                          Pair("eve", 3), Pair("dave", 5)));
  // daily: the events' day, dense ties.
  v1::ListEntriesResponse daily = List("arcade", "daily", 10, "", day_);
  EXPECT_THAT(Ranks(daily.entries()),
              ElementsAre(Pair("bob", 1), Pair("alice", 2), Pair("carol", 2),
                          Pair("eve", 2), Pair("dave", 3)));
  EXPECT_EQ(daily.period(), day_);
  // laps: lower is better.
  EXPECT_THAT(
      Scores(List("arcade", "laps").entries()),
      ElementsAre(Pair("dave", 100), Pair("bob", 300), Pair("alice", 400),
                  Pair("carol", 500), Pair("eve", 500)));

  v1::GetPlayerRankRequest rank_req;
  rank_req.set_game_id("arcade");
  rank_req.set_leaderboard_id("total");
  rank_req.set_player_id("eve");
  v1::GetPlayerRankResponse rank;
  ASSERT_TRUE(boards_->GetPlayerRank(Ctx().get(), rank_req, &rank).ok());
  EXPECT_EQ(rank.entry().rank(), 3);
  EXPECT_EQ(rank.entry().score(), 500);
  EXPECT_EQ(rank.total_count(), 5);

  v1::ListEntriesAroundPlayerRequest around_req;
  around_req.set_game_id("arcade");
  around_req.set_leaderboard_id("high");
  around_req.set_player_id("alice");
  around_req.set_radius(1);
  v1::ListEntriesAroundPlayerResponse around;
  ASSERT_TRUE(
      boards_->ListEntriesAroundPlayer(Ctx().get(), around_req, &around).ok());
  EXPECT_THAT(Ranks(around.entries()),
              ElementsAre(Pair("carol", 2), Pair("alice", 3), Pair("eve", 4)));

  v1::ListEntriesForPlayersRequest for_req;
  for_req.set_game_id("arcade");
  for_req.set_leaderboard_id("daily");
  for_req.set_period(day_);
  for (const char *id : {"dave", "mallory", "eve", "bob"}) {
    for_req.add_player_ids(id);
  }
  v1::ListEntriesForPlayersResponse friends;
  ASSERT_TRUE(
      boards_->ListEntriesForPlayers(Ctx().get(), for_req, &friends).ok());
  EXPECT_THAT(Ranks(friends.entries()),
              ElementsAre(Pair("bob", 1), Pair("eve", 2), Pair("dave", 3)));
  EXPECT_THAT(friends.missing_player_ids(), ElementsAre("mallory"));

  v1::CountEntriesRequest count_req;
  count_req.set_game_id("arcade");
  count_req.set_leaderboard_id("laps");
  v1::CountEntriesResponse count;
  ASSERT_TRUE(boards_->CountEntries(Ctx().get(), count_req, &count).ok());
  EXPECT_EQ(count.count(), 5);

  v1::ListLeaderboardsRequest list_req;
  list_req.set_game_id("duel");
  v1::ListLeaderboardsResponse list;
  ASSERT_TRUE(boards_->ListLeaderboards(Ctx().get(), list_req, &list).ok());
  ASSERT_EQ(list.leaderboards_size(), 2);
  EXPECT_EQ(list.leaderboards(1).config().scorer(), "elo");

  // duel boards.
  v1::ListEntriesResponse wins = List("duel", "wins");
  ASSERT_GE(wins.entries_size(), 2);
  EXPECT_EQ(wins.entries(0).player_id(), "p1");
  EXPECT_EQ(wins.entries(0).score(), 2);
  EXPECT_EQ(wins.entries(1).player_id(), "p2");
  EXPECT_EQ(wins.entries(1).rank(), 2);
  v1::ListEntriesResponse elo = List("duel", "elo");
  ASSERT_EQ(elo.entries_size(), 3);
  EXPECT_EQ(elo.entries(0).player_id(), "p1");
  EXPECT_GT(elo.entries(0).score(), elo.entries(2).score());

  // Stats, typed, with the derived ratio.
  v1::BatchGetPlayerStatsRequest batch;
  batch.set_game_id("duel");
  for (const char *id : {"p1", "p2", "nobody"}) batch.add_player_ids(id);
  v1::BatchGetPlayerStatsResponse stats;
  ASSERT_TRUE(stats_->BatchGetPlayerStats(Ctx().get(), batch, &stats).ok());
  ASSERT_EQ(stats.players_size(), 2);
  const auto &s1 = stats.players(0).stats();
  EXPECT_EQ(s1.at("matches").int_value(), 2);
  EXPECT_EQ(s1.at("wins").int_value(), 2);
  EXPECT_EQ(s1.at("kills").int_value(), 15);
  EXPECT_EQ(s1.at("win_rate").double_value(), 1.0);
  const auto &s2 = stats.players(1).stats();
  EXPECT_EQ(s2.at("kills").int_value(), 6);
  EXPECT_EQ(s2.at("win_rate").double_value(), 0.5);
  EXPECT_THAT(stats.missing_player_ids(), ElementsAre("nobody"));
}

TEST_F(ServerEndToEndTest, WatchSeesPublishedEventsAndAdminWritesApply) {
  PublishAll();
  v1::WatchLeaderboardRequest req;
  req.set_game_id("arcade");
  req.set_leaderboard_id("high");
  req.set_top_n(3);
  req.set_player_id("dave");
  grpc::ClientContext ctx;
  auto reader = boards_->WatchLeaderboard(&ctx, req);
  v1::WatchLeaderboardResponse update;
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_THAT(Ranks(update.entries()),
              ElementsAre(Pair("bob", 1), Pair("carol", 2), Pair("alice", 3)));
  EXPECT_EQ(update.player_entry().rank(), 5);
  // dave jumps to the top through the whole pipeline.
  Publish({Score("a8", "dave", 9000, 30)});
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_THAT(Ranks(update.entries()),
              ElementsAre(Pair("dave", 1), Pair("bob", 2), Pair("carol", 3)));
  EXPECT_EQ(update.player_entry().rank(), 1);
  ctx.TryCancel();
  while (reader->Read(&update)) {
  }
  reader->Finish();

  // Erase a player everywhere: boards (every period) and stats.
  v1::ErasePlayerRequest erase;
  erase.set_game_id("duel");
  erase.set_player_id("p2");
  v1::ErasePlayerResponse erased;
  ASSERT_TRUE(admin_->ErasePlayer(Ctx(true).get(), erase, &erased).ok());
  EXPECT_EQ(erased.removed_entries(), 2);  // wins and elo
  EXPECT_TRUE(erased.removed_stats());
  v1::ListEntriesResponse wins = List("duel", "wins");
  for (const auto &e : wins.entries()) EXPECT_NE(e.player_id(), "p2");
  // Later events about the player count again.
  Publish({Match("m4", 40, "p2", 1, "p3", 1)});
  WaitForStats("p2", 1);

  // Reset the daily board's period.
  v1::ResetLeaderboardRequest reset;
  reset.set_game_id("arcade");
  reset.set_leaderboard_id("daily");
  reset.set_period(day_);
  v1::ResetLeaderboardResponse reset_resp;
  ASSERT_TRUE(
      admin_->ResetLeaderboard(Ctx(true).get(), reset, &reset_resp).ok());
  EXPECT_EQ(reset_resp.removed_entries(), 5);
  EXPECT_EQ(List("arcade", "daily", 10, "", day_).entries_size(), 0);
}

}  // namespace
}  // namespace statstracker
