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
    auto conn = RedisConnection::Connect(
        options_.host, options_.port,
        std::min(options_.timeout, absl::Seconds(1)), options_.password);
    if (!conn.ok()) return false;
    conn_ = *std::move(conn);
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
