// Every RPC of the query server through a real gRPC channel to a real server
// process, on boards seeded in the worker's key layout with exact ties:
// results, tie modes, periods, paging tokens, validation errors, auth, admin
// writes, WatchLeaderboard, health, /metrics. (tests/server_e2e_test.cc runs
// the same surface on data the worker wrote from published events.)
#include <stdlib.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/keys.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "statstracker/v1/admin.grpc.pb.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "statstracker/v1/stats.grpc.pb.h"
#include "tests/server_board_seed.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"

namespace statstracker {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

const absl::Time kT0 = absl::FromUnixSeconds(1795500000);

std::string Today() {
  return absl::FormatTime("%Y-%m-%d", absl::Now(), absl::UTCTimeZone());
}

std::unique_ptr<grpc::ClientContext> Ctx(const std::string &key = "") {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(10));
  if (!key.empty()) ctx->AddMetadata("authorization", key);
  return ctx;
}

std::vector<std::pair<std::string, int64_t>> Ranks(
    const google::protobuf::RepeatedPtrField<v1::LeaderboardEntry> &entries) {
  std::vector<std::pair<std::string, int64_t>> out;
  for (const auto &e : entries) out.emplace_back(e.player_id(), e.rank());
  return out;
}

class ServerQueriesTest : public ::testing::Test {
 protected:
  void SetUp() override { StartWith(""); }

