#include "worker/board_slot.h"

#include <utility>

#include "common/keys.h"
#include "worker/state_codec.h"

namespace statstracker {
namespace worker {
namespace {

// The event's value `key` for `player`: the participant's or the
// submission's values map.
std::optional<double> PlayerValue(const v1::GameEvent& event,
                                  const std::string& player,
                                  const std::string& key) {
  const google::protobuf::Map<std::string, double>* values = nullptr;
  if (event.has_score_submitted()) {
    if (event.score_submitted().player_id() == player) {
      values = &event.score_submitted().values();
    }
  } else if (event.has_match_completed()) {
    for (const auto& p : event.match_completed().participants()) {
      if (p.player_id() == player) values = &p.values();
    }
  }
  if (values == nullptr) return std::nullopt;
  auto it = values->find(key);
  if (it == values->end()) return std::nullopt;
  return it->second;
}

}  // namespace

absl::Time EventTime(const v1::GameEvent& event) {
  return absl::FromUnixSeconds(event.occurred_at().seconds()) +
         absl::Nanoseconds(event.occurred_at().nanos());
}

void BoardSlot::AddPlayer(std::string player) {
  if (player_set.insert(player).second) players.push_back(std::move(player));
}

std::optional<ScorerState> BoardSlot::SoftResetStart(
    const std::string& player) const {
  if (previous == nullptr) return std::nullopt;
  auto mine = current.find(player);
  if (mine != current.end() && mine->second.state.has_value()) {
    return std::nullopt;  // already in this period
  }
  auto before = previous->current.find(player);
  if (before == previous->current.end() || !before->second.state.has_value()) {
    return std::nullopt;  // not in the previous period either: starts new
  }
  return runtime->scorer->SoftReset(
      *before->second.state, board.config->period().soft_reset().fraction());
}

bool BoardSlot::Record(const std::string& player, ScorerState state,
                       const v1::GameEvent& event) {
  Current& c = current[player];
  if (c.state.has_value() && SameScorerState(*c.state, state)) return false;
  c.state = std::move(state);
  c.changed = true;
  const auto& secondary = board.config->secondary();
  c.secondary = secondary.value_key().empty()
                    ? std::nullopt
                    : PlayerValue(event, player, secondary.value_key());
  c.reached_at = EventTime(event);
  if (board.config->has_history()) {
    c.points.push_back({c.reached_at, c.state->score, event.event_id()});
  }
  return true;
}

absl::Status BoardSlot::AddWrites(Commands* tx) const {
  std::vector<EntryWrite> writes;
  std::vector<PlayerHistory> histories;
  for (const std::string& player : players) {
    auto it = current.find(player);
    if (it == current.end() || !it->second.changed) continue;
    const Current& c = it->second;
    auto before = snapshot.players.find(player);
    writes.push_back(
        {player, before == snapshot.players.end() ? nullptr : &before->second,
         *c.state, c.secondary, c.reached_at});
    if (!c.points.empty()) histories.push_back({player, &c.points});
  }
  std::optional<absl::Time> start;
  if (period_info.has_value()) start = period_info->start;
  absl::Status status =
      AddBoardWrites(board, snapshot, writes, start, Expiry(), tx);
  if (!status.ok() || histories.empty()) return status;
  AddHistoryWrites(board, histories, board.config->history().max_points(),
                   Expiry(), tx);
  return absl::OkStatus();
}

int64_t BoardSlot::PlayersAdded() const {
  int64_t added = 0;
  for (const auto& [player, c] : current) {
    auto before = snapshot.players.find(player);
    const bool was_on =
        before != snapshot.players.end() && before->second.state.has_value();
    if (c.changed && !was_on) ++added;
  }
  return added;
}

std::optional<absl::Time> BoardSlot::Expiry() const {
  if (!period_info.has_value()) return std::nullopt;
  return PeriodExpiry(*board.config, *period_info);
}

BoardSlot& SlotFor(const GameRuntime& game, size_t b, const std::string& period,
                   std::optional<Period> info, BoardSlots* slots) {
  BoardSlot& slot = (*slots)[{b, period}];
  if (slot.runtime == nullptr) {
    const BoardRuntime& board = game.boards[b];
    slot.runtime = &board;
    slot.board = {game.config.game_id(), &board.config,
                  board.scorer->AuxNames(), period};
    slot.period_info = std::move(info);
  }
  return slot;
}

BoardSlot* PreviousSlotFor(const GameRuntime& game, size_t b, BoardSlot* slot,
                           absl::Time now, BoardSlots* slots) {
  const v1::LeaderboardConfig& config = game.boards[b].config;
  if (slot->previous_planned || !slot->period_info.has_value() ||
      !config.period().has_soft_reset()) {
    return slot->previous;
  }
  slot->previous_planned = true;
  auto previous = PreviousPeriod(config, *slot->period_info);
  if (!previous.ok()) return nullptr;  // the first season
  std::optional<absl::Time> expiry = PeriodExpiry(config, *previous);
  if (expiry.has_value() && *expiry <= now) return nullptr;  // gone
  const std::string id = previous->id;
  slot->previous = &SlotFor(game, b, id, *std::move(previous), slots);
  return slot->previous;
}

}  // namespace worker
}  // namespace statstracker
