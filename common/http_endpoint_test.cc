#include "common/http_endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace {

// Sends `request` to 127.0.0.1:port over a plain socket and returns the
// whole response (the server closes after it: "Connection: close").
std::string RawRequest(int port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    ADD_FAILURE() << "connect to port " << port << " failed";
    return "";
  }
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = send(fd, request.data() + sent, request.size() - sent, 0);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buf[4096];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return response;
}

std::string Get(int port, const std::string& path) {
  return RawRequest(port, absl::StrCat("GET ", path,
                                       " HTTP/1.1\r\nHost: localhost\r\n"
                                       "Connection: close\r\n\r\n"));
}

std::string Body(const std::string& response) {
  size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? "" : response.substr(end + 4);
}

TEST(HttpEndpointTest, ServesHandlerResponsesOverRealHttp) {
  std::atomic<int> calls{0};
  auto endpoint =
      HttpEndpoint::Start("127.0.0.1:0", [&calls](const HttpRequest& request) {
        ++calls;
        HttpResponse response;
        if (request.path != "/metrics") {
          response.status = 404;
          response.body = "not found: " + request.path + "\n";
          return response;
        }
        response.content_type = "text/plain; version=0.0.4; charset=utf-8";
        response.body = absl::StrCat("method=", request.method, "\n");
        return response;
      });
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  const int port = (*endpoint)->port();
  ASSERT_GT(port, 0);

  std::string ok = Get(port, "/metrics?debug=1");
  EXPECT_TRUE(absl::StartsWith(ok, "HTTP/1.1 200")) << ok;
  EXPECT_TRUE(absl::StrContains(
      ok, "Content-Type: text/plain; version=0.0.4; charset=utf-8"))
      << ok;
  EXPECT_EQ(Body(ok), "method=GET\n");

  std::string missing = Get(port, "/other");
  EXPECT_TRUE(absl::StartsWith(missing, "HTTP/1.1 404")) << missing;
  EXPECT_EQ(Body(missing), "not found: /other\n");

  std::string head =
      RawRequest(port,
                 "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                 "Connection: close\r\n\r\nabc");
  EXPECT_TRUE(absl::StartsWith(head, "HTTP/1.1 200")) << head;
  EXPECT_EQ(Body(head), "method=POST\n");
  EXPECT_EQ(calls.load(), 3);
}

TEST(HttpEndpointTest, StopsServingWhenDestroyed) {
  int port = 0;
  {
    auto endpoint = HttpEndpoint::Start("127.0.0.1:0", [](const HttpRequest&) {
      return HttpResponse{200, "text/plain", "hi"};
    });
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    port = (*endpoint)->port();
    EXPECT_EQ(Body(Get(port, "/")), "hi");
  }
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_NE(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  close(fd);
}

// Connects to host:port; true if the connection is accepted.
bool CanConnect(const char* host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host, &addr.sin_addr);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

TEST(HttpEndpointTest, ListensOnTheGivenHostOnly) {
  auto endpoint = HttpEndpoint::Start("127.0.0.1:0", [](const HttpRequest&) {
    return HttpResponse{200, "text/plain", "ok"};
  });
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  const int port = (*endpoint)->port();
  EXPECT_TRUE(CanConnect("127.0.0.1", port));
  // Another loopback address reaches the same interface, but nothing
  // listens there for this port: the socket is bound to 127.0.0.1 only.
  EXPECT_FALSE(CanConnect("127.0.0.2", port));
}

TEST(HttpEndpointTest, PortInUseIsUnavailable) {
  auto first = HttpEndpoint::Start(
      "127.0.0.1:0", [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_TRUE(first.ok()) << first.status();
  auto second =
      HttpEndpoint::Start(absl::StrCat("127.0.0.1:", (*first)->port()),
                          [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(absl::StrContains(second.status().message(), "cannot listen"))
      << second.status();
}

TEST(HttpEndpointTest, MalformedAddressesAreInvalidArgument) {
  for (const char* address : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:http",
                              "127.0.0.1:70000", "127.0.0.1:-1"}) {
    auto endpoint = HttpEndpoint::Start(
        address, [](const HttpRequest&) { return HttpResponse{}; });
    ASSERT_FALSE(endpoint.ok()) << address;
    EXPECT_EQ(endpoint.status().code(), absl::StatusCode::kInvalidArgument)
        << address << ": " << endpoint.status();
  }
}

}  // namespace
}  // namespace statstracker
