#include "common/stream_partitions.h"

#include <set>

#include "common/redis_slots.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace {

v1::StreamConfig Stream(int partitions) {
  v1::StreamConfig s;
  s.set_key("statstracker:events");
  s.set_dead_letter_key("statstracker:events:dead");
  s.set_partitions(partitions);
  return s;
}

TEST(StreamPartitions, OnePartitionIsTheConfiguredStream) {
  for (int n : {0, 1}) {
    EXPECT_EQ(PartitionStreamKey(Stream(n), 0), "statstracker:events");
    EXPECT_EQ(PartitionDeadLetterKey(Stream(n), 0), "statstracker:events:dead");
    EXPECT_EQ(StreamKeyForGame(Stream(n), "arcade"), "statstracker:events");
  }
}

TEST(StreamPartitions,
     PartitionsSpreadOverTheSlotRangesAndShareTagsWithTheirDeadLetters) {
  const v1::StreamConfig s = Stream(3);
  std::vector<std::string> keys = AllStreamKeys(s);
  std::vector<std::string> dead = AllDeadLetterKeys(s);
  ASSERT_EQ(keys.size(), 3u);
  for (int p = 0; p < 3; ++p) {
    EXPECT_EQ(keys[p].rfind("statstracker:events:{p", 0), 0u) << keys[p];
    const int slot = KeySlot(keys[p]);
    EXPECT_GE(slot, p * 16384 / 3) << keys[p];
    EXPECT_LT(slot, (p + 1) * 16384 / 3) << keys[p];
    EXPECT_EQ(KeySlot(dead[p]), slot) << dead[p];
  }
  // The documented hash: FNV-1a 32 of the game id, mod N; stable.
  EXPECT_EQ(PartitionOf("a", 3), static_cast<int>(0xe40c292cu % 3));
  std::set<int> used;
  for (const char* game : {"arcade", "chess", "duel", "racing", "arena"}) {
    int p = PartitionOf(game, 3);
    used.insert(p);
    EXPECT_EQ(StreamKeyForGame(s, game), keys[p]);
  }
  EXPECT_GT(used.size(), 1u);
}

}  // namespace
}  // namespace statstracker
