// Stats handler "declarative"; semantics and validation in declarative.h.

#include "plugins/stats/declarative.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "plugins/plugin_util.h"
#include "plugins/stats_handler.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace declarative {
namespace {

using Def = v1::StatDefinition;

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// A stored stat as an integer; a stored double outside the int64 range
// (only possible if something else wrote the hash) counts as 0.
int64_t AsInt(const v1::StatValue& value) {
  if (value.value_case() == v1::StatValue::kIntValue) return value.int_value();
  absl::StatusOr<int64_t> whole =
      plugins::RoundToInt64("stored stat", plugins::StatAsDouble(value));
  return whole.ok() ? *whole : 0;
}

v1::StatValue IntValue(int64_t v) {
  v1::StatValue value;
  value.set_int_value(v);
  return value;
}

v1::StatValue DoubleValue(double v) {
  v1::StatValue value;
  value.set_double_value(v);
  return value;
}

// What one event says about one player.
struct Entry {
  // The index in match_completed.participants; -1 for a score submission.
  int participant;
  const std::string* player_id;
  bool is_match;
  v1::Outcome outcome;  // OUTCOME_UNSPECIFIED when unknown or not a match
  double score;
  const google::protobuf::Map<std::string, double>* values;

  // The event field, for errors (built only for one).
  std::string Path() const {
    return participant < 0 ? "score_submitted"
                           : absl::StrCat("match_completed.participants[",
                                          participant, "]");
  }
};

// `total + value`, or AddInt64's error naming the entry's field followed
// by `leaf`; the name is built only when the sum overflows.
absl::StatusOr<int64_t> AddToTotal(const Entry& entry, absl::string_view leaf,
                                   int64_t total, int64_t value) {
  int64_t sum;
  if (!__builtin_add_overflow(total, value, &sum)) return sum;
  return plugins::AddInt64(absl::StrCat(entry.Path(), leaf), total, value);
}

class DeclarativeHandler : public StatsHandler {
 public:
  DeclarativeHandler(std::vector<Def> defs, std::string streak_source,
                     bool hidden_streak)
      : defs_(std::move(defs)),
        streak_source_(std::move(streak_source)),
        hidden_streak_(hidden_streak) {}

  std::vector<StatSpec> Stats() const override {
    std::vector<StatSpec> specs;
    for (const Def& def : defs_) {
      StatSpec spec;
      spec.name = def.name();
      switch (def.kind_case()) {
        case Def::kAggregate:
          spec.type = def.aggregate().integer() ? StatSpec::Type::kInt
                                                : StatSpec::Type::kDouble;
          break;
        case Def::kRatio:
          spec.type = StatSpec::Type::kDouble;
          spec.derived = true;
          break;
        default:
          spec.type = StatSpec::Type::kInt;
      }
      specs.push_back(std::move(spec));
    }
    if (hidden_streak_) {
      specs.push_back(StatSpec{kStreakHelperStat, StatSpec::Type::kInt, false});
    }
    return specs;
  }

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

  absl::StatusOr<std::vector<StatChange>> Apply(
      const v1::GameEvent& event,
      const absl::flat_hash_map<std::string, StatMap>& current) const override {
    std::vector<Entry> entries;
    entries.reserve(event.has_match_completed()
                        ? event.match_completed().participants_size()
                        : 1);
    if (event.has_score_submitted()) {
      const auto& s = event.score_submitted();
      entries.push_back(Entry{-1, &s.player_id(), false,
                              v1::OUTCOME_UNSPECIFIED, s.score(), &s.values()});
    } else if (event.has_match_completed()) {
      const auto& match = event.match_completed();
      absl::StatusOr<std::vector<v1::Outcome>> outcomes =
          plugins::MatchOutcomes(match, /*require=*/false);
      if (!outcomes.ok()) return outcomes.status();
      for (int i = 0; i < match.participants_size(); ++i) {
        const v1::Participant& p = match.participants(i);
        entries.push_back(Entry{i, &p.player_id(), true, (*outcomes)[i],
                                p.score(), &p.values()});
      }
    }

    std::vector<StatChange> changes;
    static const StatMap kEmpty;
    for (const Entry& entry : entries) {
      if (entry.player_id->empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(entry.Path(), ".player_id must be set"));
      }
      auto it = current.find(*entry.player_id);
      const StatMap& stats = it == current.end() ? kEmpty : it->second;
      StatChange change;
      change.player_id = *entry.player_id;
      absl::Status applied = ApplyEntry(entry, stats, &change.values);
      if (!applied.ok()) return applied;
      if (!change.values.empty()) changes.push_back(std::move(change));
    }
    return changes;
  }

