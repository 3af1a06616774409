#ifndef STATSTRACKER_COMMON_HISTORY_POINT_H_
#define STATSTRACKER_COMMON_HISTORY_POINT_H_

// One point of a player's history on a board (an element of a "B:h:<player>"
// list, common/keys.h): what one event changed the player's score to.
//
//   [time: 7 bytes]   the event's occurred_at, as keys::TimeKey (the time
//                     key of the ranking member: microseconds, big-endian)
//   [score: 8 bytes]  the score after the change, the double's IEEE 754 bits
//                     big-endian
//   [event id]        the rest: the event id's bytes (1 to 128)
//
// 15 bytes plus the event id, stored as a Redis list element (BENCHMARKS.md
// "History" has what that costs).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace statstracker {

struct HistoryPoint {
  absl::Time occurred_at;
  double score = 0;
  std::string event_id;
};

// The most points LeaderboardConfig.history.max_points may keep.
inline constexpr uint32_t kMaxHistoryPoints = 10000;

// Length of the fixed part (time and score).
inline constexpr size_t kHistoryPointFixedBytes = 15;

std::string EncodeHistoryPoint(const HistoryPoint& point);

// Inverse of EncodeHistoryPoint. INVALID_ARGUMENT (with the length) for a
// string shorter than the fixed part.
absl::StatusOr<HistoryPoint> DecodeHistoryPoint(absl::string_view bytes);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_HISTORY_POINT_H_
