#include "plugins/scorers/elo.h"

#include <cmath>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
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
  auto scorer = MakeScorer("elo", BoardWith(ParseText<v1::EloParams>(params)));
  EXPECT_TRUE(scorer.ok()) << scorer.status();
  return scorer.ok() ? *std::move(scorer) : nullptr;
}

// player id -> new rating, from a successful Score().
absl::flat_hash_map<std::string, double> Ratings(
    const absl::StatusOr<std::vector<ScoreChange>>& changes) {
  absl::flat_hash_map<std::string, double> out;
  EXPECT_TRUE(changes.ok()) << changes.status();
  if (!changes.ok()) return out;
  for (const ScoreChange& c : *changes) out[c.player_id] = c.state.score;
  return out;
}

States With(std::initializer_list<std::pair<const char*, double>> ratings) {
  States states;
  for (const auto& [player, rating] : ratings) states[player].score = rating;
  return states;
}

TEST(Elo, EqualPlayersK32WinnerGains16) {
  auto scorer = Make("k_factor: 32");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" outcome: OUTCOME_WIN }
      participants { player_id: "bob" outcome: OUTCOME_LOSS }
    })pb");
  auto r = Ratings(scorer->Score(event, With({{"ann", 1500}, {"bob", 1500}})));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_DOUBLE_EQ(r["ann"], 1516);
  EXPECT_DOUBLE_EQ(r["bob"], 1484);
  // New players start at the default 1500, with the default K of 32.
  auto defaults = Make("");
  r = Ratings(defaults->Score(event, {}));
  EXPECT_DOUBLE_EQ(r["ann"], 1516);
  EXPECT_DOUBLE_EQ(r["bob"], 1484);
}

TEST(Elo, ExpectedScoreFormula) {
  // E = 1 / (1 + 10^((Rb - Ra) / 400)).
  EXPECT_NEAR(elo::ExpectedScore(1700, 1500), 0.7597, 0.00005);
  EXPECT_NEAR(elo::ExpectedScore(1700, 1500),
              1.0 / (1.0 + std::pow(10.0, -200.0 / 400.0)), 1e-15);
  EXPECT_NEAR(elo::ExpectedScore(1500, 1700), 0.2403, 0.00005);
  EXPECT_DOUBLE_EQ(
      elo::ExpectedScore(1500, 1700) + elo::ExpectedScore(1700, 1500), 1.0);
  EXPECT_DOUBLE_EQ(elo::ExpectedScore(1234, 1234), 0.5);
  EXPECT_NEAR(elo::ExpectedScore(2000, 1600), 10.0 / 11.0, 1e-12);
}

TEST(Elo, UnevenRatingsFavouriteWins) {
  auto scorer = Make("k_factor: 32");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "fav" outcome: OUTCOME_WIN }
      participants { player_id: "dog" outcome: OUTCOME_LOSS }
    })pb");
  auto r = Ratings(scorer->Score(event, With({{"fav", 1700}, {"dog", 1500}})));
  // 32 * (1 - 0.759747) = 7.6881
  EXPECT_NEAR(r["fav"], 1707.6881, 0.0001);
  EXPECT_NEAR(r["dog"], 1492.3119, 0.0001);
}

TEST(Elo, UnderdogWinGainsMore) {
  auto scorer = Make("k_factor: 32");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "fav" outcome: OUTCOME_LOSS }
      participants { player_id: "dog" outcome: OUTCOME_WIN }
    })pb");
  auto r = Ratings(scorer->Score(event, With({{"fav", 1700}, {"dog", 1500}})));
  // 32 * (1 - 0.240253) = 24.3119
  EXPECT_NEAR(r["dog"], 1524.3119, 0.0001);
  EXPECT_NEAR(r["fav"], 1675.6881, 0.0001);
}

