#ifndef STATSTRACKER_WORKER_BOARD_SLOT_H_
#define STATSTRACKER_WORKER_BOARD_SLOT_H_

// One board period a game's batch touches (worker/game_batch.h): the players
// it reads there, their state as the batch's events change it in memory, and
// what the write stage derives from that (entries, and on boards with
// LeaderboardConfig.history one history point per change).
//
// Season soft reset (PeriodConfig.soft_reset): a slot of such a board also
// plans the slot of the period before it, reading the same players there
// in the same WATCH/read pipeline. A player without an entry in the slot's
// period starts from their state in the previous period, moved toward the
// scorer's initial state (Scorer::SoftReset). The previous period's state
// is taken as the batch has it at that event, so an earlier event of the
// batch that still counted in the previous period is seen, as in a
// sequential replay.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/game_catalog.h"
#include "common/history_point.h"
#include "common/periods.h"
#include "plugins/scorer.h"
#include "statstracker/v1/events.pb.h"
#include "worker/board_store.h"

namespace statstracker {
namespace worker {

// The event's occurred_at.
absl::Time EventTime(const v1::GameEvent& event);

struct BoardSlot {
  BoardPeriod board;
  const BoardRuntime* runtime = nullptr;
  std::optional<Period> period_info;  // periodic boards
  std::vector<std::string> players;   // to read, unique
  absl::flat_hash_set<std::string> player_set;
  BoardSnapshot snapshot;
  // After the events so far: the player's state, and whether it changed.
  struct Current {
    std::optional<ScorerState> state;
    bool changed = false;
    std::optional<double> secondary;
    absl::Time reached_at;
    // Boards with history: a point per change, in the order applied.
    std::vector<HistoryPoint> points;
  };
  absl::flat_hash_map<std::string, Current> current;
  // Boards with a soft reset: the previous period's slot (null when there
  // is none, e.g. before the first season, or it expired).
  BoardSlot* previous = nullptr;
  bool previous_planned = false;

  // Adds a player to read (once).
  void AddPlayer(std::string player);

  // When the slot's board has a soft reset and `player` has no state in
  // this period yet: the state they start from (their state in the previous
  // period, soft-reset). nullopt otherwise: the player starts new.
  std::optional<ScorerState> SoftResetStart(const std::string& player) const;

  // Records `state` as the player's new state after `event`. Returns false
  // and keeps everything (including when the score was reached) when the
  // state is unchanged.
  bool Record(const std::string& player, ScorerState state,
              const v1::GameEvent& event);

  // Appends the writes of the changed players (entries and history) to
  // `tx`. INVALID_ARGUMENT if a scorer broke its AuxNames() contract.
  absl::Status AddWrites(Commands* tx) const;

  // Players the batch puts on the board who were not on it.
  int64_t PlayersAdded() const;

  // When the period's keys expire (periodic boards with a retention).
  std::optional<absl::Time> Expiry() const;
};

// The board periods of a batch by (board index, period id); std::map keeps
// slots at fixed addresses, so BoardSlot::previous stays valid.
using BoardSlots = std::map<std::pair<size_t, std::string>, BoardSlot>;

// The slot of board `b` of `game` in `period` (kAllTimePeriod for boards
// without periods, with `info` unset), created on first use.
BoardSlot& SlotFor(const GameRuntime& game, size_t b, const std::string& period,
                   std::optional<Period> info, BoardSlots* slots);

// For a slot of a board with a soft reset: plans (once) the slot of the
// period before it and returns it; null when there is none or it expired
// by `now`. Other slots: null.
BoardSlot* PreviousSlotFor(const GameRuntime& game, size_t b, BoardSlot* slot,
                           absl::Time now, BoardSlots* slots);

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_BOARD_SLOT_H_
