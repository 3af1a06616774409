// End to end for player histories (LeaderboardConfig.history) and the
// season soft reset (PeriodConfig.soft_reset), through the real worker and
// server: events are published with AdminService.PublishEvents, applied by
// worker/worker and read back with GetPlayerHistory over gRPC, over the REST
// gateway and with `stats history`, then erased and reset.
//
// The expected values come from a replay of the same events through the
// scorers built from the same config (pure, in this process), with the
// soft reset computed by hand from the documented formula, so the test
// checks the worker's bookkeeping: one point per real change with the
// event's time and id, the cap, the periods, what a new season starts from.

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "plugins/scorer.h"
#include "statstracker/v1/admin.grpc.pb.h"
#include "statstracker/v1/config.pb.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "tests/server_stack.h"
#include "tests/tools_e2e_common.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace {

constexpr char kApiKey[] = "test-admin-key-0123456789";

// Game "duel": an all-time Elo board keeping 5 points per player, a best
// score board keeping 10 (participants' scores: most matches change
// nothing there), a win count without history, a seasonal Elo board with a
// soft reset of one half, and a daily board with retention (history
// expires with its period).
constexpr char kConfig[] = R"cfg(
stream { key: "statstracker:events" }
worker {
  batch_size: 4
  block { nanos: 100000000 }
  metrics_address: "127.0.0.1:0"
}
server {
  grpc_address: "127.0.0.1:0"
  http_address: "127.0.0.1:0"
  metrics_address: "127.0.0.1:0"
  api_keys: "test-admin-key-0123456789"
}
logging { level: "info" }
games {
  game_id: "duel"
  # The season test publishes events of January: no age bound.
  admission { max_age {} }
  leaderboards { leaderboard_id: "elo" scorer: "elo" history { max_points: 5 } }
  leaderboards { leaderboard_id: "best" scorer: "best_score" history { max_points: 10 } }
  leaderboards { leaderboard_id: "wins" scorer: "win_count" }
  leaderboards {
    leaderboard_id: "season"
    scorer: "elo"
    params { [type.googleapis.com/statstracker.v1.EloParams] { initial_rating: 1500 } }
    period {
      seasons {
        seasons { season_id: "s1" start: "2026-01-01" end: "2026-02-01" }
        seasons { season_id: "s2" start: "2026-03-01" end: "2026-04-01" }
      }
      soft_reset { fraction: 0.5 }
    }
    history { max_points: 20 }
  }
  leaderboards {
    leaderboard_id: "daily"
    scorer: "cumulative_points"
    period { daily {} retention { seconds: 86400 } }
    history { max_points: 3 }
  }
}
)cfg";

absl::Time Utc(int y, int m, int d, int hh = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, 0, 0),
                         absl::UTCTimeZone());
}

v1::GameEvent Match(const std::string& id, absl::Time at,
                    const std::string& winner, double winner_score,
                    const std::string& loser, double loser_score) {
  v1::GameEvent e;
  e.set_event_id(id);
  e.set_game_id("duel");
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(at));
  auto* m = e.mutable_match_completed();
  auto* w = m->add_participants();
  w->set_player_id(winner);
  w->set_outcome(v1::OUTCOME_WIN);
  w->set_score(winner_score);
  auto* l = m->add_participants();
  l->set_player_id(loser);
  l->set_outcome(v1::OUTCOME_LOSS);
  l->set_score(loser_score);
  return e;
}

