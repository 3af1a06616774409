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

std::unique_ptr<Scorer> Make() {
  auto scorer = MakeScorer("win_count", BoardWith(v1::WinCountParams()));
  EXPECT_TRUE(scorer.ok()) << scorer.status();
  return scorer.ok() ? *std::move(scorer) : nullptr;
}

TEST(WinCount, WinnerGainsOneNewLoserEntersWithZero) {
  auto scorer = Make();
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" outcome: OUTCOME_WIN }
      participants { player_id: "bob" outcome: OUTCOME_LOSS }
    })pb");
  States current;
  current["ann"].score = 4;
  auto changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ((*changes)[0].player_id, "ann");
  EXPECT_EQ((*changes)[0].state.score, 5);
  EXPECT_EQ((*changes)[1].player_id, "bob");
  EXPECT_EQ((*changes)[1].state.score, 0);

  // A loser already on the board is left alone.
  current["bob"].score = 2;
  changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].player_id, "ann");
}

TEST(WinCount, DrawsAreNotWins) {
  auto scorer = Make();
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" outcome: OUTCOME_DRAW }
      participants { player_id: "bob" outcome: OUTCOME_DRAW }
    })pb");
  States current;
  current["ann"].score = 1;
  current["bob"].score = 1;
  auto changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->empty());
}

TEST(WinCount, OutcomeDerivedFromPlacement) {
  auto scorer = Make();
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" placement: 2 }
      participants { player_id: "bob" placement: 1 }
      participants { player_id: "cat" placement: 3 }
    })pb");
  States current;
  current["ann"].score = 1;
  current["bob"].score = 1;
  current["cat"].score = 1;
  auto changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].player_id, "bob");
  EXPECT_EQ((*changes)[0].state.score, 2);
}

TEST(WinCount, ScoreSubmissionsAreIgnored) {
  auto scorer = Make();
  auto event = ParseText<v1::GameEvent>(
      R"pb(score_submitted { player_id: "ann" score: 10 })pb");
  EXPECT_TRUE(scorer->PlayersToRead(event).empty());
  auto changes = scorer->Score(event, {});
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->empty());
}

TEST(WinCount, RejectsMatchesWithoutResults) {
  auto scorer = Make();
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" outcome: OUTCOME_WIN }
      participants { player_id: "bob" }
    })pb");
  auto changes = scorer->Score(event, {});
  ASSERT_FALSE(changes.ok());
  EXPECT_EQ(changes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(changes.status().message(),
              HasSubstr("match_completed.participants[1] (player 'bob'): "
                        "needs an outcome or a placement"));
}

TEST(WinCount, ParamsOfTheWrongType) {
  auto wrong = MakeScorer("win_count", BoardWith(v1::EloParams()));
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(),
              HasSubstr("params must be a statstracker.v1.WinCountParams"));
}

}  // namespace
}  // namespace statstracker
