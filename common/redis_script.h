#ifndef STATSTRACKER_COMMON_REDIS_SCRIPT_H_
#define STATSTRACKER_COMMON_REDIS_SCRIPT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/redis_client.h"

namespace statstracker {

// A Lua script run with EVALSHA, falling back to EVAL (which also caches it
// on the server) when Redis answers NOSCRIPT, e.g. after a restart or SCRIPT
// FLUSH. One round trip in the common case. Thread-safe (immutable).
class RedisScript {
 public:
  explicit RedisScript(std::string source);

  // Runs the script. An error reply becomes a status: UNAVAILABLE for the
  // transient ones (LOADING, BUSY, MASTERDOWN, TRYAGAIN), INTERNAL otherwise.
  absl::StatusOr<RedisReply> Run(RedisConnection* conn,
                                 const std::vector<std::string>& keys,
                                 const std::vector<std::string>& args) const;

  // The EVALSHA command for pipelining; use CheckReply on its reply (a
  // NOSCRIPT reply there means: run it once with Run() and retry).
  std::vector<std::string> EvalShaCommand(
      const std::vector<std::string>& keys,
      const std::vector<std::string>& args) const;

  // The EVAL command (the script's source) for a caller that pipelines
  // EVALSHA itself and got NOSCRIPT back.
  std::vector<std::string> EvalCommand(
      const std::vector<std::string>& keys,
      const std::vector<std::string>& args) const;

  // Loads the script into Redis's script cache (SCRIPT LOAD), so that
  // pipelined EVALSHA commands find it.
  absl::Status Load(RedisConnection* conn) const;

  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

// Converts a Redis error reply to a status (see RedisScript::Run); OK for
// every other reply.
absl::Status CheckReply(const RedisReply& reply, absl::string_view command);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_REDIS_SCRIPT_H_
