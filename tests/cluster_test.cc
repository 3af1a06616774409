// Stats Tracker on a real Redis Cluster (3 masters, 3 replicas, the event
// stream in 3 partitions): the exactly-once workload with two workers equals
// the independent computation (the same one the single-node tests are held
// to); a master killed with kill -9 mid-run is replaced by its replica and
// nothing is lost or doubled; a game's slot moved to another master mid-run
// (ASK, TRYAGAIN, MOVED) changes nothing; the server answers UNAVAILABLE at
// worst during a failover and recovers without a restart, health following.
#include <sys/wait.h>

#include <atomic>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "common/redis_slots.h"
#include "gtest/gtest.h"
#include "proto/statstracker/v1/leaderboard.grpc.pb.h"
#include "tests/redis_cluster.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace testing {
namespace {

constexpr int kPartitions = 3;

// The worker tests' config on the cluster: every node a seed, the stream in
// partitions, `redis_extra` inside redis { }.
std::string ClusterConfig(RedisCluster& cluster, const std::string& base,
                          const std::string& redis_extra = "") {
  std::string seeds;
  for (const std::string& a : cluster.addresses()) {
    absl::StrAppend(&seeds, " seed_nodes: \"", a, "\"");
  }
  std::string text = absl::StrReplaceAll(
      base, {{"stream { key: \"statstracker:events\" }",
              absl::StrCat("stream { key: \"statstracker:events\" partitions: ",
                           kPartitions, " }")}});
  return absl::StrCat("redis {", seeds, " timeout { seconds: 2 } ", redis_extra,
                      " }\n", text);
}

absl::StatusOr<std::unique_ptr<ChildProcess>> StartSeededWorker(
    const std::string& config_path, const std::string& name) {
  return ChildProcess::Start(
      {"worker/worker", "--config", config_path, "--metrics_address",
       "127.0.0.1:0", "--consumer_name", name},
      "worker ready");
}

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveBinary("worker/worker"));
    auto cluster = RedisCluster::Start();
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    auto conn = cluster_->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
    ASSERT_TRUE(conn_->cluster());
  }

  std::string WriteConfig(const std::string& redis_extra = "",
                          int batch_size = 64) {
    static int n = 0;
    auto path = WriteTempFile(
        absl::StrCat("cluster-", ++n, ".textproto"),
        ClusterConfig(*cluster_,
                      WorkerTestConfig("claim_idle { seconds: 3 }", batch_size),
                      redis_extra));
    EXPECT_TRUE(path.ok());
    return *path;
  }

  void PublishRange(const std::vector<StreamItem>& items, size_t from,
                    size_t to) {
    std::vector<StreamItem> part(items.begin() + from, items.begin() + to);
    auto ids = Publish(conn_.get(), part, kPartitions);
    ASSERT_TRUE(ids.ok()) << ids.status();
    for (size_t i = 0; i < part.size(); ++i) {
      expected_.Add(part[i], (*ids)[i]);
      bytes_[(*ids)[i]] = part[i].bytes;
    }
  }

  void ExpectFinalState() {
    // A fresh client: the test's own may still hold the old map.
    auto conn = cluster_->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status();
    std::vector<std::string> diffs = expected_.Compare(conn->get());
    EXPECT_TRUE(diffs.empty()) << absl::StrJoin(diffs, "\n");
    diffs = CompareDeadLetters(conn->get(), expected_.dead_letters(), bytes_,
                               kPartitions);
    EXPECT_TRUE(diffs.empty()) << absl::StrJoin(diffs, "\n");
    auto pending = PendingCount(conn->get(), kPartitions);
    ASSERT_TRUE(pending.ok()) << pending.status();
    EXPECT_EQ(*pending, 0);
  }

  // Waits until at least `n` events were applied (the workers' metrics).
  void WaitForProgress(const std::vector<ChildProcess*>& workers, double n) {
    absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (absl::Now() < deadline) {
      double done = 0;
      for (ChildProcess* w : workers) {
        auto page = HttpGet(ReadyField(w->ready_line(), "metrics"), "/metrics");
        if (page.ok()) {
          done +=
              MetricSum(*page, "statstracker_worker_events_processed_total");
        }
      }
      if (done >= n) return;
      absl::SleepFor(absl::Milliseconds(20));
    }
    ADD_FAILURE() << "no progress";
  }

  std::unique_ptr<RedisCluster> cluster_;
  std::unique_ptr<RedisConnection> conn_;
  ExpectedState expected_;
  std::map<std::string, std::string> bytes_;
};

