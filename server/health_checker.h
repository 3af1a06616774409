#ifndef STATSTRACKER_SERVER_HEALTH_CHECKER_H_
#define STATSTRACKER_SERVER_HEALTH_CHECKER_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/time/time.h"
#include "server/redis_pool.h"

namespace statstracker {
namespace server {

// Pings Redis from a background thread on its own connection and reports
// each change between "answers" and "does not answer" (plus the first
// result) to `on_change`. The server uses it to drive grpc.health.v1.Health
// (SERVING only while Redis answers) and to drop stale pooled connections.
class RedisHealthChecker {
 public:
  RedisHealthChecker(RedisPool::Options options, absl::Duration interval,
                     std::function<void(bool up)> on_change);
  // Stops the thread.
  ~RedisHealthChecker();

  // Runs one check now on the calling thread (used at start-up so the
  // first health answer is already right) and starts the thread.
  void Start();
  bool up() const;

 private:
  bool Probe();
  void Report(bool up);
  void Loop();

  const RedisPool::Options options_;
  const absl::Duration interval_;
  const std::function<void(bool)> on_change_;
  std::unique_ptr<RedisConnection> conn_;  // only the checker thread uses it
  // std::mutex / std::condition_variable so TSan sees them (see
  // common/metrics.h).
  mutable std::mutex mu_;
  bool known_ ABSL_GUARDED_BY(mu_) = false;
  bool up_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::condition_variable stop_cv_;  // signalled when stop_ becomes true
  std::thread thread_;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_HEALTH_CHECKER_H_
