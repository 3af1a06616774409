#ifndef STATSTRACKER_COMMON_REDIS_CONFIG_H_
#define STATSTRACKER_COMMON_REDIS_CONFIG_H_

// From the config's `redis` section to where RedisConnection connects.

#include "absl/time/time.h"
#include "common/redis_client.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {

// Seeds = redis.seed_nodes, or redis.host:port when there are none; the
// password, timeout (plus `extra_timeout`, for commands that block) and
// replica reads of the config. The config must have passed validation.
RedisTarget RedisTargetFromConfig(
    const v1::RedisConfig& redis,
    absl::Duration extra_timeout = absl::ZeroDuration());

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_REDIS_CONFIG_H_
