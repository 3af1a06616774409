// Scorer "racing_best_lap" (the racing example): a player's fastest valid lap
// in milliseconds, from LapCompleted events in GameEvent.custom. Lower is
// better, so the board must use SORT_ORDER_ASCENDING. Params:
// statstracker.examples.racing.v1.RacingParams (optional track filter and
// minimum plausible lap time). Other events are ignored.

#include <memory>
#include <string>
#include <vector>

#include "plugins/examples/racing/racing_params.h"
#include "plugins/scorer.h"

namespace statstracker {
namespace racing {
namespace {

class BestLapScorer : public Scorer {
 public:
  explicit BestLapScorer(RacingParams params) : params_(std::move(params)) {}

  std::vector<std::string> PlayersToRead(
      const v1::GameEvent& event) const override {
    auto lap = LapFromEvent(event, params_);
    if (!lap.ok() || !lap->has_value()) return {};
    return {(*lap)->player_id()};
  }

  std::vector<std::string> CustomEventTypes() const override {
    return {LapCompleted::descriptor()->full_name()};
  }

  absl::StatusOr<std::vector<ScoreChange>> Score(
      const v1::GameEvent& event,
      const absl::flat_hash_map<std::string, ScorerState>& current)
      const override {
    std::vector<ScoreChange> changes;
    auto lap = LapFromEvent(event, params_);
    if (!lap.ok()) return lap.status();
    if (!lap->has_value()) return changes;
    const LapCompleted& l = **lap;
    if (l.invalidated() || !OnSelectedTrack(l, params_)) return changes;
    const double time = static_cast<double>(l.lap_time_ms());
    auto it = current.find(l.player_id());
    if (it != current.end() && it->second.score <= time) return changes;
    ScoreChange change;
    change.player_id = l.player_id();
    change.state.score = time;
    changes.push_back(std::move(change));
    return changes;
  }

 private:
  RacingParams params_;
};

absl::StatusOr<std::unique_ptr<Scorer>> CreateBestLapScorer(
    const v1::LeaderboardConfig& config) {
  absl::StatusOr<RacingParams> params = ParseRacingParams(config.params());
  if (!params.ok()) return params.status();
  if (config.sort_order() != v1::SORT_ORDER_ASCENDING) {
    return absl::InvalidArgumentError(
        "sort_order must be SORT_ORDER_ASCENDING for scorer "
        "\"racing_best_lap\" (the fastest lap ranks first)");
  }
  return std::unique_ptr<Scorer>(new BestLapScorer(*std::move(params)));
}

const ScorerRegistration kBestLap("racing_best_lap", &CreateBestLapScorer);

}  // namespace
}  // namespace racing
}  // namespace statstracker
