#ifndef STATSTRACKER_WORKER_STREAM_TRIMMER_H_
#define STATSTRACKER_WORKER_STREAM_TRIMMER_H_

// Keeps the event stream short without losing events: removes the entries
// every consumer group of the stream has been delivered and acknowledged,
// and only those (XTRIM MINID at the smallest of each group's oldest pending
// entry, or the entry after its last delivered one). While workers keep up
// the stream stays a few batches long; while they are stopped it keeps
// everything. StreamConfig.max_length, when set, is a safety cap beyond
// that: entries over it are dropped even if unconsumed, logged and counted.
// The whole decision runs in one Lua script, so a group that is created or
// reads at the same moment cannot slip between the look and the trim.

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/redis_client.h"
#include "worker/worker_metrics.h"

namespace statstracker {
namespace worker {

struct TrimResult {
  int64_t acknowledged = 0;  // entries every group had acknowledged
  int64_t dropped = 0;       // entries over the cap, consumed or not
};

// Trims `stream` once. `cap` 0 means no safety cap. A missing stream or one
// without consumer groups is left alone (nobody has consumed anything), but
// for the cap.
absl::StatusOr<TrimResult> TrimStream(RedisConnection* conn,
                                      const std::string& stream, uint64_t cap);

class StreamTrimmer {
 public:
  StreamTrimmer(absl::Duration interval, uint64_t cap, WorkerMetrics* metrics)
      : interval_(interval), cap_(cap), metrics_(metrics) {}

  // Trims `stream` when `interval` has passed since the last trim; counts
  // and logs what went.
  absl::Status MaybeTrim(RedisConnection* conn, const std::string& stream,
                         absl::Time now);

 private:
  absl::Duration interval_;
  uint64_t cap_;
  WorkerMetrics* metrics_;
  absl::Time next_ = absl::InfinitePast();
};

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_STREAM_TRIMMER_H_
