// First end-to-end check of the contract "each stream entry carries the
// serialized GameEvent bytes in one field": XADD a GameEvent to a real
// redis-server and read it back with XRANGE.
#include <string>

#include "gtest/gtest.h"
#include "statstracker/v1/events.pb.h"
#include "tests/redis_server.h"

namespace statstracker {
namespace {

using ::statstracker::testing::RedisServer;

TEST(EventStreamRoundTrip, GameEventSurvivesXaddXrange) {
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto conn = (*redis)->Connect();
  ASSERT_TRUE(conn.ok()) << conn.status();

  v1::GameEvent event;
  event.set_event_id("evt-0001");
  event.set_game_id("arcade");
  event.mutable_occurred_at()->set_seconds(1790000000);
  auto* match = event.mutable_match_completed();
  match->set_match_id("m1");
  auto* p = match->add_participants();
  p->set_player_id("alice");
  p->set_score(1234.5);
  p->set_outcome(v1::OUTCOME_WIN);
  (*p->mutable_values())["kills"] = 7;
  std::string bytes = event.SerializeAsString();
  // Serialized protobufs contain NUL and non-UTF-8 bytes; the argv API must
  // carry them unchanged.
  bytes.push_back('\0');
  bytes.pop_back();

  auto id =
      (*conn)->CommandOk({"XADD", "statstracker:events", "*", "event", bytes});
  ASSERT_TRUE(id.ok()) << id.status();
  ASSERT_EQ(id->type, RedisReply::Type::kString);

  auto range = (*conn)->CommandOk({"XRANGE", "statstracker:events", "-", "+"});
  ASSERT_TRUE(range.ok()) << range.status();
  ASSERT_EQ(range->elements.size(), 1u);
  const RedisReply& entry = range->elements[0];
  EXPECT_EQ(entry.elements[0].str, id->str);
  ASSERT_EQ(entry.elements[1].elements.size(), 2u);
  EXPECT_EQ(entry.elements[1].elements[0].str, "event");

  v1::GameEvent decoded;
  ASSERT_TRUE(decoded.ParseFromString(entry.elements[1].elements[1].str));
  EXPECT_EQ(decoded.event_id(), "evt-0001");
  EXPECT_EQ(decoded.game_id(), "arcade");
  EXPECT_EQ(decoded.occurred_at().seconds(), 1790000000);
  ASSERT_EQ(decoded.match_completed().participants_size(), 1);
  EXPECT_EQ(decoded.match_completed().participants(0).player_id(), "alice");
  EXPECT_DOUBLE_EQ(decoded.match_completed().participants(0).score(), 1234.5);
  EXPECT_EQ(decoded.match_completed().participants(0).values().at("kills"), 7);
}

TEST(RedisServerFixture, StopMakesCommandsFailAndRestartRecovers) {
  RedisServer::Options options;
  options.append_only = true;
  auto redis = RedisServer::Start(options);
  ASSERT_TRUE(redis.ok()) << redis.status();
  {
    auto conn = (*redis)->Connect();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->CommandOk({"SET", "k", "v"}).ok());
  }
  (*redis)->Stop();
  EXPECT_FALSE((*redis)->Connect().ok());
  ASSERT_TRUE((*redis)->Restart().ok());
  auto conn = (*redis)->Connect();
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto v = (*conn)->CommandOk({"GET", "k"});
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->str, "v");  // append-only file kept the data across restart
}

TEST(RedisServerFixture, MissingBinaryExplainsHowToInstall) {
  const char* old_path = getenv("PATH");
  std::string saved = old_path != nullptr ? old_path : "";
  setenv("PATH", "/nonexistent", 1);
  auto redis = RedisServer::Start();
  setenv("PATH", saved.c_str(), 1);
  ASSERT_FALSE(redis.ok());
  EXPECT_EQ(redis.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(redis.status().message().find("apt-get install redis-server"),
            std::string::npos)
      << redis.status();
}

}  // namespace
}  // namespace statstracker
