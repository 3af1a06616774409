// Benchmark of the REST gateway (not a test): wrk against the top-10 and
// around-player routes, beside the same queries over gRPC, in one run on one
// server process.
//
//   bazel run //tools/bench_gateway -- --players=1000000 --seconds=10
//
// It starts a private redis-server and the real server binary, fills the
// "total" board of the test config (higher first, standard ties) in the
// worker's key layout, then measures with --connections concurrent clients:
//   gRPC  ListEntries page_size=10 / ListEntriesAroundPlayer radius=5
//         (synchronous clients, one channel each, as tools/bench_server)
//   REST  GET /v1/games/arcade/leaderboards/total/entries?page_size=10 and
//         .../players/<random>/around?radius=5 with wrk (keep-alive).
// Needs `wrk` on PATH (Debian package wrk).
#include <stdio.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/flags_usage.h"
#include "common/keys.h"
#include "grpcpp/grpcpp.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"
#include "tools/bench_board/bench_board.h"

ABSL_FLAG(int, players, 1000000, "Players on the board");
ABSL_FLAG(int, seconds, 10, "Seconds per measurement");
ABSL_FLAG(int, connections, 8, "Concurrent clients / wrk connections");
ABSL_FLAG(int, wrk_threads, 2, "wrk threads");

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

// wrk's latency values ("1.23ms", "850.00us", "1.01s") in milliseconds.
double WrkMs(absl::string_view v) {
  double x = 0;
  if (absl::ConsumeSuffix(&v, "us")) {
    absl::SimpleAtod(v, &x);
    return x / 1000;
  }
  if (absl::ConsumeSuffix(&v, "ms")) {
    absl::SimpleAtod(v, &x);
    return x;
  }
  if (absl::ConsumeSuffix(&v, "m")) {
    absl::SimpleAtod(v, &x);
    return x * 60000;
  }
  if (absl::ConsumeSuffix(&v, "s")) {
    absl::SimpleAtod(v, &x);
    return x * 1000;
  }
  return x;
}

// Runs wrk --latency; requests/s, p50, p99 and non-2xx count.
Result Wrk(const std::string& url, const std::string& script, int threads,
           int connections, int seconds) {
  std::string cmd = absl::StrCat(
      "wrk --latency -t", threads, " -c", connections, " -d", seconds, "s ",
      script.empty() ? "" : "-s " + script + " ", "'", url, "' 2>&1");
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  Result r;
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    std::vector<absl::string_view> f = absl::StrSplit(
        absl::StripAsciiWhitespace(line), ' ', absl::SkipEmpty());
    if (f.size() >= 2 && f[0] == "Requests/sec:")
      absl::SimpleAtod(f[1], &r.qps);
    if (f.size() >= 2 && f[0] == "50%") r.p50_ms = WrkMs(f[1]);
    if (f.size() >= 2 && f[0] == "99%") r.p99_ms = WrkMs(f[1]);
    if (f.size() >= 5 && f[0] == "Non-2xx") absl::SimpleAtoi(f[4], &r.errors);
  }
  if (r.qps == 0) std::cerr << "wrk output:\n" << out << std::endl;
  return r;
}

void Print(const std::string& name, const Result& r) {
  std::cout << absl::StrFormat("| %-58s | %9.0f | %7.3f | %7.3f |", name, r.qps,
                               r.p50_ms, r.p99_ms)
            << (r.errors > 0 ? absl::StrCat(" errors=", r.errors) : "")
            << std::endl;
}

int Run() {
  const int players = absl::GetFlag(FLAGS_players);
  const int clients = absl::GetFlag(FLAGS_connections);
  const int seconds = absl::GetFlag(FLAGS_seconds);
  testing::StackOptions options;
  options.worker = false;
  auto stack = testing::StartStack(testing::TestConfig(), options);
  Check(stack.status(), "start");
  const std::string http =
      testing::ReadyField((*stack)->server->ready_line(), "http");
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
    grpc::ChannelArguments args;
    args.SetInt("grpc.channel_id", c);  // one connection per client
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
  Measure(clients, absl::Seconds(1), top10);  // warm-up: scripts, pools

  const std::string base = absl::StrCat("http://", http);
  const std::string top10_url =
      base + "/v1/games/arcade/leaderboards/total/entries?page_size=10";
  const std::string script =
      absl::StrCat(getenv("TEST_TMPDIR") ? getenv("TEST_TMPDIR") : "/tmp",
                   "/bench_gateway_around.lua");
  std::ofstream(script) << absl::StrFormat(
      "request = function()\n"
      "  local p = string.format(\"p%%012d\", math.random(0, %d))\n"
      "  return wrk.format(nil, "
      "\"/v1/games/arcade/leaderboards/total/players/\" .. p .. "
      "\"/around?radius=5\")\n"
      "end\n",
      players - 1);
  Wrk(top10_url, "", 1, clients, 1);  // warm-up

  std::cout << "players=" << players << " connections=" << clients
            << " wrk_threads=" << absl::GetFlag(FLAGS_wrk_threads)
            << " cores=" << std::thread::hardware_concurrency() << std::endl;
  std::cout << "| what | requests/s | p50 ms | p99 ms |\n|---|---|---|---|"
            << std::endl;
  Print("gRPC ListEntries page_size=10 (top-10)",
        Measure(clients, absl::Seconds(seconds), top10));
  Print("REST GET .../total/entries?page_size=10 (wrk)",
        Wrk(top10_url, "", absl::GetFlag(FLAGS_wrk_threads), clients, seconds));
  Print("gRPC ListEntriesAroundPlayer radius=5",
        Measure(clients, absl::Seconds(seconds), around));
  Print("REST GET .../players/<random>/around?radius=5 (wrk)",
        Wrk(base, script, absl::GetFlag(FLAGS_wrk_threads), clients, seconds));
  return 0;
}

}  // namespace
}  // namespace statstracker

constexpr char kUsage[] =
    R"(benchmarks the REST gateway with wrk (top-10 and
around-player routes) beside the same queries over gRPC, on one private
redis-server + server with a --players board. Not a test; figures go to
BENCHMARKS.md.

usage: bazel run -c opt //tools/bench_gateway -- [--players N] [--seconds S]
           [--connections N] [--wrk_threads N])";

int main(int argc, char** argv) {
  statstracker::SetUpHelp(kUsage, __FILE__);
  absl::ParseCommandLine(argc, argv);
  return statstracker::Run();
}
