#include "plugins/scorers/glicko2.h"

#include <cmath>
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

// Glickman, "Example of the Glicko-2 system" (2013), section "Example
// calculation": a player rated 1500, RD 200, volatility 0.06, tau 0.5, plays
// 1400/RD 30 (win), 1550/RD 100 (loss) and 1700/RD 300 (loss) in one period.
// The paper publishes r' = 1464.06, RD' = 151.52, sigma' = 0.05999, from
// mu' = -0.2069 and phi' = 0.8722. It rounds every intermediate value to four
// decimals (g, E, v = 1.7785, Delta = -0.4834), so an unrounded computation
// agrees to within one unit of each published last digit: mu' and phi' to the
// fourth decimal, r' and RD' to the second, sigma' to the fifth.
TEST(Glicko2Update, MatchesGlickmansWorkedExample) {
  glicko2::Rating player{1500, 200, 0.06};
  std::vector<glicko2::Game> games = {
      {1400, 30, 1}, {1550, 100, 0}, {1700, 300, 0}};
  glicko2::Details details;
  glicko2::Rating after =
      glicko2::Update(player, games, /*tau=*/0.5, 0.000001, &details);

  // Step 2.
  EXPECT_DOUBLE_EQ(details.mu, 0);
  EXPECT_NEAR(details.phi, 1.1513, 0.00005);
  // Steps 3 and 4 (paper: 1.7785 and -0.4834 from rounded g and E).
  EXPECT_NEAR(details.v, 1.7785, 0.001);
  EXPECT_NEAR(details.delta, -0.4834, 0.001);
  // Step 5: sigma' = 0.05999.
  EXPECT_NEAR(after.volatility, 0.05999, 0.00001);
  EXPECT_GT(details.iterations, 0);
  // Step 7: mu' = -0.2069, phi' = 0.8722.
  EXPECT_NEAR((after.rating - 1500) / glicko2::kScale, -0.2069, 0.00005);
  EXPECT_NEAR(after.deviation / glicko2::kScale, 0.8722, 0.00005);
  // Step 8: r' = 1464.06, RD' = 151.52.
  EXPECT_NEAR(after.rating, 1464.06, 0.01);
  EXPECT_NEAR(after.deviation, 151.52, 0.01);
}

TEST(Glicko2Update, NoGamesOnlyGrowsTheDeviation) {
  glicko2::Rating player{1500, 200, 0.06};
  glicko2::Rating after = glicko2::Update(player, {}, 0.5);
  EXPECT_EQ(after.rating, 1500);
  EXPECT_EQ(after.volatility, 0.06);
  // sqrt(200^2 + (0.06 * 173.7178)^2) = sqrt(40108.64) = 200.2714
  EXPECT_NEAR(after.deviation, 200.2714, 0.0001);
}

TEST(Glicko2Update, WinAgainstEqualRaisesRatingAndLowersDeviation) {
  glicko2::Rating player{1500, 350, 0.06};
  glicko2::Rating win = glicko2::Update(player, {{1500, 350, 1}}, 0.5);
  glicko2::Rating loss = glicko2::Update(player, {{1500, 350, 0}}, 0.5);
  glicko2::Rating draw = glicko2::Update(player, {{1500, 350, 0.5}}, 0.5);
  EXPECT_GT(win.rating, 1500 + 100);  // a new player moves a lot
  EXPECT_NEAR(win.rating - 1500, 1500 - loss.rating, 1e-9);
  EXPECT_NEAR(draw.rating, 1500, 1e-9);
  EXPECT_LT(win.deviation, 350);
  EXPECT_NEAR(win.deviation, loss.deviation, 1e-9);
}

TEST(Glicko2Update, HopelessMismatchStaysFinite) {
  glicko2::Rating player{1500, 50, 0.06};
  glicko2::Rating after =
      glicko2::Update(player, {{1e7, 30, 0}, {-1e7, 30, 1}}, 0.5);
  EXPECT_TRUE(std::isfinite(after.rating));
  EXPECT_TRUE(std::isfinite(after.deviation));
  EXPECT_TRUE(std::isfinite(after.volatility));
  EXPECT_EQ(after.rating, 1500);
  EXPECT_GT(after.deviation, 50);
}

