#ifndef STATSTRACKER_WORKER_DEDUP_H_
#define STATSTRACKER_WORKER_DEDUP_H_

// How the worker tells a producer's retry from a new event (the rules are in
// events.proto, GameEvent). Pure functions; the worker reads and writes the
// state they work on in the game's transaction (common/keys.h).
//
// Sequenced producers: per producer and game, the epoch, the highest
// sequence applied in it and a 64-bit window of which of the 64 sequences
// below it were applied. Stored as text "<epoch> <high> <window hex>" in
// st:{g}:producer:<id>.
//
// Events without a producer sequence: their ids go into a set per stretch of
// the worker's clock (st:{g}:dedup:<w>:<i>, w = dedup_window / 8, at least
// one second); a set expires dedup_window after its stretch ends, so an id is
// remembered for at least dedup_window and at most dedup_window + w. A new
// event is checked against the sets of the last dedup_window (9 or 10 sets).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace statstracker {
namespace worker {

// How far below the highest applied sequence an event may arrive.
inline constexpr uint64_t kSequenceWindow = 64;

struct ProducerState {
  uint64_t epoch = 0;
  uint64_t high = 0;
  // Bit i set: sequence high - 1 - i was applied.
  uint64_t window = 0;

  std::string Encode() const;
  // INVALID_ARGUMENT quoting the text if it is not Encode()'s format.
  static absl::StatusOr<ProducerState> Decode(absl::string_view text);
  bool operator==(const ProducerState& o) const {
    return epoch == o.epoch && high == o.high && window == o.window;
  }
};

enum class SequenceVerdict {
  kApply,          // new: apply it, then Record() it
  kDuplicate,      // applied before: acknowledge only
  kStaleEpoch,     // older epoch than one applied: dead-letter
  kOutsideWindow,  // too far below the highest applied: a retry of an
                   // applied one, as producers keep at most the window in
                   // flight
};

// The verdict for (epoch, sequence) given the producer's state (nullopt for
// a producer never seen or forgotten).
SequenceVerdict CheckSequence(const std::optional<ProducerState>& state,
                              uint64_t epoch, uint64_t sequence);

// The state after applying (epoch, sequence), which CheckSequence said to
// apply.
ProducerState RecordSequence(const std::optional<ProducerState>& state,
                             uint64_t epoch, uint64_t sequence);

// The time buckets of event-id dedup.
class DedupBuckets {
 public:
  explicit DedupBuckets(absl::Duration window);

  int64_t width_seconds() const { return width_s_; }
  // The bucket an id applied at `now` goes into.
  int64_t IndexAt(absl::Time now) const;
  // The buckets that may hold an id applied within the window before `now`,
  // oldest first.
  std::vector<int64_t> LiveAt(absl::Time now) const;
  // When bucket `index` may be dropped: window after its stretch ends.
  absl::Time ExpiryOf(int64_t index) const;

 private:
  int64_t window_s_;
  int64_t width_s_;
};

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_DEDUP_H_
