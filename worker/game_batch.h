#ifndef STATSTRACKER_WORKER_GAME_BATCH_H_
#define STATSTRACKER_WORKER_GAME_BATCH_H_

// Applying one game's entries (in stream order) in transactions: plan
// which board periods, players and dedup state they touch; WATCH and read
// them in one round trip; run the events through the plugins on in-memory
// copies; write the final state, the dedup state and the game's stream
// cursor in one MULTI/EXEC (with a PUBLISH of the game id on
// keys::kChangesChannel when any of the game's data changed), and
// acknowledge the entries once it committed.
// Each board period's part is a BoardSlot (board_slot.h): on boards with
// history a point per changed entry goes into the same MULTI/EXEC, and
// boards with a season soft reset also read the previous period.
// Consecutive transactions of a game overlap: the next one's WATCH and
// reads follow the commit in its pipeline, and the worker computes it
// while Redis runs them (batch_overlap.h says why that gives the same
// result as computing it from the reads).
//
// Why nothing is lost or applied twice:
//   * Effects, dedup state and the cursor commit together or not at all.
//   * The XACK is sent once the EXEC succeeded (never in its pipeline: a
//     WATCH conflict must not acknowledge anything). Apply returns it; the
//     stream consumer sends it ahead of its next read of the stream, in the
//     same pipeline (one round trip less per batch; Redis runs the XACK
//     before the read and the XPENDING that checks stream order). The stream is
//     another key, in another Redis Cluster slot, so it cannot be in the game's
//     transaction. If the worker dies in between, the entries stay pending
//     and come back (to this consumer
//     after a restart, or to another by XAUTOCLAIM); their ids are at or
//     below the game's cursor for that stream (st:{g}:cursor), so they are
//     only acknowledged. The cursor is exact because a game's entries are
//     applied in stream order (worker.cc): every entry of the game below the
//     cursor was applied or dead-lettered.
//   * With redis.min_replicas_acked, the XACK waits (WAIT) until that many
//     replicas hold the commit, so a replica promoted after a failover has
//     every acknowledged effect; a short WAIT leaves the entries pending
//     (the cursor is rewritten by every such commit, so the retry waits
//     for the replicas again before it acknowledges).
//   * Producer retries are new stream entries with new ids; the dedup state
//     (worker/dedup.h) drops them.
//   * Entries a plugin or the dedup rules refuse are returned before
//     anything is written; the caller dead-letters them (with their XACK) and
//     applies the rest again, so the game's transaction never needs the
//     dead-letter stream's key (another slot on Redis Cluster).
//   * Concurrent writers (another worker, an admin reset or erase, a bucket
//     split) change a WATCHed key and abort the EXEC; the batch is
//     recomputed from fresh reads, so no read-modify-write update is lost.
//   * A transaction started in the pipeline of the one before it WATCHes
//     after that EXEC (which ends every WATCH) and before its reads, as a
//     lone one does. If that EXEC aborted, its reads are dropped (UNWATCH)
//     and the aborted batch is retried first, so commits stay in stream
//     order. A bucket split or a WAIT for replicas between two commits
//     keeps them apart (the split's own transactions would end the WATCH).

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/game_catalog.h"
#include "common/redis_client.h"
#include "statstracker/v1/config.pb.h"
#include "worker/dedup.h"
#include "worker/stream_entry.h"
#include "worker/worker_metrics.h"

namespace statstracker {
namespace worker {

// An entry to dead-letter.
struct Rejection {
  StreamEntry* entry;
  std::string reason;    // full text for the dead-letter stream
  std::string category;  // metrics label
};

struct GameBatchResult {
  // When non-empty nothing was written: dead-letter these, then apply the
  // other entries again.
  std::vector<Rejection> rejected;
  // Otherwise the batch committed and every entry was acknowledged:
  std::vector<StreamEntry*> applied;      // effects written
  std::vector<StreamEntry*> duplicates;   // producer retries
  std::vector<StreamEntry*> redelivered;  // committed before, not acked
  // The XACK of the entries, for the caller to send now that the commit
  // succeeded (it may go in one pipeline with the caller's next read).
  std::vector<std::string> ack;
};

// Commands of the caller's that ride in the first commit pipeline of
// GameBatch::Apply, after its own (they must not touch the game's keys, nor
// depend on whether the commit succeeded), and what to do with their
// replies: `use` runs while Redis runs the next pipeline, or after the last
// one, once; not at all when the pipeline carrying them failed (`sent`
// tells whether they went).
struct Piggyback {
  std::vector<std::vector<std::string>> commands;
  std::function<void(std::vector<RedisReply>)> use;
  bool sent = false;
};

// What GameBatch::Apply did.
struct ChainResult {
  // One per batch finished, in order: committed ones, then possibly one
  // with rejections (nothing of it was written).
  std::vector<GameBatchResult> batches;
  // A Redis failure after them; the batches not in `batches` stay pending.
  absl::Status status;
};

class GameBatch {
 public:
  // `config` must have its defaults applied and outlive this object.
  GameBatch(const v1::StatsTrackerConfig& config, WorkerMetrics* metrics);

  // Applies `batches`, one transaction each: consecutive runs of one
  // game's entries from one stream, in stream order, every one decoded and
  // valid. Each batch's WATCH and reads go in the pipeline of the commit
  // before it, and it is computed while Redis runs them
  // (worker/batch_overlap.h). Retries WATCH conflicts; stops after a batch
  // with rejections or at a Redis failure. After each commit the caller
  // sends its result's `ack`. `piggyback` (may be null) rides along.
  ChainResult Apply(RedisConnection* conn, const GameRuntime& game,
                    const std::vector<std::vector<StreamEntry*>>& batches,
                    Piggyback* piggyback = nullptr) const;

 private:
  // WAIT on the game's node for redis.min_replicas_acked replicas.
  absl::Status WaitForReplicas(RedisConnection* conn,
                               const std::string& game_id) const;

  const v1::StatsTrackerConfig& config_;
  WorkerMetrics* metrics_;
  DedupBuckets dedup_;
  absl::Duration producer_expiry_;
  int64_t min_replicas_;
  absl::Duration replica_timeout_;
};

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_GAME_BATCH_H_
