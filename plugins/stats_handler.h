#ifndef STATSTRACKER_PLUGINS_STATS_HANDLER_H_
#define STATSTRACKER_PLUGINS_STATS_HANDLER_H_

// The stats handler interface. Like scorers, handlers are pure: the worker
// reads the current stats of the players a handler asks for, calls Apply(),
// and writes the returned values atomically with the stream acknowledgement.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "plugins/registry.h"
#include "statstracker/v1/config.pb.h"
#include "statstracker/v1/events.pb.h"
#include "statstracker/v1/stats.pb.h"

namespace statstracker {

// One player's stats in one game: stat name -> value.
using StatMap = absl::flat_hash_map<std::string, v1::StatValue>;

// A stat a handler defines.
struct StatSpec {
  enum class Type { kInt, kDouble };
  std::string name;
  Type type = Type::kInt;
  // Computed at read time by Derive() from other stats; never stored.
  bool derived = false;
};

// New values for one player's stats after an event.
struct StatChange {
  std::string player_id;
  StatMap values;  // stat name -> new value (absolute, not a delta)
};

class StatsHandler {
 public:
  virtual ~StatsHandler() = default;

  // The stats this handler defines. Names are unique within a game.
  virtual std::vector<StatSpec> Stats() const = 0;

  // The players whose current stats Apply() needs for `event`.
  virtual std::vector<std::string> PlayersToRead(
      const v1::GameEvent& event) const = 0;

  // The new values `event` makes. `current` holds the stored stats of each
  // player from PlayersToRead() that has any. No changes for events the
  // handler ignores; INVALID_ARGUMENT naming the field for events it cannot
  // accept.
  virtual absl::StatusOr<std::vector<StatChange>> Apply(
      const v1::GameEvent& event,
      const absl::flat_hash_map<std::string, StatMap>& current) const = 0;

  // Adds the derived stats (ratios, ...) to one player's stored stats. The
  // server calls it when answering queries.
  virtual void Derive(StatMap* stats) const {}

  // The full names of the GameEvent.custom message types Apply() acts on;
  // see Scorer::CustomEventTypes().
  virtual std::vector<std::string> CustomEventTypes() const { return {}; }
};

// Builds a handler from its configuration for one game. INVALID_ARGUMENT
// naming the field for bad parameters.
using StatsHandlerFactory =
    std::function<absl::StatusOr<std::unique_ptr<StatsHandler>>(
        const v1::StatsHandlerConfig& config)>;

using StatsHandlerRegistry = Registry<StatsHandlerFactory>;
using StatsHandlerRegistration = Registration<StatsHandlerFactory>;

}  // namespace statstracker

#endif  // STATSTRACKER_PLUGINS_STATS_HANDLER_H_
