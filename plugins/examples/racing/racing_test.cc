// The racing example's scorer and stats handler, and its sample config.

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/examples/racing/racing_params.h"
#include "plugins/scorer.h"
#include "plugins/stats_handler.h"
#include "plugins/testing_util.h"
#include "statstracker/v1/config.pb.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace {

using plugin_testing::BoardWith;
using plugin_testing::MakeHandler;
using plugin_testing::MakeScorer;
using plugin_testing::ParseText;
using racing::LapCompleted;
using racing::RacingParams;
using ::testing::HasSubstr;

v1::GameEvent Lap(const std::string& player, int64_t ms,
                  const std::string& track = "monza", double metres = 5793,
                  bool invalidated = false) {
  LapCompleted lap;
  lap.set_player_id(player);
  lap.set_track_id(track);
  lap.set_lap_time_ms(ms);
  lap.set_distance_m(metres);
  lap.set_invalidated(invalidated);
  v1::GameEvent event;
  event.set_event_id("lap");
  event.set_game_id("racer");
  event.mutable_custom()->PackFrom(lap);
  return event;
}

std::unique_ptr<Scorer> BestLap(const std::string& params) {
  auto scorer = MakeScorer(
      "racing_best_lap",
      BoardWith(ParseText<RacingParams>(params), v1::SORT_ORDER_ASCENDING));
  EXPECT_TRUE(scorer.ok()) << scorer.status();
  return scorer.ok() ? *std::move(scorer) : nullptr;
}

TEST(RacingBestLap, KeepsTheFastestValidLap) {
  auto scorer = BestLap("");
  EXPECT_EQ(scorer->PlayersToRead(Lap("ann", 81000)),
            std::vector<std::string>{"ann"});
  auto first = scorer->Score(Lap("ann", 81000), {});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].state.score, 81000);

  absl::flat_hash_map<std::string, ScorerState> current;
  current["ann"].score = 81000;
  auto slower = scorer->Score(Lap("ann", 82000), current);
  ASSERT_TRUE(slower.ok());
  EXPECT_TRUE(slower->empty());
  auto cut = scorer->Score(Lap("ann", 70000, "monza", 5793, true), current);
  ASSERT_TRUE(cut.ok());
  EXPECT_TRUE(cut->empty()) << "invalidated laps are not best laps";
  auto faster = scorer->Score(Lap("ann", 80500), current);
  ASSERT_TRUE(faster.ok());
  ASSERT_EQ(faster->size(), 1u);
  EXPECT_EQ((*faster)[0].state.score, 80500);
}

TEST(RacingBestLap, TrackFilterAndMinimumLapTime) {
  auto scorer = BestLap(R"pb(track_id: "monza" min_lap_time_ms: 60000)pb");
  auto other = scorer->Score(Lap("ann", 90000, "spa"), {});
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
  auto fake = scorer->Score(Lap("ann", 1200), {});
  ASSERT_FALSE(fake.ok());
  EXPECT_EQ(fake.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(fake.status().message(),
            "custom.lap_time_ms 1200 is below params.min_lap_time_ms 60000; "
            "rejected as implausible");
}

TEST(RacingBestLap, IgnoresOtherEventsAndRejectsBrokenLaps) {
  auto scorer = BestLap("");
  auto submit = ParseText<v1::GameEvent>(
      R"pb(score_submitted { player_id: "ann" score: 1 })pb");
  EXPECT_TRUE(scorer->PlayersToRead(submit).empty());
  auto none = scorer->Score(submit, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  v1::GameEvent foreign;  // another game's custom message
  foreign.mutable_custom()->PackFrom(v1::EloParams());
  none = scorer->Score(foreign, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto zero = scorer->Score(Lap("ann", 0), {});
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(), "custom.lap_time_ms must be > 0, got 0");
  auto nobody = scorer->Score(Lap("", 1000), {});
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.status().message(), "custom.player_id must be set");

  v1::GameEvent garbage = Lap("ann", 1000);
  garbage.mutable_custom()->set_value("\xff\xff\xff");
  auto undecodable = scorer->Score(garbage, {});
  ASSERT_FALSE(undecodable.ok());
  EXPECT_THAT(undecodable.status().message(),
              HasSubstr("custom: cannot decode the "
                        "statstracker.examples.racing.v1.LapCompleted bytes"));
}

TEST(RacingBestLap, FactoryChecks) {
  auto descending = MakeScorer("racing_best_lap", BoardWith(RacingParams()));
  ASSERT_FALSE(descending.ok());
  EXPECT_THAT(descending.status().message(),
              HasSubstr("sort_order must be SORT_ORDER_ASCENDING"));
  auto negative =
      MakeScorer("racing_best_lap",
                 BoardWith(ParseText<RacingParams>("min_lap_time_ms: -5"),
                           v1::SORT_ORDER_ASCENDING));
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.status().message(),
            "params.min_lap_time_ms must be >= 0, got -5");
  auto wrong = MakeScorer("racing_best_lap",
                          BoardWith(v1::EloParams(), v1::SORT_ORDER_ASCENDING));
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(
      wrong.status().message(),
      HasSubstr(
          "params must be a statstracker.examples.racing.v1.RacingParams"));
}

