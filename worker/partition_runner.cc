#include "worker/partition_runner.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/layout_version.h"
#include "common/logging.h"
#include "common/proto_duration.h"
#include "common/redis_config.h"
#include "common/stream_partitions.h"
#include "worker/board_store.h"
#include "worker/dedup_store.h"

namespace statstracker {
namespace worker {
PartitionRunner::PartitionRunner(const v1::StatsTrackerConfig& config,
                                 int partition, const GameCatalog* catalog,
                                 const GameBatch* batch, WorkerMetrics* metrics)
    : config_(config),
      metrics_(metrics),
      block_(ProtoDuration(config.worker().block())),
      min_backoff_(ProtoDuration(config.worker().reconnect_backoff_initial())),
      max_backoff_(ProtoDuration(config.worker().reconnect_backoff_max())),
      stop_grace_(ProtoDuration(config.worker().stop_grace())),
      consumer_(config, PartitionStreamKey(config.stream(), partition),
                PartitionDeadLetterKey(config.stream(), partition), catalog,
                batch, metrics),
      trimmer_(ProtoDuration(config.worker().trim_interval()),
               config.stream().max_length(), metrics) {}

absl::Status PartitionRunner::Connect() {
  conn_.reset();
  // XREADGROUP blocks for `block_`; the command timeout must outlast it.
  auto conn = RedisConnection::Connect(
      RedisTargetFromConfig(config_.redis(), block_ + absl::Seconds(1)));
  if (!conn.ok()) return conn.status();
  conn_ = *std::move(conn);
  absl::Status status = CheckLayout(conn_.get(), config_);
  if (!status.ok()) return status;
  status = LoadBoardScripts(conn_.get());
  if (!status.ok()) return status;
  status = LoadDedupScripts(conn_.get());
  if (!status.ok()) return status;
  // After a reconnect Redis may have lost or changed anything: start over
  // from what the group says we hold.
  consumer_.Reset();
  return consumer_.EnsureGroup(conn_.get());
}

void PartitionRunner::WaitUnlessStopped(absl::Duration d,
                                        const std::atomic<bool>& stop,
                                        const std::atomic<bool>& halt) {
  // Polled: the stop flag is set from a signal handler, which can notify
  // no condition variable.
  const absl::Time end = absl::Now() + d;
  while (!stop.load() && !halt.load()) {
    const absl::Duration left = end - absl::Now();
    if (left <= absl::ZeroDuration()) return;
    absl::SleepFor(std::min(left, kStopPoll));
  }
}

absl::Status PartitionRunner::Run(const std::atomic<bool>& stop,
                                  const std::atomic<bool>& halt,
                                  const std::function<void()>& on_connected) {
  absl::Duration backoff = min_backoff_;
  bool connected_once = false;
  absl::Time stop_deadline = absl::InfiniteFuture();
  while (true) {
    const bool stopping = stop.load() || halt.load();
    if (stopping && stop_deadline == absl::InfiniteFuture()) {
      stop_deadline = absl::Now() + stop_grace_;
      Log(LogLevel::kInfo, "worker stopping: finishing the entries in hand",
          {{"stream", stream()},
           {"in_hand", absl::StrCat(consumer_.in_hand())}});
    }
    if (conn_ == nullptr || conn_->broken()) {
      if (stopping) break;  // nothing in hand can commit without Redis
      absl::Status status = Connect();
      if (absl::IsFailedPrecondition(status)) {
        Log(LogLevel::kError, "worker cannot start",
            {{"error", std::string(status.message())}});
        return status;
      }
      if (!status.ok()) {
        metrics_->redis_up->Set({}, 0);
        if (!redis_down_) {
          redis_down_ = true;
          Log(LogLevel::kWarning, "redis unavailable; retrying with backoff",
              {{"stream", stream()},
               {"error", std::string(status.message())},
               {"retry_in", absl::FormatDuration(backoff)}});
        }
        conn_.reset();
        WaitUnlessStopped(backoff, stop, halt);
        backoff = std::min(backoff * 2, max_backoff_);
        continue;
      }
      metrics_->redis_up->Set({}, 1);
      backoff = min_backoff_;
      if (!connected_once) {
        connected_once = true;
        if (on_connected) on_connected();
      }
      if (redis_down_) {
        redis_down_ = false;
        Log(LogLevel::kInfo, "redis connection restored",
            {{"stream", stream()}});
      }
    }
    absl::Status status = Step(stopping);
    if (!status.ok()) {
      if (conn_ != nullptr && !conn_->broken()) {
        Log(LogLevel::kError, "worker step failed",
            {{"stream", stream()}, {"error", std::string(status.message())}});
        absl::SleepFor(absl::Milliseconds(100));
      }
      // A broken connection is handled at the top of the loop.
      continue;
    }
    if (stopping && (consumer_.in_hand() == 0 || absl::Now() > stop_deadline)) {
      break;
    }
  }
  if (conn_ != nullptr && !conn_->broken()) {
    // The last batch's acknowledgement waits for a next read otherwise.
    absl::Status status = consumer_.Flush(conn_.get());
    if (!status.ok()) {
      Log(LogLevel::kWarning, "could not acknowledge the last batch",
          {{"stream", stream()}, {"error", std::string(status.message())}});
    }
  }
  if (consumer_.in_hand() > 0) {
    Log(LogLevel::kWarning, "worker stopped with entries left pending",
        {{"stream", stream()}, {"pending", absl::StrCat(consumer_.in_hand())}});
    // A clean stop is no failed delivery: the restart's re-read must not
    // count toward worker.max_deliveries (stream_consumer.h).
    if (conn_ != nullptr && !conn_->broken()) {
      absl::Status status = consumer_.GiveBack(conn_.get());
      if (!status.ok()) {
        Log(LogLevel::kWarning, "could not give back the pending entries",
            {{"stream", stream()}, {"error", std::string(status.message())}});
      }
    }
  }
  return absl::OkStatus();
}

absl::Status PartitionRunner::Step(bool stopping) {
  // Trim first: with a safety cap, what is over it goes before it is read.
  absl::Status status =
      trimmer_.MaybeTrim(conn_.get(), consumer_.stream(), absl::Now());
  if (!status.ok()) return status;
  bool progress = false;
  absl::Time start = absl::Now();
  status = consumer_.Step(conn_.get(), stopping, /*block=*/true, &progress);
  if (!status.ok()) return status;
  if (progress) {
    metrics_->batch_seconds->Observe(
        {}, absl::ToDoubleSeconds(absl::Now() - start));
  } else if (consumer_.in_hand() > 0) {
    // Everything in hand waits for another worker's earlier entries.
    absl::SleepFor(absl::Milliseconds(5));
  } else if (block_ <= absl::ZeroDuration()) {
    // Without a blocking read (block 0) do not spin on an empty stream.
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::OkStatus();
}

}  // namespace worker
}  // namespace statstracker
