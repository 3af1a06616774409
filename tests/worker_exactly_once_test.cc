// Exactly-once consumption: 10,000 random events over three games with
// duplicate event_ids, garbage entries and plugin-rejected events, applied by
// the real worker process on a real redis-server, compared with an
// independent in-test computation; then the same with the worker SIGKILLed
// and restarted several times.
#include <signal.h>
#include <sys/wait.h>

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/redis_fixture.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace testing {
namespace {

class WorkerExactlyOnceTest : public RedisFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveBinary("worker/worker")) << "worker/worker not in runfiles";
    RedisFixture::SetUp();
  }

  // Publishes items[from, to) and feeds them to the expected state.
  void PublishRange(const std::vector<StreamItem>& items, size_t from,
                    size_t to) {
    std::vector<StreamItem> part(items.begin() + from, items.begin() + to);
    auto ids = Publish(conn_.get(), part);
    ASSERT_TRUE(ids.ok()) << ids.status();
    for (size_t i = 0; i < part.size(); ++i) {
      expected_.Add(part[i], (*ids)[i]);
      bytes_[(*ids)[i]] = part[i].bytes;
    }
  }

  void ExpectFinalState() {
    std::vector<std::string> diffs = expected_.Compare(conn_.get());
    EXPECT_TRUE(diffs.empty()) << absl::StrJoin(diffs, "\n");
    diffs = CompareDeadLetters(conn_.get(), expected_.dead_letters(), bytes_);
    EXPECT_TRUE(diffs.empty()) << absl::StrJoin(diffs, "\n");
    auto pending = PendingCount(conn_.get());
    ASSERT_TRUE(pending.ok()) << pending.status();
    EXPECT_EQ(*pending, 0);
  }

  ExpectedState expected_;
  std::map<std::string, std::string> bytes_;
};

TEST_F(WorkerExactlyOnceTest, RandomEventsMatchIndependentComputation) {
  auto config =
      WriteTempFile("worker-exactly-once.textproto", WorkerTestConfig());
  ASSERT_TRUE(config.ok());
  GeneratorOptions options;
  options.events = 10000;
  options.seed = 11;
  std::vector<StreamItem> items = GenerateEvents(options);
  // Half is waiting before the worker starts, half arrives while it runs.
  PublishRange(items, 0, items.size() / 2);
  auto worker = StartWorker(*redis_, *config, "exactly-once");
  ASSERT_TRUE(worker.ok()) << worker.status();
  PublishRange(items, items.size() / 2, items.size());
  absl::Status drained = WaitDrained(conn_.get(), absl::Seconds(90));
  ASSERT_TRUE(drained.ok()) << drained << "\n" << (*worker)->Output();

  EXPECT_GT(expected_.duplicates(), 300);
  EXPECT_GT(expected_.dead_letters().size(), 60u);
  ExpectFinalState();

  // /metrics counts exactly what was published.
  std::string metrics = ReadyField((*worker)->ready_line(), "metrics");
  auto page = HttpGet(metrics, "/metrics");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(MetricSum(*page, "statstracker_worker_events_processed_total"),
            expected_.applied());
  EXPECT_EQ(MetricSum(*page, "statstracker_worker_events_duplicate_total"),
            expected_.duplicates());
  EXPECT_EQ(MetricSum(*page, "statstracker_worker_events_dead_lettered_total"),
            expected_.dead_letters().size());
  EXPECT_EQ(MetricSum(*page, "statstracker_worker_events_dead_lettered_total",
                      {"reason=\"unknown_game\"", "game=\"unknown\""}),
            [&] {
              int n = 0;
              for (const auto& [id, reason] : expected_.dead_letters()) {
                n += reason.find("ghost") != std::string::npos;
              }
              return n;
            }());
  // A game that is not configured is no label value (bounded labels).
  EXPECT_EQ(page->find("game=\"ghost\""), std::string::npos);
  EXPECT_GT(MetricSum(*page, "statstracker_worker_events_processed_total",
                      {"game=\"chess\"", "type=\"match_completed\""}),
            0);
  EXPECT_GT(
      MetricSum(*page, "statstracker_worker_batch_duration_seconds_count"), 0);
  EXPECT_EQ(MetricSum(*page, "statstracker_worker_consumer_lag"), 0);
  EXPECT_EQ(MetricSum(*page, "statstracker_worker_pending_entries"), 0);
  EXPECT_NE(page->find("statstracker_worker_consumer_lag{"), std::string::npos)
      << *page;

  int status = (*worker)->Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(WorkerExactlyOnceTest, SigkillAtRandomMomentsChangesNothing) {
  // Short claim_idle so a restarted worker (new consumer name) reclaims the
  // dead one's entries quickly; enough deliveries that kills alone never
  // dead-letter a valid entry.
  auto config = WriteTempFile(
      "worker-sigkill.textproto",
      WorkerTestConfig("claim_idle { nanos: 300000000 } max_deliveries: 50"));
  ASSERT_TRUE(config.ok());
  GeneratorOptions options;
  options.events = 10000;
  options.seed = 23;
  std::vector<StreamItem> items = GenerateEvents(options);
  std::mt19937 rng(99);
  constexpr int kRounds = 6;
  size_t published = 0;
  int kills = 0;
  for (int round = 0; round < kRounds; ++round) {
    size_t next = items.size() * (round + 1) / (kRounds + 1);
    PublishRange(items, published, next);
    published = next;
    // Alternate between resuming under the same name (own pending list) and
    // a new name (XAUTOCLAIM of the dead consumer's entries).
    std::string name =
        round % 2 == 0 ? "kill-same" : absl::StrCat("kill-", round);
    auto worker = StartWorker(*redis_, *config, name);
    ASSERT_TRUE(worker.ok()) << worker.status();
    absl::SleepFor(
        absl::Milliseconds(std::uniform_int_distribution<int>(50, 400)(rng)));
    ASSERT_EQ(kill((*worker)->pid(), SIGKILL), 0);
    ++kills;
    int status = (*worker)->Stop();  // reaps it
    EXPECT_TRUE(WIFSIGNALED(status)) << status;
  }
  PublishRange(items, published, items.size());
  auto worker = StartWorker(*redis_, *config, "kill-final");
  ASSERT_TRUE(worker.ok()) << worker.status();
  absl::Status drained = WaitDrained(conn_.get(), absl::Seconds(90));
  ASSERT_TRUE(drained.ok()) << drained << "\n" << (*worker)->Output();
  EXPECT_EQ(kills, kRounds);
  ExpectFinalState();
}

}  // namespace
}  // namespace testing
}  // namespace statstracker
