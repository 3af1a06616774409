#include "common/player_buckets.h"

namespace statstracker {

uint32_t PlayerHash(absl::string_view bytes) {
  uint32_t h = 2166136261u;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

uint32_t BucketState::BucketOfHash(uint32_t hash) const {
  // level < 32 always (2^31 buckets would be 100 billion players).
  uint32_t low = hash & ((uint32_t{1} << level) - 1);
  if (low < split) low = hash & ((uint32_t{2} << level) - 1);
  return low;
}

uint32_t BucketState::BucketOf(absl::string_view player_id) const {
  return BucketOfHash(PlayerHash(player_id));
}

bool BucketState::NeedsSplit(int64_t records) const {
  return records > kTargetRecordsPerBucket * static_cast<int64_t>(buckets());
}

BucketState BucketState::AfterSplit() const {
  BucketState next = *this;
  ++next.split;
  if (next.split == (uint32_t{1} << level)) {
    ++next.level;
    next.split = 0;
  }
  return next;
}

// Lua numbers are doubles: keep every intermediate below 2^53. FNV's prime
// is 2^24 + 403, so h * prime mod 2^32 = (h * 403 + (h mod 2^8) * 2^24) mod
// 2^32, each term exact. bit.bxor returns a signed 32-bit value; "% 2^32"
// makes it unsigned again.
const char kLuaPlayerBuckets[] = R"lua(
local function player_hash(s)
  local h = 2166136261
  for i = 1, #s do
    h = bit.bxor(h, string.byte(s, i)) % 4294967296
    h = (h * 403 + (h % 256) * 16777216) % 4294967296
  end
  return h
end

local function bucket_of(s, level, split)
  local h = player_hash(s)
  local b = h % (2 ^ level)
  if b < split then b = h % (2 ^ (level + 1)) end
  return b
end
)lua";

}  // namespace statstracker
