#include "plugins/stats/declarative.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/stats_handler.h"
#include "plugins/testing_util.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace {

using plugin_testing::MakeHandler;
using plugin_testing::ParseText;
using ::testing::HasSubstr;
using Store = absl::flat_hash_map<std::string, StatMap>;

constexpr char kChess[] = R"pb(
  stats {
    name: "played"
    count {}
  }
  stats {
    name: "wins"
    count { outcome: OUTCOME_WIN }
  }
  stats {
    name: "losses"
    count { outcome: OUTCOME_LOSS }
  }
  stats {
    name: "draws"
    count { outcome: OUTCOME_DRAW }
  }
  stats {
    name: "win_streak"
    streak { kind: KIND_CURRENT }
  }
  stats {
    name: "best_streak"
    streak { kind: KIND_BEST }
  }
  stats {
    name: "win_rate"
    ratio { numerator: "wins" denominator: "played" }
  }
  stats {
    name: "total_score"
    aggregate { field: "score" op: OP_SUM integer: true }
  }
  stats {
    name: "top_score"
    aggregate { field: "score" op: OP_MAX }
  }
  stats {
    name: "fastest_ms"
    aggregate { field: "time_ms" op: OP_MIN integer: true }
  }
  stats {
    name: "last_kills"
    aggregate { field: "kills" op: OP_LAST }
  }
)pb";

std::unique_ptr<StatsHandler> Make(const std::string& params) {
  auto handler =
      MakeHandler("declarative", ParseText<v1::DeclarativeStatsParams>(params));
  EXPECT_TRUE(handler.ok()) << handler.status();
  return handler.ok() ? *std::move(handler) : nullptr;
}

// Applies `event` and merges the changes into `store`, as the worker does.
// Returns the changes.
std::vector<StatChange> Apply(const StatsHandler& handler,
                              const std::string& event_text, Store* store) {
  auto event = ParseText<v1::GameEvent>(event_text);
  Store current;
  for (const std::string& player : handler.PlayersToRead(event)) {
    auto it = store->find(player);
    if (it != store->end()) current[player] = it->second;
  }
  auto changes = handler.Apply(event, current);
  EXPECT_TRUE(changes.ok()) << changes.status();
  if (!changes.ok()) return {};
  for (const StatChange& change : *changes) {
    for (const auto& [name, value] : change.values) {
      (*store)[change.player_id][name] = value;
    }
  }
  return *changes;
}

std::string Duel(const char* a_outcome, const char* b_outcome) {
  return absl::StrCat(
      "match_completed { participants { player_id: \"ann\" outcome: ",
      a_outcome, " } participants { player_id: \"bob\" outcome: ", b_outcome,
      " } }");
}

int64_t Int(const Store& store, const std::string& player,
            const std::string& stat) {
  const v1::StatValue& v = store.at(player).at(stat);
  EXPECT_EQ(v.value_case(), v1::StatValue::kIntValue) << stat;
  return v.int_value();
}

double Double(const StatMap& stats, const std::string& stat) {
  const v1::StatValue& v = stats.at(stat);
  EXPECT_EQ(v.value_case(), v1::StatValue::kDoubleValue) << stat;
  return v.double_value();
}

TEST(Declarative, StatsListsTypesAndDerived) {
  auto handler = Make(kChess);
  std::vector<StatSpec> specs = handler->Stats();
  ASSERT_EQ(specs.size(), 11u);  // a current streak is defined: no helper
  absl::flat_hash_map<std::string, StatSpec> by_name;
  for (const StatSpec& s : specs) by_name[s.name] = s;
  EXPECT_EQ(by_name["played"].type, StatSpec::Type::kInt);
  EXPECT_EQ(by_name["best_streak"].type, StatSpec::Type::kInt);
  EXPECT_EQ(by_name["total_score"].type, StatSpec::Type::kInt);
  EXPECT_EQ(by_name["top_score"].type, StatSpec::Type::kDouble);
  EXPECT_EQ(by_name["win_rate"].type, StatSpec::Type::kDouble);
  EXPECT_TRUE(by_name["win_rate"].derived);
  EXPECT_FALSE(by_name["wins"].derived);
}

