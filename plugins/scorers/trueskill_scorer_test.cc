// Scorer "trueskill" through the registry, as the config loader builds it:
// sides and ranks from events, stored state, the conservative rating,
// inactivity and parameter checks. The update itself is checked against
// published values in trueskill_test.cc; here the scorer's results are
// compared with trueskill::Rate on the teams the event describes.

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "plugins/scorer.h"
#include "plugins/scorers/trueskill.h"
#include "plugins/testing_util.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace trueskill {
namespace {

using plugin_testing::BoardWith;
using plugin_testing::MakeScorer;
using plugin_testing::ParseText;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using States = absl::flat_hash_map<std::string, ScorerState>;

constexpr int64_t kDay = 86400;

std::unique_ptr<Scorer> Make(const std::string& params) {
  auto scorer = MakeScorer("trueskill",
                           BoardWith(ParseText<v1::TrueSkillParams>(params)));
  EXPECT_TRUE(scorer.ok()) << scorer.status();
  return scorer.ok() ? *std::move(scorer) : nullptr;
}

ScorerState StateOf(double mu, double sigma) {
  ScorerState state;
  state.score = mu - 3 * sigma;
  state.aux["mu"] = mu;
  state.aux["sigma"] = sigma;
  return state;
}

States ByPlayer(const std::vector<ScoreChange>& changes) {
  States out;
  for (const ScoreChange& c : changes) out[c.player_id] = c.state;
  return out;
}

// Checks one player's new state against an expected rating.
void ExpectState(const States& after, const std::string& player,
                 const Rating& expected, double k = 3) {
  auto it = after.find(player);
  ASSERT_NE(it, after.end()) << player;
  EXPECT_NEAR(it->second.aux.at("mu"), expected.mu, 1e-9) << player;
  EXPECT_NEAR(it->second.aux.at("sigma"), expected.sigma, 1e-9) << player;
  EXPECT_NEAR(it->second.score, expected.mu - k * expected.sigma, 1e-9)
      << player;
}

TEST(TrueSkillScorer, KeepsMuSigmaAndRatedAtInStorageOrder) {
  EXPECT_THAT(Make("")->AuxNames(), ElementsAre("mu", "sigma", "rated_at"));
}

// A 1v1 from fresh ratings ranks by mu - 3 sigma: the winner
// 29.396 - 3 * 7.171 = 7.88, the loser 20.604 - 3 * 7.171 = -0.91.
TEST(TrueSkillScorer, OneVsOneRanksByConservativeRating) {
  auto scorer = Make("");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" outcome: OUTCOME_LOSS }
      participants { player_id: "bob" outcome: OUTCOME_WIN }
    })pb");
  EXPECT_THAT(scorer->PlayersToRead(event), ElementsAre("ann", "bob"));
  auto changes = scorer->Score(event, {});
  ASSERT_TRUE(changes.ok()) << changes.status();
  ASSERT_EQ(changes->size(), 2u);
  States after = ByPlayer(*changes);
  EXPECT_NEAR(after["bob"].aux.at("mu"), 29.396, 1e-3);
  EXPECT_NEAR(after["bob"].aux.at("sigma"), 7.171, 1e-3);
  EXPECT_NEAR(after["bob"].score, 29.396 - 3 * 7.171, 3e-3);
  EXPECT_NEAR(after["ann"].aux.at("mu"), 20.604, 1e-3);
  EXPECT_NEAR(after["ann"].score, 20.604 - 3 * 7.171, 3e-3);
  EXPECT_FALSE(after["bob"].aux.contains("rated_at"));  // inactivity off
}

