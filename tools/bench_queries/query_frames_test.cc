#include "tools/bench_queries/query_frames.h"

#include <string>

#include "gtest/gtest.h"
#include "statstracker/v1/leaderboard.pb.h"

namespace statstracker {
namespace bench {
namespace {

TEST(GrpcFrame, PrefixIsFlagZeroAndBigEndianLength) {
  v1::GetPlayerRankRequest request;
  request.set_game_id("arcade");
  request.set_player_id(std::string(300, 'x'));  // length needs two bytes
  const std::string body = request.SerializeAsString();
  const std::string frame = GrpcFrame(request);
  ASSERT_EQ(frame.size(), body.size() + 5);
  EXPECT_EQ(frame[0], '\0');
  const uint32_t length = (static_cast<uint8_t>(frame[1]) << 24) |
                          (static_cast<uint8_t>(frame[2]) << 16) |
                          (static_cast<uint8_t>(frame[3]) << 8) |
                          static_cast<uint8_t>(frame[4]);
  EXPECT_EQ(length, body.size());
  EXPECT_EQ(frame.substr(5), body);
}

TEST(GrpcFrame, UnframeRoundTrips) {
  v1::ListEntriesRequest request;
  request.set_game_id("arcade");
  request.set_page_size(10);
  auto body = UnframeGrpc(GrpcFrame(request));
  ASSERT_TRUE(body.ok()) << body.status();
  v1::ListEntriesRequest parsed;
  ASSERT_TRUE(parsed.ParseFromString(*body));
  EXPECT_EQ(parsed.page_size(), 10);
}

TEST(GrpcFrame, UnframeRejectsBadFrames) {
  EXPECT_FALSE(UnframeGrpc("").ok());
  EXPECT_FALSE(UnframeGrpc(std::string("\0\0\0", 3)).ok());
  EXPECT_FALSE(UnframeGrpc(std::string("\1\0\0\0\0", 5)).ok());   // compressed
  EXPECT_FALSE(UnframeGrpc(std::string("\0\0\0\0\2x", 6)).ok());  // short
  EXPECT_TRUE(UnframeGrpc(std::string("\0\0\0\0\1x", 6)).ok());
}

TEST(BenchRpcs, NamesMethodsAndRequests) {
  std::vector<BenchRpc> rpcs = BenchRpcs("arcade", "total", "p000000000007");
  ASSERT_EQ(rpcs.size(), 3u);
  EXPECT_EQ(rpcs[0].name, "top10");
  EXPECT_EQ(rpcs[0].method, "/statstracker.v1.LeaderboardService/ListEntries");
  EXPECT_EQ(rpcs[1].method,
            "/statstracker.v1.LeaderboardService/GetPlayerRank");
  EXPECT_EQ(rpcs[2].method,
            "/statstracker.v1.LeaderboardService/ListEntriesAroundPlayer");
  const auto& around =
      dynamic_cast<const v1::ListEntriesAroundPlayerRequest&>(*rpcs[2].request);
  EXPECT_EQ(around.player_id(), "p000000000007");
  EXPECT_EQ(around.radius(), 5);
}

TEST(DescribeAnswer, RejectsWhatTheBenchmarkMustNotTime) {
  std::vector<BenchRpc> rpcs = BenchRpcs("arcade", "total", "p1");
  v1::ListEntriesResponse short_page;
  short_page.add_entries()->set_player_id("p9");
  EXPECT_FALSE(DescribeAnswer(rpcs[0], short_page, "p1").ok());
  v1::ListEntriesResponse page;
  for (int i = 0; i < 10; ++i) page.add_entries()->set_rank(i + 1);
  EXPECT_TRUE(DescribeAnswer(rpcs[0], page, "p1").ok());

  v1::GetPlayerRankResponse other;
  other.mutable_entry()->set_player_id("p2");
  other.mutable_entry()->set_rank(3);
  EXPECT_FALSE(DescribeAnswer(rpcs[1], other, "p1").ok());
  v1::GetPlayerRankResponse own = other;
  own.mutable_entry()->set_player_id("p1");
  EXPECT_TRUE(DescribeAnswer(rpcs[1], own, "p1").ok());

  v1::ListEntriesAroundPlayerResponse around;
  around.add_entries()->set_player_id("p2");
  EXPECT_FALSE(DescribeAnswer(rpcs[2], around, "p1").ok());
  around.add_entries()->set_player_id("p1");
  EXPECT_TRUE(DescribeAnswer(rpcs[2], around, "p1").ok());
}

}  // namespace
}  // namespace bench
}  // namespace statstracker
