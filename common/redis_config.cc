#include "common/redis_config.h"

#include "absl/strings/numbers.h"

namespace statstracker {

RedisTarget RedisTargetFromConfig(const v1::RedisConfig& redis,
                                  absl::Duration extra_timeout) {
  RedisTarget target;
  for (const std::string& seed : redis.seed_nodes()) {
    const size_t colon = seed.rfind(':');
    NodeAddress address;
    address.host = seed.substr(0, colon);
    if (address.host.size() > 2 && address.host.front() == '[' &&
        address.host.back() == ']') {
      address.host = address.host.substr(1, address.host.size() - 2);
    }
    if (colon == std::string::npos ||
        !absl::SimpleAtoi(seed.substr(colon + 1), &address.port)) {
      continue;  // validated at load; nothing to connect to
    }
    target.seeds.push_back(address);
  }
  if (target.seeds.empty()) {
    target.seeds.push_back(
        NodeAddress{redis.host(), static_cast<int>(redis.port())});
  }
  target.password = redis.password();
  absl::Duration timeout = absl::Seconds(redis.timeout().seconds()) +
                           absl::Nanoseconds(redis.timeout().nanos());
  if (timeout <= absl::ZeroDuration()) timeout = absl::Seconds(2);
  target.timeout = timeout + extra_timeout;
  target.read_from_replicas = redis.read_from_replicas();
  return target;
}

}  // namespace statstracker
