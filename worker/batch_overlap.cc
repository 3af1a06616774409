#include "worker/batch_overlap.h"

#include <utility>

#include "worker/state_codec.h"

namespace statstracker {
namespace worker {
namespace {

bool SameStatValue(const v1::StatValue& x, const v1::StatValue& y) {
  if (x.value_case() != y.value_case()) return false;
  switch (x.value_case()) {
    case v1::StatValue::kIntValue:
      return x.int_value() == y.int_value();
    case v1::StatValue::kDoubleValue:
      return x.double_value() == y.double_value();
    case v1::StatValue::VALUE_NOT_SET:
      return true;
  }
  return false;
}

bool SameStats(const StatMap& x, const StatMap& y) {
  if (x.size() != y.size()) return false;
  for (const auto& [name, value] : x) {
    auto it = y.find(name);
    if (it == y.end() || !SameStatValue(value, it->second)) return false;
  }
  return true;
}

bool SameState(const std::optional<ScorerState>& x,
               const std::optional<ScorerState>& y) {
  if (x.has_value() != y.has_value()) return false;
  return !x.has_value() || SameScorerState(*x, *y);
}

}  // namespace

ReadInputs InputsOf(const Attempt& a) {
  ReadInputs in;
  in.cursor = a.cursor;
  in.producers.reserve(a.producer_ids.size());
  for (const std::string& p : a.producer_ids) {
    auto it = a.producers.find(p);
    in.producers.push_back(it == a.producers.end() ? std::nullopt : it->second);
  }
  in.seen.reserve(a.unsequenced_ids.size());
  for (const std::string& id : a.unsequenced_ids) {
    in.seen.push_back(a.seen_ids.contains(id));
  }
  for (const auto& [key, slot] : a.slots) {
    for (const std::string& p : slot.players) {
      // No entry and an entry without a state both mean "not on the board"
      // to the plugins' stage.
      auto c = slot.current.find(p);
      in.states.push_back(c == slot.current.end() ? std::nullopt
                                                  : c->second.state);
    }
  }
  in.stats.reserve(a.stat_players.size());
  for (const std::string& p : a.stat_players) {
    auto it = a.stats.find(p);
    in.stats.push_back(it == a.stats.end() ? StatMap() : it->second.current);
  }
  return in;
}

bool SameInputs(const ReadInputs& x, const ReadInputs& y) {
  if (!(x.cursor == y.cursor) || !(x.producers == y.producers) ||
      x.seen != y.seen || x.states.size() != y.states.size() ||
      x.stats.size() != y.stats.size()) {
    return false;
  }
  for (size_t i = 0; i < x.states.size(); ++i) {
    if (!SameState(x.states[i], y.states[i])) return false;
  }
  for (size_t i = 0; i < x.stats.size(); ++i) {
    if (!SameStats(x.stats[i], y.stats[i])) return false;
  }
  return true;
}

bool PredictReads(const std::vector<const Attempt*>& done,
                  const StreamId& done_last, Attempt* next) {
  if (done.empty()) return false;
  // WriteCommands moves the cursor to the batch's last entry.
  const Attempt& newest = *done.front();
  next->cursor = done_last;
  if (newest.cursor.has_value() && done_last < *newest.cursor) {
    next->cursor = newest.cursor;
  }
  for (const std::string& p : next->producer_ids) {
    bool found = false;
    for (const Attempt* d : done) {
      auto it = d->producers.find(p);
      if (it == d->producers.end()) continue;
      next->producers[p] = it->second;
      found = true;
      break;
    }
    if (!found) return false;
  }
  for (const std::string& id : next->unsequenced_ids) {
    for (const Attempt* d : done) {
      if (d->seen_ids.contains(id) || d->ids_applied.contains(id)) {
        next->seen_ids.insert(id);
        break;
      }
    }
  }
  for (auto& [key, slot] : next->slots) {
    for (const std::string& p : slot.players) {
      bool found = false;
      for (const Attempt* d : done) {
        auto it = d->slots.find(key);
        if (it == d->slots.end()) continue;
        auto c = it->second.current.find(p);
        if (c == it->second.current.end()) continue;
        // Held soft-reset starts are not written until they change: the
        // read would say "not in this period", so this guess misses then.
        slot.current[p].state = c->second.state;
        found = true;
        break;
      }
      if (!found) return false;
    }
  }
  for (const std::string& p : next->stat_players) {
    bool found = false;
    for (const Attempt* d : done) {
      auto it = d->stats.find(p);
      if (it == d->stats.end()) continue;
      next->stats[p].current = it->second.current;
      found = true;
      break;
    }
    if (!found) return false;
  }
  return true;
}

void TakeSnapshots(Attempt* read, Attempt* predicted) {
  for (auto& [key, slot] : predicted->slots) {
    auto it = read->slots.find(key);
    if (it != read->slots.end()) slot.snapshot = std::move(it->second.snapshot);
  }
}

}  // namespace worker
}  // namespace statstracker
