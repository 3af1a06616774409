// End-to-end tests of the `stats` CLI against a private redis-server: publish
// (JSON and text lines, error messages naming line and field), dead-letter
// list and requeue, consumer-group lag. The query commands need the server;
// they are covered by tests/tools_* once the server links.

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/stream_partitions.h"
#include "gtest/gtest.h"
#include "proto/statstracker/v1/config.pb.h"
#include "proto/statstracker/v1/events.pb.h"
#include "tests/redis_server.h"
#include "tools/cli/event_reader.h"
#include "tools/cli/progress.h"
#include "tools/cli/table.h"

namespace statstracker {
namespace {

struct Result {
  int exit_code;
  std::string output;  // stdout and stderr
};

Result RunCli(const std::string& args, const std::string& stdin_text = "") {
  std::string input = ::testing::TempDir() + "/cli_stdin.txt";
  std::ofstream(input) << stdin_text;
  std::string command =
      absl::StrCat("tools/cli/stats ", args, " < ", input, " 2>&1");
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    auto conn = redis_->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status();
    conn_ = *std::move(conn);
    flags_ = absl::StrCat("--redis_port=", redis_->port());
  }
  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<RedisConnection> conn_;
  std::string flags_;
};

constexpr char kEvents[] =
    R"({"eventId":"e1","gameId":"arcade","occurredAt":"2026-11-24T12:00:00Z","scoreSubmitted":{"playerId":"alice","score":4200}}
# comments and blank lines are skipped

event_id: "e2" game_id: "chess" occurred_at { seconds: 1795500000 } match_completed { participants { player_id: "a" outcome: OUTCOME_WIN } participants { player_id: "b" outcome: OUTCOME_LOSS } }
)";

TEST_F(CliTest, PublishesJsonAndTextLinesToTheStream) {
  Result r = RunCli("publish - --json " + flags_, kEvents);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"published\":2"), std::string::npos) << r.output;
  auto entries = conn_->Command({"XRANGE", "statstracker:events", "-", "+"});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->elements.size(), 2u);
  v1::GameEvent first, second;
  const auto& f1 = entries->elements[0].elements[1].elements;
  ASSERT_EQ(f1[0].str, "event");
  ASSERT_TRUE(first.ParseFromString(f1[1].str));
  EXPECT_EQ(first.event_id(), "e1");
  EXPECT_EQ(first.score_submitted().player_id(), "alice");
  EXPECT_EQ(first.score_submitted().score(), 4200);
  ASSERT_TRUE(
      second.ParseFromString(entries->elements[1].elements[1].elements[1].str));
  EXPECT_EQ(second.match_completed().participants_size(), 2);
  // The CLI is an idempotent producer: one producer id and epoch per run,
  // sequences by position.
  EXPECT_EQ(first.producer().producer_id(), second.producer().producer_id());
  EXPECT_TRUE(absl::StartsWith(first.producer().producer_id(), "stats-cli-"));
  EXPECT_EQ(first.producer().epoch(), second.producer().epoch());
  EXPECT_GT(first.producer().epoch(), 1700000000000u);
  EXPECT_EQ(first.producer().sequence(), 1u);
  EXPECT_EQ(second.producer().sequence(), 2u);
}

TEST_F(CliTest, ExplicitProducerNumbersTheSameFileTheSameWay) {
  for (int run = 0; run < 2; ++run) {
    Result r =
        RunCli("publish - --producer_id=import-7 --producer_epoch=3 " + flags_,
               kEvents);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  auto entries = conn_->Command({"XRANGE", "statstracker:events", "-", "+"});
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->elements.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    v1::GameEvent e;
    ASSERT_TRUE(
        e.ParseFromString(entries->elements[i].elements[1].elements[1].str));
    EXPECT_EQ(e.producer().producer_id(), "import-7");
    EXPECT_EQ(e.producer().epoch(), 3u);
    EXPECT_EQ(e.producer().sequence(), i % 2 + 1);  // a re-run repeats them
  }
}

