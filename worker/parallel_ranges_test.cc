#include "worker/parallel_ranges.h"

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace statstracker {
namespace worker {
namespace {

// Every index exactly once, in ranges of at least the minimum (except when
// there is only one range), from any number of callers at once.
TEST(ParallelRanges, CoversEveryIndexOnceFromManyCallers) {
  constexpr size_t kItems = 10000;
  std::vector<std::thread> callers;
  callers.reserve(4);
  std::atomic<int> failures{0};
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&failures] {
      for (int round = 0; round < 50; ++round) {
        std::vector<std::atomic<int>> hits(kItems);
        std::mutex mu;
        std::vector<std::pair<size_t, size_t>> ranges;
        ParallelRanges(kItems, 64, [&](size_t begin, size_t end) {
          for (size_t i = begin; i < end; ++i) hits[i].fetch_add(1);
          std::lock_guard<std::mutex> lock(mu);
          ranges.emplace_back(begin, end);
        });
        for (const auto& h : hits) failures += h.load() != 1;
        for (const auto& [begin, end] : ranges) failures += end - begin < 64;
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(ParallelRanges, SmallOrEmptyWorkIsOneRangeOnTheCaller) {
  std::vector<std::pair<size_t, size_t>> ranges;
  const std::thread::id caller = std::this_thread::get_id();
  bool on_caller = true;
  ParallelRanges(100, 64, [&](size_t begin, size_t end) {
    ranges.emplace_back(begin, end);
    on_caller = on_caller && std::this_thread::get_id() == caller;
  });
  EXPECT_EQ(ranges, (std::vector<std::pair<size_t, size_t>>{{0, 100}}));
  EXPECT_TRUE(on_caller);
  ParallelRanges(0, 64, [&](size_t, size_t) { ADD_FAILURE() << "called"; });
}

}  // namespace
}  // namespace worker
}  // namespace statstracker
