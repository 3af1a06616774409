#ifndef STATSTRACKER_TESTS_RAW_HTTP_H_
#define STATSTRACKER_TESTS_RAW_HTTP_H_

// Raw TCP for the hostile-input tests: bytes no HTTP client would send,
// connections that send half a request and wait, connections from another
// loopback address (127.0.0.2) so one test can be "another client".

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace statstracker {
namespace testing {

// A connected TCP socket to 127.0.0.1:`port`, bound to `from` (an address
// of the loopback network) when not empty. Closed when destroyed.
class RawConnection {
 public:
  static absl::StatusOr<RawConnection> Connect(int port,
                                               const std::string& from = "");
  RawConnection(RawConnection&& other) noexcept;
  RawConnection& operator=(RawConnection&& other) noexcept;
  ~RawConnection();

  absl::Status Send(const std::string& bytes);
  // Everything received until the server closes or `timeout` passes.
  // closed() says which.
  std::string ReadUntilClosed(absl::Duration timeout);
  // Whatever arrived within `timeout` (maybe nothing).
  std::string ReadSome(absl::Duration timeout);
  bool closed() const { return closed_; }
  int fd() const { return fd_; }

 private:
  explicit RawConnection(int fd) : fd_(fd) {}
  int fd_ = -1;
  bool closed_ = false;
};

// Sends `bytes` on a new connection and returns all that comes back before
// the server closes (or `timeout`).
absl::StatusOr<std::string> RawExchange(
    int port, const std::string& bytes,
    absl::Duration timeout = absl::Seconds(5));

// Raises this process's file descriptor soft limit to at least `wanted`
// (up to the hard limit); returns the limit in force.
int RaiseFileLimit(int wanted);

// How often `needle` occurs in `haystack`.
int CountOccurrences(const std::string& haystack, const std::string& needle);

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TESTS_RAW_HTTP_H_
