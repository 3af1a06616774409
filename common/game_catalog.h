#ifndef STATSTRACKER_COMMON_GAME_CATALOG_H_
#define STATSTRACKER_COMMON_GAME_CATALOG_H_

// The configured games with their plugins instantiated: what the worker routes
// events through and what the server answers queries from. Built once at
// start-up from a validated config; read-only (and so thread-safe) after.

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/admission.h"
#include "plugins/scorer.h"
#include "plugins/stats_handler.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {

// One leaderboard with its scorer.
struct BoardRuntime {
  v1::LeaderboardConfig config;
  std::unique_ptr<Scorer> scorer;
};

// One game with its boards and stats handlers.
struct GameRuntime {
  v1::GameConfig config;
  std::vector<BoardRuntime> boards;                     // in config order
  std::vector<std::unique_ptr<StatsHandler>> handlers;  // in config order
  // Every stat of every handler (stored and derived), in handler order.
  std::vector<StatSpec> stats;
  // What the game takes in (config.admission with its defaults, and the
  // custom types its plugins handle); check events with CheckAdmission().
  AdmissionPolicy admission;

  // The board with this id, or nullptr.
  const BoardRuntime* FindBoard(absl::string_view leaderboard_id) const;
  // Whether a scorer or stats handler of the game handles custom payloads
  // of this type (a type URL or a message name).
  bool HandlesCustomType(absl::string_view type) const;
};

class GameCatalog {
 public:
  // Instantiates every board's scorer and every game's stats handlers from
  // the registries and collects the custom types they handle. INVALID_ARGUMENT
  // naming the game, board and field for an unknown plugin (listing the
  // registered names), bad parameters (the factory's message),
  // period.soft_reset on a board whose scorer has no Scorer::SoftReset, a
  // stat name defined twice in one game, or an
  // admission.ignored_custom_types entry that a plugin of the game handles.
  static absl::StatusOr<std::unique_ptr<GameCatalog>> Build(
      const v1::StatsTrackerConfig& config);

  // The game, or nullptr.
  const GameRuntime* FindGame(absl::string_view game_id) const;
  // Whether game `game_id` is configured and handles custom payloads of
  // `type` (GameRuntime::HandlesCustomType).
  bool HandlesCustomType(absl::string_view game_id,
                         absl::string_view type) const;
  // Every game id, in config order.
  std::vector<std::string> GameIds() const;

 private:
  GameCatalog() = default;
  std::vector<std::unique_ptr<GameRuntime>> games_;
  absl::flat_hash_map<std::string, const GameRuntime*> by_id_;
};

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_GAME_CATALOG_H_
