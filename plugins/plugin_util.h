#ifndef STATSTRACKER_PLUGINS_PLUGIN_UTIL_H_
#define STATSTRACKER_PLUGINS_PLUGIN_UTIL_H_

// Helpers the plugins share: parameters out of the config's Any, match
// outcomes (explicit or derived from placement), the sides of a match for
// rating scorers, and small checks. Pure functions; no I/O.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/any.pb.h"
#include "google/protobuf/duration.pb.h"
#include "statstracker/v1/events.pb.h"
#include "statstracker/v1/stats.pb.h"

namespace statstracker {
namespace plugins {

// Unpacks a plugin's params Any into `out`. An unset Any (empty type URL)
// leaves `out` at its defaults. INVALID_ARGUMENT naming the expected type when
// the Any holds another message, or when its bytes do not decode.
template <typename Params>
absl::Status UnpackParams(const google::protobuf::Any& any, Params* out) {
  if (any.type_url().empty()) return absl::OkStatus();
  const std::string& expected = Params::descriptor()->full_name();
  if (!any.Is<Params>()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "params must be a ", expected, " (type URL \"type.", "googleapis.com/",
        expected, "\"), got \"", any.type_url(), "\""));
  }
  if (!any.UnpackTo(out)) {
    return absl::InvalidArgumentError(
        absl::StrCat("params: cannot decode the ", expected, " bytes"));
  }
  return absl::OkStatus();
}

// INVALID_ARGUMENT "<field> must be finite, got <value>" unless finite.
absl::Status CheckFinite(absl::string_view field, double value);

// Totals that must stay finite: scorers and handlers add event values to
// stored ones, and two finite numbers can sum to infinity (1e308 + 1e308) or
// past the int64 range. Each returns the sum, or INVALID_ARGUMENT naming
// `field` (the event field that was added), the value and the stored total,
// so the worker dead-letters the event with that reason instead of storing
// infinity or wrapping around.
absl::StatusOr<double> AddFinite(absl::string_view field, double total,
                                 double value);
absl::StatusOr<int64_t> AddInt64(absl::string_view field, int64_t total,
                                 int64_t value);

// `value` rounded to an int64, or INVALID_ARGUMENT naming `field` when it is
// not finite or outside the int64 range (a cast would be undefined).
absl::StatusOr<int64_t> RoundToInt64(absl::string_view field, double value);

// The event's occurred_at in seconds since the epoch, with fractions.
double EventSeconds(const v1::GameEvent& event);

// A period length from a params Duration, in seconds: 0 when `has` is false
// (unset), else INVALID_ARGUMENT "<field> must be at least 1s, got <value>s"
// unless the Duration is valid and at least one second long.
absl::StatusOr<double> PeriodSecondsParam(
    absl::string_view field, bool has, const google::protobuf::Duration& value);

// The whole periods of `period_seconds`, counted from the Unix epoch, that
// lie strictly between the period holding `last_seconds` and the one
// holding `now_seconds`: the periods a player sat out between two rated
// events. 0 when `now_seconds` falls in the same or the next period, or
// earlier; 0 for a `period_seconds` that is not > 0.
int64_t PeriodsSatOut(double last_seconds, double now_seconds,
                      double period_seconds);

// The player ids of a completed match, in participant order; empty for any
// other event. What match-only scorers return from PlayersToRead().
std::vector<std::string> MatchPlayerIds(const v1::GameEvent& event);

// Short text for an outcome: "win", "loss", "draw", "unspecified".
std::string OutcomeName(v1::Outcome outcome);

// Each participant's outcome, in participant order. A participant's own
// outcome wins; otherwise it is derived from placement: among participants
// with a placement (> 0), the best placement is a win, unless every placed
// participant shares it (then a draw), and any other placement is a loss.
// A participant with neither stays OUTCOME_UNSPECIFIED, or, when `require`,
// the call fails naming it. INVALID_ARGUMENT for outcome values outside the
// enum, naming the field and the value.
absl::StatusOr<std::vector<v1::Outcome>> MatchOutcomes(
    const v1::MatchCompleted& match, bool require);

// One side of a match for rating scorers: a team (participants sharing a
// non-empty team_id) or one player without a team.
struct MatchSide {
  std::string team_id;            // empty for a solo side
  std::vector<int> participants;  // indexes into match.participants
  // Lower is better; equal keys are a draw. The placement in free-for-all
  // matches with every placement given, else 0 = win, 1 = draw, 2 = loss.
  double key = 0;
};

// The sides of a match and how they finished, for Elo and Glicko-2. Rules:
//  - at least two sides; every player at most once;
//  - more than two sides with every placement given: ranked by placement;
//  - otherwise by outcome (explicit, else derived from placement; a
//    participant with neither is rejected); two sides must be win/loss or
//    draw/draw;
//  - members of one team must share their result.
// INVALID_ARGUMENT naming the field (match_completed.participants[i]...).
absl::StatusOr<std::vector<MatchSide>> MatchSides(
    const v1::MatchCompleted& match);

// The actual score of side `a` against side `b`: 1 if a finished better,
// 0.5 if level, 0 if worse.
double PairScore(const MatchSide& a, const MatchSide& b);

// The number in a StatValue, whichever of int/double is set (0 if neither).
double StatAsDouble(const v1::StatValue& value);

}  // namespace plugins
}  // namespace statstracker

#endif  // STATSTRACKER_PLUGINS_PLUGIN_UTIL_H_
