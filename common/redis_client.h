#ifndef STATSTRACKER_COMMON_REDIS_CLIENT_H_
#define STATSTRACKER_COMMON_REDIS_CLIENT_H_

#include <hiredis/hiredis.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace statstracker {

// A Redis reply, copied out of hiredis so it outlives the connection buffer.
struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<RedisReply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
  // The reply as a readable string, for errors and logs.
  std::string DebugString() const;
};

// One synchronous connection to Redis. Commands are always sent as argument
// vectors (redisCommandArgv), so values are binary-safe and never parsed.
// Not thread-safe: use one per thread.
class RedisConnection {
 public:
  // Connects and, if `password` is non-empty, authenticates. UNAVAILABLE if
  // Redis cannot be reached within `timeout`, which also bounds each command.
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(
      const std::string& host, int port, absl::Duration timeout,
      const std::string& password = "");

  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Runs one command. A Redis error reply is returned as a reply of type
  // kError (not a failed status), so callers can tell "Redis said no" from
  // "Redis is gone"; the latter is UNAVAILABLE and leaves the connection
  // broken (see broken()).
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args);

  // Sends all commands in one round trip and returns their replies in order.
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);

  // Like Command, but an error reply becomes an INTERNAL status that quotes
  // the command name and Redis's message.
  absl::StatusOr<RedisReply> CommandOk(const std::vector<std::string>& args);

  // True once an I/O error has happened; reconnect to recover.
  bool broken() const { return broken_; }

 private:
  explicit RedisConnection(redisContext* ctx) : ctx_(ctx) {}
  absl::Status IoError(absl::string_view what);

  redisContext* ctx_;
  bool broken_ = false;
};

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_REDIS_CLIENT_H_
