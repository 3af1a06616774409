// Worker throughput, next to what redis-server itself can do on this machine.
//
//   bazel run -c opt //tools/bench_worker -- --events=100000
//
// For each scenario it starts a private redis-server, publishes --events
// events (pipelined XADD), starts the real worker binary and measures from
// its "worker ready" line until the group has nothing pending and no lag:
//   best_score  score submissions to "arcade" (4 boards: best/cumulative/
//               daily/lower-first), 200 players
//   elo         1v1 matches in "chess" (Elo), 40 players
// Then it reads INFO commandstats to get the Redis commands one event costs
// (calls / events) and runs redis-benchmark, pipelined (-P), on each of those
// commands; the "Redis-bound" rate is 1 / sum(calls_per_event / rate), the
// rate Redis alone could sustain for that command mix (per-batch commands
// such as WATCH, MULTI/EXEC and XREADGROUP are listed, not benchmarked:
// redis-benchmark cannot replay them meaningfully). It also reports
// redis-benchmark's pipelined XADD rate (what a producer can publish) and the
// worker's rate as a fraction of both.
#include <stdio.h>

#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/flags_usage.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"

ABSL_FLAG(int, events, 100000, "Events published per scenario");
ABSL_FLAG(int, batch_size, 256, "worker.batch_size");
ABSL_FLAG(int, pipeline, 32, "redis-benchmark -P");
ABSL_FLAG(int, redis_requests, 300000, "Requests per redis-benchmark run");