TEST(Elo, Draws) {
  auto scorer = Make("k_factor: 20");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "hi" outcome: OUTCOME_DRAW }
      participants { player_id: "lo" outcome: OUTCOME_DRAW }
    })pb");
  auto r = Ratings(scorer->Score(event, With({{"hi", 1600}, {"lo", 1400}})));
  // 20 * (0.5 - 0.759747) = -5.19494
  EXPECT_NEAR(r["hi"], 1594.8051, 0.0001);
  EXPECT_NEAR(r["lo"], 1405.1949, 0.0001);
  // Equal ratings: a draw changes nothing.
  r = Ratings(scorer->Score(event, With({{"hi", 1500}, {"lo", 1500}})));
  EXPECT_DOUBLE_EQ(r["hi"], 1500);
  EXPECT_DOUBLE_EQ(r["lo"], 1500);
}

TEST(Elo, OutcomeDerivedFromPlacement) {
  auto scorer = Make("");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" placement: 2 }
      participants { player_id: "bob" placement: 1 }
    })pb");
  auto r = Ratings(scorer->Score(event, {}));
  EXPECT_DOUBLE_EQ(r["bob"], 1516);
  EXPECT_DOUBLE_EQ(r["ann"], 1484);
  auto tie = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" placement: 1 }
      participants { player_id: "bob" placement: 1 }
    })pb");
  r = Ratings(scorer->Score(tie, With({{"ann", 1600}, {"bob", 1400}})));
  EXPECT_NEAR(r["ann"], 1600 + 32 * (0.5 - 0.759747), 0.0001);
}

TEST(Elo, InitialRatingParam) {
  auto scorer = Make("initial_rating: 1200 k_factor: 10");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" outcome: OUTCOME_WIN }
      participants { player_id: "bob" outcome: OUTCOME_LOSS }
    })pb");
  auto r = Ratings(scorer->Score(event, With({{"bob", 1200}})));
  EXPECT_DOUBLE_EQ(r["ann"], 1205);
  EXPECT_DOUBLE_EQ(r["bob"], 1195);
}

TEST(Elo, TeamsUseTheMeanAndShareTheChange) {
  auto scorer = Make("k_factor: 32");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" team_id: "red" outcome: OUTCOME_WIN }
      participants { player_id: "cat" team_id: "blue" outcome: OUTCOME_LOSS }
      participants { player_id: "bob" team_id: "red" outcome: OUTCOME_WIN }
      participants { player_id: "dan" team_id: "blue" outcome: OUTCOME_LOSS }
    })pb");
  // red mean (1600 + 1400) / 2 = 1500; blue (1500 + new 1500) / 2 = 1500.
  auto r = Ratings(scorer->Score(
      event, With({{"ann", 1600}, {"bob", 1400}, {"cat", 1500}})));
  ASSERT_EQ(r.size(), 4u);
  EXPECT_DOUBLE_EQ(r["ann"], 1616);
  EXPECT_DOUBLE_EQ(r["bob"], 1416);
  EXPECT_DOUBLE_EQ(r["cat"], 1484);
  EXPECT_DOUBLE_EQ(r["dan"], 1484);

  // Uneven sides: red mean 1700 vs blue 1500; red wins 7.6881 each.
  r = Ratings(scorer->Score(
      event,
      With({{"ann", 1800}, {"bob", 1600}, {"cat", 1500}, {"dan", 1500}})));
  EXPECT_NEAR(r["ann"], 1807.6881, 0.0001);
  EXPECT_NEAR(r["bob"], 1607.6881, 0.0001);
  EXPECT_NEAR(r["cat"], 1492.3119, 0.0001);
  EXPECT_NEAR(r["dan"], 1492.3119, 0.0001);
}

