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
//     (worker/stream_trimmer.h);
//   * every partition of the stream is consumed by its own thread
//     (worker/partition_runner.h); a game's events are all in one
//     partition, so its order holds across partitions too.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/game_catalog.h"
#include "common/redis_client.h"
#include "statstracker/v1/config.pb.h"
#include "worker/game_batch.h"
#include "worker/partition_runner.h"
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

  // Consumes every partition of the event stream, one thread each
  // (worker/partition_runner.h), until `stop` becomes true; then each
  // finishes and commits the entries in hand and Run returns OK. Lost Redis
  // connections are retried with capped exponential backoff
  // (worker.reconnect_backoff_*), a wait `stop` cuts short. `on_ready` (if
  // set) is called once, from a runner thread, when every partition has
  // connected: Redis answered, its storage layout is this one, the consumer
  // group exists. Returns FAILED_PRECONDITION (after stopping the other
  // threads) if Redis holds data of another storage layout
  // (common/layout_version.h).
  absl::Status Run(const std::atomic<bool>& stop,
                   const std::function<void()>& on_ready = nullptr);

  // Sets the lag and pending gauges of every partition from XINFO GROUPS
  // (own connection; safe to call from the metrics thread).
  void CollectGauges();

 private:
  void CollectGaugesOf(const std::string& stream)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(gauge_mu_);

  const v1::StatsTrackerConfig config_;
  WorkerMetrics* metrics_;
  GameBatch batch_;
  std::vector<std::unique_ptr<PartitionRunner>> runners_;

  std::mutex gauge_mu_;  // std::mutex so TSan sees it (see common/metrics.h)
  std::unique_ptr<RedisConnection> gauge_conn_ ABSL_GUARDED_BY(gauge_mu_);
};

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_WORKER_H_
