#include "server/delay_queue.h"

#include <utility>

#include "absl/time/clock.h"

namespace statstracker {
namespace server {

DelayQueue::DelayQueue() : thread_([this] { Loop(); }) {}

DelayQueue::~DelayQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void DelayQueue::RunAfter(absl::Duration delay,
                          std::function<void()> callback) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    due_.emplace(absl::Now() + delay, std::move(callback));
  }
  wake_.notify_one();
}

void DelayQueue::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (due_.empty()) {
      if (stop_) return;
      wake_.wait(lock);
      continue;
    }
    auto first = due_.begin();
    if (!stop_ && first->first > absl::Now()) {
      wake_.wait_for(lock,
                     absl::ToChronoNanoseconds(first->first - absl::Now()));
      continue;
    }
    std::function<void()> callback = std::move(first->second);
    due_.erase(first);
    lock.unlock();
    callback();
    lock.lock();
  }
}

}  // namespace server
}  // namespace statstracker
