#include "tests/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"

namespace statstracker {
namespace testing {
namespace {

std::string ReadTail(const std::string& path, size_t max_bytes = 2000) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > max_bytes ? s.substr(s.size() - max_bytes) : s;
}

absl::StatusOr<std::string> MakeTempDir() {
  const char* base = getenv("TEST_TMPDIR");
  std::string tmpl =
      absl::StrCat(base != nullptr ? base : "/tmp", "/redis.XXXXXX");
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp ", tmpl, ": ", strerror(errno)));
  }
  return std::string(buf.data());
}

}  // namespace

absl::StatusOr<int> PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return absl::InternalError(
        absl::StrCat("binding 127.0.0.1:0 failed: ", strerror(errno)));
  }
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

absl::StatusOr<std::string> FindOnPath(const std::string& name) {
  const char* path = getenv("PATH");
  for (absl::string_view dir :
       absl::StrSplit(path != nullptr ? path : "", ':', absl::SkipEmpty())) {
    std::string candidate = absl::StrCat(dir, "/", name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::NotFoundError(absl::StrCat(name, " not found on PATH (",
                                          path != nullptr ? path : "", ")"));
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    Options options) {
  auto binary = FindOnPath("redis-server");
  if (!binary.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        binary.status().message(),
        ". Install it with `sudo apt-get install redis-server` (Debian 12), "
        "or run `tools/install_deps.sh`."));
  }
  auto dir = MakeTempDir();
  if (!dir.ok()) return dir.status();
  if (!options.rdb_file.empty()) {
    std::string cmd =
        absl::StrCat("cp '", options.rdb_file, "' '", *dir,
                     "/dump.rdb' && chmod u+w '", *dir, "/dump.rdb'");
    if (system(cmd.c_str()) != 0) {
      return absl::NotFoundError(
          absl::StrCat("cannot copy the RDB file '", options.rdb_file, "'"));
    }
  }
  std::unique_ptr<RedisServer> server(new RedisServer(*binary, *dir, options));
  // Another process may grab the picked port before redis binds it; retry.
  absl::Status last;
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto port = PickFreePort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    last = server->Launch();
    if (last.ok()) return server;
  }
  return last;
}

absl::Status RedisServer::Launch() {
  std::string log = absl::StrCat(dir_, "/redis.log");
  std::vector<std::string> args = {binary_,
                                   "--port",
                                   absl::StrCat(port_),
                                   "--bind",
                                   host_,
                                   "--dir",
                                   dir_,
                                   "--save",
                                   "",
                                   "--appendonly",
                                   options_.append_only ? "yes" : "no",
                                   "--appendfsync",
                                   "always",
                                   "--daemonize",
                                   "no",
                                   "--logfile",
                                   log,
                                   "--protected-mode",
                                   "yes"};
  args.insert(args.end(), options_.extra_args.begin(),
              options_.extra_args.end());
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    setpgid(0, 0);
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pid_ = pid;
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return absl::UnavailableError(absl::StrCat("redis-server on port ", port_,
                                                 " exited at start-up; log:\n",
                                                 ReadTail(log)));
    }
    auto conn = RedisConnection::Connect(host_, port_, absl::Milliseconds(200));
    if (conn.ok()) {
      auto pong = (*conn)->Command({"PING"});
      if (pong.ok() && pong->str == "PONG") return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  Stop();
  return absl::UnavailableError(
      absl::StrCat("redis-server on port ", port_,
                   " did not answer PING within 10 s; log:\n", ReadTail(log)));
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  absl::Time deadline = absl::Now() + absl::Seconds(5);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

absl::Status RedisServer::Restart() {
  Stop();
  return Launch();
}

RedisServer::~RedisServer() {
  Stop();
  std::string cmd = absl::StrCat("rm -rf '", dir_, "'");
  if (system(cmd.c_str()) != 0) {
    // Leaving a temp dir behind is harmless; Bazel cleans TEST_TMPDIR.
  }
}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisServer::Connect() const {
  return RedisConnection::Connect(host_, port_, absl::Seconds(5));
}

}  // namespace testing
}  // namespace statstracker
