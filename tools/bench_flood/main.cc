// Acceptance benchmark of the gateway's HTTP front (issue 15): with one
// client (127.0.0.2) holding N half-open connections - each sent half a
// request line and then nothing, re-opened as soon as the server closes it -
// M normal clients (127.0.0.1, one keep-alive connection each) must keep
// getting answers with p99 <= 50 ms and no errors.
//
// Starts a private redis-server and the server (tests/server_stack.h, the
// test config, default HTTP limits), measures the normal clients for
// --seconds without the flood, then again with it, and prints both. Loopback
// only; bounded in connections (--flood, at most 5000), time (--seconds, at
// most 60) and reconnect rate (at most 2,000/s).
//
//   bazel run -c opt //tools/bench_flood -- --flood=2000 --clients=8
//   --seconds=10
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "server/gateway/testing/http_client.h"
#include "tests/raw_http.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"

ABSL_FLAG(int, flood, 2000, "Half-open connections the flooding client holds");
ABSL_FLAG(int, clients, 8, "Normal clients (one keep-alive connection each)");
ABSL_FLAG(int, seconds, 10, "Seconds per phase");
ABSL_FLAG(std::string, path, "/v1/games/arcade/leaderboards/high/entries",
          "What the normal clients GET");

namespace statstracker {
namespace {

struct Phase {
  std::vector<double> latencies_ms;
  int errors = 0;
};

// M clients GET `path` in a loop for `seconds`.
Phase RunClients(int port, int clients, int seconds, const std::string& path) {
  std::vector<Phase> per(clients);
  std::vector<std::thread> threads;
  threads.reserve(clients);
  const absl::Time end = absl::Now() + absl::Seconds(seconds);
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto conn = gateway::testing::HttpConnection::Connect("127.0.0.1", port);
      while (absl::Now() < end) {
        if (!conn.ok()) {
          ++per[c].errors;
          absl::SleepFor(absl::Milliseconds(10));
          conn = gateway::testing::HttpConnection::Connect("127.0.0.1", port);
          continue;
        }
        absl::Time start = absl::Now();
        auto r = (*conn)->Request("GET", path);
        double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
        if (!r.ok() || r->status != 200) {
          ++per[c].errors;
          conn = gateway::testing::HttpConnection::Connect("127.0.0.1", port);
          continue;
        }
        per[c].latencies_ms.push_back(ms);
      }
    });
  }
  for (auto& t : threads) t.join();
  Phase all;
  for (const Phase& p : per) {
    all.latencies_ms.insert(all.latencies_ms.end(), p.latencies_ms.begin(),
                            p.latencies_ms.end());
    all.errors += p.errors;
  }
  std::sort(all.latencies_ms.begin(), all.latencies_ms.end());
  return all;
}

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i =
      std::min(sorted.size() - 1,
               static_cast<size_t>(q * static_cast<double>(sorted.size())));
  return sorted[i];
}

void Print(const char* name, const Phase& p, int seconds) {
  std::printf("| %-26s | %8.0f | %7.2f | %7.2f | %7.2f | %6d |\n", name,
              static_cast<double>(p.latencies_ms.size()) / seconds,
              Percentile(p.latencies_ms, 0.50),
              Percentile(p.latencies_ms, 0.99),
              p.latencies_ms.empty() ? 0 : p.latencies_ms.back(), p.errors);
}

// The flooding client: keeps `target` connections from 127.0.0.2 open, each
// with half a request sent; re-opens closed ones (at most 2,000/s).
class Flood {
 public:
  Flood(int port, int target) : port_(port), target_(target) {}
  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    stop_ = true;
    thread_.join();
  }
  int64_t Opened() const { return opened_.load(); }
  int64_t Answered() const { return answered_.load(); }
  int Held() const { return held_.load(); }

 private:
  void Run() {
    std::vector<testing::RawConnection> open;
    while (!stop_) {
      const absl::Time tick = absl::Now();
      // Drop the ones the server closed (a 429 or a 408 answer counts).
      int held = 0;
      for (auto& c : open) {
        if (c.fd() < 0 || c.closed()) continue;
        if (!c.ReadSome(absl::ZeroDuration()).empty()) ++answered_;
        if (!c.closed()) ++held;
      }
      open.erase(std::remove_if(open.begin(), open.end(),
                                [](const testing::RawConnection& c) {
                                  return c.fd() < 0 || c.closed();
                                }),
                 open.end());
      held_ = held;
      // Top up, at most 200 per 100 ms tick.
      for (int i = 0; i < 200 && static_cast<int>(open.size()) < target_; ++i) {
        auto c = testing::RawConnection::Connect(port_, "127.0.0.2");
        if (!c.ok()) break;
        (void)c->Send("GET /v1/games/arcade/leaderboards HTTP/1.1\r\nHost");
        open.push_back(*std::move(c));
        ++opened_;
      }
      absl::SleepFor(absl::Milliseconds(100) - (absl::Now() - tick));
    }
  }

  int port_;
  int target_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> opened_{0};
  std::atomic<int64_t> answered_{0};
  std::atomic<int> held_{0};
};

int Main() {
  const int flood = std::clamp(absl::GetFlag(FLAGS_flood), 0, 5000);
  const int clients = std::clamp(absl::GetFlag(FLAGS_clients), 1, 64);
  const int seconds = std::clamp(absl::GetFlag(FLAGS_seconds), 1, 60);
  const int limit = testing::RaiseFileLimit(flood + clients + 512);
  if (limit < flood + clients + 64) {
    std::fprintf(stderr, "bench_flood: file descriptor limit %d is too low\n",
                 limit);
    return 1;
  }
  testing::StackOptions options;
  options.worker = false;
  auto stack = testing::StartStack(testing::TestConfig(), options);
  if (!stack.ok()) {
    std::fprintf(stderr, "bench_flood: %s\n",
                 stack.status().ToString().c_str());
    return 1;
  }
  const std::string http =
      testing::ReadyField((*stack)->server->ready_line(), "http");
  const int port = std::stoi(http.substr(http.rfind(':') + 1));
  const std::string path = absl::GetFlag(FLAGS_path);
  std::printf("flood=%d clients=%d seconds=%d path=%s fd_limit=%d\n\n", flood,
              clients, seconds, path.c_str(), limit);

  Phase quiet = RunClients(port, clients, seconds, path);
  Flood flooder(port, flood);
  flooder.Start();
  absl::SleepFor(absl::Seconds(1));  // the flood is up
  Phase flooded = RunClients(port, clients, seconds, path);
  flooder.Stop();

  std::printf("| %-26s | %8s | %7s | %7s | %7s | %6s |\n", "normal clients",
              "req/s", "p50 ms", "p99 ms", "max ms", "errors");
  std::printf("|---|---|---|---|---|---|\n");
  Print("without the flood", quiet, seconds);
  Print("during the flood", flooded, seconds);
  std::printf(
      "\nflood: %lld connections opened from 127.0.0.2 (re-opened as the "
      "server closed them), %lld answered by the server (429 past the "
      "per-client limit, 408 at the header timeout), %d open on the "
      "client's side at the end\n",
      static_cast<long long>(flooder.Opened()),
      static_cast<long long>(flooder.Answered()), flooder.Held());
  const double p99 = Percentile(flooded.latencies_ms, 0.99);
  const bool pass = flooded.errors == 0 && p99 <= 50;
  std::printf("acceptance (p99 <= 50 ms, no errors during the flood): %s\n",
              pass ? "met" : "NOT met");
  return 0;
}

}  // namespace
}  // namespace statstracker

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return statstracker::Main();
}