// Teams by team_id, in any participant order; the stored ratings are used.
TEST(TrueSkillScorer, TeamsFromTeamIdUseStoredRatings) {
  auto scorer = Make("");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "c" team_id: "blue" outcome: OUTCOME_WIN }
      participants { player_id: "a" team_id: "red" outcome: OUTCOME_LOSS }
      participants { player_id: "d" team_id: "blue" outcome: OUTCOME_WIN }
      participants { player_id: "b" team_id: "red" outcome: OUTCOME_LOSS }
    })pb");
  States current;
  current["a"] = StateOf(20, 8);
  current["b"] = StateOf(25, 6);
  current["c"] = StateOf(35, 7);
  current["d"] = StateOf(40, 5);
  auto changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  States after = ByPlayer(*changes);
  // The red team (a, b) lost to blue (c, d): [Lee] test_upset's 2 vs 2 the
  // other way round, computed here by Rate on the same teams.
  auto expected =
      Rate({Team{{{35, 7}, {40, 5}}, 0}, Team{{{20, 8}, {25, 6}}, 1}},
           Environment());
  ASSERT_TRUE(expected.ok());
  ExpectState(after, "c", (*expected)[0][0]);
  ExpectState(after, "d", (*expected)[0][1]);
  ExpectState(after, "a", (*expected)[1][0]);
  ExpectState(after, "b", (*expected)[1][1]);
  EXPECT_LT(after["a"].aux.at("mu"), 20);  // the favourites' loss is small
}

// Free-for-all by placement, equal placements drawing: the fresh 4-player
// case of trueskill_test.cc, placements 1, 2, 2, 3.
TEST(TrueSkillScorer, PlacementTiesAreDraws) {
  auto scorer = Make("");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "w" placement: 1 }
      participants { player_id: "x" placement: 2 }
      participants { player_id: "y" placement: 2 }
      participants { player_id: "z" placement: 3 }
    })pb");
  auto changes = scorer->Score(event, {});
  ASSERT_TRUE(changes.ok()) << changes.status();
  States after = ByPlayer(*changes);
  EXPECT_NEAR(after["w"].aux.at("mu"), 31.563972, 1e-5);
  EXPECT_NEAR(after["x"].aux.at("mu"), 24.993094, 1e-5);
  EXPECT_NEAR(after["y"].aux.at("mu"), 25.006906, 1e-5);
  EXPECT_NEAR(after["z"].aux.at("mu"), 18.436028, 1e-5);
  EXPECT_NEAR(after["z"].aux.at("sigma"), 6.404703, 1e-5);
}

// Without placements, outcomes rank the sides: wins before draws before
// losses, so here (3v2v1 teams) red won, green drew, blue lost.
TEST(TrueSkillScorer, OutcomesRankWinsBeforeDrawsBeforeLosses) {
  auto scorer = Make("");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "b1" team_id: "blue" outcome: OUTCOME_LOSS }
      participants { player_id: "r1" team_id: "red" outcome: OUTCOME_WIN }
      participants { player_id: "g1" team_id: "green" outcome: OUTCOME_DRAW }
      participants { player_id: "r2" team_id: "red" outcome: OUTCOME_WIN }
      participants { player_id: "g2" team_id: "green" outcome: OUTCOME_DRAW }
      participants { player_id: "r3" team_id: "red" outcome: OUTCOME_WIN }
    })pb");
  auto changes = scorer->Score(event, {});
  ASSERT_TRUE(changes.ok()) << changes.status();
  States after = ByPlayer(*changes);
  auto expected = Rate({Team{{Rating{}}, 2}, Team{std::vector<Rating>(3), 0},
                        Team{std::vector<Rating>(2), 1}},
                       Environment());
  ASSERT_TRUE(expected.ok());
  ExpectState(after, "b1", (*expected)[0][0]);
  ExpectState(after, "r1", (*expected)[1][0]);
  ExpectState(after, "r3", (*expected)[1][2]);
  ExpectState(after, "g2", (*expected)[2][1]);
  // ts-trueskill 5.1.0, rate([[R(),R(),R()], [R(),R()], [R()]], [0, 1, 2]).
  EXPECT_NEAR(after["r1"].aux.at("mu"), 25.849019, 1e-5);
  EXPECT_NEAR(after["g1"].aux.at("mu"), 24.835959, 1e-5);
  EXPECT_NEAR(after["b1"].aux.at("mu"), 24.315023, 1e-5);
}

TEST(TrueSkillScorer, ParamsSetTheModelAndTheConservativeK) {
  auto scorer = Make(
      "initial_mu: 1200 initial_sigma: 400 beta: 200 tau: 4 "
      "draw_probability: 0.03 conservative_k: 2");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "a" outcome: OUTCOME_WIN }
      participants { player_id: "b" outcome: OUTCOME_LOSS }
    })pb");
  States current;
  current["b"] = StateOf(1188.7560, 42.5570);
  auto changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  Environment env{200, 4, 0.03};
  auto expected =
      Rate({Team{{{1200, 400}}, 0}, Team{{{1188.7560, 42.5570}}, 1}}, env);
  ASSERT_TRUE(expected.ok());
  States after = ByPlayer(*changes);
  ExpectState(after, "a", (*expected)[0][0], 2);
  ExpectState(after, "b", (*expected)[1][0], 2);
}

