#ifndef STATSTRACKER_WORKER_STREAM_CONSUMER_H_
#define STATSTRACKER_WORKER_STREAM_CONSUMER_H_

// One worker's consumption of one event stream in its consumer group:
// reading new entries, finishing its own pending ones after a restart,
// reclaiming idle entries of dead consumers, dead-lettering what cannot be
// applied, and handing each game's ready entries to GameBatch in stream
// order.
//
// Per-game stream order. WATCH alone prevents lost updates but not
// reordering: two workers could commit two Elo matches of one game in the
// opposite of stream order. So an entry of game g is applied only when no
// entry of g with a smaller id is pending on another consumer. Entries are
// delivered in stream order (XREADGROUP ">"), so every smaller id was
// already delivered to someone; if it is not pending any more it has been
// applied (or dead-lettered). The check reads XPENDING up to our largest id
// and looks up the game of foreign entries (XRANGE, cached). The smallest
// pending entry of a game is never blocked, so some worker always makes
// progress; entries of a crashed consumer unblock once XAUTOCLAIM reclaims
// them after claim_idle. Held-back entries keep their idle time fresh with
// XCLAIM JUSTID so others do not reclaim them. Result: per game, effects
// equal a sequential replay in stream order, whatever the number of workers
// and crashes; and GameBatch's per-game cursor is exact.
//
// Reading ahead. While a step commits, the next read rides in its first
// commit pipeline (ReadAhead: the deferred XACKs, XREADGROUP without BLOCK,
// the XPENDING summary), and its entries are decoded while Redis runs the
// next pipeline, so the next step starts with them in hand. The order
// check above needs the summary to count exactly what we hold; ours in a
// summary taken ahead also include the entries acknowledged since
// (ack_debt_), and a summary is dropped whenever what we hold changes in
// other ways (reload, claims, dead letters).
//
// Deliveries counted honestly. An entry is dead-lettered once delivered
// more than worker.max_deliveries times, so only deliveries that may have
// failed count: the first read, a claim from another consumer (it died or
// stalled holding the entry), and a re-read by a worker restarted after a
// crash (the entry may have caused it). Redis also counts our own re-reads
// (XREADGROUP from id 0 after a reconnect, XAUTOCLAIM of an entry we hold):
// those are given back at once (XCLAIM RETRYCOUNT). A worker stopping
// cleanly gives back in advance the delivery its restart will count
// (GiveBack), so entries it held back for stream order do not creep toward
// the limit however often it restarts.
//
// Dead letters (Classify, DeadLetter) carry the original bytes, reason and
// reason_code, source_id, deliveries, game_id (whenever the envelope names
// one, configured or not; the metric label is "unknown" for games not
// configured, so producers cannot create label values), received_at and the
// first and last failure times; worker/README.md lists them.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/game_catalog.h"
#include "common/redis_client.h"
#include "statstracker/v1/config.pb.h"
#include "worker/game_batch.h"
#include "worker/stream_entry.h"
#include "worker/worker_metrics.h"

namespace statstracker {
namespace worker {

class StreamConsumer {
 public:
  // `config` (defaults applied), `catalog`, `batch` and `metrics` must
  // outlive this object.
  // `stream` and `dead_letter_key`: one partition's keys
  // (common/stream_partitions.h).
  StreamConsumer(const v1::StatsTrackerConfig& config, std::string stream,
                 std::string dead_letter_key, const GameCatalog* catalog,
                 const GameBatch* batch, WorkerMetrics* metrics);

  // Forgets what is in hand (after a reconnect Redis may have lost or
  // changed anything) and starts over from what the group says we hold.
  void Reset();

  // One pass: finish own pending entries if needed, reclaim idle ones, read
  // new ones (blocking when nothing is in hand and `block`), then classify,
  // dead-letter and apply. Sets *progress when something was committed.
  absl::Status Step(RedisConnection* conn, bool stopping, bool block,
                    bool* progress);

  // Creates the consumer group (from the stream's start) if missing.
  absl::Status EnsureGroup(RedisConnection* conn);

  // For a clean stop with entries still in hand (held back, or not
  // committed): lowers their delivery counts by the one the next re-read of
  // them will add, so that re-read does not count. They stay pending.
  absl::Status GiveBack(RedisConnection* conn);

  // Sends the acknowledgements of committed batches not sent yet (they
  // normally go with the next read); before a stop.
  absl::Status Flush(RedisConnection* conn);

  size_t in_hand() const { return work_.size(); }
  const std::string& stream() const { return stream_; }

 private:
  using Commands = std::vector<std::vector<std::string>>;

