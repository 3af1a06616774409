// Redis memory per board entry, everything included, against a bare sorted
// set of the same player ids measured in the same run.
//
//   bazel run -c opt //tools/bench_storage -- --players=1000000
//
// For each scenario it starts a private redis-server, publishes one event
// per player (two players per match on rating boards) as an idempotent
// producer, runs the real worker until the group is drained and the stream
// trimmed, and reads INFO memory: (used_memory after - before) / players is
// the cost of an entry with everything the worker keeps (ranking, player
// records, distinct index, dedup state, cursor, what is left of the stream).
// Then it FLUSHALLs and ZADDs the same ids with the same scores into one
// plain ZSET: the bare cost. Dedup bytes per event are measured on their
// own: N events with a producer sequence, and N without (event-id sets).
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/keys.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"
#include "tools/bench_memory/bench_memory.h"

ABSL_FLAG(int, players, 1000000, "Players per board");
ABSL_FLAG(int, dedup_events, 200000, "Events of each dedup measurement");
ABSL_FLAG(std::string, only, "", "Run just this scenario (name)");

namespace statstracker {
namespace testing {
namespace {

struct Scenario {
  std::string name;
  std::string board;  // LeaderboardConfig text
  bool matches;       // 1v1 matches instead of score submissions
  bool distinct_scores;
};

std::string ConfigText(const Scenario& s, int batch_size) {
  return absl::StrCat(R"cfg(
stream { key: "statstracker:events" }
worker {
  batch_size: )cfg",
                      batch_size, R"cfg(
  block { nanos: 100000000 }
  trim_interval { nanos: 200000000 }
  metrics_address: "off"
}
logging { level: "warning" }
games {
  game_id: "bench"
  leaderboards { )cfg",
                      s.board, R"cfg( }
}
)cfg");
}

// The events of a scenario and the scores the bare ZSET gets.
struct Load {
  std::vector<std::string> bytes;
  std::vector<double> scores;  // per player (bare ZSET)
};

Load MakeLoad(const Scenario& s, int players, bool sequenced) {
  Load load;
  std::mt19937 rng(7);
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  auto envelope = [&](v1::GameEvent* e, int n) {
    e->set_event_id(absl::StrCat("evt-", n));
    e->set_game_id("bench");
    e->mutable_occurred_at()->set_seconds(now - 3600 + n % 3600);
    if (sequenced) {
      e->mutable_producer()->set_producer_id("bench-producer");
      e->mutable_producer()->set_epoch(1);
      e->mutable_producer()->set_sequence(n + 1);
    }
  };
  if (s.matches) {
    for (int i = 0; i + 1 < players; i += 2) {
      v1::GameEvent e;
      envelope(&e, i / 2);
      auto* m = e.mutable_match_completed();
      auto* a = m->add_participants();
      a->set_player_id(BenchPlayerId(i));
      a->set_outcome(v1::OUTCOME_WIN);
      auto* b = m->add_participants();
      b->set_player_id(BenchPlayerId(i + 1));
      b->set_outcome(v1::OUTCOME_LOSS);
      load.bytes.push_back(e.SerializeAsString());
    }
    return load;
  }
  for (int i = 0; i < players; ++i) {
    v1::GameEvent e;
    envelope(&e, i);
    // Integer scores 0..99,999: about ten players share each (ties), or
    // all distinct.
    double score = s.distinct_scores ? i : static_cast<double>(rng() % 100000);
    e.mutable_score_submitted()->set_player_id(BenchPlayerId(i));
    e.mutable_score_submitted()->set_score(score);
    load.bytes.push_back(e.SerializeAsString());
    load.scores.push_back(score);
  }
  return load;
}

int64_t BareZset(RedisConnection* conn, const std::vector<double>& scores,
                 int players) {
  CheckOrExit(conn->CommandOk({"FLUSHALL", "SYNC"}).status(), "FLUSHALL");
  const int64_t before = UsedMemory(conn);
  for (int i = 0; i < players; i += 2000) {
    std::vector<std::string> zadd = {"ZADD", "bare"};
    for (int j = i; j < std::min(players, i + 2000); ++j) {
      zadd.push_back(absl::StrCat(scores[j]));
      zadd.push_back(BenchPlayerId(j));
    }
    CheckOrExit(conn->CommandOk(zadd).status(), "ZADD");
  }
  return UsedMemory(conn) - before;
}

void Run() {
  const int players = absl::GetFlag(FLAGS_players);
  const std::vector<Scenario> scenarios = {
      {"best_score/standard",
       R"(leaderboard_id: "b" scorer: "best_score" tie_mode: TIE_MODE_STANDARD)",
       false, false},
      {"best_score/unique",
       R"(leaderboard_id: "b" scorer: "best_score" tie_mode: TIE_MODE_UNIQUE)",
       false, false},
      {"best_score/dense (ties)",
       R"(leaderboard_id: "b" scorer: "best_score" tie_mode: TIE_MODE_DENSE)",
       false, false},
      {"best_score/dense (all distinct)",
       R"(leaderboard_id: "b" scorer: "best_score" tie_mode: TIE_MODE_DENSE)",
       false, true},
      {"elo", R"(leaderboard_id: "b" scorer: "elo")", true, false},
      {"glicko2", R"(leaderboard_id: "b" scorer: "glicko2")", true, false},
  };
  std::cout << "players=" << players << " ids like " << BenchPlayerId(0)
            << " (redis-server " << std::flush;
  system(
      "redis-server --version | sed 's/.*v=\\([^ ]*\\).*/\\1/' | tr -d '\\n'");
  std::cout << ")\n"
            << "| board | bytes/entry, all included | bare ZSET bytes/entry "
               "| ratio |\n|---|---|---|---|\n";
  for (const Scenario& s : scenarios) {
    if (!absl::GetFlag(FLAGS_only).empty() &&
        s.name != absl::GetFlag(FLAGS_only)) {
      continue;
    }
    auto redis = RedisServer::Start();
    CheckOrExit(redis.status(), "redis-server");
    auto conn = (*redis)->Connect();
    CheckOrExit(conn.status(), "connect");
    auto config = WriteTempFile("bench-storage.textproto", ConfigText(s, 1000));
    CheckOrExit(config.status(), "config");
    Load load = MakeLoad(s, players, /*sequenced=*/true);
    const int64_t ours =
        ApplyAndMeasure(redis->get(), conn->get(), *config, load.bytes);
    // The bare ZSET gets the scores the board ended with.
    std::vector<double> scores = load.scores;
    if (scores.empty()) {
      auto all = (*conn)->CommandOk({"ZRANGE", keys::Board("bench", "b", "all"),
                                     "0", "-1", "WITHSCORES"});
      CheckOrExit(all.status(), "ZRANGE");
      scores.assign(players, 0);
      for (size_t i = 0; i + 1 < all->elements.size(); i += 2) {
        const std::string& m = all->elements[i].str;
        int index = 0;
        absl::SimpleAtoi(m.substr(m.size() - 7), &index);
        absl::SimpleAtod(all->elements[i + 1].str, &scores[index]);
      }
    }
    const int64_t bare = BareZset(conn->get(), scores, players);
    std::cout << absl::StrFormat("| %s | %.1f | %.1f | %.2f |\n", s.name,
                                 static_cast<double>(ours) / players,
                                 static_cast<double>(bare) / players,
                                 static_cast<double>(ours) / bare);
  }

  // Dedup state per event, both ways, on a board whose entries are few (one
  // player), so the difference is the dedup state.
  const int n = absl::GetFlag(FLAGS_dedup_events);
  std::cout << "\n| dedup | events | bytes of dedup state | bytes/event |\n"
               "|---|---|---|---|\n";
  for (bool sequenced : {true, false}) {
    auto redis = RedisServer::Start();
    CheckOrExit(redis.status(), "redis-server");
    auto conn = (*redis)->Connect();
    CheckOrExit(conn.status(), "connect");
    Scenario s{"dedup", R"(leaderboard_id: "b" scorer: "cumulative_points")",
               false, false};
    auto config = WriteTempFile("bench-dedup.textproto", ConfigText(s, 1000));
    CheckOrExit(config.status(), "config");
    std::vector<std::string> bytes;
    for (int i = 0; i < n; ++i) {
      v1::GameEvent e;
      e.set_event_id(
          absl::StrCat("0f8fad5b-d9cb-469f-a165-", 700000000000 + i));
      e.set_game_id("bench");
      e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
      if (sequenced) {
        e.mutable_producer()->set_producer_id("bench-producer");
        e.mutable_producer()->set_epoch(1);
        e.mutable_producer()->set_sequence(i + 1);
      }
      e.mutable_score_submitted()->set_player_id("p");
      e.mutable_score_submitted()->set_score(1);
      bytes.push_back(e.SerializeAsString());
    }
    ApplyAndMeasure(redis->get(), conn->get(), *config, bytes);
    int64_t dedup = 0;
    auto names = (*conn)->CommandOk(
        {"KEYS", sequenced ? "st:{bench}:producer:*" : "st:{bench}:dedup:*"});
    CheckOrExit(names.status(), "KEYS");
    for (const RedisReply& key : names->elements) {
      auto usage =
          (*conn)->CommandOk({"MEMORY", "USAGE", key.str, "SAMPLES", "0"});
      CheckOrExit(usage.status(), "MEMORY USAGE");
      dedup += usage->integer;
    }
    std::cout << absl::StrFormat(
        "| %s | %d | %d | %.2f |\n",
        sequenced ? "producer sequence (1 producer)" : "event_id (36-byte ids)",
        n, dedup, static_cast<double>(dedup) / n);
  }
}

}  // namespace
}  // namespace testing
}  // namespace statstracker

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  statstracker::testing::Run();
  return 0;
}
