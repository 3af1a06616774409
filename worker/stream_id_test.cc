#include "gtest/gtest.h"
#include "worker/stream_entry.h"

namespace statstracker {
namespace worker {
namespace {

TEST(StreamIdTest, ParsesAndPrints) {
  auto id = StreamId::Parse("1700000000123-7");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->ms, 1700000000123u);
  EXPECT_EQ(id->seq, 7u);
  EXPECT_EQ(id->ToString(), "1700000000123-7");
  auto bare = StreamId::Parse("42");
  ASSERT_TRUE(bare.has_value());
  EXPECT_EQ(bare->ToString(), "42-0");
}

TEST(StreamIdTest, RejectsMalformed) {
  EXPECT_FALSE(StreamId::Parse("").has_value());
  EXPECT_FALSE(StreamId::Parse("abc").has_value());
  EXPECT_FALSE(StreamId::Parse("1-x").has_value());
  EXPECT_FALSE(StreamId::Parse("-1").has_value());
}

TEST(StreamIdTest, OrdersNumericallyNotAsText) {
  // As text "9-0" > "10-0"; Redis orders by number.
  EXPECT_LT(*StreamId::Parse("9-0"), *StreamId::Parse("10-0"));
  EXPECT_LT(*StreamId::Parse("10-2"), *StreamId::Parse("10-10"));
  EXPECT_FALSE(*StreamId::Parse("10-10") < *StreamId::Parse("10-10"));
  EXPECT_TRUE(*StreamId::Parse("10-10") <= *StreamId::Parse("10-10"));
  EXPECT_EQ(*StreamId::Parse("5-1"), *StreamId::Parse("5-1"));
}

}  // namespace
}  // namespace worker
}  // namespace statstracker