TEST_F(CliTest, BadLineIsRejectedNamingLineAndFieldAndNothingIsPublished) {
  std::string input =
      std::string(kEvents) +
      R"({"eventId":"e3","gameId":"arcade","occurredAt":"2026-11-24T12:00:00Z","scoreSubmitted":{"playerId":"a","scor":1}})"
      "\n";
  Result r = RunCli("publish - " + flags_, input);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("line 5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("scor"), std::string::npos) << r.output;
  auto len = conn_->Command({"XLEN", "statstracker:events"});
  ASSERT_TRUE(len.ok());
  EXPECT_EQ(len->integer, 0);

  r = RunCli(
      "publish - " + flags_,
      R"(event_id: "x" game_id: "arcade" score_submitted { player_id: "q" })");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("line 1: occurred_at"), std::string::npos)
      << r.output;
}

TEST_F(CliTest, RequeueMovesDeadLettersBackAtomically) {
  v1::GameEvent event;
  event.set_event_id("dead-1");
  event.set_game_id("arcade");
  auto added =
      conn_->Command({"XADD", "statstracker:events:dead", "*", "event",
                      event.SerializeAsString(), "reason",
                      "game_id: unknown game 'arcade'", "deliveries", "1"});
  ASSERT_TRUE(added.ok());
  ASSERT_TRUE(conn_
                  ->Command({"XADD", "statstracker:events:dead", "*", "event",
                             "\xff\xfe", "reason", "decode"})
                  .ok());
  Result list = RunCli("deadletter list " + flags_);
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("dead-1"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("unknown game"), std::string::npos);
  EXPECT_NE(list.output.find("2 entries"), std::string::npos);

  Result missing = RunCli("deadletter requeue 1-1 " + flags_);
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("not in statstracker:events:dead"),
            std::string::npos)
      << missing.output;

  Result one =
      RunCli(absl::StrCat("deadletter requeue ", added->str, " ") + flags_);
  ASSERT_EQ(one.exit_code, 0) << one.output;
  auto stream = conn_->Command({"XRANGE", "statstracker:events", "-", "+"});
  ASSERT_TRUE(stream.ok());
  ASSERT_EQ(stream->elements.size(), 1u);
  EXPECT_EQ(stream->elements[0].elements[1].elements[1].str,
            event.SerializeAsString());
  Result all = RunCli("deadletter requeue all " + flags_);
  ASSERT_EQ(all.exit_code, 0) << all.output;
  auto dead_len = conn_->Command({"XLEN", "statstracker:events:dead"});
  auto len = conn_->Command({"XLEN", "statstracker:events"});
  EXPECT_EQ(dead_len->integer, 0);
  EXPECT_EQ(len->integer, 2);
}

