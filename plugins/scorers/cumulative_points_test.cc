#include <limits>
#include <memory>
#include <string>

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
using States = absl::flat_hash_map<std::string, ScorerState>;

std::unique_ptr<Scorer> Make(const std::string& params) {
  auto scorer =
      MakeScorer("cumulative_points",
                 BoardWith(ParseText<v1::CumulativePointsParams>(params)));
  EXPECT_TRUE(scorer.ok()) << scorer.status();
  return scorer.ok() ? *std::move(scorer) : nullptr;
}

const char kWinLoss[] = R"pb(
  match_completed {
    participants { player_id: "ann" outcome: OUTCOME_WIN score: 7 }
    participants { player_id: "bob" outcome: OUTCOME_LOSS score: 2 }
  })pb";

TEST(CumulativePoints, DefaultPointsByOutcome) {
  auto scorer = Make("");
  States current;
  current["ann"].score = 10;
  current["bob"].score = 10;
  auto changes = scorer->Score(ParseText<v1::GameEvent>(kWinLoss), current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  // 3 for the win; the loss adds 0 to a player already on the board.
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].player_id, "ann");
  EXPECT_EQ((*changes)[0].state.score, 13);

  auto draw = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" outcome: OUTCOME_DRAW }
      participants { player_id: "bob" outcome: OUTCOME_DRAW }
    })pb");
  changes = scorer->Score(draw, current);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].state.score, 11);
  EXPECT_EQ((*changes)[1].state.score, 11);
}

TEST(CumulativePoints, ConfiguredPointsAndNewPlayers) {
  auto scorer =
      Make("points_per_win: 2 points_per_draw: 0.5 points_per_loss: -1");
  auto changes = scorer->Score(ParseText<v1::GameEvent>(kWinLoss), {});
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].state.score, 2);
  EXPECT_EQ((*changes)[1].player_id, "bob");
  EXPECT_EQ((*changes)[1].state.score, -1);
}

TEST(CumulativePoints, ScoreSubmissionsIgnoredUnlessAddScore) {
  auto submit = ParseText<v1::GameEvent>(
      R"pb(score_submitted { player_id: "ann" score: 250 })pb");
  auto by_outcome = Make("");
  EXPECT_TRUE(by_outcome->PlayersToRead(submit).empty());
  auto none = by_outcome->Score(submit, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  auto adding = Make("add_score: true");
  States current;
  current["ann"].score = 1000;
  auto changes = adding->Score(submit, current);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].state.score, 1250);
}

TEST(CumulativePoints, AddScoreAddsEachParticipantsScore) {
  auto scorer = Make("add_score: true");
  States current;
  current["bob"].score = 1;
  auto changes = scorer->Score(ParseText<v1::GameEvent>(kWinLoss), current);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].state.score, 7);
  EXPECT_EQ((*changes)[1].state.score, 3);
  // No outcome is needed when adding scores.
  auto plain = ParseText<v1::GameEvent>(R"pb(
    match_completed { participants { player_id: "ann" score: 4 } })pb");
  auto ok = scorer->Score(plain, {});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ((*ok)[0].state.score, 4);
}

TEST(CumulativePoints, ByOutcomeNeedsAnOutcome) {
  auto scorer = Make("");
  auto plain = ParseText<v1::GameEvent>(R"pb(
    match_completed { participants { player_id: "ann" score: 4 } })pb");
  auto bad = scorer->Score(plain, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("match_completed.participants[0] (player 'ann')"));
}

TEST(CumulativePoints, FactoryRejectsNonFinitePoints) {
  v1::CumulativePointsParams params;
  params.set_points_per_draw(std::numeric_limits<double>::quiet_NaN());
  auto bad = MakeScorer("cumulative_points", BoardWith(params));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(),
              HasSubstr("params.points_per_draw must be finite, got nan"));
}

// Two finite scores can sum past the largest double: the event is rejected
// (the worker dead-letters it with this reason) instead of storing +inf.
TEST(CumulativePoints, RejectsTotalsThatOverflow) {
  auto scorer = Make("add_score: true");
  auto big = ParseText<v1::GameEvent>(R"pb(
    score_submitted { player_id: "ann" score: 1e308 })pb");
  States current;
  auto first = scorer->Score(big, current);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 1u);
  current["ann"] = (*first)[0].state;

  auto second = scorer->Score(big, current);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(second.status().message(),
              HasSubstr("score_submitted.score: adding 1e+308 to the stored "
                        "total 1e+308 overflows"));

  current["bob"].score = -1.5e308;
  auto match = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" score: 1 }
      participants { player_id: "bob" score: -1e308 }
    })pb");
  auto in_match = scorer->Score(match, current);
  ASSERT_FALSE(in_match.ok());
  EXPECT_THAT(in_match.status().message(),
              HasSubstr("match_completed.participants[1].score: adding "
                        "-1e+308 to the stored total -1.5e+308 overflows"));
}

TEST(CumulativePoints, OutcomePointsThatOverflowNameTheOutcome) {
  auto scorer = Make("points_per_win: 1e308");
  States current;
  current["ann"].score = 1e308;
  auto changes = scorer->Score(ParseText<v1::GameEvent>(kWinLoss), current);
  ASSERT_FALSE(changes.ok());
  EXPECT_THAT(changes.status().message(),
              HasSubstr("match_completed.participants[0].outcome: adding"));
}

}  // namespace
}  // namespace statstracker