TEST(Elo, FreeForAllByPlacement) {
  auto scorer = Make("k_factor: 32");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "c" placement: 3 }
      participants { player_id: "a" placement: 1 }
      participants { player_id: "b" placement: 2 }
    })pb");
  // K / (3 - 1) = 16 per pair; all 1500: first +16, second 0, third -16.
  auto r = Ratings(scorer->Score(event, {}));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_DOUBLE_EQ(r["a"], 1516);
  EXPECT_DOUBLE_EQ(r["b"], 1500);
  EXPECT_DOUBLE_EQ(r["c"], 1484);

  auto shared = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "a" placement: 1 }
      participants { player_id: "b" placement: 1 }
      participants { player_id: "c" placement: 3 }
    })pb");
  r = Ratings(scorer->Score(shared, {}));
  EXPECT_DOUBLE_EQ(r["a"], 1508);
  EXPECT_DOUBLE_EQ(r["b"], 1508);
  EXPECT_DOUBLE_EQ(r["c"], 1484);
}

TEST(Elo, FreeForAllUnevenRatingsSumToZero) {
  auto scorer = Make("k_factor: 24");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "a" placement: 2 }
      participants { player_id: "b" placement: 1 }
      participants { player_id: "c" placement: 4 }
      participants { player_id: "d" placement: 3 }
    })pb");
  States current = With({{"a", 1800}, {"b", 1450}, {"c", 1500}, {"d", 1610}});
  auto r = Ratings(scorer->Score(event, current));
  double before = 0;
  double after = 0;
  for (const auto& [p, s] : current) before += s.score;
  for (const auto& [p, s] : r) after += s;
  EXPECT_NEAR(after, before, 1e-9);
  // b beat all three from below: gain = 8 * sum(1 - E(1450, x)).
  const double gain = 8 * ((1 - elo::ExpectedScore(1450, 1800)) +
                           (1 - elo::ExpectedScore(1450, 1500)) +
                           (1 - elo::ExpectedScore(1450, 1610)));
  EXPECT_NEAR(r["b"], 1450 + gain, 1e-9);
  EXPECT_GT(r["b"], 1450 + 17);  // 8 * 2.169
}

TEST(Elo, FreeForAllWithoutPlacementsUsesOutcomes) {
  auto scorer = Make("k_factor: 32");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "a" outcome: OUTCOME_WIN }
      participants { player_id: "b" outcome: OUTCOME_LOSS }
      participants { player_id: "c" outcome: OUTCOME_LOSS }
    })pb");
  auto r = Ratings(scorer->Score(event, {}));
  EXPECT_DOUBLE_EQ(r["a"], 1516);  // beat both
  EXPECT_DOUBLE_EQ(r["b"], 1492);  // lost to a, level with c
  EXPECT_DOUBLE_EQ(r["c"], 1492);
}

TEST(Elo, IgnoresScoreSubmissions) {
  auto scorer = Make("");
  auto event = ParseText<v1::GameEvent>(
      R"pb(score_submitted { player_id: "ann" score: 5 })pb");
  EXPECT_TRUE(scorer->PlayersToRead(event).empty());
  auto changes = scorer->Score(event, {});
  ASSERT_TRUE(changes.ok());
  EXPECT_TRUE(changes->empty());
}

absl::Status ScoreError(const std::string& match_text) {
  auto scorer = Make("");
  auto changes = scorer->Score(ParseText<v1::GameEvent>(match_text), {});
  return changes.ok() ? absl::OkStatus() : changes.status();
}

