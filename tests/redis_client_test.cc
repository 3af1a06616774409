// RedisConnection's replies, as hiredis's reader builds them straight into
// RedisReply (common/redis_client.cc): every RESP2 shape, nested arrays with
// nils inside, binary strings, long pipelines, on a real redis-server.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/redis_fixture.h"
#include "tests/redis_server.h"

namespace statstracker {
namespace testing {
namespace {

using Type = RedisReply::Type;

class RedisClientTest : public RedisFixture {
 protected:
  RedisReply Run(const std::vector<std::string>& args) {
    auto reply = conn_->Command(args);
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : RedisReply();
  }
};

TEST_F(RedisClientTest, ScalarsKeepTheirTypeAndBytes) {
  const std::string binary("a\0b\r\n\xff", 6);
  EXPECT_EQ(Run({"SET", "k", binary}).type, Type::kStatus);
  RedisReply got = Run({"GET", "k"});
  EXPECT_EQ(got.type, Type::kString);
  EXPECT_EQ(got.str, binary);
  EXPECT_EQ(Run({"GET", "missing"}).type, Type::kNil);
  RedisReply n = Run({"INCRBY", "n", "-42"});
  EXPECT_EQ(n.type, Type::kInteger);
  EXPECT_EQ(n.integer, -42);
  RedisReply pong = Run({"PING"});
  EXPECT_EQ(pong.type, Type::kStatus);
  EXPECT_EQ(pong.str, "PONG");
  RedisReply wrong = Run({"LPUSH", "k", "x"});
  EXPECT_EQ(wrong.type, Type::kError);
  EXPECT_NE(wrong.str.find("WRONGTYPE"), std::string::npos) << wrong.str;
  EXPECT_EQ(Run({"SET", "empty", ""}).type, Type::kStatus);
  RedisReply empty = Run({"GET", "empty"});
  EXPECT_EQ(empty.type, Type::kString);
  EXPECT_EQ(empty.str, "");
}

TEST_F(RedisClientTest, NestedArraysWithNilsAndEmptyOnes) {
  // A script's table: an integer, a nested array holding a string and an
  // empty array, false (a nil reply), a status, a string.
  RedisReply r =
      Run({"EVAL", "return {7, {'x', {}}, false, {ok='fine'}, 'tail'}", "0"});
  ASSERT_EQ(r.type, Type::kArray);
  ASSERT_EQ(r.elements.size(), 5u);
  EXPECT_EQ(r.elements[0].type, Type::kInteger);
  EXPECT_EQ(r.elements[0].integer, 7);
  ASSERT_EQ(r.elements[1].type, Type::kArray);
  ASSERT_EQ(r.elements[1].elements.size(), 2u);
  EXPECT_EQ(r.elements[1].elements[0].str, "x");
  EXPECT_EQ(r.elements[1].elements[1].type, Type::kArray);
  EXPECT_TRUE(r.elements[1].elements[1].elements.empty());
  EXPECT_EQ(r.elements[2].type, Type::kNil);
  EXPECT_EQ(r.elements[3].type, Type::kStatus);
  EXPECT_EQ(r.elements[3].str, "fine");
  EXPECT_EQ(r.elements[4].type, Type::kString);
  EXPECT_EQ(r.elements[4].str, "tail");

  // Stream entries: arrays of [id, [field, value, ...]].
  ASSERT_EQ(Run({"XADD", "s", "1-1", "f", "v", "g", "w"}).type, Type::kString);
  RedisReply range = Run({"XRANGE", "s", "-", "+"});
  ASSERT_EQ(range.elements.size(), 1u);
  EXPECT_EQ(range.elements[0].elements[0].str, "1-1");
  EXPECT_EQ(range.elements[0].elements[1].elements.size(), 4u);
  EXPECT_EQ(range.elements[0].elements[1].elements[3].str, "w");

  // MGET mixes strings and nils; a timed-out BLPOP is a nil array.
  Run({"SET", "a", "1"});
  RedisReply mget = Run({"MGET", "a", "nope", "a"});
  ASSERT_EQ(mget.elements.size(), 3u);
  EXPECT_EQ(mget.elements[0].str, "1");
  EXPECT_EQ(mget.elements[1].type, Type::kNil);
  EXPECT_EQ(mget.elements[2].str, "1");
  EXPECT_EQ(Run({"BLPOP", "nolist", "0.01"}).type, Type::kNil);
  RedisReply none = Run({"LRANGE", "nolist", "0", "-1"});
  EXPECT_EQ(none.type, Type::kArray);
  EXPECT_TRUE(none.elements.empty());
}

TEST_F(RedisClientTest, LongPipelinesAndAbortedTransactions) {
  std::vector<std::vector<std::string>> commands;
  commands.reserve(5001);
  for (int i = 0; i < 5000; ++i) {
    commands.push_back({"RPUSH", "list", absl::StrCat("v", i)});
  }
  commands.push_back({"LRANGE", "list", "0", "-1"});
  auto replies = conn_->Pipeline(commands);
  ASSERT_TRUE(replies.ok()) << replies.status();
  ASSERT_EQ(replies->size(), 5001u);
  EXPECT_EQ((*replies)[4999].integer, 5000);
  ASSERT_EQ(replies->back().elements.size(), 5000u);
  EXPECT_EQ(replies->back().elements[1234].str, "v1234");

  // A WATCHed key changed by another client: EXEC answers nil.
  auto other = redis_->Connect();
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(conn_->Command({"WATCH", "w"}).ok());
  ASSERT_TRUE((*other)->Command({"SET", "w", "1"}).ok());
  auto tx = conn_->Pipeline({{"MULTI"}, {"SET", "w", "2"}, {"EXEC"}});
  ASSERT_TRUE(tx.ok()) << tx.status();
  EXPECT_EQ((*tx)[1].str, "QUEUED");
  EXPECT_EQ(tx->back().type, Type::kNil);
  tx = conn_->Pipeline({{"MULTI"}, {"SET", "w", "3"}, {"INCR", "c"}, {"EXEC"}});
  ASSERT_TRUE(tx.ok()) << tx.status();
  ASSERT_EQ(tx->back().elements.size(), 2u);
  EXPECT_EQ(tx->back().elements[0].str, "OK");
  EXPECT_EQ(tx->back().elements[1].integer, 1);
}

}  // namespace
}  // namespace testing
}  // namespace statstracker