  void Derive(StatMap* stats) const override {
    for (const Def& def : defs_) {
      if (def.kind_case() != Def::kRatio) continue;
      auto num = stats->find(def.ratio().numerator());
      auto den = stats->find(def.ratio().denominator());
      const double n =
          num == stats->end() ? 0 : plugins::StatAsDouble(num->second);
      const double d =
          den == stats->end() ? 0 : plugins::StatAsDouble(den->second);
      // Two finite sums can divide to infinity (1e308 / 1e-308); such a
      // ratio says nothing, so it is left out rather than sent as Infinity.
      const double ratio = d == 0 ? 0 : n / d;
      if (std::isfinite(ratio)) {
        (*stats)[def.name()] = DoubleValue(ratio);
      } else {
        stats->erase(def.name());
      }
    }
    if (hidden_streak_) stats->erase(kStreakHelperStat);
  }

 private:
  // Writes `value` under `name` unless the player already has exactly it.
  static void Set(const StatMap& stats, const std::string& name,
                  const v1::StatValue& value, StatMap* out) {
    auto it = stats.find(name);
    if (it != stats.end() && it->second.value_case() == value.value_case() &&
        plugins::StatAsDouble(it->second) == plugins::StatAsDouble(value)) {
      return;
    }
    (*out)[name] = value;
  }

  // INVALID_ARGUMENT naming the event field when a total would overflow
  // (a double sum to infinity, an integer past the int64 range).
  absl::Status ApplyEntry(const Entry& entry, const StatMap& stats,
                          StatMap* out) const {
    // The current streak after this event, if the event decides it.
    bool streak_known = false;
    int64_t streak = 0;
    if (entry.is_match && entry.outcome != v1::OUTCOME_UNSPECIFIED) {
      streak_known = true;
      auto it = stats.find(streak_source_);
      const int64_t before = it == stats.end() ? 0 : AsInt(it->second);
      if (entry.outcome == v1::OUTCOME_WIN) {
        absl::StatusOr<int64_t> next = AddToTotal(entry, ".outcome", before, 1);
        if (!next.ok()) return next.status();
        streak = *next;
      }
      if (hidden_streak_) Set(stats, kStreakHelperStat, IntValue(streak), out);
    }

    for (const Def& def : defs_) {
      const std::string& name = def.name();
      auto it = stats.find(name);
      const bool has = it != stats.end();
      switch (def.kind_case()) {
        case Def::kCount: {
          const v1::Outcome want = def.count().outcome();
          const int64_t before = has ? AsInt(it->second) : 0;
          const bool counts = want == v1::OUTCOME_UNSPECIFIED ||
                              (entry.is_match && entry.outcome == want);
          if (!counts && !entry.is_match) break;
          absl::StatusOr<int64_t> next =
              AddToTotal(entry, "", before, counts ? 1 : 0);
          if (!next.ok()) return next.status();
          Set(stats, name, IntValue(*next), out);
          break;
        }
        case Def::kAggregate: {
          const auto& agg = def.aggregate();
          double v;
          std::string field;
          if (agg.field() == "score") {
            v = entry.score;
            field = absl::StrCat(entry.Path(), ".score");
          } else {
            auto found = entry.values->find(agg.field());
            if (found == entry.values->end()) break;
            v = found->second;
            field =
                absl::StrCat(entry.Path(), ".values[\"", agg.field(), "\"]");
          }
          if (!std::isfinite(v)) break;  // event validation rejects these
          if (agg.integer()) {
            absl::StatusOr<int64_t> whole = plugins::RoundToInt64(field, v);
            if (!whole.ok()) return whole.status();
            v = static_cast<double>(*whole);
          }
          const double before = has ? plugins::StatAsDouble(it->second) : 0;
          double next = v;
          switch (agg.op()) {
            case Def::AggregateStat::OP_SUM: {
              absl::StatusOr<double> sum = plugins::AddFinite(field, before, v);
              if (!sum.ok()) return sum.status();
              next = *sum;
              break;
            }
            case Def::AggregateStat::OP_MIN:
              next = has && before <= v ? before : v;
              break;
            case Def::AggregateStat::OP_MAX:
              next = has && before >= v ? before : v;
              break;
            default:  // OP_LAST
              break;
          }
          if (agg.integer()) {
            absl::StatusOr<int64_t> whole = plugins::RoundToInt64(field, next);
            if (!whole.ok()) return whole.status();
            Set(stats, name, IntValue(*whole), out);
          } else {
            Set(stats, name, DoubleValue(next), out);
          }
          break;
        }
        case Def::kStreak: {
          if (!streak_known) break;
          if (def.streak().kind() == Def::StreakStat::KIND_CURRENT) {
            Set(stats, name, IntValue(streak), out);
          } else {
            const int64_t best = has ? AsInt(it->second) : 0;
            Set(stats, name, IntValue(std::max(best, streak)), out);
          }
          break;
        }
        default:  // ratios are derived when read
          break;
      }
    }
    return absl::OkStatus();
  }

