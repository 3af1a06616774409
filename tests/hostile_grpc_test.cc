// Hostile input on the gRPC surface of a real server process (issue 15):
// raw request bytes no stub would send (strings that are not UTF-8,
// truncated messages, garbage), 10 KB ids, an overflowing cumulative score,
// and Redis going away. Each answer must be a client error or a bounded
// refusal - never INTERNAL / UNKNOWN, never a message that leaks the Redis
// address or outgrows the metadata limit - and the server must stay up.
#include <future>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/redis_client.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "statstracker/v1/admin.grpc.pb.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "statstracker/v1/stats.grpc.pb.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"

namespace statstracker {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A serialized message with one length-delimited field appended by hand
// (protobuf will not serialize a string that is not UTF-8 silently).
std::string WithRawField(std::string prefix, int field,
                         const std::string& raw) {
  prefix.push_back(static_cast<char>((field << 3) | 2));
  prefix.push_back(static_cast<char>(raw.size()));
  return prefix + raw;
}

// The BadRequest field of a status's details, "" without one.
std::string ViolatedField(const grpc::Status& status) {
  google::rpc::Status rpc;
  if (!rpc.ParseFromString(status.error_details())) return "";
  for (const auto& detail : rpc.details()) {
    google::rpc::BadRequest bad;
    if (detail.UnpackTo(&bad) && bad.field_violations_size() > 0) {
      return bad.field_violations(0).field();
    }
  }
  return "";
}

bool IsServerFault(grpc::StatusCode code) {
  return code == grpc::StatusCode::INTERNAL ||
         code == grpc::StatusCode::UNKNOWN ||
         code == grpc::StatusCode::DATA_LOSS;
}

class HostileGrpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::HaveBinary("worker/worker"));
    auto stack = testing::StartStack(testing::TestConfig());
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    generic_ = std::make_unique<grpc::GenericStub>(stack_->channel);
    boards_ = v1::LeaderboardService::NewStub(stack_->channel);
    admin_ = v1::AdminService::NewStub(stack_->channel);
  }

  // Calls `method` ("/pkg.Service/Method") with `bytes` as the request.
  grpc::Status Raw(const std::string& method, const std::string& bytes,
                   bool admin = false) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    if (admin) {
      context.AddMetadata("authorization",
                          absl::StrCat("Bearer ", testing::kTestApiKey));
    }
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    generic_->UnaryCall(&context, method, grpc::StubOptions(), &request,
                        &response,
                        [&done](const grpc::Status& s) { done.set_value(s); });
    return done.get_future().get();
  }

  // The server answers a good query (it is alive and serving).
  void ExpectAlive() {
    grpc::ClientContext context;
    v1::ListLeaderboardsRequest request;
    request.set_game_id("arcade");
    v1::ListLeaderboardsResponse response;
    grpc::Status status =
        boards_->ListLeaderboards(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  std::unique_ptr<testing::Stack> stack_;
  std::unique_ptr<grpc::GenericStub> generic_;
  std::unique_ptr<v1::LeaderboardService::Stub> boards_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

TEST_F(HostileGrpcTest, InvalidUtf8IsInvalidArgumentNamingTheField) {
  v1::GetPlayerRankRequest rank;
  rank.set_game_id("arcade");
  rank.set_leaderboard_id("high");
  grpc::Status status =
      Raw("/statstracker.v1.LeaderboardService/GetPlayerRank",
          WithRawField(rank.SerializeAsString(), 3, "\xff\xfe"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("player_id: "));
  EXPECT_THAT(status.error_message(), HasSubstr("not valid UTF-8"));
  EXPECT_EQ(ViolatedField(status), "player_id");

  v1::ListEntriesForPlayersRequest friends;
  friends.set_game_id("arcade");
  friends.set_leaderboard_id("high");
  friends.add_player_ids("ann");
  status = Raw("/statstracker.v1.LeaderboardService/ListEntriesForPlayers",
               WithRawField(friends.SerializeAsString(), 3, "\xc0\xaf"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(status), "player_ids[1]");

  // Nested: events[0].score_submitted.player_id, behind the API key.
  std::string score = WithRawField("", 1, "\xff");
  std::string event = WithRawField("", 11, score);
  status = Raw("/statstracker.v1.AdminService/PublishEvents",
               WithRawField("", 1, event), /*admin=*/true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(status), "events[0].score_submitted.player_id");
  // Without the key, nothing about the request is said.
  status = Raw("/statstracker.v1.AdminService/PublishEvents",
               WithRawField("", 1, event));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  ExpectAlive();
}

TEST_F(HostileGrpcTest, TruncatedAndGarbageBytesAreNeverServerFaults) {
  v1::ListEntriesRequest entries;
  entries.set_game_id("arcade");
  entries.set_leaderboard_id("high");
  entries.set_page_token(std::string(40, 'A'));
  const std::string whole = entries.SerializeAsString();
  grpc::Status truncated =
      Raw("/statstracker.v1.LeaderboardService/ListEntries",
          whole.substr(0, whole.size() - 5));
  EXPECT_EQ(truncated.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(truncated.error_message(), HasSubstr("page_token: malformed"));

  // Every method of the three services, with prefixes of a real request and
  // random bytes (fixed seed), plus the health check.
  std::mt19937 random(15);
  std::vector<std::string> methods = {"/grpc.health.v1.Health/Check"};
  for (const char* service :
       {"statstracker.v1.LeaderboardService",
        "statstracker.v1.PlayerStatsService", "statstracker.v1.AdminService"}) {
    const auto* descriptor =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            service);
    ASSERT_NE(descriptor, nullptr);
    for (int m = 0; m < descriptor->method_count(); ++m) {
      if (descriptor->method(m)->server_streaming()) continue;
      methods.push_back(
          absl::StrCat("/", service, "/", descriptor->method(m)->name()));
    }
  }
  int calls = 0;
  for (const std::string& method : methods) {
    std::vector<std::string> inputs = {"", std::string("\x00", 1), "\x0a",
                                       "\x0a\x80", whole.substr(0, 7)};
    for (int i = 0; i < 12; ++i) {
      std::string garbage(1 + random() % 64, '\0');
      for (char& c : garbage) c = static_cast<char>(random());
      inputs.push_back(garbage);
    }
    for (const std::string& input : inputs) {
      for (bool admin : {false, true}) {
        grpc::Status status = Raw(method, input, admin);
        ++calls;
        EXPECT_FALSE(IsServerFault(status.error_code()))
            << method << " answered " << status.error_code() << " "
            << status.error_message();
        EXPECT_LT(status.error_message().size(), 2048u);
      }
    }
  }
  EXPECT_GT(calls, 300);
  // The metrics saw client errors, and not one server fault.
  auto metrics = testing::HttpGet(stack_->metrics_address, "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_THAT(*metrics, HasSubstr("code=\"INVALID_ARGUMENT\""));
  EXPECT_THAT(*metrics, Not(HasSubstr("code=\"INTERNAL\"")));
  EXPECT_THAT(*metrics, Not(HasSubstr("code=\"UNKNOWN\"")));
  ExpectAlive();
}

TEST_F(HostileGrpcTest, TenKilobyteIdsAreInvalidArgumentWithShortMessages) {
  const std::string big(10240, 'g');
  for (int field = 0; field < 3; ++field) {
    v1::GetPlayerRankRequest request;
    request.set_game_id(field == 0 ? big : "arcade");
    request.set_leaderboard_id(field == 1 ? big : "high");
    request.set_player_id(field == 2 ? big : "ann");
    grpc::ClientContext context;
    v1::GetPlayerRankResponse response;
    grpc::Status status = boards_->GetPlayerRank(&context, request, &response);
    // Not RESOURCE_EXHAUSTED (an echoed 10 KB message would pass gRPC's
    // metadata limit) and not NOT_FOUND (the id cannot name anything).
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_LT(status.error_message().size(), 512u);
    EXPECT_THAT(status.error_message(), HasSubstr("…"));
    EXPECT_EQ(ViolatedField(status), field == 0   ? "game_id"
                                     : field == 1 ? "leaderboard_id"
                                                  : "player_id");
  }
  ExpectAlive();
}

// Two finite scores that sum past the largest double: the worker
// dead-letters the second event with the scorer's reason and the board keeps
// a finite total.
TEST_F(HostileGrpcTest, CumulativeOverflowIsDeadLetteredWithItsReason) {
  v1::PublishEventsRequest publish;
  for (int i = 0; i < 2; ++i) {
    v1::GameEvent* e = publish.add_events();
    e->set_event_id(absl::StrCat("huge-", i));
    e->set_game_id("arcade");
    e->mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    e->mutable_score_submitted()->set_player_id("whale");
    e->mutable_score_submitted()->set_leaderboard_id("total");
    e->mutable_score_submitted()->set_score(1e308);
  }
  grpc::ClientContext context;
  context.AddMetadata("authorization",
                      absl::StrCat("Bearer ", testing::kTestApiKey));
  v1::PublishEventsResponse published;
  ASSERT_TRUE(admin_->PublishEvents(&context, publish, &published).ok());

  auto redis = RedisConnection::Connect("127.0.0.1", stack_->redis->port(),
                                        absl::Seconds(2));
  ASSERT_TRUE(redis.ok()) << redis.status();
  std::string reason;
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (reason.empty() && absl::Now() < deadline) {
    auto dead =
        (*redis)->Command({"XRANGE", "statstracker:events:dead", "-", "+"});
    ASSERT_TRUE(dead.ok());
    for (const RedisReply& entry : dead->elements) {
      const auto& fields = entry.elements[1].elements;
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].str == "reason") reason = fields[i + 1].str;
      }
    }
    if (reason.empty()) absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_THAT(reason, HasSubstr("score_submitted.score"));
  EXPECT_THAT(reason, HasSubstr("overflows"));

  grpc::ClientContext rank_context;
  v1::GetPlayerRankRequest rank;
  rank.set_game_id("arcade");
  rank.set_leaderboard_id("total");
  rank.set_player_id("whale");
  v1::GetPlayerRankResponse response;
  ASSERT_TRUE(boards_->GetPlayerRank(&rank_context, rank, &response).ok());
  EXPECT_EQ(response.entry().score(), 1e308);
}

TEST_F(HostileGrpcTest, UnavailableDoesNotTellTheRedisAddress) {
  const std::string port = absl::StrCat(stack_->redis->port());
  stack_->redis->Stop();
  grpc::Status status;
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  do {
    grpc::ClientContext context;
    v1::CountEntriesRequest request;
    request.set_game_id("arcade");
    request.set_leaderboard_id("high");
    v1::CountEntriesResponse response;
    status = boards_->CountEntries(&context, request, &response);
  } while (status.ok() && absl::Now() < deadline);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), Not(HasSubstr(port)));
  EXPECT_THAT(status.error_message(), Not(HasSubstr("127.0.0.1")));
  EXPECT_THAT(status.error_message(), HasSubstr("retry later"));
  // Same over REST: 503, JSON, no address.
  const std::string http =
      testing::ReadyField(stack_->server->ready_line(), "http");
  auto rest =
      testing::HttpGet(http, "/v1/games/arcade/leaderboards/high/count");
  ASSERT_TRUE(rest.ok());
  EXPECT_THAT(*rest, HasSubstr(" 503 "));
  EXPECT_THAT(*rest, HasSubstr("\"code\":14"));
  EXPECT_THAT(*rest, Not(HasSubstr(port)));
  // The log has it, for the operator.
  EXPECT_THAT(stack_->server->Output(), HasSubstr(port));
}

}  // namespace
}  // namespace statstracker
