#ifndef STATSTRACKER_COMMON_KEYS_H_
#define STATSTRACKER_COMMON_KEYS_H_

// The Redis key layout: the one place it is defined. Every key of a game
// carries the hash tag "{<game_id>}", so all of a game's keys live in one Redis
// Cluster slot and a game's updates commit in one MULTI/EXEC.
//
// Per board and period (P = the period id, "all" for boards without periods):
//   st:{g}:lb:<board>:P           ZSET  the ranking. score = StoredScore(),
//                                       member = EncodeMember(). ZRANGE in
//                                       ascending order is best first on every
//                                       board, whatever its sort order.
//   st:{g}:lb:<board>:P:members   HASH  player_id -> that player's member
//   st:{g}:lb:<board>:P:state     HASH  player_id -> ScorerState as text:
//                                       "<score>[;<aux>=<value>]..." ("%.17g",
//                                       aux sorted; worker/state_codec.h)
//   st:{g}:lb:<board>:P:distinct  ZSET  one member per distinct stored score
//                                       (member = FormatScore(stored)), so a
//                                       dense rank is a ZRANK away
//   st:{g}:lb:<board>:P:dcount    HASH  FormatScore(stored) -> entries with it
//   st:{g}:periods:<board>        ZSET  period ids that have data; score =
//                                       period start (unix seconds)
// Per game:
//   st:{g}:stats:<player_id>      HASH  stat name -> value (decimal text)
//   st:{g}:seen:<event_id>        STRING event already applied; expires after
//                                       WorkerConfig.dedup_window
//   st:{g}:applied                STREAM event ids in the order their effects
//                                       committed (capped, approximate)

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {
namespace keys {

// Period id used for boards without periods.
inline constexpr absl::string_view kAllTimePeriod = "all";

std::string GameTag(absl::string_view game_id);  // "st:{g}"
std::string Board(absl::string_view game_id, absl::string_view board_id,
                  absl::string_view period);
std::string BoardMembers(absl::string_view game_id, absl::string_view board_id,
                         absl::string_view period);
std::string BoardState(absl::string_view game_id, absl::string_view board_id,
                       absl::string_view period);
std::string BoardDistinct(absl::string_view game_id, absl::string_view board_id,
                          absl::string_view period);
std::string BoardDistinctCount(absl::string_view game_id,
                               absl::string_view board_id,
                               absl::string_view period);
std::string BoardPeriods(absl::string_view game_id, absl::string_view board_id);
std::string PlayerStats(absl::string_view game_id, absl::string_view player_id);
std::string Seen(absl::string_view game_id, absl::string_view event_id);
std::string Applied(absl::string_view game_id);

// The ZSET score for `score` on a board sorted by `order`: negated for
// higher-is-better boards, so ascending order is always best first.
double StoredScore(double score, v1::SortOrder order);
// Inverse of StoredScore.
double ScoreFromStored(double stored, v1::SortOrder order);

// Decimal text of a stored score that round-trips exactly ("%.17g").
std::string FormatScore(double value);

// Length of the tie-break prefix EncodeMember puts before the player id.
inline constexpr size_t kMemberPrefixBytes = 16;

// The ZSET member for a player. Redis orders equal scores by member bytes, so
// the member begins with a 16-byte tie-break key that sorts the better entry
// first:
//   8 bytes  secondary score, order-preserving, in the secondary's own sort
//            order; entries without one (or boards without a secondary) get
//            all 0xFF bytes and come after those with one
//   8 bytes  when the score was reached, microseconds since the epoch,
//            big-endian: earlier sorts first
// followed by the player id's bytes.
std::string EncodeMember(absl::string_view player_id,
                         std::optional<double> secondary,
                         v1::SortOrder secondary_order, absl::Time reached_at);

// The parts of a member made by EncodeMember.
struct DecodedMember {
  std::string player_id;
  std::optional<double> secondary;
  absl::Time reached_at;
};
// Decodes a member; nullopt if it is shorter than the prefix.
std::optional<DecodedMember> DecodeMember(absl::string_view member,
                                          v1::SortOrder secondary_order);

}  // namespace keys
}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_KEYS_H_
