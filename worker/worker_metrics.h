#ifndef STATSTRACKER_WORKER_WORKER_METRICS_H_
#define STATSTRACKER_WORKER_WORKER_METRICS_H_

// The worker's Prometheus families (worker/README.md lists them).

#include "common/metrics.h"

namespace statstracker {
namespace worker {

struct WorkerMetrics {
  explicit WorkerMetrics(MetricsRegistry* registry);
  CounterFamily* processed;        // {game, type}
  CounterFamily* duplicates;       // {game}
  CounterFamily* already_applied;  // {game}: redelivered after a commit
  CounterFamily* dead_lettered;    // {game, reason}
  CounterFamily* failed;           // {game, reason}: commits that failed
  CounterFamily* conflicts;        // {game}: EXEC aborted by WATCH
  // {game, outcome}: transactions computed while their reads were on the
  // way (batch_overlap.h), "kept" or "recomputed" from the reads.
  CounterFamily* overlapped;
  CounterFamily* bucket_splits;        // {game}
  CounterFamily* replica_waits_short;  // {game}: WAIT below min_replicas
  CounterFamily* stream_trimmed;       // {stream}: acknowledged entries trimmed
  CounterFamily* stream_dropped;  // {stream}: unconsumed entries over the cap
  HistogramFamily* batch_seconds;
  GaugeFamily* lag;      // {stream, group}
  GaugeFamily* pending;  // {stream, group}
  GaugeFamily* redis_up;
};

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_WORKER_METRICS_H_