TEST(RacingStats, LapsDistanceBestAndAverage) {
  auto handler = MakeHandler("racing", RacingParams());
  ASSERT_TRUE(handler.ok()) << handler.status();
  absl::flat_hash_map<std::string, StatMap> store;
  auto apply = [&](const v1::GameEvent& event) {
    absl::flat_hash_map<std::string, StatMap> current;
    for (const std::string& p : (*handler)->PlayersToRead(event)) {
      if (store.contains(p)) current[p] = store[p];
    }
    auto changes = (*handler)->Apply(event, current);
    ASSERT_TRUE(changes.ok()) << changes.status();
    for (const StatChange& c : *changes) {
      for (const auto& [name, value] : c.values)
        store[c.player_id][name] = value;
    }
  };
  apply(Lap("ann", 82000, "monza", 5793));
  apply(Lap("ann", 80000, "monza", 5793));
  apply(Lap("ann", 70000, "monza", 5000, /*invalidated=*/true));
  apply(Lap("ann", 140000, "spa", 7004));

  const StatMap& ann = store["ann"];
  EXPECT_EQ(ann.at("laps").int_value(), 4);
  EXPECT_EQ(ann.at("best_lap_ms").int_value(), 80000);
  EXPECT_DOUBLE_EQ(ann.at("total_distance_m").double_value(),
                   5793 + 5793 + 5000 + 7004);
  EXPECT_EQ(ann.at("total_lap_ms").int_value(), 372000);
  EXPECT_FALSE(ann.contains("avg_lap_ms"));
  StatMap read = ann;
  (*handler)->Derive(&read);
  EXPECT_DOUBLE_EQ(read.at("avg_lap_ms").double_value(), 93000);

  std::vector<StatSpec> specs = (*handler)->Stats();
  ASSERT_EQ(specs.size(), 5u);
  EXPECT_EQ(specs[4].name, "avg_lap_ms");
  EXPECT_TRUE(specs[4].derived);
}

TEST(RacingStats, TrackFilter) {
  auto handler =
      MakeHandler("racing", ParseText<RacingParams>(R"pb(track_id: "spa")pb"));
  ASSERT_TRUE(handler.ok()) << handler.status();
  auto monza = (*handler)->Apply(Lap("ann", 80000, "monza"), {});
  ASSERT_TRUE(monza.ok());
  EXPECT_TRUE(monza->empty());
  auto spa = (*handler)->Apply(Lap("ann", 140000, "spa"), {});
  ASSERT_TRUE(spa.ok());
  ASSERT_EQ(spa->size(), 1u);
  EXPECT_EQ((*spa)[0].values.at("best_lap_ms").int_value(), 140000);
}

// Both plugins declare the custom type they act on, so the worker
// dead-letters (rather than drops) laps of a game without them.
TEST(RacingExample, BothPluginsDeclareLapCompleted) {
  const std::vector<std::string> lap = {
      "statstracker.examples.racing.v1.LapCompleted"};
  EXPECT_EQ(BestLap("")->CustomEventTypes(), lap);
  auto handler = MakeHandler("racing", RacingParams());
  ASSERT_TRUE(handler.ok()) << handler.status();
  EXPECT_EQ((*handler)->CustomEventTypes(), lap);
}

// The sample config parses, and every plugin in it builds from the registry.
TEST(RacingExample, SampleConfigBuilds) {
  std::ifstream in("plugins/examples/racing/racing_game.textproto");
  ASSERT_TRUE(in) << "sample config not in the test's runfiles";
  std::stringstream text;
  text << in.rdbuf();
  v1::GameConfig game = ParseText<v1::GameConfig>(text.str());
  EXPECT_EQ(game.game_id(), "racer");
  ASSERT_EQ(game.leaderboards_size(), 2);
  for (const v1::LeaderboardConfig& board : game.leaderboards()) {
    const ScorerFactory* factory = ScorerRegistry::Get().Find(board.scorer());
    ASSERT_NE(factory, nullptr) << board.scorer();
    auto scorer = (*factory)(board);
    EXPECT_TRUE(scorer.ok())
        << board.leaderboard_id() << ": " << scorer.status();
  }
  ASSERT_EQ(game.stats_size(), 1);
  const StatsHandlerFactory* factory =
      StatsHandlerRegistry::Get().Find(game.stats(0).handler());
  ASSERT_NE(factory, nullptr);
  auto handler = (*factory)(game.stats(0));
  ASSERT_TRUE(handler.ok()) << handler.status();
  // min_lap_time_ms: 20000 from the file is in effect.
  EXPECT_FALSE((*handler)->Apply(Lap("ann", 1000), {}).ok());
}

TEST(RacingStats, TotalsThatOverflowRejectTheLap) {
  auto handler = MakeHandler("racing", RacingParams());
  ASSERT_TRUE(handler.ok()) << handler.status();
  absl::flat_hash_map<std::string, StatMap> current;
  current["ann"]["total_lap_ms"].set_int_value(INT64_MAX - 10);
  auto time = (*handler)->Apply(Lap("ann", 82000), current);
  ASSERT_FALSE(time.ok());
  EXPECT_EQ(time.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(time.status().message(),
              HasSubstr("custom.lap_time_ms: adding 82000 to the stored "
                        "total 9223372036854775797 overflows"));

  current["ann"].clear();
  current["ann"]["total_distance_m"].set_double_value(1.7e308);
  auto distance = (*handler)->Apply(Lap("ann", 82000, "monza", 1e308), current);
  ASSERT_FALSE(distance.ok());
  EXPECT_THAT(distance.status().message(),
              HasSubstr("custom.distance_m: adding 1e+308 to the stored "
                        "total 1.7e+308 overflows"));
}

}  // namespace
}  // namespace statstracker
