// The live leaderboard page (server/web/) in headless Chromium against a real
// stack: events published, the page loaded through the gateway, the DOM
// dumped after a virtual time budget and the entries asserted; a screenshot
// is saved to the test's undeclared outputs (bazel-testlogs/.../outputs).

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"
#include "tests/tools_e2e_common.h"

namespace statstracker {
namespace {

using testing::RunCommand;

TEST(PageTest, ShowsTopEntriesAndNeighbourhoodInChromium) {
  auto chromium = testing::FindOnPath("chromium");
  if (!chromium.ok())
    GTEST_FAIL() << "chromium not installed: apt-get install chromium "
                    "(tools/install_deps.sh does)";
  if (!testing::HaveBinary("worker/worker")) {
    GTEST_FAIL() << "worker/worker not in the runfiles (data = //worker)";
  }
  auto stack = testing::StartStack(testing::TestConfig());
  ASSERT_TRUE(stack.ok()) << stack.status();
  const std::string grpc = (*stack)->grpc_address;
  const std::string http =
      testing::ReadyField((*stack)->server->ready_line(), "http");
  std::string file = ::testing::TempDir() + "/events.jsonl";
  std::ofstream(file) << testing::DemoEventsJson(30);
  auto pub = RunCommand(absl::StrCat("tools/cli/stats publish ", file,
                                     " --server=", grpc,
                                     " --api_key=", testing::kTestApiKey));
  ASSERT_EQ(pub.exit_code, 0) << pub.output;
  bool ready = false;
  for (int i = 0; i < 300 && !ready; ++i) {
    auto count = RunCommand(absl::StrCat(
        "tools/cli/stats count arcade high --json --server=", grpc));
    ready = count.output.find("\"count\":\"30\"") != std::string::npos;
    if (!ready) absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(ready) << "the worker did not apply the events";

  const char *outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  std::string out_dir = outputs ? outputs : ::testing::TempDir();
  std::string url = absl::StrCat("http://", http,
                                 "/?game=arcade&board=high&player=player-10");
  std::string common = absl::StrCat(
      *chromium,
      " --headless --no-sandbox --disable-gpu --disable-dev-shm-usage"
      " --no-first-run --user-data-dir=",
      ::testing::TempDir(), "/chromium-profile",
      " --virtual-time-budget=5000 --window-size=412,1200 ");
  auto dom = RunCommand(common + "--dump-dom '" + url + "'",
                        /*merge_stderr=*/false);
  ASSERT_EQ(dom.exit_code, 0) << dom.output;
  // Top-20 table: best first, player-29 with 3000.
  size_t top = dom.output.find("id=\"top-table\"");
  ASSERT_NE(top, std::string::npos) << dom.output;
  size_t best = dom.output.find("data-player=\"player-29\"", top);
  size_t next = dom.output.find("data-player=\"player-28\"", top);
  ASSERT_NE(best, std::string::npos) << dom.output;
  ASSERT_NE(next, std::string::npos) << dom.output;
  EXPECT_LT(best, next);
  EXPECT_NE(dom.output.find("3,000"), std::string::npos);
  EXPECT_NE(dom.output.find(">30</span> ranked players"), std::string::npos)
      << dom.output;
  // The neighbourhood of player-10 (rank 20), highlighted.
  size_t around = dom.output.find("id=\"around-table\"");
  ASSERT_NE(around, std::string::npos);
  EXPECT_NE(dom.output.find("data-player=\"player-10\" class=\"me", top),
            std::string::npos)
      << dom.output;
  EXPECT_NE(dom.output.find("data-player=\"player-11\"", around),
            std::string::npos);
  EXPECT_NE(dom.output.find("data-state=\"live\""), std::string::npos)
      << dom.output;

  std::string shot = out_dir + "/page.png";
  auto screenshot =
      RunCommand(common + "--screenshot=" + shot + " '" + url + "'");
  ASSERT_EQ(screenshot.exit_code, 0) << screenshot.output;
  std::ifstream png(shot, std::ios::binary);
  ASSERT_TRUE(png.good()) << "no screenshot at " << shot;
  std::string magic(8, '\0');
  png.read(&magic[0], 8);
  EXPECT_EQ(magic.substr(1, 3), "PNG");
}

}  // namespace
}  // namespace statstracker