// `deadletter list/requeue` with --game and --reason, over more letters
// than one page of XRANGE: only the matching letters move, carrying what
// the worker reads back (received_at, first_failed_at, requeues).
TEST_F(CliTest, DeadLettersFilterByGameAndReason) {
  std::vector<std::vector<std::string>> adds;
  for (int i = 0; i < 1200; ++i) {
    v1::GameEvent event;
    event.set_event_id(absl::StrCat("d", i));
    event.set_game_id(i % 2 == 0 ? "racer" : "arcade");
    std::vector<std::string> xadd = {
        "XADD",
        "statstracker:events:dead",
        "*",
        "event",
        event.SerializeAsString(),
        "reason",
        "why",
        "reason_code",
        i % 3 == 0 ? "unhandled_event_type" : "invalid",
        "source_id",
        "1700000000000-0"};
    if (i % 5 != 0) xadd.insert(xadd.end(), {"game_id", event.game_id()});
    adds.push_back(xadd);
  }
  ASSERT_TRUE(conn_->Pipeline(adds).ok());
  // racer and unhandled: i % 6 == 0, 200 letters (game from game_id, or
  // from the event when the letter has none).
  Result list = RunCli(
      "deadletter list --game racer --reason unhandled_event_type --limit "
      "1000 --json " +
      flags_);
  ASSERT_EQ(list.exit_code, 0) << list.output.substr(0, 500);
  size_t shown = 0;
  for (size_t at = 0;
       (at = list.output.find("\"eventId\"", at)) != std::string::npos; ++at) {
    ++shown;
  }
  EXPECT_EQ(shown, 200u);
  EXPECT_NE(list.output.find("\"total\":1200"), std::string::npos);
  Result table = RunCli("deadletter list --reason invalid " + flags_);
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("10 shown (--reason invalid) of 1200 entries"),
            std::string::npos)
      << table.output;

  Result both = RunCli("deadletter requeue 1-1 --game racer " + flags_);
  EXPECT_EQ(both.exit_code, 2) << both.output;
  EXPECT_NE(both.output.find("give `all` (or no ids)"), std::string::npos)
      << both.output;
  Result bare = RunCli("deadletter requeue " + flags_);
  EXPECT_EQ(bare.exit_code, 2) << bare.output;

  Result moved =
      RunCli("deadletter requeue --game racer --reason unhandled_event_type " +
             flags_);
  ASSERT_EQ(moved.exit_code, 0) << moved.output.substr(0, 500);
  EXPECT_NE(moved.output.find("requeued 200 entries"), std::string::npos);
  auto len = conn_->Command({"XLEN", "statstracker:events"});
  auto dead_len = conn_->Command({"XLEN", "statstracker:events:dead"});
  EXPECT_EQ(len->integer, 200);
  EXPECT_EQ(dead_len->integer, 1000);
  auto first =
      conn_->Command({"XRANGE", "statstracker:events", "-", "+", "COUNT", "1"});
  ASSERT_TRUE(first.ok());
  std::map<std::string, std::string> fields;
  const auto& kv = first->elements[0].elements[1].elements;
  for (size_t i = 0; i + 1 < kv.size(); i += 2)
    fields[kv[i].str] = kv[i + 1].str;
  v1::GameEvent event;
  ASSERT_TRUE(event.ParseFromString(fields["event"]));
  EXPECT_EQ(event.event_id(), "d0");
  EXPECT_EQ(fields["received_at"], "2023-11-14T22:13:20.000Z");  // source_id
  EXPECT_EQ(fields["requeues"], "1");
  EXPECT_FALSE(fields["first_failed_at"].empty());
  EXPECT_FALSE(fields["requeued_from"].empty());
  // What is left matches nothing of the filter.
  Result none = RunCli(
      "deadletter requeue all --game racer --reason unhandled_event_type " +
      flags_);
  ASSERT_EQ(none.exit_code, 0) << none.output;
  EXPECT_NE(none.output.find("requeued 0 entries"), std::string::npos);
}

