// Redis memory of player histories (LeaderboardConfig.history), measured
// with the real worker: what one history point costs, what a player's list
// costs beyond its points, and that the cap bounds it.
//
//   bazel build -c opt //tools/bench_history
//   cd bazel-bin/tools/bench_history/bench_history.runfiles/statstracker
//   TEST_TMPDIR=$(mktemp -d) ../../bench_history --players=2000 --cap=100
//
// Each run starts a private redis-server and the real worker/worker on an
// Elo board (every match changes both players, so every match is a point
// for each) and publishes rounds of 1v1 matches in which every player plays
// once, with --id_bytes event ids (36: the length of a UUID). It reads INFO
// used_memory after the group is drained and the stream trimmed, for:
//   off       history off, `cap` rounds               (the board alone)
//   1 point   history { max_points: cap }, 1 round
//   full      history { max_points: cap }, cap rounds
//   2x cap    history { max_points: cap }, 2 * cap rounds (capped)
// bytes per point = (full - 1 point) / (players * (cap - 1)); bytes per list
// beyond its points = (1 point - off) / players - bytes per point (the off
// run's ratings are as many bytes as the others'). MEMORY USAGE of the full
// lists (SAMPLES 0) is printed beside it as a cross-check.
#include <algorithm>
#include <iostream>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/keys.h"
#include "statstracker/v1/events.pb.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"
#include "tools/bench_memory/bench_memory.h"

ABSL_FLAG(int, players, 2000, "Players (even)");
ABSL_FLAG(int, cap, 100, "history.max_points");
ABSL_FLAG(int, id_bytes, 36, "Length of the event ids (12 to 128)");

namespace statstracker {
namespace testing {
namespace {

std::string ConfigText(int cap) {
  return absl::StrCat(
      R"cfg(
stream { key: "statstracker:events" }
worker {
  batch_size: 1000
  block { nanos: 100000000 }
  trim_interval { nanos: 200000000 }
  metrics_address: "off"
}
logging { level: "warning" }
games {
  game_id: "bench"
  leaderboards { leaderboard_id: "b" scorer: "elo" )cfg",
      cap > 0 ? absl::StrCat("history { max_points: ", cap, " }") : "",
      R"cfg( }
}
)cfg");
}

// `rounds` rounds of matches in which every player plays once, as an
// idempotent producer, with event ids of `id_bytes` bytes.
std::vector<std::string> Matches(int players, int rounds, int id_bytes) {
  std::mt19937 rng(7);
  std::vector<int> order(players);
  std::iota(order.begin(), order.end(), 0);
  std::vector<std::string> bytes;
  const int64_t start = absl::ToUnixSeconds(absl::Now()) - 86400;
  int64_t n = 0;
  for (int r = 0; r < rounds; ++r) {
    std::shuffle(order.begin(), order.end(), rng);
    for (int i = 0; i + 1 < players; i += 2, ++n) {
      v1::GameEvent e;
      e.set_event_id(absl::StrFormat("e%0*d", id_bytes - 1, n));
      e.set_game_id("bench");
      e.mutable_occurred_at()->set_seconds(start + n % 86400);
      e.mutable_producer()->set_producer_id("bench-producer");
      e.mutable_producer()->set_epoch(1);
      e.mutable_producer()->set_sequence(n + 1);
      auto* m = e.mutable_match_completed();
      auto* a = m->add_participants();
      a->set_player_id(BenchPlayerId(order[i]));
      a->set_outcome(rng() % 2 ? v1::OUTCOME_WIN : v1::OUTCOME_LOSS);
      auto* b = m->add_participants();
      b->set_player_id(BenchPlayerId(order[i + 1]));
      b->set_outcome(a->outcome() == v1::OUTCOME_WIN ? v1::OUTCOME_LOSS
                                                     : v1::OUTCOME_WIN);
      bytes.push_back(e.SerializeAsString());
    }
  }
  return bytes;
}

struct Run {
  int64_t bytes = 0;       // used_memory after - before
  int64_t list_usage = 0;  // MEMORY USAGE summed over the history lists
  int64_t points = 0;      // LLEN summed
  int64_t lists = 0;
};

Run Measure(int players, int cap, int rounds) {
  auto redis = RedisServer::Start();
  CheckOrExit(redis.status(), "redis-server");
  auto conn = (*redis)->Connect();
  CheckOrExit(conn.status(), "connect");
  auto config = WriteTempFile("bench-history.textproto", ConfigText(cap));
  CheckOrExit(config.status(), "config");
  const std::vector<std::string> events =
      Matches(players, rounds, absl::GetFlag(FLAGS_id_bytes));
  Run run;
  run.bytes = ApplyAndMeasure(redis->get(), conn->get(), *config, events);
  if (cap > 0) {
    for (int p = 0; p < players; ++p) {
      const std::string key =
          keys::BoardHistory("bench", "b", "all", BenchPlayerId(p));
      auto usage = (*conn)->CommandOk({"MEMORY", "USAGE", key, "SAMPLES", "0"});
      auto len = (*conn)->CommandOk({"LLEN", key});
      CheckOrExit(usage.status(), "MEMORY USAGE");
      CheckOrExit(len.status(), "LLEN");
      run.list_usage += usage->integer;
      run.points += len->integer;
      run.lists += len->integer > 0 ? 1 : 0;
    }
  }
  return run;
}

void Main() {
  const int players = absl::GetFlag(FLAGS_players);
  const int cap = absl::GetFlag(FLAGS_cap);
  std::cout << "players=" << players << " cap=" << cap << " event ids of "
            << absl::GetFlag(FLAGS_id_bytes) << " bytes, player ids like "
            << BenchPlayerId(0) << "\n";
  const Run off = Measure(players, 0, cap);
  const Run one = Measure(players, cap, 1);
  const Run full = Measure(players, cap, cap);
  const Run twice = Measure(players, cap, 2 * cap);
  std::cout << "| run | matches per player | points kept | used_memory "
               "bytes | per player |\n|---|---|---|---|---|\n";
  for (const auto& [name, run, rounds] :
       {std::make_tuple("history off", off, cap),
        std::make_tuple("1 point", one, 1),
        std::make_tuple("full (cap)", full, cap),
        std::make_tuple("2x cap", twice, 2 * cap)}) {
    std::cout << absl::StrFormat("| %s | %d | %d | %d | %.1f |\n", name, rounds,
                                 run.points, run.bytes,
                                 static_cast<double>(run.bytes) / players);
  }
  const double per_point = static_cast<double>(full.bytes - one.bytes) /
                           (static_cast<double>(players) * (cap - 1));
  const double per_list =
      static_cast<double>(one.bytes - off.bytes) / players - per_point;
  std::cout << absl::StrFormat(
      "\nbytes per point: %.1f (used_memory), %.1f (MEMORY USAGE of the full "
      "lists / points)\nbytes per list beyond its points: %.1f\n"
      "2x cap / full: %.3f\n",
      per_point,
      static_cast<double>(full.list_usage) / std::max<int64_t>(1, full.points),
      per_list, static_cast<double>(twice.bytes) / full.bytes);
}

}  // namespace
}  // namespace testing
}  // namespace statstracker

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  statstracker::testing::Main();
  return 0;
}
