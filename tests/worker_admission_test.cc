// Event admission end to end, with a real redis-server, worker, server and
// `stats` CLI: events outside a game's occurred_at window and custom types
// no plugin of the game handles are refused by PublishEvents and
// dead-lettered by the worker (with complete dead letters and a bounded
// metric); a custom type the game ignores is applied as a no-op; and an
// unhandled type kept in the dead-letter stream is applied exactly once
// after its plugin is deployed and the letters are requeued by filter.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "statstracker/examples/racing/v1/racing.pb.h"
#include "statstracker/v1/admin.grpc.pb.h"
#include "statstracker/v1/events.pb.h"
#include "tests/redis_fixture.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/tools_e2e_common.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace testing {
namespace {

constexpr char kStream[] = "statstracker:events";
constexpr char kApiKey[] = "test-admin-key-0123456789";

// "arcade": one best-score board. "racer": a board that reads no custom
// payloads, and the custom type acme.v1.Emote ignored on purpose; $RACING
// is where the racing plugins go once "deployed".
constexpr char kConfig[] = R"cfg(
worker { block { nanos: 100000000 } metrics_address: "127.0.0.1:0" }
server { api_keys: "$KEY" }
games {
  game_id: "arcade"
  leaderboards { leaderboard_id: "high" scorer: "best_score" }
}
games {
  game_id: "racer"
  admission { ignored_custom_types: "type.googleapis.com/acme.v1.Emote" }
  leaderboards { leaderboard_id: "score" scorer: "best_score" }
  $RACING
}
)cfg";

constexpr char kRacingPlugins[] = R"cfg(
  leaderboards {
    leaderboard_id: "best_lap"
    scorer: "racing_best_lap"
    sort_order: SORT_ORDER_ASCENDING
  }
  stats {
    handler: "racing"
    params {
      [type.googleapis.com/statstracker.examples.racing.v1.RacingParams] {}
    }
  }
)cfg";

std::string ConfigText(bool racing_plugins) {
  return absl::StrReplaceAll(
      kConfig,
      {{"$KEY", kApiKey}, {"$RACING", racing_plugins ? kRacingPlugins : ""}});
}

v1::GameEvent Envelope(const std::string& id, const std::string& game,
                       absl::Time at) {
  v1::GameEvent e;
  e.set_event_id(id);
  e.set_game_id(game);
  e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(at));
  return e;
}

v1::GameEvent Score(const std::string& id, const std::string& game,
                    absl::Time at, const std::string& player = "ann") {
  v1::GameEvent e = Envelope(id, game, at);
  e.mutable_score_submitted()->set_player_id(player);
  e.mutable_score_submitted()->set_score(10);
  return e;
}

v1::GameEvent Lap(const std::string& id, absl::Time at,
                  const std::string& player, int64_t ms) {
  examples::racing::v1::LapCompleted lap;
  lap.set_player_id(player);
  lap.set_track_id("monza");
  lap.set_lap_time_ms(ms);
  v1::GameEvent e = Envelope(id, "racer", at);
  e.mutable_custom()->PackFrom(lap);
  return e;
}

v1::GameEvent Custom(const std::string& id, absl::Time at,
                     const std::string& type_url) {
  v1::GameEvent e = Envelope(id, "racer", at);
  e.mutable_custom()->set_type_url(type_url);
  e.mutable_custom()->set_value("\x08\x01");
  return e;
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

class WorkerAdmissionTest : public RedisFixture {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveBinary("worker/worker"));
    RedisFixture::SetUp();
  }

  std::string ConfigFile(bool racing_plugins) {
    static int n = 0;
    auto path = WriteTempFile(absl::StrCat("admission-", ++n, ".textproto"),
                              ConfigText(racing_plugins));
    EXPECT_TRUE(path.ok());
    return *path;
  }

  // XADDs each event; the entry ids.
  std::vector<std::string> Add(const std::vector<v1::GameEvent>& events) {
    std::vector<std::string> ids;
    for (const v1::GameEvent& e : events) {
      auto id = conn_->CommandOk(
          {"XADD", kStream, "*", "event", e.SerializeAsString()});
      EXPECT_TRUE(id.ok()) << id.status();
      ids.push_back(id.ok() ? id->str : "");
    }
    return ids;
  }

  CommandResult Cli(const std::string& args) {
    return RunCommand(absl::StrCat("tools/cli/stats ", args,
                                   " --redis_port=", redis_->port()));
  }

  // The racer player's lap stats and best-lap entry ("" when none).
  std::string LapsOf(const std::string& player) {
    auto laps = conn_->Command(
        {"HGET", absl::StrCat("st:{racer}:stats:", player), "laps"});
    return laps.ok() ? laps->str : "?";
  }
};

