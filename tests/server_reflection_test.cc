// Server reflection through `buf curl` (the CLI engineers use): listing the
// services and every method of each (both reflection protocols, v1 and
// v1alpha), calling a query RPC and grpc.health.v1.Health/Check by name with
// nothing but what reflection serves, with JSON in and out.
#include <stdio.h>
#include <stdlib.h>

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "grpc/health/v1/health.pb.h"
#include "gtest/gtest.h"
#include "statstracker/v1/admin.pb.h"
#include "statstracker/v1/leaderboard.pb.h"
#include "statstracker/v1/stats.pb.h"
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

// "pkg.Service/Method" for every method of the services the server lists,
// from this test's own generated descriptors (not from the server).
std::set<std::string> ExpectedMethods() {
  v1::ListEntriesRequest::descriptor();
  v1::GetPlayerStatsRequest::descriptor();
  v1::PublishEventsRequest::descriptor();
  grpc::health::v1::HealthCheckRequest::descriptor();
  std::set<std::string> methods;
  for (const char *name :
       {"statstracker.v1.LeaderboardService",
        "statstracker.v1.PlayerStatsService", "statstracker.v1.AdminService",
        "grpc.health.v1.Health"}) {
    const auto *service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name);
    EXPECT_NE(service, nullptr) << name;
    if (service == nullptr) continue;
    for (int i = 0; i < service->method_count(); ++i) {
      methods.insert(absl::StrCat(name, "/", service->method(i)->name()));
    }
  }
  methods.insert("grpc.reflection.v1.ServerReflection/ServerReflectionInfo");
  methods.insert(
      "grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo");
  return methods;
}

std::set<std::string> Lines(const std::string &text) {
  std::set<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    lines.insert(std::string(line));
  }
  return lines;
}

// buf curl with a writable cache ($HOME), plaintext HTTP/2 and reflection.
std::string BufCurl(const std::string &buf) {
  const char *tmp = getenv("TEST_TMPDIR");
  return absl::StrCat("HOME=", tmp != nullptr ? tmp : "/tmp", " ", buf,
                      " curl --protocol grpc --http2-prior-knowledge ");
}

// Every service the server lists is fully describable through reflection,
// with either protocol: `buf curl --list-methods` resolves each service's
// file and its imports (it failed on grpc.health.v1.Health before its
// descriptors were linked in), and Health/Check works from reflection alone.
TEST(ServerReflectionTest, EveryServiceAndMethodThroughBothProtocols) {
  auto buf = testing::FindOnPath("buf");
  ASSERT_TRUE(buf.ok()) << "buf is not installed: npm install -g "
                           "@bufbuild/buf (tools/install_deps.sh does)";
  testing::StackOptions options;
  options.worker = false;
  auto stack = testing::StartStack(testing::TestConfig(), options);
  ASSERT_TRUE(stack.ok()) << stack.status();
  const std::string url = absl::StrCat("http://", (*stack)->grpc_address);
  const std::set<std::string> expected = ExpectedMethods();
  ASSERT_EQ(expected.size(), 17u);  // 8 + 2 + 3 + 2 + 2

  for (const char *protocol : {"grpc-v1", "grpc-v1alpha"}) {
    std::string base =
        absl::StrCat(BufCurl(*buf), "--reflect-protocol ", protocol, " ");
    auto [methods, rc] = RunShell(absl::StrCat(base, "--list-methods ", url));
    ASSERT_EQ(rc, 0) << protocol << ": " << methods;
    EXPECT_EQ(Lines(methods), expected) << protocol;

    auto [services, services_rc] =
        RunShell(absl::StrCat(base, "--list-services ", url));
    ASSERT_EQ(services_rc, 0) << services;
    EXPECT_EQ(Lines(services).size(), 6u) << protocol << ": " << services;

    // Health through reflection alone: buf knows no schema of its own.
    auto [health, health_rc] = RunShell(
        absl::StrCat(base, "-d '{}' ", url, "/grpc.health.v1.Health/Check"));
    ASSERT_EQ(health_rc, 0) << protocol << ": " << health;
    EXPECT_THAT(health, HasSubstr("\"status\": \"SERVING\""));
    auto [unknown, unknown_rc] =
        RunShell(absl::StrCat(base, "-d '{\"service\":\"nope\"}' ", url,
                              "/grpc.health.v1.Health/Check"));
    EXPECT_NE(unknown_rc, 0);
    EXPECT_THAT(unknown, HasSubstr("not_found"));
  }
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
