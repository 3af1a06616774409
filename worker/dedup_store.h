#ifndef STATSTRACKER_WORKER_DEDUP_STORE_H_
#define STATSTRACKER_WORKER_DEDUP_STORE_H_

// Reading the event-id dedup sets (worker/dedup.h, st:{g}:dedup:<w>:<i>) in
// one call. A batch checks its ids against every set of the window (9 or
// 10); sending the ids once and getting back only those found keeps the
// traffic per event at one id, where a SMISMEMBER per set sent each id
// ten times and got ten answers back. Sets that do not exist (yet, or any
// more) are skipped.

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "common/redis_client.h"

namespace statstracker {
namespace worker {

// The command (one EVALSHA) that finds which of `ids` are in any of the
// sets `keys` (all under one game's hash tag). The script is loaded by
// LoadDedupScripts.
std::vector<std::string> SeenIdsCommand(const std::vector<std::string>& keys,
                                        const std::vector<std::string>& ids);

// Adds to `seen` the ids the reply to SeenIdsCommand(keys, ids) names.
// INTERNAL for a malformed reply.
absl::Status ParseSeenIds(const RedisReply& reply,
                          const std::vector<std::string>& ids,
                          absl::flat_hash_set<std::string>* seen);

// Loads the script SeenIdsCommand uses (SCRIPT LOAD).
absl::Status LoadDedupScripts(RedisConnection* conn);

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_DEDUP_STORE_H_
