#include "server/redis_mux.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/redis_server.h"

namespace statstracker {
namespace server {
namespace {

using ::statstracker::testing::RedisServer;

// Waits for a number of completions.
class Countdown {
 public:
  explicit Countdown(int n) : left_(n) {}
  void Done() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--left_ == 0) cv_.notify_all();
  }
  bool Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30),
                        [this] { return left_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int left_;
};

RedisMux::Options OptionsFor(const RedisServer& redis, int connections) {
  RedisMux::Options options;
  NodeAddress seed;
  seed.host = redis.host();
  seed.port = redis.port();
  options.target.seeds = {seed};
  options.connections = connections;
  return options;
}

TEST(RedisMuxTest, ConcurrentCallersEachGetTheirOwnRepliesInOrder) {
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisMux mux(OptionsFor(**redis, 2));
  constexpr int kThreads = 8;
  constexpr int kCalls = 500;
  Countdown countdown(kThreads * kCalls);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const std::string key = absl::StrCat("k", t, ":", i);
        const std::string value = absl::StrCat("v", t, ":", i);
        // Two commands that must run in order on one connection.
        mux.Submit({{"SET", key, value}, {"GET", key}}, false,
                   [&, value](absl::StatusOr<std::vector<RedisReply>> r) {
                     if (!r.ok() || r->size() != 2 || (*r)[1].str != value) {
                       ++wrong;
                     }
                     countdown.Done();
                   });
      }
    });
  }
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(countdown.Wait());
  EXPECT_EQ(wrong.load(), 0);
}

// total_connections_received from INFO stats.
int64_t ConnectionsReceived(RedisConnection* conn) {
  auto info = conn->Command({"INFO", "stats"});
  if (!info.ok()) return -1;
  const std::string field = "total_connections_received:";
  size_t at = info->str.find(field);
  if (at == std::string::npos) return -1;
  return std::stoll(info->str.substr(at + field.size()));
}

TEST(RedisMuxTest, ManyCallsShareOneConnection) {
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto admin = (*redis)->Connect();
  ASSERT_TRUE(admin.ok());
  const int64_t before = ConnectionsReceived(admin->get());
  ASSERT_GT(before, 0);
  {
    RedisMux mux(OptionsFor(**redis, 1));
    Countdown countdown(200);
    for (int i = 0; i < 200; ++i) {
      mux.Submit({{"INCR", "counter"}}, false,
                 [&](const absl::StatusOr<std::vector<RedisReply>>&) {
                   countdown.Done();
                 });
    }
    ASSERT_TRUE(countdown.Wait());
  }
  auto counter = (*admin)->Command({"GET", "counter"});
  ASSERT_TRUE(counter.ok());
  EXPECT_EQ(counter->str, "200");
  // 200 calls, one new connection: none per call.
  EXPECT_EQ(ConnectionsReceived(admin->get()), before + 1);
}

TEST(RedisMuxTest, RecoversAfterRedisRestartsForIdempotentCalls) {
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisMux mux(OptionsFor(**redis, 1));
  auto call = [&](bool idempotent) {
    absl::StatusOr<std::vector<RedisReply>> result;
    Countdown countdown(1);
    mux.Submit({{"PING"}}, idempotent,
               [&](absl::StatusOr<std::vector<RedisReply>> r) {
                 result = std::move(r);
                 countdown.Done();
               });
    EXPECT_TRUE(countdown.Wait());
    return result;
  };
  ASSERT_TRUE(call(true).ok());
  ASSERT_TRUE((*redis)->Restart().ok());
  // The lane's connection died with the old process; an idempotent call is
  // sent again on a new connection instead of failing.
  auto again = call(true);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->front().str, "PONG");
}

TEST(RedisMuxTest, RedisDownIsUnavailableAndNothingHangs) {
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisMux mux(OptionsFor(**redis, 2));
  (*redis)->Stop();
  Countdown countdown(20);
  std::atomic<int> unavailable{0};
  for (int i = 0; i < 20; ++i) {
    mux.Submit({{"PING"}}, true,
               [&](const absl::StatusOr<std::vector<RedisReply>>& r) {
                 if (absl::IsUnavailable(r.status())) ++unavailable;
                 countdown.Done();
               });
  }
  ASSERT_TRUE(countdown.Wait());
  EXPECT_EQ(unavailable.load(), 20);
}

TEST(RedisMuxTest, ErrorRepliesStayWithTheirCaller) {
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  RedisMux mux(OptionsFor(**redis, 1));
  Countdown countdown(2);
  absl::StatusOr<std::vector<RedisReply>> bad, good;
  mux.Submit({{"NOSUCHCOMMAND"}}, false,
             [&](absl::StatusOr<std::vector<RedisReply>> r) {
               bad = std::move(r);
               countdown.Done();
             });
  mux.Submit({{"ECHO", "fine"}}, false,
             [&](absl::StatusOr<std::vector<RedisReply>> r) {
               good = std::move(r);
               countdown.Done();
             });
  ASSERT_TRUE(countdown.Wait());
  ASSERT_TRUE(bad.ok());
  EXPECT_TRUE(bad->front().is_error());
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->front().str, "fine");
}

}  // namespace
}  // namespace server
}  // namespace statstracker
