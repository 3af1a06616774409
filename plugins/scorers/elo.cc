// Scorer "elo": Elo ratings from match outcomes. Params:
// statstracker.v1.EloParams (k_factor in (0, 1000], default 32;
// initial_rating, default 1500). Sides and results follow
// plugins::MatchSides: two players, two teams (side rating = mean of its
// players; every player gets the side's change) or free-for-all by placement.
// Score submissions and custom events are ignored. Season soft reset
// (PeriodConfig.soft_reset) moves the rating toward initial_rating.

#include "plugins/scorers/elo.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "plugins/scorer.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace elo {

double ExpectedScore(double rating, double opponent) {
  return 1.0 / (1.0 + std::pow(10.0, (opponent - rating) / 400.0));
}

std::vector<double> SideChanges(const std::vector<plugins::MatchSide>& sides,
                                const std::vector<double>& ratings, double k) {
  const size_t n = sides.size();
  std::vector<double> changes(n, 0.0);
  if (n < 2) return changes;
  const double pair_k = k / static_cast<double>(n - 1);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      changes[i] += pair_k * (plugins::PairScore(sides[i], sides[j]) -
                              ExpectedScore(ratings[i], ratings[j]));
    }
  }
  return changes;
}

namespace {

class EloScorer : public Scorer {
 public:
  EloScorer(double k, double initial) : k_(k), initial_(initial) {}

  std::vector<std::string> PlayersToRead(
      const v1::GameEvent& event) const override {
    return plugins::MatchPlayerIds(event);
  }

  absl::StatusOr<std::vector<ScoreChange>> Score(
      const v1::GameEvent& event,
      const absl::flat_hash_map<std::string, ScorerState>& current)
      const override {
    std::vector<ScoreChange> changes;
    if (!event.has_match_completed()) return changes;
    const auto& match = event.match_completed();
    absl::StatusOr<std::vector<plugins::MatchSide>> sides =
        plugins::MatchSides(match);
    if (!sides.ok()) return sides.status();

    // Each participant's rating, looked up once.
    std::vector<double> ratings(match.participants_size(), initial_);
    for (int i = 0; i < match.participants_size(); ++i) {
      auto it = current.find(match.participants(i).player_id());
      if (it != current.end()) ratings[i] = it->second.score;
    }
    std::vector<double> side_ratings;
    side_ratings.reserve(sides->size());
    for (const plugins::MatchSide& side : *sides) {
      // The mean as a sum of shares: two ratings near the largest double
      // would overflow a plain sum.
      const double n = static_cast<double>(side.participants.size());
      double mean = 0;
      for (int i : side.participants) mean += ratings[i] / n;
      side_ratings.push_back(mean);
    }
    const std::vector<double> deltas = SideChanges(*sides, side_ratings, k_);
    changes.reserve(match.participants_size());
    for (size_t s = 0; s < sides->size(); ++s) {
      for (int i : (*sides)[s].participants) {
        double rating = ratings[i] + deltas[s];
        if (!std::isfinite(rating)) {
          // The field name is built only for the error.
          absl::StatusOr<double> checked = plugins::AddFinite(
              absl::StrCat("match_completed.participants[", i, "]"), ratings[i],
              deltas[s]);
          if (!checked.ok()) return checked.status();
          rating = *checked;
        }
        ScoreChange change;
        change.player_id = match.participants(i).player_id();
        change.state.score = rating;
        changes.push_back(std::move(change));
      }
    }
    return changes;
  }

  // Season soft reset: the rating moves toward the initial rating.
  std::optional<ScorerState> SoftReset(const ScorerState& previous,
                                       double fraction) const override {
    ScorerState next;
    next.score = MoveToward(previous.score, initial_, fraction);
    return next;
  }

 private:
  double k_;
  double initial_;
};

absl::StatusOr<std::unique_ptr<Scorer>> CreateEloScorer(
    const v1::LeaderboardConfig& config) {
  v1::EloParams params;
  absl::Status status = plugins::UnpackParams(config.params(), &params);
  if (!status.ok()) return status;
  const double k = params.has_k_factor() ? params.k_factor() : 32;
  if (!(k > 0 && k <= 1000)) {  // also rejects NaN
    return absl::InvalidArgumentError(
        absl::StrCat("params.k_factor must be > 0 and <= 1000, got ", k));
  }
  const double initial =
      params.has_initial_rating() ? params.initial_rating() : 1500;
  status = plugins::CheckFinite("params.initial_rating", initial);
  if (!status.ok()) return status;
  return std::unique_ptr<Scorer>(new EloScorer(k, initial));
}

const ScorerRegistration kElo("elo", &CreateEloScorer);

}  // namespace
}  // namespace elo
}  // namespace statstracker
