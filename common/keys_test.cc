#include "common/keys.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace keys {
namespace {

v1::LeaderboardConfig Plain() {
  v1::LeaderboardConfig board;
  board.set_leaderboard_id("b");
  return board;
}

v1::LeaderboardConfig WithSecondary(v1::SortOrder order) {
  v1::LeaderboardConfig board = Plain();
  board.mutable_secondary()->set_value_key("time_ms");
  board.mutable_secondary()->set_sort_order(order);
  return board;
}

TEST(Keys, EveryKeyOfAGameSharesItsHashTag) {
  for (const std::string& key :
       {Board("g1", "b", "all"), BoardBuckets("g1", "b", "2026-11"),
        BoardRecords("g1", "b", "all", 17), BoardDistinct("g1", "b", "all"),
        BoardPeriods("g1", "b"), PlayerStats("g1", "p"),
        DedupBucket("g1", 450, 3), Producer("g1", "server-1"), Cursor("g1"),
        BoardHistory("g1", "b", "all", "ann"),
        BoardHistoryMarker("g1", "b", "2026-W48")}) {
    EXPECT_EQ(key.rfind("st:{g1}:", 0), 0u) << key;
  }
  EXPECT_EQ(BoardRecords("g1", "b", "all", 17), "st:{g1}:lb:b:all:p:17");
  EXPECT_EQ(BoardRecordPrefix("g1", "b", "all") + "17",
            BoardRecords("g1", "b", "all", 17));
  EXPECT_EQ(BoardHistory("g1", "b", "2026-11", "ann"),
            "st:{g1}:lb:b:2026-11:h:ann");
  EXPECT_EQ(BoardHistoryPrefix("g1", "b", "2026-11") + "ann",
            BoardHistory("g1", "b", "2026-11", "ann"));
  EXPECT_EQ(BoardHistoryMarker("g1", "b", "all"), "st:{g1}:lb:b:all:history");
}

TEST(Keys, TimeKeyIsTheMemberPrefixTimeAndRoundTrips) {
  // The worked example of keys.h.
  const absl::Time t = absl::FromUnixMicros(1795782600000250);
  EXPECT_EQ(absl::BytesToHexString(TimeKey(t)), "86614137f782fa");
  EXPECT_EQ(TimeKey(t), MemberPrefix(Plain(), std::nullopt, t));
  EXPECT_EQ(FromTimeKey(TimeKey(t)), t);
  const absl::Time before_1970 = absl::FromUnixMicros(-86400000001);
  EXPECT_EQ(FromTimeKey(TimeKey(before_1970)), before_1970);
  EXPECT_LT(TimeKey(before_1970), TimeKey(t));
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

TEST(Keys, OrderedKeyOrdersLikeTheNumbers) {
  std::vector<double> values = {-1e300, -5, -0.5, 0, 1e-300, 3, 7.25, 1e300};
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    EXPECT_LT(OrderedKey(values[i]), OrderedKey(values[i + 1])) << i;
  }
  EXPECT_EQ(OrderedKey(-0.0), OrderedKey(0.0));
  for (double v : values) EXPECT_EQ(FromOrderedKey(OrderedKey(v)), v);
}

TEST(Keys, PrefixHoldsTheSecondaryOnlyWhereConfigured) {
  EXPECT_EQ(MemberPrefixBytes(Plain()), 7u);
  EXPECT_EQ(MemberPrefixBytes(WithSecondary(v1::SORT_ORDER_ASCENDING)), 15u);
  EXPECT_EQ(MemberPrefix(Plain(), 5.0, absl::UnixEpoch()).size(), 7u);
}

TEST(Keys, MemberOrderIsSecondaryThenReachTime) {
  absl::Time t0 = absl::FromUnixSeconds(1000);
  absl::Time t1 = absl::FromUnixSeconds(2000);
  auto asc = WithSecondary(v1::SORT_ORDER_ASCENDING);
  auto desc = WithSecondary(v1::SORT_ORDER_DESCENDING);
  // Lower-is-better secondary (e.g. time_ms): 10 beats 20 whatever the time.
  std::string a = EncodeMember(asc, "zed", 10, t1);
  std::string b = EncodeMember(asc, "amy", 20, t0);
  std::string c = EncodeMember(asc, "bob", std::nullopt, t0);
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);  // no secondary ranks after any secondary
  // Higher-is-better secondary, including negatives.
  EXPECT_LT(EncodeMember(desc, "x", 5, t1), EncodeMember(desc, "y", -5, t0));
  // Same secondary: earlier reach time first, then player id.
  EXPECT_LT(EncodeMember(asc, "zz", 1, t0), EncodeMember(asc, "aa", 1, t1));
  EXPECT_LT(EncodeMember(asc, "aa", 1, t0), EncodeMember(asc, "bb", 1, t0));
  // Without a secondary: reach time, then player id; pre-1970 times order.
  EXPECT_LT(EncodeMember(Plain(), "zz", std::nullopt, t0),
            EncodeMember(Plain(), "aa", std::nullopt, t1));
  EXPECT_LT(EncodeMember(Plain(), "p", std::nullopt, absl::FromUnixSeconds(-5)),
            EncodeMember(Plain(), "p", std::nullopt, t0));
}