TEST(Declarative, CountsByOutcomeStreaksAndRatio) {
  auto handler = Make(kChess);
  Store store;
  Apply(*handler, Duel("OUTCOME_WIN", "OUTCOME_LOSS"), &store);
  // One match gives every match stat a value, zeros included.
  EXPECT_EQ(Int(store, "bob", "played"), 1);
  EXPECT_EQ(Int(store, "bob", "wins"), 0);
  EXPECT_EQ(Int(store, "bob", "losses"), 1);
  EXPECT_EQ(Int(store, "bob", "win_streak"), 0);
  EXPECT_EQ(Int(store, "bob", "best_streak"), 0);
  Apply(*handler, Duel("OUTCOME_WIN", "OUTCOME_LOSS"), &store);
  Apply(*handler, Duel("OUTCOME_DRAW", "OUTCOME_DRAW"), &store);
  Apply(*handler, Duel("OUTCOME_WIN", "OUTCOME_LOSS"), &store);

  EXPECT_EQ(Int(store, "ann", "played"), 4);
  EXPECT_EQ(Int(store, "ann", "wins"), 3);
  EXPECT_EQ(Int(store, "ann", "losses"), 0);
  EXPECT_EQ(Int(store, "ann", "draws"), 1);
  EXPECT_EQ(Int(store, "ann", "win_streak"), 1);  // reset by the draw
  EXPECT_EQ(Int(store, "ann", "best_streak"), 2);
  EXPECT_EQ(Int(store, "bob", "losses"), 3);
  EXPECT_FALSE(store["ann"].contains("win_rate")) << "ratios are not stored";

  StatMap ann = store["ann"];
  handler->Derive(&ann);
  EXPECT_DOUBLE_EQ(Double(ann, "win_rate"), 0.75);
  StatMap empty;
  handler->Derive(&empty);
  EXPECT_EQ(Double(empty, "win_rate"), 0) << "0 when the denominator is 0";
}

TEST(Declarative, OutcomesDerivedFromPlacement) {
  auto handler = Make(kChess);
  Store store;
  Apply(*handler, R"pb(match_completed {
                         participants { player_id: "ann" placement: 1 }
                         participants { player_id: "bob" placement: 2 }
                         participants { player_id: "cat" placement: 3 }
                       })pb",
        &store);
  EXPECT_EQ(Int(store, "ann", "wins"), 1);
  EXPECT_EQ(Int(store, "bob", "losses"), 1);
  EXPECT_EQ(Int(store, "cat", "losses"), 1);
  EXPECT_EQ(Int(store, "ann", "win_streak"), 1);
}

TEST(Declarative, MatchesWithoutResultsCountOnlyAsPlayed) {
  auto handler = Make(kChess);
  Store store;
  Apply(*handler, Duel("OUTCOME_WIN", "OUTCOME_LOSS"), &store);
  Apply(*handler,
        R"pb(match_completed {
               participants { player_id: "ann" score: 5 }
               participants { player_id: "bob" score: 7 }
             })pb",
        &store);
  EXPECT_EQ(Int(store, "ann", "played"), 2);
  EXPECT_EQ(Int(store, "ann", "wins"), 1);
  EXPECT_EQ(Int(store, "ann", "win_streak"), 1) << "unknown results keep it";
  EXPECT_EQ(Int(store, "ann", "total_score"), 5);
}