TEST_F(ClusterTest, ExactlyOnceWithThreePartitionsAndTwoWorkers) {
  const std::string config = WriteConfig();
  GeneratorOptions options;
  options.events = 10000;
  options.seed = 11;
  std::vector<StreamItem> items = GenerateEvents(options);
  PublishRange(items, 0, items.size() / 2);
  auto w1 = StartSeededWorker(config, "c1");
  ASSERT_TRUE(w1.ok()) << w1.status();
  auto w2 = StartSeededWorker(config, "c2");
  ASSERT_TRUE(w2.ok()) << w2.status();
  PublishRange(items, items.size() / 2, items.size());
  absl::Status drained =
      WaitDrained(conn_.get(), absl::Seconds(120), kPartitions);
  ASSERT_TRUE(drained.ok()) << drained << (*w1)->Output() << (*w2)->Output();
  EXPECT_GT(expected_.duplicates(), 300);
  EXPECT_GT(expected_.dead_letters().size(), 60u);
  ExpectFinalState();
  // The events were spread: every master holds part of the streams or of
  // the games.
  auto sizes = conn_->OnEveryMaster({"DBSIZE"});
  ASSERT_TRUE(sizes.ok());
  ASSERT_EQ(sizes->size(), 3u);
  for (const RedisReply& n : *sizes) EXPECT_GT(n.integer, 0);
  EXPECT_EQ((*w1)->Stop(), 0);
  EXPECT_EQ((*w2)->Stop(), 0);
}

TEST_F(ClusterTest, KillingAMasterMidRunLosesAndDoublesNothing) {
  // Acknowledge only what a replica holds too (redis.min_replicas_acked).
  const std::string config = WriteConfig(
      "min_replicas_acked: 1 replica_ack_timeout { nanos: 500000000 }");
  GeneratorOptions options;
  options.events = 6000;
  options.seed = 5;
  std::vector<StreamItem> items = GenerateEvents(options);
  PublishRange(items, 0, items.size());
  auto w1 = StartSeededWorker(config, "k1");
  ASSERT_TRUE(w1.ok()) << w1.status();
  auto w2 = StartSeededWorker(config, "k2");
  ASSERT_TRUE(w2.ok()) << w2.status();
  WaitForProgress({w1->get(), w2->get()}, 800);
  // kill -9 the master of the chess game's slot, mid-run.
  auto victim = cluster_->MasterOf("st:{chess}:cursor");
  ASSERT_TRUE(victim.ok()) << victim.status();
  cluster_->node(*victim).Kill();
  // Its replica takes over (once the cluster notices, after the node
  // timeout); only then does the old master come back, as a replica (so
  // min_replicas_acked can be met again on that shard). Restarted before
  // the failover it would return as the master, without the data it held.
  const absl::Time failover_deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < failover_deadline) {
    auto master = cluster_->MasterOf("st:{chess}:cursor");
    if (master.ok() && *master != *victim) break;
    absl::SleepFor(absl::Milliseconds(100));
  }
  auto promoted = cluster_->MasterOf("st:{chess}:cursor");
  ASSERT_TRUE(promoted.ok() && *promoted != *victim) << "no failover";
  ASSERT_TRUE(cluster_->WaitHealthy(absl::Seconds(30)).ok());
  ASSERT_TRUE(cluster_->node(*victim).Restart().ok());
  ASSERT_TRUE(cluster_->WaitHealthy(absl::Seconds(30), true).ok());
  auto conn = cluster_->Connect();
  ASSERT_TRUE(conn.ok());
  absl::Status drained =
      WaitDrained(conn->get(), absl::Seconds(120), kPartitions);
  ASSERT_TRUE(drained.ok()) << drained << (*w1)->Output() << (*w2)->Output();
  ExpectFinalState();
  EXPECT_EQ((*w1)->Stop(), 0);
  EXPECT_EQ((*w2)->Stop(), 0);
}

