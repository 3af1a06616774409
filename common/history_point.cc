#include "common/history_point.h"

#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/keys.h"

namespace statstracker {

std::string EncodeHistoryPoint(const HistoryPoint& point) {
  std::string out = keys::TimeKey(point.occurred_at);
  out.reserve(kHistoryPointFixedBytes + point.event_id.size());
  uint64_t bits;
  std::memcpy(&bits, &point.score, sizeof(bits));
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((bits >> shift) & 0xFF));
  }
  out += point.event_id;
  return out;
}

absl::StatusOr<HistoryPoint> DecodeHistoryPoint(absl::string_view bytes) {
  if (bytes.size() < kHistoryPointFixedBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("history point of ", bytes.size(), " bytes; at least ",
                     kHistoryPointFixedBytes, " expected"));
  }
  HistoryPoint point;
  point.occurred_at = keys::FromTimeKey(bytes.substr(0, keys::kTimeKeyBytes));
  uint64_t bits = 0;
  for (size_t i = keys::kTimeKeyBytes; i < kHistoryPointFixedBytes; ++i) {
    bits = (bits << 8) | static_cast<unsigned char>(bytes[i]);
  }
  std::memcpy(&point.score, &bits, sizeof(bits));
  point.event_id = std::string(bytes.substr(kHistoryPointFixedBytes));
  return point;
}

}  // namespace statstracker
