#include "worker/dedup.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace statstracker {
namespace worker {
namespace {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

}  // namespace

std::string ProducerState::Encode() const {
  return absl::StrCat(epoch, " ", high, " ", absl::Hex(window));
}

absl::StatusOr<ProducerState> ProducerState::Decode(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ' ');
  ProducerState state;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &state.epoch) ||
      !absl::SimpleAtoi(parts[1], &state.high) ||
      !absl::SimpleHexAtoi(parts[2], &state.window)) {
    return absl::InvalidArgumentError(
        absl::StrCat("producer state '", text.substr(0, 80),
                     "' is not \"<epoch> <high> <window hex>\""));
  }
  return state;
}

SequenceVerdict CheckSequence(const std::optional<ProducerState>& state,
                              uint64_t epoch, uint64_t sequence) {
  if (!state.has_value() || epoch > state->epoch) {
    return SequenceVerdict::kApply;
  }
  if (epoch < state->epoch) return SequenceVerdict::kStaleEpoch;
  if (sequence > state->high) return SequenceVerdict::kApply;
  if (sequence == state->high) return SequenceVerdict::kDuplicate;
  const uint64_t below = state->high - sequence;  // >= 1
  if (below > kSequenceWindow) return SequenceVerdict::kOutsideWindow;
  const bool applied = (state->window >> (below - 1)) & 1;
  return applied ? SequenceVerdict::kDuplicate : SequenceVerdict::kApply;
}

ProducerState RecordSequence(const std::optional<ProducerState>& state,
                             uint64_t epoch, uint64_t sequence) {
  if (!state.has_value() || epoch != state->epoch) {
    return ProducerState{epoch, sequence, 0};
  }
  ProducerState next = *state;
  if (sequence > next.high) {
    const uint64_t shift = sequence - next.high;
    // The old high moves to position shift - 1 below the new one.
    next.window = shift >= 64 ? 0 : next.window << shift;
    if (shift <= kSequenceWindow) next.window |= uint64_t{1} << (shift - 1);
    next.high = sequence;
  } else if (sequence < next.high) {
    next.window |= uint64_t{1} << (next.high - sequence - 1);
  }
  return next;
}

DedupBuckets::DedupBuckets(absl::Duration window)
    : window_s_(std::max<int64_t>(1, absl::ToInt64Seconds(window))),
      width_s_(std::max<int64_t>(1, window_s_ / 8)) {}

int64_t DedupBuckets::IndexAt(absl::Time now) const {
  return FloorDiv(absl::ToUnixSeconds(now), width_s_);
}

std::vector<int64_t> DedupBuckets::LiveAt(absl::Time now) const {
  std::vector<int64_t> out;
  for (int64_t i = IndexAt(now - absl::Seconds(window_s_)); i <= IndexAt(now);
       ++i) {
    out.push_back(i);
  }
  return out;
}

absl::Time DedupBuckets::ExpiryOf(int64_t index) const {
  return absl::FromUnixSeconds((index + 1) * width_s_ + window_s_);
}

}  // namespace worker
}  // namespace statstracker
