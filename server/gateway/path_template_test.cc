#include "server/gateway/path_template.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace gateway {
namespace {

using ::testing::ElementsAre;
using ::testing::Pair;

PathTemplate P(const char* text) {
  auto t = PathTemplate::Parse(text);
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

TEST(PathTemplateTest, VariablesLiteralsAndVerbs) {
  PathTemplate t = P("/v1/games/{game_id}/leaderboards/{leaderboard_id}:reset");
  EXPECT_EQ(t.verb(), "reset");
  PathTemplate::Bindings b;
  ASSERT_TRUE(t.Match("/v1/games/chess/leaderboards/elo:reset", &b));
  EXPECT_THAT(
      b, ElementsAre(Pair("game_id", "chess"), Pair("leaderboard_id", "elo")));
  EXPECT_FALSE(t.Match("/v1/games/chess/leaderboards/elo", &b));
  EXPECT_FALSE(t.Match("/v1/games/chess/leaderboards/elo:other", &b));
  EXPECT_EQ(t.OpenApiPath(),
            "/v1/games/{game_id}/leaderboards/{leaderboard_id}:reset");
}

TEST(PathTemplateTest, DecodesValuesAndNestedFields) {
  PathTemplate t = P("/v1/echo/{nested.name}/nested/{nested.count}");
  PathTemplate::Bindings b;
  ASSERT_TRUE(t.Match("/v1/echo/a%20b%2Fc/nested/7", &b));
  EXPECT_THAT(
      b, ElementsAre(Pair("nested.name", "a b/c"), Pair("nested.count", "7")));
  EXPECT_FALSE(t.Match("/v1/echo//nested/7", &b));
}

TEST(PathTemplateTest, MultiSegmentVariables) {
  PathTemplate t = P("/v1/files/{path=**}");
  PathTemplate::Bindings b;
  ASSERT_TRUE(t.Match("/v1/files/a/b/c.txt", &b));
  EXPECT_THAT(b, ElementsAre(Pair("path", "a/b/c.txt")));
  EXPECT_EQ(t.OpenApiPath(), "/v1/files/{path}");
  PathTemplate shelves = P("/v1/{name=shelves/*/books/*}");
  ASSERT_TRUE(shelves.Match("/v1/shelves/s1/books/b2", &b));
  EXPECT_THAT(b, ElementsAre(Pair("name", "shelves/s1/books/b2")));
  EXPECT_FALSE(shelves.Match("/v1/shelves/s1/cds/b2", &b));
}

TEST(PathTemplateTest, RejectsMalformedTemplates) {
  EXPECT_FALSE(PathTemplate::Parse("v1/x").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/{x").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1//x").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/{}").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/x:").ok());
  // `**` only last (google.api.http), which keeps matching linear.
  EXPECT_FALSE(PathTemplate::Parse("/v1/**/x").ok());
  EXPECT_FALSE(PathTemplate::Parse("/v1/{a=**}/{b=**}").ok());
  EXPECT_TRUE(PathTemplate::Parse("/v1/x/{a=**}:verb").ok());
}

// Found by path_template_fuzzer: a path of many segments against a template
// with several `**` took exponential time. Such templates are refused now;
// one trailing `**` matches a long path at once.
TEST(PathTemplateTest, LongPathsMatchQuickly) {
  PathTemplate t = P("/v1/files/{path=**}");
  std::string path = "/v1/files";
  for (int i = 0; i < 5000; ++i) path += "/s";
  PathTemplate::Bindings bindings;
  EXPECT_TRUE(t.Match(path, &bindings));
  EXPECT_FALSE(P("/v1/{a}/x").Match(path, nullptr));
}

TEST(PathTemplateTest, LiteralsAreMoreSpecificThanVariables) {
  EXPECT_TRUE(P("/v1/echo/literal").MoreSpecificThan(P("/v1/echo/{id}")));
  EXPECT_FALSE(P("/v1/echo/{id}").MoreSpecificThan(P("/v1/echo/literal")));
  EXPECT_TRUE(P("/v1/echo/{id}:shout").MoreSpecificThan(P("/v1/echo/{id}")));
  EXPECT_TRUE(P("/v1/x/{a}").MoreSpecificThan(P("/v1/x/{a=**}")));
}

}  // namespace
}  // namespace gateway
}  // namespace statstracker
