#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/scorer.h"
#include "plugins/testing_util.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace {

using plugin_testing::BoardWith;
using plugin_testing::MakeScorer;
using plugin_testing::ParseText;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;
using States = absl::flat_hash_map<std::string, ScorerState>;

std::unique_ptr<Scorer> Make(const std::string& params_text,
                             v1::SortOrder order) {
  auto scorer =
      MakeScorer("best_score",
                 BoardWith(ParseText<v1::BestScoreParams>(params_text), order));
  EXPECT_TRUE(scorer.ok()) << scorer.status();
  return scorer.ok() ? *std::move(scorer) : nullptr;
}

v1::GameEvent Submit(const std::string& player, double score) {
  v1::GameEvent event;
  event.set_event_id("e");
  event.set_game_id("g");
  event.mutable_score_submitted()->set_player_id(player);
  event.mutable_score_submitted()->set_score(score);
  return event;
}

States State(const std::string& player, double score) {
  States states;
  states[player].score = score;
  return states;
}

TEST(BestScore, FirstScoreEntersTheBoard) {
  auto scorer = Make("", v1::SORT_ORDER_DESCENDING);
  auto changes = scorer->Score(Submit("ann", 120), {});
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].player_id, "ann");
  EXPECT_EQ((*changes)[0].state.score, 120);
  EXPECT_EQ(scorer->PlayersToRead(Submit("ann", 1)),
            std::vector<std::string>{"ann"});
}

TEST(BestScore, HigherIsBetterChangesOnlyOnImprovement) {
  auto scorer = Make("", v1::SORT_ORDER_DESCENDING);
  auto worse = scorer->Score(Submit("ann", 90), State("ann", 100));
  ASSERT_TRUE(worse.ok());
  EXPECT_TRUE(worse->empty());
  auto equal = scorer->Score(Submit("ann", 100), State("ann", 100));
  ASSERT_TRUE(equal.ok());
  EXPECT_TRUE(equal->empty()) << "an equal score keeps the earlier entry";
  auto better = scorer->Score(Submit("ann", 101.5), State("ann", 100));
  ASSERT_TRUE(better.ok());
  ASSERT_EQ(better->size(), 1u);
  EXPECT_EQ((*better)[0].state.score, 101.5);
}

TEST(BestScore, LowerIsBetterWithAscendingBoards) {
  auto scorer = Make("", v1::SORT_ORDER_ASCENDING);
  auto worse = scorer->Score(Submit("ann", 61000), State("ann", 60000));
  ASSERT_TRUE(worse.ok());
  EXPECT_TRUE(worse->empty());
  auto better = scorer->Score(Submit("ann", 59000), State("ann", 60000));
  ASSERT_TRUE(better.ok());
  ASSERT_EQ(better->size(), 1u);
  EXPECT_EQ((*better)[0].state.score, 59000);
}

TEST(BestScore, UnspecifiedSortOrderMeansHigherIsBetter) {
  auto scorer = Make("", v1::SORT_ORDER_UNSPECIFIED);
  auto better = scorer->Score(Submit("ann", 5), State("ann", 4));
  ASSERT_TRUE(better.ok());
  EXPECT_EQ(better->size(), 1u);
}

TEST(BestScore, EachMatchParticipantScoreCounts) {
  auto scorer = Make("", v1::SORT_ORDER_DESCENDING);
  auto event = ParseText<v1::GameEvent>(R"pb(
    event_id: "m1"
    game_id: "g"
    match_completed {
      participants { player_id: "ann" score: 30 }
      participants { player_id: "bob" score: 50 }
      participants { player_id: "cat" score: 10 }
    })pb");
  EXPECT_THAT(scorer->PlayersToRead(event),
              UnorderedElementsAre("ann", "bob", "cat"));
  States current = State("ann", 40);  // ann's 30 does not beat her 40
  current["bob"].score = 20;
  auto changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].player_id, "bob");
  EXPECT_EQ((*changes)[0].state.score, 50);
  EXPECT_EQ((*changes)[1].player_id, "cat");
  EXPECT_EQ((*changes)[1].state.score, 10);
}

