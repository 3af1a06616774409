// Worker operations on a real redis-server and the real worker process:
// unknown games and over-delivered entries are dead-lettered, SIGTERM
// finishes the batch in hand and exits 0, a Redis restart is survived, and
// periodic boards land in the event-time period with the retention expiry.
#include <signal.h>
#include <sys/wait.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/keys.h"
#include "gtest/gtest.h"
#include "statstracker/v1/events.pb.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace testing {
namespace {

constexpr char kStream[] = "statstracker:events";

v1::GameEvent Submission(const std::string& id, const std::string& game,
                         const std::string& player, double score,
                         absl::Time at) {
  v1::GameEvent e;
  e.set_event_id(id);
  e.set_game_id(game);
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(at));
  e.mutable_score_submitted()->set_player_id(player);
  e.mutable_score_submitted()->set_score(score);
  return e;
}

StreamItem Item(const v1::GameEvent& e) {
  StreamItem item;
  item.bytes = e.SerializeAsString();
  return item;
}

class WorkerOperationsTest : public ::testing::Test {
 protected:
  void Start(const RedisServer::Options& options = RedisServer::Options()) {
    ASSERT_TRUE(HaveBinary("worker/worker")) << "worker/worker not in runfiles";
    auto redis = RedisServer::Start(options);
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    Reconnect();
  }
  void Reconnect() {
    auto conn = redis_->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
  }
  std::string Config(const std::string& extra = "") {
    static int n = 0;
    auto path = WriteTempFile(absl::StrCat("worker-ops-", ++n, ".textproto"),
                              WorkerTestConfig(extra));
    EXPECT_TRUE(path.ok());
    return *path;
  }
  std::vector<std::string> PublishAll(const std::vector<StreamItem>& items,
                                      ExpectedState* expected) {
    auto ids = Publish(conn_.get(), items);
    EXPECT_TRUE(ids.ok()) << ids.status();
    if (!ids.ok()) return {};
    for (size_t i = 0; i < items.size(); ++i) {
      if (expected != nullptr) expected->Add(items[i], (*ids)[i]);
    }
    return *ids;
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisConnection> conn_;
};

TEST_F(WorkerOperationsTest, UnknownGameIsDeadLetteredAndWorkContinues) {
  Start();
  auto worker = StartWorker(*redis_, Config(), "ops");
  ASSERT_TRUE(worker.ok()) << worker.status();
  absl::Time now = absl::Now();
  std::vector<StreamItem> items = {
      Item(Submission("u1", "nosuchgame", "p", 1, now)),
      Item(Submission("ok1", "arcade", "ann", 42, now))};
  ExpectedState expected;
  std::vector<std::string> ids = PublishAll(items, &expected);
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  auto dead = ReadDeadLetters(conn_.get());
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  const auto& letter = dead->begin()->second;
  EXPECT_EQ(dead->begin()->first, ids[0]);
  EXPECT_TRUE(absl::StrContains(letter.at("reason"), "nosuchgame"))
      << letter.at("reason");
  EXPECT_EQ(letter.at("game_id"), "nosuchgame");
  EXPECT_EQ(letter.at("event"), items[0].bytes);
  EXPECT_EQ(letter.at("deliveries"), "1");
  EXPECT_EQ(letter.at("consumer"), "ops");
  // The valid event after it was applied.
  auto board = conn_->Command({"ZRANGE", keys::Board("arcade", "high", "all"),
                               "0", "-1", "WITHSCORES"});
  ASSERT_TRUE(board.ok());
  ASSERT_EQ(board->elements.size(), 2u);
  EXPECT_TRUE(absl::EndsWith(board->elements[0].str, "ann"));
  EXPECT_EQ(board->elements[1].str, "-42");  // stored negated: higher first
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerOperationsTest, OverDeliveredEntryIsDeadLettered) {
  Start();
  absl::Time now = absl::Now();
  std::vector<StreamItem> items = {
      Item(Submission("poison", "arcade", "bob", 7, now))};
  std::vector<std::string> ids = PublishAll(items, nullptr);
  // A consumer that "crashed" on it 9 times already.
  ASSERT_TRUE(conn_
                  ->CommandOk({"XGROUP", "CREATE", kStream,
                               "statstracker-workers", "0", "MKSTREAM"})
                  .ok());
  ASSERT_TRUE(conn_
                  ->CommandOk({"XREADGROUP", "GROUP", "statstracker-workers",
                               "crashy", "COUNT", "1", "STREAMS", kStream, ">"})
                  .ok());
  ASSERT_TRUE(conn_
                  ->CommandOk({"XCLAIM", kStream, "statstracker-workers",
                               "crashy", "0", ids[0], "RETRYCOUNT", "9"})
                  .ok());
  auto worker = StartWorker(
      *redis_, Config("claim_idle { nanos: 100000000 } max_deliveries: 5"),
      "ops");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok())
      << (*worker)->Output();
  auto dead = ReadDeadLetters(conn_.get());
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->count(ids[0]), 1u);
  EXPECT_TRUE(
      absl::StrContains(dead->at(ids[0]).at("reason"), "max_deliveries"))
      << dead->at(ids[0]).at("reason");
  EXPECT_EQ(dead->at(ids[0]).at("deliveries"), "10");
  EXPECT_EQ(dead->at(ids[0]).at("game_id"), "arcade");
  auto exists =
      conn_->Command({"EXISTS", keys::Board("arcade", "high", "all")});
  ASSERT_TRUE(exists.ok());
  EXPECT_EQ(exists->integer, 0) << "a dead-lettered event must not apply";
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerOperationsTest, SigtermCommitsTheBatchInHandAndExitsZero) {
  Start();
  std::string config = Config();
  GeneratorOptions options;
  options.events = 6000;
  options.seed = 3;
  std::vector<StreamItem> items = GenerateEvents(options);
  ExpectedState expected;
  PublishAll(items, &expected);
  auto worker = StartWorker(*redis_, config, "term");
  ASSERT_TRUE(worker.ok()) << worker.status();
  // Stop it mid-run: once it has acked something but not everything.
  absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    auto applied = conn_->Command({"EXISTS", keys::Cursor("arcade")});
    if (applied.ok() && applied->integer > 0) break;
    absl::SleepFor(absl::Milliseconds(1));
  }
  int status = (*worker)->Stop();
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << (*worker)->Output();
  auto pending = PendingCount(conn_.get());
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(*pending, 0) << "SIGTERM must commit the batch in hand";
  // A new worker finishes the rest; nothing lost or doubled.
  auto again = StartWorker(*redis_, config, "term");
  ASSERT_TRUE(again.ok()) << again.status();
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(60)).ok());
  std::vector<std::string> diffs = expected.Compare(conn_.get());
  EXPECT_TRUE(diffs.empty()) << absl::StrJoin(diffs, "\n");
  EXPECT_EQ((*again)->Stop(), 0);
}

