#include "server/page_token.h"

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace server {
namespace {

using ::testing::HasSubstr;

std::string Member(const std::string& player) {
  return std::string(16, '\x01') + player;
}

TEST(PageTokenTest, RoundTripsScoreAndMember) {
  PageCursor cursor{-1234.5, Member("alice")};
  std::string token = EncodePageToken(cursor, "g/b/all");
  auto decoded = DecodePageToken(token, "g/b/all");
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->stored_score, -1234.5);
  EXPECT_EQ(decoded->member, cursor.member);
  // URL-safe: usable as a query parameter without escaping.
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos);
}

TEST(PageTokenTest, RejectsGarbageNamingTheField) {
  for (const std::string& bad :
       {std::string("!!!"), std::string("abc"),
        absl::WebSafeBase64Escape(std::string(40, '\x07'))}) {
    auto decoded = DecodePageToken(bad, "g/b/all");
    ASSERT_FALSE(decoded.ok()) << bad;
    EXPECT_TRUE(absl::IsInvalidArgument(decoded.status()));
    EXPECT_THAT(decoded.status().message(), HasSubstr("page_token"));
  }
}

TEST(PageTokenTest, RejectsTokenOfAnotherBoard) {
  std::string token = EncodePageToken({1, Member("bob")}, "g/b/2026-11-24");
  auto decoded = DecodePageToken(token, "g/b/2026-11-25");
  ASSERT_FALSE(decoded.ok());
  EXPECT_THAT(decoded.status().message(), HasSubstr("another leaderboard"));
}

}  // namespace
}  // namespace server
}  // namespace statstracker
