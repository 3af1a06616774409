// Overlapped transactions (worker/batch_overlap.h): a game's consecutive
// transactions are computed while Redis runs the one before. The real worker
// on a real redis-server, compared with the independent computation: once
// where every guess holds (the computed results are kept), once where the
// guess about dedup state is wrong (retries of events applied long before),
// so those transactions must be computed again from their reads.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "tests/redis_fixture.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace testing {
namespace {

constexpr int kTransactionSize = 16;
constexpr char kOverlapped[] =
    "statstracker_worker_overlapped_transactions_total";

class WorkerOverlapTest : public RedisFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveBinary("worker/worker")) << "worker/worker not in runfiles";
    RedisFixture::SetUp();
    auto config = WriteTempFile(
        "worker-overlap.textproto",
        WorkerTestConfig(absl::StrCat("transaction_size: ", kTransactionSize),
                         512));
    ASSERT_TRUE(config.ok()) << config.status();
    config_ = *config;
  }

  void PublishAll(const std::vector<StreamItem>& items) {
    auto ids = Publish(conn_.get(), items);
    ASSERT_TRUE(ids.ok()) << ids.status();
    for (size_t i = 0; i < items.size(); ++i)
      expected_.Add(items[i], (*ids)[i]);
  }

  void ExpectState() {
    std::vector<std::string> diffs = expected_.Compare(conn_.get());
    EXPECT_TRUE(diffs.empty()) << absl::StrJoin(diffs, "\n");
    auto pending = PendingCount(conn_.get());
    ASSERT_TRUE(pending.ok()) << pending.status();
    EXPECT_EQ(*pending, 0);
  }

  std::string Metrics(const ChildProcess& worker) {
    auto page = HttpGet(ReadyField(worker.ready_line(), "metrics"), "/metrics");
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? *page : "";
  }

  std::string config_;
  ExpectedState expected_;
};

// Only valid events of few players, all waiting before the worker starts:
// every read holds many transactions of a game whose players the one before
// already holds, so their results are computed ahead and kept.
GeneratorOptions FewPlayersNoRetries(uint32_t seed, int events) {
  GeneratorOptions options;
  options.events = events;
  options.seed = seed;
  options.duplicate_fraction = 0;
  options.garbage_fraction = 0;
  options.rejected_fraction = 0;
  options.arcade_submissions = 0;
  options.arcade_matches = 0;
  options.duel = 0;
  options.chess = 1;
  return options;
}

TEST_F(WorkerOverlapTest, KeptResultsEqualTheIndependentComputation) {
  PublishAll(GenerateEvents(FewPlayersNoRetries(3, 3000)));
  auto worker = StartWorker(*redis_, config_, "overlap");
  ASSERT_TRUE(worker.ok()) << worker.status();
  absl::Status drained = WaitDrained(conn_.get(), absl::Seconds(60));
  ASSERT_TRUE(drained.ok()) << drained << "\n" << (*worker)->Output();
  ExpectState();

  const std::string page = Metrics(**worker);
  // Most transactions were computed ahead and kept; none had to be redone.
  EXPECT_GT(MetricSum(page, kOverlapped, {"outcome=\"kept\""}),
            3000 / kTransactionSize / 2);
  EXPECT_EQ(MetricSum(page, kOverlapped, {"outcome=\"recomputed\""}), 0);
  EXPECT_EQ(MetricSum(page, "statstracker_worker_events_processed_total"),
            3000);
}

TEST_F(WorkerOverlapTest, WrongDedupGuessIsRecomputedAndTheRetryDropped) {
  // Applied first, and drained.
  std::vector<StreamItem> first = GenerateEvents(FewPlayersNoRetries(4, 800));
  PublishAll(first);
  auto worker = StartWorker(*redis_, config_, "overlap");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(60)).ok())
      << (*worker)->Output();
  const double kept_before =
      MetricSum(Metrics(**worker), kOverlapped, {"outcome=\"kept\""});

  // Then new matches of the same players with, in the middle of every
  // transaction, a producer retry of one of the first events. The worker
  // computes each transaction on the one before, which never saw that
  // event_id; its read of the dedup sets does.
  (*worker)->Stop();
  std::vector<StreamItem> fresh = GenerateEvents(FewPlayersNoRetries(5, 800));
  std::vector<StreamItem> second;
  int retries = 0;
  for (size_t i = 0; i < fresh.size(); ++i) {
    second.push_back(fresh[i]);
    if (i % kTransactionSize == kTransactionSize / 2) {
      StreamItem retry = first[(i * 7) % first.size()];
      retry.kind = StreamItem::Kind::kDuplicate;
      second.push_back(retry);
      ++retries;
    }
  }
  PublishAll(second);
  auto restarted = StartWorker(*redis_, config_, "overlap");
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(60)).ok())
      << (*restarted)->Output();
  ExpectState();

  const std::string page = Metrics(**restarted);
  EXPECT_EQ(MetricSum(page, "statstracker_worker_events_duplicate_total"),
            retries);
  EXPECT_EQ(MetricSum(page, "statstracker_worker_events_processed_total"),
            fresh.size());
  // Transactions after the first of each read held a retry: computed ahead
  // on a wrong guess, then again from the reads.
  EXPECT_GT(MetricSum(page, kOverlapped, {"outcome=\"recomputed\""}),
            retries / 2);
  EXPECT_GT(kept_before, 0);
}

}  // namespace
}  // namespace testing
}  // namespace statstracker
