// `stats migrate` on data written by the layout-1 worker
// (tests/testdata/layout_v1: a Redis snapshot the previous release's worker
// wrote from 3,000 events): workers and servers refuse the old data and say
// what to run; after the migration every board, record, distinct index,
// period index and stat equals what today's worker writes from the same
// stream entries on an empty Redis, the dedup markers carried over, and the
// migrated Redis goes on working.
#include <sys/wait.h>

#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace testing {
namespace {

constexpr char kRdb[] = "tests/testdata/layout_v1/dump.rdb";
constexpr char kConfig[] = "tests/testdata/layout_v1/config.textproto";
constexpr char kStream[] = "statstracker:events";

struct Result {
  int exit_code;
  std::string output;
};

Result RunCommand(const std::string& command) {
  FILE* pipe = popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::vector<std::string> Keys(RedisConnection* conn,
                              const std::string& pattern) {
  auto reply = conn->Command({"KEYS", pattern});
  std::vector<std::string> out;
  if (!reply.ok()) return out;
  for (const RedisReply& k : reply->elements) out.push_back(k.str);
  std::sort(out.begin(), out.end());
  return out;
}

// A key's type and contents as comparable text (hash fields sorted).
std::string Dump(RedisConnection* conn, const std::string& key) {
  auto type = conn->Command({"TYPE", key});
  if (!type.ok()) return "?";
  std::string out = type->str + ":";
  if (type->str == "zset") {
    auto z = conn->Command({"ZRANGE", key, "0", "-1", "WITHSCORES"});
    for (const RedisReply& e : z->elements) absl::StrAppend(&out, e.str, "|");
  } else if (type->str == "hash") {
    auto h = conn->Command({"HGETALL", key});
    std::map<std::string, std::string> sorted;
    for (size_t i = 0; i + 1 < h->elements.size(); i += 2) {
      sorted[h->elements[i].str] = h->elements[i + 1].str;
    }
    for (const auto& [k, v] : sorted) absl::StrAppend(&out, k, "=", v, "|");
  } else if (type->str == "set") {
    auto m = conn->Command({"SMEMBERS", key});
    std::set<std::string> sorted;
    for (const RedisReply& e : m->elements) sorted.insert(e.str);
    out += absl::StrJoin(sorted, "|");
  }
  auto expiry = conn->Command({"PEXPIRETIME", key});
  absl::StrAppend(&out, " expires ", expiry.ok() ? expiry->integer : -3);
  return out;
}

// All board, period and stats keys of the fixture's games, with contents.
std::map<std::string, std::string> GameData(RedisConnection* conn) {
  std::map<std::string, std::string> out;
  for (const char* game : {"arcade", "duel", "chess"}) {
    for (const char* what : {"lb", "periods", "stats"}) {
      for (const std::string& key :
           Keys(conn, absl::StrCat("st:{", game, "}:", what, ":*"))) {
        out[key] = Dump(conn, key);
      }
    }
  }
  return out;
}

// Every event id in a game's event-id dedup sets.
std::set<std::string> DedupIds(RedisConnection* conn) {
  std::set<std::string> ids;
  for (const std::string& key : Keys(conn, "st:{*}:dedup:*")) {
    std::string game = key.substr(0, key.find('}') + 1);
    auto m = conn->Command({"SMEMBERS", key});
    for (const RedisReply& e : m->elements) ids.insert(game + " " + e.str);
  }
  return ids;
}

class LayoutMigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(HaveBinary("worker/worker"));
    ASSERT_TRUE(HaveBinary("tools/cli/stats"));
    RedisServer::Options options;
    options.rdb_file = kRdb;
    auto old = RedisServer::Start(options);
    ASSERT_TRUE(old.ok()) << old.status();
    old_ = *std::move(old);
    auto conn = old_->Connect();
    ASSERT_TRUE(conn.ok()) << conn.status();
    old_conn_ = *std::move(conn);
    auto len = old_conn_->Command({"XLEN", kStream});
    ASSERT_TRUE(len.ok());
    ASSERT_EQ(len->integer, 3000) << "the fixture did not load";
  }

  Result Migrate() {
    return RunCommand(absl::StrCat("tools/cli/stats migrate --config ", kConfig,
                                   " --redis_port=", old_->port()));
  }

  std::unique_ptr<RedisServer> old_;
  std::unique_ptr<RedisConnection> old_conn_;
};

TEST_F(LayoutMigrationTest, WorkersRefuseLayoutOneAndSayWhatToRun) {
  // It never gets ready (the layout is checked first): wait for its first
  // line instead.
  auto worker = StartWorker(*old_, kConfig, "refused",
                            /*ready_marker=*/"waiting for redis");
  ASSERT_TRUE(worker.ok()) << worker.status();
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (absl::Now() < deadline &&
         !absl::StrContains((*worker)->Output(), "stats migrate")) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  int status = (*worker)->Stop();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << status;
  EXPECT_TRUE(absl::StrContains((*worker)->Output(), "storage layout 1"))
      << (*worker)->Output();
  EXPECT_TRUE(absl::StrContains((*worker)->Output(), "stats migrate"));
  EXPECT_FALSE(absl::StrContains((*worker)->Output(), "worker ready"));
  // It wrote nothing: the data is still layout 1.
  auto version = old_conn_->Command({"EXISTS", "st:layout"});
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->integer, 0);
}

