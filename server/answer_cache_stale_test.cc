// AnswerCache with serve_stale_for: after an invalidation, the outdated
// answer is served for that long while one load refreshes it; past the
// window, or after a flush, requests wait for the load as without it.
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "common/metrics.h"
#include "gtest/gtest.h"
#include "server/answer_cache.h"
#include "server/answer_cache_testing.h"

namespace statstracker {
namespace {

using testing::MakeAnswer;
using testing::PendingLoads;
using testing::Received;

class StaleAnswerCacheTest : public ::testing::Test {
 protected:
  StaleAnswerCacheTest() {
    AnswerCache::Options options;
    options.max_age = absl::Seconds(1);
    options.serve_stale_for = absl::Milliseconds(100);
    options.now = [this] { return now_; };
    cache_ = std::make_unique<AnswerCache>(options, true, &metrics_);
  }

  // Fetches "top" of game "g"; returns what was delivered at once.
  Received Fetch() {
    Received got;
    cache_->Fetch("g", "top", loads_.Loader(), got.Done());
    return got;
  }

  // The next Fetch waits for a load, and gets its answer `proto`.
  void ExpectWaitsFor(const std::string& proto) {
    Received got = Fetch();
    EXPECT_EQ(got.calls, 0);  // waits: no answer may be served now
    loads_.Complete(MakeAnswer(proto));
    EXPECT_EQ(got.Proto(), proto);
  }

  // Stores `proto` as the answer to "top".
  void Warm(const std::string& proto) {
    Received got = Fetch();
    loads_.Complete(MakeAnswer(proto));
    ASSERT_EQ(got.Proto(), proto);
  }

  absl::Time now_ = absl::FromUnixSeconds(1000);
  MetricsRegistry metrics_;
  std::unique_ptr<AnswerCache> cache_;
  PendingLoads loads_;
};

TEST_F(StaleAnswerCacheTest, OutdatedAnswerIsServedWhileOneLoadRefreshesIt) {
  Warm("v1");
  cache_->Invalidate("g");
  now_ += absl::Milliseconds(40);
  Received first = Fetch();
  EXPECT_EQ(first.calls, 1);  // at once, not after the load
  EXPECT_EQ(first.Proto(), "v1");
  EXPECT_EQ(loads_.Pending(), 1u);  // the refresh
  now_ += absl::Milliseconds(40);
  Received second = Fetch();
  EXPECT_EQ(second.Proto(), "v1");
  EXPECT_EQ(loads_.Pending(), 1u);  // no second refresh while one runs
  loads_.Complete(MakeAnswer("v2"));
  EXPECT_EQ(first.calls, 1);  // the refresh answers nobody twice
  Received after = Fetch();
  EXPECT_EQ(after.Proto(), "v2");  // a fresh hit
  EXPECT_EQ(loads_.Pending(), 0u);
  AnswerCache::Stats stats = cache_->stats();
  EXPECT_EQ(stats.stale_hits, 2u);
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_NE(metrics_.RenderText().find(
                "statstracker_server_cache_stale_hits_total 2"),
            std::string::npos);
}

TEST_F(StaleAnswerCacheTest, PastTheWindowRequestsWaitForTheLoad) {
  Warm("v1");
  cache_->Invalidate("g");
  now_ += absl::Milliseconds(101);
  ExpectWaitsFor("v2");
}

TEST_F(StaleAnswerCacheTest, WindowCountsFromTheFirstAnnouncementAfterTheRead) {
  Warm("v1");
  cache_->Invalidate("g");
  now_ += absl::Milliseconds(80);
  cache_->Invalidate("g");  // another commit: v1 is not any fresher
  now_ += absl::Milliseconds(30);
  ExpectWaitsFor("v2");
}

TEST_F(StaleAnswerCacheTest, RefreshStartedBeforeAnotherCommitIsNotStored) {
  Warm("v1");
  cache_->Invalidate("g");
  EXPECT_EQ(Fetch().Proto(), "v1");   // starts the refresh
  cache_->Invalidate("g");            // a commit while it reads
  loads_.Complete(MakeAnswer("v2"));  // read before that commit: not stored
  now_ += absl::Milliseconds(10);
  Received got = Fetch();
  EXPECT_EQ(got.Proto(), "v1");     // still within the window of the first
  ASSERT_EQ(loads_.Pending(), 1u);  // and refreshed again
  loads_.Complete(MakeAnswer("v3"));
  EXPECT_EQ(Fetch().Proto(), "v3");
}

TEST_F(StaleAnswerCacheTest, NeverPastMaxAge) {
  Warm("v1");
  now_ += absl::Milliseconds(950);
  cache_->Invalidate("g");
  now_ += absl::Milliseconds(60);  // in the window, but read 1.01 s ago
  ExpectWaitsFor("v2");
}

TEST_F(StaleAnswerCacheTest, FlushAndDisableServeNothingStale) {
  Warm("v1");
  cache_->InvalidateAll();  // e.g. the subscription was lost and is back
  ExpectWaitsFor("v2");
  cache_->Invalidate("g");
  cache_->SetEnabled(false);
  ExpectWaitsFor("v3");
}

TEST(AnswerCacheWithoutStaleTest, InvalidationDropsTheAnswerAtOnce) {
  absl::Time now = absl::FromUnixSeconds(1000);
  AnswerCache::Options options;  // serve_stale_for left at zero
  options.now = [&now] { return now; };
  AnswerCache cache(options, true);
  PendingLoads loads;
  Received warm;
  cache.Fetch("g", "top", loads.Loader(), warm.Done());
  loads.Complete(MakeAnswer("v1"));
  cache.Invalidate("g");
  Received got;
  cache.Fetch("g", "top", loads.Loader(), got.Done());
  EXPECT_EQ(got.calls, 0);
  loads.Complete(MakeAnswer("v2"));
  EXPECT_EQ(got.Proto(), "v2");
  EXPECT_EQ(cache.stats().stale_hits, 0u);
}

}  // namespace
}  // namespace statstracker