TEST_F(WorkerOperationsTest, RecoversAfterRedisRestart) {
  RedisServer::Options redis_options;
  redis_options.append_only = true;
  Start(redis_options);
  auto worker = StartWorker(*redis_, Config(), "restart");
  ASSERT_TRUE(worker.ok()) << worker.status();
  GeneratorOptions options;
  options.events = 600;
  options.seed = 8;
  options.garbage_fraction = 0;
  std::vector<StreamItem> items = GenerateEvents(options);
  ExpectedState expected;
  PublishAll({items.begin(), items.begin() + 300}, &expected);
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());

  redis_->Stop();
  absl::SleepFor(absl::Seconds(1));
  ASSERT_TRUE(redis_->Restart().ok());
  Reconnect();
  PublishAll({items.begin() + 300, items.end()}, &expected);
  absl::Status drained = WaitDrained(conn_.get(), absl::Seconds(30));
  ASSERT_TRUE(drained.ok()) << drained << (*worker)->Output();
  std::vector<std::string> diffs = expected.Compare(conn_.get());
  EXPECT_TRUE(diffs.empty()) << absl::StrJoin(diffs, "\n");
  std::string out = (*worker)->Output();
  // Logged once per state change, not per attempt.
  size_t first = out.find("redis unavailable");
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_EQ(out.find("redis unavailable", first + 1), std::string::npos) << out;
  EXPECT_TRUE(absl::StrContains(out, "redis connection restored")) << out;
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerOperationsTest, PeriodicBoardUsesEventTimeAndRetention) {
  Start();
  auto worker = StartWorker(*redis_, Config(), "periods");
  ASSERT_TRUE(worker.ok()) << worker.status();
  absl::TimeZone utc = absl::UTCTimeZone();
  absl::CivilDay today = absl::ToCivilDay(absl::Now(), utc);
  // Two days ago (late evening), yesterday, and today: three periods,
  // published out of time order.
  absl::Time t0 = absl::FromCivil(
      absl::CivilSecond(today - 2) + int64_t{23} * 3600 + int64_t{59} * 60,
      utc);
  absl::Time t1 = absl::FromCivil(absl::CivilSecond(today - 1) + 3600, utc);
  absl::Time t2 = absl::FromCivil(absl::CivilSecond(today), utc);
  std::vector<StreamItem> items = {
      Item(Submission("p1", "arcade", "ann", 10, t1)),
      Item(Submission("p2", "arcade", "ann", 30, t0)),
      Item(Submission("p3", "arcade", "bob", 20, t2)),
      Item(Submission("p4", "arcade", "ann", 5, t1)),
      // Past the daily board's 10-day retention: on no daily board.
      Item(Submission("p5", "arcade", "cid", 50, t2 - absl::Hours(24 * 20))),
  };
  ExpectedState expected;
  PublishAll(items, &expected);
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  std::vector<std::string> diffs = expected.Compare(conn_.get());
  EXPECT_TRUE(diffs.empty()) << absl::StrJoin(diffs, "\n");

  for (absl::CivilDay day : {today - 2, today - 1, today}) {
    std::string id = absl::FormatCivilTime(day);
    absl::Time end = absl::FromCivil(day + 1, utc);
    int64_t want = absl::ToUnixMillis(end + absl::Seconds(864000));
    for (const std::string& key :
         {keys::Board("arcade", "daily", id),
          keys::BoardRecords("arcade", "daily", id, 0),
          keys::BoardDistinct("arcade", "daily", id)}) {
      auto at = conn_->Command({"PEXPIRETIME", key});
      ASSERT_TRUE(at.ok());
      EXPECT_EQ(at->integer, want) << key;
    }
    auto start =
        conn_->Command({"ZSCORE", keys::BoardPeriods("arcade", "daily"), id});
    ASSERT_TRUE(start.ok());
    EXPECT_EQ(start->str,
              absl::StrCat(absl::ToUnixSeconds(absl::FromCivil(day, utc))))
        << id;
  }
  auto periods =
      conn_->Command({"ZCARD", keys::BoardPeriods("arcade", "daily")});
  ASSERT_TRUE(periods.ok());
  EXPECT_EQ(periods->integer, 3) << "no period past its retention";
  // All-time boards have no expiry.
  auto ttl = conn_->Command({"PTTL", keys::Board("arcade", "high", "all")});
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(ttl->integer, -1);
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerOperationsTest, EventOutsideEverySeasonCountsOnNoSeasonBoard) {
  Start();
  auto path = WriteTempFile("worker-seasons.textproto", R"cfg(
worker { block { nanos: 100000000 } metrics_address: "127.0.0.1:0" }
games {
  game_id: "league"
  admission { max_age {} }  # the seasons are of 2026, whenever this runs
  leaderboards {
    leaderboard_id: "season"
    scorer: "best_score"
    period {
      seasons {
        seasons { season_id: "s1" start: "2026-01-01" end: "2026-02-01" }
        seasons { season_id: "s2" start: "2026-03-01" end: "2026-04-01" }
      }
    }
  }
  leaderboards { leaderboard_id: "alltime" scorer: "best_score" }
}
)cfg");
  ASSERT_TRUE(path.ok());
  auto worker = StartWorker(*redis_, *path, "seasons");
  ASSERT_TRUE(worker.ok()) << worker.status();
  absl::TimeZone utc = absl::UTCTimeZone();
  auto at = [&](int month, int day) {
    return absl::FromCivil(absl::CivilDay(2026, month, day), utc);
  };
  PublishAll({Item(Submission("l1", "league", "ann", 5, at(1, 15))),
              Item(Submission("l2", "league", "bob", 7, at(2, 15))),
              Item(Submission("l3", "league", "cid", 9, at(3, 31)))},
             nullptr);
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  auto s1 = conn_->Command(
      {"ZRANGE", keys::Board("league", "season", "s1"), "0", "-1"});
  auto s2 = conn_->Command(
      {"ZRANGE", keys::Board("league", "season", "s2"), "0", "-1"});
  auto all = conn_->Command({"ZCARD", keys::Board("league", "alltime", "all")});
  ASSERT_TRUE(s1.ok() && s2.ok() && all.ok());
  ASSERT_EQ(s1->elements.size(), 1u);
  EXPECT_TRUE(absl::EndsWith(s1->elements[0].str, "ann"));
  ASSERT_EQ(s2->elements.size(), 1u);
  EXPECT_TRUE(absl::EndsWith(s2->elements[0].str, "cid"));
  EXPECT_EQ(all->integer, 3) << "bob's event still counts on other boards";
  auto periods = conn_->Command(
      {"ZRANGE", keys::BoardPeriods("league", "season"), "0", "-1"});
  ASSERT_TRUE(periods.ok());
  ASSERT_EQ(periods->elements.size(), 2u);
  EXPECT_EQ(periods->elements[0].str, "s1");
  EXPECT_EQ(periods->elements[1].str, "s2");
  // No retention: kept forever.
  auto ttl = conn_->Command({"PTTL", keys::Board("league", "season", "s1")});
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(ttl->integer, -1);
  auto dead = ReadDeadLetters(conn_.get());
  ASSERT_TRUE(dead.ok());
  EXPECT_TRUE(dead->empty());
  EXPECT_EQ((*worker)->Stop(), 0);
}

}  // namespace
}  // namespace testing
}  // namespace statstracker
