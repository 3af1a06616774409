#ifndef STATSTRACKER_TOOLS_BENCH_MEMORY_BENCH_MEMORY_H_
#define STATSTRACKER_TOOLS_BENCH_MEMORY_BENCH_MEMORY_H_

// Helpers of the memory benchmarks (tools/bench_storage, tools/bench_history):
// they measure what the real worker leaves in a private redis-server.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "common/redis_client.h"
#include "tests/redis_server.h"

namespace statstracker {
namespace testing {

// The event stream the benchmarks publish to (the test configs' default).
inline constexpr char kBenchStream[] = "statstracker:events";

// Exits with `what` and the status when it is not OK (a benchmark has no
// way to go on).
void CheckOrExit(const absl::Status& status, const char* what);

// "player-0000042": ids of one length, so runs compare.
std::string BenchPlayerId(int i);

// INFO memory's used_memory.
int64_t UsedMemory(RedisConnection* conn);

// XADDs each serialized GameEvent to kBenchStream, pipelined in 2,000s.
void PublishEvents(RedisConnection* conn,
                   const std::vector<std::string>& events);

// Publishes `events`, runs the worker with `config` until the group drained
// and the stream is trimmed, stops it, and returns the bytes Redis holds
// beyond what it held before.
int64_t ApplyAndMeasure(RedisServer* redis, RedisConnection* conn,
                        const std::string& config,
                        const std::vector<std::string>& events);

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TOOLS_BENCH_MEMORY_BENCH_MEMORY_H_
