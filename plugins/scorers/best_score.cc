// Scorer "best_score": a player's best single score, highest or lowest as the
// board's sort order says, with an optional accepted range (anti-cheat).
// Params: statstracker.v1.BestScoreParams.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "plugins/plugin_util.h"
#include "plugins/scorer.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace {

class BestScoreScorer : public Scorer {
 public:
  BestScoreScorer(const v1::BestScoreParams& params, bool lower_is_better)
      : params_(params), lower_is_better_(lower_is_better) {}

  std::vector<std::string> PlayersToRead(
      const v1::GameEvent& event) const override {
    std::vector<std::string> players;
    if (event.has_score_submitted()) {
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
      const auto& s = event.score_submitted();
      absl::Status status =
          Offer("score_submitted", s.player_id(), s.score(), current, &changes);
      if (!status.ok()) return status;
    } else if (event.has_match_completed()) {
      const auto& ps = event.match_completed().participants();
      for (int i = 0; i < ps.size(); ++i) {
        absl::Status status =
            Offer(absl::StrCat("match_completed.participants[", i, "]"),
                  ps[i].player_id(), ps[i].score(), current, &changes);
        if (!status.ok()) return status;
      }
    }
    return changes;
  }

 private:
  // Checks one score and appends a change if it beats the player's best.
  absl::Status Offer(
      const std::string& path, const std::string& player, double score,
      const absl::flat_hash_map<std::string, ScorerState>& current,
      std::vector<ScoreChange>* changes) const {
    if (player.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".player_id must be set"));
    }
    absl::Status finite = plugins::CheckFinite(path + ".score", score);
    if (!finite.ok()) return finite;
    const bool below =
        params_.has_min_accepted() && score < params_.min_accepted();
    const bool above =
        params_.has_max_accepted() && score > params_.max_accepted();
    if (below || above) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ".score ", score, " is outside the accepted range [",
          params_.has_min_accepted() ? absl::StrCat(params_.min_accepted())
                                     : "-inf",
          ", ",
          params_.has_max_accepted() ? absl::StrCat(params_.max_accepted())
                                     : "+inf",
          "] (params.min_accepted / params.max_accepted)"));
    }
    auto it = current.find(player);
    if (it != current.end()) {
      const double best = it->second.score;
      const bool improves = lower_is_better_ ? score < best : score > best;
      if (!improves) return absl::OkStatus();
    }
    ScoreChange change;
    change.player_id = player;
    change.state.score = score;
    changes->push_back(std::move(change));
    return absl::OkStatus();
  }

  v1::BestScoreParams params_;
  bool lower_is_better_;
};

absl::StatusOr<std::unique_ptr<Scorer>> CreateBestScoreScorer(
    const v1::LeaderboardConfig& config) {
  v1::BestScoreParams params;
  absl::Status status = plugins::UnpackParams(config.params(), &params);
  if (!status.ok()) return status;
  if (params.has_min_accepted()) {
    status = plugins::CheckFinite("params.min_accepted", params.min_accepted());
    if (!status.ok()) return status;
  }
  if (params.has_max_accepted()) {
    status = plugins::CheckFinite("params.max_accepted", params.max_accepted());
    if (!status.ok()) return status;
  }
  if (params.has_min_accepted() && params.has_max_accepted() &&
      params.min_accepted() > params.max_accepted()) {
    return absl::InvalidArgumentError(
        absl::StrCat("params.min_accepted must be <= params.max_accepted, got ",
                     params.min_accepted(), " > ", params.max_accepted()));
  }
  return std::unique_ptr<Scorer>(new BestScoreScorer(
      params, config.sort_order() == v1::SORT_ORDER_ASCENDING));
}

const ScorerRegistration kBestScore("best_score", &CreateBestScoreScorer);

}  // namespace
}  // namespace statstracker
