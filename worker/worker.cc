#include "worker/worker.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/layout_version.h"
#include "common/logging.h"
#include "worker/board_store.h"

namespace statstracker {
namespace worker {
namespace {

constexpr absl::Duration kMaxBackoff = absl::Seconds(5);
constexpr absl::Duration kMinBackoff = absl::Milliseconds(100);

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

bool IsArray(const RedisReply& r) { return r.type == RedisReply::Type::kArray; }

}  // namespace

Worker::Worker(const v1::StatsTrackerConfig& config, const GameCatalog* catalog,
               WorkerMetrics* metrics)
    : config_(config),
      catalog_(catalog),
      metrics_(metrics),
      block_(FromProto(config_.worker().block())),
      batch_(config_, metrics),
      consumer_(config_, config_.stream().key(), catalog, &batch_, metrics),
      trimmer_(FromProto(config_.worker().trim_interval()),
               config_.stream().max_length(), metrics) {}

Worker::~Worker() = default;

absl::Status Worker::Connect() {
  conn_.reset();
  absl::Duration timeout = FromProto(config_.redis().timeout());
  if (timeout <= absl::ZeroDuration()) timeout = absl::Seconds(2);
  // XREADGROUP blocks for `block_`; the command timeout must outlast it.
  auto conn = RedisConnection::Connect(
      config_.redis().host(), config_.redis().port(),
      timeout + block_ + absl::Seconds(1), config_.redis().password());
  if (!conn.ok()) return conn.status();
  conn_ = *std::move(conn);
  absl::Status status = CheckLayout(conn_.get(), config_);
  if (!status.ok()) return status;
  status = LoadBoardScripts(conn_.get());
  if (!status.ok()) return status;
  // After a reconnect Redis may have lost or changed anything: start over
  // from what the group says we hold.
  consumer_.Reset();
  return consumer_.EnsureGroup(conn_.get());
}

absl::Status Worker::Run(const std::atomic<bool>& stop) {
  absl::Duration backoff = kMinBackoff;
  absl::Time stop_deadline = absl::InfiniteFuture();
  while (true) {
    bool stopping = stop.load();
    if (stopping && stop_deadline == absl::InfiniteFuture()) {
      stop_deadline = absl::Now() + absl::Seconds(5);
      Log(LogLevel::kInfo, "worker stopping: finishing the entries in hand",
          {{"in_hand", absl::StrCat(consumer_.in_hand())}});
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
              {{"error", std::string(status.message())}});
        }
        conn_.reset();
        absl::SleepFor(backoff);
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
      metrics_->redis_up->Set({}, 1);
      backoff = kMinBackoff;
      if (redis_down_) {
        redis_down_ = false;
        Log(LogLevel::kInfo, "redis connection restored");
      }
    }
    absl::Status status = Step(stopping);
    if (!status.ok()) {
      if (conn_ != nullptr && !conn_->broken()) {
        Log(LogLevel::kError, "worker step failed",
            {{"error", std::string(status.message())}});
        absl::SleepFor(absl::Milliseconds(100));
      }
      // A broken connection is handled at the top of the loop.
      continue;
    }
    if (stopping && (consumer_.in_hand() == 0 || absl::Now() > stop_deadline)) {
      break;
    }
  }
  if (consumer_.in_hand() > 0) {
    Log(LogLevel::kWarning, "worker stopped with entries left pending",
        {{"pending", absl::StrCat(consumer_.in_hand())}});
    // A clean stop is no failed delivery: the restart's re-read must not
    // count toward worker.max_deliveries (stream_consumer.h).
    if (conn_ != nullptr && !conn_->broken()) {
      absl::Status status = consumer_.GiveBack(conn_.get());
      if (!status.ok()) {
        Log(LogLevel::kWarning, "could not give back the pending entries",
            {{"error", std::string(status.message())}});
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Worker::Step(bool stopping) {
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

void Worker::CollectGauges() {
  std::lock_guard<std::mutex> lock(gauge_mu_);
  if (gauge_conn_ == nullptr || gauge_conn_->broken()) {
    absl::Duration timeout = FromProto(config_.redis().timeout());
    if (timeout <= absl::ZeroDuration()) timeout = absl::Seconds(2);
    auto conn =
        RedisConnection::Connect(config_.redis().host(), config_.redis().port(),
                                 timeout, config_.redis().password());
    if (!conn.ok()) return;
    gauge_conn_ = *std::move(conn);
  }
  const std::string& stream = consumer_.stream();
  const std::string& group = config_.stream().group();
  auto replies = gauge_conn_->Pipeline(
      {{"XINFO", "GROUPS", stream}, {"XINFO", "STREAM", stream}});
  if (!replies.ok() || !IsArray((*replies)[0])) return;
  std::string last_generated;
  const auto& s = (*replies)[1].elements;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    if (s[i].str == "last-generated-id") last_generated = s[i + 1].str;
  }
  for (const RedisReply& g : (*replies)[0].elements) {
    if (!IsArray(g)) continue;
    const auto& f = g.elements;
    bool ours = false;
    for (size_t i = 0; i + 1 < f.size(); i += 2) {
      if (f[i].str == "name" && f[i + 1].str == group) ours = true;
    }
    if (!ours) continue;
    for (size_t i = 0; i + 1 < f.size(); i += 2) {
      if (f[i].str == "pending") {
        metrics_->pending->Set({stream, group}, f[i + 1].integer);
      } else if (f[i].str == "last-delivered-id" &&
                 f[i + 1].str == last_generated) {
        // Everything was delivered. Redis 7.0's "lag" counter can be wrong
        // (or nil) after an AOF restart; this case is unambiguous.
        metrics_->lag->Set({stream, group}, 0);
        break;
      } else if (f[i].str == "lag" &&
                 f[i + 1].type == RedisReply::Type::kInteger) {
        metrics_->lag->Set({stream, group}, f[i + 1].integer);
      }
    }
  }
}

}  // namespace worker
}  // namespace statstracker
