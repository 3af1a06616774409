#ifndef STATSTRACKER_WORKER_BATCH_STAGES_H_
#define STATSTRACKER_WORKER_BATCH_STAGES_H_

// The stages of one attempt at a game's batch (worker/game_batch.h), each a
// function of what the stage before produced: plan what the entries touch,
// WATCH and read it, run the events through the plugins on in-memory
// copies, then the MULTI ... EXEC that writes the result.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/game_catalog.h"
#include "common/redis_client.h"
#include "plugins/stats_handler.h"
#include "worker/board_slot.h"
#include "worker/board_store.h"
#include "worker/dedup.h"
#include "worker/game_batch.h"
#include "worker/stream_entry.h"
#include "worker/worker_metrics.h"

namespace statstracker {
namespace worker {

struct StatsSlot {
  StatMap current;
  std::set<std::string> changed;
};

// Everything one attempt plans, reads and computes. Holds pointers into
// itself (BoardSlot::previous, event_slots): kept behind a unique_ptr.
struct Attempt {
  absl::Time now;  // the attempt's clock: periods, dedup buckets
  BoardSlots slots;
  std::vector<std::vector<BoardSlot*>> event_slots;  // per entry
  std::vector<std::string> stat_players;
  absl::flat_hash_map<std::string, StatsSlot> stats;
  std::vector<std::string> producer_ids;  // unique, of sequenced events
  std::vector<std::string> unsequenced_ids;
  std::vector<int64_t> dedup_buckets;

  // What was read.
  std::optional<StreamId> cursor;
  absl::flat_hash_map<std::string, std::optional<ProducerState>> producers;
  absl::flat_hash_set<std::string> seen_ids;  // applied within the window

  // What the events did (ApplyEvents).
  absl::flat_hash_set<std::string> ids_applied;  // unsequenced, applied now
};

bool IsString(const RedisReply& r);
absl::Status ReplyError(absl::string_view what, const RedisReply& reply);

// Which board periods, players, producers and dedup sets `entries` touch at
// `now`. Plugins say whom they need from the event alone, so this is known
// before any read.
std::unique_ptr<Attempt> PlanAttempt(const GameRuntime& game,
                                     const std::vector<StreamEntry*>& entries,
                                     const DedupBuckets& dedup, absl::Time now);

// The WATCH and reads of an attempt, in one pipeline (the WATCH first).
Commands ReadCommands(const std::string& g, const std::string& stream,
                      const DedupBuckets& dedup, const Attempt& a);

// Fills `a` from the replies to ReadCommands, starting at `replies[first]`
// (the WATCH reply).
absl::Status ParseReads(const GameRuntime& game,
                        const std::vector<RedisReply>& replies, size_t first,
                        Attempt* a);

// Decides each entry in order (already applied, duplicate, refused, or
// applied on the in-memory state of `a`) and records what it applied in
// `a` (states, producers, ids_applied).
GameBatchResult ApplyEvents(const GameRuntime& game,
                            const std::vector<StreamEntry*>& entries,
                            Attempt* a);

// The MULTI ... EXEC of an attempt after ApplyEvents.
absl::StatusOr<Commands> WriteCommands(const GameRuntime& game,
                                       const std::vector<StreamEntry*>& entries,
                                       const DedupBuckets& dedup,
                                       absl::Duration producer_expiry,
                                       bool always_write_cursor,
                                       const Attempt& a);

// Whether a board period of `a` holds more records per bucket than its
// share once `a` commits (then GrowBuckets splits them).
bool NeedsBucketSplit(const Attempt& a);

// Splits the record buckets of the board periods that now hold more than
// their share (common/player_buckets.h), after `a` committed.
void GrowBuckets(RedisConnection* conn, const std::string& g,
                 WorkerMetrics* metrics, Attempt* a);

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_BATCH_STAGES_H_