// Glickman's step for a player who does not compete, once per period:
// RD 200, volatility 0.06 (0.06 * 173.7178 = 10.4231 on the Glicko scale).
// One period: sqrt(200^2 + 10.4231^2) = sqrt(40108.64) = 200.2714; three:
// sqrt(40000 + 3 * 108.64) = sqrt(40325.92) = 200.8131.
TEST(Glicko2Inactivity, DeviationGrowsOncePerPeriodSatOut) {
  glicko2::Rating player{1612, 200, 0.06};
  glicko2::Rating one = glicko2::AfterInactivity(player, 1, 350);
  EXPECT_NEAR(one.deviation, 200.2714, 0.0001);
  EXPECT_NEAR(one.deviation, glicko2::Update(player, {}, 0.5).deviation, 1e-9);
  glicko2::Rating three = glicko2::AfterInactivity(player, 3, 350);
  EXPECT_NEAR(three.deviation, 200.8131, 0.0001);
  EXPECT_EQ(three.rating, 1612);
  EXPECT_EQ(three.volatility, 0.06);
  EXPECT_EQ(glicko2::AfterInactivity(player, 0, 350).deviation, 200);
}

// RD 340 after 100 periods would be sqrt(340^2 + 100 * 108.64) = 355.62;
// a player is never less certain than a new one (RD 350).
TEST(Glicko2Inactivity, DeviationGrowsAtMostToTheInitialOne) {
  glicko2::Rating player{1500, 340, 0.06};
  EXPECT_EQ(glicko2::AfterInactivity(player, 100, 350).deviation, 350);
  EXPECT_NEAR(glicko2::AfterInactivity(player, 100, 400).deviation, 355.62,
              0.01);
  glicko2::Rating above{1500, 360, 0.06};  // already above: not cut back
  EXPECT_EQ(glicko2::AfterInactivity(above, 100, 350).deviation, 360);
}

std::unique_ptr<Scorer> Make(const std::string& params) {
  auto scorer =
      MakeScorer("glicko2", BoardWith(ParseText<v1::Glicko2Params>(params)));
  EXPECT_TRUE(scorer.ok()) << scorer.status();
  return scorer.ok() ? *std::move(scorer) : nullptr;
}

ScorerState StateOf(double rating, double deviation, double volatility) {
  ScorerState state;
  state.score = rating;
  state.aux["deviation"] = deviation;
  state.aux["volatility"] = volatility;
  return state;
}

// The paper's rating period as one free-for-all match: the 1700 and 1550
// players finish ahead of the player, the 1400 player behind.
TEST(Glicko2Scorer, PaperExampleAsOneFreeForAllMatch) {
  auto scorer = Make("tau: 0.5");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "p" placement: 3 }
      participants { player_id: "o1400" placement: 4 }
      participants { player_id: "o1550" placement: 2 }
      participants { player_id: "o1700" placement: 1 }
    })pb");
  States current;
  current["p"] = StateOf(1500, 200, 0.06);
  current["o1400"] = StateOf(1400, 30, 0.06);
  current["o1550"] = StateOf(1550, 100, 0.06);
  current["o1700"] = StateOf(1700, 300, 0.06);
  auto changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 4u);
  const ScoreChange* p = nullptr;
  for (const ScoreChange& c : *changes) {
    if (c.player_id == "p") p = &c;
  }
  ASSERT_NE(p, nullptr);
  EXPECT_NEAR(p->state.score, 1464.06, 0.01);
  EXPECT_NEAR(p->state.aux.at("deviation"), 151.52, 0.01);
  EXPECT_NEAR(p->state.aux.at("volatility"), 0.05999, 0.00001);
}

TEST(Glicko2Scorer, NewPlayersUseTheConfiguredDefaults) {
  auto scorer = Make(
      "initial_rating: 1200 initial_deviation: 300 "
      "initial_volatility: 0.05");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" outcome: OUTCOME_WIN }
      participants { player_id: "bob" outcome: OUTCOME_LOSS }
    })pb");
  auto changes = scorer->Score(event, {});
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u);
  glicko2::Rating expected =
      glicko2::Update({1200, 300, 0.05}, {{1200, 300, 1}}, 0.5);
  EXPECT_EQ((*changes)[0].player_id, "ann");
  EXPECT_DOUBLE_EQ((*changes)[0].state.score, expected.rating);
  EXPECT_DOUBLE_EQ((*changes)[0].state.aux.at("deviation"), expected.deviation);
  EXPECT_DOUBLE_EQ((*changes)[0].state.aux.at("volatility"),
                   expected.volatility);
  EXPECT_NEAR((*changes)[1].state.score, 2400 - expected.rating, 1e-9);
}