// The worked example of keys.h, byte for byte.
TEST(Keys, WorkedExampleOfTheHeader) {
  absl::Time t = absl::FromUnixMicros(1795782600000250);
  EXPECT_EQ(absl::FormatTime(t, absl::UTCTimeZone()),
            "2026-11-27T12:30:00.00025+00:00");
  EXPECT_EQ(
      absl::BytesToHexString(EncodeMember(Plain(), "ann", std::nullopt, t)),
      "86614137f782fa616e6e");
  EXPECT_EQ(absl::BytesToHexString(
                MemberPrefix(WithSecondary(v1::SORT_ORDER_ASCENDING), 1234.5, t)
                    .substr(0, 8)),
            "c0934a0000000000");
  EXPECT_EQ(
      absl::BytesToHexString(
          MemberPrefix(WithSecondary(v1::SORT_ORDER_DESCENDING), 1234.5, t)
              .substr(0, 8)),
      "3f6cb5ffffffffff");
  // The time bytes around 1970, rounding and the ends of the range, as the
  // header states them.
  auto time_bytes = [](absl::Time at) {
    return absl::BytesToHexString(EncodeMember(Plain(), "", std::nullopt, at));
  };
  EXPECT_EQ(time_bytes(absl::FromUnixSeconds(-1)), "7ffffffff0bdc0");
  EXPECT_EQ(time_bytes(absl::UnixEpoch()), "80000000000000");
  EXPECT_EQ(time_bytes(absl::UnixEpoch() - absl::Nanoseconds(500)),
            "7fffffffffffff");  // rounded down, toward the past
  EXPECT_EQ(time_bytes(absl::FromUnixMicros(-(int64_t{1} << 55))),
            "00000000000000");
  EXPECT_EQ(time_bytes(absl::FromUnixMicros(-(int64_t{1} << 55)) -
                       absl::Hours(24 * 365)),
            "00000000000000");  // before the range: its first key
  EXPECT_EQ(time_bytes(absl::FromUnixMicros((int64_t{1} << 55) - 1)),
            "ffffffffffffff");
  EXPECT_EQ(time_bytes(absl::FromUnixMicros((int64_t{1} << 55) - 1) +
                       absl::Hours(24 * 365)),
            "ffffffffffffff");  // after the range: its last key
  EXPECT_EQ(absl::FormatTime(absl::FromUnixMicros(-(int64_t{1} << 55)),
                             absl::UTCTimeZone()),
            "828-04-17T00:49:41.036032+00:00");  // absl prints no leading 0
}

TEST(Keys, DecodeMemberRoundTrips) {
  absl::Time t = absl::FromUnixMicros(1795500000123456);
  const std::string player("pl\0yer", 6);  // ids are bytes, NUL included
  for (auto order : {v1::SORT_ORDER_ASCENDING, v1::SORT_ORDER_DESCENDING}) {
    auto board = WithSecondary(order);
    for (std::optional<double> s :
         std::vector<std::optional<double>>{std::nullopt, 0.0, -7.5, 1e300}) {
      auto decoded = DecodeMember(board, EncodeMember(board, player, s, t));
      ASSERT_TRUE(decoded.has_value());
      EXPECT_EQ(decoded->player_id, player);
      EXPECT_EQ(decoded->secondary, s);
      EXPECT_EQ(decoded->reached_at, t);
    }
  }
  auto plain = DecodeMember(Plain(), EncodeMember(Plain(), player, 4.0, t));
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->player_id, player);
  EXPECT_FALSE(plain->secondary.has_value());
  EXPECT_EQ(plain->reached_at, t);
  EXPECT_FALSE(DecodeMember(Plain(), "short").has_value());
}

}  // namespace
}  // namespace keys
}  // namespace statstracker