TEST_F(LayoutMigrationTest, MigratedDataEqualsTheSameEventsAppliedFresh) {
  // Today's worker on an empty Redis with the very same stream entries.
  auto fresh = RedisServer::Start();
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  auto fresh_conn = (*fresh)->Connect();
  ASSERT_TRUE(fresh_conn.ok());
  auto entries = old_conn_->Command({"XRANGE", kStream, "-", "+"});
  ASSERT_TRUE(entries.ok());
  std::vector<std::vector<std::string>> copy;
  for (const RedisReply& e : entries->elements) {
    std::vector<std::string> xadd = {"XADD", kStream, e.elements[0].str};
    for (const RedisReply& f : e.elements[1].elements) xadd.push_back(f.str);
    copy.push_back(std::move(xadd));
  }
  ASSERT_TRUE((*fresh_conn)->Pipeline(copy).ok());
  {
    auto worker = StartWorker(**fresh, kConfig, "fresh");
    ASSERT_TRUE(worker.ok()) << worker.status();
    absl::Status drained = WaitDrained(fresh_conn->get(), absl::Seconds(60));
    ASSERT_TRUE(drained.ok()) << drained << (*worker)->Output();
    EXPECT_EQ((*worker)->Stop(), 0);
  }

  Result migrated = Migrate();
  ASSERT_EQ(migrated.exit_code, 0) << migrated.output;
  EXPECT_TRUE(
      absl::StrContains(migrated.output, "migrated to storage layout 2"))
      << migrated.output;

  // Same keys, same contents: rankings (members and scores), player records
  // (member prefixes and scorer aux values, byte for byte), bucket states,
  // dense boards' distinct indexes, period indexes, stats.
  std::map<std::string, std::string> want = GameData(fresh_conn->get());
  std::map<std::string, std::string> got = GameData(old_conn_.get());
  EXPECT_GT(want.size(), 30u);
  for (const auto& [key, dump] : want) {
    auto it = got.find(key);
    if (it == got.end()) {
      ADD_FAILURE() << "missing after migration: " << key;
      continue;
    }
    EXPECT_EQ(it->second, dump) << key;
  }
  for (const auto& [key, dump] : got) {
    EXPECT_TRUE(want.count(key)) << "left over after migration: " << key;
  }
  // The dedup markers: every event id the fresh run remembers, the
  // migrated data remembers too.
  EXPECT_EQ(DedupIds(old_conn_.get()), DedupIds(fresh_conn->get()));
  for (const char* legacy : {"st:{*}:seen:*", "st:{*}:applied"}) {
    EXPECT_TRUE(Keys(old_conn_.get(), legacy).empty()) << legacy;
  }

  // Again: nothing to do.
  Result again = Migrate();
  EXPECT_EQ(again.exit_code, 0) << again.output;
  EXPECT_TRUE(absl::StrContains(again.output, "already at storage layout 2"))
      << again.output;

  // The migrated Redis works: a retry of an applied event changes nothing,
  // a new event counts.
  auto worker = StartWorker(*old_, kConfig, "after");
  ASSERT_TRUE(worker.ok()) << worker.status();
  std::string applied_bytes;
  for (const RedisReply& e : entries->elements) {
    const auto& f = e.elements[1].elements;
    if (f.size() < 2) continue;
    v1::GameEvent event;
    if (event.ParseFromString(f[1].str) && event.game_id() == "chess" &&
        event.has_match_completed()) {
      applied_bytes = f[1].str;  // the last chess match
    }
  }
  ASSERT_FALSE(applied_bytes.empty());
  ASSERT_TRUE(
      old_conn_->CommandOk({"XADD", kStream, "*", "event", applied_bytes})
          .ok());
  ASSERT_TRUE(WaitDrained(old_conn_.get(), absl::Seconds(30)).ok());
  EXPECT_EQ(GameData(old_conn_.get()), got) << "a retry changed the boards";
  v1::GameEvent next;
  next.set_event_id("after-migration-1");
  next.set_game_id("chess");
  next.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  auto* m = next.mutable_match_completed();
  auto* a = m->add_participants();
  a->set_player_id("newcomer-a");
  a->set_outcome(v1::OUTCOME_WIN);
  auto* b = m->add_participants();
  b->set_player_id("newcomer-b");
  b->set_outcome(v1::OUTCOME_LOSS);
  ASSERT_TRUE(
      old_conn_
          ->CommandOk({"XADD", kStream, "*", "event", next.SerializeAsString()})
          .ok());
  ASSERT_TRUE(WaitDrained(old_conn_.get(), absl::Seconds(30)).ok());
  auto card = old_conn_->Command({"ZCARD", "st:{chess}:lb:elo:all"});
  ASSERT_TRUE(card.ok());
  auto before = fresh_conn->get()->Command({"ZCARD", "st:{chess}:lb:elo:all"});
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(card->integer, before->integer + 2);
  EXPECT_EQ((*worker)->Stop(), 0);
}

}  // namespace
}  // namespace testing
}  // namespace statstracker