TEST(Declarative, AggregatesOfScoreAndValues) {
  auto handler = Make(kChess);
  Store store;
  Apply(
      *handler,
      R"pb(match_completed {
             participants {
               player_id: "ann"
               outcome: OUTCOME_WIN
               score: 10.4
               values { key: "time_ms" value: 81234.6 }
               values { key: "kills" value: 12 }
             }
             participants { player_id: "bob" outcome: OUTCOME_LOSS score: 2.5 }
           })pb",
      &store);
  EXPECT_EQ(Int(store, "ann", "total_score"), 10);  // rounded
  EXPECT_EQ(Int(store, "bob", "total_score"), 3);   // half away from zero
  EXPECT_DOUBLE_EQ(Double(store["ann"], "top_score"), 10.4);
  EXPECT_EQ(Int(store, "ann", "fastest_ms"), 81235);
  EXPECT_DOUBLE_EQ(Double(store["ann"], "last_kills"), 12);
  EXPECT_FALSE(store["bob"].contains("fastest_ms")) << "no time_ms value";
  EXPECT_FALSE(store["bob"].contains("last_kills"));

  auto changes =
      Apply(*handler,
            R"pb(match_completed {
                   participants {
                     player_id: "ann"
                     outcome: OUTCOME_LOSS
                     score: 3
                     values { key: "time_ms" value: 90000 }
                     values { key: "kills" value: 4 }
                   }
                   participants { player_id: "bob" outcome: OUTCOME_WIN }
                 })pb",
            &store);
  EXPECT_EQ(Int(store, "ann", "total_score"), 13);
  EXPECT_DOUBLE_EQ(Double(store["ann"], "top_score"), 10.4);
  EXPECT_EQ(Int(store, "ann", "fastest_ms"), 81235);
  EXPECT_DOUBLE_EQ(Double(store["ann"], "last_kills"), 4);
  // A max or min that is not beaten is not rewritten.
  ASSERT_EQ(changes[0].player_id, "ann");
  EXPECT_FALSE(changes[0].values.contains("top_score"));
  EXPECT_FALSE(changes[0].values.contains("fastest_ms"));
  EXPECT_TRUE(changes[0].values.contains("last_kills"));
}

TEST(Declarative, ScoreSubmissionsCountWhenOutcomeUnspecified) {
  auto handler = Make(kChess);
  Store store;
  auto changes = Apply(*handler,
                       R"pb(score_submitted {
                              player_id: "ann"
                              score: 420
                              values { key: "kills" value: 3 }
                            })pb",
                       &store);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(Int(store, "ann", "played"), 1);
  EXPECT_EQ(Int(store, "ann", "total_score"), 420);
  EXPECT_DOUBLE_EQ(Double(store["ann"], "last_kills"), 3);
  EXPECT_FALSE(store["ann"].contains("wins"))
      << "outcome stats are for matches";
  EXPECT_FALSE(store["ann"].contains("win_streak"));
}

TEST(Declarative, CustomEventsAreIgnored) {
  auto handler = Make(kChess);
  v1::GameEvent event;
  event.mutable_custom()->set_type_url("type.googleapis.com/x.Y");
  EXPECT_TRUE(handler->PlayersToRead(event).empty());
  auto changes = handler->Apply(event, {});
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->empty());
}

TEST(Declarative, BestStreakWithoutCurrentKeepsAHiddenStat) {
  auto handler = Make(R"pb(
    stats {
      name: "best_streak"
      streak { kind: KIND_BEST }
    }
  )pb");
  std::vector<StatSpec> specs = handler->Stats();
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[1].name, declarative::kStreakHelperStat);
  EXPECT_EQ(specs[1].type, StatSpec::Type::kInt);
  EXPECT_FALSE(specs[1].derived);

  Store store;
  for (const char* outcome : {"OUTCOME_WIN", "OUTCOME_WIN", "OUTCOME_WIN",
                              "OUTCOME_LOSS", "OUTCOME_WIN", "OUTCOME_WIN"}) {
    Apply(*handler, Duel(outcome, "OUTCOME_UNSPECIFIED"), &store);
  }
  // bob's outcome was unknown in every match: no streaks for him.
  EXPECT_FALSE(store.contains("bob"));
  EXPECT_EQ(Int(store, "ann", "best_streak"), 3);
  EXPECT_EQ(Int(store, "ann", declarative::kStreakHelperStat), 2);
  StatMap read = store["ann"];
  handler->Derive(&read);
  EXPECT_FALSE(read.contains(declarative::kStreakHelperStat))
      << "queries do not show the helper";
  EXPECT_TRUE(read.contains("best_streak"));
}

