#ifndef STATSTRACKER_SERVER_BLOCKING_CALLS_H_
#define STATSTRACKER_SERVER_BLOCKING_CALLS_H_

// A few threads for the calls that must block on Redis: the admin RPCs
// (PublishEvents's MULTI/EXEC then WAIT for replicas, the reset and erase
// scripts period by period). They are rare and may wait for seconds (WAIT),
// so they run here, on their own leased connections (RedisPool), instead of
// stalling the multiplexed connections every query shares.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace statstracker {
namespace server {

class BlockingCalls {
 public:
  explicit BlockingCalls(int threads);
  // Runs what is queued, then joins.
  ~BlockingCalls();

  BlockingCalls(const BlockingCalls&) = delete;
  BlockingCalls& operator=(const BlockingCalls&) = delete;

  void Run(std::function<void()> work);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_BLOCKING_CALLS_H_
