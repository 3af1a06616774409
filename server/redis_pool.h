#ifndef STATSTRACKER_SERVER_REDIS_POOL_H_
#define STATSTRACKER_SERVER_REDIS_POOL_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/redis_client.h"

namespace statstracker {
namespace server {

// A pool of Redis connections shared by the RPC handlers: each in-flight call
// leases one connection for its duration and gives it back afterwards. Broken
// connections (I/O error) are dropped rather than returned, so the next lease
// reconnects; that is how the server recovers when Redis comes back.
// Thread-safe.
class RedisPool {
 public:
  struct Options {
    // Where Redis is (one server or a cluster's seeds), timeouts, password.
    RedisTarget target;
    // Idle connections kept for reuse; more may be open while busy.
    int max_idle = 64;
  };

  // One leased connection; returned to the pool when destroyed unless broken.
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    RedisConnection* get() const { return conn_.get(); }
    RedisConnection* operator->() const { return conn_.get(); }
    // True if the connection came from the idle list (it may have gone stale
    // while idle, e.g. across a Redis restart).
    bool reused() const { return reused_; }

   private:
    friend class RedisPool;
    Lease(RedisPool* pool, std::unique_ptr<RedisConnection> conn,
          uint64_t generation, bool reused)
        : pool_(pool),
          conn_(std::move(conn)),
          generation_(generation),
          reused_(reused) {}
    RedisPool* pool_;
    std::unique_ptr<RedisConnection> conn_;
    uint64_t generation_;
    bool reused_;
  };

  explicit RedisPool(Options options) : options_(std::move(options)) {}

  // An idle connection, or a new one. UNAVAILABLE if Redis cannot be reached.
  absl::StatusOr<Lease> Acquire();

  // Runs `fn(RedisConnection*)` -> absl::StatusOr<T> on a leased connection.
  // When `idempotent` and the call fails with UNAVAILABLE on a connection
  // that had been idle, it is retried once on a fresh connection: a Redis
  // restart breaks every idle connection, and reads should not fail for it.
  template <typename Fn>
  auto Run(bool idempotent, Fn fn) -> decltype(fn(nullptr)) {
    for (int attempt = 0;; ++attempt) {
      auto lease = Acquire();
      if (!lease.ok()) return lease.status();
      auto result = fn(lease->get());
      if (result.ok() || !idempotent || attempt > 0 || !lease->reused() ||
          !absl::IsUnavailable(StatusOf(result))) {
        return result;
      }
    }
  }

  // Drops every idle connection (e.g. after the health checker saw Redis go
  // away), so later leases reconnect instead of failing on a stale socket.
  void InvalidateIdle();

  const Options& options() const { return options_; }

 private:
  static const absl::Status& StatusOf(const absl::Status& s) { return s; }
  template <typename T>
  static const absl::Status& StatusOf(const absl::StatusOr<T>& s) {
    return s.status();
  }

  void Release(std::unique_ptr<RedisConnection> conn, uint64_t generation);

  const Options options_;
  std::mutex mu_;  // std::mutex so TSan sees it (see common/metrics.h)
  std::vector<std::unique_ptr<RedisConnection>> idle_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_REDIS_POOL_H_
