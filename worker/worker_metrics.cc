#include "worker/worker_metrics.h"

namespace statstracker {
namespace worker {

WorkerMetrics::WorkerMetrics(MetricsRegistry* registry) {
  processed = registry->AddCounter(
      "statstracker_worker_events_processed_total",
      "Events applied to boards and stats, by game and payload type.",
      {"game", "type"});
  duplicates = registry->AddCounter(
      "statstracker_worker_events_duplicate_total",
      "Events dropped as producer retries (same producer sequence, or same "
      "event_id within the dedup window).",
      {"game"});
  already_applied = registry->AddCounter(
      "statstracker_worker_entries_already_applied_total",
      "Entries delivered again after their effects had committed (a worker "
      "stopped between its commit and its acknowledgement); only "
      "acknowledged.",
      {"game"});
  dead_lettered = registry->AddCounter(
      "statstracker_worker_events_dead_lettered_total",
      "Entries moved to the dead-letter stream, by game and reason.",
      {"game", "reason"});
  failed = registry->AddCounter(
      "statstracker_worker_events_failed_total",
      "Events whose commit failed (they stay pending and are retried).",
      {"game", "reason"});
  conflicts = registry->AddCounter(
      "statstracker_worker_transaction_conflicts_total",
      "Transactions aborted by a concurrent write to a WATCHed key.", {"game"});
  overlapped = registry->AddCounter(
      "statstracker_worker_overlapped_transactions_total",
      "Transactions computed on the previous one's result while their reads "
      "were on the way: kept when the reads matched, else recomputed.",
      {"game", "outcome"});
  bucket_splits = registry->AddCounter(
      "statstracker_worker_record_bucket_splits_total",
      "Player-record buckets split as boards grew (common/player_buckets.h).",
      {"game"});
  replica_waits_short = registry->AddCounter(
      "statstracker_worker_replica_waits_short_total",
      "Commits that fewer than redis.min_replicas_acked replicas acknowledged "
      "in time (their entries stay pending and are retried).",
      {"game"});
  stream_trimmed = registry->AddCounter(
      "statstracker_worker_stream_trimmed_total",
      "Stream entries trimmed after every consumer group acknowledged them.",
      {"stream"});
  stream_dropped = registry->AddCounter(
      "statstracker_worker_stream_dropped_total",
      "Stream entries trimmed by the stream.max_length safety cap before "
      "every consumer group had acknowledged them.",
      {"stream"});
  batch_seconds = registry->AddHistogram(
      "statstracker_worker_batch_duration_seconds",
      "Time to apply and commit one batch of entries.", {},
      {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
  lag = registry->AddGauge(
      "statstracker_worker_consumer_lag",
      "Stream entries not yet delivered to the group (XINFO GROUPS lag).",
      {"stream", "group"});
  pending = registry->AddGauge(
      "statstracker_worker_pending_entries",
      "Entries delivered to the group but not yet acknowledged.",
      {"stream", "group"});
  redis_up =
      registry->AddGauge("statstracker_worker_redis_up",
                         "1 while the worker is connected to Redis.", {});
}

}  // namespace worker
}  // namespace statstracker
