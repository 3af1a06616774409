#ifndef STATSTRACKER_COMMON_LAYOUT_VERSION_H_
#define STATSTRACKER_COMMON_LAYOUT_VERSION_H_

// The storage layout check every worker and server runs at start-up: data of
// another layout (common/keys.h) is never read or written by mistake.

#include "absl/status/status.h"
#include "common/redis_client.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {

// OK if Redis holds layout keys::kLayoutVersion, or no Stats Tracker data of
// `config`'s games at all (then it records the version, so an empty Redis is
// claimed by the first worker or server). FAILED_PRECONDITION, saying what
// to run, for data of layout 1 (written before the version key existed), a
// migration in progress, or an unknown version; UNAVAILABLE when Redis
// cannot be asked.
absl::Status CheckLayout(RedisConnection* conn,
                         const v1::StatsTrackerConfig& config);

// The value `stats migrate` keeps in the version key while it runs.
inline constexpr char kLayoutMigrating[] = "migrating";

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_LAYOUT_VERSION_H_
