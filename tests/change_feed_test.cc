// ChangeFeed (server/change_feed.h) against a real redis-server: messages,
// the order of the subscription reports, and recovery after the connection
// is killed, Redis hangs, and Redis restarts.

#include "server/change_feed.h"

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/keys.h"
#include "gtest/gtest.h"
#include "tests/redis_server.h"

namespace statstracker {
namespace {

using testing::RedisServer;

constexpr absl::Duration kPing = absl::Milliseconds(100);
constexpr absl::Duration kWait = absl::Seconds(5);

// What the feed reported, in order: "up", "down", or a game id.
class Recorder {
 public:
  ChangeFeed::Callbacks Callbacks() {
    return {[this](absl::string_view game) { Add(std::string(game)); },
            [this](bool up) { Add(up ? "up" : "down"); }};
  }
  // Waits until `event` occurs at or after index `from`; its index, or -1.
  int WaitFor(const std::string& event, size_t from = 0,
              absl::Duration timeout = kWait) {
    std::unique_lock<std::mutex> lock(mu_);
    int found = -1;
    cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [&] {
      for (size_t i = from; i < events_.size(); ++i) {
        if (events_[i] == event) {
          found = static_cast<int>(i);
          return true;
        }
      }
      return false;
    });
    return found;
  }
  std::vector<std::string> Events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_.size();
  }

 private:
  void Add(std::string event) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(std::move(event));
    cv_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> events_;
};

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
  }

  RedisTarget Target() const {
    RedisTarget target;
    target.seeds = {NodeAddress{redis_->host(), redis_->port()}};
    target.timeout = absl::Seconds(1);
    return target;
  }

  // PUBLISH from a separate connection; the number of receivers.
  int64_t Publish(const std::string& channel, const std::string& message) {
    auto conn = redis_->Connect();
    EXPECT_TRUE(conn.ok()) << conn.status();
    if (!conn.ok()) return -1;
    auto reply = (*conn)->CommandOk({"PUBLISH", channel, message});
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? reply->integer : -1;
  }
  int64_t Publish(const std::string& game) {
    return Publish(std::string(keys::kChangesChannel), game);
  }

  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args) {
    auto conn = redis_->Connect();
    if (!conn.ok()) return conn.status();
    return (*conn)->CommandOk(args);
  }

  std::unique_ptr<RedisServer> redis_;
};

TEST_F(ChangeFeedTest, ReportsPublishedGamesAfterTheSubscriptionIsUp) {
  Recorder recorder;
  ChangeFeed feed(Target(), recorder.Callbacks(), kPing);
  EXPECT_FALSE(feed.subscribed());
  feed.Start();
  ASSERT_EQ(recorder.WaitFor("up"), 0);
  EXPECT_TRUE(feed.subscribed());
  EXPECT_EQ(Publish("other_channel", "ignored"), 0);
  EXPECT_EQ(Publish("game_a"), 1);
  EXPECT_EQ(Publish("game_b"), 1);
  ASSERT_NE(recorder.WaitFor("game_b"), -1);
  EXPECT_EQ(recorder.Events(),
            (std::vector<std::string>{"up", "game_a", "game_b"}));
}

TEST_F(ChangeFeedTest, SilenceIsNotALossWhilePingsAreAnswered) {
  Recorder recorder;
  ChangeFeed feed(Target(), recorder.Callbacks(), kPing);
  feed.Start();
  ASSERT_EQ(recorder.WaitFor("up"), 0);
  absl::SleepFor(6 * kPing);  // idle: only PINGs and their replies
  EXPECT_EQ(recorder.Events(), std::vector<std::string>{"up"});
  auto clients = Command({"CLIENT", "LIST", "TYPE", "pubsub"});
  ASSERT_TRUE(clients.ok()) << clients.status();
  EXPECT_NE(clients->str.find("cmd=ping"), std::string::npos) << clients->str;
}

