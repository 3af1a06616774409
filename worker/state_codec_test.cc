#include "worker/state_codec.h"

#include <cmath>

#include "gtest/gtest.h"

namespace statstracker {
namespace worker {
namespace {

TEST(StateCodecTest, ScoreOnly) {
  ScorerState state;
  state.score = 1516.25;
  EXPECT_EQ(EncodeScorerState(state), "1516.25");
  auto back = DecodeScorerState("1516.25");
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->score, 1516.25);
  EXPECT_TRUE(back->aux.empty());
}

TEST(StateCodecTest, AuxSortedAndRoundTripsExactly) {
  ScorerState state;
  state.score = 1500.0 + 1.0 / 3.0;
  state.aux["volatility"] = 0.06;
  state.aux["deviation"] = 350.0 / 7.0;
  std::string text = EncodeScorerState(state);
  EXPECT_EQ(text.find("deviation"), text.find(';') + 1);  // sorted names
  auto back = DecodeScorerState(text);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(SameScorerState(*back, state));
  EXPECT_EQ(back->aux.at("deviation"), 350.0 / 7.0);
}

TEST(StateCodecTest, NegativeZeroIsZero) {
  ScorerState state;
  state.score = -0.0;
  EXPECT_EQ(EncodeScorerState(state), "0");
}

TEST(StateCodecTest, RejectsMalformed) {
  EXPECT_FALSE(DecodeScorerState("").ok());
  EXPECT_FALSE(DecodeScorerState("abc").ok());
  EXPECT_FALSE(DecodeScorerState("1;x").ok());
  EXPECT_FALSE(DecodeScorerState("1;=2").ok());
  auto status = DecodeScorerState("1;x=y").status();
  EXPECT_NE(status.message().find("1;x=y"), std::string::npos);
}

TEST(StateCodecTest, SameScorerStateComparesAux) {
  ScorerState a, b;
  a.score = b.score = 3;
  EXPECT_TRUE(SameScorerState(a, b));
  b.aux["d"] = 1;
  EXPECT_FALSE(SameScorerState(a, b));
}

TEST(StateCodecTest, StatValues) {
  v1::StatValue i;
  i.set_int_value(-42);
  EXPECT_EQ(FormatStatValue(i), "-42");
  v1::StatValue d;
  d.set_double_value(0.1);
  EXPECT_EQ(FormatStatValue(d), "0.10000000000000001");
  auto parsed = ParseStatValue("0.10000000000000001", StatSpec::Type::kDouble);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->double_value(), 0.1);
  parsed = ParseStatValue("7", StatSpec::Type::kInt);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->int_value(), 7);
  EXPECT_FALSE(ParseStatValue("x", StatSpec::Type::kInt).ok());
  EXPECT_EQ(FormatStatValue(v1::StatValue()), "");
}

}  // namespace
}  // namespace worker
}  // namespace statstracker
