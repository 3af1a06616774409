// Scorer "cumulative_points": a running total. With params.add_score every
// ScoreSubmitted score and every match participant's score is added; without
// it matches add points by outcome (default 3 per win, 1 per draw, 0 per
// loss; outcome explicit or derived from placement) and score submissions
// are ignored. Params: statstracker.v1.CumulativePointsParams.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "plugins/plugin_util.h"
#include "plugins/scorer.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace {

class CumulativePointsScorer : public Scorer {
 public:
  CumulativePointsScorer(bool add_score, double win, double draw, double loss)
      : add_score_(add_score), win_(win), draw_(draw), loss_(loss) {}

  std::vector<std::string> PlayersToRead(
      const v1::GameEvent& event) const override {
    std::vector<std::string> players;
    if (event.has_score_submitted() && add_score_) {
      players.push_back(event.score_submitted().player_id());
    } else if (event.has_match_completed()) {
      for (const auto& p : event.match_completed().participants()) {
        players.push_back(p.player_id());
      }
    }
    return players;
  }

  absl::StatusOr<std::vector<ScoreChange>> Score(
      const v1::GameEvent& event,
      const absl::flat_hash_map<std::string, ScorerState>& current)
      const override {
    std::vector<ScoreChange> changes;
    if (event.has_score_submitted()) {
      if (!add_score_) return changes;
      const auto& s = event.score_submitted();
      absl::Status status = Add("score_submitted.score", s.player_id(),
                                s.score(), current, &changes);
      if (!status.ok()) return status;
    } else if (event.has_match_completed()) {
      const auto& match = event.match_completed();
      std::vector<v1::Outcome> outcomes;
      if (!add_score_) {
        absl::StatusOr<std::vector<v1::Outcome>> resolved =
            plugins::MatchOutcomes(match, /*require=*/true);
        if (!resolved.ok()) return resolved.status();
        outcomes = *std::move(resolved);
      }
      for (int i = 0; i < match.participants_size(); ++i) {
        const v1::Participant& p = match.participants(i);
        double points = p.score();
        if (!add_score_) {
          points = outcomes[i] == v1::OUTCOME_WIN    ? win_
                   : outcomes[i] == v1::OUTCOME_DRAW ? draw_
                                                     : loss_;
        }
        absl::Status status =
            Add(absl::StrCat("match_completed.participants[", i, "]",
                             add_score_ ? ".score" : ".outcome"),
                p.player_id(), points, current, &changes);
        if (!status.ok()) return status;
      }
    }
    return changes;
  }

 private:
  // Appends the player's new total. Adding 0 to a player already on the
  // board changes nothing, so no change is returned for it. `field` is the
  // event field the points come from; a total that would overflow to
  // infinity rejects the event naming it.
  static absl::Status Add(
      const std::string& field, const std::string& player, double points,
      const absl::flat_hash_map<std::string, ScorerState>& current,
      std::vector<ScoreChange>* changes) {
    if (player.empty()) {
      const std::string parent = field.substr(0, field.rfind('.'));
      return absl::InvalidArgumentError(
          absl::StrCat(parent, ".player_id must be set"));
    }
    auto it = current.find(player);
    const bool known = it != current.end();
    absl::StatusOr<double> total =
        plugins::AddFinite(field, known ? it->second.score : 0, points);
    if (!total.ok()) return total.status();
    if (known && points == 0) return absl::OkStatus();
    ScoreChange change;
    change.player_id = player;
    change.state.score = *total;
    changes->push_back(std::move(change));
    return absl::OkStatus();
  }

  bool add_score_;
  double win_;
  double draw_;
  double loss_;
};

absl::StatusOr<std::unique_ptr<Scorer>> CreateCumulativePointsScorer(
    const v1::LeaderboardConfig& config) {
  v1::CumulativePointsParams params;
  absl::Status status = plugins::UnpackParams(config.params(), &params);
  if (!status.ok()) return status;
  const double win = params.has_points_per_win() ? params.points_per_win() : 3;
  const double draw =
      params.has_points_per_draw() ? params.points_per_draw() : 1;
  const double loss =
      params.has_points_per_loss() ? params.points_per_loss() : 0;
  const std::pair<const char*, double> points[] = {
      {"params.points_per_win", win},
      {"params.points_per_draw", draw},
      {"params.points_per_loss", loss}};
  for (const auto& [field, value] : points) {
    status = plugins::CheckFinite(field, value);
    if (!status.ok()) return status;
  }
  return std::unique_ptr<Scorer>(
      new CumulativePointsScorer(params.add_score(), win, draw, loss));
}

const ScorerRegistration kCumulativePoints("cumulative_points",
                                           &CreateCumulativePointsScorer);

}  // namespace
}  // namespace statstracker
