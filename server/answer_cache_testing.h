#ifndef STATSTRACKER_SERVER_ANSWER_CACHE_TESTING_H_
#define STATSTRACKER_SERVER_ANSWER_CACHE_TESTING_H_

// Helpers for AnswerCache tests: answers, loads completed by the test, and
// what a Fetch delivered.

#include <deque>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "server/answer_cache.h"

namespace statstracker {
namespace testing {

inline AnswerCache::Answer MakeAnswer(std::string proto) {
  return std::make_shared<const EncodedAnswer>(std::move(proto));
}

// A loader whose loads stay pending until the test completes them.
class PendingLoads {
 public:
  AnswerCache::Loader Loader() {
    return [this](AnswerCache::Done loaded) {
      pending_.push_back(std::move(loaded));
    };
  }
  size_t Started() const { return started_ + pending_.size(); }
  size_t Pending() const { return pending_.size(); }
  // Completes the oldest pending load.
  void Complete(absl::StatusOr<AnswerCache::Answer> result) {
    ASSERT_FALSE(pending_.empty());
    AnswerCache::Done loaded = std::move(pending_.front());
    pending_.pop_front();
    ++started_;
    loaded(std::move(result));
  }

 private:
  std::deque<AnswerCache::Done> pending_;
  size_t started_ = 0;
};

// Records what a Fetch delivered.
struct Received {
  int calls = 0;
  absl::StatusOr<AnswerCache::Answer> result = absl::UnknownError("not called");
  AnswerCache::Done Done() {
    return [this](absl::StatusOr<AnswerCache::Answer> r) {
      ++calls;
      result = std::move(r);
    };
  }
  std::string Proto() const {
    return result.ok() ? (*result)->proto() : result.status().ToString();
  }
};

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_ANSWER_CACHE_TESTING_H_
