#include "tests/server_stack.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <future>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpcpp/generic/generic_stub.h"

namespace statstracker {
namespace testing {
namespace {

std::string TempDir() {
  const char* base = getenv("TEST_TMPDIR");
  return base != nullptr ? base : "/tmp";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

absl::StatusOr<std::string> WriteTempFile(const std::string& name,
                                          const std::string& contents) {
  std::string path = absl::StrCat(TempDir(), "/", name);
  std::ofstream out(path, std::ios::trunc);
  out << contents;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return path;
}

std::string ReadyField(const std::string& line, const std::string& key) {
  for (absl::string_view part : absl::StrSplit(line, ' ')) {
    if (absl::StartsWith(part, key + "=")) {
      return std::string(part.substr(key.size() + 1));
    }
  }
  return "";
}

bool HaveBinary(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::vector<std::string>& argv, const std::string& ready_marker,
    absl::Duration timeout) {
  static int counter = 0;
  std::unique_ptr<ChildProcess> child(new ChildProcess());
  child->log_path_ =
      absl::StrCat(TempDir(), "/child-", getpid(), "-", ++counter, ".log");
  int fd = open(child->log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return absl::InternalError("cannot create the child log");
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> args;
    std::vector<std::string> copy = argv;
    args.reserve(copy.size() + 1);
    for (auto& a : copy) args.push_back(a.data());
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(fd);
  child->pid_ = pid;
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    for (absl::string_view line :
         absl::StrSplit(ReadAll(child->log_path_), '\n')) {
      if (absl::StrContains(line, ready_marker)) {
        child->ready_line_ = std::string(line);
        return child;
      }
    }
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      child->pid_ = -1;
      return absl::UnavailableError(
          absl::StrCat(argv[0], " exited (status ", status,
                       ") before it was ready; output:\n", child->Output()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  std::string output = child->Output();
  child->Stop();
  return absl::UnavailableError(
      absl::StrCat(argv[0], " printed no '", ready_marker, "' line within ",
                   absl::FormatDuration(timeout), "; output:\n", output));
}

std::string ChildProcess::Output() const { return ReadAll(log_path_); }

int ChildProcess::Stop() {
  if (pid_ <= 0) return 0;
  kill(pid_, SIGTERM);
  int status = 0;
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (waitpid(pid_, &status, WNOHANG) == 0) {
    if (absl::Now() > deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
  return status;
}

ChildProcess::~ChildProcess() { Stop(); }

// The live page's directory. In Bazel's runfiles server/web/ holds symlinks
// into the source tree, which the gateway refuses to follow out of its web
// root, so pass the directory the files really live in.
static std::string WebRoot() {
  char* real = realpath("server/web/index.html", nullptr);
  if (real == nullptr) return "server/web";
  std::string path(real);
  free(real);
  return path.substr(0, path.rfind('/'));
}

absl::Status Stack::StartServer() {
  server.reset();
  auto child = ChildProcess::Start(
      {"server/server", "--config", config_path, "--redis_host", redis->host(),
       "--redis_port", absl::StrCat(redis->port()), "--grpc_address",
       "127.0.0.1:0", "--http_address", "127.0.0.1:0", "--metrics_address",
       "127.0.0.1:0", "--web_root", WebRoot()},
      "server ready");
  if (!child.ok()) return child.status();
  server = *std::move(child);
  grpc_address = ReadyField(server->ready_line(), "grpc");
  metrics_address = ReadyField(server->ready_line(), "metrics");
  channel =
      grpc::CreateChannel(grpc_address, grpc::InsecureChannelCredentials());
  return absl::OkStatus();
}

absl::Status Stack::StartWorker() {
  worker.reset();
  auto child = ChildProcess::Start(
      {"worker/worker", "--config", config_path, "--redis_host", redis->host(),
       "--redis_port", absl::StrCat(redis->port()), "--metrics_address",
       "127.0.0.1:0", "--consumer_name", "test-worker"},
      "worker ready");
  if (!child.ok()) return child.status();
  worker = *std::move(child);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Stack>> StartStack(
    const std::string& config_text, StackOptions options) {
  auto stack = std::make_unique<Stack>();
  RedisServer::Options redis_options;
  redis_options.append_only = options.redis_append_only;
  auto redis = RedisServer::Start(redis_options);
  if (!redis.ok()) return redis.status();
  stack->redis = *std::move(redis);
  static int counter = 0;
  auto path = WriteTempFile(absl::StrCat("config-", ++counter, ".textproto"),
                            config_text);
  if (!path.ok()) return path.status();
  stack->config_path = *path;
  if (options.worker && HaveBinary("worker/worker")) {
    absl::Status status = stack->StartWorker();
    if (!status.ok()) return status;
  }
  absl::Status status = stack->StartServer();
  if (!status.ok()) return status;
  return stack;
}

absl::StatusOr<int> HealthCheck(grpc::Channel* channel,
                                const std::string& service) {
  // HealthCheckRequest { string service = 1; } encoded by hand: the test
  // needs no generated code for grpc.health.v1.
  std::string request;
  if (!service.empty()) {
    request.push_back(0x0A);
    request.push_back(static_cast<char>(service.size()));
    request += service;
  }
  grpc::Slice slice(request);
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::GenericStub stub(channel->shared_from_this());
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
  std::promise<grpc::Status> done;
  stub.UnaryCall(
      &context, "/grpc.health.v1.Health/Check", grpc::StubOptions(),
      &request_buffer, &response_buffer,
      [&done](const grpc::Status& status) { done.set_value(status); });
  grpc::Status status = done.get_future().get();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  std::vector<grpc::Slice> slices;
  if (!response_buffer.Dump(&slices).ok()) {
    return absl::InternalError("cannot read the health response");
  }
  std::string bytes;
  for (const auto& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  // HealthCheckResponse { ServingStatus status = 1; }: 0x08 <varint>, or
  // empty for UNKNOWN (0).
  if (bytes.empty()) return 0;
  if (bytes.size() != 2 || bytes[0] != 0x08) {
    return absl::InternalError("unexpected health response bytes");
  }
  return static_cast<int>(bytes[1]);
}

absl::StatusOr<std::string> HttpGet(const std::string& address,
                                    const std::string& path) {
  std::vector<std::string> parts = absl::StrSplit(address, ':');
  int port = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[1], &port)) {
    return absl::InvalidArgumentError(absl::StrCat("bad address ", address));
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, parts[0].c_str(), &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot connect to ", address));
  }
  std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: ", address,
                   "\r\nConnection: close\r\n\r\n");
  if (write(fd, request.data(), request.size()) !=
      static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::UnavailableError("short write");
  }
  std::string response;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) response.append(buf, n);
  close(fd);
  return response;
}

}  // namespace testing
}  // namespace statstracker
