#include "common/player_buckets.h"

#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

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

TEST(PlayerBuckets, KnownFnv1aValues) {
  // Reference values of 32-bit FNV-1a (Fowler/Noll/Vo test vectors).
  EXPECT_EQ(PlayerHash(""), 0x811c9dc5u);
  EXPECT_EQ(PlayerHash("a"), 0xe40c292cu);
  EXPECT_EQ(PlayerHash("foobar"), 0xbf9cf968u);
}

TEST(PlayerBuckets, OneBucketUntilTheFirstSplit) {
  BucketState state;
  EXPECT_EQ(state.buckets(), 1u);
  for (const std::string& id : SomeIds()) EXPECT_EQ(state.BucketOf(id), 0u);
  EXPECT_FALSE(state.NeedsSplit(kTargetRecordsPerBucket));
  EXPECT_TRUE(state.NeedsSplit(kTargetRecordsPerBucket + 1));
}

TEST(PlayerBuckets, SplitMovesRecordsOnlyFromSourceToTarget) {
  BucketState state;
  std::vector<std::string> ids = SomeIds();
  for (int step = 0; step < 70; ++step) {
    BucketState next = state.AfterSplit();
    EXPECT_EQ(next.buckets(), state.buckets() + 1);
    std::set<uint32_t> used;
    for (const std::string& id : ids) {
      uint32_t before = state.BucketOf(id);
      uint32_t after = next.BucketOf(id);
      ASSERT_LT(after, next.buckets());
      used.insert(after);
      if (before != state.split_source()) {
        EXPECT_EQ(after, before) << "step " << step;
      } else {
        EXPECT_TRUE(after == state.split_source() ||
                    after == state.split_target())
            << "step " << step;
      }
    }
    // With 2,000 ids every bucket is used at these sizes.
    EXPECT_EQ(used.size(), next.buckets()) << "step " << step;
    state = next;
  }
  EXPECT_EQ(state.level, 6u);
  EXPECT_EQ(state.split, 7u);
}

}  // namespace
}  // namespace statstracker