  absl::Status LoadOwnPending(RedisConnection* conn);
  absl::Status Claim(RedisConnection* conn);
  // Reads new entries, after the deferred acknowledgements in the same
  // pipeline, and takes the XPENDING summary after them (summary_).
  absl::Status ReadNew(RedisConnection* conn, bool block);
  // Runs `commands` after the deferred acknowledgements, in one pipeline;
  // returns the replies to `commands`.
  absl::StatusOr<std::vector<RedisReply>> AfterDeferred(RedisConnection* conn,
                                                        Commands commands);
  absl::Status RefreshIdle(RedisConnection* conn);
  // Takes the delivery counts of the entries in hand from XPENDING, and
  // gives back (XCLAIM RETRYCOUNT) what our own re-reads added to entries
  // whose count we already knew.
  absl::Status UpdateDeliveries(RedisConnection* conn);
  // Sets delivery counts of entries we hold (JUSTID: no new delivery).
  absl::Status SetDeliveries(
      RedisConnection* conn,
      const std::map<int64_t, std::vector<std::string>>& ids_by_count);
  // Adds the entries of an XREADGROUP/XAUTOCLAIM reply that are not in hand
  // (`fresh`: read new, so delivered once); returns how many were already.
  // Moves the event bytes out of `entries`.
  int AddEntries(RedisReply* entries, bool fresh);
  // Adds the entries of a non-empty XREADGROUP ">" reply (one stream).
  void AddReadEntries(RedisReply* read);
  // Logs the error replies among the first `acks` (deferred XACKs).
  void LogFailedAcks(const std::vector<RedisReply>& replies, size_t acks) const;
  // Classifies, dead-letters and applies what it can.
  absl::Status ProcessWork(RedisConnection* conn, bool stopping,
                           bool* progress);
  // Dead letters for entries that cannot be applied; erases nothing.
  // `spread`: over every core (ParallelRanges).
  std::vector<Rejection> Classify(bool spread);
  // Decodes and checks one entry: its dead letter, or none (then its event
  // is set, on `arena`).
  std::optional<Rejection> ClassifyOne(
      StreamEntry* entry,
      const std::shared_ptr<google::protobuf::Arena>& arena) const;
  absl::Status DeadLetter(RedisConnection* conn,
                          const std::vector<Rejection>& letters);
  // For each game, the smallest id of an entry pending on another consumer
  // (or not in hand) that precedes `max_id`; *bound caps every game when the
  // pending list was too long to see whole.
  absl::Status ForeignPending(RedisConnection* conn, const StreamId& max_id,
                              absl::flat_hash_map<std::string, StreamId>* out,
                              std::optional<StreamId>* bound);
  // Applies one game's ready entries, dead-lettering what GameBatch refuses.
  // `read_ahead` (may be null) rides in its first commit pipeline.
  absl::Status ApplyGame(RedisConnection* conn, const GameRuntime& game,
                         std::vector<StreamEntry*> entries,
                         Piggyback* read_ahead);
  // The next read, for the first commit pipeline of this step: the deferred
  // acknowledgements, XREADGROUP (not blocking) and the pending summary;
  // its replies become the next step's entries and summary, and the
  // entries are decoded while Redis commits.
  Piggyback ReadAhead();
  // Counts a committed batch and defers its acknowledgement.
  void Committed(const std::string& g, GameBatchResult* result);

  const v1::StatsTrackerConfig& config_;
  const std::string stream_;
  const GameCatalog* catalog_;
  const GameBatch* batch_;
  WorkerMetrics* metrics_;
  std::string field_, group_, dead_key_, consumer_;
  int batch_size_;
  size_t transaction_size_;
  absl::Duration block_, claim_idle_;
  int64_t max_deliveries_;

  bool reload_own_ = true;
  absl::Time next_claim_ = absl::InfinitePast();
  absl::Time next_refresh_ = absl::InfinitePast();
  std::map<StreamId, StreamEntry> work_;
  // XACKs of committed batches, sent ahead of the next read (game_batch.h).
  Commands deferred_;
  // The group's XPENDING summary taken right after this step's read (or
  // the last step's read ahead); unset when there was none or what we hold
  // changed since in ways ack_debt_ does not count.
  std::optional<RedisReply> summary_;
  // Entries of ours pending when summary_ was taken and acknowledged since
  // (or deferred to be).
  size_t ack_debt_ = 0;
  // The entries in hand were read ahead by the last step (with summary_).
  bool prefetched_ = false;
  // Delivery counts of the entries in hand before a Reset(), so that their
  // re-read after a reconnect is given back.
  std::map<StreamId, int64_t> carried_deliveries_;
  absl::flat_hash_map<std::string, std::string> game_of_entry_;  // cache
};

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_STREAM_CONSUMER_H_
