#ifndef STATSTRACKER_WORKER_STATE_CODEC_H_
#define STATSTRACKER_WORKER_STATE_CODEC_H_

// Text encodings of what the worker stores in Redis besides the ranking:
// scorer states (the :state hash of a board, common/keys.h) and stat values
// (st:{g}:stats:<player>).

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "plugins/scorer.h"
#include "plugins/stats_handler.h"

namespace statstracker {
namespace worker {

// A ScorerState as text: the score, then each aux entry as ";name=value",
// names sorted, numbers "%.17g" (round-trip exact), e.g.
//   "1516"                                 (Elo)
//   "1500;deviation=350;volatility=0.06"   (Glicko-2)
// Aux names must not contain ';' or '='.
std::string EncodeScorerState(const ScorerState& state);

// Inverse of EncodeScorerState. INVALID_ARGUMENT quoting the text if it is
// not in that format.
absl::StatusOr<ScorerState> DecodeScorerState(absl::string_view text);

// Exact equality of score and aux (used to leave unchanged entries alone).
bool SameScorerState(const ScorerState& a, const ScorerState& b);

// A stat value as stored: "%lld" for integers, "%.17g" for doubles; empty
// for an unset value.
std::string FormatStatValue(const v1::StatValue& value);

// Parses a stored stat value as `type`. Integers written as doubles are
// truncated; nullopt-like error for non-numeric text.
absl::StatusOr<v1::StatValue> ParseStatValue(absl::string_view text,
                                             StatSpec::Type type);

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_STATE_CODEC_H_
