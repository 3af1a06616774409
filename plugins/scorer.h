#ifndef STATSTRACKER_PLUGINS_SCORER_H_
#define STATSTRACKER_PLUGINS_SCORER_H_

// The leaderboard scorer interface. Scorers are pure: the worker reads the
// current state of the players a scorer asks for, calls Score(), and writes
// the returned changes atomically with the stream acknowledgement. A scorer
// does no I/O and keeps no state between calls, so it can be unit-tested
// without Redis and run from several threads at once.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "plugins/registry.h"
#include "statstracker/v1/config.pb.h"
#include "statstracker/v1/events.pb.h"

namespace statstracker {

// What a board remembers about one player between events.
struct ScorerState {
  // The value the board ranks by (best score, point total, rating, ...).
  double score = 0;
  // Scorer-private numbers, e.g. Glicko-2's "deviation" and "volatility".
  absl::flat_hash_map<std::string, double> aux;
};

// The new state of one player after an event.
struct ScoreChange {
  std::string player_id;
  ScorerState state;
};

class Scorer {
 public:
  virtual ~Scorer() = default;

  // The players whose current state Score() needs for `event`. The worker
  // reads exactly these; players the scorer never asks about cannot change.
  virtual std::vector<std::string> PlayersToRead(
      const v1::GameEvent& event) const = 0;

  // The changes `event` makes. `current` holds the state of each player from
  // PlayersToRead() that has one; a missing player is new to the board.
  // Returns no changes for events the scorer ignores (e.g. a score
  // submission on an Elo board), and INVALID_ARGUMENT, naming the field and
  // value, for an event it cannot accept (the worker dead-letters it).
  virtual absl::StatusOr<std::vector<ScoreChange>> Score(
      const v1::GameEvent& event,
      const absl::flat_hash_map<std::string, ScorerState>& current) const = 0;

  // The names of the aux values this scorer keeps, in a fixed order: the
  // worker stores a player's aux values positionally in this order (8 bytes
  // each, only those present), so a board whose scorer keeps none stores
  // nothing beyond the ranking. Score() must return only these names; the
  // order is part of the storage layout, so append new names, never reorder.
  virtual std::vector<std::string> AuxNames() const { return {}; }

  // Season soft reset (PeriodConfig.soft_reset): the state a player starts
  // a new period with, given their final state `previous` in the period
  // before, moved toward this scorer's initial state by `fraction` (0 < f
  // <= 1; 1 = the initial state). Rating scorers override it; nullopt (the
  // default) means the scorer has no initial state to move toward, and the
  // config loader rejects soft_reset on its boards (it asks with a default
  // ScorerState, so an override must answer for any `previous`).
  virtual std::optional<ScorerState> SoftReset(const ScorerState& previous,
                                               double fraction) const {
    return std::nullopt;
  }

  // The full names of the GameEvent.custom message types Score() acts on,
  // e.g. {"statstracker.examples.racing.v1.LapCompleted"}. A custom event
  // of a type that no plugin of its game names (and that the game does not
  // ignore on purpose, GameConfig.admission) is dead-lettered as
  // "unhandled_event_type" instead of being applied as a no-op, so it can
  // be requeued once its plugin is deployed. Built-in scorers read only
  // the core payloads and name none.
  virtual std::vector<std::string> CustomEventTypes() const { return {}; }
};

// value moved toward target by fraction: value + fraction * (target - value),
// exactly target when fraction is 1.
inline double MoveToward(double value, double target, double fraction) {
  return fraction >= 1 ? target : value + fraction * (target - value);
}

// Builds a scorer for one board from its configuration (the params Any
// unpacked by the factory). INVALID_ARGUMENT naming the field for bad
// parameters, e.g. "params.k_factor must be > 0, got -3".
using ScorerFactory = std::function<absl::StatusOr<std::unique_ptr<Scorer>>(
    const v1::LeaderboardConfig& config)>;

using ScorerRegistry = Registry<ScorerFactory>;
using ScorerRegistration = Registration<ScorerFactory>;

}  // namespace statstracker

#endif  // STATSTRACKER_PLUGINS_SCORER_H_
