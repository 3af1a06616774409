#ifndef STATSTRACKER_TESTS_SERVER_STACK_H_
#define STATSTRACKER_TESTS_SERVER_STACK_H_

// Process-level fixtures for the server tests: a child process that is ready
// once it prints a marker line, the whole stack (redis-server, worker,
// server) started from one config text, and small clients for what gRPC
// stubs do not cover (grpc.health.v1 without its generated code, HTTP GET).

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "tests/redis_server.h"

namespace statstracker {
namespace testing {

// A child process with stdout and stderr appended to one log file.
class ChildProcess {
 public:
  // Starts argv[0] (a path) and waits until its output has a line
  // containing `ready_marker`. UNAVAILABLE with the log's tail if it exits
  // or does not get ready within `timeout`.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::vector<std::string>& argv, const std::string& ready_marker,
      absl::Duration timeout = absl::Seconds(30));
  // Stop()s.
  ~ChildProcess();

  // SIGTERM, then SIGKILL after 10 s; returns the exit status (waitpid).
  int Stop();
  // The first line that contained the marker.
  const std::string& ready_line() const { return ready_line_; }
  // Everything the process has printed so far.
  std::string Output() const;
  pid_t pid() const { return pid_; }

 private:
  ChildProcess() = default;
  pid_t pid_ = -1;
  std::string log_path_;
  std::string ready_line_;
};

// A temporary file with `contents`, under TEST_TMPDIR.
absl::StatusOr<std::string> WriteTempFile(const std::string& name,
                                          const std::string& contents);

// The value of `key=` in a "server ready k=v k=v" line, e.g. "grpc".
std::string ReadyField(const std::string& line, const std::string& key);

// Whether the binary exists in the test's runfiles (e.g. "worker/worker").
bool HaveBinary(const std::string& path);

struct StackOptions {
  // Start the worker (worker/worker) too, if it is in the runfiles.
  bool worker = true;
  // Keep Redis data across Stop()/Restart() (append-only file).
  bool redis_append_only = false;
};

// redis-server + worker + server, all on free ports, from one config (its
// redis/server addresses are set by flags, so the text need not name them).
struct Stack {
  std::unique_ptr<RedisServer> redis;
  std::unique_ptr<ChildProcess> worker;  // null without a worker
  std::unique_ptr<ChildProcess> server;
  std::string config_path;
  std::string grpc_address;
  std::string metrics_address;
  std::shared_ptr<grpc::Channel> channel;

  // Starts the server process again (e.g. after a config change).
  absl::Status StartServer();
  absl::Status StartWorker();
};

absl::StatusOr<std::unique_ptr<Stack>> StartStack(
    const std::string& config_text, StackOptions options = StackOptions());

// grpc.health.v1.Health/Check for `service` ("" = the server): the status
// enum (1 SERVING, 2 NOT_SERVING), or the RPC's error.
absl::StatusOr<int> HealthCheck(grpc::Channel* channel,
                                const std::string& service);

// GET http://<address><path>: the status line and body.
absl::StatusOr<std::string> HttpGet(const std::string& address,
                                    const std::string& path);

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TESTS_SERVER_STACK_H_
