#include "common/stream_partitions.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/player_buckets.h"
#include "common/redis_slots.h"

namespace statstracker {
namespace {

// The hash tag of partition p of n (see the header).
std::string Tag(int p, int n) {
  const int from = p * kClusterSlots / n;
  const int to = (p + 1) * kClusterSlots / n;
  for (int s = 0;; ++s) {
    std::string tag = absl::StrCat("p", p, "-", s);
    const int slot = KeySlot(tag);
    if (slot >= from && slot < to) return tag;
  }
}

}  // namespace

int PartitionCount(const v1::StreamConfig& stream) {
  return std::max<int>(1, static_cast<int>(stream.partitions()));
}

int PartitionOf(absl::string_view game_id, int partitions) {
  if (partitions <= 1) return 0;
  return static_cast<int>(PlayerHash(game_id) %
                          static_cast<uint32_t>(partitions));
}

std::string PartitionStreamKey(const v1::StreamConfig& stream, int p) {
  const int n = PartitionCount(stream);
  if (n == 1) return stream.key();
  return absl::StrCat(stream.key(), ":{", Tag(p, n), "}");
}

std::string PartitionDeadLetterKey(const v1::StreamConfig& stream, int p) {
  const int n = PartitionCount(stream);
  if (n == 1) return stream.dead_letter_key();
  return absl::StrCat(stream.dead_letter_key(), ":{", Tag(p, n), "}");
}

std::string StreamKeyForGame(const v1::StreamConfig& stream,
                             absl::string_view game_id) {
  return PartitionStreamKey(stream,
                            PartitionOf(game_id, PartitionCount(stream)));
}

std::vector<std::string> AllStreamKeys(const v1::StreamConfig& stream) {
  std::vector<std::string> out;
  for (int p = 0; p < PartitionCount(stream); ++p) {
    out.push_back(PartitionStreamKey(stream, p));
  }
  return out;
}

std::vector<std::string> AllDeadLetterKeys(const v1::StreamConfig& stream) {
  std::vector<std::string> out;
  for (int p = 0; p < PartitionCount(stream); ++p) {
    out.push_back(PartitionDeadLetterKey(stream, p));
  }
  return out;
}

}  // namespace statstracker
