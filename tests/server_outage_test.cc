// Redis stopped under a running server: queries fail with UNAVAILABLE and
// health says NOT_SERVING, while the server process stays up; Redis
// restarted: both recover without restarting the server.
#include <signal.h>
#include <sys/wait.h>

#include <string>

#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "statstracker/v1/admin.grpc.pb.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "tests/server_board_seed.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"

namespace statstracker {
namespace {

grpc::Status Count(v1::LeaderboardService::Stub* stub, int64_t* count) {
  v1::CountEntriesRequest req;
  req.set_game_id("arcade");
  req.set_leaderboard_id("high");
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::CountEntriesResponse resp;
  grpc::Status status = stub->CountEntries(&ctx, req, &resp);
  *count = resp.count();
  return status;
}

// Polls `check` every 50 ms for up to 20 s.
template <typename Fn>
bool Eventually(Fn check) {
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline) {
    if (check()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return false;
}

TEST(ServerOutageTest, UnavailableWhileRedisIsDownAndRecoversAfter) {
  testing::StackOptions options;
  options.worker = false;
  options.redis_append_only = true;  // the data survives the restart
  auto stack = testing::StartStack(testing::TestConfig(), options);
  ASSERT_TRUE(stack.ok()) << stack.status();
  testing::Stack& s = **stack;
  {
    auto conn = s.redis->Connect();
    ASSERT_TRUE(conn.ok());
    v1::LeaderboardConfig high = testing::TestBoard("arcade", "high");
    ASSERT_TRUE(testing::SeedEntry(conn->get(), "arcade", high, "all", "alice",
                                   10, std::nullopt, absl::Now())
                    .ok());
  }
  auto stub = v1::LeaderboardService::NewStub(s.channel);
  int64_t count = 0;
  ASSERT_TRUE(Count(stub.get(), &count).ok());
  EXPECT_EQ(count, 1);
  auto health = testing::HealthCheck(s.channel.get(), "");
  ASSERT_TRUE(health.ok()) << health.status();
  EXPECT_EQ(*health, 1);

  s.redis->Stop();
  EXPECT_TRUE(Eventually([&] {
    return Count(stub.get(), &count).error_code() ==
           grpc::StatusCode::UNAVAILABLE;
  }));
  EXPECT_TRUE(Eventually([&] {
    auto h = testing::HealthCheck(s.channel.get(),
                                  "statstracker.v1.LeaderboardService");
    return h.ok() && *h == 2;  // NOT_SERVING
  }));
  // Admin writes fail the same way.
  auto admin = v1::AdminService::NewStub(s.channel);
  v1::ErasePlayerRequest erase;
  erase.set_game_id("arcade");
  erase.set_player_id("alice");
  v1::ErasePlayerResponse erase_resp;
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization",
                  std::string("Bearer ") + testing::kTestApiKey);
  EXPECT_EQ(admin->ErasePlayer(&ctx, erase, &erase_resp).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // The server process is still running.
  EXPECT_EQ(kill(s.server->pid(), 0), 0);

  ASSERT_TRUE(s.redis->Restart().ok());
  EXPECT_TRUE(Eventually([&] {
    auto h = testing::HealthCheck(s.channel.get(), "");
    return h.ok() && *h == 1;
  }));
  EXPECT_TRUE(Eventually([&] { return Count(stub.get(), &count).ok(); }));
  EXPECT_EQ(count, 1);
  // SIGTERM: a clean exit.
  int status = s.server->Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace statstracker
