#include "server/health_checker.h"

#include <algorithm>
#include <chrono>

namespace statstracker {
namespace server {

RedisHealthChecker::RedisHealthChecker(RedisPool::Options options,
                                       absl::Duration interval,
                                       std::function<void(bool up)> on_change)
    : options_(std::move(options)),
      interval_(interval),
      on_change_(std::move(on_change)) {}

RedisHealthChecker::~RedisHealthChecker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RedisHealthChecker::Start() {
  Report(Probe());
  thread_ = std::thread([this] { Loop(); });
}

bool RedisHealthChecker::up() const {
  std::lock_guard<std::mutex> lock(mu_);
  return up_;
}

bool RedisHealthChecker::Probe() {
  if (conn_ == nullptr || conn_->broken()) {
    conn_.reset();
    // A short timeout: a health probe must not hang on a dead host.
    RedisTarget probe_target = options_.target;
    probe_target.timeout = std::min(probe_target.timeout, absl::Seconds(1));
    auto conn = RedisConnection::Connect(probe_target);
    if (!conn.ok()) return false;
    conn_ = *std::move(conn);
  }
  if (conn_->cluster()) {
    // Serving only while every master says the cluster is whole (no slot
    // without a master, e.g. during a failover).
    auto infos = conn_->OnEveryMaster({"CLUSTER", "INFO"});
    if (!infos.ok()) return false;
    for (const RedisReply& info : *infos) {
      if (info.is_error() ||
          info.str.find("cluster_state:ok") == std::string::npos) {
        return false;
      }
    }
    return true;
  }
  auto reply = conn_->Command({"PING"});
  // PONG only: a Redis that is still loading its data answers -LOADING.
  return reply.ok() && !reply->is_error() && reply->str == "PONG";
}

void RedisHealthChecker::Report(bool up) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (known_ && up_ == up) return;
    known_ = true;
    up_ = up;
  }
  on_change_(up);
}

void RedisHealthChecker::Loop() {
  const auto interval = absl::ToChronoMilliseconds(interval_);
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stop_cv_.wait_for(lock, interval, [this] { return stop_; })) return;
    }
    Report(Probe());
  }
}

}  // namespace server
}  // namespace statstracker
