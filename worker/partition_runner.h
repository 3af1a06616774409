#ifndef STATSTRACKER_WORKER_PARTITION_RUNNER_H_
#define STATSTRACKER_WORKER_PARTITION_RUNNER_H_

// One worker thread: consumes one partition of the event stream
// (common/stream_partitions.h) on its own Redis connection: connect (layout
// check, scripts, group), then read / apply / trim until told to stop, with
// reconnects and backoff in between.

#include <atomic>
#include <functional>
#include <memory>
#include <string>

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

class PartitionRunner {
 public:
  // Everything passed must outlive the runner.
  PartitionRunner(const v1::StatsTrackerConfig& config, int partition,
                  const GameCatalog* catalog, const GameBatch* batch,
                  WorkerMetrics* metrics);

  // Consumes until `stop` or `halt` becomes true, then finishes and commits
  // the entries in hand (giving up after worker.stop_grace on entries that
  // must wait for another worker) and returns OK. FAILED_PRECONDITION at once
  // if Redis holds data of another storage layout. `on_connected` (if set) is
  // called once, after the first connection that passed the layout check
  // and has the consumer group. While Redis is unreachable it retries with
  // backoff (worker.reconnect_backoff_*); `stop`/`halt` end a backoff wait
  // within kStopPoll.
  absl::Status Run(const std::atomic<bool>& stop, const std::atomic<bool>& halt,
                   const std::function<void()>& on_connected = nullptr);

  // How often a backoff wait looks at `stop` and `halt`.
  static constexpr absl::Duration kStopPoll = absl::Milliseconds(10);

  const std::string& stream() const { return consumer_.stream(); }

 private:
  absl::Status Connect();
  absl::Status Step(bool stopping);
  // Sleeps `d`, or less if `stop` or `halt` becomes true.
  static void WaitUnlessStopped(absl::Duration d, const std::atomic<bool>& stop,
                                const std::atomic<bool>& halt);

  const v1::StatsTrackerConfig& config_;
  WorkerMetrics* metrics_;
  absl::Duration block_;
  absl::Duration min_backoff_;
  absl::Duration max_backoff_;
  absl::Duration stop_grace_;
  StreamConsumer consumer_;
  StreamTrimmer trimmer_;
  std::unique_ptr<RedisConnection> conn_;
  bool redis_down_ = false;
};

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_PARTITION_RUNNER_H_
