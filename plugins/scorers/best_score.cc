// Scorer "best_score": a player's best single score, highest or lowest as the
// board's sort order says, with an optional accepted range (anti-cheat).
// Params: statstracker.v1.BestScoreParams.
//
// A change is returned only when the player's best improves. On a board with
// a secondary score (LeaderboardConfig.secondary), an equal score also
// improves the entry when its secondary value is better (e.g. the same score
// in a faster time), or when it has one and the stored entry has none; the
// secondary value of the stored best is kept in aux "secondary" for that.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "plugins/plugin_util.h"
#include "plugins/scorer.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace {

constexpr char kSecondary[] = "secondary";

class BestScoreScorer : public Scorer {
 public:
  BestScoreScorer(const v1::BestScoreParams& params, bool lower_is_better,
                  std::string secondary_key, bool secondary_lower_is_better)
      : params_(params),
        lower_is_better_(lower_is_better),
        secondary_key_(std::move(secondary_key)),
        secondary_lower_is_better_(secondary_lower_is_better) {}

  std::vector<std::string> AuxNames() const override { return {kSecondary}; }

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
      absl::Status status = Offer("score_submitted", s.player_id(), s.score(),
                                  s.values(), current, &changes);
      if (!status.ok()) return status;
    } else if (event.has_match_completed()) {
      const auto& ps = event.match_completed().participants();
      for (int i = 0; i < ps.size(); ++i) {
        absl::Status status =
            Offer(absl::StrCat("match_completed.participants[", i, "]"),
                  ps[i].player_id(), ps[i].score(), ps[i].values(), current,
                  &changes);
        if (!status.ok()) return status;
      }
    }
    return changes;
  }

 private:
  // Checks one score and appends a change if it beats the player's best.
  absl::Status Offer(
      const std::string& path, const std::string& player, double score,
      const google::protobuf::Map<std::string, double>& values,
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
    std::optional<double> secondary;
    if (!secondary_key_.empty()) {
      auto found = values.find(secondary_key_);
      if (found != values.end()) secondary = found->second;
    }
    auto it = current.find(player);
    if (it != current.end() && !Improves(score, secondary, it->second)) {
      return absl::OkStatus();
    }
    ScoreChange change;
    change.player_id = player;
    change.state.score = score;
    if (secondary.has_value()) change.state.aux[kSecondary] = *secondary;
    changes->push_back(std::move(change));
    return absl::OkStatus();
  }

  // Whether (score, secondary) beats the stored best.
  bool Improves(double score, std::optional<double> secondary,
                const ScorerState& stored) const {
    const double best = stored.score;
    if (score != best) return lower_is_better_ ? score < best : score > best;
    if (secondary_key_.empty() || !secondary.has_value()) return false;
    auto old = stored.aux.find(kSecondary);
    if (old == stored.aux.end()) return true;
    return secondary_lower_is_better_ ? *secondary < old->second
                                      : *secondary > old->second;
  }

  v1::BestScoreParams params_;
  bool lower_is_better_;
  std::string secondary_key_;  // empty: no secondary score
  bool secondary_lower_is_better_;
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
      params, config.sort_order() == v1::SORT_ORDER_ASCENDING,
      config.secondary().value_key(),
      config.secondary().sort_order() == v1::SORT_ORDER_ASCENDING));
}

const ScorerRegistration kBestScore("best_score", &CreateBestScoreScorer);

}  // namespace
}  // namespace statstracker
