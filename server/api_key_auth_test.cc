#include "server/api_key_auth.h"

#include "gtest/gtest.h"

namespace statstracker {
namespace server {
namespace {

TEST(ConstantTimeEqualsTest, ComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("0123456789abcdef", "0123456789abcdef"));
  EXPECT_FALSE(ConstantTimeEquals("0123456789abcdef", "0123456789abcdeX"));
  EXPECT_FALSE(ConstantTimeEquals("0123456789abcdef", "0123456789abcde"));
  EXPECT_FALSE(ConstantTimeEquals("0123456789abcdef", "0123456789abcdef0"));
  EXPECT_FALSE(ConstantTimeEquals("abc", ""));
  EXPECT_FALSE(ConstantTimeEquals("", "abc"));
  // A key that repeats the stored one must not match by wrap-around.
  EXPECT_FALSE(ConstantTimeEquals("abab", "abababab"));
}

TEST(ApiKeyAuthTest, MapsHeadersToCodes) {
  ApiKeyAuth auth({"first-key-0123456789", "second-key-0123456789"});
  EXPECT_TRUE(absl::IsUnauthenticated(auth.CheckHeader(std::nullopt)));
  EXPECT_TRUE(absl::IsUnauthenticated(auth.CheckHeader("")));
  EXPECT_TRUE(absl::IsUnauthenticated(auth.CheckHeader("Bearer ")));
  EXPECT_TRUE(
      absl::IsUnauthenticated(auth.CheckHeader("Basic first-key-0123456789")));
  EXPECT_TRUE(absl::IsPermissionDenied(auth.CheckHeader("Bearer nope")));
  EXPECT_TRUE(auth.CheckHeader("Bearer first-key-0123456789").ok());
  EXPECT_TRUE(auth.CheckHeader("bearer second-key-0123456789").ok());
}

TEST(ApiKeyAuthTest, NoConfiguredKeysDeniesEveryKey) {
  ApiKeyAuth auth({});
  EXPECT_TRUE(absl::IsPermissionDenied(auth.CheckHeader("Bearer anything")));
}

}  // namespace
}  // namespace server
}  // namespace statstracker