// With --partitions, list and requeue cover every partition's dead-letter
// stream, and a letter goes back to its own partition's stream.
TEST_F(CliTest, DeadLettersOfEveryPartition) {
  v1::StreamConfig stream;
  stream.set_key("statstracker:events");
  stream.set_dead_letter_key("statstracker:events:dead");
  stream.set_partitions(2);
  // Two games on different partitions.
  std::vector<std::string> games;
  for (const char* g : {"arcade", "chess", "racer", "duel", "go", "arena"}) {
    if (games.empty() || PartitionOf(g, 2) != PartitionOf(games[0], 2)) {
      games.push_back(g);
    }
    if (games.size() == 2) break;
  }
  ASSERT_EQ(games.size(), 2u);
  for (const std::string& game : games) {
    v1::GameEvent event;
    event.set_event_id("x-" + game);
    event.set_game_id(game);
    const int p = PartitionOf(game, 2);
    ASSERT_TRUE(conn_
                    ->CommandOk({"XADD", PartitionDeadLetterKey(stream, p), "*",
                                 "event", event.SerializeAsString(), "reason",
                                 "why", "reason_code", "unhandled_event_type",
                                 "game_id", game, "source_id", "1-0"})
                    .ok());
  }
  Result list = RunCli("deadletter list --partitions 2 --json " + flags_);
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find("\"total\":2"), std::string::npos) << list.output;
  for (const std::string& game : games) {
    EXPECT_NE(list.output.find("\"eventId\":\"x-" + game + "\""),
              std::string::npos)
        << list.output;
  }
  // Without --partitions only the unpartitioned key is read: nothing there.
  Result plain = RunCli("deadletter list --json " + flags_);
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(plain.output.find("\"total\":0"), std::string::npos)
      << plain.output;

  Result moved = RunCli(
      "deadletter requeue --partitions 2 --reason "
      "unhandled_event_type " +
      flags_);
  ASSERT_EQ(moved.exit_code, 0) << moved.output;
  EXPECT_NE(moved.output.find("requeued 2 entries"), std::string::npos)
      << moved.output;
  for (const std::string& game : games) {
    const int p = PartitionOf(game, 2);
    auto entries =
        conn_->Command({"XRANGE", PartitionStreamKey(stream, p), "-", "+"});
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->elements.size(), 1u) << game;
    v1::GameEvent event;
    ASSERT_TRUE(event.ParseFromString(
        entries->elements[0].elements[1].elements[1].str));
    EXPECT_EQ(event.game_id(), game);
    auto dead = conn_->Command({"XLEN", PartitionDeadLetterKey(stream, p)});
    ASSERT_TRUE(dead.ok());
    EXPECT_EQ(dead->integer, 0);
  }
}

TEST_F(CliTest, LagShowsGroupPendingAndLag) {
  ASSERT_EQ(RunCli("publish - " + flags_, kEvents).exit_code, 0);
  Result none = RunCli("lag " + flags_);
  EXPECT_NE(none.output.find("no consumer group yet"), std::string::npos)
      << none.output;
  ASSERT_TRUE(conn_
                  ->Command({"XGROUP", "CREATE", "statstracker:events",
                             "statstracker-workers", "0"})
                  .ok());
  ASSERT_TRUE(
      conn_
          ->Command({"XREADGROUP", "GROUP", "statstracker-workers", "c1",
                     "COUNT", "1", "STREAMS", "statstracker:events", ">"})
          .ok());
  Result r = RunCli("lag --json " + flags_);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"length\":2"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\"pending\":1,\"lag\":1"), std::string::npos)
      << r.output;
  Result table = RunCli("lag " + flags_);
  EXPECT_NE(table.output.find("statstracker-workers"), std::string::npos);
}

TEST(CliPieces, TableAlignsColumnsAndNumbers) {
  std::string t =
      cli::FormatTable({"RANK", "PLAYER"}, {{"1", "alice"}, {"10", "bob"}});
  EXPECT_EQ(t, "RANK  PLAYER\n----  ------\n   1  alice\n  10  bob\n");
  EXPECT_EQ(cli::FormatNumber(1520), "1520");
  EXPECT_EQ(cli::FormatNumber(0.1), "0.1");
  EXPECT_EQ(cli::FormatNumber(1643.5317151819754), "1643.53");
  EXPECT_EQ(cli::FormatNumber(1638.59593661769), "1638.60");
  EXPECT_EQ(cli::FormatNumber(0.73684210526315785), "0.736842");
  EXPECT_EQ(cli::FormatNumber(83.456), "83.456");
  EXPECT_EQ(cli::FormatNumber(1234567.25), "1234567.25");
  EXPECT_EQ(cli::FormatNumber(-7), "-7");
}

TEST(CliPieces, ProgressLineHasRateAndEta) {
  std::string line =
      cli::ProgressBar::Render("publish", 500, 1000, absl::Seconds(1));
  EXPECT_NE(line.find("500/1000"), std::string::npos) << line;
  EXPECT_NE(line.find("50%"), std::string::npos) << line;
  EXPECT_NE(line.find("500/s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 0:01"), std::string::npos) << line;
}

}  // namespace
}  // namespace statstracker
