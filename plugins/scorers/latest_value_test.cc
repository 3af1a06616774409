#include <cstdint>
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

std::unique_ptr<Scorer> Make() {
  auto scorer = MakeScorer("latest_value", BoardWith(v1::LatestValueParams()));
  EXPECT_TRUE(scorer.ok()) << scorer.status();
  return scorer.ok() ? *std::move(scorer) : nullptr;
}

v1::GameEvent Submit(const std::string& player, double score, int64_t at) {
  v1::GameEvent event;
  event.mutable_occurred_at()->set_seconds(at);
  event.mutable_score_submitted()->set_player_id(player);
  event.mutable_score_submitted()->set_score(score);
  return event;
}

TEST(LatestValue, KeepsTheValueWithTheLatestEventTime) {
  auto scorer = Make();
  auto first = scorer->Score(Submit("ann", 80, 1000), {});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].state.score, 80);
  EXPECT_EQ((*first)[0].state.aux.at("occurred_at"), 1000);

  States current;
  current["ann"] = (*first)[0].state;
  // Newer: replaces, even when lower.
  auto newer = scorer->Score(Submit("ann", 20, 2000), current);
  ASSERT_TRUE(newer.ok());
  ASSERT_EQ(newer->size(), 1u);
  EXPECT_EQ((*newer)[0].state.score, 20);
  EXPECT_EQ((*newer)[0].state.aux.at("occurred_at"), 2000);

  current["ann"] = (*newer)[0].state;
  // Older, arriving late: ignored.
  auto older = scorer->Score(Submit("ann", 99, 1500), current);
  ASSERT_TRUE(older.ok());
  EXPECT_TRUE(older->empty());
}

TEST(LatestValue, SubSecondTimesCount) {
  auto scorer = Make();
  States current;
  current["ann"].score = 1;
  current["ann"].aux["occurred_at"] = 1000.25;
  auto event = Submit("ann", 2, 1000);
  event.mutable_occurred_at()->set_nanos(500000000);
  auto changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_DOUBLE_EQ((*changes)[0].state.aux.at("occurred_at"), 1000.5);
  event.mutable_occurred_at()->set_nanos(100000000);
  changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->empty());
}

TEST(LatestValue, MatchParticipantsScores) {
  auto scorer = Make();
  auto event = ParseText<v1::GameEvent>(R"pb(
    occurred_at { seconds: 50 }
    match_completed {
      participants { player_id: "ann" score: 3 }
      participants { player_id: "bob" score: 4 }
    })pb");
  States current;
  current["bob"].score = 9;
  current["bob"].aux["occurred_at"] = 60;
  auto changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ((*changes)[0].player_id, "ann");
  EXPECT_EQ((*changes)[0].state.score, 3);
}

TEST(LatestValue, RejectsNonFiniteScores) {
  auto scorer = Make();
  auto bad = scorer->Score(
      Submit("ann", std::numeric_limits<double>::infinity(), 1), {});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(),
              HasSubstr("score_submitted.score must be finite, got inf"));
}

}  // namespace
}  // namespace statstracker
