#ifndef STATSTRACKER_COMMON_KEYS_H_
#define STATSTRACKER_COMMON_KEYS_H_

// The Redis key layout, version 2: the one place it is defined. Outside tools
// may read it; it changes only with a new layout version and a migration
// (`stats migrate`, tools/cli/README.md).
//
// Every key of a game carries the hash tag "{<game_id>}", so all of a game's
// keys live in one Redis Cluster slot and a game's updates commit in one
// MULTI/EXEC.
//
// Global:
//   st:layout                     STRING the layout version, "2"
// Per board and period (P = the period id, "all" for boards without periods;
// B = "st:{g}:lb:<board>:P"):
//   B                ZSET  the ranking. score = StoredScore(), member =
//                          MemberPrefix + player id (below). ZRANGE in
//                          ascending order is best first on every board,
//                          whatever its sort order.
//   B:buckets        HASH  "level", "split": the linear-hashing state of the
//                          player records (common/player_buckets.h); absent
//                          means level 0, split 0 (one bucket)
//   B:p:<n>          HASH  player records of bucket n: player id -> record
//                          (common/board_record.h): the member prefix, then
//                          the scorer's aux values if it keeps any
//   B:distinct       ZSET  dense boards only: one member per distinct stored
//                          score (member = the 8-byte ordered key of the
//                          score, score = the stored score), so a dense rank
//                          is a ZCOUNT away
//   B:h:<player>     LIST  boards with history (LeaderboardConfig.history)
//                          only: the player's history points, newest first,
//                          at most history.max_points; each point a compact
//                          binary string (common/history_point.h). Written
//                          with the player's entry, expires with the period
//   B:history        STRING "1" while the board period may hold history
//                          lists: tells a reset that it must look for them
//   st:{g}:periods:<board>  ZSET  period ids that have data; score = period
//                          start (unix seconds)
// Per game:
//   st:{g}:stats:<player_id>   HASH   stat name -> value (decimal text)
//   st:{g}:dedup:<w>:<i>       SET    ids of events without a producer
//                                     sequence that were applied while the
//                                     worker's clock was in [i*w, (i+1)*w)
//                                     seconds; expires dedup_window after
//   st:{g}:producer:<id>       STRING a sequenced producer's state
//                                     (worker/producer_dedup.h); expires
//                                     after producer_idle_expiry
//   st:{g}:cursor              HASH   stream key -> id of the last entry of
//                                     this game applied from it
//
// The ranking member. Redis orders equal scores by member bytes, so a member
// starts with a tie-break prefix that sorts the better entry first:
//   [secondary: 8 bytes]  only on boards with a secondary score
//                         (LeaderboardConfig.secondary.value_key): the value
//                         as an order-preserving 64-bit key, big-endian. The
//                         key of a double v: its IEEE 754 bits b; if v is
//                         negative ~b, else b | 2^63 (so unsigned order is
//                         numeric order; -0 is written as +0). On
//                         higher-is-better secondaries the key is inverted
//                         (~key). An entry without a secondary value gets
//                         all 0xFF bytes and sorts after every entry with one
//                         (a real key equal to that is written as ...FE).
//   [time: 7 bytes]       when the score was reached: t = microseconds
//                         since 1970-01-01T00:00:00Z (rounded down, toward
//                         the past), written as the unsigned 56-bit number
//                         t + 2^55, big-endian. Plain addition, no XOR: the
//                         offset makes every t >= -2^55 non-negative, so
//                         times before 1970 keep their order. The range is
//                         0828-04-17T00:49:41Z to 3111-09-16T23:10:18Z (t in
//                         [-2^55, 2^55 - 1]); a time outside is written as
//                         the nearest end.
//                         Earlier sorts first. Decode: read the 7 bytes as
//                         an unsigned big-endian n; t = n - 2^55.
//   [player id]           the player id's bytes, to the end of the member
//                         (no length, no terminator).
// The ZSET score is StoredScore(): the score, negated on higher-is-better
// boards (so ascending is best first), written by Redis as a double.
// Worked example: player "ann" reaching a score at 2026-11-27T12:30:00.000250Z
// (t = 1795782600000250) on a board without a secondary score:
//   t + 2^55 = 1795782600000250 + 36028797018963968 = 37824579618964218
//            = 0x86614137F782FA
//   member = 86 61 41 37 F7 82 FA 61 6E 6E   (7 time bytes, then "ann")
// 1969-12-31T23:59:59Z (t = -1000000) gives 2^55 - 1000000 =
// 0x7FFFFFFFF0BDC0, so it sorts just before 1970-01-01T00:00:00Z
// (0x80000000000000).
// With a lower-is-better secondary of 1234.5 (bits 0x40934A0000000000,
// positive, so key = bits | 2^63) the member starts with C0 93 4A 00 00 00 00
// 00; with a higher-is-better one, with the inverted key 3F 6C B5 FF FF FF FF
// FF.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {
namespace keys {

// The layout this code reads and writes, stored in LayoutVersion().
inline constexpr int kLayoutVersion = 2;

// Period id used for boards without periods.
inline constexpr absl::string_view kAllTimePeriod = "all";

std::string LayoutVersion();                     // "st:layout"
std::string GameTag(absl::string_view game_id);  // "st:{g}"
std::string Board(absl::string_view game_id, absl::string_view board_id,
                  absl::string_view period);
std::string BoardBuckets(absl::string_view game_id, absl::string_view board_id,
                         absl::string_view period);
// The prefix of the record bucket keys: Board(...) + ":p:"; a bucket's key is
// this followed by its number in decimal.
std::string BoardRecordPrefix(absl::string_view game_id,
                              absl::string_view board_id,
                              absl::string_view period);
std::string BoardRecords(absl::string_view game_id, absl::string_view board_id,
                         absl::string_view period, uint32_t bucket);
std::string BoardDistinct(absl::string_view game_id, absl::string_view board_id,
                          absl::string_view period);
std::string BoardPeriods(absl::string_view game_id, absl::string_view board_id);
// The prefix of the history lists: Board(...) + ":h:"; a player's list is
// this followed by the player id.
std::string BoardHistoryPrefix(absl::string_view game_id,
                               absl::string_view board_id,
                               absl::string_view period);
std::string BoardHistory(absl::string_view game_id, absl::string_view board_id,
                         absl::string_view period, absl::string_view player_id);
std::string BoardHistoryMarker(absl::string_view game_id,
                               absl::string_view board_id,
                               absl::string_view period);
std::string PlayerStats(absl::string_view game_id, absl::string_view player_id);
std::string DedupBucket(absl::string_view game_id, int64_t width_seconds,
                        int64_t index);
std::string Producer(absl::string_view game_id, absl::string_view producer_id);
std::string Cursor(absl::string_view game_id);

// The Pub/Sub channel a commit that changed a game's data publishes on
// (PUBLISH, inside the commit's MULTI/EXEC); the message is the game id.
// The server's answer cache drops that game's answers when it hears it.
// Not a key: it holds no data and belongs to no slot (Redis Cluster
// broadcasts PUBLISH to every node).
inline constexpr absl::string_view kChangesChannel = "st:changes";

// The ZSET score for `score` on a board sorted by `order`: negated for
// higher-is-better boards, so ascending order is always best first.
double StoredScore(double score, v1::SortOrder order);
// Inverse of StoredScore.
double ScoreFromStored(double stored, v1::SortOrder order);

// Decimal text of a stored score that round-trips exactly ("%.17g").
std::string FormatScore(double value);

// The 8-byte order-preserving key of a double (see the layout above),
// big-endian: memcmp order of keys is numeric order of values.
std::string OrderedKey(double value);
// Inverse of OrderedKey for its 8 bytes.
double FromOrderedKey(absl::string_view key);

// Length of the time part of a member prefix.
inline constexpr size_t kTimeKeyBytes = 7;
// Length of the secondary part, on boards that have one.
inline constexpr size_t kSecondaryKeyBytes = 8;

// The 7-byte time key of the member prefix (layout above): microseconds
// since the epoch plus 2^55, big-endian, clamped to the representable range.
std::string TimeKey(absl::Time t);
// Inverse of TimeKey for its first 7 bytes.
absl::Time FromTimeKey(absl::string_view key);

// Whether a board's members carry a secondary key.
bool HasSecondary(const v1::LeaderboardConfig& board);
// Length of the member prefix on `board`: 7, or 15 with a secondary.
size_t MemberPrefixBytes(const v1::LeaderboardConfig& board);

// The member prefix for an entry of `board` (layout above).
std::string MemberPrefix(const v1::LeaderboardConfig& board,
                         std::optional<double> secondary,
                         absl::Time reached_at);
// Prefix + player id.
std::string EncodeMember(const v1::LeaderboardConfig& board,
                         absl::string_view player_id,
                         std::optional<double> secondary,
                         absl::Time reached_at);

// The parts of a member made by EncodeMember.
struct DecodedMember {
  std::string player_id;
  std::optional<double> secondary;
  absl::Time reached_at;
};
// Decodes a member of `board`; nullopt if it is shorter than the prefix.
std::optional<DecodedMember> DecodeMember(const v1::LeaderboardConfig& board,
                                          absl::string_view member);

}  // namespace keys
}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_KEYS_H_
