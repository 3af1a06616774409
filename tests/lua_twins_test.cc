// The Lua twins of C++ functions (common/player_buckets.h) give the same
// answers inside a real redis-server.
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/player_buckets.h"
#include "common/redis_script.h"
#include "gtest/gtest.h"
#include "tests/redis_server.h"

namespace statstracker {
namespace {

std::vector<std::string> SomeIds() {
  std::vector<std::string> ids = {"", "a", "ann", std::string("p\0q", 3),
                                  std::string(128, '\xff')};
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string id = absl::StrCat("player-", i);
    if (i % 7 == 0) id.push_back(static_cast<char>(rng() & 0xFF));
    ids.push_back(id);
  }
  return ids;
}

TEST(LuaTwins, PlayerBucketsAgreeWithCpp) {
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto conn = (*redis)->Connect();
  ASSERT_TRUE(conn.ok()) << conn.status();
  RedisScript script(absl::StrCat(kLuaPlayerBuckets, R"lua(
local out = {}
local level, split = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 3, #ARGV do
  out[#out + 1] = tostring(player_hash(ARGV[i]))
  out[#out + 1] = bucket_of(ARGV[i], level, split)
end
return out
)lua"));
  std::vector<std::string> ids = SomeIds();
  for (BucketState state : {BucketState{0, 0}, BucketState{3, 5},
                            BucketState{10, 1000}, BucketState{17, 3}}) {
    std::vector<std::string> args = {absl::StrCat(state.level),
                                     absl::StrCat(state.split)};
    args.insert(args.end(), ids.begin(), ids.end());
    auto reply = script.Run(conn->get(), {}, args);
    ASSERT_TRUE(reply.ok()) << reply.status();
    ASSERT_EQ(reply->elements.size(), 2 * ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(reply->elements[2 * i].str, absl::StrCat(PlayerHash(ids[i])))
          << i;
      EXPECT_EQ(reply->elements[2 * i + 1].integer, state.BucketOf(ids[i]))
          << i;
    }
  }
}

}  // namespace
}  // namespace statstracker
