// Scorer "win_count": the number of matches a player won. A match's outcome
// per participant is its own outcome, else derived from placement
// (plugins/plugin_util.h MatchOutcomes). Score submissions and custom events
// are ignored. Params: statstracker.v1.WinCountParams (no fields).

#include <memory>
#include <string>
#include <vector>

#include "plugins/plugin_util.h"
#include "plugins/scorer.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace {

class WinCountScorer : public Scorer {
 public:
  std::vector<std::string> PlayersToRead(
      const v1::GameEvent& event) const override {
    return plugins::MatchPlayerIds(event);
  }

  // Winners gain one win. Other participants are added with 0 when new to the
  // board, so everyone who played is listed; existing ones are left alone.
  absl::StatusOr<std::vector<ScoreChange>> Score(
      const v1::GameEvent& event,
      const absl::flat_hash_map<std::string, ScorerState>& current)
      const override {
    std::vector<ScoreChange> changes;
    if (!event.has_match_completed()) return changes;
    const auto& match = event.match_completed();
    absl::StatusOr<std::vector<v1::Outcome>> outcomes =
        plugins::MatchOutcomes(match, /*require=*/true);
    if (!outcomes.ok()) return outcomes.status();
    for (int i = 0; i < match.participants_size(); ++i) {
      const std::string& player = match.participants(i).player_id();
      auto it = current.find(player);
      const bool known = it != current.end();
      const bool won = (*outcomes)[i] == v1::OUTCOME_WIN;
      if (known && !won) continue;
      ScoreChange change;
      change.player_id = player;
      change.state.score = (known ? it->second.score : 0) + (won ? 1 : 0);
      changes.push_back(std::move(change));
    }
    return changes;
  }
};

absl::StatusOr<std::unique_ptr<Scorer>> CreateWinCountScorer(
    const v1::LeaderboardConfig& config) {
  v1::WinCountParams params;
  absl::Status status = plugins::UnpackParams(config.params(), &params);
  if (!status.ok()) return status;
  return std::unique_ptr<Scorer>(new WinCountScorer());
}

const ScorerRegistration kWinCount("win_count", &CreateWinCountScorer);

}  // namespace
}  // namespace statstracker