// January (season s1): ann and bob, then cat; a late one in February (no
// season); March (s2): ann and cat come back (soft reset), dan is new.
std::vector<v1::GameEvent> Season() {
  std::vector<v1::GameEvent> events;
  const double ann_scores[] = {10, 30, 20, 40, 40, 35, 50, 12};
  for (int i = 0; i < 8; ++i) {
    const bool ann_wins = i % 3 != 1;
    events.push_back(
        Match(absl::StrCat("jan-", i), Utc(2026, 1, 3 + 2 * i),
              ann_wins ? "ann" : "bob", ann_wins ? ann_scores[i] : 25,
              ann_wins ? "bob" : "ann", ann_wins ? 25 : ann_scores[i]));
  }
  events.push_back(Match("jan-cat", Utc(2026, 1, 25), "cat", 5, "bob", 26));
  events.push_back(Match("feb-gap", Utc(2026, 2, 10), "bob", 27, "ann", 3));
  events.push_back(Match("mar-1", Utc(2026, 3, 2), "cat", 8, "ann", 60));
  events.push_back(Match("mar-2", Utc(2026, 3, 3), "dan", 1, "bob", 2));
  events.push_back(Match("mar-3", Utc(2026, 3, 4), "ann", 61, "cat", 9));
  return events;
}

std::string SeasonOf(absl::Time t) {
  if (Utc(2026, 1, 1) <= t && t < Utc(2026, 2, 1)) return "s1";
  if (Utc(2026, 3, 1) <= t && t < Utc(2026, 4, 1)) return "s2";
  return "";
}

struct Point {
  int64_t seconds;
  double score;
  std::string event_id;
};

// The replay: board/period -> player -> state, and the history points.
struct Expected {
  std::map<std::string, std::map<std::string, ScorerState>> states;
  std::map<std::string, std::vector<Point>> history;  // board/period/player
  // What each s2 newcomer started from (soft reset by hand).
  std::map<std::string, double> s2_start;
};

Expected Replay(const std::vector<v1::GameEvent>& events) {
  v1::StatsTrackerConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kConfig, &config));
  Expected out;
  for (const v1::LeaderboardConfig& board : config.games(0).leaderboards()) {
    if (board.leaderboard_id() == "daily") continue;  // not in this replay
    auto scorer = (*ScorerRegistry::Get().Find(board.scorer()))(board);
    EXPECT_TRUE(scorer.ok()) << scorer.status();
    for (const v1::GameEvent& e : events) {
      const absl::Time t = absl::FromUnixSeconds(e.occurred_at().seconds());
      std::string period = "all";
      if (board.has_period()) {
        period = SeasonOf(t);
        if (period.empty()) continue;  // outside every season
      }
      const std::string key = absl::StrCat(board.leaderboard_id(), "/", period);
      auto& states = out.states[key];
      absl::flat_hash_map<std::string, ScorerState> current;
      for (const std::string& p : (*scorer)->PlayersToRead(e)) {
        auto it = states.find(p);
        if (it != states.end()) {
          current[p] = it->second;
        } else if (period == "s2") {
          auto before = out.states["season/s1"].find(p);
          if (before != out.states["season/s1"].end()) {
            // PeriodConfig.soft_reset: value + fraction * (initial - value).
            ScorerState start;
            start.score =
                before->second.score + 0.5 * (1500 - before->second.score);
            current[p] = start;
            out.s2_start[p] = start.score;
          }
        }
      }
      auto changes = (*scorer)->Score(e, current);
      EXPECT_TRUE(changes.ok()) << changes.status();
      for (ScoreChange& c : *changes) {
        auto before = current.find(c.player_id);
        if (before != current.end() && before->second.score == c.state.score &&
            before->second.aux == c.state.aux) {
          continue;  // unchanged: no point
        }
        out.history[absl::StrCat(key, "/", c.player_id)].push_back(
            {e.occurred_at().seconds(), c.state.score, e.event_id()});
        states[c.player_id] = std::move(c.state);
      }
    }
  }
  return out;
}

class HistoryEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveBinary("worker/worker")) {
      GTEST_FAIL() << "worker/worker is not in the runfiles (data = //worker)";
    }
    auto stack = testing::StartStack(kConfig);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    ASSERT_NE(stack_->worker, nullptr);
    http_ = testing::ReadyField(stack_->server->ready_line(), "http");
    boards_ = v1::LeaderboardService::NewStub(stack_->channel);
    admin_ = v1::AdminService::NewStub(stack_->channel);
  }

  static std::unique_ptr<grpc::ClientContext> Ctx(bool admin = false) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(10));
    if (admin) {
      ctx->AddMetadata("authorization", absl::StrCat("Bearer ", kApiKey));
    }
    return ctx;
  }

  // Publishes `events` and waits until the worker counts `total` applied.
  void PublishAndWait(const std::vector<v1::GameEvent>& events, int total) {
    v1::PublishEventsRequest req;
    for (const auto& e : events) *req.add_events() = e;
    v1::PublishEventsResponse resp;
    grpc::Status status = admin_->PublishEvents(Ctx(true).get(), req, &resp);
    ASSERT_TRUE(status.ok()) << status.error_message();
    const std::string metrics =
        testing::ReadyField(stack_->worker->ready_line(), "metrics");
    double applied = 0;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline && applied < total) {
      auto text = testing::HttpGet(metrics, "/metrics");
      if (text.ok()) {
        applied = testing::MetricSum(
            *text, "statstracker_worker_events_processed_total",
            {"game=\"duel\""});
      }
      if (applied < total) absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_EQ(applied, total) << stack_->worker->Output();
  }

  grpc::Status History(const std::string& board, const std::string& player,
                       const std::string& period,
                       v1::GetPlayerHistoryResponse* out, int max_points = 0) {
    v1::GetPlayerHistoryRequest req;
    req.set_game_id("duel");
    req.set_leaderboard_id(board);
    req.set_player_id(player);
    req.set_period(period);
    req.set_max_points(max_points);
    return boards_->GetPlayerHistory(Ctx().get(), req, out);
  }

  // GET on the gateway: the HTTP status code and the body.
  std::pair<int, std::string> Rest(const std::string& path) {
    auto response = testing::HttpGet(http_, path);
    EXPECT_TRUE(response.ok()) << response.status();
    if (!response.ok()) return {0, ""};
    int code = 0;
    if (response->size() > 12) code = std::atoi(response->c_str() + 9);
    size_t body = response->find("\r\n\r\n");
    return {code, body == std::string::npos ? "" : response->substr(body + 4)};
  }

  // Checks a history answer against the newest `cap` expected points.
  static void ExpectPoints(const v1::GetPlayerHistoryResponse& got,
                           const std::vector<Point>& all, size_t cap) {
    const size_t n = std::min(all.size(), cap);
    ASSERT_EQ(got.points_size(), static_cast<int>(n));
    for (size_t i = 0; i < n; ++i) {
      const Point& want = all[all.size() - n + i];
      SCOPED_TRACE(absl::StrCat("point ", i, " ", want.event_id));
      EXPECT_EQ(got.points(i).event_id(), want.event_id);
      EXPECT_EQ(got.points(i).occurred_at().seconds(), want.seconds);
      EXPECT_EQ(got.points(i).occurred_at().nanos(), 0);
      EXPECT_DOUBLE_EQ(got.points(i).score(), want.score);
    }
  }

  std::unique_ptr<testing::Stack> stack_;
  std::string http_;
  std::unique_ptr<v1::LeaderboardService::Stub> boards_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

