// The storage rules of the worker, end to end with a real redis-server and
// worker process: producer-sequence dedup (retries, gaps, out of order, a
// restarted sequence, a replaced producer), event-id dedup in a few
// time-bucketed sets, and stream trimming that never drops what a consumer
// group has not acknowledged (with a second group, and with a backlog far
// beyond the old cap), and the change notification each commit that changed
// a game publishes (keys::kChangesChannel).
#include <hiredis/hiredis.h>
#include <poll.h>
#include <sys/wait.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/keys.h"
#include "gtest/gtest.h"
#include "tests/redis_fixture.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace testing {
namespace {

constexpr char kStream[] = "statstracker:events";

// A client SUBSCRIBEd to one channel, with the messages it received.
class Subscriber {
 public:
  Subscriber(const RedisServer& redis, absl::string_view channel) {
    timeval timeout = {2, 0};
    context_ =
        redisConnectWithTimeout(redis.host().c_str(), redis.port(), timeout);
    if (context_ == nullptr || context_->err != 0) return;
    auto* reply = static_cast<redisReply*>(
        redisCommand(context_, "SUBSCRIBE %b", channel.data(), channel.size()));
    subscribed_ = reply != nullptr && reply->type == REDIS_REPLY_ARRAY;
    if (reply != nullptr) freeReplyObject(reply);
  }
  ~Subscriber() {
    if (context_ != nullptr) redisFree(context_);
  }
  bool Subscribed() const { return subscribed_; }

  // The payloads of the messages that arrive until none came for `quiet`.
  std::vector<std::string> Messages(absl::Duration quiet) {
    std::vector<std::string> out;
    while (true) {
      void* raw = nullptr;
      if (redisReaderGetReply(context_->reader, &raw) != REDIS_OK) break;
      if (raw != nullptr) {
        auto* reply = static_cast<redisReply*>(raw);
        // ["message", channel, payload]
        if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3) {
          out.emplace_back(reply->element[2]->str, reply->element[2]->len);
        }
        freeReplyObject(reply);
        continue;
      }
      pollfd fd = {context_->fd, POLLIN, 0};
      if (poll(&fd, 1, static_cast<int>(absl::ToInt64Milliseconds(quiet))) <=
          0) {
        break;  // quiet for `quiet`
      }
      if (redisBufferRead(context_) != REDIS_OK) break;
    }
    return out;
  }

 private:
  redisContext* context_ = nullptr;
  bool subscribed_ = false;
};

// A score submission of 1 point to `player` on arcade (whose "total" board
// adds scores, so the total counts the events applied).
v1::GameEvent Point(const std::string& id, const std::string& player) {
  v1::GameEvent e;
  e.set_event_id(id);
  e.set_game_id("arcade");
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  e.mutable_score_submitted()->set_player_id(player);
  e.mutable_score_submitted()->set_score(1);
  e.mutable_score_submitted()->set_leaderboard_id("total");
  return e;
}

v1::GameEvent Sequenced(const std::string& id, const std::string& player,
                        const std::string& producer, uint64_t epoch,
                        uint64_t sequence) {
  v1::GameEvent e = Point(id, player);
  e.mutable_producer()->set_producer_id(producer);
  e.mutable_producer()->set_epoch(epoch);
  e.mutable_producer()->set_sequence(sequence);
  return e;
}

class WorkerStorageTest : public RedisFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveBinary("worker/worker"));
    RedisFixture::SetUp();
  }

  std::string Config(const std::string& worker_extra = "",
                     const std::string& stream_extra = "") {
    static int n = 0;
    std::string text = WorkerTestConfig(worker_extra);
    if (!stream_extra.empty()) {
      text = absl::StrCat("stream { key: \"statstracker:events\" ",
                          stream_extra, " }\n",
                          text.substr(text.find('\n', text.find("stream {"))));
    }
    auto path =
        WriteTempFile(absl::StrCat("worker-storage-", ++n, ".textproto"), text);
    EXPECT_TRUE(path.ok());
    return *path;
  }

  void Publish(const std::vector<v1::GameEvent>& events) {
    std::vector<StreamItem> items;
    for (const v1::GameEvent& e : events) {
      StreamItem item;
      item.bytes = e.SerializeAsString();
      items.push_back(std::move(item));
    }
    auto ids = testing::Publish(conn_.get(), items);
    ASSERT_TRUE(ids.ok()) << ids.status();
  }

  // The player's score on arcade/total, or -1 without an entry.
  double Total(const std::string& player) {
    auto all = conn_->Command({"ZRANGE", keys::Board("arcade", "total", "all"),
                               "0", "-1", "WITHSCORES"});
    if (!all.ok()) return -2;
    for (size_t i = 0; i + 1 < all->elements.size(); i += 2) {
      const std::string& m = all->elements[i].str;
      if (m.size() == keys::kTimeKeyBytes + player.size() &&
          absl::EndsWith(m, player)) {
        return -std::stod(all->elements[i + 1].str);  // higher is better
      }
    }
    return -1;
  }
};

