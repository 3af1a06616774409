// The `stats` CLI against a real stack (redis-server, worker, server):
// publishing through AdminService.PublishEvents with the API key, then every
// query command in table and JSON form on worker-written data.

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"
#include "tests/tools_e2e_common.h"

namespace statstracker {
namespace {

using testing::CommandResult;
using testing::RunCommand;

class ToolsEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveBinary("worker/worker")) {
      GTEST_FAIL() << "worker/worker not in the runfiles (data = //worker)";
    }
    auto stack = testing::StartStack(testing::TestConfig());
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    flags_ = absl::StrCat(" --server=", stack_->grpc_address,
                          " --redis_port=", stack_->redis->port());
  }

  CommandResult Cli(const std::string &args) {
    return RunCommand("tools/cli/stats " + args + flags_);
  }

  // Waits until the board counts `n` players (the worker is asynchronous).
  void WaitForCount(const std::string &game, const std::string &board, int n) {
    for (int i = 0; i < 300; ++i) {
      CommandResult r =
          Cli(absl::StrCat("count ", game, " ", board, " --json"));
      if (r.output.find(absl::StrCat("\"count\":\"", n, "\"")) !=
          std::string::npos) {
        return;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    FAIL() << game << "/" << board << " never reached " << n << " players";
  }

  std::unique_ptr<testing::Stack> stack_;
  std::string flags_;
};

TEST_F(ToolsEndToEndTest, PublishThroughServerThenQueryEveryWay) {
  std::string file = ::testing::TempDir() + "/events.jsonl";
  std::ofstream(file) << testing::DemoEventsJson(20);

  CommandResult denied = Cli("publish " + file);  // no --api_key
  EXPECT_NE(denied.exit_code, 0) << denied.output;
  EXPECT_NE(denied.output.find("PublishEvents"), std::string::npos);

  CommandResult pub =
      Cli(absl::StrCat("publish ", file, " --api_key=", testing::kTestApiKey));
  ASSERT_EQ(pub.exit_code, 0) << pub.output;
  EXPECT_NE(pub.output.find("published 30 events"), std::string::npos)
      << pub.output;
  WaitForCount("arcade", "high", 20);
  WaitForCount("duel", "elo", 20);

  CommandResult top = Cli("top arcade high --limit 3");
  ASSERT_EQ(top.exit_code, 0) << top.output;
  EXPECT_NE(top.output.find("RANK"), std::string::npos) << top.output;
  size_t first = top.output.find("player-19");
  size_t second = top.output.find("player-18");
  ASSERT_NE(first, std::string::npos) << top.output;
  ASSERT_NE(second, std::string::npos) << top.output;
  EXPECT_LT(first, second);
  EXPECT_NE(top.output.find("2000"), std::string::npos);
  EXPECT_NE(top.output.find("next page: --page_token="), std::string::npos);

  CommandResult rank = Cli("rank arcade high player-10 --json");
  ASSERT_EQ(rank.exit_code, 0) << rank.output;
  EXPECT_NE(rank.output.find("\"rank\":\"10\""), std::string::npos)
      << rank.output;

  CommandResult around = Cli("around arcade high player-10 --radius 1");
  ASSERT_EQ(around.exit_code, 0) << around.output;
  EXPECT_NE(around.output.find("> player-10"), std::string::npos)
      << around.output;
  EXPECT_NE(around.output.find("player-11"), std::string::npos);
  EXPECT_NE(around.output.find("player-09"), std::string::npos);
  EXPECT_EQ(around.output.find("player-12"), std::string::npos);

  CommandResult friends = Cli("friends arcade high player-01,player-05,nobody");
  ASSERT_EQ(friends.exit_code, 0) << friends.output;
  EXPECT_NE(friends.output.find("player-05"), std::string::npos);
  EXPECT_NE(friends.output.find("not ranked: nobody"), std::string::npos)
      << friends.output;

  CommandResult boards = Cli("boards duel");
  ASSERT_EQ(boards.exit_code, 0) << boards.output;
  EXPECT_NE(boards.output.find("elo"), std::string::npos) << boards.output;
  EXPECT_NE(boards.output.find("win_count"), std::string::npos);
  // --json prints every board, plugin parameters (an Any) included.
  CommandResult boards_json = Cli("boards arcade --json");
  ASSERT_EQ(boards_json.exit_code, 0) << boards_json.output;
  for (const char *part :
       {"\"leaderboardId\":\"high\"", "\"leaderboardId\":\"laps\"",
        "\"@type\":\"type.googleapis.com/"
        "statstracker.v1.CumulativePointsParams\"",
        "\"addScore\":true"}) {
    EXPECT_NE(boards_json.output.find(part), std::string::npos)
        << part << " not in " << boards_json.output;
  }

  CommandResult stats = Cli("stats duel player-01 player-00");
  CommandResult one = Cli("stats duel player-01 --json");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  EXPECT_NE(one.output.find("\"matches\""), std::string::npos) << one.output;
  ASSERT_EQ(stats.exit_code, 0) << stats.output;
  EXPECT_NE(stats.output.find("matches"), std::string::npos) << stats.output;
  EXPECT_NE(stats.output.find("wins"), std::string::npos);

  CommandResult unknown = Cli("top nosuchgame high");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.output.find("nosuchgame"), std::string::npos)
      << unknown.output;

  CommandResult lag = Cli("lag --json");
  ASSERT_EQ(lag.exit_code, 0) << lag.output;
  EXPECT_NE(lag.output.find("\"pending\":0"), std::string::npos) << lag.output;
}

}  // namespace
}  // namespace statstracker