TEST_F(WorkerAdmissionTest, RefusedEventsAreDeadLetteredCompletely) {
  auto worker = StartWorker(*redis_, ConfigFile(false), "adm");
  ASSERT_TRUE(worker.ok()) << worker.status();
  const absl::Time now = absl::Now();
  v1::GameEvent no_player = Score("no-player", "arcade", now);
  no_player.mutable_score_submitted()->clear_player_id();
  const absl::Time before = absl::Now();
  std::vector<std::string> ids = Add({
      Score("epoch", "arcade", absl::UnixEpoch()),      // a Date sent as 0
      Score("future", "arcade", now + absl::Hours(1)),  // a clock ahead
      Score("ok", "arcade", now),
      no_player,                        // invalid, game configured
      Score("stray", "nosuch-7", now),  // a game not configured
      Custom("emote", now, "type.googleapis.com/acme.v1.Emote"),  // ignored
      Custom("unknown", now, "type.googleapis.com/acme.Unknown"),
  });
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok())
      << (*worker)->Output();
  const absl::Time after = absl::Now();

  auto dead = ReadDeadLetters(conn_.get());
  ASSERT_TRUE(dead.ok()) << dead.status();
  ASSERT_EQ(dead->size(), 5u) << (*worker)->Output();
  struct Want {
    std::string id, code, game, reason;
  };
  for (const Want& want : std::vector<Want>{
           {ids[0], "outside_admission_window", "arcade",
            "occurred_at: 1970-01-01T00:00:00Z is outside the admission "
            "window of game 'arcade': "},
           {ids[1], "outside_admission_window", "arcade",
            "(at most 30d before and at most 5m after it was received"},
           {ids[3], "invalid", "arcade", "score_submitted.player_id: missing"},
           {ids[4], "unknown_game", "nosuch-7", "unknown game 'nosuch-7'"},
           {ids[6], "unhandled_event_type", "racer",
            "custom.type_url: no plugin of game 'racer' handles "
            "'acme.Unknown'"}}) {
    ASSERT_EQ(dead->count(want.id), 1u) << want.code;
    const auto& letter = dead->at(want.id);
    EXPECT_EQ(letter.at("reason_code"), want.code);
    EXPECT_TRUE(absl::StrContains(letter.at("reason"), want.reason))
        << letter.at("reason");
    EXPECT_EQ(letter.at("game_id"), want.game) << want.code;
    EXPECT_EQ(letter.at("source_id"), want.id);
    EXPECT_EQ(letter.at("deliveries"), "1");
    EXPECT_EQ(letter.at("consumer"), "adm");
    // When the entry entered the stream, from its id.
    int64_t ms = std::stoll(want.id.substr(0, want.id.find('-')));
    EXPECT_EQ(letter.at("received_at"), TimeText(absl::FromUnixMillis(ms)));
    // Failed once: first = last, between publishing and draining.
    EXPECT_EQ(letter.at("first_failed_at"), letter.at("last_failed_at"));
    absl::Time failed;
    std::string error;
    ASSERT_TRUE(absl::ParseTime(absl::RFC3339_full, letter.at("last_failed_at"),
                                &failed, &error))
        << letter.at("last_failed_at");
    EXPECT_GE(failed, before - absl::Milliseconds(1));
    EXPECT_LE(failed, after);
    EXPECT_EQ(letter.count("requeues"), 0u);
  }

  // Applied: the event in the window on its board, the ignored type as a
  // no-op.
  auto board = conn_->Command({"ZCARD", "st:{arcade}:lb:high:all"});
  ASSERT_TRUE(board.ok());
  EXPECT_EQ(board->integer, 1);
  auto metrics =
      HttpGet(ReadyField((*worker)->ready_line(), "metrics"), "/metrics");
  ASSERT_TRUE(metrics.ok()) << metrics.status();
  const char* dead_total = "statstracker_worker_events_dead_lettered_total";
  EXPECT_EQ(
      MetricSum(*metrics, dead_total,
                {"game=\"arcade\"", "reason=\"outside_admission_window\""}),
      2);
  EXPECT_EQ(MetricSum(*metrics, dead_total,
                      {"game=\"racer\"", "reason=\"unhandled_event_type\""}),
            1);
  EXPECT_EQ(MetricSum(*metrics, dead_total,
                      {"game=\"unknown\"", "reason=\"unknown_game\""}),
            1);
  // A game that is not configured never becomes a label value.
  EXPECT_FALSE(absl::StrContains(*metrics, "nosuch-7")) << *metrics;
  EXPECT_EQ(MetricSum(*metrics, "statstracker_worker_events_processed_total",
                      {"game=\"racer\"", "type=\"custom\""}),
            1);
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerAdmissionTest, UnhandledTypeIsAppliedOnceAfterThePluginIsAdded) {
  const absl::Time now = absl::Now();
  // A lap that entered the stream 35 days ago (its id says so) and happened
  // a minute before: in the window then, and still after a requeue today,
  // since a requeued entry keeps its first arrival time.
  const absl::Time long_ago = now - absl::Hours(24 * 35);
  v1::GameEvent old_lap =
      Lap("lap-old", long_ago - absl::Minutes(1), "ann", 81234);
  auto old_id = conn_->CommandOk(
      {"XADD", kStream, absl::StrCat(absl::ToUnixMillis(long_ago), "-0"),
       "event", old_lap.SerializeAsString()});
  ASSERT_TRUE(old_id.ok()) << old_id.status();
  v1::GameEvent new_lap = Lap("lap-new", now, "bob", 79000);
  std::vector<std::string> ids =
      Add({new_lap, Custom("unknown", now, "type.googleapis.com/acme.Unknown"),
           Score("late", "racer", now - absl::Hours(24 * 40))});

  // Before the plugin: every lap is kept as a dead letter, none is lost.
  {
    auto worker = StartWorker(*redis_, ConfigFile(false), "before");
    ASSERT_TRUE(worker.ok()) << worker.status();
    ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
    EXPECT_EQ((*worker)->Stop(), 0);
  }
  EXPECT_EQ(LapsOf("ann"), "");
  CommandResult list =
      Cli("deadletter list --game racer --reason unhandled_event_type");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_TRUE(absl::StrContains(list.output,
                                "3 shown (--game racer --reason "
                                "unhandled_event_type) of 4 "
                                "entries"))
      << list.output;
  auto first = ReadDeadLetters(conn_.get());
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 4u);
  EXPECT_EQ(first->at(ids[2]).at("reason_code"), "outside_admission_window");
  const std::string first_failed = first->at(ids[1]).at("first_failed_at");

  // The plugin is deployed: the worker restarts with it, the letters of
  // that reason are requeued, the others stay.
  auto worker = StartWorker(*redis_, ConfigFile(true), "after");
  ASSERT_TRUE(worker.ok()) << worker.status();
  CommandResult requeue =
      Cli("deadletter requeue --game racer --reason unhandled_event_type");
  ASSERT_EQ(requeue.exit_code, 0) << requeue.output;
  EXPECT_TRUE(absl::StrContains(requeue.output, "requeued 3 entries"))
      << requeue.output;
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok())
      << (*worker)->Output();
  EXPECT_EQ(LapsOf("ann"), "1");
  EXPECT_EQ(LapsOf("bob"), "1");
  auto board = conn_->Command(
      {"ZRANGE", "st:{racer}:lb:best_lap:all", "0", "-1", "WITHSCORES"});
  ASSERT_TRUE(board.ok());
  ASSERT_EQ(board->elements.size(), 4u);
  EXPECT_TRUE(absl::EndsWith(board->elements[0].str, "bob"));
  EXPECT_EQ(board->elements[1].str, "79000");
  EXPECT_TRUE(absl::EndsWith(board->elements[2].str, "ann"));
  EXPECT_EQ(board->elements[3].str, "81234");

  // Still unhandled: dead-lettered again, its history carried along; the
  // letter of another reason was left alone.
  auto again = ReadDeadLetters(conn_.get());
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 2u);
  EXPECT_EQ(again->count(ids[2]), 1u);
  const std::map<std::string, std::string>* unknown = nullptr;
  for (const auto& [source, letter] : *again) {
    if (source != ids[2]) unknown = &letter;
  }
  ASSERT_NE(unknown, nullptr);
  EXPECT_EQ(unknown->at("reason_code"), "unhandled_event_type");
  EXPECT_EQ(unknown->at("requeues"), "1");
  EXPECT_EQ(unknown->at("first_failed_at"), first_failed);
  EXPECT_NE(unknown->at("last_failed_at"), first_failed);
  EXPECT_EQ(unknown->at("received_at"), first->at(ids[1]).at("received_at"));

  // Applied once: a producer retry of a requeued lap changes nothing.
  Add({new_lap});
  ASSERT_TRUE(WaitDrained(conn_.get(), absl::Seconds(30)).ok());
  EXPECT_EQ(LapsOf("bob"), "1");
  auto after_retry = ReadDeadLetters(conn_.get());
  ASSERT_TRUE(after_retry.ok());
  EXPECT_EQ(after_retry->size(), 2u);
  EXPECT_EQ((*worker)->Stop(), 0);
}