  void StartWith(const std::string &extra_server) {
    testing::StackOptions options;
    options.worker = false;  // data is seeded; see server_e2e_test for both
    auto stack =
        testing::StartStack(testing::TestConfig(extra_server), options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    auto conn = stack_->redis->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
    boards_ = v1::LeaderboardService::NewStub(stack_->channel);
    stats_ = v1::PlayerStatsService::NewStub(stack_->channel);
    admin_ = v1::AdminService::NewStub(stack_->channel);
    SeedAll();
  }

  // The test config's arcade boards, for seeding (no RPC, so it works
  // whatever credentials the server wants).
  v1::LeaderboardConfig Board(const std::string &id) {
    return testing::TestBoard("arcade", id);
  }

  void Seed(const std::string &game, const v1::LeaderboardConfig &board,
            const std::string &period, const std::string &player, double score,
            int at, std::optional<double> secondary = std::nullopt) {
    ASSERT_TRUE(testing::SeedEntry(conn_.get(), game, board, period, player,
                                   score, secondary, kT0 + absl::Seconds(at))
                    .ok());
  }

  void SeedAll() {
    today_ = Today();
    v1::LeaderboardConfig high = Board("high");
    Seed("arcade", high, "all", "alice", 500, 1, 3);
    Seed("arcade", high, "all", "carol", 500, 3, 7);
    Seed("arcade", high, "all", "bob", 700, 4);
    Seed("arcade", high, "all", "dave", 100, 5);
    Seed("arcade", high, "all", "eve", 500, 7);
    v1::LeaderboardConfig total = Board("total");
    Seed("arcade", total, "all", "alice", 900, 6);
    Seed("arcade", total, "all", "bob", 1000, 4);
    Seed("arcade", total, "all", "carol", 500, 3);
    Seed("arcade", total, "all", "dave", 100, 5);
    Seed("arcade", total, "all", "eve", 500, 7);
    v1::LeaderboardConfig daily = Board("daily");
    Seed("arcade", daily, today_, "bob", 700, 4);
    Seed("arcade", daily, today_, "alice", 500, 1);
    Seed("arcade", daily, today_, "carol", 500, 3);
    Seed("arcade", daily, today_, "eve", 500, 7);
    Seed("arcade", daily, today_, "dave", 100, 5);
    Seed("arcade", daily, "2026-01-02", "old", 42, 0);
    v1::LeaderboardConfig laps = Board("laps");
    Seed("arcade", laps, "all", "zed", 61.5, 0);
    Seed("arcade", laps, "all", "amy", 59.25, 0);
    ASSERT_TRUE(conn_
                    ->Command({"HSET", keys::PlayerStats("duel", "p1"),
                               "matches", "2", "wins", "2", "kills", "15"})
                    .ok());
    ASSERT_TRUE(conn_
                    ->Command({"HSET", keys::PlayerStats("duel", "p2"),
                               "matches", "2", "wins", "1", "kills", "2"})
                    .ok());
  }

  v1::ListEntriesResponse List(const std::string &board, int page_size,
                               const std::string &token = "",
                               const std::string &period = "") {
    v1::ListEntriesRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id(board);
    req.set_page_size(page_size);
    req.set_page_token(token);
    req.set_period(period);
    v1::ListEntriesResponse resp;
    grpc::Status status = boards_->ListEntries(Ctx().get(), req, &resp);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return resp;
  }

  std::string Bearer() { return absl::StrCat("Bearer ", testing::kTestApiKey); }

  std::unique_ptr<testing::Stack> stack_;
  std::unique_ptr<RedisConnection> conn_;
  std::unique_ptr<v1::LeaderboardService::Stub> boards_;
  std::unique_ptr<v1::PlayerStatsService::Stub> stats_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::string today_;
};

TEST_F(ServerQueriesTest, ListLeaderboardsReturnsConfigsAndCurrentPeriod) {
  v1::ListLeaderboardsRequest req;
  req.set_game_id("arcade");
  v1::ListLeaderboardsResponse resp;
  ASSERT_TRUE(boards_->ListLeaderboards(Ctx().get(), req, &resp).ok());
  ASSERT_EQ(resp.leaderboards_size(), 4);
  EXPECT_EQ(resp.leaderboards(0).config().leaderboard_id(), "high");
  EXPECT_EQ(resp.leaderboards(0).config().secondary().value_key(), "kills");
  EXPECT_EQ(resp.leaderboards(0).current_period(), "");
  EXPECT_EQ(resp.leaderboards(2).config().leaderboard_id(), "daily");
  EXPECT_EQ(resp.leaderboards(2).current_period(), Today());

  req.set_game_id("nope");
  grpc::Status status = boards_->ListLeaderboards(Ctx().get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("arcade, duel"));
  req.set_game_id("");
  status = boards_->ListLeaderboards(Ctx().get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("game_id"));
}

TEST_F(ServerQueriesTest, ListEntriesPagesWithTokensInUniqueOrder) {
  v1::ListEntriesResponse first = List("high", 2);
  EXPECT_THAT(Ranks(first.entries()),
              ElementsAre(Pair("bob", 1), Pair("carol", 2)));
  EXPECT_EQ(first.entries(0).score(), 700);
  EXPECT_FALSE(first.entries(0).has_secondary_score());
  EXPECT_EQ(first.entries(1).secondary_score(), 7);
  EXPECT_EQ(first.entries(1).updated_at().seconds(),
            absl::ToUnixSeconds(kT0) + 3);
  EXPECT_EQ(first.period(), "");
  ASSERT_FALSE(first.next_page_token().empty());
  v1::ListEntriesResponse second = List("high", 2, first.next_page_token());
  EXPECT_THAT(Ranks(second.entries()),
              ElementsAre(Pair("alice", 3), Pair("eve", 4)));
  v1::ListEntriesResponse third = List("high", 2, second.next_page_token());
  EXPECT_THAT(Ranks(third.entries()), ElementsAre(Pair("dave", 5)));
  EXPECT_TRUE(third.next_page_token().empty());
  // Default page size (10) holds the whole board.
  v1::ListEntriesResponse all = List("high", 0);
  EXPECT_EQ(all.entries_size(), 5);
  EXPECT_TRUE(all.next_page_token().empty());
}

TEST_F(ServerQueriesTest, TieModesAndPeriods) {
  EXPECT_THAT(Ranks(List("total", 10).entries()),
              ElementsAre(Pair("bob", 1), Pair("alice", 2), Pair("carol", 3),
                          Pair("eve", 3), Pair("dave", 5)));
  v1::ListEntriesResponse daily = List("daily", 10, "", today_);
  EXPECT_THAT(Ranks(daily.entries()),
              ElementsAre(Pair("bob", 1), Pair("alice", 2), Pair("carol", 2),
                          Pair("eve", 2), Pair("dave", 3)));
  EXPECT_EQ(daily.period(), today_);
  if (Today() == today_) {
    EXPECT_EQ(List("daily", 10).period(), today_);  // current by default
  }
  v1::ListEntriesResponse old = List("daily", 10, "", "2026-01-02");
  EXPECT_THAT(Ranks(old.entries()), ElementsAre(Pair("old", 1)));
  // Lower-is-better board.
  v1::ListEntriesResponse laps = List("laps", 10);
  EXPECT_THAT(Ranks(laps.entries()),
              ElementsAre(Pair("amy", 1), Pair("zed", 2)));
  EXPECT_EQ(laps.entries(0).score(), 59.25);

  v1::ListEntriesRequest req;
  req.set_game_id("arcade");
  req.set_leaderboard_id("daily");
  req.set_period("2026-13-45");
  v1::ListEntriesResponse resp;
  grpc::Status status = boards_->ListEntries(Ctx().get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("period"));
  req.set_leaderboard_id("high");
  req.set_period("2026-11-24");
  status = boards_->ListEntries(Ctx().get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("period"));
}

TEST_F(ServerQueriesTest, ListEntriesRejectsBadArguments) {
  v1::ListEntriesRequest req;
  req.set_game_id("arcade");
  req.set_leaderboard_id("high");
  v1::ListEntriesResponse resp;
  for (int bad : {-1, 1001}) {
    req.set_page_size(bad);
    grpc::Status status = boards_->ListEntries(Ctx().get(), req, &resp);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(status.error_message(), HasSubstr("page_size"));
  }
  req.set_page_size(2);
  req.set_page_token("not-a-token!");
  grpc::Status status = boards_->ListEntries(Ctx().get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  // A token of another board.
  req.set_page_token(List("total", 2).next_page_token());
  status = boards_->ListEntries(Ctx().get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("page_token"));
  req.set_page_token("");
  req.set_leaderboard_id("nope");
  status = boards_->ListEntries(Ctx().get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("high, total, daily, laps"));
  req.set_leaderboard_id("");
  status = boards_->ListEntries(Ctx().get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("leaderboard_id"));
}

TEST_F(ServerQueriesTest, PlayerRankAroundForPlayersAndCount) {
  v1::GetPlayerRankRequest rank_req;
  rank_req.set_game_id("arcade");
  rank_req.set_leaderboard_id("high");
  rank_req.set_player_id("alice");
  v1::GetPlayerRankResponse rank;
  ASSERT_TRUE(boards_->GetPlayerRank(Ctx().get(), rank_req, &rank).ok());
  EXPECT_EQ(rank.entry().rank(), 3);
  EXPECT_EQ(rank.entry().score(), 500);
  EXPECT_EQ(rank.entry().secondary_score(), 3);
  EXPECT_EQ(rank.total_count(), 5);
  rank_req.set_leaderboard_id("total");
  rank_req.set_player_id("eve");
  ASSERT_TRUE(boards_->GetPlayerRank(Ctx().get(), rank_req, &rank).ok());
  EXPECT_EQ(rank.entry().rank(), 3);
  rank_req.set_player_id("nobody");
  EXPECT_EQ(boards_->GetPlayerRank(Ctx().get(), rank_req, &rank).error_code(),
            grpc::StatusCode::NOT_FOUND);
  rank_req.set_player_id("");
  grpc::Status status = boards_->GetPlayerRank(Ctx().get(), rank_req, &rank);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("player_id"));

  v1::ListEntriesAroundPlayerRequest around_req;
  around_req.set_game_id("arcade");
  around_req.set_leaderboard_id("high");
  around_req.set_player_id("carol");
  around_req.set_radius(1);
  v1::ListEntriesAroundPlayerResponse around;
  ASSERT_TRUE(
      boards_->ListEntriesAroundPlayer(Ctx().get(), around_req, &around).ok());
  EXPECT_THAT(Ranks(around.entries()),
              ElementsAre(Pair("bob", 1), Pair("carol", 2), Pair("alice", 3)));
  around_req.set_player_id("bob");
  around_req.set_radius(0);  // default 5: everything below bob
  ASSERT_TRUE(
      boards_->ListEntriesAroundPlayer(Ctx().get(), around_req, &around).ok());
  EXPECT_EQ(around.entries_size(), 5);
  around_req.set_radius(51);
  status = boards_->ListEntriesAroundPlayer(Ctx().get(), around_req, &around);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("radius"));

