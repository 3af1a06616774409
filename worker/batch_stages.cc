#include "worker/batch_stages.h"

#include <memory>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "common/logging.h"
#include "common/periods.h"
#include "worker/dedup_store.h"
#include "worker/state_codec.h"

namespace statstracker {
namespace worker {
namespace {

// Bucket splits done after one batch, at most (more follow with the next).
constexpr int kMaxSplitsPerBatch = 64;

}  // namespace

bool IsString(const RedisReply& r) {
  return r.type == RedisReply::Type::kString ||
         r.type == RedisReply::Type::kStatus;
}

absl::Status ReplyError(absl::string_view what, const RedisReply& reply) {
  return absl::InternalError(
      absl::StrCat(what, " failed: ", reply.DebugString().substr(0, 300)));
}

namespace {

void PlanBoards(const GameRuntime& game,
                const std::vector<StreamEntry*>& entries, absl::Time now,
                Attempt* a) {
  a->event_slots.assign(entries.size(), {});
  absl::flat_hash_set<std::string> producers, unsequenced;
  for (size_t i = 0; i < entries.size(); ++i) {
    const v1::GameEvent& event = *entries[i]->event;
    if (event.has_producer()) {
      if (producers.insert(event.producer().producer_id()).second) {
        a->producer_ids.push_back(event.producer().producer_id());
      }
    } else if (unsequenced.insert(event.event_id()).second) {
      a->unsequenced_ids.push_back(event.event_id());
    }
    for (size_t b = 0; b < game.boards.size(); ++b) {
      const BoardRuntime& board = game.boards[b];
      if (event.has_score_submitted() &&
          !event.score_submitted().leaderboard_id().empty() &&
          event.score_submitted().leaderboard_id() !=
              board.config.leaderboard_id()) {
        continue;
      }
      std::string period(keys::kAllTimePeriod);
      std::optional<Period> info;
      if (board.config.has_period()) {
        auto p = PeriodAt(board.config, EventTime(event));
        if (!p.ok()) continue;  // outside every season: counts in none
        std::optional<absl::Time> expiry = PeriodExpiry(board.config, *p);
        // A period already past its retention would be written only to
        // expire at once (and leave its id in the periods index).
        if (expiry.has_value() && *expiry <= now) continue;
        period = p->id;
        info = *std::move(p);
      }
      BoardSlot& slot = SlotFor(game, b, period, std::move(info), &a->slots);
      // Soft reset: the same players are read in the previous period too.
      BoardSlot* previous = PreviousSlotFor(game, b, &slot, now, &a->slots);
      for (std::string& p : board.scorer->PlayersToRead(event)) {
        if (previous != nullptr) previous->AddPlayer(p);
        slot.AddPlayer(std::move(p));
      }
      a->event_slots[i].push_back(&slot);
    }
    for (const auto& handler : game.handlers) {
      for (std::string& p : handler->PlayersToRead(event)) {
        if (!a->stats.contains(p)) {
          a->stats[p];
          a->stat_players.push_back(std::move(p));
        }
      }
    }
  }
}

}  // namespace

std::unique_ptr<Attempt> PlanAttempt(const GameRuntime& game,
                                     const std::vector<StreamEntry*>& entries,
                                     const DedupBuckets& dedup,
                                     absl::Time now) {
  auto a = std::make_unique<Attempt>();
  a->now = now;
  PlanBoards(game, entries, now, a.get());
  if (!a->unsequenced_ids.empty()) a->dedup_buckets = dedup.LiveAt(now);
  return a;
}

// The cursor, the producers' states, the event-id dedup sets, each board
// period (one script call; previous periods of soft-reset boards are slots
// too) and each player's stats.
Commands ReadCommands(const std::string& g, const std::string& stream,
                      const DedupBuckets& dedup, const Attempt& a) {
  std::vector<std::string> watch = {"WATCH", keys::Cursor(g)};
  Commands reads = {{"HGET", keys::Cursor(g), stream}};
  for (const std::string& p : a.producer_ids) {
    watch.push_back(keys::Producer(g, p));
    reads.push_back({"GET", keys::Producer(g, p)});
  }
  if (!a.dedup_buckets.empty()) {
    std::vector<std::string> sets;
    sets.reserve(a.dedup_buckets.size());
    for (int64_t b : a.dedup_buckets) {
      sets.push_back(keys::DedupBucket(g, dedup.width_seconds(), b));
      watch.push_back(sets.back());
    }
    reads.push_back(SeenIdsCommand(sets, a.unsequenced_ids));
  }
  for (const auto& [key, slot] : a.slots) {
    const std::string& id = slot.board.config->leaderboard_id();
    watch.push_back(keys::Board(g, id, slot.board.period));
    watch.push_back(keys::BoardBuckets(g, id, slot.board.period));
    reads.push_back(ReadBoardCommand(slot.board, slot.players));
  }
  for (const std::string& p : a.stat_players) {
    std::string key = keys::PlayerStats(g, p);
    watch.push_back(key);
    reads.push_back({"HGETALL", key});
  }
  reads.insert(reads.begin(), std::move(watch));
  return reads;
}

absl::Status ParseReads(const GameRuntime& game,
                        const std::vector<RedisReply>& replies, size_t first,
                        Attempt* a) {
  const std::string& g = game.config.game_id();
  size_t pos = first + 1;
  if (IsString(replies[pos])) a->cursor = StreamId::Parse(replies[pos].str);
  ++pos;
  for (const std::string& p : a->producer_ids) {
    const RedisReply& r = replies[pos++];
    std::optional<ProducerState>& state = a->producers[p];
    if (!IsString(r)) continue;
    auto decoded = ProducerState::Decode(r.str);
    if (!decoded.ok()) {
      return absl::InternalError(absl::StrCat(
          "game '", g, "' producer '", p, "': ", decoded.status().message()));
    }
    state = *decoded;
  }
  if (!a->dedup_buckets.empty()) {
    absl::Status seen =
        ParseSeenIds(replies[pos++], a->unsequenced_ids, &a->seen_ids);
    if (!seen.ok()) return seen;
  }
  for (auto& [key, slot] : a->slots) {
    auto snapshot = ParseBoardReply(slot.board, slot.players, replies[pos++]);
    if (!snapshot.ok()) return snapshot.status();
    slot.snapshot = *std::move(snapshot);
    slot.current.reserve(slot.players.size());
    for (const auto& [player, before] : slot.snapshot.players) {
      slot.current[player].state = before.state;
    }
  }
  for (const std::string& p : a->stat_players) {
    const RedisReply& h = replies[pos++];
    StatsSlot& slot = a->stats[p];
    for (size_t i = 0; i + 1 < h.elements.size(); i += 2) {
      for (const StatSpec& spec : game.stats) {
        if (spec.name != h.elements[i].str || spec.derived) continue;
        auto value = ParseStatValue(h.elements[i + 1].str, spec.type);
        if (value.ok()) slot.current[spec.name] = *value;
        break;
      }
    }
  }
  return absl::OkStatus();
}

namespace {

// Why a sequenced event cannot be applied, or "" when it can (or is a
// duplicate, which *duplicate says).
std::string CheckProducer(const v1::ProducerSequence& p,
                          const std::optional<ProducerState>& state,
                          bool* duplicate, std::string* category) {
  switch (CheckSequence(state, p.epoch(), p.sequence())) {
    case SequenceVerdict::kApply:
      return "";
    case SequenceVerdict::kDuplicate:
      *duplicate = true;
      return "";
    case SequenceVerdict::kStaleEpoch:
      *category = "stale_producer_epoch";
      return absl::StrCat("producer '", p.producer_id(), "': epoch ", p.epoch(),
                          " is older than epoch ", state->epoch,
                          ", already applied; the event comes from a "
                          "replaced producer instance");
    case SequenceVerdict::kOutsideWindow:
      // A producer never holds back an event longer than the window
      // (events.proto), so this is a retry of an applied one, e.g. a whole
      // batch published again.
      *duplicate = true;
      return "";
  }
  return "";
}

// Runs one event through the game's scorers and stats handlers on the
// in-memory state of `a`. Returns why a plugin refused it ("" if none); then
// nothing of the event is kept.
std::string ApplyPlugins(const GameRuntime& game, const v1::GameEvent& event,
                         const std::vector<BoardSlot*>& slots, Attempt* a) {
  const std::string& g = game.config.game_id();
  std::vector<std::pair<BoardSlot*, ScoreChange>> board_changes;
  absl::flat_hash_map<std::string, ScorerState> current;
  for (BoardSlot* slot : slots) {
    const Scorer& scorer = *slot->runtime->scorer;
    const std::vector<std::string> players = scorer.PlayersToRead(event);
    current.clear();  // keeps its capacity for the next board
    current.reserve(players.size());
    for (const std::string& p : players) {
      std::optional<ScorerState> start = slot->SoftResetStart(p);
      auto& c = slot->current[p];
      if (start.has_value()) c.state = std::move(start);  // first in period
      if (c.state.has_value()) current[p] = *c.state;
    }
    auto changes = scorer.Score(event, current);
    if (!changes.ok()) {
      return absl::StrCat("rejected by scorer '", slot->board.config->scorer(),
                          "' of board '", slot->board.config->leaderboard_id(),
                          "': ", changes.status().message());
    }
    for (ScoreChange& c : *changes) {
      board_changes.emplace_back(slot, std::move(c));
    }
  }
  // Stats changes of this event, visible to later handlers of the same
  // event, merged only if no plugin rejects the event.
  absl::flat_hash_map<std::string, StatMap> overlay;
  for (size_t h = 0; h < game.handlers.size(); ++h) {
    absl::flat_hash_map<std::string, StatMap> current;
    // Players without changes from earlier handlers of this event (all of
    // them for the first handler) lend their stats to `current` for the
    // call instead of copying them; they get them back right after it.
    std::vector<std::pair<StatsSlot*, const std::string*>> lent;
    for (const std::string& p : game.handlers[h]->PlayersToRead(event)) {
      auto it = a->stats.find(p);
      auto o = overlay.find(p);
      if (o == overlay.end()) {
        if (it == a->stats.end() || it->second.current.empty()) continue;
        auto [entry, inserted] = current.try_emplace(p);
        if (!inserted) continue;  // listed twice: lent once
        entry->second = std::move(it->second.current);
        lent.emplace_back(&it->second, &it->first);
        continue;
      }
      StatMap merged;
      if (it != a->stats.end()) merged = it->second.current;
      for (const auto& [name, value] : o->second) merged[name] = value;
      if (!merged.empty()) current[p] = std::move(merged);
    }
    auto changes = game.handlers[h]->Apply(event, current);
    for (auto& [slot, player] : lent) {
      slot->current = std::move(current.find(*player)->second);
    }
    if (!changes.ok()) {
      return absl::StrCat("rejected by stats handler '",
                          game.config.stats(h).handler(),
                          "': ", changes.status().message());
    }
    for (StatChange& c : *changes) {
      for (auto& [name, value] : c.values) {
        overlay[c.player_id][name] = std::move(value);
      }
    }
  }
  for (auto& [player, values] : overlay) {
    auto found = a->stats.find(player);
    if (found == a->stats.end()) {
      Log(LogLevel::kWarning, "stats handler changed a player it did not read",
          {{"game", g}, {"player", player}});
      continue;
    }
    for (auto& [name, value] : values) {
      found->second.changed.insert(name);
      found->second.current[name] = std::move(value);
    }
  }
  for (auto& [slot, change] : board_changes) {
    if (!slot->player_set.contains(change.player_id)) {
      // The scorer contract: only players from PlayersToRead change.
      Log(LogLevel::kWarning, "scorer changed a player it did not read",
          {{"board", slot->board.config->leaderboard_id()},
           {"player", change.player_id}});
      continue;
    }
    // Unchanged states keep their entry, including when the score was
    // reached.
    slot->Record(change.player_id, std::move(change.state), event);
  }
  return "";
}

}  // namespace

GameBatchResult ApplyEvents(const GameRuntime& game,
                            const std::vector<StreamEntry*>& entries,
                            Attempt* a) {
  absl::flat_hash_set<std::string>* ids_applied = &a->ids_applied;
  GameBatchResult result;
  for (size_t i = 0; i < entries.size(); ++i) {
    StreamEntry* e = entries[i];
    const v1::GameEvent& event = *e->event;
    if (a->cursor.has_value() && e->id <= *a->cursor) {
      result.redelivered.push_back(e);
      continue;
    }
    if (event.has_producer()) {
      bool duplicate = false;
      std::string category;
      std::string why = CheckProducer(
          event.producer(), a->producers[event.producer().producer_id()],
          &duplicate, &category);
      if (!why.empty()) {
        result.rejected.push_back({e, std::move(why), std::move(category)});
        continue;
      }
      if (duplicate) {
        result.duplicates.push_back(e);
        continue;
      }
    } else if (a->seen_ids.contains(event.event_id()) ||
               ids_applied->contains(event.event_id())) {
      result.duplicates.push_back(e);
      continue;
    }
    std::string reject = ApplyPlugins(game, event, a->event_slots[i], a);
    if (!reject.empty()) {
      result.rejected.push_back({e, std::move(reject), "rejected"});
      continue;
    }
    if (event.has_producer()) {
      const v1::ProducerSequence& p = event.producer();
      std::optional<ProducerState>& state = a->producers[p.producer_id()];
      state = RecordSequence(state, p.epoch(), p.sequence());
    } else {
      ids_applied->insert(event.event_id());
    }
    result.applied.push_back(e);
  }
  return result;
}

namespace {

// Whether the attempt writes any of the game's data (board entries and
// histories, or stats), as opposed to only dedup state and the cursor.
bool ChangesGameData(const Attempt& a) {
  for (const auto& [key, slot] : a.slots) {
    for (const auto& [player, c] : slot.current) {
      if (c.changed) return true;
    }
  }
  for (const auto& [player, slot] : a.stats) {
    if (!slot.changed.empty()) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<Commands> WriteCommands(const GameRuntime& game,
                                       const std::vector<StreamEntry*>& entries,
                                       const DedupBuckets& dedup,
                                       absl::Duration producer_expiry,
                                       bool always_write_cursor,
                                       const Attempt& attempt) {
  const Attempt* a = &attempt;
  const absl::Time now = a->now;
  const absl::flat_hash_set<std::string>& ids_applied = a->ids_applied;
  const std::string& g = game.config.game_id();
  const std::string& stream = entries.front()->stream;
  Commands tx = {{"MULTI"}};
  for (const auto& [key, slot] : a->slots) {
    absl::Status status = slot.AddWrites(&tx);
    if (!status.ok()) return status;
  }
  for (const auto& [player, slot] : a->stats) {
    if (slot.changed.empty()) continue;
    std::vector<std::string> hset = {"HSET", keys::PlayerStats(g, player)};
    for (const std::string& name : slot.changed) {
      hset.push_back(name);
      hset.push_back(FormatStatValue(slot.current.at(name)));
    }
    tx.push_back(std::move(hset));
  }
  if (!ids_applied.empty()) {
    const int64_t index = dedup.IndexAt(now);
    std::string key = keys::DedupBucket(g, dedup.width_seconds(), index);
    std::vector<std::string> sadd = {"SADD", key};
    sadd.insert(sadd.end(), ids_applied.begin(), ids_applied.end());
    tx.push_back(std::move(sadd));
    tx.push_back({"PEXPIREAT", key,
                  absl::StrCat(absl::ToUnixMillis(dedup.ExpiryOf(index)))});
  }
  const std::string expiry_ms = absl::StrCat(
      std::max<int64_t>(1, absl::ToInt64Milliseconds(producer_expiry)));
  for (const auto& [producer, state] : a->producers) {
    if (!state.has_value()) continue;
    tx.push_back(
        {"SET", keys::Producer(g, producer), state->Encode(), "PX", expiry_ms});
  }
  if (ChangesGameData(*a)) {
    // Once per transaction, in it: the server's answer cache drops the
    // game's cached answers when it hears this (common/keys.h).
    tx.push_back({"PUBLISH", std::string(keys::kChangesChannel), g});
  }
  const StreamId& last = entries.back()->id;
  if (!a->cursor.has_value() || *a->cursor < last) {
    tx.push_back({"HSET", keys::Cursor(g), stream, last.ToString()});
  } else if (always_write_cursor) {
    // A write for WAIT to wait on: entries redelivered after a commit are
    // acknowledged only once that commit is on the replicas too.
    tx.push_back({"HSET", keys::Cursor(g), stream, a->cursor->ToString()});
  }
  tx.push_back({"EXEC"});
  return tx;
}

namespace {

bool SlotNeedsSplit(const BoardSlot& slot) {
  return slot.snapshot.buckets.NeedsSplit(slot.snapshot.entries +
                                          slot.PlayersAdded());
}

}  // namespace

bool NeedsBucketSplit(const Attempt& a) {
  for (const auto& [key, slot] : a.slots) {
    if (SlotNeedsSplit(slot)) return true;
  }
  return false;
}

void GrowBuckets(RedisConnection* conn, const std::string& g,
                 WorkerMetrics* metrics, Attempt* a) {
  for (auto& [key, slot] : a->slots) {
    if (!SlotNeedsSplit(slot)) continue;
    auto splits =
        SplitBuckets(conn, slot.board, slot.Expiry(), kMaxSplitsPerBatch);
    if (!splits.ok()) {
      // The batch is committed; splitting is tried again after the next one.
      Log(LogLevel::kWarning, "splitting record buckets failed",
          {{"game", g}, {"error", std::string(splits.status().message())}});
      continue;
    }
    if (*splits > 0) metrics->bucket_splits->Increment({g}, *splits);
  }
}

}  // namespace worker
}  // namespace statstracker
