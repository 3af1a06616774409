#include "tests/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace statstracker {
namespace testing {

absl::StatusOr<RawConnection> RawConnection::Connect(int port,
                                                     const std::string& from) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return absl::UnavailableError(absl::StrCat("socket: errno ", errno));
  RawConnection c(fd);
  if (!from.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, from.c_str(), &local.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0) {
      return absl::UnavailableError(
          absl::StrCat("bind ", from, ": errno ", errno));
    }
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return absl::UnavailableError(absl::StrCat("connect: errno ", errno));
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return c;
}

RawConnection::RawConnection(RawConnection&& other) noexcept
    : fd_(other.fd_), closed_(other.closed_) {
  other.fd_ = -1;
}

RawConnection& RawConnection::operator=(RawConnection&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    closed_ = other.closed_;
    other.fd_ = -1;
  }
  return *this;
}

RawConnection::~RawConnection() {
  if (fd_ >= 0) close(fd_);
}

absl::Status RawConnection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n =
        send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      return absl::UnavailableError(absl::StrCat("send: errno ", errno));
    sent += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

std::string RawConnection::ReadSome(absl::Duration timeout) {
  std::string out;
  absl::Time deadline = absl::Now() + timeout;
  while (!closed_) {
    int ms = static_cast<int>(std::max<int64_t>(
        0, absl::ToInt64Milliseconds(deadline - absl::Now())));
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) break;
    char buf[16384];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      closed_ = true;  // EOF or reset
      break;
    }
    out.append(buf, static_cast<size_t>(n));
    if (ms == 0) break;
  }
  return out;
}

std::string RawConnection::ReadUntilClosed(absl::Duration timeout) {
  std::string out;
  absl::Time deadline = absl::Now() + timeout;
  while (!closed_ && absl::Now() < deadline) {
    out += ReadSome(deadline - absl::Now());
  }
  return out;
}

absl::StatusOr<std::string> RawExchange(int port, const std::string& bytes,
                                        absl::Duration timeout) {
  auto c = RawConnection::Connect(port);
  if (!c.ok()) return c.status();
  absl::Status sent = c->Send(bytes);
  if (!sent.ok()) return sent;
  return c->ReadUntilClosed(timeout);
}

int RaiseFileLimit(int wanted) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < static_cast<rlim_t>(wanted)) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, wanted);
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return static_cast<int>(limit.rlim_cur);
}

int CountOccurrences(const std::string& haystack, const std::string& needle) {
  int count = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

}  // namespace testing
}  // namespace statstracker
