#ifndef STATSTRACKER_COMMON_PLAYER_BUCKETS_H_
#define STATSTRACKER_COMMON_PLAYER_BUCKETS_H_

// Which hash bucket holds a player's record on a board (common/keys.h,
// "B:p:<n>"). A board keeps its player records in many small Redis hashes
// rather than one big one: Redis stores a hash of up to 128 short fields as a
// listpack (about 2 bytes of overhead per field) instead of a hash table
// (about 60), which is what keeps a board entry close to the cost of a bare
// sorted-set entry.
//
// The number of buckets grows with the board by linear hashing (Litwin,
// 1980): with state (level L, split s) there are 2^L + s buckets, and
//   bucket(h) = h mod 2^L, or h mod 2^(L+1) if that is below s,
// where h is the 32-bit FNV-1a hash of the player id's bytes. When a board
// holds more than kTargetRecordsPerBucket records per bucket, bucket s is
// split: its records whose h mod 2^(L+1) is s + 2^L move there, s advances,
// and when s reaches 2^L the level goes up and s restarts at 0. A split
// touches one bucket, so growth never rewrites the whole board.
//
// The same functions exist in Lua (kLuaPlayerBuckets) for the scripts that
// look a player up inside Redis; player_buckets_test checks they agree.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace statstracker {

// Average records per bucket above which the next bucket is split. Buckets
// not yet split at the current level hold up to twice the average, so this
// stays well under Redis's default hash-max-listpack-entries (128): the
// fullest buckets of a board stay listpacks too.
inline constexpr int64_t kTargetRecordsPerBucket = 40;

// 32-bit FNV-1a of `bytes`.
uint32_t PlayerHash(absl::string_view bytes);

struct BucketState {
  uint32_t level = 0;
  uint32_t split = 0;

  uint32_t buckets() const { return (uint32_t{1} << level) + split; }
  // The bucket of a player id / of a hash.
  uint32_t BucketOf(absl::string_view player_id) const;
  uint32_t BucketOfHash(uint32_t hash) const;
  // Whether a board with `records` records should split a bucket.
  bool NeedsSplit(int64_t records) const;
  // The bucket the next split divides, the bucket it moves records to, and
  // the state after it.
  uint32_t split_source() const { return split; }
  uint32_t split_target() const { return split + (uint32_t{1} << level); }
  BucketState AfterSplit() const;
};

// Lua definitions of player_hash(s) and bucket_of(s, level, split), for
// scripts (prepend to the script body). Needs Redis's `bit` library.
extern const char kLuaPlayerBuckets[];

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_PLAYER_BUCKETS_H_
