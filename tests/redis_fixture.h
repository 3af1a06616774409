#ifndef STATSTRACKER_TESTS_REDIS_FIXTURE_H_
#define STATSTRACKER_TESTS_REDIS_FIXTURE_H_

// A test fixture with a private redis-server (tests/redis_server.h) and a
// connection to it, for tests that need one Redis and nothing else.

#include <memory>

#include "gtest/gtest.h"
#include "tests/redis_server.h"

namespace statstracker {
namespace testing {

class RedisFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    auto conn = redis_->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisConnection> conn_;
};

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TESTS_REDIS_FIXTURE_H_
