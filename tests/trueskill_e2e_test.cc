// End to end for a TrueSkill board: team matches (2v2, 3v3, 1v2v3) and
// free-for-alls with ties are published through AdminService.PublishEvents,
// applied by the real worker and read back through the real server's
// LeaderboardService. The expected board is the scorer's own pure
// computation: the same events replayed in order through scorer
// "trueskill" built from the same board config, so this checks that the
// worker hands the scorer each player's state (mu, sigma, rated_at) back
// exactly as it returned it, match after match, and that the board ranks
// by the conservative rating. Only public surfaces are used (the gRPC API,
// the worker's /metrics), never Redis keys.

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "plugins/scorer.h"
#include "statstracker/v1/admin.grpc.pb.h"
#include "statstracker/v1/config.pb.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace {

constexpr char kApiKey[] = "test-admin-key-0123456789";
constexpr int kPlayers = 14;
constexpr int kMatches = 60;
constexpr int64_t kMatchEvery = 28800;  // seconds between matches (8 h)

// One game, "arena", with a TrueSkill board whose params differ from the
// defaults (and that keeps inactivity) and a win count.
constexpr char kConfig[] = R"cfg(
stream { key: "statstracker:events" }
worker {
  batch_size: 16
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
  game_id: "arena"
  leaderboards {
    leaderboard_id: "trueskill"
    scorer: "trueskill"
    params {
      [type.googleapis.com/statstracker.v1.TrueSkillParams] {
        initial_mu: 30
        beta: 5
        draw_probability: 0.15
        conservative_k: 2.5
        inactivity_period { seconds: 86400 }
      }
    }
    sort_order: SORT_ORDER_DESCENDING
    tie_mode: TIE_MODE_UNIQUE
  }
  leaderboards { leaderboard_id: "wins" scorer: "win_count" }
}
)cfg";

std::string Player(int i) { return absl::StrCat("p", i < 10 ? "0" : "", i); }

// Deterministic matches over about three weeks, so some players sit out
// whole days (inactivity) between their matches: in turn 2v2, 3v3, 1v2v3
// by outcome (one winner team, the others lose and so draw each other),
// and free-for-alls of 4 to 6 by placement with a tie now and then.
std::vector<v1::GameEvent> Matches(absl::Time start) {
  std::mt19937 rng(17);
  std::vector<int> all(kPlayers);
  for (int i = 0; i < kPlayers; ++i) all[i] = i;
  std::vector<v1::GameEvent> events;
  for (int n = 0; n < kMatches; ++n) {
    v1::GameEvent e;
    e.set_event_id(absl::StrCat("ts-", n));
    e.set_game_id("arena");
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(start) +
                                         n * kMatchEvery);
    auto* match = e.mutable_match_completed();
    match->set_match_id(e.event_id());
    std::shuffle(all.begin(), all.end(), rng);
    const int mode = n % 4;
    if (mode == 3) {
      const int size = 4 + n % 3;
      int place = 1;
      for (int i = 0; i < size; ++i) {
        if (i > 0 && rng() % 4 != 0) place = i + 1;  // else tie the previous
        auto* p = match->add_participants();
        p->set_player_id(Player(all[i]));
        p->set_placement(place);
      }
    } else {
      const std::vector<int> sizes = mode == 0   ? std::vector<int>{2, 2}
                                     : mode == 1 ? std::vector<int>{3, 3}
                                                 : std::vector<int>{1, 2, 3};
      const int winner = static_cast<int>(rng() % sizes.size());
      const bool draw = sizes.size() == 2 && rng() % 6 == 0;
      int next = 0;
      for (int t = 0; t < static_cast<int>(sizes.size()); ++t) {
        for (int k = 0; k < sizes[t]; ++k) {
          auto* p = match->add_participants();
          p->set_player_id(Player(all[next++]));
          p->set_team_id(absl::StrCat("team-", t));
          p->set_outcome(draw          ? v1::OUTCOME_DRAW
                         : t == winner ? v1::OUTCOME_WIN
                                       : v1::OUTCOME_LOSS);
        }
      }
    }
    events.push_back(std::move(e));
  }
  return events;
}

class TrueSkillEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveBinary("worker/worker")) {
      GTEST_FAIL() << "worker/worker is not in the runfiles (data = //worker)";
    }
    auto stack = testing::StartStack(kConfig);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    ASSERT_NE(stack_->worker, nullptr);
    boards_ = v1::LeaderboardService::NewStub(stack_->channel);
    admin_ = v1::AdminService::NewStub(stack_->channel);
  }

  static std::unique_ptr<grpc::ClientContext> Ctx(bool admin = false) {
    auto ctx = std::make_unique<grpc::ClientContext>();
    ctx->set_deadline(std::chrono::system_clock::now() +
                      std::chrono::seconds(10));
    if (admin)
      ctx->AddMetadata("authorization", absl::StrCat("Bearer ", kApiKey));
    return ctx;
  }

  void Publish(const std::vector<v1::GameEvent>& events) {
    v1::PublishEventsRequest req;
    for (const auto& e : events) *req.add_events() = e;
    v1::PublishEventsResponse resp;
    grpc::Status status = admin_->PublishEvents(Ctx(true).get(), req, &resp);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(resp.stream_ids_size(), req.events_size());
  }

  // Waits until the worker's /metrics count `events` arena events applied
  // or dead-lettered; fails naming both counts otherwise.
  void WaitApplied(int events) {
    const std::string metrics =
        testing::ReadyField(stack_->worker->ready_line(), "metrics");
    double applied = 0;
    double dead = 0;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      auto text = testing::HttpGet(metrics, "/metrics");
      if (text.ok()) {
        applied = testing::MetricSum(
            *text, "statstracker_worker_events_processed_total",
            {"game=\"arena\""});
        dead = testing::MetricSum(
            *text, "statstracker_worker_events_dead_lettered_total",
            {"game=\"arena\""});
        if (applied + dead >= events) break;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_EQ(applied, events)
        << "dead-lettered: " << dead << "; worker output:\n"
        << stack_->worker->Output();
  }

  std::unique_ptr<testing::Stack> stack_;
  std::unique_ptr<v1::LeaderboardService::Stub> boards_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

// The board config from kConfig, and scorer "trueskill" built from it as
// the config loader builds it.
std::unique_ptr<Scorer> ScorerFromConfig() {
  v1::StatsTrackerConfig config;
  if (!google::protobuf::TextFormat::ParseFromString(kConfig, &config)) {
    return nullptr;
  }
  const v1::LeaderboardConfig& board = config.games(0).leaderboards(0);
  const ScorerFactory* factory = ScorerRegistry::Get().Find(board.scorer());
  if (factory == nullptr) return nullptr;
  auto scorer = (*factory)(board);
  return scorer.ok() ? *std::move(scorer) : nullptr;
}

TEST_F(TrueSkillEndToEndTest, BoardMatchesTheScorersReplay) {
  const absl::Time start = absl::Now() - absl::Hours(24 * 25);
  const std::vector<v1::GameEvent> events = Matches(start);
  // In batches of ten, as a game server would send them over time.
  for (size_t i = 0; i < events.size(); i += 10) {
    Publish(std::vector<v1::GameEvent>(
        events.begin() + i, events.begin() + std::min(events.size(), i + 10)));
  }
  WaitApplied(kMatches);

  // The expected board: the same events through the scorer, in order.
  std::unique_ptr<Scorer> scorer = ScorerFromConfig();
  ASSERT_NE(scorer, nullptr);
  absl::flat_hash_map<std::string, ScorerState> states;
  int grew = 0;  // matches where some player's sigma grew for inactivity
  for (const v1::GameEvent& e : events) {
    absl::flat_hash_map<std::string, ScorerState> current;
    for (const std::string& p : scorer->PlayersToRead(e)) {
      auto it = states.find(p);
      if (it != states.end()) current[p] = it->second;
    }
    auto changes = scorer->Score(e, current);
    ASSERT_TRUE(changes.ok()) << e.event_id() << ": " << changes.status();
    for (ScoreChange& c : *changes) {
      auto before = current.find(c.player_id);
      if (before != current.end() &&
          e.occurred_at().seconds() / 86400 -
                  static_cast<int64_t>(before->second.aux.at("rated_at")) /
                      86400 >
              1) {
        ++grew;
      }
      states[c.player_id] = std::move(c.state);
    }
  }
  ASSERT_GT(grew, 0) << "the schedule should make some players sit out days";
  std::vector<std::pair<std::string, double>> expected;
  for (const auto& [player, state] : states) {
    expected.emplace_back(player, state.score);
  }
  std::sort(expected.begin(), expected.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  ASSERT_EQ(expected.size(), static_cast<size_t>(kPlayers));

  v1::ListEntriesRequest req;
  req.set_game_id("arena");
  req.set_leaderboard_id("trueskill");
  req.set_page_size(50);
  v1::ListEntriesResponse board;
  grpc::Status status = boards_->ListEntries(Ctx().get(), req, &board);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(board.entries_size(), kPlayers);
  for (int i = 0; i < kPlayers; ++i) {
    SCOPED_TRACE(absl::StrCat("rank ", i + 1));
    EXPECT_EQ(board.entries(i).rank(), i + 1);
    EXPECT_EQ(board.entries(i).player_id(), expected[i].first);
    EXPECT_NEAR(board.entries(i).score(), expected[i].second, 1e-9);
  }
  // The conservative rating is mu - 2.5 sigma of the replayed state.
  const ScorerState& top = states.at(expected[0].first);
  EXPECT_NEAR(board.entries(0).score(),
              top.aux.at("mu") - 2.5 * top.aux.at("sigma"), 1e-9);

  // One player's rank and score through GetPlayerRank agree.
  v1::GetPlayerRankRequest rank_req;
  rank_req.set_game_id("arena");
  rank_req.set_leaderboard_id("trueskill");
  rank_req.set_player_id(expected[5].first);
  v1::GetPlayerRankResponse rank;
  ASSERT_TRUE(boards_->GetPlayerRank(Ctx().get(), rank_req, &rank).ok());
  EXPECT_EQ(rank.entry().rank(), 6);
  EXPECT_NEAR(rank.entry().score(), expected[5].second, 1e-9);
  EXPECT_EQ(rank.total_count(), kPlayers);
}

}  // namespace
}  // namespace statstracker
