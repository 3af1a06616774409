// The server's answer cache never serves an answer older than the last
// commit by more than the notification latency: with the worker running, a
// board is written (events published, applied by the worker), then read
// through the server again and again, and every read is checked against
// what Redis holds. The cache's max_age is set to an hour, so only the
// commit announcements (and the subscription's loss) can make the server
// see a change: without them every check here fails.
#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/keys.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "statstracker/v1/admin.grpc.pb.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"

namespace statstracker {
namespace {

// How long after Redis shows a commit the server may still answer the old
// state: the notification's latency, bounded generously for a loaded CI
// machine (it is milliseconds when idle).
constexpr absl::Duration kStalenessBound = absl::Seconds(2);

std::unique_ptr<grpc::ClientContext> Ctx(bool admin = false) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(10));
  if (admin) {
    ctx->AddMetadata("authorization",
                     absl::StrCat("Bearer ", testing::kTestApiKey));
  }
  return ctx;
}

class AnswerCacheEndToEndTest : public ::testing::Test {
 protected:
  // `cache`: more of server.answer_cache's fields.
  void Start(const std::string& cache = "") {
    if (!testing::HaveBinary("worker/worker")) {
      GTEST_FAIL() << "worker/worker is not in the runfiles (data = //worker)";
    }
    auto stack = testing::StartStack(
        testing::TestConfig(absl::StrCat(
            "answer_cache { max_age { seconds: 3600 } ", cache, " }")),
        testing::StackOptions());
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    boards_ = v1::LeaderboardService::NewStub(stack_->channel);
    admin_ = v1::AdminService::NewStub(stack_->channel);
    auto conn = stack_->redis->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status();
    redis_ = *std::move(conn);
    WaitForCacheOn();
  }