  v1::ListEntriesForPlayersRequest for_req;
  for_req.set_game_id("arcade");
  for_req.set_leaderboard_id("total");
  for (const char *id : {"dave", "zed", "eve", "carol", "eve"}) {
    for_req.add_player_ids(id);
  }
  v1::ListEntriesForPlayersResponse players;
  ASSERT_TRUE(
      boards_->ListEntriesForPlayers(Ctx().get(), for_req, &players).ok());
  EXPECT_THAT(Ranks(players.entries()),
              ElementsAre(Pair("carol", 3), Pair("eve", 3), Pair("dave", 5)));
  EXPECT_THAT(players.missing_player_ids(), ElementsAre("zed"));
  for_req.set_player_ids(1, "");
  status = boards_->ListEntriesForPlayers(Ctx().get(), for_req, &players);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("player_ids[1]"));
  for_req.clear_player_ids();
  for (int i = 0; i < 101; ++i) for_req.add_player_ids(absl::StrCat("p", i));
  status = boards_->ListEntriesForPlayers(Ctx().get(), for_req, &players);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("player_ids"));

  v1::CountEntriesRequest count_req;
  count_req.set_game_id("arcade");
  count_req.set_leaderboard_id("daily");
  count_req.set_period("2026-01-02");
  v1::CountEntriesResponse count;
  ASSERT_TRUE(boards_->CountEntries(Ctx().get(), count_req, &count).ok());
  EXPECT_EQ(count.count(), 1);
  EXPECT_EQ(count.period(), "2026-01-02");
  count_req.set_leaderboard_id("high");
  count_req.clear_period();
  ASSERT_TRUE(boards_->CountEntries(Ctx().get(), count_req, &count).ok());
  EXPECT_EQ(count.count(), 5);
}