TEST(Elo, RejectsInvalidMatchesNamingTheField) {
  absl::Status one =
      ScoreError(
          R"pb(
            match_completed {
              participants { player_id: "a" outcome: OUTCOME_WIN }
            })pb");
  EXPECT_EQ(one.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(one.message(), HasSubstr("match_completed.participants: a rated "
                                       "match needs at least 2 sides"));

  absl::Status one_team = ScoreError(R"pb(
    match_completed {
      participants { player_id: "a" team_id: "t" outcome: OUTCOME_WIN }
      participants { player_id: "b" team_id: "t" outcome: OUTCOME_WIN }
    })pb");
  EXPECT_THAT(one_team.message(), HasSubstr("got 1"));

  absl::Status no_result = ScoreError(R"pb(
    match_completed {
      participants { player_id: "a" outcome: OUTCOME_WIN }
      participants { player_id: "b" }
    })pb");
  EXPECT_EQ(no_result.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(no_result.message(),
              HasSubstr("match_completed.participants[1] (player 'b'): needs "
                        "an outcome or a placement"));

  absl::Status both_win = ScoreError(R"pb(
    match_completed {
      participants { player_id: "a" outcome: OUTCOME_WIN }
      participants { player_id: "b" outcome: OUTCOME_WIN }
    })pb");
  EXPECT_THAT(both_win.message(),
              HasSubstr("match_completed.participants[1]: outcome win "
                        "contradicts the other side's outcome win"));

  absl::Status split_team = ScoreError(R"pb(
    match_completed {
      participants { player_id: "a" team_id: "red" outcome: OUTCOME_WIN }
      participants { player_id: "b" team_id: "red" outcome: OUTCOME_LOSS }
      participants { player_id: "c" team_id: "blue" outcome: OUTCOME_LOSS }
    })pb");
  EXPECT_THAT(split_team.message(),
              HasSubstr("match_completed.participants[1]: outcome loss "
                        "conflicts with teammate participants[0] outcome win "
                        "in team 'red'"));

  absl::Status duplicate = ScoreError(R"pb(
    match_completed {
      participants { player_id: "a" outcome: OUTCOME_WIN }
      participants { player_id: "a" outcome: OUTCOME_LOSS }
    })pb");
  EXPECT_THAT(duplicate.message(),
              HasSubstr("match_completed.participants[1].player_id: "
                        "duplicate player 'a'"));

  auto unknown = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "a" outcome: OUTCOME_WIN }
      participants { player_id: "b" }
    })pb");
  unknown.mutable_match_completed()->mutable_participants(1)->set_outcome(
      static_cast<v1::Outcome>(7));
  auto scorer = Make("");
  auto changes = scorer->Score(unknown, {});
  ASSERT_FALSE(changes.ok());
  EXPECT_THAT(changes.status().message(),
              HasSubstr("match_completed.participants[1].outcome: unknown "
                        "value 7"));
}

TEST(Elo, FactoryValidatesKAndInitialRating) {
  for (const char* bad :
       {"k_factor: -3", "k_factor: 0", "k_factor: 1000.5", "k_factor: nan"}) {
    auto scorer = MakeScorer("elo", BoardWith(ParseText<v1::EloParams>(bad)));
    ASSERT_FALSE(scorer.ok()) << bad;
    EXPECT_EQ(scorer.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(scorer.status().message(),
                HasSubstr("params.k_factor must be > 0 and <= 1000, got "));
  }
  auto minus3 =
      MakeScorer("elo", BoardWith(ParseText<v1::EloParams>("k_factor: -3")));
  EXPECT_EQ(minus3.status().message(),
            "params.k_factor must be > 0 and <= 1000, got -3");
  EXPECT_TRUE(
      MakeScorer("elo", BoardWith(ParseText<v1::EloParams>("k_factor: 1000")))
          .ok());
  auto inf = MakeScorer(
      "elo", BoardWith(ParseText<v1::EloParams>("initial_rating: inf")));
  ASSERT_FALSE(inf.ok());
  EXPECT_THAT(inf.status().message(),
              HasSubstr("params.initial_rating must be finite"));
  auto wrong = MakeScorer("elo", BoardWith(v1::Glicko2Params()));
  ASSERT_FALSE(wrong.ok());
  EXPECT_THAT(wrong.status().message(),
              HasSubstr("params must be a statstracker.v1.EloParams"));
}

// A team's mean rating is computed without an intermediate sum, so two
// ratings near the largest double stay finite (their sum would be +inf and
// every rating NaN).
TEST(Elo, HugeTeamRatingsStayFinite) {
  auto scorer = Make("");
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "a1" team_id: "a" outcome: OUTCOME_WIN }
      participants { player_id: "a2" team_id: "a" outcome: OUTCOME_WIN }
      participants { player_id: "b1" team_id: "b" outcome: OUTCOME_LOSS }
      participants { player_id: "b2" team_id: "b" outcome: OUTCOME_LOSS }
    })pb");
  auto ratings = Ratings(scorer->Score(event, With({{"a1", 1.5e308},
                                                    {"a2", 1.5e308},
                                                    {"b1", 1.5e308},
                                                    {"b2", 1.5e308}})));
  ASSERT_EQ(ratings.size(), 4u);
  for (const auto& [player, rating] : ratings) {
    EXPECT_TRUE(std::isfinite(rating)) << player;
    EXPECT_DOUBLE_EQ(rating, 1.5e308) << player;  // +-16 is below precision
  }
}

