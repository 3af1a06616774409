// Worker throughput, next to what redis-server itself can do on this machine.
//
//   bazel run -c opt //tools/bench_worker -- --events=400000
//
// For each scenario it starts a private redis-server, publishes --events
// events (pipelined XADD), starts the real worker binary and measures from
// its "worker ready" line until the group has nothing pending and no lag:
//   best_score  score submissions to "arcade" (4 boards: best/cumulative/
//               daily/lower-first), 200 players
//   elo         1v1 matches in "chess" (Elo), 40 players
// The "Redis-bound" rate is the rate Redis alone could sustain for the
// worker's own command mix: events / the CPU time redis-server spent while
// the worker drained them (INFO CPU, used_cpu_user + used_cpu_sys; Redis
// executes commands on one thread, so at 100% of that thread it would
// apply events at that rate). The worker's rate divided by it is how busy
// the worker keeps Redis. The worker's own CPU per event (from /proc) says
// where the rest of the time goes. It also lists the Redis commands one
// event costs (INFO commandstats calls / events; commands run inside a
// script are counted with their script) and redis-benchmark's pipelined
// XADD rate (what a producer can publish).
#include <stdio.h>
#include <unistd.h>

#include <fstream>
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

ABSL_FLAG(int, events, 400000, "Events published per scenario");
ABSL_FLAG(int, batch_size, 1024, "worker.batch_size");
ABSL_FLAG(int, transaction_size, 256, "worker.transaction_size");
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

// Seconds of CPU redis-server has used (INFO CPU).
double RedisCpuSeconds(RedisConnection* conn) {
  auto info = conn->CommandOk({"INFO", "cpu"});
  Check(info.status(), "INFO cpu");
  double total = 0;
  for (absl::string_view line : absl::StrSplit(info->str, '\n')) {
    for (absl::string_view key : {"used_cpu_user:", "used_cpu_sys:"}) {
      absl::string_view rest = line;
      double v;
      if (absl::ConsumePrefix(&rest, key) &&
          absl::SimpleAtod(absl::StripAsciiWhitespace(rest), &v)) {
        total += v;
      }
    }
  }
  return total;
}

// Seconds of CPU a process has used (/proc/<pid>/stat utime + stime).
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  // Fields after the ")" that ends the command name; utime and stime are
  // the 12th and 13th of them.
  std::vector<std::string> f =
      absl::StrSplit(text.substr(text.rfind(')') + 2), ' ');
  double utime = 0, stime = 0;
  if (f.size() > 12) {
    absl::SimpleAtod(f[11], &utime);
    absl::SimpleAtod(f[12], &stime);
  }
  return (utime + stime) / sysconf(_SC_CLK_TCK);
}

struct Scenario {
  std::string name;
  GeneratorOptions options;
};

void Run() {
  const int events = absl::GetFlag(FLAGS_events);
  auto config = WriteTempFile(
      "bench-worker.textproto",
      WorkerTestConfig(absl::StrCat("transaction_size: ",
                                    absl::GetFlag(FLAGS_transaction_size)),
                       absl::GetFlag(FLAGS_batch_size)));
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
            << " transaction_size=" << absl::GetFlag(FLAGS_transaction_size)
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
    const double redis_cpu0 = RedisCpuSeconds(conn->get());
    const double worker_cpu0 = ProcessCpuSeconds((*worker)->pid());
    absl::Time start = absl::Now();
    Check(WaitDrained(conn->get(), absl::Minutes(30)), "drain");
    double seconds = absl::ToDoubleSeconds(absl::Now() - start);
    const double redis_cpu = RedisCpuSeconds(conn->get()) - redis_cpu0;
    const double worker_cpu = ProcessCpuSeconds((*worker)->pid()) - worker_cpu0;
    double rate = events / seconds;
    // How many transactions were computed while their reads were on the
    // way, and kept (worker/batch_overlap.h).
    std::string overlap = "no metrics";
    auto metrics =
        HttpGet(ReadyField((*worker)->ready_line(), "metrics"), "/metrics");
    if (metrics.ok()) {
      const char* name = "statstracker_worker_overlapped_transactions_total";
      overlap = absl::StrFormat(
          "overlapped transactions kept %.0f, recomputed %.0f",
          MetricSum(*metrics, name, {"outcome=\"kept\""}),
          MetricSum(*metrics, name, {"outcome=\"recomputed\""}));
    }
    (*worker)->Stop();

    auto stats = (*conn)->CommandOk({"INFO", "commandstats"});
    Check(stats.status(), "INFO");
    // cmdstat_zadd:calls=123,usec=...
    std::string mix;
    for (absl::string_view line : absl::StrSplit(stats->str, '\n')) {
      if (!absl::ConsumePrefix(&line, "cmdstat_")) continue;
      std::vector<absl::string_view> kv = absl::StrSplit(line, ':');
      if (kv.size() < 2) continue;
      absl::string_view rest = kv[1];
      if (!absl::ConsumePrefix(&rest, "calls=")) continue;
      double calls;
      if (!absl::SimpleAtod(rest.substr(0, rest.find(',')), &calls)) continue;
      std::string name(kv[0]);
      if (name == "info" || name == "config" || name == "xinfo" ||
          name == "xlen") {
        continue;
      }
      absl::StrAppend(&mix, name, "=", absl::StrFormat("%.3f", calls / events),
                      " ");
    }
    if (xadd_rate == 0) {
      xadd_rate = RedisBenchmark((*redis)->port(),
                                 {"XADD", "bench:xadd", "*", "event", "x"});
    }
    const double bound = redis_cpu > 0 ? events / redis_cpu : 0;
    std::cout << absl::StrFormat(
                     "| %-10s | %9.0f events/s | %6.2f s | Redis-bound %9.0f "
                     "events/s (worker = %4.1f%%) | Redis CPU %5.1f us/event, "
                     "worker CPU %5.1f us/event | XADD -P %9.0f/s (worker "
                     "= %4.1f%%) | publish %8.0f events/s |",
                     s.name, rate, seconds, bound,
                     bound > 0 ? 100 * rate / bound : 0,
                     1e6 * redis_cpu / events, 1e6 * worker_cpu / events,
                     xadd_rate, 100 * rate / xadd_rate, events / publish_s)
              << std::endl;
    std::cout << "  Redis calls per event (inside scripts included): " << mix
              << "\n  " << overlap << std::endl;
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
           [--transaction_size N] [--pipeline N] [--redis_requests N])";

int main(int argc, char** argv) {
  statstracker::SetUpHelp(kUsage, __FILE__);
  absl::ParseCommandLine(argc, argv);
  statstracker::testing::Run();
  return 0;
}
