#include "common/keys.h"

#include <algorithm>
#include <vector>

#include "gtest/gtest.h"

namespace statstracker {
namespace keys {
namespace {

TEST(Keys, EveryKeyOfAGameSharesItsHashTag) {
  for (const std::string& key :
       {Board("g1", "b", "all"), BoardMembers("g1", "b", "2026-11"),
        BoardState("g1", "b", "all"), BoardDistinct("g1", "b", "all"),
        BoardDistinctCount("g1", "b", "all"), BoardPeriods("g1", "b"),
        PlayerStats("g1", "p"), Seen("g1", "e"), Applied("g1")}) {
    EXPECT_EQ(key.rfind("st:{g1}:", 0), 0u) << key;
  }
}

TEST(Keys, StoredScoreMakesAscendingBestFirst) {
  EXPECT_LT(StoredScore(100, v1::SORT_ORDER_DESCENDING),
            StoredScore(50, v1::SORT_ORDER_DESCENDING));
  EXPECT_LT(StoredScore(50, v1::SORT_ORDER_ASCENDING),
            StoredScore(100, v1::SORT_ORDER_ASCENDING));
  EXPECT_EQ(ScoreFromStored(StoredScore(-3.25, v1::SORT_ORDER_DESCENDING),
                            v1::SORT_ORDER_DESCENDING),
            -3.25);
  EXPECT_EQ(FormatScore(StoredScore(0, v1::SORT_ORDER_DESCENDING)), "0");
}

TEST(Keys, MemberOrderIsSecondaryThenReachTime) {
  absl::Time t0 = absl::FromUnixSeconds(1000);
  absl::Time t1 = absl::FromUnixSeconds(2000);
  // Lower-is-better secondary (e.g. time_ms): 10 beats 20 whatever the time.
  std::string a = EncodeMember("zed", 10, v1::SORT_ORDER_ASCENDING, t1);
  std::string b = EncodeMember("amy", 20, v1::SORT_ORDER_ASCENDING, t0);
  std::string c =
      EncodeMember("bob", std::nullopt, v1::SORT_ORDER_ASCENDING, t0);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);  // no secondary ranks after any secondary
  // Higher-is-better secondary, including negatives.
  EXPECT_LT(EncodeMember("x", 5, v1::SORT_ORDER_DESCENDING, t1),
            EncodeMember("y", -5, v1::SORT_ORDER_DESCENDING, t0));
  // Same secondary: earlier reach time first, then player id.
  EXPECT_LT(EncodeMember("zz", 1, v1::SORT_ORDER_ASCENDING, t0),
            EncodeMember("aa", 1, v1::SORT_ORDER_ASCENDING, t1));
  EXPECT_LT(EncodeMember("aa", 1, v1::SORT_ORDER_ASCENDING, t0),
            EncodeMember("bb", 1, v1::SORT_ORDER_ASCENDING, t0));
  // Pre-1970 times still order.
  EXPECT_LT(EncodeMember("p", std::nullopt, v1::SORT_ORDER_ASCENDING,
                         absl::FromUnixSeconds(-5)),
            EncodeMember("p", std::nullopt, v1::SORT_ORDER_ASCENDING, t0));
}

TEST(Keys, DecodeMemberRoundTrips) {
  absl::Time t = absl::FromUnixMicros(1795500000123456);
  const std::string player("pl\0yer", 6);  // ids are bytes, NUL included
  for (auto order : {v1::SORT_ORDER_ASCENDING, v1::SORT_ORDER_DESCENDING}) {
    for (std::optional<double> s :
         std::vector<std::optional<double>>{std::nullopt, 0.0, -7.5, 1e300}) {
      auto decoded = DecodeMember(EncodeMember(player, s, order, t), order);
      ASSERT_TRUE(decoded.has_value());
      EXPECT_EQ(decoded->player_id, player);
      EXPECT_EQ(decoded->secondary, s);
      EXPECT_EQ(decoded->reached_at, t);
    }
  }
  EXPECT_FALSE(DecodeMember("short", v1::SORT_ORDER_ASCENDING).has_value());
}

}  // namespace
}  // namespace keys
}  // namespace statstracker
