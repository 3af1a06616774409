// The worker's life cycle on a real redis-server, with the real worker
// process: deliveries are counted honestly (restarts, reconnects and
// SIGTERMs while entries are held back for stream order do not push valid
// events toward worker.max_deliveries; a crash does count); "worker ready"
// only once Redis answers and the group exists; SIGTERM ends a reconnect
// backoff.
#include <signal.h>
#include <sys/wait.h>

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "statstracker/v1/events.pb.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace testing {
namespace {

constexpr char kStream[] = "statstracker:events";
constexpr char kGroup[] = "statstracker-workers";

v1::GameEvent Submission(const std::string& id, const std::string& player) {
  v1::GameEvent e;
  e.set_event_id(id);
  e.set_game_id("arcade");
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  e.mutable_score_submitted()->set_player_id(player);
  e.mutable_score_submitted()->set_score(1);
  e.mutable_score_submitted()->set_leaderboard_id("total");
  return e;
}

class WorkerLifecycleTest : public ::testing::Test {
 protected:
  void Start(const RedisServer::Options& options = RedisServer::Options()) {
    ASSERT_TRUE(HaveBinary("worker/worker"));
    auto redis = RedisServer::Start(options);
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    Reconnect();
    // max_deliveries 2: two counted re-reads would dead-letter. A short
    // stop_grace: held-back entries cannot finish anyway.
    auto path = WriteTempFile(
        "worker-lifecycle.textproto",
        WorkerTestConfig("max_deliveries: 2 stop_grace { nanos: 200000000 }"));
    ASSERT_TRUE(path.ok());
    config_ = *path;
  }
  void Reconnect() {
    auto conn = redis_->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
  }

  // An arcade entry pending on consumer "other", which never finishes it
  // (claim_idle is 60 s), then `n` arcade entries after it: the worker must
  // hold those back to keep the game's stream order.
  void HoldBack(int n) {
    ASSERT_TRUE(
        conn_->CommandOk({"XGROUP", "CREATE", kStream, kGroup, "0", "MKSTREAM"})
            .ok());
    auto blocker =
        conn_->CommandOk({"XADD", kStream, "*", "event",
                          Submission("e0", "p0").SerializeAsString()});
    ASSERT_TRUE(blocker.ok());
    blocker_ = blocker->str;
    ASSERT_TRUE(conn_
                    ->CommandOk({"XREADGROUP", "GROUP", kGroup, "other",
                                 "COUNT", "1", "STREAMS", kStream, ">"})
                    .ok());
    for (int i = 1; i <= n; ++i) {
      auto id = conn_->CommandOk(
          {"XADD", kStream, "*", "event",
           Submission(absl::StrCat("e", i), absl::StrCat("p", i))
               .SerializeAsString()});
      ASSERT_TRUE(id.ok());
      held_.push_back(id->str);
    }
  }

  // id -> delivery count of the entries pending on `consumer`.
  std::map<std::string, int64_t> Deliveries(const std::string& consumer) {
    std::map<std::string, int64_t> out;
    auto reply = conn_->Command(
        {"XPENDING", kStream, kGroup, "-", "+", "100", consumer});
    if (!reply.ok()) return out;
    for (const RedisReply& row : reply->elements) {
      if (row.elements.size() >= 4) {
        out[row.elements[0].str] = row.elements[3].integer;
      }
    }
    return out;
  }

  // Waits until every held entry is pending on `consumer` with `count`
  // deliveries.
  bool WaitHeld(const std::string& consumer, int64_t count) {
    absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      std::map<std::string, int64_t> got = Deliveries(consumer);
      bool all = got.size() == held_.size();
      for (const std::string& id : held_) {
        all = all && got.count(id) && got[id] == count;
      }
      if (all) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  }