TEST(Declarative, UnknownOutcomeValueIsRejected) {
  auto handler = Make(kChess);
  auto event = ParseText<v1::GameEvent>(Duel("OUTCOME_WIN", "OUTCOME_LOSS"));
  event.mutable_match_completed()->mutable_participants(1)->set_outcome(
      static_cast<v1::Outcome>(9));
  auto changes = handler->Apply(event, {});
  ASSERT_FALSE(changes.ok());
  EXPECT_THAT(changes.status().message(),
              HasSubstr("match_completed.participants[1].outcome: unknown "
                        "value 9"));
}

absl::Status FactoryError(const std::string& params) {
  auto handler =
      MakeHandler("declarative", ParseText<v1::DeclarativeStatsParams>(params));
  return handler.ok() ? absl::OkStatus() : handler.status();
}

TEST(Declarative, FactoryValidatesNamesAndKinds) {
  struct Case {
    const char* params;
    const char* message;
  };
  const Case cases[] = {
      {"", "params.stats must define at least one stat"},
      {R"pb(stats {
              name: "Wins"
              count {}
            })pb",
       "params.stats[0] \"Wins\": name must be 1 to 64 characters of "
       "[a-z0-9_]"},
      {R"pb(stats {
              name: ""
              count {}
            })pb",
       "params.stats[0] \"\": name must be 1 to 64 characters"},
      {R"pb(stats {
              name: "a23456789012345678901234567890123456789012345678901234567890123456"
              count {}
            })pb",
       "name must be 1 to 64 characters"},
      {R"pb(stats {
              name: "wins"
              count {}
            }
            stats {
              name: "wins"
              count {}
            })pb",
       "params.stats[1] \"wins\": name is already used by params.stats[0]"},
      {R"pb(stats {
              name: "_streak_current"
              count {}
            })pb",
       "name '_streak_current' is reserved"},
      {R"pb(stats { name: "x" })pb",
       "params.stats[0] \"x\": one of count, aggregate, streak or ratio must "
       "be set"},
      {R"pb(stats {
              name: "x"
              aggregate { field: "score" }
            })pb",
       "aggregate.op must be OP_SUM, OP_MIN, OP_MAX or OP_LAST, got 0"},
      {R"pb(stats {
              name: "x"
              aggregate { field: "Time" op: OP_SUM }
            })pb",
       "aggregate.field must be \"score\" or a values key"},
      {R"pb(stats {
              name: "x"
              streak {}
            })pb",
       "streak.kind must be KIND_CURRENT or KIND_BEST, got 0"},
      {R"pb(stats {
              name: "played"
              count {}
            }
            stats {
              name: "rate"
              ratio { numerator: "wins" denominator: "played" }
            })pb",
       "params.stats[1] \"rate\": ratio.numerator \"wins\" must name a count, "
       "aggregate or streak stat of this handler; they are: played"},
      {R"pb(stats {
              name: "played"
              count {}
            }
            stats {
              name: "r1"
              ratio { numerator: "played" denominator: "played" }
            }
            stats {
              name: "r2"
              ratio { numerator: "played" denominator: "r1" }
            })pb",
       "params.stats[2] \"r2\": ratio.denominator \"r1\" must name"},
  };
  for (const Case& c : cases) {
    absl::Status status = FactoryError(c.params);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.params;
    EXPECT_THAT(status.message(), HasSubstr(c.message)) << c.params;
  }

  v1::DeclarativeStatsParams bad_outcome =
      ParseText<v1::DeclarativeStatsParams>(R"pb(stats {
                                                   name: "x"
                                                   count {}
                                                 })pb");
  bad_outcome.mutable_stats(0)->mutable_count()->set_outcome(
      static_cast<v1::Outcome>(5));
  auto handler = MakeHandler("declarative", bad_outcome);
  ASSERT_FALSE(handler.ok());
  EXPECT_THAT(handler.status().message(),
              HasSubstr("count.outcome: unknown value 5"));

  auto wrong = MakeHandler("declarative", v1::EloParams());
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(
      wrong.status().message(),
      HasSubstr("params must be a statstracker.v1.DeclarativeStatsParams"));
}

