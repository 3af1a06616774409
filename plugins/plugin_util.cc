#include "plugins/plugin_util.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"

namespace statstracker {
namespace plugins {

absl::Status CheckFinite(absl::string_view field, double value) {
  if (std::isfinite(value)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(field, " must be finite, got ", value));
}

absl::StatusOr<double> AddFinite(absl::string_view field, double total,
                                 double value) {
  absl::Status finite = CheckFinite(field, value);
  if (!finite.ok()) return finite;
  const double sum = total + value;
  if (std::isfinite(sum)) return sum;
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s: adding %g to the stored total %g overflows; totals must stay "
      "within +-%g",
      field, value, total, std::numeric_limits<double>::max()));
}

absl::StatusOr<int64_t> AddInt64(absl::string_view field, int64_t total,
                                 int64_t value) {
  int64_t sum;
  if (!__builtin_add_overflow(total, value, &sum)) return sum;
  return absl::InvalidArgumentError(absl::StrFormat(
      "%s: adding %d to the stored total %d overflows; integer totals must "
      "stay within +-%d",
      field, value, total, std::numeric_limits<int64_t>::max()));
}

absl::StatusOr<int64_t> RoundToInt64(absl::string_view field, double value) {
  // 2^63 is exactly representable; every double below it in magnitude fits.
  constexpr double kLimit = 9223372036854775808.0;
  const double rounded = std::round(value);
  if (std::isfinite(rounded) && rounded > -kLimit && rounded < kLimit) {
    return static_cast<int64_t>(rounded);
  }
  return absl::InvalidArgumentError(
      absl::StrFormat("%s: %g is not an integer within +-%d", field, value,
                      std::numeric_limits<int64_t>::max()));
}

double EventSeconds(const v1::GameEvent& event) {
  return static_cast<double>(event.occurred_at().seconds()) +
         event.occurred_at().nanos() / 1e9;
}

absl::StatusOr<double> PeriodSecondsParam(
    absl::string_view field, bool has,
    const google::protobuf::Duration& value) {
  if (!has) return 0.0;
  const double seconds =
      static_cast<double>(value.seconds()) + value.nanos() / 1e9;
  // A valid Duration of at least one second has seconds >= 1 and nanos in
  // [0, 1e9) (the sign of nanos follows the sign of seconds).
  const bool valid =
      value.seconds() >= 1 && value.nanos() >= 0 && value.nanos() < 1000000000;
  if (!valid) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " must be at least 1s, got ", seconds, "s"));
  }
  return seconds;
}

int64_t PeriodsSatOut(double last_seconds, double now_seconds,
                      double period_seconds) {
  if (!(period_seconds > 0)) return 0;
  const double gap = std::floor(now_seconds / period_seconds) -
                     std::floor(last_seconds / period_seconds) - 1;
  // Event times are bounded (common/event_validation), but a stored time
  // is only a number: keep the count finite and in range.
  if (!(gap > 0)) return 0;
  return gap > 1e15 ? static_cast<int64_t>(1e15) : static_cast<int64_t>(gap);
}

std::vector<std::string> MatchPlayerIds(const v1::GameEvent& event) {
  std::vector<std::string> players;
  if (!event.has_match_completed()) return players;
  players.reserve(event.match_completed().participants_size());
  for (const auto& p : event.match_completed().participants()) {
    players.push_back(p.player_id());
  }
  return players;
}

std::string OutcomeName(v1::Outcome outcome) {
  switch (outcome) {
    case v1::OUTCOME_WIN:
      return "win";
    case v1::OUTCOME_LOSS:
      return "loss";
    case v1::OUTCOME_DRAW:
      return "draw";
    default:
      return "unspecified";
  }
}

absl::StatusOr<std::vector<v1::Outcome>> MatchOutcomes(
    const v1::MatchCompleted& match, bool require) {
  const auto& ps = match.participants();
  uint32_t best = 0;
  int placed = 0;
  for (const v1::Participant& p : ps) {
    if (p.placement() == 0) continue;
    ++placed;
    if (best == 0 || p.placement() < best) best = p.placement();
  }
  int at_best = 0;
  for (const v1::Participant& p : ps) at_best += p.placement() == best ? 1 : 0;

  std::vector<v1::Outcome> out;
  out.reserve(ps.size());
  for (int i = 0; i < ps.size(); ++i) {
    const v1::Participant& p = ps[i];
    int raw = static_cast<int>(p.outcome());
    if (raw < v1::OUTCOME_UNSPECIFIED || raw > v1::OUTCOME_DRAW) {
      return absl::InvalidArgumentError(absl::StrCat(
          "match_completed.participants[", i, "].outcome: unknown value ", raw,
          "; accepted: OUTCOME_WIN (1), OUTCOME_LOSS (2), OUTCOME_DRAW (3), "
          "or OUTCOME_UNSPECIFIED (0) with a placement"));
    }
    if (p.outcome() != v1::OUTCOME_UNSPECIFIED) {
      out.push_back(p.outcome());
    } else if (p.placement() > 0) {
      if (p.placement() != best) {
        out.push_back(v1::OUTCOME_LOSS);
      } else {
        out.push_back(at_best == placed ? v1::OUTCOME_DRAW : v1::OUTCOME_WIN);
      }
    } else if (require) {
      return absl::InvalidArgumentError(absl::StrCat(
          "match_completed.participants[", i, "] (player '", p.player_id(),
          "'): needs an outcome or a placement (> 0); both are unset"));
    } else {
      out.push_back(v1::OUTCOME_UNSPECIFIED);
    }
  }
  return out;
}

