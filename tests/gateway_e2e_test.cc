// End to end through the real server process: for every query RPC, the same
// request through `curl` on its REST route and through gRPC returns the same
// data. Events are published through the REST admin route
// (POST /v1/events:publish with the API key); with the worker in the
// runfiles the worker applies them (the acceptance case), otherwise the
// boards are seeded in the worker's key layout (tests/server_board_seed.h).
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/keys.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/gateway/testing/http_client.h"
#include "statstracker/v1/admin.grpc.pb.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "statstracker/v1/plugin_params.pb.h"
#include "statstracker/v1/stats.grpc.pb.h"
#include "tests/server_board_seed.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"

namespace statstracker {
namespace {

using gateway::testing::RunCurl;
using google::protobuf::Message;
using ::testing::HasSubstr;

// Board configs in REST replies carry plugin params in Any fields; the JSON
// parser resolves their types from the generated pool, so the test links
// them in (the server does the same through //plugins:builtin).
[[maybe_unused]] const google::protobuf::Descriptor* const kPluginParams =
    v1::CumulativePointsParams::descriptor();

std::unique_ptr<grpc::ClientContext> Ctx() {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(10));
  return ctx;
}

class GatewayEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto stack = testing::StartStack(testing::TestConfig());
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    http_ = testing::ReadyField(stack_->server->ready_line(), "http");
    ASSERT_NE(http_, "off");
    boards_ = v1::LeaderboardService::NewStub(stack_->channel);
    stats_ = v1::PlayerStatsService::NewStub(stack_->channel);
    t0_ = absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()) - 120);
    WriteData();
  }

  v1::GameEvent Score(const std::string& id, const std::string& player,
                      double score, int at, double kills = -1) {
    v1::GameEvent e;
    e.set_event_id(id);
    e.set_game_id("arcade");
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(t0_) + at);
    e.mutable_score_submitted()->set_player_id(player);
    e.mutable_score_submitted()->set_score(score);
    if (kills >= 0) {
      (*e.mutable_score_submitted()->mutable_values())["kills"] = kills;
    }
    return e;
  }

  v1::GameEvent Match(const std::string& id, int at, const std::string& winner,
                      const std::string& loser) {
    v1::GameEvent e;
    e.set_event_id(id);
    e.set_game_id("duel");
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(t0_) + at);
    auto* m = e.mutable_match_completed();
    m->set_match_id(id);
    auto* w = m->add_participants();
    w->set_player_id(winner);
    w->set_outcome(v1::OUTCOME_WIN);
    w->set_placement(1);
    (*w->mutable_values())["kills"] = 5;
    auto* l = m->add_participants();
    l->set_player_id(loser);
    l->set_outcome(v1::OUTCOME_LOSS);
    l->set_placement(2);
    (*l->mutable_values())["kills"] = 2;
    return e;
  }

  std::string Url(const std::string& path) {
    return absl::StrCat("http://", http_, path);
  }

  // curl -w appends the HTTP status on its own line.
  std::pair<int, std::string> Curl(std::vector<std::string> args) {
    args.push_back("-w");
    args.push_back("\n%{http_code}");
    auto out = RunCurl(args);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return {0, ""};
    size_t nl = out->rfind('\n');
    return {std::stoi(out->substr(nl + 1)), out->substr(0, nl)};
  }

  void WriteData() {
    v1::PublishEventsRequest publish;
    for (const auto& e :
         {Score("a1", "alice", 500, 1, 3), Score("a2", "bob", 700, 2),
          Score("a3", "carol", 500, 3, 7), Score("a4", "dave", 100, 4),
          Score("a5", "eve", 500, 5)}) {
      *publish.add_events() = e;
    }
    *publish.add_events() = Match("m1", 10, "p1", "p2");
    *publish.add_events() = Match("m2", 11, "p1", "p3");
    std::string body;
    ASSERT_TRUE(
        google::protobuf::util::MessageToJsonString(publish, &body).ok());
    // Without the key: 401 with a JSON error body.
    auto [denied, denied_body] =
        Curl({"-X", "POST", "-H", "Content-Type: application/json",
              "--data-binary", body, Url("/v1/events:publish")});
    EXPECT_EQ(denied, 401) << denied_body;
    EXPECT_THAT(denied_body, HasSubstr("\"code\":16"));
    auto [status, response] =
        Curl({"-X", "POST", "-H", "Content-Type: application/json", "-H",
              absl::StrCat("Authorization: Bearer ", testing::kTestApiKey),
              "--data-binary", body, Url("/v1/events:publish")});
    ASSERT_EQ(status, 200) << response;
    v1::PublishEventsResponse published;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(response, &published).ok())
        << response;
    ASSERT_EQ(published.stream_ids_size(), 7);

    if (stack_->worker != nullptr) {
      worker_written_ = true;
      // The worker applies the events; wait for the last ones.
      absl::Time deadline = absl::Now() + absl::Seconds(30);
      while (absl::Now() < deadline) {
        v1::GetPlayerStatsRequest req;
        req.set_game_id("duel");
        req.set_player_id("p3");
        v1::GetPlayerStatsResponse resp;
        v1::CountEntriesRequest count;
        count.set_game_id("arcade");
        count.set_leaderboard_id("high");
        v1::CountEntriesResponse counted;
        if (stats_->GetPlayerStats(Ctx().get(), req, &resp).ok() &&
            boards_->CountEntries(Ctx().get(), count, &counted).ok() &&
            counted.count() == 5) {
          return;
        }
        absl::SleepFor(absl::Milliseconds(50));
      }
      FAIL() << "the worker did not apply the events:\n"
             << stack_->worker->Output();
    }
    // No worker binary yet: the same data in the worker's layout.
    auto conn = stack_->redis->Connect();
    ASSERT_TRUE(conn.ok());
    v1::LeaderboardConfig high = testing::TestBoard("arcade", "high");
    v1::LeaderboardConfig total = testing::TestBoard("arcade", "total");
    struct Row {
      const char* player;
      double score;
      int at;
      std::optional<double> kills;
    };
    for (const Row& r : {Row{"alice", 500, 1, 3}, Row{"bob", 700, 2, {}},
                         Row{"carol", 500, 3, 7}, Row{"dave", 100, 4, {}},
                         Row{"eve", 500, 5, {}}}) {
      for (const auto* board : {&high, &total}) {
        ASSERT_TRUE(testing::SeedEntry(conn->get(), "arcade", *board, "all",
                                       r.player, r.score,
                                       board == &high ? r.kills : std::nullopt,
                                       t0_ + absl::Seconds(r.at))
                        .ok());
      }
    }
    for (const auto& [player, wins] :
         std::vector<std::pair<std::string, std::string>>{
             {"p1", "2"}, {"p2", "0"}, {"p3", "0"}}) {
      ASSERT_TRUE((*conn)
                      ->Command({"HSET", keys::PlayerStats("duel", player),
                                 "matches", player == "p1" ? "2" : "1", "wins",
                                 wins, "kills", "5"})
                      .ok());
    }
  }

  // REST (curl) and gRPC gave the same message.
  void ExpectSame(const std::string& method, const std::string& path,
                  const std::string& body, const Message& grpc_response) {
    std::vector<std::string> args = {"-X", method};
    if (!body.empty()) {
      args.insert(args.end(), {"-H", "Content-Type: application/json",
                               "--data-binary", body});
    }
    args.push_back(Url(path));
    auto [status, json] = Curl(args);
    ASSERT_EQ(status, 200) << method << " " << path << ": " << json;
    std::unique_ptr<Message> rest(grpc_response.New());
    auto st = google::protobuf::util::JsonStringToMessage(json, rest.get());
    ASSERT_TRUE(st.ok()) << method << " " << path << ": " << st.ToString()
                         << ": " << json;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
        *rest, grpc_response))
        << method << " " << path << "\nREST: " << rest->DebugString()
        << "\ngRPC: " << grpc_response.DebugString();
    ++compared_;
  }

  std::unique_ptr<testing::Stack> stack_;
  std::string http_;
  std::unique_ptr<v1::LeaderboardService::Stub> boards_;
  std::unique_ptr<v1::PlayerStatsService::Stub> stats_;
  absl::Time t0_;
  bool worker_written_ = false;
  int compared_ = 0;
};

