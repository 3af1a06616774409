#ifndef STATSTRACKER_WORKER_WORKER_H_
#define STATSTRACKER_WORKER_WORKER_H_

// The worker: consumes the event stream with a consumer group, routes each
// event to its game's scorers and stats handlers, and commits the effects
// together with the XACK of the entries that caused them.
//
// Guarantees (see worker.cc for how):
//   * exactly once: a batch's effects, its "seen" markers and its XACKs
//     commit in one MULTI/EXEC; an event_id already seen has no effect;
//   * per-game stream order: the events of one game take effect in stream
//     order, also with several workers in the group and across crashes, so
//     order-dependent scorers (Elo, Glicko-2, streaks, "last") give the same
//     result as one sequential replay of the stream;
//   * no lost updates: the keys a batch read are WATCHed; a conflicting
//     write aborts the EXEC and the batch is recomputed;
//   * bad input never stops the worker: undecodable, invalid, unknown-game,
//     plugin-rejected and too-often-delivered entries go to the dead-letter
//     stream, atomically with their XACK.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/game_catalog.h"
#include "common/metrics.h"
#include "common/redis_client.h"
#include "statstracker/v1/config.pb.h"
#include "statstracker/v1/events.pb.h"

namespace statstracker {
namespace worker {

// A stream entry id "<ms>-<seq>", ordered as Redis orders them.
struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  // Parses "<ms>-<seq>" (or "<ms>"); nullopt otherwise.
  static std::optional<StreamId> Parse(absl::string_view text);
  std::string ToString() const;
  bool operator<(const StreamId& o) const {
    return ms != o.ms ? ms < o.ms : seq < o.seq;
  }
  bool operator==(const StreamId& o) const {
    return ms == o.ms && seq == o.seq;
  }
  bool operator<=(const StreamId& o) const { return !(o < *this); }
};

// The worker's Prometheus families.
struct WorkerMetrics {
  explicit WorkerMetrics(MetricsRegistry* registry);
  CounterFamily* processed;      // {game, type}
  CounterFamily* duplicates;     // {game}
  CounterFamily* dead_lettered;  // {game, reason}
  CounterFamily* failed;         // {game, reason}: commits that failed
  CounterFamily* conflicts;      // {game}: EXEC aborted by WATCH
  HistogramFamily* batch_seconds;
  GaugeFamily* lag;      // {stream, group}
  GaugeFamily* pending;  // {stream, group}
  GaugeFamily* redis_up;
};

class Worker {
 public:
  // `config` must have its defaults applied; `catalog` and `metrics` must
  // outlive the worker.
  Worker(const v1::StatsTrackerConfig& config, const GameCatalog* catalog,
         WorkerMetrics* metrics);
  ~Worker();

  // Consumes until `stop` becomes true, then finishes and commits the
  // entries in hand (giving up after a few seconds on entries that must wait
  // for another worker; they stay pending and are reclaimed) and returns.
  // Lost Redis connections are retried with capped exponential backoff.
  void Run(const std::atomic<bool>& stop);

  // One pass of Run's loop (connect, reclaim, read, apply). For tests.
  absl::Status Step(bool stopping);

  // Sets the lag and pending gauges from XINFO GROUPS (own connection; safe
  // to call from the metrics thread).
  void CollectGauges();

 private:
  struct Entry {
    StreamId id;
    std::string id_text;
    bool has_field = false;
    std::string bytes;  // the original field value
    int64_t deliveries = 1;
    std::optional<v1::GameEvent> event;  // once decoded and valid
    std::string game_id;                 // once known
  };
  struct DeadLetter {
    const Entry* entry;
    std::string reason;    // full text for the dead-letter stream
    std::string category;  // metrics label
  };

  absl::Status Connect();
  absl::Status EnsureGroup();
  absl::Status LoadOwnPending();
  absl::Status Claim();
  absl::Status ReadNew(bool block);
  absl::Status RefreshIdle();
  absl::Status UpdateDeliveries();
  void AddEntries(const RedisReply& entries);
  // Classifies, dead-letters and applies what it can; sets *progress when
  // something was committed.
  absl::Status ProcessWork(bool* progress);
  absl::Status DeadLetterEntries(const std::vector<DeadLetter>& letters);
  // For each game, the smallest id of an entry pending on another consumer
  // (or not in hand) that precedes `max_id`; *bound caps every game when the
  // pending list was too long to see whole.
  absl::Status ForeignPending(const StreamId& max_id,
                              absl::flat_hash_map<std::string, StreamId>* out,
                              std::optional<StreamId>* bound);
  // Applies `entries` (one game, stream order) in one WATCH/MULTI/EXEC,
  // retrying on conflict.
  absl::Status ApplyGame(const GameRuntime& game,
                         const std::vector<Entry*>& entries);
  void AddDeadLetterCommands(const DeadLetter& letter,
                             std::vector<std::vector<std::string>>* commands);

  const v1::StatsTrackerConfig config_;
  const GameCatalog* catalog_;
  WorkerMetrics* metrics_;
  std::string stream_, field_, group_, dead_key_, consumer_;
  int batch_size_;
  absl::Duration block_, claim_idle_, dedup_window_;
  int64_t max_deliveries_;

  std::unique_ptr<RedisConnection> conn_;
  bool reload_own_ = true;
  bool redis_down_ = false;
  absl::Time next_claim_ = absl::InfinitePast();
  absl::Time next_refresh_ = absl::InfinitePast();
  std::map<StreamId, Entry> work_;
  absl::flat_hash_map<std::string, std::string> game_of_entry_;  // cache

  std::mutex gauge_mu_;  // std::mutex so TSan sees it (see common/metrics.h)
  std::unique_ptr<RedisConnection> gauge_conn_ ABSL_GUARDED_BY(gauge_mu_);
};

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_WORKER_H_
