// Benchmark of the query server on a 1,000,000-player board, next to
// redis-benchmark replaying the same Redis work in the same run.
//
//   bazel run //tools/bench_server -- --players=1000000 --seconds=10
//
// It starts a private redis-server and the real server binary, fills the
// "total" board of the test config (higher first, standard ties) in the
// worker's key layout, then measures with --clients concurrent synchronous
// gRPC clients:
//   top10   ListEntries page_size 10
//   around  ListEntriesAroundPlayer radius 5 around a random player
// and runs redis-benchmark with the same concurrency on the EVALSHA commands
// those RPCs send (one per RPC), plus a bare ZRANGE 0 9 WITHSCORES.
#include <stdio.h>

#include <algorithm>
#include <atomic>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/flags_usage.h"
#include "common/keys.h"
#include "grpcpp/grpcpp.h"
#include "server/board_queries.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"
#include "tools/bench_board/bench_board.h"

ABSL_FLAG(int, players, 1000000, "Players on the board");
ABSL_FLAG(int, seconds, 10, "Seconds per gRPC measurement");
ABSL_FLAG(int, clients, 8, "Concurrent clients (gRPC and redis-benchmark)");
ABSL_FLAG(int, redis_requests, 200000, "Requests per redis-benchmark run");

namespace statstracker {
namespace {

void Check(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::cerr << what << ": " << status << std::endl;
    exit(1);
  }
}

struct Result {
  double qps = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t errors = 0;
};

template <typename Call>
Result Measure(int clients, absl::Duration duration, Call call) {
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<int64_t> errors{0};
  absl::Time end = absl::Now() + duration;
  std::vector<std::thread> threads;
  threads.reserve(clients);
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      std::mt19937 rng(c + 100);
      while (absl::Now() < end) {
        absl::Time start = absl::Now();
        if (!call(c, rng)) ++errors;
        latencies[c].push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
      }
    });
  }
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Result r;
  r.errors = errors;
  if (all.empty()) return r;
  r.qps = all.size() / absl::ToDoubleSeconds(duration);
  r.p50_ms = all[all.size() / 2];
  r.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  return r;
}

// Runs redis-benchmark --csv on one command; its rps, p50 and p99.
Result RedisBenchmark(int port, int clients, int requests,
                      const std::vector<std::string>& argv) {
  std::string cmd = absl::StrCat("redis-benchmark -p ", port, " -c ", clients,
                                 " -n ", requests, " -r 1000000 --csv");
  for (const std::string& arg : argv) {
    std::string quoted;
    for (char ch : arg) {
      if (ch == '\'') {
        quoted += "'\\''";
      } else {
        quoted += ch;
      }
    }
    absl::StrAppend(&cmd, " '", quoted, "'");
  }
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  // "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",
  // "p95_latency_ms","p99_latency_ms","max_latency_ms"
  Result r;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    std::vector<std::string> f = absl::StrSplit(line, "\",\"");
    if (f.size() < 7 || absl::StartsWith(f[1], "rps")) continue;
    r.qps = std::stod(f[1]);
    r.p50_ms = std::stod(f[4]);
    r.p99_ms = std::stod(f[6]);
  }
  if (r.qps == 0) std::cerr << "redis-benchmark output:\n" << out << std::endl;
  return r;
}

void Print(const std::string& name, const Result& r) {
  std::cout << absl::StrFormat("| %-44s | %9.0f | %7.3f | %7.3f |", name, r.qps,
                               r.p50_ms, r.p99_ms)
            << (r.errors > 0 ? absl::StrCat(" errors=", r.errors) : "")
            << std::endl;
}