// Sums that would overflow reject the event naming the field and value (the
// worker dead-letters it) instead of storing infinity or wrapping an int64.
TEST(Declarative, TotalsThatOverflowRejectTheEvent) {
  auto handler = Make(R"pb(
    stats {
      name: "sum_kills"
      aggregate { field: "kills" op: OP_SUM }
    }
    stats {
      name: "total_score"
      aggregate { field: "score" op: OP_SUM integer: true }
    }
    stats {
      name: "played"
      count {}
    })pb");
  auto event = ParseText<v1::GameEvent>(R"pb(
    score_submitted {
      player_id: "ann"
      score: 1
      values { key: "kills" value: 1e308 }
    })pb");
  Store current;
  current["ann"]["sum_kills"].set_double_value(1e308);
  auto sum = handler->Apply(event, current);
  ASSERT_FALSE(sum.ok());
  EXPECT_EQ(sum.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(sum.status().message(),
              HasSubstr("score_submitted.values[\"kills\"]: adding 1e+308 to "
                        "the stored total 1e+308 overflows"));

  current["ann"].clear();
  current["ann"]["total_score"].set_int_value(INT64_MAX - 1);
  auto integer = handler->Apply(ParseText<v1::GameEvent>(R"pb(score_submitted {
                                                                player_id: "ann"
                                                                score: 10
                                                              })pb"),
                                current);
  ASSERT_FALSE(integer.ok());
  EXPECT_THAT(integer.status().message(),
              HasSubstr("score_submitted.score: 9.22337e+18 is not an "
                        "integer within"));

  auto huge = handler->Apply(ParseText<v1::GameEvent>(R"pb(score_submitted {
                                                             player_id: "bob"
                                                             score: 1e300
                                                           })pb"),
                             {});
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.status().message(),
              HasSubstr("score_submitted.score: 1e+300 is not an integer"));

  current["ann"].clear();
  current["ann"]["played"].set_int_value(INT64_MAX);
  auto count = handler->Apply(ParseText<v1::GameEvent>(R"pb(score_submitted {
                                                              player_id: "ann"
                                                              score: 1
                                                            })pb"),
                              current);
  ASSERT_FALSE(count.ok());
  EXPECT_THAT(count.status().message(),
              HasSubstr("score_submitted: adding 1 to the stored total "
                        "9223372036854775807 overflows"));
}

// In a match the error names the participant whose total would overflow:
// its count (participants[1]) or its current streak (participants[0]'s
// outcome).
TEST(Declarative, MatchTotalsThatOverflowNameTheParticipant) {
  auto handler = Make(kChess);
  auto match = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" outcome: OUTCOME_WIN }
      participants { player_id: "bob" outcome: OUTCOME_LOSS }
    })pb");
  Store current;
  current["ann"]["win_streak"].set_int_value(INT64_MAX);
  auto streak = handler->Apply(match, current);
  ASSERT_FALSE(streak.ok());
  EXPECT_THAT(streak.status().message(),
              HasSubstr("match_completed.participants[0].outcome: adding 1 "
                        "to the stored total 9223372036854775807 overflows"));

  current.clear();
  current["bob"]["played"].set_int_value(INT64_MAX);
  auto played = handler->Apply(match, current);
  ASSERT_FALSE(played.ok());
  EXPECT_THAT(played.status().message(),
              HasSubstr("match_completed.participants[1]: adding 1 to the "
                        "stored total 9223372036854775807 overflows"));
}

TEST(Declarative, RatioThatOverflowsIsLeftOut) {
  auto handler = Make(R"pb(
    stats {
      name: "sum"
      aggregate { field: "score" op: OP_SUM }
    }
    stats {
      name: "tiny"
      aggregate { field: "x" op: OP_LAST }
    }
    stats {
      name: "per_tiny"
      ratio { numerator: "sum" denominator: "tiny" }
    })pb");
  StatMap stats;
  stats["sum"].set_double_value(1e308);
  stats["tiny"].set_double_value(1e-308);
  handler->Derive(&stats);
  EXPECT_FALSE(stats.contains("per_tiny"));
  stats["tiny"].set_double_value(4);
  handler->Derive(&stats);
  EXPECT_DOUBLE_EQ(Double(stats, "per_tiny"), 2.5e307);
}

}  // namespace
}  // namespace statstracker