TEST(Glicko2Scorer, TeamsRateEachPlayerAgainstTheOpposingPlayers) {
  auto scorer = Make("");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "a" team_id: "red" outcome: OUTCOME_DRAW }
      participants { player_id: "b" team_id: "red" outcome: OUTCOME_DRAW }
      participants { player_id: "c" team_id: "blue" outcome: OUTCOME_DRAW }
    })pb");
  States current;
  current["a"] = StateOf(1600, 80, 0.06);
  current["b"] = StateOf(1450, 120, 0.06);
  current["c"] = StateOf(1500, 60, 0.06);
  auto changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  absl::flat_hash_map<std::string, ScorerState> after;
  for (const ScoreChange& c : *changes) after[c.player_id] = c.state;
  glicko2::Rating a = glicko2::Update({1600, 80, 0.06}, {{1500, 60, 0.5}}, 0.5);
  glicko2::Rating c = glicko2::Update({1500, 60, 0.06},
                                      {{1600, 80, 0.5}, {1450, 120, 0.5}}, 0.5);
  EXPECT_DOUBLE_EQ(after["a"].score, a.rating);
  EXPECT_DOUBLE_EQ(after["c"].score, c.rating);
  EXPECT_LT(after["a"].score, 1600);  // drew with a weaker player
}

constexpr int64_t kDay = 86400;
constexpr int64_t kHour = 3600;

v1::GameEvent DuelAt(int64_t seconds) {
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "p" outcome: OUTCOME_WIN }
      participants { player_id: "q" outcome: OUTCOME_LOSS }
    })pb");
  event.mutable_occurred_at()->set_seconds(seconds);
  return event;
}