TEST_F(HistoryEndToEndTest, HistoryOverGrpcRestAndCliCappedThenErasedAndReset) {
  const std::vector<v1::GameEvent> events = Season();
  PublishAndWait(events, static_cast<int>(events.size()));
  const Expected expected = Replay(events);

  // The all-time Elo board: ann played 11 matches, 5 points kept.
  const std::vector<Point>& ann_elo = expected.history.at("elo/all/ann");
  ASSERT_EQ(ann_elo.size(), 11u);
  v1::GetPlayerHistoryResponse elo;
  grpc::Status status = History("elo", "ann", "", &elo);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ExpectPoints(elo, ann_elo, 5);
  EXPECT_EQ(elo.period(), "");
  EXPECT_EQ(elo.points(4).event_id(), "mar-3");
  // Fewer on request.
  v1::GetPlayerHistoryResponse two;
  ASSERT_TRUE(History("elo", "ann", "", &two, 2).ok());
  ExpectPoints(two, ann_elo, 2);

  // Best score: only improvements are points (10, 30, 40, 50, 60, 61).
  const std::vector<Point>& ann_best = expected.history.at("best/all/ann");
  ASSERT_EQ(ann_best.size(), 6u);
  v1::GetPlayerHistoryResponse best;
  ASSERT_TRUE(History("best", "ann", "", &best).ok());
  ExpectPoints(best, ann_best, 10);
  EXPECT_EQ(best.points(1).event_id(), "jan-1");
  EXPECT_DOUBLE_EQ(best.points(5).score(), 61);

  // REST: the same answer as gRPC, in the JSON mapping.
  auto [code, body] =
      Rest("/v1/games/duel/leaderboards/elo/players/ann/history");
  ASSERT_EQ(code, 200) << body;
  v1::GetPlayerHistoryResponse rest;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(body, &rest).ok())
      << body;
  EXPECT_EQ(rest.SerializeAsString(), elo.SerializeAsString()) << body;
  EXPECT_TRUE(absl::StrContains(body, "\"eventId\":\"mar-3\"")) << body;
  std::tie(code, body) =
      Rest("/v1/games/duel/leaderboards/elo/players/ann/history?maxPoints=2");
  ASSERT_EQ(code, 200) << body;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(body, &rest).ok());
  EXPECT_EQ(rest.SerializeAsString(), two.SerializeAsString());

  // The CLI, as JSON and as a table.
  const std::string cli = absl::StrCat("tools/cli/stats history duel elo ann ",
                                       "--server=", stack_->grpc_address);
  auto json = testing::RunCommand(cli + " --json", /*merge_stderr=*/false);
  ASSERT_EQ(json.exit_code, 0) << json.output;
  v1::GetPlayerHistoryResponse from_cli;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(json.output, &from_cli).ok())
      << json.output;
  EXPECT_EQ(from_cli.SerializeAsString(), elo.SerializeAsString());
  auto table = testing::RunCommand(cli + " --points 3");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_TRUE(absl::StrContains(table.output, "TIME")) << table.output;
  EXPECT_TRUE(absl::StrContains(table.output, "2026-03-04T00:00:00Z"))
      << table.output;
  EXPECT_TRUE(absl::StrContains(table.output, "mar-3")) << table.output;
  EXPECT_FALSE(absl::StrContains(table.output, "jan-6")) << table.output;

  // Errors: a board without history, a player without one, bad arguments.
  v1::GetPlayerHistoryResponse none;
  status = History("wins", "ann", "", &none);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(absl::StrContains(status.error_message(),
                                "leaderboard 'wins' keeps no history"))
      << status.error_message();
  status = History("elo", "zed", "", &none);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(),
            "player_id: player 'zed' has no history on leaderboard 'elo'");
  status = History("elo", "ann", "", &none, 10001);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(),
                               "max_points: must be 1 to 10000"))
      << status.error_message();
  EXPECT_EQ(History("elo", "", "", &none).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(History("nope", "ann", "", &none).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(History("season", "ann", "s9", &none).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Rest("/v1/games/duel/leaderboards/wins/players/ann/history").first,
            400);
  EXPECT_EQ(Rest("/v1/games/duel/leaderboards/elo/players/zed/history").first,
            404);
  EXPECT_EQ(
      Rest("/v1/games/duel/leaderboards/elo/players/ann/history?maxPoints=-1")
          .first,
      400);
  auto cli_error = testing::RunCommand(absl::StrCat(
      "tools/cli/stats history duel wins ann --server=", stack_->grpc_address));
  EXPECT_NE(cli_error.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(cli_error.output, "keeps no history"))
      << cli_error.output;

  // Erase ann: her history goes from every board and period.
  v1::ErasePlayerRequest erase;
  erase.set_game_id("duel");
  erase.set_player_id("ann");
  v1::ErasePlayerResponse erased;
  ASSERT_TRUE(admin_->ErasePlayer(Ctx(true).get(), erase, &erased).ok());
  for (const auto& [board, period] :
       std::vector<std::pair<std::string, std::string>>{
           {"elo", ""}, {"best", ""}, {"season", "s1"}, {"season", "s2"}}) {
    EXPECT_EQ(History(board, "ann", period, &none).error_code(),
              grpc::StatusCode::NOT_FOUND)
        << board << " " << period;
  }
  v1::GetPlayerHistoryResponse bob;
  ASSERT_TRUE(History("elo", "bob", "", &bob).ok());
  ExpectPoints(bob, expected.history.at("elo/all/bob"), 5);

  // Reset the Elo board: bob's history goes with it, the marker too.
  v1::ResetLeaderboardRequest reset;
  reset.set_game_id("duel");
  reset.set_leaderboard_id("elo");
  v1::ResetLeaderboardResponse reset_done;
  ASSERT_TRUE(
      admin_->ResetLeaderboard(Ctx(true).get(), reset, &reset_done).ok());
  EXPECT_EQ(History("elo", "bob", "", &none).error_code(),
            grpc::StatusCode::NOT_FOUND);
  auto redis = stack_->redis->Connect();
  ASSERT_TRUE(redis.ok());
  auto left = (*redis)->CommandOk({"KEYS", "st:{duel}:lb:elo:*"});
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->elements.size(), 0u) << left->DebugString();
  // The other boards keep theirs.
  ASSERT_TRUE(History("best", "bob", "", &bob).ok());
  // A reset of every period of the season board clears both seasons (while
  // no season is current: the seasons are in the past).
  reset.set_leaderboard_id("season");
  reset.set_all_periods(true);
  status = admin_->ResetLeaderboard(Ctx(true).get(), reset, &reset_done);
  ASSERT_TRUE(status.ok()) << status.error_message();
  for (const char* period : {"s1", "s2"}) {
    EXPECT_EQ(History("season", "bob", period, &none).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  left = (*redis)->CommandOk({"KEYS", "st:{duel}:lb:season:*"});
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->elements.size(), 0u) << left->DebugString();

  // After the reset a history starts afresh with the next change.
  PublishAndWait({Match("after-reset", Utc(2026, 3, 20), "bob", 1, "cat", 1)},
                 static_cast<int>(events.size()) + 1);
  ASSERT_TRUE(History("elo", "bob", "", &bob).ok());
  ASSERT_EQ(bob.points_size(), 1);
  EXPECT_EQ(bob.points(0).event_id(), "after-reset");
  EXPECT_DOUBLE_EQ(bob.points(0).score(), 1516);  // 1500 vs 1500, K 32
}

TEST_F(HistoryEndToEndTest, SeasonSoftResetStartsFromThePreviousSeason) {
  const std::vector<v1::GameEvent> events = Season();
  PublishAndWait(events, static_cast<int>(events.size()));
  const Expected expected = Replay(events);
  // ann, bob and cat played in s1 and start s2 soft-reset; dan is new.
  ASSERT_EQ(expected.s2_start.size(), 3u);
  EXPECT_FALSE(expected.s2_start.count("dan"));

  for (const char* period : {"s1", "s2"}) {
    const auto& states = expected.states.at(absl::StrCat("season/", period));
    v1::ListEntriesRequest req;
    req.set_game_id("duel");
    req.set_leaderboard_id("season");
    req.set_period(period);
    req.set_page_size(10);
    v1::ListEntriesResponse board;
    ASSERT_TRUE(boards_->ListEntries(Ctx().get(), req, &board).ok());
    ASSERT_EQ(board.entries_size(), static_cast<int>(states.size())) << period;
    for (const auto& entry : board.entries()) {
      SCOPED_TRACE(absl::StrCat(period, " ", entry.player_id()));
      EXPECT_NEAR(entry.score(), states.at(entry.player_id()).score, 1e-9);
    }
  }
  // ann's s2: one match lost from her soft-reset rating, one won.
  const double ann_s1 = expected.states.at("season/s1").at("ann").score;
  EXPECT_DOUBLE_EQ(expected.s2_start.at("ann"), ann_s1 + 0.5 * (1500 - ann_s1));
  EXPECT_GT(ann_s1, 1500);  // she won most of January
  v1::GetPlayerHistoryResponse s2;
  ASSERT_TRUE(History("season", "ann", "s2", &s2).ok());
  ExpectPoints(s2, expected.history.at("season/s2/ann"), 20);
  ASSERT_EQ(s2.points_size(), 2);
  EXPECT_EQ(s2.period(), "s2");
  EXPECT_LT(s2.points(0).score(), expected.s2_start.at("ann"));  // lost
  // Her s1 history is its own: January's nine matches.
  v1::GetPlayerHistoryResponse s1;
  ASSERT_TRUE(History("season", "ann", "s1", &s1).ok());
  ExpectPoints(s1, expected.history.at("season/s1/ann"), 20);
  EXPECT_EQ(s1.points_size(), 8);
  // dan started from the initial rating and beat a soft-reset bob.
  v1::GetPlayerRankRequest rank;
  rank.set_game_id("duel");
  rank.set_leaderboard_id("season");
  rank.set_player_id("dan");
  rank.set_period("s2");
  v1::GetPlayerRankResponse dan;
  ASSERT_TRUE(boards_->GetPlayerRank(Ctx().get(), rank, &dan).ok());
  EXPECT_NEAR(dan.entry().score(),
              expected.states.at("season/s2").at("dan").score, 1e-9);
}

TEST_F(HistoryEndToEndTest, PeriodicHistoryExpiresWithItsPeriod) {
  // Two matches today (UTC), between midnight and now.
  const absl::Time now = absl::Now();
  const absl::Time midnight = absl::FromCivil(
      absl::ToCivilDay(now, absl::UTCTimeZone()), absl::UTCTimeZone());
  const absl::Time t = midnight + (now - midnight) / 2;
  const std::string today =
      absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());
  PublishAndWait({Match("today-1", t, "ann", 1, "bob", 0),
                  Match("today-2", t, "ann", 1, "bob", 0)},
                 2);
  v1::GetPlayerHistoryResponse daily;
  ASSERT_TRUE(History("daily", "ann", today, &daily).ok());
  ASSERT_EQ(daily.points_size(), 2);
  EXPECT_EQ(daily.period(), today);
  EXPECT_DOUBLE_EQ(daily.points(0).score(), 3);  // 3 points per win
  EXPECT_DOUBLE_EQ(daily.points(1).score(), 6);
  EXPECT_FALSE(daily.period().empty());
  auto redis = stack_->redis->Connect();
  ASSERT_TRUE(redis.ok());
  for (const std::string& key :
       {absl::StrCat("st:{duel}:lb:daily:", daily.period(), ":h:ann"),
        absl::StrCat("st:{duel}:lb:daily:", daily.period(), ":history")}) {
    auto ttl = (*redis)->CommandOk({"PTTL", key});
    ASSERT_TRUE(ttl.ok());
    // Expires with the period: after its end plus one day of retention, at
    // most two days from now.
    EXPECT_GT(ttl->integer, 24 * 3600 * 1000 - 60 * 1000) << key;
    EXPECT_LE(ttl->integer, 2 * 24 * 3600 * 1000) << key;
  }
}

}  // namespace
}  // namespace statstracker