// [Moser] TwoPlayerChessTestNotDrawn, through the scorer: a chess-like
// scale (mu 1200, sigma 400, beta 200, tau 4, draw probability 0.03),
// 1301.0007/42.9232 beats 1188.7560/42.5570, published as
// 1304.7820836053318/42.843513887848658 and
// 1185.0383099003536/42.485604606897752.
TEST(TrueSkillScorer, MatchesMosersChessExample) {
  auto scorer = Make(
      "initial_mu: 1200 initial_sigma: 400 beta: 200 tau: 4 "
      "draw_probability: 0.03");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "a" placement: 1 }
      participants { player_id: "b" placement: 2 }
    })pb");
  States current;
  current["a"] = StateOf(1301.0007, 42.9232);
  current["b"] = StateOf(1188.7560, 42.5570);
  auto changes = scorer->Score(event, current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  States after = ByPlayer(*changes);
  EXPECT_NEAR(after["a"].aux.at("mu"), 1304.7820836053318, 1e-3);
  EXPECT_NEAR(after["a"].aux.at("sigma"), 42.843513887848658, 1e-3);
  EXPECT_NEAR(after["b"].aux.at("mu"), 1185.0383099003536, 1e-3);
  EXPECT_NEAR(after["b"].aux.at("sigma"), 42.485604606897752, 1e-3);
}

v1::GameEvent DuelAt(int64_t seconds) {
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "old" outcome: OUTCOME_WIN }
      participants { player_id: "new" outcome: OUTCOME_LOSS }
    })pb");
  event.mutable_occurred_at()->set_seconds(seconds);
  return event;
}