int Run() {
  const int players = absl::GetFlag(FLAGS_players);
  const int clients = absl::GetFlag(FLAGS_clients);
  const absl::Duration seconds = absl::Seconds(absl::GetFlag(FLAGS_seconds));
  testing::StackOptions options;
  options.worker = false;
  auto stack = testing::StartStack(testing::TestConfig(), options);
  Check(stack.status(), "start");
  auto conn = (*stack)->redis->Connect();
  Check(conn.status(), "connect");
  v1::LeaderboardConfig board;
  board.set_leaderboard_id("total");
  board.set_sort_order(v1::SORT_ORDER_DESCENDING);
  board.set_tie_mode(v1::TIE_MODE_STANDARD);
  absl::Time fill_start = absl::Now();
  Check(bench::FillBenchBoard(conn->get(), "arcade", board, players), "fill");
  std::cerr << "filled " << players << " players in "
            << absl::FormatDuration(absl::Now() - fill_start) << std::endl;

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  std::vector<std::unique_ptr<v1::LeaderboardService::Stub>> stubs;
  for (int c = 0; c < clients; ++c) {
    // One channel (HTTP/2 connection) per client, as separate services have.
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", c);  // distinct subchannels
    channels.push_back(grpc::CreateCustomChannel(
        (*stack)->grpc_address, grpc::InsecureChannelCredentials(), args));
    stubs.push_back(v1::LeaderboardService::NewStub(channels.back()));
  }
  auto top10 = [&](int c, std::mt19937&) {
    v1::ListEntriesRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id("total");
    req.set_page_size(10);
    v1::ListEntriesResponse resp;
    grpc::ClientContext ctx;
    return stubs[c]->ListEntries(&ctx, req, &resp).ok() &&
           resp.entries_size() == 10;
  };
  auto around = [&](int c, std::mt19937& rng) {
    v1::ListEntriesAroundPlayerRequest req;
    req.set_game_id("arcade");
    req.set_leaderboard_id("total");
    req.set_player_id(bench::BenchPlayerId(rng() % players));
    req.set_radius(5);
    v1::ListEntriesAroundPlayerResponse resp;
    grpc::ClientContext ctx;
    return stubs[c]->ListEntriesAroundPlayer(&ctx, req, &resp).ok() &&
           resp.entries_size() >= 6;
  };
  // Warm up (loads the scripts into Redis, opens pooled connections).
  Measure(clients, absl::Seconds(1), top10);
  Measure(clients, absl::Seconds(1), around);

  std::cout << "players=" << players << " clients=" << clients
            << " cores=" << std::thread::hardware_concurrency() << std::endl;
  std::cout << "| what | queries/s | p50 ms | p99 ms |\n|---|---|---|---|"
            << std::endl;
  Print("gRPC ListEntries page_size=10 (top-10)",
        Measure(clients, seconds, top10));
  Print("gRPC ListEntriesAroundPlayer radius=5",
        Measure(clients, seconds, around));

  server::BoardRef ref{&board, "arcade", "total", "all"};
  const int port = (*stack)->redis->port();
  const int requests = absl::GetFlag(FLAGS_redis_requests);
  Print("redis-benchmark EVALSHA page script (top-10)",
        RedisBenchmark(port, clients, requests,
                       server::ListPageCommand(ref, 10)));
  Print("redis-benchmark EVALSHA around script r=5",
        RedisBenchmark(port, clients, requests,
                       server::AroundPlayerCommand(ref, "p__rand_int__", 5)));
  Print("redis-benchmark ZRANGE 0 9 WITHSCORES",
        RedisBenchmark(port, clients, requests,
                       {"ZRANGE", keys::Board("arcade", "total", "all"), "0",
                        "9", "WITHSCORES"}));
  return 0;
}

}  // namespace
}  // namespace statstracker

constexpr char kUsage[] =
    R"(benchmarks the query server's top-10 and around-player
RPCs on a --players board with --clients concurrent gRPC clients, beside
redis-benchmark replaying the same Redis commands in the same run. Not a
test; figures go to BENCHMARKS.md.

usage: bazel run -c opt //tools/bench_server -- [--players N] [--seconds S]
           [--clients N] [--redis_requests N])";

int main(int argc, char** argv) {
  statstracker::SetUpHelp(kUsage, __FILE__);
  absl::ParseCommandLine(argc, argv);
  return statstracker::Run();
}