TEST(Elo, SoftResetMovesTheRatingTowardTheInitialOne) {
  auto scorer = Make("initial_rating: 1200");
  ScorerState previous;
  previous.score = 1600;
  auto quarter = scorer->SoftReset(previous, 0.25);
  ASSERT_TRUE(quarter.has_value());
  EXPECT_DOUBLE_EQ(quarter->score, 1500);  // 1600 + 0.25 * (1200 - 1600)
  EXPECT_TRUE(quarter->aux.empty());
  previous.score = 1000;  // below the initial rating: moves up
  EXPECT_DOUBLE_EQ(scorer->SoftReset(previous, 0.5)->score, 1100);
  EXPECT_DOUBLE_EQ(scorer->SoftReset(previous, 1)->score, 1200);
  // The soft-reset state is what the next match starts from.
  previous.score = 1600;
  auto event = ParseText<v1::GameEvent>(R"pb(
    match_completed {
      participants { player_id: "ann" outcome: OUTCOME_WIN }
      participants { player_id: "bob" outcome: OUTCOME_LOSS }
    })pb");
  auto r = Ratings(scorer->Score(
      event, {{"ann", *scorer->SoftReset(previous, 0.25)}, {"bob", previous}}));
  EXPECT_NEAR(r["ann"], 1500 + 32 * (1 - elo::ExpectedScore(1500, 1600)), 1e-9);
}

// Past 16 participants MatchSides keys players and teams by hash instead of
// a linear search: duplicates and teams are still found there.
TEST(Elo, LargeMatchesKeepTeamsAndFindDuplicates) {
  auto scorer = Make("k_factor: 32");
  v1::GameEvent event;
  auto* match = event.mutable_match_completed();
  for (int i = 0; i < 40; ++i) {
    auto* p = match->add_participants();
    p->set_player_id(absl::StrCat("p", i));
    p->set_team_id(absl::StrCat("t", i / 2));  // 20 teams of two
    p->set_placement(i / 2 + 1);
  }
  auto r = Ratings(scorer->Score(event, {}));
  ASSERT_EQ(r.size(), 40u);
  for (int t = 0; t < 20; ++t) {
    EXPECT_DOUBLE_EQ(r[absl::StrCat("p", 2 * t)],
                     r[absl::StrCat("p", 2 * t + 1)])
        << "team t" << t;
  }
  // 19 pairings of K/19 each: the first team wins them all, the last loses.
  EXPECT_NEAR(r["p0"], 1516, 1e-9);
  EXPECT_NEAR(r["p39"], 1484, 1e-9);

  match->mutable_participants(30)->set_player_id("p25");
  auto duplicate = scorer->Score(event, {});
  ASSERT_FALSE(duplicate.ok());
  EXPECT_THAT(duplicate.status().message(),
              HasSubstr("match_completed.participants[30].player_id: "
                        "duplicate player 'p25' (also participants[25])"));
}

}  // namespace
}  // namespace statstracker