namespace statstracker {
namespace testing {
namespace {

void Check(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::cerr << what << ": " << status << std::endl;
    exit(1);
  }
}

// redis-benchmark -P on one command; requests per second (0 on failure).
double RedisBenchmark(int port, const std::vector<std::string>& argv) {
  std::string cmd =
      absl::StrCat("redis-benchmark -p ", port, " -c 4 -n ",
                   absl::GetFlag(FLAGS_redis_requests), " -P ",
                   absl::GetFlag(FLAGS_pipeline), " -r 100000 --csv");
  for (const std::string& arg : argv) absl::StrAppend(&cmd, " '", arg, "'");
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return 0;
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    std::vector<std::string> f = absl::StrSplit(line, "\",\"");
    if (f.size() < 2 || absl::StartsWith(f[1], "rps")) continue;
    double rps;
    if (absl::SimpleAtod(f[1], &rps)) return rps;
  }
  std::cerr << "redis-benchmark gave no rate for " << cmd << ":\n"
            << out << std::endl;
  return 0;
}

// A representative invocation of each command the worker sends per event.
const std::map<std::string, std::vector<std::string>>& Templates() {
  static const auto* t = new std::map<std::string, std::vector<std::string>>{
      {"zadd", {"ZADD", "bz", "__rand_int__", "m__rand_int__"}},
      {"zrem", {"ZREM", "bz", "m__rand_int__"}},
      {"hset", {"HSET", "bh", "f__rand_int__", "v"}},
      {"hmget", {"HMGET", "bh", "f__rand_int__", "g__rand_int__"}},
      {"hget", {"HGET", "bh", "f__rand_int__"}},
      {"hgetall", {"HGETALL", "small"}},
      {"hincrby", {"HINCRBY", "bc", "f__rand_int__", "1"}},
      {"hdel", {"HDEL", "bc", "x__rand_int__"}},
      {"exists", {"EXISTS", "seen:__rand_int__"}},
      {"set", {"SET", "seen:__rand_int__", "1-1", "PX", "604800000"}},
      {"xadd",
       {"XADD", "applied", "MAXLEN", "~", "100000", "*", "event_id",
        "__rand_int__", "source_id", "1-1"}},
      {"xack", {"XACK", "bs", "g", "1-1"}},
      {"pexpireat", {"PEXPIREAT", "bz", "99999999999999"}},
      {"ping", {"PING"}},
  };
  return *t;
}

struct Scenario {
  std::string name;
  GeneratorOptions options;
};

void Run() {
  const int events = absl::GetFlag(FLAGS_events);
  auto config =
      WriteTempFile("bench-worker.textproto",
                    WorkerTestConfig("", absl::GetFlag(FLAGS_batch_size)));
  Check(config.status(), "config");
  std::vector<Scenario> scenarios(2);
  scenarios[0].name = "best_score";
  scenarios[0].options.arcade_submissions = 100;
  scenarios[0].options.arcade_matches = 0;
  scenarios[0].options.duel = 0;
  scenarios[0].options.chess = 0;
  scenarios[1].name = "elo";
  scenarios[1].options.arcade_submissions = 0;
  scenarios[1].options.arcade_matches = 0;
  scenarios[1].options.duel = 0;
  scenarios[1].options.chess = 100;
  for (Scenario& s : scenarios) {
    s.options.events = events;
    s.options.duplicate_fraction = 0;
    s.options.garbage_fraction = 0;
    s.options.rejected_fraction = 0;
  }
  double xadd_rate = 0;
  std::cout << "events=" << events
            << " batch_size=" << absl::GetFlag(FLAGS_batch_size)
            << " redis-benchmark -P " << absl::GetFlag(FLAGS_pipeline)
            << " -c 4" << std::endl;
  for (const Scenario& s : scenarios) {
    auto redis = RedisServer::Start();
    Check(redis.status(), "redis-server");
    auto conn = (*redis)->Connect();
    Check(conn.status(), "connect");
    std::vector<StreamItem> items = GenerateEvents(s.options);
    absl::Time t0 = absl::Now();
    Check(Publish(conn->get(), items).status(), "publish");
    double publish_s = absl::ToDoubleSeconds(absl::Now() - t0);
    Check((*conn)->CommandOk({"CONFIG", "RESETSTAT"}).status(), "resetstat");
    auto worker = StartWorker(**redis, *config, "bench");
    Check(worker.status(), "worker");
    absl::Time start = absl::Now();
    Check(WaitDrained(conn->get(), absl::Minutes(30)), "drain");
    double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    double rate = events / seconds;
    (*worker)->Stop();

    auto stats = (*conn)->CommandOk({"INFO", "commandstats"});
    Check(stats.status(), "INFO");
    // cmdstat_zadd:calls=123,usec=...
    std::map<std::string, double> per_event;
    for (absl::string_view line : absl::StrSplit(stats->str, '\n')) {
      if (!absl::ConsumePrefix(&line, "cmdstat_")) continue;
      std::vector<absl::string_view> kv = absl::StrSplit(line, ':');
      if (kv.size() < 2) continue;
      absl::string_view rest = kv[1];
      if (!absl::ConsumePrefix(&rest, "calls=")) continue;
      double calls;
      if (!absl::SimpleAtod(rest.substr(0, rest.find(',')), &calls)) continue;
      std::string name(kv[0]);
      if (name == "info" || name == "config" || name == "xinfo") continue;
      per_event[name] = calls / events;
    }
    double cost = 0;  // seconds of Redis per event
    std::string measured, unmeasured;
    for (const auto& [name, n] : per_event) {
      auto t = Templates().find(name);
      if (t == Templates().end()) {
        absl::StrAppend(&unmeasured, name, "=", absl::StrFormat("%.3f", n),
                        " ");
        continue;
      }
      double rps = RedisBenchmark((*redis)->port(), t->second);
      if (rps <= 0) continue;
      cost += n / rps;
      absl::StrAppend(&measured, name, "=", absl::StrFormat("%.3f", n), "@",
                      absl::StrFormat("%.0f", rps), "/s ");
    }
    if (xadd_rate == 0) {
      xadd_rate = RedisBenchmark((*redis)->port(),
                                 {"XADD", "bench:xadd", "*", "event", "x"});
    }
    double bound = cost > 0 ? 1 / cost : 0;
    std::cout << absl::StrFormat(
                     "| %-10s | %9.0f events/s | %6.2f s | Redis-bound %9.0f "
                     "events/s (worker = %4.1f%%) | XADD -P %9.0f/s (worker "
                     "= %4.1f%%) | publish %8.0f events/s |",
                     s.name, rate, seconds, bound,
                     bound > 0 ? 100 * rate / bound : 0, xadd_rate,
                     100 * rate / xadd_rate, events / publish_s)
              << std::endl;
    std::cout << "  commands per event (calls/event @ redis-benchmark rate): "
              << measured << std::endl;
    if (!unmeasured.empty()) {
      std::cout << "  per-batch commands, not benchmarked: " << unmeasured
                << std::endl;
    }
  }
}

}  // namespace
}  // namespace testing
}  // namespace statstracker

constexpr char kUsage[] =
    R"(measures the worker's throughput (best-score and Elo
scenarios, --events each) from a private redis-server, next to the rate
Redis alone sustains for the same commands (redis-benchmark, pipelined).
Not a test; figures go to BENCHMARKS.md.

usage: bazel run -c opt //tools/bench_worker -- [--events N] [--batch_size N]
           [--pipeline N] [--redis_requests N])";

int main(int argc, char** argv) {
  statstracker::SetUpHelp(kUsage, __FILE__);
  absl::ParseCommandLine(argc, argv);
  statstracker::testing::Run();
  return 0;
}
