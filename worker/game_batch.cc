#include "worker/game_batch.h"

#include <iterator>
#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/keys.h"
#include "common/logging.h"
#include "common/proto_duration.h"
#include "worker/batch_overlap.h"
#include "worker/batch_stages.h"
#include "worker/board_store.h"
#include "worker/dedup_store.h"

namespace statstracker {
namespace worker {
namespace {

constexpr int kMaxConflictRetries = 200;

// A batch's transaction as far as it got before its turn: planned, its
// WATCH and reads sent (in the pipeline of the commit before it) and their
// replies in hand; and, when the batch before held everything it needs,
// computed on that batch's result.
struct Started {
  std::unique_ptr<Attempt> read;
  std::vector<RedisReply> replies;
  size_t first = 0;  // index of the WATCH reply in `replies`
  std::unique_ptr<Attempt> predicted;
  ReadInputs assumed;  // what `predicted` was computed from
  GameBatchResult predicted_result;
};

// Computes `next` on what the transactions before it (`done`, newest first;
// the newest ends at `done_last`) wrote or are about to write; leaves it
// without `predicted` when it needs more.
void Predict(const GameRuntime& game, const std::vector<StreamEntry*>& entries,
             const DedupBuckets& dedup, const std::vector<const Attempt*>& done,
             const StreamId& done_last, Started* next) {
  auto p = PlanAttempt(game, entries, dedup, next->read->now);
  if (!PredictReads(done, done_last, p.get())) return;
  next->assumed = InputsOf(*p);
  next->predicted_result = ApplyEvents(game, entries, p.get());
  next->predicted = std::move(p);
}

}  // namespace

absl::Status GameBatch::WaitForReplicas(RedisConnection* conn,
                                        const std::string& game_id) const {
  // On the connection (node) that ran the EXEC: the game's slot.
  auto acked =
      conn->CommandFor(keys::GameTag(game_id),
                       {"WAIT", absl::StrCat(min_replicas_),
                        absl::StrCat(std::max<int64_t>(
                            1, absl::ToInt64Milliseconds(replica_timeout_)))});
  if (!acked.ok()) return acked.status();
  if (acked->is_error() || acked->integer < min_replicas_) {
    metrics_->replica_waits_short->Increment({game_id});
    return absl::UnavailableError(absl::StrCat(
        "game '", game_id,
        "': ", acked->is_error() ? acked->str : absl::StrCat(acked->integer),
        " replica(s) acknowledged the commit within ",
        absl::FormatDuration(replica_timeout_), ", ", min_replicas_,
        " required (redis.min_replicas_acked); the entries stay pending and "
        "are acknowledged once replicated"));
  }
  return absl::OkStatus();
}

GameBatch::GameBatch(const v1::StatsTrackerConfig& config,
                     WorkerMetrics* metrics)
    : config_(config),
      metrics_(metrics),
      dedup_(ProtoDuration(config.worker().dedup_window())),
      producer_expiry_(ProtoDuration(config.worker().producer_expiry())),
      min_replicas_(config.redis().min_replicas_acked()),
      replica_timeout_(ProtoDuration(config.redis().replica_ack_timeout())) {}

ChainResult GameBatch::Apply(
    RedisConnection* conn, const GameRuntime& game,
    const std::vector<std::vector<StreamEntry*>>& batches,
    Piggyback* piggyback) const {
  const std::string& g = game.config.game_id();
  ChainResult out;
  // The piggyback's replies until they are used.
  std::optional<std::vector<RedisReply>> carried;
  auto use_carried = [&carried, piggyback] {
    if (!carried.has_value()) return;
    std::optional<std::vector<RedisReply>> replies =
        std::exchange(carried, std::nullopt);
    piggyback->use(*std::move(replies));
  };
  // Leaves no WATCH behind on the connection when an attempt gives up.
  auto give_up = [conn, &out, &use_carried](absl::Status status) {
    use_carried();
    if (!conn->broken()) (void)conn->Command({"UNWATCH"});
    out.status = std::move(status);
    return std::move(out);
  };
  std::optional<Started> started;  // the next batch, begun in a pipeline
  // The committed transactions of this call, newest last: what the next
  // one is computed on.
  std::vector<std::unique_ptr<Attempt>> committed;
  // Work moved off the path between a reply and the next pipeline: the
  // batch after next planned (`planned`, for batch `planned_for`), and
  // attempts done with, freed while Redis runs the next pipeline.
  std::unique_ptr<Attempt> planned;
  size_t planned_for = 0;
  std::vector<std::unique_ptr<Attempt>> done_with;
  for (size_t i = 0; i < batches.size(); ++i) {
    const std::vector<StreamEntry*>& entries = batches[i];
    const std::string& stream = entries.front()->stream;
    for (int attempt = 0;; ++attempt) {
      if (attempt >= kMaxConflictRetries) {
        return give_up(absl::AbortedError("too many transaction conflicts"));
      }
      Started cur;
      if (started.has_value()) {
        std::optional<Started> taken = std::exchange(started, std::nullopt);
        cur = *std::move(taken);
      } else {
        cur.read = PlanAttempt(game, entries, dedup_, absl::Now());
        auto replies =
            conn->Pipeline(ReadCommands(g, stream, dedup_, *cur.read));
        if (!replies.ok()) return give_up(replies.status());
        cur.replies = *std::move(replies);
      }
      bool noscript = false;
      for (size_t k = cur.first; k < cur.replies.size(); ++k) {
        const RedisReply& r = cur.replies[k];
        if (r.is_error() && absl::StartsWith(r.str, "NOSCRIPT")) {
          noscript = true;
        } else if (r.is_error()) {
          return give_up(ReplyError("reading a batch's state", r));
        }
      }
      if (noscript) {
        absl::Status loaded = LoadBoardScripts(conn);
        if (loaded.ok()) loaded = LoadDedupScripts(conn);
        if (!loaded.ok()) return give_up(loaded);
        (void)conn->Command({"UNWATCH"});
        continue;
      }
      absl::Status parsed =
          ParseReads(game, cur.replies, cur.first, cur.read.get());
      if (!parsed.ok()) return give_up(parsed);

      // The batch's result: the one computed while its reads were on the
      // way when they say what it assumed, else computed from them now.
      std::unique_ptr<Attempt> a;
      GameBatchResult result;
      if (cur.predicted != nullptr &&
          SameInputs(InputsOf(*cur.read), cur.assumed)) {
        TakeSnapshots(cur.read.get(), cur.predicted.get());
        done_with.push_back(std::move(cur.read));
        a = std::move(cur.predicted);
        result = std::move(cur.predicted_result);
        metrics_->overlapped->Increment({g, "kept"});
      } else {
        if (cur.predicted != nullptr) {
          metrics_->overlapped->Increment({g, "recomputed"});
        }
        a = std::move(cur.read);
        result = ApplyEvents(game, entries, a.get());
      }
      if (!result.rejected.empty()) {
        use_carried();
        (void)conn->Command({"UNWATCH"});
        GameBatchResult refused;
        refused.rejected = std::move(result.rejected);
        out.batches.push_back(std::move(refused));
        return out;
      }

      auto tx = WriteCommands(game, entries, dedup_, producer_expiry_,
                              min_replicas_ > 0, *a);
      if (!tx.ok()) return give_up(tx.status());
      const size_t tx_size = tx->size();
      Commands pipeline = *std::move(tx);
      // The next batch starts in this pipeline unless something must run
      // between the two commits.
      const bool chain =
          i + 1 < batches.size() && min_replicas_ == 0 && !NeedsBucketSplit(*a);
      Started next;
      if (chain) {
        next.read =
            planned != nullptr && planned_for == i + 1
                ? std::move(planned)
                : PlanAttempt(game, batches[i + 1], dedup_, absl::Now());
        Commands reads = ReadCommands(g, stream, dedup_, *next.read);
        next.first = tx_size;
        pipeline.insert(pipeline.end(), std::make_move_iterator(reads.begin()),
                        std::make_move_iterator(reads.end()));
      }
      const size_t own_size = pipeline.size();
      const bool carry = piggyback != nullptr && !piggyback->sent;
      if (carry) {
        pipeline.insert(pipeline.end(), piggyback->commands.begin(),
                        piggyback->commands.end());
        piggyback->sent = true;
      }
      auto written =
          chain ? conn->Pipeline(pipeline,
                                 [&] {
                                   use_carried();
                                   done_with.clear();
                                   std::vector<const Attempt*> done = {a.get()};
                                   for (auto it = committed.rbegin();
                                        it != committed.rend(); ++it) {
                                     done.push_back(it->get());
                                   }
                                   Predict(game, batches[i + 1], dedup_, done,
                                           entries.back()->id, &next);
                                   if (i + 2 < batches.size()) {
                                     planned = PlanAttempt(game, batches[i + 2],
                                                           dedup_, absl::Now());
                                     planned_for = i + 2;
                                   }
                                 })
                : conn->Pipeline(pipeline);
      if (!written.ok()) return give_up(written.status());
      if (carry) {
        carried.emplace(std::make_move_iterator(written->begin() + own_size),
                        std::make_move_iterator(written->end()));
        written->resize(own_size);
        // Nothing follows in this call to run it during: now.
        if (!chain) use_carried();
      }
      for (size_t k = 0; k + 1 < tx_size; ++k) {
        if ((*written)[k].is_error()) {
          return give_up(
              ReplyError("queueing the batch transaction", (*written)[k]));
        }
      }
      const RedisReply& exec = (*written)[tx_size - 1];
      if (exec.is_nil()) {
        // A WATCHed key changed: recompute from fresh reads (dropping the
        // next batch's, which saw the state without this one).
        metrics_->conflicts->Increment({g});
        if (chain) (void)conn->Command({"UNWATCH"});
        absl::SleepFor(absl::Microseconds(200 * (attempt + 1)));
        continue;
      }
      if (exec.type != RedisReply::Type::kArray) {
        return give_up(ReplyError("EXEC", exec));
      }
      for (const RedisReply& r : exec.elements) {
        if (r.is_error()) {
          Log(LogLevel::kError, "a command in the batch transaction failed",
              {{"game", g}, {"error", r.str}});
        }
      }
      if (min_replicas_ > 0) {
        absl::Status replicated = WaitForReplicas(conn, g);
        if (!replicated.ok()) return give_up(replicated);
      }
      // Only now, and never in the same pipeline: a nil EXEC must not be
      // followed by an acknowledgement. The caller sends it; if that fails
      // the entries stay pending, come back, and the cursor marks them
      // applied.
      result.ack = {"XACK", stream, config_.stream().group()};
      result.ack.reserve(3 + entries.size());
      for (const StreamEntry* e : entries) result.ack.push_back(e->id_text);
      if (!chain) GrowBuckets(conn, g, metrics_, a.get());
      out.batches.push_back(std::move(result));
      if (chain) {
        next.replies = *std::move(written);
        started = std::move(next);
      }
      committed.push_back(std::move(a));
      break;
    }
  }
  use_carried();
  return out;
}

}  // namespace worker
}  // namespace statstracker
