#ifndef STATSTRACKER_WORKER_BOARD_STORE_H_
#define STATSTRACKER_WORKER_BOARD_STORE_H_

// Reading and writing one board period in the key layout of common/keys.h:
// the ranking ZSET, the player records in their buckets, the distinct-score
// index of dense boards, the history lists, expiry and the periods index.
// The worker's batch (game_batch.h) decides what changes; this file knows
// where it goes.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/history_point.h"
#include "common/player_buckets.h"
#include "common/redis_client.h"
#include "plugins/scorer.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {
namespace worker {

using Commands = std::vector<std::vector<std::string>>;

// One board period.
struct BoardPeriod {
  std::string game_id;
  const v1::LeaderboardConfig* config = nullptr;
  std::vector<std::string> aux_names;  // the scorer's AuxNames()
  std::string period;                  // "all" or the period id
};

// What a batch reads of one board period: the bucket state, the entry count
// and each asked-for player's current entry.
struct BoardSnapshot {
  struct Player {
    std::optional<ScorerState> state;  // unset: not on the board
    std::string member;                // the ranking member, when on it
    double stored = 0;                 // the ranking score, when on it
    // Entries with the same stored score, the player's included (read on
    // dense boards only, for the distinct-score index).
    int64_t same_score = 0;
  };
  BucketState buckets;
  int64_t entries = 0;
  absl::flat_hash_map<std::string, Player> players;
};

// The command that reads `players` of `board` (one EVALSHA; the script is
// loaded by LoadBoardScripts). Keys read: the ranking, its bucket state and
// the record buckets, all under the game's hash tag.
std::vector<std::string> ReadBoardCommand(
    const BoardPeriod& board, const std::vector<std::string>& players);

// Parses the reply to ReadBoardCommand for the same players. INTERNAL for a
// malformed reply or a record that does not decode.
absl::StatusOr<BoardSnapshot> ParseBoardReply(
    const BoardPeriod& board, const std::vector<std::string>& players,
    const RedisReply& reply);

// Loads the scripts ReadBoardCommand uses (SCRIPT LOAD), e.g. after a
// connect or a NOSCRIPT reply.
absl::Status LoadBoardScripts(RedisConnection* conn);

// A player whose entry the batch changes.
struct EntryWrite {
  std::string player_id;
  const BoardSnapshot::Player* before = nullptr;  // as read
  ScorerState state;                              // after the batch
  std::optional<double> secondary;
  absl::Time reached_at;
};

// Appends to `tx` the commands that write `writes` (players in the order
// given) over `snapshot`: the ranking entries, the records, the distinct
// index (dense boards), and for periodic boards the periods index and the
// expiry of every key touched. INVALID_ARGUMENT if a scorer's state breaks
// its AuxNames() contract.
absl::Status AddBoardWrites(const BoardPeriod& board,
                            const BoardSnapshot& snapshot,
                            const std::vector<EntryWrite>& writes,
                            const std::optional<absl::Time>& period_start,
                            const std::optional<absl::Time>& expiry,
                            Commands* tx);

// The history points a batch adds for one player, in the order applied.
struct PlayerHistory {
  std::string player_id;
  const std::vector<HistoryPoint>* points = nullptr;
};

// Appends to `tx` the commands that add `histories` to the board period's
// history lists (LeaderboardConfig.history): per player one LPUSH of the
// encoded points (so the newest is at the head) and an LTRIM to
// `max_points`; the history marker; and for periodic boards the expiry of
// the lists and the marker. Only the newest `max_points` of a player's
// points are sent.
void AddHistoryWrites(const BoardPeriod& board,
                      const std::vector<PlayerHistory>& histories,
                      uint32_t max_points,
                      const std::optional<absl::Time>& expiry, Commands* tx);

// Splits record buckets until the board has at most
// kTargetRecordsPerBucket records per bucket (or `max_splits` were done), in
// transactions of their own (WATCHed; a concurrent change retries). Returns
// the number of splits done.
absl::StatusOr<int> SplitBuckets(RedisConnection* conn,
                                 const BoardPeriod& board,
                                 const std::optional<absl::Time>& expiry,
                                 int max_splits);

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_BOARD_STORE_H_