TEST(BestScore, CustomEventsAreIgnored) {
  auto scorer = Make("", v1::SORT_ORDER_DESCENDING);
  v1::GameEvent event;
  event.mutable_custom()->set_type_url("type.googleapis.com/x.Y");
  EXPECT_TRUE(scorer->PlayersToRead(event).empty());
  auto changes = scorer->Score(event, {});
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->empty());
}

TEST(BestScore, AcceptedRangeRejectsImplausibleScores) {
  auto scorer =
      Make("min_accepted: 0 max_accepted: 100000", v1::SORT_ORDER_DESCENDING);
  auto high = scorer->Score(Submit("ann", 2e6), {});
  ASSERT_FALSE(high.ok());
  EXPECT_EQ(high.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(high.status().message(), HasSubstr("score_submitted.score"));
  EXPECT_THAT(high.status().message(), HasSubstr("2e+06"));
  EXPECT_THAT(high.status().message(), HasSubstr("[0, 100000]"));

  auto low = scorer->Score(Submit("ann", -1), {});
  ASSERT_FALSE(low.ok());
  EXPECT_THAT(low.status().message(), HasSubstr("-1 is outside"));

  auto edge = scorer->Score(Submit("ann", 100000), {});
  ASSERT_TRUE(edge.ok()) << edge.status();
  EXPECT_EQ(edge->size(), 1u);

  auto match = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" score: 5 }
      participants { player_id: "bob" score: 100001 }
    })pb");
  auto bad = scorer->Score(match, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("match_completed.participants[1].score 100001"));
}

TEST(BestScore, OneSidedRange) {
  auto scorer = Make("max_accepted: 10", v1::SORT_ORDER_DESCENDING);
  auto bad = scorer->Score(Submit("ann", 11), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("[-inf, 10]"));
  EXPECT_TRUE(scorer->Score(Submit("ann", -1e9), {}).ok());
}

TEST(BestScore, RejectsNonFiniteScoresAndMissingPlayers) {
  auto scorer = Make("", v1::SORT_ORDER_DESCENDING);
  auto nan = scorer->Score(Submit("ann", std::nan("")), {});
  ASSERT_FALSE(nan.ok());
  EXPECT_THAT(nan.status().message(),
              HasSubstr("score_submitted.score must be finite"));
  auto nobody = scorer->Score(Submit("", 1), {});
  ASSERT_FALSE(nobody.ok());
  EXPECT_THAT(nobody.status().message(),
              HasSubstr("score_submitted.player_id must be set"));
}

TEST(BestScore, FactoryValidatesParams) {
  auto inverted =
      MakeScorer("best_score",
                 BoardWith(ParseText<v1::BestScoreParams>("min_accepted: 5 "
                                                          "max_accepted: 1")));
  ASSERT_FALSE(inverted.ok());
  EXPECT_EQ(inverted.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(inverted.status().message(),
              HasSubstr("params.min_accepted must be <= params.max_accepted, "
                        "got 5 > 1"));

  v1::BestScoreParams infinite;
  infinite.set_max_accepted(std::numeric_limits<double>::infinity());
  auto inf = MakeScorer("best_score", BoardWith(infinite));
  ASSERT_FALSE(inf.ok());
  EXPECT_THAT(inf.status().message(),
              HasSubstr("params.max_accepted must be finite"));
}

TEST(BestScore, ParamsOfTheWrongTypeNameTheExpectedType) {
  auto wrong = MakeScorer("best_score", BoardWith(v1::EloParams()));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong.status().message(),
              HasSubstr("params must be a statstracker.v1.BestScoreParams"));
  EXPECT_THAT(wrong.status().message(), HasSubstr("statstracker.v1.EloParams"));
}

