#include "worker/parallel_ranges.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace statstracker {
namespace worker {
namespace {

// One call's ranges; whoever claims a part runs it. (std::mutex rather than
// absl::Mutex: ThreadSanitizer sees the pthread calls beneath it, where
// Debian's uninstrumented Abseil would give false reports.)
struct Job {
  size_t n = 0;
  size_t parts = 0;
  const std::function<void(size_t, size_t)>* fn = nullptr;
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::condition_variable all_done;
  size_t done = 0;  // guarded by mu

  void RunParts() {
    for (size_t p = next.fetch_add(1); p < parts; p = next.fetch_add(1)) {
      (*fn)(n * p / parts, n * (p + 1) / parts);
      std::lock_guard<std::mutex> lock(mu);
      if (++done == parts) all_done.notify_all();
    }
  }

  void Wait() {
    std::unique_lock<std::mutex> lock(mu);
    all_done.wait(lock, [this] { return done == parts; });
  }
};

class Pool {
 public:
  explicit Pool(size_t threads) : threads_(threads) {
    for (size_t i = 0; i < threads; ++i) {
      // Lives as long as the process: detached, never joined.
      std::thread([this] { Loop(); }).detach();
    }
  }

  size_t ThreadCount() const { return threads_; }

  void Offer(const std::shared_ptr<Job>& job, size_t copies) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = 0; i < copies; ++i) queue_.push_back(job);
    }
    offered_.notify_all();
  }

 private:
  void Loop() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        offered_.wait(lock, [this] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job->RunParts();
    }
  }

  const size_t threads_;
  std::mutex mu_;
  std::condition_variable offered_;
  std::deque<std::shared_ptr<Job>> queue_;  // guarded by mu_
};

Pool& SharedPool() {
  static Pool* pool =
      new Pool(std::max<size_t>(1, std::thread::hardware_concurrency()) - 1);
  return *pool;
}

}  // namespace

void ParallelRanges(size_t n, size_t min_per_part,
                    const std::function<void(size_t, size_t)>& fn) {
  Pool& pool = SharedPool();
  const size_t parts =
      std::min(pool.ThreadCount() + 1, n / std::max<size_t>(1, min_per_part));
  if (parts <= 1) {
    if (n > 0) fn(0, n);
    return;
  }
  auto job = std::make_shared<Job>();
  job->n = n;
  job->parts = parts;
  job->fn = &fn;
  pool.Offer(job, parts - 1);
  job->RunParts();
  job->Wait();
}

}  // namespace worker
}  // namespace statstracker
