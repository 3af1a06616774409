#include "server/redis_pool.h"

#include <utility>

namespace statstracker {
namespace server {

RedisPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      conn_(std::move(other.conn_)),
      generation_(other.generation_),
      reused_(other.reused_) {}

RedisPool::Lease::~Lease() {
  if (conn_ != nullptr) pool_->Release(std::move(conn_), generation_);
}

absl::StatusOr<RedisPool::Lease> RedisPool::Acquire() {
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(mu_);
    generation = generation_;
    if (!idle_.empty()) {
      std::unique_ptr<RedisConnection> conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn), generation, /*reused=*/true);
    }
  }
  // Connect outside the lock: a slow connect must not block other leases.
  auto conn = RedisConnection::Connect(options_.target);
  if (!conn.ok()) return conn.status();
  return Lease(this, *std::move(conn), generation, /*reused=*/false);
}

void RedisPool::Release(std::unique_ptr<RedisConnection> conn,
                        uint64_t generation) {
  if (conn->broken()) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (generation != generation_ ||
      static_cast<int>(idle_.size()) >= options_.max_idle) {
    return;
  }
  idle_.push_back(std::move(conn));
}

void RedisPool::InvalidateIdle() {
  std::vector<std::unique_ptr<RedisConnection>> dropped;
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  dropped.swap(idle_);
}

}  // namespace server
}  // namespace statstracker