// inactivity_period 1 day, tau 1/12: "old" was last rated on day 100 at
// noon and plays on day 111, so days 101..110 were sat out: sigma 2 grows to
// sqrt(2^2 + 10 / 144) = sqrt(4.069444) = 2.017286 before the match.
TEST(TrueSkillScorer, InactivityGrowsSigmaByTauPerPeriodSatOut) {
  auto scorer =
      Make("tau: 0.0833333333333333 inactivity_period { seconds: 86400 }");
  States current;
  current["old"] = StateOf(30, 2);
  current["old"].aux["rated_at"] = 100.5 * kDay;
  auto changes = scorer->Score(DuelAt(111 * kDay + 3600), current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  Environment env;
  env.tau = 0.0833333333333333;
  const double grown = std::sqrt(4.0 + 10 * env.tau * env.tau);
  EXPECT_NEAR(grown, 2.017286, 1e-6);
  auto expected = Rate({Team{{{30, grown}}, 0}, Team{{Rating{}}, 1}}, env);
  ASSERT_TRUE(expected.ok());
  States after = ByPlayer(*changes);
  ExpectState(after, "old", (*expected)[0][0]);
  EXPECT_EQ(after["old"].aux.at("rated_at"), 111 * kDay + 3600);
  EXPECT_EQ(after["new"].aux.at("rated_at"), 111 * kDay + 3600);

  // The next day: no period sat out, so no growth.
  auto next = scorer->Score(DuelAt(101 * kDay), current);
  ASSERT_TRUE(next.ok());
  auto same = Rate({Team{{{30, 2}}, 0}, Team{{Rating{}}, 1}}, env);
  ASSERT_TRUE(same.ok());
  ExpectState(ByPlayer(*next), "old", (*same)[0][0]);
}

TEST(TrueSkillScorer, InactivityGrowsAtMostToTheInitialSigma) {
  auto scorer = Make("inactivity_period { seconds: 3600 }");
  States current;
  current["old"] = StateOf(30, 2);
  current["old"].aux["rated_at"] = 0;
  // 10 years of hourly periods: sqrt(4 + 87,600 * (25/300)^2) = 24.7 would
  // exceed 25/3, so the growth stops there.
  auto changes = scorer->Score(DuelAt(3650 * kDay), current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  auto expected =
      Rate({Team{{{30, 25.0 / 3}}, 0}, Team{{Rating{}}, 1}}, Environment());
  ASSERT_TRUE(expected.ok());
  ExpectState(ByPlayer(*changes), "old", (*expected)[0][0]);
}

// Off by default: however long the gap, sigma does not grow, and a late
// older event keeps the newest rated_at when on.
TEST(TrueSkillScorer, InactivityOffByDefaultAndRatedAtNeverMovesBack) {
  States current;
  current["old"] = StateOf(30, 2);
  current["old"].aux["rated_at"] = 0;
  auto off = Make("")->Score(DuelAt(3650 * kDay), current);
  ASSERT_TRUE(off.ok());
  auto expected =
      Rate({Team{{{30, 2}}, 0}, Team{{Rating{}}, 1}}, Environment());
  ASSERT_TRUE(expected.ok());
  ExpectState(ByPlayer(*off), "old", (*expected)[0][0]);

  current["old"].aux["rated_at"] = 50 * kDay;
  auto late = Make("inactivity_period { seconds: 86400 }")
                  ->Score(DuelAt(10 * kDay), current);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(ByPlayer(*late)["old"].aux.at("rated_at"), 50 * kDay);
  ExpectState(ByPlayer(*late), "old", (*expected)[0][0]);
}

// Far-apart ratings: a 2,000,000-point upset (a third of a million betas)
// is still rated, in the direction the result says, and stays finite.
TEST(TrueSkillScorer, HugeUpsetStaysFinite) {
  auto scorer = Make("");
  States current;
  current["old"] = StateOf(-1e6, 0.5);
  current["new"] = StateOf(1e6, 0.5);
  auto changes = scorer->Score(DuelAt(0), current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  States after = ByPlayer(*changes);
  for (const char* player : {"old", "new"}) {
    EXPECT_TRUE(std::isfinite(after[player].score)) << player;
    EXPECT_GT(after[player].aux.at("sigma"), 0) << player;
    EXPECT_LE(after[player].aux.at("sigma"), 0.51) << player;
  }
  EXPECT_GT(after["old"].aux.at("mu"), -1e6);
  EXPECT_LT(after["new"].aux.at("mu"), 1e6);
}

// An update that leaves double precision (here: a sigma whose variance
// overflows) does not reject the event: mu stays and sigma grows by the
// dynamics alone, as for a match that says nothing.
TEST(TrueSkillScorer, UpdateOutsideDoublePrecisionKeepsRatings) {
  auto scorer = Make("");
  States current;
  current["old"] = StateOf(25, 1e200);
  auto changes = scorer->Score(DuelAt(0), current);
  ASSERT_TRUE(changes.ok()) << changes.status();
  States after = ByPlayer(*changes);
  EXPECT_EQ(after["old"].aux.at("mu"), 25);
  EXPECT_EQ(after["old"].aux.at("sigma"), 1e200);
  EXPECT_EQ(after["new"].aux.at("mu"), 25);
  EXPECT_NEAR(after["new"].aux.at("sigma"), std::hypot(25.0 / 3, 25.0 / 300),
              1e-12);
}

TEST(TrueSkillScorer, RejectsBadMatchesAndIgnoresSubmissions) {
  auto scorer = Make("");
  auto one = scorer->Score(ParseText<v1::GameEvent>(R"pb(
                             match_completed {
                               participants { player_id: "a" team_id: "t" }
                               participants { player_id: "b" team_id: "t" }
                             })pb"),
                           {});
  ASSERT_FALSE(one.ok());
  EXPECT_THAT(one.status().message(), HasSubstr("at least 2 sides"));
  auto conflict = scorer->Score(
      ParseText<v1::GameEvent>(R"pb(
        match_completed {
          participants { player_id: "a" team_id: "t" outcome: OUTCOME_WIN }
          participants { player_id: "b" team_id: "t" outcome: OUTCOME_LOSS }
          participants { player_id: "c" outcome: OUTCOME_LOSS }
        })pb"),
      {});
  ASSERT_FALSE(conflict.ok());
  EXPECT_THAT(conflict.status().message(),
              HasSubstr("a team shares one result"));
  auto submit =
      scorer->Score(ParseText<v1::GameEvent>(
                        R"pb(score_submitted { player_id: "a" score: 1 })pb"),
                    {});
  ASSERT_TRUE(submit.ok());
  EXPECT_TRUE(submit->empty());
}

TEST(TrueSkillScorer, DrawsNeedADrawProbability) {
  auto scorer = Make("draw_probability: 0");
  auto draw = scorer->Score(ParseText<v1::GameEvent>(R"pb(
                              match_completed {
                                participants { player_id: "a" placement: 1 }
                                participants { player_id: "b" placement: 2 }
                                participants { player_id: "c" placement: 2 }
                              })pb"),
                            {});
  ASSERT_FALSE(draw.ok());
  EXPECT_EQ(draw.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(draw.status().message(),
            "match_completed.participants[2] (player 'c') drew with "
            "participants[1] (player 'b'), but this board's "
            "params.draw_probability is 0, so TrueSkill cannot rate a draw; "
            "set draw_probability > 0 or report a winner");
  auto win = scorer->Score(DuelAt(0), {});
  EXPECT_TRUE(win.ok()) << win.status();
}

TEST(TrueSkillScorer, FactoryValidatesParams) {
  struct Case {
    const char* params;
    const char* message;
  };
  for (const Case& c : {
           Case{"initial_mu: inf", "params.initial_mu must be finite, got inf"},
           Case{"initial_sigma: 0",
                "params.initial_sigma must be > 0 and finite, got 0"},
           Case{"beta: -1", "params.beta must be > 0 and finite, got -1"},
           Case{"tau: -0.5", "params.tau must be >= 0 and finite, got -0.5"},
           Case{"draw_probability: 1",
                "params.draw_probability must be >= 0 and < 1, got 1"},
           Case{"draw_probability: nan",
                "params.draw_probability must be >= 0 and < 1, got nan"},
           Case{"conservative_k: 11",
                "params.conservative_k must be >= 0 and <= 10, got 11"},
           Case{"inactivity_period { nanos: 500000000 }",
                "params.inactivity_period must be at least 1s, got 0.5s"},
           Case{"inactivity_period { seconds: -60 }",
                "params.inactivity_period must be at least 1s, got -60s"},
       }) {
    auto scorer = MakeScorer(
        "trueskill", BoardWith(ParseText<v1::TrueSkillParams>(c.params)));
    ASSERT_FALSE(scorer.ok()) << c.params;
    EXPECT_EQ(scorer.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(scorer.status().message(), c.message);
  }
  auto wrong = MakeScorer("trueskill", BoardWith(v1::EloParams()));
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(),
              HasSubstr("params must be a statstracker.v1.TrueSkillParams"));
  EXPECT_TRUE(MakeScorer("trueskill",
                         BoardWith(ParseText<v1::TrueSkillParams>(
                             "draw_probability: 0 conservative_k: 0 tau: 0 "
                             "inactivity_period { seconds: 1 }")))
                  .ok());
}

TEST(TrueSkillScorer, SoftResetMovesMuAndSigmaAndTheConservativeRating) {
  auto scorer = Make("initial_mu: 25 initial_sigma: 8 conservative_k: 2");
  ScorerState previous = StateOf(37, 2);
  previous.aux["rated_at"] = 1000;
  auto next = scorer->SoftReset(previous, 0.25);
  ASSERT_TRUE(next.has_value());
  EXPECT_DOUBLE_EQ(next->aux.at("mu"), 34);      // 37 - 0.25 * 12
  EXPECT_DOUBLE_EQ(next->aux.at("sigma"), 3.5);  // 2 + 0.25 * 6
  EXPECT_DOUBLE_EQ(next->score, 34 - 2 * 3.5);
  EXPECT_DOUBLE_EQ(next->aux.at("rated_at"), 1000);
  auto full = scorer->SoftReset(previous, 1);
  EXPECT_DOUBLE_EQ(full->aux.at("mu"), 25);
  EXPECT_DOUBLE_EQ(full->aux.at("sigma"), 8);
  EXPECT_DOUBLE_EQ(full->score, 25 - 16);
  // Without mu and sigma the belief is a new player's: stays there.
  auto bare = scorer->SoftReset(ScorerState{}, 0.4);
  ASSERT_TRUE(bare.has_value());
  EXPECT_DOUBLE_EQ(bare->aux.at("mu"), 25);
  EXPECT_DOUBLE_EQ(bare->aux.at("sigma"), 8);
}

}  // namespace
}  // namespace trueskill
}  // namespace statstracker
