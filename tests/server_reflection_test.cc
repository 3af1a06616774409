// Server reflection through `buf curl` (the CLI engineers use): listing the
// services and calling a query RPC by name, with JSON in and out.
#include <stdio.h>
#include <stdlib.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server_board_seed.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"

namespace statstracker {
namespace {

using ::testing::HasSubstr;

// Runs a shell command; its stdout+stderr and exit code.
std::pair<std::string, int> RunShell(const std::string &command) {
  FILE *pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {"popen failed", -1};
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  int rc = pclose(pipe);
  return {out, rc};
}

TEST(ServerReflectionTest, BufCurlListsServicesAndCallsAQuery) {
  auto buf = testing::FindOnPath("buf");
  if (!buf.ok()) {
    GTEST_FAIL() << "buf is not installed: npm install -g @bufbuild/buf "
                    "(tools/install_deps.sh does)";
  }
  testing::StackOptions options;
  options.worker = false;
  auto stack = testing::StartStack(testing::TestConfig(), options);
  ASSERT_TRUE(stack.ok()) << stack.status();
  {
    auto conn = (*stack)->redis->Connect();
    ASSERT_TRUE(conn.ok());
    v1::LeaderboardConfig high = testing::TestBoard("arcade", "high");
    for (auto [player, score] :
         {std::pair<const char *, double>{"alice", 500}, {"bob", 700}}) {
      ASSERT_TRUE(testing::SeedEntry(conn->get(), "arcade", high, "all", player,
                                     score, std::nullopt,
                                     absl::FromUnixSeconds(1795500000))
                      .ok());
    }
  }
  // buf keeps a cache under $HOME; give it a writable one.
  const char *tmp = getenv("TEST_TMPDIR");
  std::string env = absl::StrCat("HOME=", tmp != nullptr ? tmp : "/tmp", " ");
  std::string base = absl::StrCat(env, *buf,
                                  " curl --protocol grpc "
                                  "--http2-prior-knowledge ");
  std::string url = absl::StrCat("http://", (*stack)->grpc_address);

  auto [list, list_rc] = RunShell(absl::StrCat(base, "--list-services ", url));
  ASSERT_EQ(list_rc, 0) << list;
  EXPECT_THAT(list, HasSubstr("statstracker.v1.LeaderboardService"));
  EXPECT_THAT(list, HasSubstr("statstracker.v1.PlayerStatsService"));
  EXPECT_THAT(list, HasSubstr("statstracker.v1.AdminService"));

  auto [call, call_rc] = RunShell(absl::StrCat(
      base,
      "-d '{\"gameId\":\"arcade\",\"leaderboardId\":\"high\",\"pageSize\":1}' ",
      url, "/statstracker.v1.LeaderboardService/ListEntries"));
  ASSERT_EQ(call_rc, 0) << call;
  EXPECT_THAT(call, HasSubstr("\"playerId\": \"bob\""));
  EXPECT_THAT(call, HasSubstr("\"rank\": \"1\""));  // int64 as a JSON string
  EXPECT_THAT(call, HasSubstr("\"score\": 700"));
  EXPECT_THAT(call, HasSubstr("nextPageToken"));
  EXPECT_THAT(call, ::testing::Not(HasSubstr("alice")));

  auto [bad, bad_rc] = RunShell(absl::StrCat(
      base, "-d '{\"gameId\":\"nope\",\"leaderboardId\":\"high\"}' ", url,
      "/statstracker.v1.LeaderboardService/CountEntries"));
  EXPECT_NE(bad_rc, 0);
  EXPECT_THAT(bad, HasSubstr("not_found"));
}

}  // namespace
}  // namespace statstracker