TEST_F(ServerQueriesTest, PlayerStatsTypedWithDerivedStats) {
  v1::GetPlayerStatsRequest req;
  req.set_game_id("duel");
  req.set_player_id("p2");
  v1::GetPlayerStatsResponse resp;
  grpc::Status status = stats_->GetPlayerStats(Ctx().get(), req, &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  const auto &stats = resp.stats().stats();
  EXPECT_EQ(resp.stats().player_id(), "p2");
  EXPECT_EQ(stats.at("matches").int_value(), 2);
  EXPECT_EQ(stats.at("kills").int_value(), 2);
  ASSERT_TRUE(stats.contains("win_rate"));
  EXPECT_EQ(stats.at("win_rate").double_value(), 0.5);

  req.add_stat_names("kills");
  ASSERT_TRUE(stats_->GetPlayerStats(Ctx().get(), req, &resp).ok());
  EXPECT_EQ(resp.stats().stats_size(), 1);
  req.add_stat_names("bogus");
  status = stats_->GetPlayerStats(Ctx().get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("stat_names[1]"));
  req.clear_stat_names();
  req.set_player_id("nobody");
  EXPECT_EQ(stats_->GetPlayerStats(Ctx().get(), req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);

  v1::BatchGetPlayerStatsRequest batch;
  batch.set_game_id("duel");
  for (const char *id : {"p1", "nobody", "p2", "p1"}) batch.add_player_ids(id);
  v1::BatchGetPlayerStatsResponse batch_resp;
  ASSERT_TRUE(
      stats_->BatchGetPlayerStats(Ctx().get(), batch, &batch_resp).ok());
  ASSERT_EQ(batch_resp.players_size(), 2);
  EXPECT_EQ(batch_resp.players(0).player_id(), "p1");
  EXPECT_EQ(batch_resp.players(0).stats().at("wins").int_value(), 2);
  EXPECT_EQ(batch_resp.players(1).player_id(), "p2");
  EXPECT_THAT(batch_resp.missing_player_ids(), ElementsAre("nobody"));
  batch.set_game_id("nope");
  EXPECT_EQ(
      stats_->BatchGetPlayerStats(Ctx().get(), batch, &batch_resp).error_code(),
      grpc::StatusCode::NOT_FOUND);
}

TEST_F(ServerQueriesTest, WatchPushesChangesAndEndsOnCancelOrDeadline) {
  v1::WatchLeaderboardRequest req;
  req.set_game_id("arcade");
  req.set_leaderboard_id("laps");
  req.set_top_n(2);
  req.set_player_id("zed");
  grpc::ClientContext ctx;
  auto reader = boards_->WatchLeaderboard(&ctx, req);
  v1::WatchLeaderboardResponse update;
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_THAT(Ranks(update.entries()),
              ElementsAre(Pair("amy", 1), Pair("zed", 2)));
  EXPECT_EQ(update.player_entry().rank(), 2);
  EXPECT_EQ(update.total_count(), 2);
  // A new best lap: the next update shows it, and zed drops to 3.
  Seed("arcade", Board("laps"), "all", "kim", 50.5, 9);
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_THAT(Ranks(update.entries()),
              ElementsAre(Pair("kim", 1), Pair("amy", 2)));
  EXPECT_EQ(update.player_entry().rank(), 3);
  EXPECT_EQ(update.total_count(), 3);
  ctx.TryCancel();
  while (reader->Read(&update)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);

  grpc::ClientContext short_ctx;
  short_ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::milliseconds(800));
  auto short_reader = boards_->WatchLeaderboard(&short_ctx, req);
  int updates = 0;
  while (short_reader->Read(&update)) ++updates;
  EXPECT_EQ(updates, 1);  // nothing changed after the first
  EXPECT_EQ(short_reader->Finish().error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);

  req.set_top_n(101);
  grpc::ClientContext bad_ctx;
  auto bad = boards_->WatchLeaderboard(&bad_ctx, req);
  while (bad->Read(&update)) {
  }
  grpc::Status status = bad->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("top_n"));
}