TEST_F(ClusterTest, MovingAGamesSlotMidRunChangesNothing) {
  const std::string config = WriteConfig("", 32);
  GeneratorOptions options;
  options.events = 6000;
  options.seed = 9;
  std::vector<StreamItem> items = GenerateEvents(options);
  PublishRange(items, 0, items.size());
  auto w1 = StartSeededWorker(config, "m1");
  ASSERT_TRUE(w1.ok()) << w1.status();
  WaitForProgress({w1->get()}, 500);
  const uint16_t slot = KeySlot("chess");
  auto from = cluster_->MasterOf("st:{chess}:cursor");
  ASSERT_TRUE(from.ok());
  // Another master: one that serves some other slot.
  int to = -1;
  for (const char* probe : {"a", "b", "c", "d", "e", "f", "g", "h"}) {
    auto m = cluster_->MasterOf(probe);
    if (m.ok() && *m != *from) to = *m;
  }
  ASSERT_GE(to, 0);
  absl::Status moved = cluster_->MoveSlot(slot, to);
  ASSERT_TRUE(moved.ok()) << moved;
  auto now_at = cluster_->MasterOf("st:{chess}:cursor");
  ASSERT_TRUE(now_at.ok());
  EXPECT_EQ(*now_at, to);
  auto conn = cluster_->Connect();
  ASSERT_TRUE(conn.ok());
  absl::Status drained =
      WaitDrained(conn->get(), absl::Seconds(120), kPartitions);
  ASSERT_TRUE(drained.ok()) << drained << (*w1)->Output();
  ExpectFinalState();
  EXPECT_EQ((*w1)->Stop(), 0);
}

TEST_F(ClusterTest, ServerAnswersUnavailableAtWorstDuringAFailover) {
  ASSERT_TRUE(HaveBinary("server/server"));
  auto path = WriteTempFile("cluster-server.textproto",
                            ClusterConfig(*cluster_, TestConfig()));
  ASSERT_TRUE(path.ok());
  auto worker = StartSeededWorker(*path, "s1");
  ASSERT_TRUE(worker.ok()) << worker.status();
  auto server = ChildProcess::Start(
      {"server/server", "--config", *path, "--grpc_address", "127.0.0.1:0",
       "--http_address", "off", "--metrics_address", "off"},
      "server ready");
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel =
      grpc::CreateChannel(ReadyField((*server)->ready_line(), "grpc"),
                          grpc::InsecureChannelCredentials());
  auto stub = v1::LeaderboardService::NewStub(channel);
  // An arcade score, through the worker.
  v1::GameEvent e;
  e.set_event_id("f1");
  e.set_game_id("arcade");
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  e.mutable_score_submitted()->set_player_id("ann");
  e.mutable_score_submitted()->set_score(700);
  StreamItem item;
  item.bytes = e.SerializeAsString();
  ASSERT_TRUE(Publish(conn_.get(), {item}, kPartitions).ok());
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30), kPartitions).ok());
  auto rank = [&stub]() {
    v1::GetPlayerRankRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id("high");
    req.set_player_id("ann");
    v1::GetPlayerRankResponse resp;
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    grpc::Status status = stub->GetPlayerRank(&ctx, req, &resp);
    return std::make_pair(status, resp);
  };
  ASSERT_TRUE(rank().first.ok());
  auto serving = HealthCheck(channel.get(), "");
  ASSERT_TRUE(serving.ok()) << serving.status();
  ASSERT_EQ(*serving, 1);  // SERVING

  auto victim = cluster_->MasterOf("st:{arcade}:cursor");
  ASSERT_TRUE(victim.ok());
  cluster_->node(*victim).Kill();
  std::set<int> codes;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  bool recovered = false;
  std::string last;  // what the server said last, for a failure message
  while (absl::Now() < deadline) {
    // Calls made while the slot has no master wait (bounded) or fail
    // UNAVAILABLE; once the replica took over, the same server answers
    // without a restart and reports SERVING again.
    auto master = cluster_->MasterOf("st:{arcade}:cursor");
    const bool failed_over = master.ok() && *master != *victim;
    auto health = HealthCheck(channel.get(), "");
    auto [status, resp] = rank();
    if (!status.ok()) codes.insert(status.error_code());
    last = absl::StrCat(
        "failed over ", failed_over, ", health ",
        health.ok() ? absl::StrCat(*health) : health.status().ToString(),
        ", rank ", status.error_code(), " ", status.error_message());
    if (failed_over && status.ok() && health.ok() && *health == 1) {
      EXPECT_EQ(resp.entry().score(), 700);
      recovered = true;
      break;
    }
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(recovered) << "no recovery without a restart; last: " << last;
  for (int code : codes) {
    EXPECT_TRUE(code == grpc::StatusCode::UNAVAILABLE ||
                code == grpc::StatusCode::DEADLINE_EXCEEDED)
        << "a failover answered code " << code;
  }
  EXPECT_EQ((*server)->Stop(), 0);
  EXPECT_EQ((*worker)->Stop(), 0);
}

}  // namespace
}  // namespace testing
}  // namespace statstracker
