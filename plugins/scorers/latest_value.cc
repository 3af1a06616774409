// Scorer "latest_value": a player's most recent score by event time
// (GameEvent.occurred_at), from ScoreSubmitted and each match participant's
// score. The event time of the stored value is kept in aux "occurred_at"
// (seconds since the epoch), so an older event arriving later does not
// overwrite a newer value; an event with the same time replaces it.
// Params: statstracker.v1.LatestValueParams (no fields).

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "plugins/plugin_util.h"
#include "plugins/scorer.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace {

constexpr char kOccurredAt[] = "occurred_at";

class LatestValueScorer : public Scorer {
 public:
  std::vector<std::string> AuxNames() const override { return {kOccurredAt}; }

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
    const double at = plugins::EventSeconds(event);
    if (event.has_score_submitted()) {
      const auto& s = event.score_submitted();
      absl::Status status = Offer("score_submitted", s.player_id(), s.score(),
                                  at, current, &changes);
      if (!status.ok()) return status;
    } else if (event.has_match_completed()) {
      const auto& ps = event.match_completed().participants();
      for (int i = 0; i < ps.size(); ++i) {
        absl::Status status =
            Offer(absl::StrCat("match_completed.participants[", i, "]"),
                  ps[i].player_id(), ps[i].score(), at, current, &changes);
        if (!status.ok()) return status;
      }
    }
    return changes;
  }

 private:
  static absl::Status Offer(
      const std::string& path, const std::string& player, double score,
      double at, const absl::flat_hash_map<std::string, ScorerState>& current,
      std::vector<ScoreChange>* changes) {
    if (player.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ".player_id must be set"));
    }
    absl::Status finite = plugins::CheckFinite(path + ".score", score);
    if (!finite.ok()) return finite;
    auto it = current.find(player);
    if (it != current.end()) {
      auto stored = it->second.aux.find(kOccurredAt);
      if (stored != it->second.aux.end() && at < stored->second) {
        return absl::OkStatus();  // an older event, arriving late
      }
    }
    ScoreChange change;
    change.player_id = player;
    change.state.score = score;
    change.state.aux[kOccurredAt] = at;
    changes->push_back(std::move(change));
    return absl::OkStatus();
  }
};

absl::StatusOr<std::unique_ptr<Scorer>> CreateLatestValueScorer(
    const v1::LeaderboardConfig& config) {
  v1::LatestValueParams params;
  absl::Status status = plugins::UnpackParams(config.params(), &params);
  if (!status.ok()) return status;
  return std::unique_ptr<Scorer>(new LatestValueScorer());
}

const ScorerRegistration kLatestValue("latest_value", &CreateLatestValueScorer);

}  // namespace
}  // namespace statstracker