  // The cache turns on once the server's subscription is confirmed.
  void WaitForCacheOn() {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      auto reply = redis_->Command(
          {"PUBSUB", "NUMSUB", std::string(keys::kChangesChannel)});
      if (reply.ok() && reply->elements.size() == 2 &&
          reply->elements[1].integer > 0) {
        return;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    FAIL() << "the server never subscribed to " << keys::kChangesChannel;
  }

  void Publish(int i) {
    v1::PublishEventsRequest req;
    v1::GameEvent* e = req.add_events();
    e->set_event_id(absl::StrCat("cache-e2e-", i));
    e->set_game_id("arcade");
    e->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    e->mutable_score_submitted()->set_player_id(absl::StrCat("p", i));
    e->mutable_score_submitted()->set_score(i + 1);
    v1::PublishEventsResponse resp;
    grpc::Status status = admin_->PublishEvents(Ctx(true).get(), req, &resp);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // Entries on arcade/total as Redis holds them.
  int64_t TruthCount() {
    auto reply =
        redis_->Command({"ZCARD", keys::Board("arcade", "total", "all")});
    return reply.ok() ? reply->integer : -1;
  }

  // Entries on arcade/total as the server answers, by two cached queries.
  int64_t ServedCount() {
    v1::CountEntriesRequest count_req;
    count_req.set_game_id("arcade");
    count_req.set_leaderboard_id("total");
    v1::CountEntriesResponse count;
    grpc::Status status = boards_->CountEntries(Ctx().get(), count_req, &count);
    EXPECT_TRUE(status.ok()) << status.error_message();
    v1::ListEntriesRequest page_req;
    page_req.set_game_id("arcade");
    page_req.set_leaderboard_id("total");
    page_req.set_page_size(100);
    v1::ListEntriesResponse page;
    status = boards_->ListEntries(Ctx().get(), page_req, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    // Both answers are read separately; either may be the newer one.
    return std::min<int64_t>(count.count(), page.entries_size());
  }

  // Waits until Redis holds `n` entries, then until the server answers
  // `n`; fails if the server lags Redis by more than the bound or ever
  // answers fewer than `previous`.
  void ExpectServedWithinBound(int64_t n, int64_t previous,
                               absl::Duration* worst,
                               absl::Duration bound = kStalenessBound) {
    absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (TruthCount() < n) {
      ASSERT_LT(absl::Now(), deadline)
          << "the worker did not apply event " << n << ":\n"
          << stack_->worker->Output();
      absl::SleepFor(absl::Milliseconds(2));
    }
    const absl::Time committed_seen = absl::Now();
    while (true) {
      int64_t served = ServedCount();
      ASSERT_GE(served, previous) << "the server went back in time";
      if (served >= n) break;
      ASSERT_LT(absl::Now() - committed_seen, bound)
          << "the server still answered " << served << " entries, " << bound
          << " after Redis held " << n;
      absl::SleepFor(absl::Milliseconds(1));
    }
    *worst = std::max(*worst, absl::Now() - committed_seen);
  }

  double Metric(const std::string& name) {
    auto text = testing::HttpGet(stack_->metrics_address, "/metrics");
    if (!text.ok()) return -1;
    size_t at = text->find(absl::StrCat("\n", name, " "));
    if (at == std::string::npos) return -1;
    double value = -1;
    size_t start = at + name.size() + 2;
    (void)absl::SimpleAtod(text->substr(start, text->find('\n', start) - start),
                           &value);
    return value;
  }

  std::unique_ptr<testing::Stack> stack_;
  std::unique_ptr<v1::LeaderboardService::Stub> boards_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
  std::unique_ptr<RedisConnection> redis_;
};

TEST_F(AnswerCacheEndToEndTest, ReadsFollowEveryCommitWithinTheBound) {
  Start();
  absl::Duration worst;
  for (int i = 0; i < 40; ++i) {
    // Warm the cache with the current state, so a stale answer is there to
    // be served if the commit were not heard.
    ASSERT_EQ(ServedCount(), i);
    ASSERT_EQ(ServedCount(), i);
    Publish(i);
    ExpectServedWithinBound(i + 1, i, &worst);
    if (HasFatalFailure()) return;
  }
  std::cout << "worst lag behind Redis: " << worst << "\n";
  // The cache was really in the path (hits), and invalidated by commits.
  EXPECT_GT(Metric("statstracker_server_cache_hits_total"), 40);
  EXPECT_GE(Metric("statstracker_server_cache_invalidations_total"), 40);
}

// With serve_stale_for the outdated answer may be served for that long
// after the announcement (while one read refreshes it), never longer, and
// never an answer older than the one before.
TEST_F(AnswerCacheEndToEndTest, ServeStaleForExtendsTheBoundByItsWindow) {
  Start("serve_stale_for { nanos: 300000000 }");
  absl::Duration worst;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(ServedCount(), i);
    ASSERT_EQ(ServedCount(), i);
    Publish(i);
    ExpectServedWithinBound(i + 1, i, &worst,
                            kStalenessBound + absl::Milliseconds(300));
    if (HasFatalFailure()) return;
  }
  std::cout << "worst lag behind Redis: " << worst << "\n";
  // The outdated answers were served (the reads right after each commit),
  // and refreshed: every round ended on the new state.
  EXPECT_GT(Metric("statstracker_server_cache_stale_hits_total"), 0);
  EXPECT_GE(Metric("statstracker_server_cache_invalidations_total"), 20);
}

TEST_F(AnswerCacheEndToEndTest, LostSubscriptionFlushesTheCache) {
  Start();
  absl::Duration worst;
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(ServedCount(), i);
    ASSERT_EQ(ServedCount(), i);
    // The server's subscription is cut just before the commit, so the
    // commit's announcement is lost; the server must notice the loss and
    // stop serving what it cached.
    auto killed = redis_->Command({"CLIENT", "KILL", "TYPE", "pubsub"});
    ASSERT_TRUE(killed.ok());
    Publish(i);
    ExpectServedWithinBound(i + 1, i, &worst);
    if (HasFatalFailure()) return;
    WaitForCacheOn();
  }
  std::cout << "worst lag behind Redis: " << worst << "\n";
}

TEST_F(AnswerCacheEndToEndTest,
       RedisRestartWithOtherDataIsNeverHiddenByTheCache) {
  Start();
  absl::Duration worst;
  for (int i = 0; i < 3; ++i) {
    Publish(i);
    ExpectServedWithinBound(i + 1, i, &worst);
    if (HasFatalFailure()) return;
  }
  ASSERT_EQ(ServedCount(), 3);  // cached
  ASSERT_EQ(ServedCount(), 3);
  // Without persistence the restarted Redis is empty: a different state
  // that no commit announced.
  ASSERT_TRUE(stack_->redis->Restart().ok());
  absl::Time deadline = absl::Now() + kStalenessBound;
  int64_t served = -1;
  while (absl::Now() < deadline) {
    v1::CountEntriesRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id("total");
    v1::CountEntriesResponse resp;
    grpc::Status status = boards_->CountEntries(Ctx().get(), req, &resp);
    if (status.ok()) {
      served = resp.count();
      if (served == 0) break;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ(served, 0) << "the cache kept answering the old Redis's board";
}

}  // namespace
}  // namespace statstracker
