// //plugins:builtin links every built-in plugin: each registers by name, and
// each builds from a config with default parameters.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "plugins/scorer.h"
#include "plugins/stats_handler.h"
#include "statstracker/v1/config.pb.h"
#include "statstracker/v1/plugin_params.pb.h"

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

// Only the racing example reads custom payloads; every type a plugin
// declares is linked in (the worker could not decode it otherwise).
TEST(Builtin, DeclaredCustomTypesAreLinkedIn) {
  std::vector<std::string> declared;
  for (const std::string& name : ScorerRegistry::Get().RegisteredNames()) {
    v1::LeaderboardConfig config;
    config.set_leaderboard_id("b");
    config.set_scorer(name);
    config.set_sort_order(name == "racing_best_lap"
                              ? v1::SORT_ORDER_ASCENDING
                              : v1::SORT_ORDER_DESCENDING);
    auto scorer = (*ScorerRegistry::Get().Find(name))(config);
    ASSERT_TRUE(scorer.ok()) << name << ": " << scorer.status();
    for (const std::string& type : (*scorer)->CustomEventTypes()) {
      declared.push_back(absl::StrCat(name, " ", type));
    }
  }
  for (const std::string& name :
       StatsHandlerRegistry::Get().RegisteredNames()) {
    v1::StatsHandlerConfig config;
    config.set_handler(name);
    if (name == "declarative") {  // needs at least one stat
      v1::DeclarativeStatsParams params;
      v1::StatDefinition* stat = params.add_stats();
      stat->set_name("played");
      stat->mutable_count();
      config.mutable_params()->PackFrom(params);
    }
    auto handler = (*StatsHandlerRegistry::Get().Find(name))(config);
    ASSERT_TRUE(handler.ok()) << name << ": " << handler.status();
    for (const std::string& type : (*handler)->CustomEventTypes()) {
      declared.push_back(absl::StrCat(name, " ", type));
    }
  }
  EXPECT_THAT(
      declared,
      ElementsAre(
          "racing_best_lap statstracker.examples.racing.v1.LapCompleted",
          "racing statstracker.examples.racing.v1.LapCompleted"));
  EXPECT_NE(
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          "statstracker.examples.racing.v1.LapCompleted"),
      nullptr);
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