TEST(BestScore, UnsetParamsMeanDefaults) {
  v1::LeaderboardConfig config;
  config.set_leaderboard_id("high");
  auto scorer = MakeScorer("best_score", config);
  ASSERT_TRUE(scorer.ok()) << scorer.status();
  auto changes = (*scorer)->Score(Submit("ann", 1e12), {});
  ASSERT_TRUE(changes.ok()) << "no range unless configured";
  EXPECT_EQ(changes->size(), 1u);
}

// Board "high" of the arcade demo: equal scores rank the faster run first.
std::unique_ptr<Scorer> WithSecondary(v1::SortOrder secondary_order) {
  v1::LeaderboardConfig config = BoardWith(v1::BestScoreParams());
  config.mutable_secondary()->set_value_key("time_ms");
  config.mutable_secondary()->set_sort_order(secondary_order);
  auto scorer = MakeScorer("best_score", config);
  EXPECT_TRUE(scorer.ok()) << scorer.status();
  return scorer.ok() ? *std::move(scorer) : nullptr;
}

v1::GameEvent Timed(double score, double time_ms) {
  v1::GameEvent event = Submit("ann", score);
  (*event.mutable_score_submitted()->mutable_values())["time_ms"] = time_ms;
  return event;
}

TEST(BestScore, EqualScoreWithBetterSecondaryImproves) {
  auto scorer = WithSecondary(v1::SORT_ORDER_ASCENDING);
  auto first = scorer->Score(Timed(1000, 60000), {});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].state.aux.at("secondary"), 60000);

  States current;
  current["ann"] = (*first)[0].state;
  auto slower = scorer->Score(Timed(1000, 61000), current);
  ASSERT_TRUE(slower.ok());
  EXPECT_TRUE(slower->empty());
  auto faster = scorer->Score(Timed(1000, 50000), current);
  ASSERT_TRUE(faster.ok());
  ASSERT_EQ(faster->size(), 1u);
  EXPECT_EQ((*faster)[0].state.score, 1000);
  EXPECT_EQ((*faster)[0].state.aux.at("secondary"), 50000);
  // Without the value an equal score does not replace the entry.
  auto untimed = scorer->Score(Submit("ann", 1000), current);
  ASSERT_TRUE(untimed.ok());
  EXPECT_TRUE(untimed->empty());
  // A higher score always wins, whatever its time.
  auto higher = scorer->Score(Timed(1001, 99999), current);
  ASSERT_TRUE(higher.ok());
  ASSERT_EQ(higher->size(), 1u);

  // The stored entry had no time: an equal score with one is better.
  States untimed_best = State("ann", 1000);
  auto timed = scorer->Score(Timed(1000, 70000), untimed_best);
  ASSERT_TRUE(timed.ok());
  EXPECT_EQ(timed->size(), 1u);
}

TEST(BestScore, SecondaryHigherIsBetter) {
  auto scorer = WithSecondary(v1::SORT_ORDER_DESCENDING);
  States current;
  current["ann"].score = 1000;
  current["ann"].aux["secondary"] = 5;
  auto lower = scorer->Score(Timed(1000, 4), current);
  ASSERT_TRUE(lower.ok());
  EXPECT_TRUE(lower->empty());
  auto higher = scorer->Score(Timed(1000, 6), current);
  ASSERT_TRUE(higher.ok());
  EXPECT_EQ(higher->size(), 1u);
}

TEST(BestScore, NoSecondaryConfiguredIgnoresValues) {
  auto scorer = Make("", v1::SORT_ORDER_DESCENDING);
  auto changes = scorer->Score(Timed(1000, 1), State("ann", 1000));
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->empty());
  auto first = scorer->Score(Timed(1000, 1), {});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 1u);
  EXPECT_TRUE((*first)[0].state.aux.empty());
}

TEST(BestScore, HasNoSoftReset) {
  // No initial state to move toward: soft_reset is refused on its boards.
  ScorerState previous;
  previous.score = 1000;
  EXPECT_FALSE(Make("", v1::SORT_ORDER_DESCENDING)
                   ->SoftReset(previous, 0.5)
                   .has_value());
}

}  // namespace
}  // namespace statstracker
