#include "worker/worker.h"

#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/redis_config.h"
#include "common/stream_partitions.h"

namespace statstracker {
namespace worker {
namespace {

bool IsArray(const RedisReply& r) { return r.type == RedisReply::Type::kArray; }

}  // namespace

Worker::Worker(const v1::StatsTrackerConfig& config, const GameCatalog* catalog,
               WorkerMetrics* metrics)
    : config_(config), metrics_(metrics), batch_(config_, metrics) {
  for (int p = 0; p < PartitionCount(config_.stream()); ++p) {
    runners_.push_back(std::make_unique<PartitionRunner>(config_, p, catalog,
                                                         &batch_, metrics));
  }
}

Worker::~Worker() = default;

absl::Status Worker::Run(const std::atomic<bool>& stop,
                         const std::function<void()>& on_ready) {
  std::atomic<bool> halt{false};
  // Ready once every runner has connected; the last one to do so says so.
  std::atomic<size_t> connected{0};
  const std::function<void()> on_connected = [&] {
    if (connected.fetch_add(1) + 1 == runners_.size() && on_ready) on_ready();
  };
  std::vector<absl::Status> results(runners_.size());
  std::vector<std::thread> threads;
  threads.reserve(runners_.size());
  for (size_t i = 0; i < runners_.size(); ++i) {
    threads.emplace_back([this, i, &stop, &halt, &results, &on_connected] {
      results[i] = runners_[i]->Run(stop, halt, on_connected);
      // A runner that cannot go on stops the others.
      if (!results[i].ok()) halt.store(true);
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& status : results) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

void Worker::CollectGaugesOf(const std::string& stream) {
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

void Worker::CollectGauges() {
  std::lock_guard<std::mutex> lock(gauge_mu_);
  if (gauge_conn_ == nullptr || gauge_conn_->broken()) {
    auto conn =
        RedisConnection::Connect(RedisTargetFromConfig(config_.redis()));
    if (!conn.ok()) return;
    gauge_conn_ = *std::move(conn);
  }
  for (const auto& runner : runners_) CollectGaugesOf(runner->stream());
}

}  // namespace worker
}  // namespace statstracker