// rating_period 1 day: "p" last played on day 10 (at 18:00) and plays again
// on day 14 (at 06:00), so days 11, 12 and 13 were sat out: RD 200 grows to
// 200.8131 (above) before the match is rated. "q" played the day before:
// no growth.
TEST(Glicko2Scorer, RatingPeriodGrowsTheDeviationForPeriodsSatOut) {
  auto scorer = Make("rating_period { seconds: 86400 }");
  EXPECT_THAT(scorer->AuxNames(),
              ::testing::ElementsAre("deviation", "volatility", "rated_at"));
  States current;
  current["p"] = StateOf(1500, 200, 0.06);
  current["p"].aux["rated_at"] = 10 * kDay + 18 * kHour;
  current["q"] = StateOf(1550, 100, 0.06);
  current["q"].aux["rated_at"] = 13 * kDay + 23 * kHour;
  auto changes = scorer->Score(DuelAt(14 * kDay + 6 * kHour), current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  absl::flat_hash_map<std::string, ScorerState> after;
  for (const ScoreChange& c : *changes) after[c.player_id] = c.state;

  const glicko2::Rating p_before{1500, 200.81314956844307, 0.06};
  const glicko2::Rating p = glicko2::Update(p_before, {{1550, 100, 1}}, 0.5);
  const glicko2::Rating q =
      glicko2::Update({1550, 100, 0.06}, {{1500, 200.81314956844307, 0}}, 0.5);
  EXPECT_NEAR(after["p"].score, p.rating, 1e-9);
  EXPECT_NEAR(after["p"].aux.at("deviation"), p.deviation, 1e-9);
  EXPECT_NEAR(after["q"].score, q.rating, 1e-9);
  EXPECT_NEAR(after["q"].aux.at("deviation"), q.deviation, 1e-9);
  EXPECT_EQ(after["p"].aux.at("rated_at"), 14 * kDay + 6 * kHour);

  // Without a rating period the same gap changes nothing (today's
  // behaviour) and no rated_at is kept.
  auto plain = Make("")->Score(DuelAt(14 * kDay + 6 * kHour), current);
  ASSERT_TRUE(plain.ok());
  const glicko2::Rating p_plain =
      glicko2::Update({1500, 200, 0.06}, {{1550, 100, 1}}, 0.5);
  for (const ScoreChange& c : *plain) {
    if (c.player_id != "p") continue;
    EXPECT_DOUBLE_EQ(c.state.score, p_plain.rating);
    EXPECT_DOUBLE_EQ(c.state.aux.at("deviation"), p_plain.deviation);
    EXPECT_FALSE(c.state.aux.contains("rated_at"));
  }
}

// A late event older than the player's last match grows nothing and keeps
// the newer rated_at; a player without rated_at (rated before the period
// was configured) starts counting from this match.
TEST(Glicko2Scorer, RatingPeriodIgnoresLateEventsAndStartsCountingLater) {
  auto scorer = Make("rating_period { seconds: 86400 }");
  States current;
  current["p"] = StateOf(1500, 200, 0.06);
  current["p"].aux["rated_at"] = 30 * kDay;
  current["q"] = StateOf(1550, 100, 0.06);  // no rated_at
  auto changes = scorer->Score(DuelAt(20 * kDay), current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  absl::flat_hash_map<std::string, ScorerState> after;
  for (const ScoreChange& c : *changes) after[c.player_id] = c.state;
  const glicko2::Rating p =
      glicko2::Update({1500, 200, 0.06}, {{1550, 100, 1}}, 0.5);
  EXPECT_DOUBLE_EQ(after["p"].aux.at("deviation"), p.deviation);
  EXPECT_EQ(after["p"].aux.at("rated_at"), 30 * kDay);
  EXPECT_EQ(after["q"].aux.at("rated_at"), 20 * kDay);
}

TEST(Glicko2Scorer, RejectsInvalidMatchesAndIgnoresSubmissions) {
  auto scorer = Make("");
  auto one =
      scorer->Score(ParseText<v1::GameEvent>(R"pb(
                      match_completed {
                        participants { player_id: "a" outcome: OUTCOME_WIN }
                      })pb"),
                    {});
  ASSERT_FALSE(one.ok());
  EXPECT_THAT(one.status().message(), HasSubstr("at least 2 sides"));
  auto submit = ParseText<v1::GameEvent>(
      R"pb(score_submitted { player_id: "a" score: 1 })pb");
  auto none = scorer->Score(submit, {});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(Glicko2Scorer, FactoryValidatesParams) {
  struct Case {
    const char* params;
    const char* message;
  };
  for (const Case& c : {
           Case{"tau: 0.1", "params.tau must be >= 0.2 and <= 1.2, got 0.1"},
           Case{"tau: 1.5", "params.tau must be >= 0.2 and <= 1.2, got 1.5"},
           Case{"initial_deviation: 0",
                "params.initial_deviation must be > 0 and finite, got 0"},
           Case{"initial_volatility: -0.1",
                "params.initial_volatility must be > 0 and finite, got -0.1"},
           Case{"initial_rating: nan",
                "params.initial_rating must be finite, got nan"},
           Case{"rating_period { nanos: 1000 }",
                "params.rating_period must be at least 1s, got 1e-06s"},
           Case{"rating_period { seconds: 0 }",
                "params.rating_period must be at least 1s, got 0s"},
       }) {
    auto scorer = MakeScorer("glicko2",
                             BoardWith(ParseText<v1::Glicko2Params>(c.params)));
    ASSERT_FALSE(scorer.ok()) << c.params;
    EXPECT_EQ(scorer.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(scorer.status().message(), c.message);
  }
  auto wrong = MakeScorer("glicko2", BoardWith(v1::EloParams()));
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(),
              HasSubstr("params must be a statstracker.v1.Glicko2Params"));
}

// A stored volatility so large that the update overflows rejects the event
// instead of putting infinity on the board.
TEST(Glicko2Scorer, UpdatesThatOverflowRejectTheEvent) {
  auto scorer = Make("");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" outcome: OUTCOME_WIN }
      participants { player_id: "bob" outcome: OUTCOME_LOSS }
    })pb");
  absl::flat_hash_map<std::string, ScorerState> current;
  current["ann"].score = 1500;
  current["ann"].aux["deviation"] = 1500;
  current["ann"].aux["volatility"] = 1e300;
  auto changes = scorer->Score(event, current);
  ASSERT_FALSE(changes.ok());
  EXPECT_EQ(changes.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(changes.status().message(),
              HasSubstr("match_completed.participants[0]: the new rating "
                        "must be finite, got "));
}

TEST(Glicko2Scorer, SoftResetMovesRatingAndDeviationKeepsTheRest) {
  auto scorer = Make(
      "initial_rating: 1500 initial_deviation: 350 initial_volatility: 0.06 "
      "rating_period { seconds: 86400 }");
  ScorerState previous;
  previous.score = 1900;
  previous.aux["deviation"] = 50;
  previous.aux["volatility"] = 0.059;
  previous.aux["rated_at"] = 86400 * 20;
  auto next = scorer->SoftReset(previous, 0.25);
  ASSERT_TRUE(next.has_value());
  EXPECT_DOUBLE_EQ(next->score, 1800);               // 1900 - 0.25 * 400
  EXPECT_DOUBLE_EQ(next->aux.at("deviation"), 125);  // 50 + 0.25 * 300
  EXPECT_DOUBLE_EQ(next->aux.at("volatility"), 0.059);
  EXPECT_DOUBLE_EQ(next->aux.at("rated_at"), 86400 * 20);
  auto full = scorer->SoftReset(previous, 1);
  EXPECT_DOUBLE_EQ(full->score, 1500);
  EXPECT_DOUBLE_EQ(full->aux.at("deviation"), 350);
  // A state without aux (e.g. a probe) gets the initial deviation and
  // volatility.
  auto bare = scorer->SoftReset(ScorerState{}, 0.5);
  ASSERT_TRUE(bare.has_value());
  EXPECT_DOUBLE_EQ(bare->score, 750);
  EXPECT_DOUBLE_EQ(bare->aux.at("deviation"), 350);
  EXPECT_DOUBLE_EQ(bare->aux.at("volatility"), 0.06);
}

}  // namespace
}  // namespace statstracker