  std::vector<Def> defs_;
  // The stat the current streak is read from: a defined current-streak stat,
  // or kStreakHelperStat.
  std::string streak_source_;
  bool hidden_streak_;
};

absl::Status Invalid(int i, const Def& def, const std::string& what) {
  return absl::InvalidArgumentError(
      absl::StrCat("params.stats[", i, "] \"", def.name(), "\": ", what));
}

absl::StatusOr<std::unique_ptr<StatsHandler>> CreateDeclarativeHandler(
    const v1::StatsHandlerConfig& config) {
  v1::DeclarativeStatsParams params;
  absl::Status status = plugins::UnpackParams(config.params(), &params);
  if (!status.ok()) return status;
  if (params.stats().empty()) {
    return absl::InvalidArgumentError(
        "params.stats must define at least one stat");
  }
  absl::flat_hash_map<std::string, int> index;  // name -> position
  std::string current_streak;
  bool needs_streak = false;
  for (int i = 0; i < params.stats_size(); ++i) {
    const Def& def = params.stats(i);
    if (!ValidName(def.name())) {
      return Invalid(i, def, "name must be 1 to 64 characters of [a-z0-9_]");
    }
    if (def.name() == kStreakHelperStat) {
      return Invalid(i, def,
                     absl::StrCat("name '", kStreakHelperStat,
                                  "' is reserved for the hidden streak stat"));
    }
    auto [it, inserted] = index.emplace(def.name(), i);
    if (!inserted) {
      return Invalid(i, def,
                     absl::StrCat("name is already used by params.stats[",
                                  it->second, "]; names must be unique"));
    }
    switch (def.kind_case()) {
      case Def::kCount: {
        const int outcome = def.count().outcome();
        if (!v1::Outcome_IsValid(outcome)) {
          return Invalid(i, def,
                         absl::StrCat("count.outcome: unknown value ", outcome,
                                      "; accepted: OUTCOME_UNSPECIFIED (every "
                                      "event), OUTCOME_WIN, OUTCOME_LOSS, "
                                      "OUTCOME_DRAW"));
        }
        break;
      }
      case Def::kAggregate: {
        const auto& agg = def.aggregate();
        if (agg.field() != "score" && !ValidName(agg.field())) {
          return Invalid(
              i, def,
              absl::StrCat("aggregate.field must be \"score\" or a values key "
                           "of 1 to 64 characters of [a-z0-9_], got \"",
                           agg.field(), "\""));
        }
        const int op = agg.op();
        if (op < Def::AggregateStat::OP_SUM ||
            op > Def::AggregateStat::OP_LAST) {
          return Invalid(i, def,
                         absl::StrCat("aggregate.op must be OP_SUM, OP_MIN, "
                                      "OP_MAX or OP_LAST, got ",
                                      op));
        }
        break;
      }
      case Def::kStreak: {
        const int kind = def.streak().kind();
        if (kind == Def::StreakStat::KIND_CURRENT) {
          if (current_streak.empty()) current_streak = def.name();
        } else if (kind == Def::StreakStat::KIND_BEST) {
          needs_streak = true;
        } else {
          return Invalid(i, def,
                         absl::StrCat("streak.kind must be KIND_CURRENT or "
                                      "KIND_BEST, got ",
                                      kind));
        }
        break;
      }
      case Def::kRatio:
        break;  // checked below, once every name is known
      default:
        return Invalid(i, def,
                       "one of count, aggregate, streak or ratio must be set");
    }
  }
  for (int i = 0; i < params.stats_size(); ++i) {
    const Def& def = params.stats(i);
    if (def.kind_case() != Def::kRatio) continue;
    const std::pair<const char*, const std::string*> refs[] = {
        {"numerator", &def.ratio().numerator()},
        {"denominator", &def.ratio().denominator()}};
    for (const auto& [field, ref] : refs) {
      auto it = index.find(*ref);
      if (it == index.end() ||
          params.stats(it->second).kind_case() == Def::kRatio) {
        std::vector<std::string> stored;
        for (const Def& d : params.stats()) {
          if (d.kind_case() != Def::kRatio) stored.push_back(d.name());
        }
        return Invalid(
            i, def,
            absl::StrCat(
                "ratio.", field, " \"", *ref,
                "\" must name a count, aggregate or streak stat of "
                "this handler; they are: ",
                stored.empty() ? "(none)" : absl::StrJoin(stored, ", ")));
      }
    }
  }
  const bool hidden = needs_streak && current_streak.empty();
  std::vector<Def> defs(params.stats().begin(), params.stats().end());
  return std::unique_ptr<StatsHandler>(new DeclarativeHandler(
      std::move(defs), hidden ? kStreakHelperStat : current_streak, hidden));
}

const StatsHandlerRegistration kDeclarative("declarative",
                                            &CreateDeclarativeHandler);

}  // namespace
}  // namespace declarative
}  // namespace statstracker