TEST_F(ChangeFeedTest, ResubscribesAfterItsConnectionIsKilled) {
  Recorder recorder;
  ChangeFeed feed(Target(), recorder.Callbacks(), kPing);
  feed.Start();
  ASSERT_EQ(recorder.WaitFor("up"), 0);
  auto killed = Command({"CLIENT", "KILL", "TYPE", "pubsub"});
  ASSERT_TRUE(killed.ok()) << killed.status();
  EXPECT_EQ(killed->integer, 1);
  const int down = recorder.WaitFor("down");
  ASSERT_EQ(down, 1);
  const int up = recorder.WaitFor("up", down);
  ASSERT_EQ(up, 2);
  EXPECT_EQ(Publish("game_a"), 1);
  ASSERT_EQ(recorder.WaitFor("game_a"), 3);
}

TEST_F(ChangeFeedTest, UnansweredPingIsALossWithinTwoPingIntervals) {
  Recorder recorder;
  ChangeFeed feed(Target(), recorder.Callbacks(), kPing);
  feed.Start();
  ASSERT_EQ(recorder.WaitFor("up"), 0);
  // Redis holds every client's commands (the feed's PINGs too) for 1.5 s
  // and keeps the connection open: only the PING deadline can notice.
  auto paused = Command({"CLIENT", "PAUSE", "1500", "ALL"});
  ASSERT_TRUE(paused.ok()) << paused.status();
  const absl::Time start = absl::Now();
  ASSERT_EQ(recorder.WaitFor("down", 0, absl::Seconds(3)), 1);
  const absl::Duration detected = absl::Now() - start;
  // 2 x ping_interval after the last reply, plus scheduling slack; far
  // below the 1.5 s pause, so it was the PING deadline and not the pause's
  // end that noticed.
  EXPECT_LT(detected, absl::Milliseconds(1000)) << detected;
  ASSERT_EQ(recorder.WaitFor("up", 1), 2);
  EXPECT_EQ(Publish("game_a"), 1);
  ASSERT_NE(recorder.WaitFor("game_a"), -1);
}

TEST_F(ChangeFeedTest, RedisStoppedIsALossAndItsRestartResubscribes) {
  Recorder recorder;
  ChangeFeed feed(Target(), recorder.Callbacks(), kPing);
  feed.Start();
  ASSERT_EQ(recorder.WaitFor("up"), 0);
  redis_->Stop();
  ASSERT_EQ(recorder.WaitFor("down", 0, absl::Seconds(2)), 1);
  absl::SleepFor(absl::Milliseconds(300));  // a few failed reconnects
  EXPECT_EQ(recorder.size(), 2u);
  ASSERT_TRUE(redis_->Restart().ok());
  ASSERT_EQ(recorder.WaitFor("up", 1), 2);
  EXPECT_EQ(Publish("game_a"), 1);
  ASSERT_EQ(recorder.WaitFor("game_a"), 3);
}

TEST_F(ChangeFeedTest, TriesTheSeedsInTurn) {
  auto dead_port = testing::PickFreePort();
  ASSERT_TRUE(dead_port.ok());
  RedisTarget target = Target();
  target.seeds.insert(target.seeds.begin(),
                      NodeAddress{"127.0.0.1", *dead_port});
  Recorder recorder;
  ChangeFeed feed(target, recorder.Callbacks(), kPing);
  feed.Start();
  ASSERT_EQ(recorder.WaitFor("up"), 0);
  EXPECT_EQ(Publish("game_a"), 1);
  ASSERT_EQ(recorder.WaitFor("game_a"), 1);
}

TEST_F(ChangeFeedTest, AuthenticatesWithThePassword) {
  ASSERT_TRUE(Command({"CONFIG", "SET", "requirepass", "s3cret"}).ok());
  RedisTarget target = Target();
  Recorder rejected;
  {
    ChangeFeed feed(target, rejected.Callbacks(), kPing);
    feed.Start();
    absl::SleepFor(absl::Milliseconds(300));
  }  // stops while retrying
  EXPECT_TRUE(rejected.Events().empty());
  target.password = "s3cret";
  Recorder recorder;
  ChangeFeed feed(target, recorder.Callbacks(), kPing);
  feed.Start();
  ASSERT_EQ(recorder.WaitFor("up"), 0);
}

}  // namespace
}  // namespace statstracker
