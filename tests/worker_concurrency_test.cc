// Two workers in one consumer group on an Elo game: the final ratings (and
// the duel game's streaks), which depend on the order of the matches, equal
// a sequential replay of the stream in order (the worker's per-game
// stream-order guarantee, worker/stream_consumer.h).
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace testing {
namespace {

TEST(WorkerConcurrencyTest, TwoWorkersEloEqualsSequentialReplay) {
  ASSERT_TRUE(HaveBinary("worker/worker")) << "worker/worker not in runfiles";
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto conn = (*redis)->Connect();
  ASSERT_TRUE(conn.ok()) << conn.status();
  // Small batches so the two workers interleave finely.
  auto config =
      WriteTempFile("worker-two.textproto",
                    WorkerTestConfig("claim_idle { seconds: 5 }", 16));
  ASSERT_TRUE(config.ok());
  auto w1 = StartWorker(**redis, *config, "w1");
  ASSERT_TRUE(w1.ok()) << w1.status();
  auto w2 = StartWorker(**redis, *config, "w2");
  ASSERT_TRUE(w2.ok()) << w2.status();

  GeneratorOptions options;
  options.events = 4000;
  options.seed = 5;
  options.arcade_submissions = 0;
  options.arcade_matches = 0;
  options.duel = 30;  // the duel game also has order-dependent streaks
  options.chess = 70;
  options.duplicate_fraction = 0.02;
  options.garbage_fraction = 0;
  options.rejected_fraction = 0;
  std::vector<StreamItem> items = GenerateEvents(options);
  ExpectedState expected;
  for (size_t i = 0; i < items.size(); i += 50) {
    std::vector<StreamItem> part(
        items.begin() + i, items.begin() + std::min(items.size(), i + 50));
    auto ids = Publish(conn->get(), part);
    ASSERT_TRUE(ids.ok()) << ids.status();
    for (size_t j = 0; j < part.size(); ++j) expected.Add(part[j], (*ids)[j]);
    absl::SleepFor(absl::Milliseconds(2));
  }
  absl::Status drained = WaitDrained(conn->get(), absl::Seconds(90));
  ASSERT_TRUE(drained.ok()) << drained << "\n"
                            << (*w1)->Output() << (*w2)->Output();

  std::vector<std::string> diffs = expected.Compare(conn->get());
  EXPECT_TRUE(diffs.empty()) << absl::StrJoin(diffs, "\n");

  // Both workers did part of the work.
  for (auto* w : {&*w1, &*w2}) {
    auto page = HttpGet(ReadyField((*w)->ready_line(), "metrics"), "/metrics");
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_GT(MetricSum(*page, "statstracker_worker_events_processed_total",
                        {"game=\"chess\""}),
              0)
        << (*w)->ready_line();
  }
  EXPECT_EQ((*w1)->Stop(), 0);
  EXPECT_EQ((*w2)->Stop(), 0);
}

}  // namespace
}  // namespace testing
}  // namespace statstracker