namespace {

// The first index recorded for each id. Matches are mostly a handful of
// participants: up to kLinear ids are searched in a vector (no hashing, no
// allocation beyond it), more go in a hash map.
class IndexOf {
 public:
  explicit IndexOf(int expected) {
    small_.reserve(std::min(static_cast<size_t>(expected), kLinear));
  }

  // The index recorded for `id`; records and returns `index` if none was.
  int Insert(absl::string_view id, int index) {
    if (large_.empty()) {
      for (const auto& [seen, at] : small_) {
        if (seen == id) return at;
      }
      if (small_.size() < kLinear) {
        small_.emplace_back(id, index);
        return index;
      }
      large_.insert(small_.begin(), small_.end());
    }
    return large_.emplace(id, index).first->second;
  }

 private:
  static constexpr size_t kLinear = 16;
  std::vector<std::pair<absl::string_view, int>> small_;
  absl::flat_hash_map<absl::string_view, int> large_;
};

double OutcomeKey(v1::Outcome outcome) {
  switch (outcome) {
    case v1::OUTCOME_WIN:
      return 0;
    case v1::OUTCOME_DRAW:
      return 1;
    default:
      return 2;
  }
}

}  // namespace

absl::StatusOr<std::vector<MatchSide>> MatchSides(
    const v1::MatchCompleted& match) {
  const auto& ps = match.participants();
  std::vector<MatchSide> sides;
  sides.reserve(ps.size());
  // Keyed by views into `match`, which outlives them: no copy of an id.
  IndexOf team_side(ps.size());
  IndexOf seen_player(ps.size());
  for (int i = 0; i < ps.size(); ++i) {
    const v1::Participant& p = ps[i];
    if (p.player_id().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "match_completed.participants[", i, "].player_id must be set"));
    }
    const int earlier = seen_player.Insert(p.player_id(), i);
    if (earlier != i) {
      return absl::InvalidArgumentError(absl::StrCat(
          "match_completed.participants[", i, "].player_id: duplicate player '",
          p.player_id(), "' (also participants[", earlier, "])"));
    }
    if (p.team_id().empty()) {
      sides.push_back(MatchSide{"", {i}, 0});
      continue;
    }
    const int side =
        team_side.Insert(p.team_id(), static_cast<int>(sides.size()));
    if (side == static_cast<int>(sides.size())) {
      sides.push_back(MatchSide{p.team_id(), {}, 0});
    }
    sides[side].participants.push_back(i);
  }
  if (sides.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "match_completed.participants: a rated match needs at least 2 sides "
        "(players, or teams by team_id), got ",
        sides.size(), " from ", ps.size(), " participant(s)"));
  }

  bool all_placed = true;
  for (const v1::Participant& p : ps) all_placed &= p.placement() > 0;
  const bool by_placement = sides.size() > 2 && all_placed;

  std::vector<v1::Outcome> outcomes;
  if (!by_placement) {
    absl::StatusOr<std::vector<v1::Outcome>> resolved =
        MatchOutcomes(match, /*require=*/true);
    if (!resolved.ok()) return resolved.status();
    outcomes = *std::move(resolved);
  }
  auto key_of = [&](int i) {
    return by_placement ? static_cast<double>(ps[i].placement())
                        : OutcomeKey(outcomes[i]);
  };
  auto describe = [&](int i) {
    return by_placement ? absl::StrCat("placement ", ps[i].placement())
                        : absl::StrCat("outcome ", OutcomeName(outcomes[i]));
  };
  for (MatchSide& side : sides) {
    const int first = side.participants.front();
    side.key = key_of(first);
    for (int i : side.participants) {
      if (key_of(i) != side.key) {
        return absl::InvalidArgumentError(
            absl::StrCat("match_completed.participants[", i, "]: ", describe(i),
                         " conflicts with teammate participants[", first, "] ",
                         describe(first), " in team '", side.team_id,
                         "'; a team shares one result"));
      }
    }
  }
  if (sides.size() == 2 && !by_placement) {
    const double a = sides[0].key;
    const double b = sides[1].key;
    const bool valid =
        (a == 1 && b == 1) || (a == 0 && b == 2) || (a == 2 && b == 0);
    if (!valid) {
      const int i = sides[1].participants.front();
      return absl::InvalidArgumentError(
          absl::StrCat("match_completed.participants[", i, "]: ", describe(i),
                       " contradicts the other side's ",
                       describe(sides[0].participants.front()),
                       "; two sides must be win/loss or draw/draw"));
    }
  }
  return sides;
}

double PairScore(const MatchSide& a, const MatchSide& b) {
  if (a.key < b.key) return 1.0;
  if (a.key > b.key) return 0.0;
  return 0.5;
}

double StatAsDouble(const v1::StatValue& value) {
  switch (value.value_case()) {
    case v1::StatValue::kIntValue:
      return static_cast<double>(value.int_value());
    case v1::StatValue::kDoubleValue:
      return value.double_value();
    default:
      return 0;
  }
}

}  // namespace plugins
}  // namespace statstracker
