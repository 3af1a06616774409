#ifndef STATSTRACKER_WORKER_WORKER_H_
#define STATSTRACKER_WORKER_WORKER_H_

// The worker: consumes the event stream with a consumer group, routes each
// event to its game's scorers and stats handlers, and commits the effects
// exactly once.
//
// Guarantees, and where they are made:
//   * exactly once (worker/game_batch.h): a game's effects, its dedup state
//     and its stream cursor commit in one MULTI/EXEC; the acknowledgement
//     follows, and an entry delivered again after a commit is recognised by
//     the cursor; producer retries by the dedup state (worker/dedup.h);
//   * per-game stream order (worker/stream_consumer.h): the events of one
//     game take effect in stream order, also with several workers in the
//     group and across crashes, so order-dependent scorers (Elo, Glicko-2,
//     streaks, "last") give the same result as one sequential replay;
//   * no lost updates: the keys a batch reads are WATCHed; a conflicting
//     write aborts the EXEC and the batch is recomputed;
//   * bad input never stops the worker: undecodable, invalid, unknown-game,
//     plugin-rejected and too-often-delivered entries go to the dead-letter
//     stream, atomically with their XACK;
//   * the stream stays bounded without losing events
//     (worker/stream_trimmer.h).

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/game_catalog.h"
#include "common/redis_client.h"
#include "statstracker/v1/config.pb.h"
#include "worker/game_batch.h"
#include "worker/stream_consumer.h"
#include "worker/stream_trimmer.h"
#include "worker/worker_metrics.h"

namespace statstracker {
namespace worker {

class Worker {
 public:
  // `config` must have its defaults applied; `catalog` and `metrics` must
  // outlive the worker.
  Worker(const v1::StatsTrackerConfig& config, const GameCatalog* catalog,
         WorkerMetrics* metrics);
  ~Worker();

  // Consumes until `stop` becomes true, then finishes and commits the
  // entries in hand (giving up after a few seconds on entries that must wait
  // for another worker; they stay pending and are reclaimed) and returns OK.
  // Lost Redis connections are retried with capped exponential backoff.
  // Returns FAILED_PRECONDITION at once if Redis holds data of another
  // storage layout (common/layout_version.h).
  absl::Status Run(const std::atomic<bool>& stop);

  // One pass of Run's loop (reclaim, read, apply, trim) on a connected
  // worker. For tests.
  absl::Status Step(bool stopping);

  // Sets the lag and pending gauges from XINFO GROUPS (own connection; safe
  // to call from the metrics thread).
  void CollectGauges();

 private:
  absl::Status Connect();

  const v1::StatsTrackerConfig config_;
  const GameCatalog* catalog_;
  WorkerMetrics* metrics_;
  absl::Duration block_;
  GameBatch batch_;
  StreamConsumer consumer_;
  StreamTrimmer trimmer_;

  std::unique_ptr<RedisConnection> conn_;
  bool redis_down_ = false;

  std::mutex gauge_mu_;  // std::mutex so TSan sees it (see common/metrics.h)
  std::unique_ptr<RedisConnection> gauge_conn_ ABSL_GUARDED_BY(gauge_mu_);
};

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_WORKER_H_
