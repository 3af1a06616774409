// //plugins:builtin links every built-in plugin: each registers by name, and
// each builds from a config with default parameters.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "plugins/scorer.h"
#include "plugins/stats_handler.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {
namespace {

using ::testing::ElementsAre;

TEST(Builtin, EveryScorerIsRegistered) {
  EXPECT_THAT(
      ScorerRegistry::Get().RegisteredNames(),
      ElementsAre("best_score", "cumulative_points", "elo", "glicko2",
                  "latest_value", "racing_best_lap", "trueskill", "win_count"));
  EXPECT_EQ(ScorerRegistry::Get().RegisteredNamesForError(),
            "best_score, cumulative_points, elo, glicko2, latest_value, "
            "racing_best_lap, trueskill, win_count");
}

TEST(Builtin, EveryStatsHandlerIsRegistered) {
  EXPECT_THAT(StatsHandlerRegistry::Get().RegisteredNames(),
              ElementsAre("declarative", "racing"));
}

TEST(Builtin, EveryScorerBuildsWithDefaultParams) {
  for (const std::string& name : ScorerRegistry::Get().RegisteredNames()) {
    v1::LeaderboardConfig config;
    config.set_leaderboard_id("b");
    config.set_scorer(name);
    // The racing example insists on the order its times need.
    config.set_sort_order(name == "racing_best_lap"
                              ? v1::SORT_ORDER_ASCENDING
                              : v1::SORT_ORDER_DESCENDING);
    auto scorer = (*ScorerRegistry::Get().Find(name))(config);
    ASSERT_TRUE(scorer.ok()) << name << ": " << scorer.status();
    EXPECT_NE(*scorer, nullptr) << name;
  }
}

TEST(Builtin, UnknownNamesAreNotFound) {
  EXPECT_EQ(ScorerRegistry::Get().Find("elo2"), nullptr);
  EXPECT_EQ(StatsHandlerRegistry::Get().Find("elo"), nullptr);
}

TEST(Builtin, ScopedOverrideReplacesAndRestores) {
  const ScorerFactory* original = ScorerRegistry::Get().Find("elo");
  ASSERT_NE(original, nullptr);
  {
    ScorerRegistry::ScopedOverride fake(
        "elo",
        [](const v1::LeaderboardConfig&)
            -> absl::StatusOr<std::unique_ptr<Scorer>> {
          return absl::UnavailableError("fake elo");
        });
    auto scorer = (*ScorerRegistry::Get().Find("elo"))(v1::LeaderboardConfig());
    EXPECT_EQ(scorer.status().code(), absl::StatusCode::kUnavailable);
  }
  auto scorer = (*ScorerRegistry::Get().Find("elo"))(v1::LeaderboardConfig());
  EXPECT_TRUE(scorer.ok()) << scorer.status();
}

// The racing example's event type is linked in, so the worker can decode
// GameEvent.custom payloads and config files can name RacingParams.
TEST(Builtin, RacingMessagesAreInTheGeneratedPool) {
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  EXPECT_NE(pool->FindMessageTypeByName(
                "statstracker.examples.racing.v1.LapCompleted"),
            nullptr);
  EXPECT_NE(pool->FindMessageTypeByName(
                "statstracker.examples.racing.v1.RacingParams"),
            nullptr);
  EXPECT_NE(pool->FindMessageTypeByName("statstracker.v1.Glicko2Params"),
            nullptr);
  EXPECT_NE(pool->FindMessageTypeByName("statstracker.v1.TrueSkillParams"),
            nullptr);
}

}  // namespace
}  // namespace statstracker
