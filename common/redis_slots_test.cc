#include "common/redis_slots.h"

#include "common/redis_client.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace {

TEST(RedisSlots, KeySlotFollowsTheClusterSpecification) {
  // The specification's CRC16 check value: "123456789" -> 0x31C3.
  EXPECT_EQ(KeySlot("123456789"), 0x31C3 % 16384);
  // Hash tags: the part between the first { and the next }, if not empty.
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("{user1000}.followers"));
  EXPECT_EQ(KeySlot("{user1000}.following"), KeySlot("user1000"));
  EXPECT_EQ(KeySlot("foo{}{bar}"), KeySlot("foo{}{bar}"));
  EXPECT_NE(KeySlot("foo{}{bar}"), KeySlot("bar"));  // empty tag: whole key
  EXPECT_EQ(KeySlot("foo{{bar}}zap"), KeySlot("{bar"));
  EXPECT_EQ(KeySlot("foo{bar}{zap}"), KeySlot("bar"));
  // Our keys: every key of a game in one slot.
  EXPECT_EQ(KeySlot("st:{arcade}:lb:high:all"), KeySlot("st:{arcade}:cursor"));
  EXPECT_EQ(KeySlot("{statstracker:events}:dead"),
            KeySlot("statstracker:events"));
}

TEST(RedisSlots, CommandKeys) {
  using V = std::vector<absl::string_view>;
  EXPECT_EQ(CommandKeys({"GET", "a"}), V{"a"});
  EXPECT_EQ(CommandKeys({"HSET", "h", "f", "v", "g", "w"}), V{"h"});
  EXPECT_EQ(CommandKeys({"del", "a", "b", "c"}), (V{"a", "b", "c"}));
  EXPECT_EQ(CommandKeys({"WATCH", "a", "b"}), (V{"a", "b"}));
  EXPECT_EQ(CommandKeys({"EVALSHA", "sha", "2", "k1", "k2", "arg"}),
            (V{"k1", "k2"}));
  EXPECT_EQ(CommandKeys({"EVAL", "return 1", "0", "arg"}), V{});
  EXPECT_EQ(CommandKeys({"XREADGROUP", "GROUP", "g", "c", "COUNT", "10",
                         "BLOCK", "5", "STREAMS", "s1", "s2", ">", ">"}),
            (V{"s1", "s2"}));
  EXPECT_EQ(CommandKeys({"XINFO", "GROUPS", "s"}), V{"s"});
  // MIGRATE's key is its fourth argument, or the list after KEYS.
  EXPECT_EQ(CommandKeys({"MIGRATE", "h", "6379", "k", "0", "5000"}), V{"k"});
  EXPECT_EQ(CommandKeys({"MIGRATE", "h", "6379", "", "0", "5000", "REPLACE",
                         "KEYS", "a{t}", "b{t}"}),
            (V{"a{t}", "b{t}"}));
  EXPECT_EQ(CommandKeys({"XGROUP", "CREATE", "s", "g", "0", "MKSTREAM"}),
            V{"s"});
  EXPECT_EQ(CommandKeys({"MEMORY", "USAGE", "k"}), V{"k"});
  for (const char* keyless : {"PING", "MULTI", "EXEC", "UNWATCH", "WAIT",
                              "SCRIPT", "INFO", "KEYS", "SCAN", "FLUSHALL"}) {
    EXPECT_TRUE(CommandKeys({keyless, "x", "y"}).empty()) << keyless;
  }
}

TEST(RedisSlots, CommandSlotRefusesKeysOfTwoSlots) {
  auto same = CommandSlot({"DEL", "st:{g}:a", "st:{g}:b"});
  ASSERT_TRUE(same.ok());
  ASSERT_TRUE(same->has_value());
  EXPECT_EQ(**same, KeySlot("g"));
  auto none = CommandSlot({"PING"});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto cross = CommandSlot({"DEL", "st:{a}:x", "st:{b}:y"});
  ASSERT_FALSE(cross.ok());
  EXPECT_EQ(cross.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(cross.status().message().find("'st:{a}:x' (slot "),
            std::string::npos)
      << cross.status();
}

RedisReply Str(const std::string& s) {
  RedisReply r;
  r.type = RedisReply::Type::kString;
  r.str = s;
  return r;
}
RedisReply Int(int64_t i) {
  RedisReply r;
  r.type = RedisReply::Type::kInteger;
  r.integer = i;
  return r;
}
RedisReply Arr(std::vector<RedisReply> e) {
  RedisReply r;
  r.type = RedisReply::Type::kArray;
  r.elements = std::move(e);
  return r;
}
RedisReply NodeReply(const std::string& ip, int port, const std::string& role,
                     const std::string& health) {
  return Arr({Str("id"), Str("abc"), Str("port"), Int(port), Str("ip"), Str(ip),
              Str("endpoint"), Str(ip), Str("role"), Str(role),
              Str("replication-offset"), Int(1), Str("health"), Str(health)});
}

TEST(RedisSlots, SlotMapFromClusterShards) {
  RedisReply reply = Arr({
      Arr({Str("slots"), Arr({Int(0), Int(5460), Int(16000), Int(16383)}),
           Str("nodes"),
           Arr({NodeReply("127.0.0.1", 7001, "master", "online"),
                NodeReply("127.0.0.1", 7004, "replica", "online"),
                NodeReply("127.0.0.1", 7005, "replica", "failed")})}),
      Arr({Str("slots"), Arr({Int(5461), Int(15999)}), Str("nodes"),
           Arr({NodeReply("127.0.0.1", 7002, "master", "online")})}),
  });
  auto map = SlotMap::FromClusterShards(reply);
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->covered(), 16384);
  const SlotMap::Shard* a = map->ShardOf(16100);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->master.ToString(), "127.0.0.1:7001");
  ASSERT_EQ(a->replicas.size(), 1u);  // the failed replica is left out
  EXPECT_EQ(a->replicas[0].port, 7004);
  EXPECT_EQ(map->ShardOf(6000)->master.port, 7002);
  map->Move(6000, NodeAddress{"127.0.0.1", 7001});
  EXPECT_EQ(map->ShardOf(6000)->master.port, 7001);
  EXPECT_EQ(map->ShardOf(6001)->master.port, 7002);
  EXPECT_FALSE(SlotMap::FromClusterShards(Str("nope")).ok());
}

TEST(RedisSlots, ParsesRedirections) {
  auto moved = ParseRedirect("MOVED 3999 127.0.0.1:6381");
  ASSERT_TRUE(moved.has_value());
  EXPECT_FALSE(moved->ask);
  EXPECT_EQ(moved->slot, 3999);
  EXPECT_EQ(moved->to.ToString(), "127.0.0.1:6381");
  auto ask = ParseRedirect("ASK 12 ::1:7000");
  ASSERT_TRUE(ask.has_value());
  EXPECT_TRUE(ask->ask);
  EXPECT_EQ(ask->to.host, "::1");
  EXPECT_FALSE(ParseRedirect("ERR wrong").has_value());
  EXPECT_FALSE(ParseRedirect("MOVED x 1.2.3.4:5").has_value());
}

}  // namespace
}  // namespace statstracker
