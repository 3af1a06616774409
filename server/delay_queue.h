#ifndef STATSTRACKER_SERVER_DELAY_QUEUE_H_
#define STATSTRACKER_SERVER_DELAY_QUEUE_H_

// One thread that runs callbacks after a delay: how WatchLeaderboard streams
// wait between polls without holding a thread each. Callbacks run in due
// order on the queue's thread and should be short (they start async work).

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "absl/time/time.h"

namespace statstracker {
namespace server {

class DelayQueue {
 public:
  DelayQueue();
  // Runs every callback still waiting (at once, in due order), then joins.
  ~DelayQueue();

  DelayQueue(const DelayQueue&) = delete;
  DelayQueue& operator=(const DelayQueue&) = delete;

  void RunAfter(absl::Duration delay, std::function<void()> callback);

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable wake_;
  std::multimap<absl::Time, std::function<void()>> due_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_DELAY_QUEUE_H_