TEST_F(WorkerAdmissionTest, PublishEventsRefusesWhatTheWorkerWouldNot) {
  ASSERT_TRUE(HaveBinary("server/server"));
  StackOptions options;
  options.worker = false;
  auto stack = StartStack(ConfigText(false), options);
  ASSERT_TRUE(stack.ok()) << stack.status();
  auto admin = v1::AdminService::NewStub((*stack)->channel);
  auto conn = (*stack)->redis->Connect();
  ASSERT_TRUE(conn.ok());
  const absl::Time now = absl::Now();
  auto publish = [&](const std::vector<v1::GameEvent>& events) {
    v1::PublishEventsRequest request;
    for (const v1::GameEvent& e : events) *request.add_events() = e;
    v1::PublishEventsResponse response;
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", kApiKey));
    return admin->PublishEvents(&context, request, &response);
  };
  grpc::Status old = publish({Score("ok", "arcade", now),
                              Score("epoch", "arcade", absl::UnixEpoch())});
  EXPECT_EQ(old.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(
      old.error_message(),
      "events[1].occurred_at (event_id 'epoch'): 1970-01-01T00:00:00Z is "
      "outside the admission window of game 'arcade': "))
      << old.error_message();
  grpc::Status ahead =
      publish({Score("ahead", "arcade", now + absl::Minutes(10))});
  EXPECT_EQ(ahead.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(ahead.error_message(), "at most 5m after"))
      << ahead.error_message();
  grpc::Status unhandled =
      publish({Custom("u", now, "type.googleapis.com/acme.Unknown")});
  EXPECT_EQ(unhandled.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StrContains(
      unhandled.error_message(),
      "events[0].custom.type_url (event_id 'u'): no plugin of game 'racer' "
      "handles 'acme.Unknown'"))
      << unhandled.error_message();
  // The lap type is unhandled too until the racing plugins are configured.
  EXPECT_EQ(publish({Lap("l", now, "ann", 80000)}).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  auto len = (*conn)->Command({"XLEN", kStream});
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(len->integer, 0) << "a refused batch appends nothing";
  // What the game admits goes through: in the window, the ignored type.
  grpc::Status fine =
      publish({Score("ok", "arcade", now - absl::Hours(24 * 29)),
               Custom("emote", now, "type.googleapis.com/acme.v1.Emote")});
  EXPECT_TRUE(fine.ok()) << fine.error_message();
  len = (*conn)->Command({"XLEN", kStream});
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(len->integer, 2);
}

}  // namespace
}  // namespace testing
}  // namespace statstracker
