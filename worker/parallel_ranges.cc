#include "worker/parallel_ranges.h"

#include <algorithm>
#include <atomic>
#include <deque>
#include <memory>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace statstracker {
namespace worker {
namespace {

// One call's ranges; whoever claims a part runs it.
struct Job {
  size_t n = 0;
  size_t parts = 0;
  const std::function<void(size_t, size_t)>* fn = nullptr;
  std::atomic<size_t> next{0};
  absl::Mutex mu;
  size_t done ABSL_GUARDED_BY(mu) = 0;

  void RunParts() {
    for (size_t p = next.fetch_add(1); p < parts; p = next.fetch_add(1)) {
      (*fn)(n * p / parts, n * (p + 1) / parts);
      absl::MutexLock lock(&mu);
      ++done;
    }
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

  size_t threads() const { return threads_; }

  void Offer(const std::shared_ptr<Job>& job, size_t copies) {
    absl::MutexLock lock(&mu_);
    for (size_t i = 0; i < copies; ++i) queue_.push_back(job);
  }

 private:
  void Loop() {
    for (;;) {
      std::shared_ptr<Job> job;
      {
        absl::MutexLock lock(&mu_);
        mu_.Await(absl::Condition(
            +[](std::deque<std::shared_ptr<Job>>* q) { return !q->empty(); },
            &queue_));
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job->RunParts();
    }
  }

  const size_t threads_;
  absl::Mutex mu_;
  std::deque<std::shared_ptr<Job>> queue_ ABSL_GUARDED_BY(mu_);
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
      std::min(pool.threads() + 1, n / std::max<size_t>(1, min_per_part));
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
  absl::MutexLock lock(&job->mu);
  job->mu.Await(absl::Condition(
      +[](Job* j) { return j->done == j->parts; }, job.get()));
}

}  // namespace worker
}  // namespace statstracker