TEST_F(GatewayEndToEndTest, EveryQueryRpcSameOverRestAndGrpc) {
  RecordProperty("data", worker_written_ ? "worker" : "seeded");
  {
    v1::ListLeaderboardsRequest req;
    req.set_game_id("arcade");
    v1::ListLeaderboardsResponse resp;
    ASSERT_TRUE(boards_->ListLeaderboards(Ctx().get(), req, &resp).ok());
    ASSERT_EQ(resp.leaderboards_size(), 4);
    ExpectSame("GET", "/v1/games/arcade/leaderboards", "", resp);
  }
  {
    // Two pages, following next_page_token.
    v1::ListEntriesRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id("high");
    req.set_page_size(3);
    v1::ListEntriesResponse first;
    ASSERT_TRUE(boards_->ListEntries(Ctx().get(), req, &first).ok());
    ASSERT_EQ(first.entries_size(), 3);
    ASSERT_FALSE(first.next_page_token().empty());
    ExpectSame("GET", "/v1/games/arcade/leaderboards/high/entries?pageSize=3",
               "", first);
    req.set_page_token(first.next_page_token());
    v1::ListEntriesResponse second;
    ASSERT_TRUE(boards_->ListEntries(Ctx().get(), req, &second).ok());
    ASSERT_EQ(second.entries_size(), 2);
    std::string token;
    for (char c : first.next_page_token()) {
      absl::StrAppend(
          &token,
          isalnum(static_cast<unsigned char>(c))
              ? std::string(1, c)
              : absl::StrFormat("%%%02X", static_cast<unsigned char>(c)));
    }
    ExpectSame("GET",
               absl::StrCat("/v1/games/arcade/leaderboards/high/entries?"
                            "page_size=3&page_token=",
                            token),
               "", second);
  }
  {
    v1::GetPlayerRankRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id("high");
    req.set_player_id("carol");
    v1::GetPlayerRankResponse resp;
    ASSERT_TRUE(boards_->GetPlayerRank(Ctx().get(), req, &resp).ok());
    EXPECT_EQ(resp.entry().rank(), 2);
    ExpectSame("GET", "/v1/games/arcade/leaderboards/high/players/carol", "",
               resp);
  }
  {
    v1::ListEntriesAroundPlayerRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id("total");
    req.set_player_id("alice");
    req.set_radius(1);
    v1::ListEntriesAroundPlayerResponse resp;
    ASSERT_TRUE(boards_->ListEntriesAroundPlayer(Ctx().get(), req, &resp).ok());
    ExpectSame("GET",
               "/v1/games/arcade/leaderboards/total/players/alice/around?"
               "radius=1",
               "", resp);
  }
  {
    v1::ListEntriesForPlayersRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id("high");
    req.add_player_ids("eve");
    req.add_player_ids("nobody");
    req.add_player_ids("bob");
    v1::ListEntriesForPlayersResponse resp;
    ASSERT_TRUE(boards_->ListEntriesForPlayers(Ctx().get(), req, &resp).ok());
    ASSERT_EQ(resp.entries_size(), 2);
    ExpectSame("GET",
               "/v1/games/arcade/leaderboards/high/entries:forPlayers?"
               "player_ids=eve&player_ids=nobody&playerIds=bob",
               "", resp);
    ExpectSame("POST", "/v1/games/arcade/leaderboards/high/entries:forPlayers",
               R"({"playerIds":["eve","nobody","bob"]})", resp);
  }
  {
    v1::CountEntriesRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id("high");
    v1::CountEntriesResponse resp;
    ASSERT_TRUE(boards_->CountEntries(Ctx().get(), req, &resp).ok());
    EXPECT_EQ(resp.count(), 5);
    ExpectSame("GET", "/v1/games/arcade/leaderboards/high/count", "", resp);
  }
  {
    v1::GetPlayerStatsRequest req;
    req.set_game_id("duel");
    req.set_player_id("p1");
    v1::GetPlayerStatsResponse resp;
    ASSERT_TRUE(stats_->GetPlayerStats(Ctx().get(), req, &resp).ok());
    ExpectSame("GET", "/v1/games/duel/players/p1/stats", "", resp);
    req.add_stat_names("wins");
    ASSERT_TRUE(stats_->GetPlayerStats(Ctx().get(), req, &resp).ok());
    ExpectSame("GET", "/v1/games/duel/players/p1/stats?stat_names=wins", "",
               resp);
  }
  {
    v1::BatchGetPlayerStatsRequest req;
    req.set_game_id("duel");
    req.add_player_ids("p1");
    req.add_player_ids("p3");
    req.add_player_ids("ghost");
    v1::BatchGetPlayerStatsResponse resp;
    ASSERT_TRUE(stats_->BatchGetPlayerStats(Ctx().get(), req, &resp).ok());
    ExpectSame("GET",
               "/v1/games/duel/stats:batchGet?player_ids=p1&player_ids=p3&"
               "player_ids=ghost",
               "", resp);
    ExpectSame("POST", "/v1/games/duel/stats:batchGet",
               R"({"playerIds":["p1","p3","ghost"]})", resp);
  }
  {
    // WatchLeaderboard: the first update of each.
    v1::WatchLeaderboardRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id("high");
    req.set_top_n(3);
    req.set_player_id("dave");
    auto ctx = Ctx();
    auto reader = boards_->WatchLeaderboard(ctx.get(), req);
    v1::WatchLeaderboardResponse grpc_first;
    ASSERT_TRUE(reader->Read(&grpc_first));
    ctx->TryCancel();
    auto conn = gateway::testing::HttpConnection::Connect(
        "127.0.0.1", std::stoi(http_.substr(http_.rfind(':') + 1)));
    ASSERT_TRUE(conn.ok());
    auto head = (*conn)->StartStream(
        "GET",
        "/v1/games/arcade/leaderboards/high/entries:watch?topN=3&"
        "player_id=dave");
    ASSERT_TRUE(head.ok());
    ASSERT_EQ(head->status, 200);
    auto line = (*conn)->ReadStreamUntil("\n");
    ASSERT_TRUE(line.ok());
    ASSERT_TRUE(absl::StartsWith(*line, "{\"result\":")) << *line;
    v1::WatchLeaderboardResponse rest_first;
    std::string inner = line->substr(10, line->size() - 12);
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(inner, &rest_first).ok())
        << inner;
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(rest_first,
                                                                   grpc_first))
        << rest_first.DebugString() << "\nvs\n"
        << grpc_first.DebugString();
    EXPECT_EQ(rest_first.entries_size(), 3);
  }
  EXPECT_EQ(compared_, 12);
  // Errors map the same way: NOT_FOUND -> 404, INVALID_ARGUMENT -> 400.
  auto [missing, missing_body] = Curl({Url("/v1/games/nope/leaderboards")});
  EXPECT_EQ(missing, 404);
  EXPECT_THAT(missing_body, HasSubstr("\"code\":5"));
  auto [bad, bad_body] =
      Curl({Url("/v1/games/arcade/leaderboards/high/entries?page_size=5000")});
  EXPECT_EQ(bad, 400);
  EXPECT_THAT(bad_body, HasSubstr("page_size"));
  std::cout << "compared " << compared_ + 1 << " REST/gRPC pairs on "
            << (worker_written_ ? "worker-written" : "seeded") << " data"
            << std::endl;
}

}  // namespace
}  // namespace statstracker