  std::string Describe(const std::string& consumer) {
    std::string out;
    for (const auto& [id, n] : Deliveries(consumer)) {
      absl::StrAppend(&out, id, "=", n, " ");
    }
    return out;
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisConnection> conn_;
  std::string config_;
  std::string blocker_;
  std::vector<std::string> held_;
};

TEST_F(WorkerLifecycleTest, RestartsWhileEntriesAreHeldBackDoNotCount) {
  Start();
  HoldBack(3);
  auto worker = StartWorker(*redis_, config_, "held");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitHeld("held", 1)) << Describe("held");
  // Three clean restarts: each SIGTERM leaves the entries pending, each
  // restart re-reads them; none of it is a failed delivery.
  for (int restart = 0; restart < 3; ++restart) {
    EXPECT_EQ((*worker)->Stop(), 0) << (*worker)->Output();
    EXPECT_TRUE(absl::StrContains((*worker)->Output(), "entries left pending"))
        << (*worker)->Output();
    worker = StartWorker(*redis_, config_, "held");
    ASSERT_TRUE(worker.ok()) << worker.status();
    ASSERT_TRUE(WaitHeld("held", 1))
        << "restart " << restart << ": " << Describe("held");
  }
  // The other consumer's entry comes to this worker: it applies that one
  // first, then the held ones; nothing is dead-lettered.
  ASSERT_TRUE(conn_
                  ->CommandOk({"XCLAIM", kStream, kGroup, "held", "0", blocker_,
                               "RETRYCOUNT", "1"})
                  .ok());
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok())
      << (*worker)->Output();
  auto dead = ReadDeadLetters(conn_.get());
  ASSERT_TRUE(dead.ok());
  EXPECT_TRUE(dead->empty()) << dead->begin()->second.at("reason");
  auto total = conn_->Command({"ZCARD", "st:{arcade}:lb:total:all"});
  ASSERT_TRUE(total.ok());
  EXPECT_EQ(total->integer, 4);
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerLifecycleTest, ReconnectsWhileEntriesAreHeldBackDoNotCount) {
  RedisServer::Options options;
  options.append_only = true;
  Start(options);
  HoldBack(2);
  auto worker = StartWorker(*redis_, config_, "held");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitHeld("held", 1)) << Describe("held");
  for (int outage = 0; outage < 3; ++outage) {
    redis_->Stop();
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE(redis_->Restart().ok());
    Reconnect();
    // Reconnected and re-read its pending entries (from id 0), which Redis
    // counts as deliveries; the worker gives them back.
    absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      std::string out = (*worker)->Output();
      size_t restored = 0, at = 0;
      while ((at = out.find("redis connection restored", at)) !=
             std::string::npos) {
        ++restored;
        ++at;
      }
      if (restored > static_cast<size_t>(outage)) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
    absl::SleepFor(absl::Milliseconds(300));
    ASSERT_TRUE(WaitHeld("held", 1))
        << "outage " << outage << ": " << Describe("held");
  }
  ASSERT_TRUE(conn_
                  ->CommandOk({"XCLAIM", kStream, kGroup, "held", "0", blocker_,
                               "RETRYCOUNT", "1"})
                  .ok());
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok())
      << (*worker)->Output();
  auto dead = ReadDeadLetters(conn_.get());
  ASSERT_TRUE(dead.ok());
  EXPECT_TRUE(dead->empty()) << dead->begin()->second.at("reason");
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerLifecycleTest, ACrashCountsADelivery) {
  Start();
  HoldBack(2);
  auto worker = StartWorker(*redis_, config_, "crashy");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitHeld("crashy", 1)) << Describe("crashy");
  // kill -9 gives nothing back: an entry may have caused the crash, so the
  // restart's re-read counts.
  kill((*worker)->pid(), SIGKILL);
  (*worker)->Stop();
  worker = StartWorker(*redis_, config_, "crashy");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitHeld("crashy", 2)) << Describe("crashy");
  EXPECT_EQ((*worker)->Stop(), 0);
}

// Polls the worker's output for `text` (up to 30 s).
bool WaitForOutput(const ChildProcess& worker, const std::string& text) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    if (absl::StrContains(worker.Output(), text)) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return false;
}

TEST_F(WorkerLifecycleTest, ReadyOnlyOnceRedisAnswersAndTheGroupExists) {
  Start();
  redis_->Stop();
  auto worker =
      StartWorker(*redis_, config_, "patient", /*ready_marker=*/"waiting");
  ASSERT_TRUE(worker.ok()) << worker.status();
  // Tried, failed, backing off: not ready.
  ASSERT_TRUE(WaitForOutput(**worker, "redis unavailable"))
      << (*worker)->Output();
  EXPECT_FALSE(absl::StrContains((*worker)->Output(), "worker ready"))
      << (*worker)->Output();
  ASSERT_TRUE(redis_->Restart().ok());
  ASSERT_TRUE(WaitForOutput(**worker, "worker ready")) << (*worker)->Output();
  // Ready means the group is there: no group existed before.
  Reconnect();
  auto groups = conn_->Command({"XINFO", "GROUPS", kStream});
  ASSERT_TRUE(groups.ok());
  ASSERT_EQ(groups->elements.size(), 1u) << groups->DebugString();
  const std::string out = (*worker)->Output();
  EXPECT_LT(out.find("waiting for redis"), out.find("redis unavailable"));
  EXPECT_LT(out.find("redis unavailable"), out.find("worker ready"));
  EXPECT_EQ((*worker)->Stop(), 0) << (*worker)->Output();
}

// With Redis down the worker waits out its reconnect backoff; a SIGTERM
// ends the wait. The backoff here is 10 minutes and ChildProcess::Stop()
// sends SIGKILL after 10 s, so exit status 0 proves the worker left the
// wait on SIGTERM, without timing anything.
TEST_F(WorkerLifecycleTest, SigtermEndsTheReconnectBackoff) {
  Start();
  auto path = WriteTempFile(
      "worker-backoff.textproto",
      WorkerTestConfig("reconnect_backoff_initial { seconds: 600 } "
                       "reconnect_backoff_max { seconds: 600 }"));
  ASSERT_TRUE(path.ok());
  // Ready first, then Redis goes away: the worker is in its backoff wait.
  auto worker = StartWorker(*redis_, *path, "stopper");
  ASSERT_TRUE(worker.ok()) << worker.status();
  redis_->Stop();
  ASSERT_TRUE(WaitForOutput(**worker, "retry_in=10m")) << (*worker)->Output();
  const absl::Time sent = absl::Now();
  EXPECT_EQ((*worker)->Stop(), 0) << (*worker)->Output();
  // For the report only (no threshold): how long the stop took.
  std::cerr << "stopped " << absl::FormatDuration(absl::Now() - sent)
            << " after SIGTERM\n";
  EXPECT_TRUE(absl::StrContains((*worker)->Output(), "worker stopped"));

  // Never connected at all: the same.
  auto never = StartWorker(*redis_, *path, "never", /*ready_marker=*/"waiting");
  ASSERT_TRUE(never.ok()) << never.status();
  ASSERT_TRUE(WaitForOutput(**never, "retry_in=10m")) << (*never)->Output();
  EXPECT_EQ((*never)->Stop(), 0) << (*never)->Output();
  EXPECT_FALSE(absl::StrContains((*never)->Output(), "worker ready"));
}

}  // namespace
}  // namespace testing
}  // namespace statstracker
