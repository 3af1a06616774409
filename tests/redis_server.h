#ifndef STATSTRACKER_TESTS_REDIS_SERVER_H_
#define STATSTRACKER_TESTS_REDIS_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/redis_client.h"

namespace statstracker {
namespace testing {

// A private redis-server for one test: found on PATH, bound to 127.0.0.1 on a
// free port, with its data in a fresh temporary directory. Start() waits until
// it answers PING; the destructor stops it and removes the directory.
//
// Typical use in a GoogleTest fixture:
//   auto redis = RedisServer::Start();
//   ASSERT_TRUE(redis.ok()) << redis.status();
class RedisServer {
 public:
  struct Options {
    // Persist with an append-only file, so Restart() keeps the data.
    bool append_only = false;
    // An RDB snapshot to start from (copied into the data directory).
    std::string rdb_file;
    // More redis-server arguments, e.g. {"--cluster-enabled", "yes"}.
    std::vector<std::string> extra_args;
  };

  // Starts a server. FAILED_PRECONDITION, with the install command, if
  // redis-server is not on PATH; UNAVAILABLE if it does not answer PING
  // within 10 seconds (its log is quoted).
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(Options options);
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start() {
    return Start(Options());
  }

  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // Stops the process (SIGTERM, then SIGKILL after 5 s) and keeps the data
  // directory, for tests of Redis going away.
  void Stop();
  // Starts it again on the same port and directory, waiting for PING.
  absl::Status Restart();
  // kill -9, as a crash: no shutdown, no save.
  void Kill();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  const std::string& host() const { return host_; }
  const std::string& dir() const { return dir_; }

  // A new client connection to this server.
  absl::StatusOr<std::unique_ptr<RedisConnection>> Connect() const;

 private:
  RedisServer(std::string binary, std::string dir, Options options)
      : binary_(std::move(binary)), dir_(std::move(dir)), options_(options) {}
  absl::Status Launch();

  std::string binary_;
  std::string dir_;
  Options options_;
  std::string host_ = "127.0.0.1";
  int port_ = 0;
  pid_t pid_ = -1;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
absl::StatusOr<int> PickFreePort();

// The absolute path of `name` found on PATH, or NOT_FOUND.
absl::StatusOr<std::string> FindOnPath(const std::string& name);

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TESTS_REDIS_SERVER_H_