TEST_F(WorkerStorageTest, ProducerSequencesCountEachEventOnce) {
  auto worker = StartWorker(*redis_, Config(), "seq");
  ASSERT_TRUE(worker.ok()) << worker.status();
  // Event ids differ on purpose: a sequenced event is known by its
  // producer, epoch and sequence, not by its id.
  Publish({
      Sequenced("a1", "ann", "p1", 1, 1),
      Sequenced("a2", "ann", "p1", 1, 2),
      Sequenced("a2-retry", "ann", "p1", 1, 2),  // retry
      Sequenced("a5", "ann", "p1", 1, 5),        // gap: 3 and 4 later
      Sequenced("a4", "ann", "p1", 1, 4),        // out of order
      Sequenced("a3", "ann", "p1", 1, 3),
      Sequenced("a4-retry", "ann", "p1", 1, 4),  // retry after the gap closed
      Sequenced("a1-retry", "ann", "p1", 1, 1),
  });
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  EXPECT_EQ(Total("ann"), 5);

  // 100 more, then the whole run again (more than the 64-wide window
  // behind): none counts twice.
  std::vector<v1::GameEvent> run;
  for (int s = 6; s <= 105; ++s) {
    run.push_back(Sequenced(absl::StrCat("b", s), "ann", "p1", 1, s));
  }
  Publish(run);
  Publish(run);
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  EXPECT_EQ(Total("ann"), 105);

  // The producer restarts its count in a new epoch: counted again from 1.
  Publish({Sequenced("c1", "ann", "p1", 2, 1),
           Sequenced("c2", "ann", "p1", 2, 2),
           Sequenced("c1-retry", "ann", "p1", 2, 1)});
  // A straggler of the replaced epoch: dead-lettered, not dropped.
  Publish({Sequenced("old", "ann", "p1", 1, 106)});
  // Another producer's sequence 1 is its own.
  Publish({Sequenced("d1", "bob", "p2", 1, 1)});
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  EXPECT_EQ(Total("ann"), 107);
  EXPECT_EQ(Total("bob"), 1);
  auto dead = ReadDeadLetters(conn_.get());
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_TRUE(absl::StrContains(dead->begin()->second.at("reason"),
                                "epoch 1 is older than epoch 2"))
      << dead->begin()->second.at("reason");

  // The dedup state: one small key per producer, nothing per event.
  auto producers = conn_->Command({"KEYS", "st:{arcade}:producer:*"});
  ASSERT_TRUE(producers.ok());
  EXPECT_EQ(producers->elements.size(), 2u);
  auto event_sets = conn_->Command({"KEYS", "st:{arcade}:dedup:*"});
  ASSERT_TRUE(event_sets.ok());
  EXPECT_TRUE(event_sets->elements.empty());
  auto p1 = conn_->Command({"GET", keys::Producer("arcade", "p1")});
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->str.substr(0, 4), "2 2 ");  // epoch 2, high 2
  auto ttl = conn_->Command({"PTTL", keys::Producer("arcade", "p1")});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->integer, 29LL * 86400 * 1000);  // producer_expiry 30 d

  std::string metrics = ReadyField((*worker)->ready_line(), "metrics");
  auto page = HttpGet(metrics, "/metrics");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(MetricSum(*page, "statstracker_worker_events_processed_total"),
            108);
  EXPECT_EQ(MetricSum(*page, "statstracker_worker_events_duplicate_total"),
            3 + 100 + 1);
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerStorageTest, EventIdsAreRememberedInAFewTimeBucketedSets) {
  auto worker = StartWorker(*redis_, Config(), "ids");
  ASSERT_TRUE(worker.ok()) << worker.status();
  std::vector<v1::GameEvent> events;
  events.reserve(3000);
  for (int i = 0; i < 3000; ++i) {
    events.push_back(Point(absl::StrCat("e", i), absl::StrCat("p", i % 10)));
  }
  Publish(events);
  Publish({events[5], events[2999], events[0]});  // retries
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(60)).ok());
  double sum = 0;
  for (int p = 0; p < 10; ++p) sum += Total(absl::StrCat("p", p));
  EXPECT_EQ(sum, 3000);
  // 3,000 ids in one or two sets (a set per dedup_window / 8 of clock
  // time), expiring whole; no key per event.
  auto sets = conn_->Command({"KEYS", "st:{arcade}:dedup:*"});
  ASSERT_TRUE(sets.ok());
  ASSERT_GE(sets->elements.size(), 1u);
  EXPECT_LE(sets->elements.size(), 2u);
  int64_t ids = 0;
  for (const RedisReply& key : sets->elements) {
    auto n = conn_->Command({"SCARD", key.str});
    ASSERT_TRUE(n.ok());
    ids += n->integer;
    auto ttl = conn_->Command({"PTTL", key.str});
    ASSERT_TRUE(ttl.ok());
    EXPECT_GT(ttl->integer, 3600 * 1000 - 60 * 1000);  // window 1 h
    EXPECT_LE(ttl->integer, 3600 * 1000 + 450 * 1000);
  }
  EXPECT_EQ(ids, 3000);
  auto all = conn_->Command({"DBSIZE"});
  ASSERT_TRUE(all.ok());
  EXPECT_LT(all->integer, 30);
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerStorageTest, RetriesAreFoundAmongMoreIdsThanOneLookupSlice) {
  // Batches of up to 2,000: the dedup lookup (worker/dedup_store.cc) sends
  // the ids in slices of 1,000; retries sit in the second slice.
  auto path = WriteTempFile("worker-storage-big-batch.textproto",
                            WorkerTestConfig("", 2000));
  ASSERT_TRUE(path.ok());
  std::vector<v1::GameEvent> first, second;
  for (int i = 0; i < 1500; ++i) {
    first.push_back(Point(absl::StrCat("s", i), absl::StrCat("p", i % 10)));
  }
  Publish(first);
  auto worker = StartWorker(*redis_, *path, "slices");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  EXPECT_EQ((*worker)->Stop(), 0);
  // Published while no worker runs, so one read takes them all.
  for (int i = 1500; i < 3000; ++i) {
    second.push_back(Point(absl::StrCat("s", i), absl::StrCat("p", i % 10)));
    if (i == 2700) second.push_back(first[5]);     // position 1,201
    if (i == 2900) second.push_back(first[1499]);  // position 1,402
  }
  Publish(second);
  worker = StartWorker(*redis_, *path, "slices");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  // Per player: a retry taken for another id would move a point between
  // players without changing the sum.
  for (int p = 0; p < 10; ++p) EXPECT_EQ(Total(absl::StrCat("p", p)), 300);
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerStorageTest, ACommitThatChangedAGamePublishesItsIdOnce) {
  Subscriber changes(*redis_, keys::kChangesChannel);
  ASSERT_TRUE(changes.Subscribed());
  // Published before the worker starts, so one read and one transaction
  // take them all: one message, not one per event.
  std::vector<v1::GameEvent> events;
  events.reserve(50);
  for (int i = 0; i < 50; ++i) {
    events.push_back(Point(absl::StrCat("n", i), absl::StrCat("p", i % 7)));
  }
  Publish(events);
  auto worker = StartWorker(*redis_, Config("transaction_size: 256"), "notify");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  EXPECT_EQ(changes.Messages(absl::Milliseconds(300)),
            std::vector<std::string>{"arcade"});

  // Only retries: dedup state and the cursor move, no board does.
  Publish(events);
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  EXPECT_EQ(Total("p0"), 8);
  EXPECT_TRUE(changes.Messages(absl::Milliseconds(300)).empty());

  // A new event changes the board again.
  Publish({Point("n-last", "p0")});
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  EXPECT_EQ(changes.Messages(absl::Milliseconds(300)),
            std::vector<std::string>{"arcade"});
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerStorageTest, TrimsOnlyWhatEveryGroupAcknowledged) {
  // A second consumer group (say, an analytics job) that lags.
  ASSERT_TRUE(conn_
                  ->CommandOk({"XGROUP", "CREATE", kStream, "analytics", "0",
                               "MKSTREAM"})
                  .ok());
  std::vector<v1::GameEvent> events;
  events.reserve(500);
  for (int i = 0; i < 500; ++i) {
    events.push_back(Point(absl::StrCat("t", i), "p"));
  }
  Publish(events);
  // analytics reads 200, acknowledges the first 100.
  auto read = conn_->Command({"XREADGROUP", "GROUP", "analytics", "a1", "COUNT",
                              "200", "STREAMS", kStream, ">"});
  ASSERT_TRUE(read.ok());
  const auto& got = read->elements[0].elements[1].elements;
  ASSERT_EQ(got.size(), 200u);
  std::vector<std::string> ack = {"XACK", kStream, "analytics"};
  for (int i = 0; i < 100; ++i) ack.push_back(got[i].elements[0].str);
  ASSERT_TRUE(conn_->CommandOk(ack).ok());
  const std::string oldest_pending = got[100].elements[0].str;

  auto worker = StartWorker(
      *redis_, Config("trim_interval { nanos: 100000000 }"), "trim");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  EXPECT_EQ(Total("p"), 500);
  // Our group is done; the stream keeps analytics' oldest pending entry and
  // everything after it.
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  int64_t len = -1;
  while (absl::Now() < deadline) {
    auto xlen = conn_->Command({"XLEN", kStream});
    ASSERT_TRUE(xlen.ok());
    len = xlen->integer;
    if (len == 400) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(len, 400);
  auto first = conn_->Command({"XRANGE", kStream, "-", "+", "COUNT", "1"});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->elements[0].elements[0].str, oldest_pending);

  // Once analytics has everything acknowledged, the stream empties.
  auto rest = conn_->Command({"XREADGROUP", "GROUP", "analytics", "a1", "COUNT",
                              "1000", "STREAMS", kStream, ">"});
  ASSERT_TRUE(rest.ok());
  std::vector<std::string> ack_all = {"XACK", kStream, "analytics"};
  for (size_t i = 100; i < got.size(); ++i) {
    ack_all.push_back(got[i].elements[0].str);
  }
  for (const RedisReply& e : rest->elements[0].elements[1].elements) {
    ack_all.push_back(e.elements[0].str);
  }
  ASSERT_TRUE(conn_->CommandOk(ack_all).ok());
  deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    auto xlen = conn_->Command({"XLEN", kStream});
    ASSERT_TRUE(xlen.ok());
    len = xlen->integer;
    if (len == 0) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(len, 0);
  std::string metrics = ReadyField((*worker)->ready_line(), "metrics");
  auto page = HttpGet(metrics, "/metrics");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(MetricSum(*page, "statstracker_worker_stream_trimmed_total"), 500);
  EXPECT_EQ(MetricSum(*page, "statstracker_worker_stream_dropped_total"), 0);
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerStorageTest, ABacklogLongerThanAnyCapIsKeptUntilApplied) {
  // Workers stopped while 20,000 events arrive (the old configs capped the
  // stream at far less for PublishEvents and the CLI).
  std::vector<v1::GameEvent> events;
  events.reserve(20000);
  for (int i = 0; i < 20000; ++i) {
    events.push_back(Point(absl::StrCat("k", i), absl::StrCat("p", i % 7)));
  }
  for (size_t i = 0; i < events.size(); i += 2000) {
    Publish({events.begin() + i, events.begin() + i + 2000});
  }
  auto xlen = conn_->Command({"XLEN", kStream});
  ASSERT_TRUE(xlen.ok());
  EXPECT_EQ(xlen->integer, 20000);
  auto worker = StartWorker(*redis_, Config(), "backlog");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(120)).ok());
  double sum = 0;
  for (int p = 0; p < 7; ++p) sum += Total(absl::StrCat("p", p));
  EXPECT_EQ(sum, 20000);
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerStorageTest, TheSafetyCapDropsUnconsumedEntriesVisibly) {
  std::vector<v1::GameEvent> events;
  events.reserve(3000);
  for (int i = 0; i < 3000; ++i) {
    events.push_back(Point(absl::StrCat("s", i), "p"));
  }
  Publish(events);
  // A cap of 1,000 with 3,000 unconsumed: the worker trims to the cap
  // before it reads (it trims at the start of its first pass), logs it and
  // counts it.
  auto worker = StartWorker(*redis_, Config("", "max_length: 1000"), "capped");
  ASSERT_TRUE(worker.ok()) << worker.status();
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  std::string metrics = ReadyField((*worker)->ready_line(), "metrics");
  auto page = HttpGet(metrics, "/metrics");
  ASSERT_TRUE(page.ok()) << page.status();
  const double dropped =
      MetricSum(*page, "statstracker_worker_stream_dropped_total");
  EXPECT_GT(dropped, 0);
  // Everything not dropped was applied; the drop was logged.
  EXPECT_EQ(Total("p") + dropped, 3000);
  EXPECT_TRUE(absl::StrContains((*worker)->Output(), "stream.max_length"))
      << (*worker)->Output();
  EXPECT_EQ((*worker)->Stop(), 0);
}

}  // namespace
}  // namespace testing
}  // namespace statstracker
