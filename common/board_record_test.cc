#include "common/board_record.h"

#include "gtest/gtest.h"

namespace statstracker {
namespace {

TEST(BoardRecord, PrefixOnlyWhenTheScorerKeepsNoAux) {
  auto record = EncodeBoardRecord("1234567", {}, {});
  ASSERT_TRUE(record.ok()) << record.status();
  EXPECT_EQ(*record, "1234567");
  auto decoded = DecodeBoardRecord(*record, 7, {});
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->member_prefix, "1234567");
  EXPECT_TRUE(decoded->aux.empty());
}

TEST(BoardRecord, AuxValuesPositionallyWithAMask) {
  std::vector<std::string> names = {"deviation", "volatility", "last"};
  auto record = EncodeBoardRecord("PPPPPPP", names,
                                  {{"deviation", 151.5165}, {"last", -2}});
  ASSERT_TRUE(record.ok()) << record.status();
  // prefix, mask 0b101, two doubles.
  ASSERT_EQ(record->size(), 7u + 1 + 16);
  EXPECT_EQ(static_cast<uint8_t>((*record)[7]), 0b101);
  // 151.5165 big-endian starts with 0x40 0x62 (exponent of 128..256).
  EXPECT_EQ(static_cast<uint8_t>((*record)[8]), 0x40);
  EXPECT_EQ(static_cast<uint8_t>((*record)[9]), 0x62);
  auto decoded = DecodeBoardRecord(*record, 7, names);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->member_prefix, "PPPPPPP");
  ASSERT_EQ(decoded->aux.size(), 2u);
  EXPECT_EQ(decoded->aux.at("deviation"), 151.5165);
  EXPECT_EQ(decoded->aux.at("last"), -2);
}

TEST(BoardRecord, RejectsAuxOutsideTheDeclaredNames) {
  auto record = EncodeBoardRecord("P", {"mu"}, {{"sigma", 1}});
  ASSERT_FALSE(record.ok());
  EXPECT_NE(record.status().message().find("'sigma'"), std::string::npos);
  EXPECT_FALSE(EncodeBoardRecord("P", {}, {{"mu", 1}}).ok());
}

TEST(BoardRecord, MalformedRecordsAreErrorsNotCrashes) {
  std::vector<std::string> names = {"a", "b"};
  EXPECT_FALSE(DecodeBoardRecord("short", 7, names).ok());
  EXPECT_FALSE(DecodeBoardRecord("1234567", 7, names).ok());  // no mask
  EXPECT_FALSE(DecodeBoardRecord(std::string("1234567\x01", 8) + "abc", 7,
                                 names)
                   .ok());  // truncated value
  EXPECT_FALSE(
      DecodeBoardRecord(std::string("1234567\x04", 8) + "12345678", 7, names)
          .ok());  // mask bit beyond the names
  EXPECT_FALSE(DecodeBoardRecord("12345678", 7, {}).ok());  // trailing byte
}

}  // namespace
}  // namespace statstracker
