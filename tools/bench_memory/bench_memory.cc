#include "tools/bench_memory/bench_memory.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace testing {

void CheckOrExit(const absl::Status& status, const char* what) {
  if (!status.ok()) {
    std::cerr << what << ": " << status << std::endl;
    exit(1);
  }
}

std::string BenchPlayerId(int i) { return absl::StrFormat("player-%07d", i); }

int64_t UsedMemory(RedisConnection* conn) {
  auto info = conn->CommandOk({"INFO", "memory"});
  CheckOrExit(info.status(), "INFO memory");
  for (absl::string_view line : absl::StrSplit(info->str, '\n')) {
    if (absl::ConsumePrefix(&line, "used_memory:")) {
      int64_t v = 0;
      (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &v);
      return v;
    }
  }
  return 0;
}

void PublishEvents(RedisConnection* conn,
                   const std::vector<std::string>& events) {
  for (size_t i = 0; i < events.size(); i += 2000) {
    std::vector<std::vector<std::string>> cmds;
    for (size_t j = i; j < std::min(events.size(), i + 2000); ++j) {
      cmds.push_back({"XADD", kBenchStream, "*", "event", events[j]});
    }
    CheckOrExit(conn->Pipeline(cmds).status(), "XADD");
  }
}

int64_t ApplyAndMeasure(RedisServer* redis, RedisConnection* conn,
                        const std::string& config,
                        const std::vector<std::string>& events) {
  const int64_t before = UsedMemory(conn);
  PublishEvents(conn, events);
  auto worker = StartWorker(*redis, config, "bench");
  CheckOrExit(worker.status(), "worker");
  CheckOrExit(WaitDrained(conn, absl::Minutes(30)), "drain");
  // Let the trimmer see the last acknowledgements.
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    auto len = conn->CommandOk({"XLEN", kBenchStream});
    if (len.ok() && len->integer == 0) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  (*worker)->Stop();
  return UsedMemory(conn) - before;
}

}  // namespace testing
}  // namespace statstracker