TEST_F(ServerQueriesTest, AdminNeedsBearerKey) {
  v1::ResetLeaderboardRequest req;
  req.set_game_id("arcade");
  req.set_leaderboard_id("laps");
  v1::ResetLeaderboardResponse resp;
  grpc::Status status = admin_->ResetLeaderboard(Ctx().get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  status = admin_->ResetLeaderboard(
      Ctx(absl::StrCat("Basic ", testing::kTestApiKey)).get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  status = admin_->ResetLeaderboard(
      Ctx("Bearer test-admin-key-0123456788").get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  status = admin_->ResetLeaderboard(Ctx(Bearer()).get(), req, &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(resp.removed_entries(), 2);
  // Queries stay open.
  EXPECT_EQ(List("laps", 10).entries_size(), 0);
}

TEST_F(ServerQueriesTest, QueriesCanRequireAKey) {
  stack_.reset();
  StartWith("require_api_key_for_queries: true");
  v1::CountEntriesRequest req;
  req.set_game_id("arcade");
  req.set_leaderboard_id("high");
  v1::CountEntriesResponse resp;
  EXPECT_EQ(boards_->CountEntries(Ctx().get(), req, &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(
      boards_->CountEntries(Ctx("Bearer wrong-key-000000000").get(), req, &resp)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(boards_->CountEntries(Ctx(Bearer()).get(), req, &resp).ok());
  v1::GetPlayerStatsRequest stats_req;
  stats_req.set_game_id("duel");
  stats_req.set_player_id("p1");
  v1::GetPlayerStatsResponse stats_resp;
  EXPECT_EQ(
      stats_->GetPlayerStats(Ctx().get(), stats_req, &stats_resp).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(ServerQueriesTest, PublishEventsValidatesThenAppendsAll) {
  v1::PublishEventsRequest req;
  for (int i = 0; i < 3; ++i) {
    v1::GameEvent *e = req.add_events();
    e->set_event_id(absl::StrCat("e-", i));
    e->set_game_id("arcade");
    e->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    e->mutable_score_submitted()->set_player_id(absl::StrCat("pp", i));
    e->mutable_score_submitted()->set_score(10 * i);
  }
  req.mutable_events(1)->set_game_id("nope");
  v1::PublishEventsResponse resp;
  grpc::Status status = admin_->PublishEvents(Ctx(Bearer()).get(), req, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("events[1]"));
  auto len = conn_->Command({"XLEN", "statstracker:events"});
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(len->integer, 0);  // none appended

  req.mutable_events(1)->set_game_id("arcade");
  status = admin_->PublishEvents(Ctx(Bearer()).get(), req, &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(resp.stream_ids_size(), 3);
  auto range = conn_->Command({"XRANGE", "statstracker:events", "-", "+"});
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->elements.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const RedisReply &entry = range->elements[i];
    EXPECT_EQ(entry.elements[0].str, resp.stream_ids(i));
    EXPECT_EQ(entry.elements[1].elements[0].str, "event");
    v1::GameEvent decoded;
    ASSERT_TRUE(decoded.ParseFromString(entry.elements[1].elements[1].str));
    EXPECT_EQ(decoded.event_id(), absl::StrCat("e-", i));
  }
  v1::PublishEventsRequest empty;
  status = admin_->PublishEvents(Ctx(Bearer()).get(), empty, &resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("events"));
}

TEST_F(ServerQueriesTest, ResetPeriodsAndErasePlayer) {
  v1::ResetLeaderboardRequest reset;
  reset.set_game_id("arcade");
  reset.set_leaderboard_id("daily");
  reset.set_period("2026-01-02");
  v1::ResetLeaderboardResponse reset_resp;
  ASSERT_TRUE(
      admin_->ResetLeaderboard(Ctx(Bearer()).get(), reset, &reset_resp).ok());
  EXPECT_EQ(reset_resp.removed_entries(), 1);
  EXPECT_EQ(List("daily", 10, "", today_).entries_size(), 5);  // untouched
  reset.set_all_periods(true);
  grpc::Status status =
      admin_->ResetLeaderboard(Ctx(Bearer()).get(), reset, &reset_resp);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("period"));

  v1::ErasePlayerRequest erase;
  erase.set_game_id("arcade");
  erase.set_player_id("dave");
  v1::ErasePlayerResponse erase_resp;
  ASSERT_TRUE(
      admin_->ErasePlayer(Ctx(Bearer()).get(), erase, &erase_resp).ok());
  EXPECT_EQ(erase_resp.removed_entries(), 3);  // high, total, daily today
  EXPECT_FALSE(erase_resp.removed_stats());
  EXPECT_THAT(Ranks(List("daily", 10, "", today_).entries()),
              ElementsAre(Pair("bob", 1), Pair("alice", 2), Pair("carol", 2),
                          Pair("eve", 2)));
  // dave's score 100 was the only one: the distinct index dropped it.
  auto distinct =
      conn_->Command({"ZCARD", keys::BoardDistinct("arcade", "daily", today_)});
  ASSERT_TRUE(distinct.ok());
  EXPECT_EQ(distinct->integer, 2);
  erase.set_game_id("duel");
  erase.set_player_id("p1");
  ASSERT_TRUE(
      admin_->ErasePlayer(Ctx(Bearer()).get(), erase, &erase_resp).ok());
  EXPECT_TRUE(erase_resp.removed_stats());
  v1::GetPlayerStatsRequest stats_req;
  stats_req.set_game_id("duel");
  stats_req.set_player_id("p1");
  v1::GetPlayerStatsResponse stats_resp;
  EXPECT_EQ(
      stats_->GetPlayerStats(Ctx().get(), stats_req, &stats_resp).error_code(),
      grpc::StatusCode::NOT_FOUND);

  reset.set_period("");
  ASSERT_TRUE(
      admin_->ResetLeaderboard(Ctx(Bearer()).get(), reset, &reset_resp).ok());
  EXPECT_EQ(reset_resp.removed_entries(), 4);  // every stored period
  EXPECT_EQ(List("daily", 10, "", today_).entries_size(), 0);
}

TEST_F(ServerQueriesTest, HealthAndMetrics) {
  for (const char *service : {"", "statstracker.v1.LeaderboardService",
                              "statstracker.v1.PlayerStatsService"}) {
    auto health = testing::HealthCheck(stack_->channel.get(), service);
    ASSERT_TRUE(health.ok()) << health.status();
    EXPECT_EQ(*health, 1) << service;  // SERVING
  }
  List("high", 2);
  v1::GetPlayerRankRequest req;
  req.set_game_id("arcade");
  req.set_leaderboard_id("high");
  req.set_player_id("nobody");
  v1::GetPlayerRankResponse resp;
  boards_->GetPlayerRank(Ctx().get(), req, &resp);
  // Through the REST gateway, which calls the same method directly.
  auto rest = testing::HttpGet(
      testing::ReadyField(stack_->server->ready_line(), "http"),
      "/v1/games/arcade/leaderboards/high/entries?page_size=2");
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_THAT(*rest, HasSubstr("200"));
  auto metrics = testing::HttpGet(stack_->metrics_address, "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  EXPECT_THAT(*metrics, HasSubstr("200"));
  EXPECT_THAT(*metrics, HasSubstr("statstracker_server_rpcs_total"));
  EXPECT_THAT(*metrics, HasSubstr("method=\"statstracker.v1.LeaderboardService/"
                                  "ListEntries\",code=\"OK\"} 2"));
  EXPECT_THAT(*metrics, HasSubstr("method=\"statstracker.v1.LeaderboardService/"
                                  "GetPlayerRank\",code=\"NOT_FOUND\"} 1"));
  // The checked methods record themselves, from gRPC and REST alike (one
  // ListEntries each); the interceptor records the rest (here the three
  // health checks). Each call exactly once.
  EXPECT_THAT(*metrics, HasSubstr("method=\"grpc.health.v1.Health/Check\","
                                  "code=\"OK\"} 3"));
  EXPECT_THAT(*metrics,
              HasSubstr("statstracker_server_rpc_duration_seconds_bucket"));
  EXPECT_THAT(*metrics, HasSubstr("statstracker_server_redis_up 1"));
}

TEST_F(ServerQueriesTest, TlsFromConfiguredCertificate) {
  const char *tmp = getenv("TEST_TMPDIR");
  std::string dir = tmp != nullptr ? tmp : "/tmp";
  std::string cert = dir + "/cert.pem";
  std::string key = dir + "/key.pem";
  std::string cmd = absl::StrCat(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost "
      "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout ",
      key, " -out ", cert, " >/dev/null 2>&1");
  if (system(cmd.c_str()) != 0)
    GTEST_FAIL() << "openssl failed to make a test certificate "
                    "(apt-get install openssl)";
  stack_.reset();
  StartWith(absl::StrCat("tls { cert_path: \"", cert, "\" key_path: \"", key,
                         "\" }"));
  std::ifstream in(cert);
  std::stringstream pem;
  pem << in.rdbuf();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = pem.str();
  auto tls = v1::LeaderboardService::NewStub(
      grpc::CreateChannel(stack_->grpc_address, grpc::SslCredentials(options)));
  v1::CountEntriesRequest req;
  req.set_game_id("arcade");
  req.set_leaderboard_id("high");
  v1::CountEntriesResponse resp;
  grpc::Status status = tls->CountEntries(Ctx().get(), req, &resp);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(resp.count(), 5);
  // Plaintext is refused.
  auto ctx = Ctx();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
  EXPECT_FALSE(boards_->CountEntries(ctx.get(), req, &resp).ok());
}

}  // namespace
}  // namespace statstracker
