// Hostile input on the REST gateway of a real server process (issue 15):
// strings that are not UTF-8 in paths and queries, 10 KB ids, a garbage
// request line, Content-Length -1 and oversized, 414/431/bad chunked
// encoding, half-open connection floods from another client, the connection
// caps, security headers, what the web root serves. Every answer must be a
// 4xx (or the stated 503 refusal) in the JSON error shape with one status
// line, and the server must keep answering other clients.
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/raw_http.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"

namespace statstracker {
namespace {

using testing::CountOccurrences;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RawConnection;
using testing::RawExchange;

struct Answer {
  int status = 0;
  std::string head;  // status line and headers
  google::protobuf::Struct json;
  bool is_json = false;
};

// Parses one raw HTTP response (the first in `raw`).
Answer Parse(const std::string& raw) {
  Answer a;
  size_t end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || end == std::string::npos) return a;
  a.head = raw.substr(0, end);
  a.status = std::atoi(raw.substr(9, 3).c_str());
  std::string body = raw.substr(end + 4);
  a.is_json = google::protobuf::util::JsonStringToMessage(body, &a.json).ok();
  return a;
}

// A 4xx in grpc-gateway's error shape with `code`, sent once.
void ExpectJsonError(const std::string& raw, int status, int code) {
  Answer a = Parse(raw);
  EXPECT_EQ(a.status, status) << raw.substr(0, 300);
  EXPECT_EQ(CountOccurrences(raw, "HTTP/1.1 "), 1) << raw.substr(0, 600);
  EXPECT_THAT(a.head, HasSubstr("Content-Type: application/json"));
  ASSERT_TRUE(a.is_json) << raw.substr(0, 300);
  EXPECT_EQ(a.json.fields().at("code").number_value(), code);
  EXPECT_TRUE(a.json.fields().at("message").has_string_value());
  EXPECT_TRUE(a.json.fields().at("details").has_list_value());
}

// The field of the first google.rpc.BadRequest violation in a JSON error.
std::string ViolatedField(const std::string& raw) {
  Answer a = Parse(raw);
  if (!a.is_json) return "";
  for (const auto& d : a.json.fields().at("details").list_value().values()) {
    const auto& f = d.struct_value().fields();
    if (f.count("@type") && f.at("@type").string_value() ==
                                "type.googleapis.com/google.rpc.BadRequest") {
      return f.at("fieldViolations")
          .list_value()
          .values(0)
          .struct_value()
          .fields()
          .at("field")
          .string_value();
    }
  }
  return "";
}

std::string Get(const std::string& target) {
  return absl::StrCat("GET ", target,
                      " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
}

class HostileHttpTest : public ::testing::Test {
 protected:
  void Start(const std::string& limits) {
    testing::StackOptions options;
    options.worker = false;
    auto stack = testing::StartStack(
        testing::TestConfig(absl::StrCat("http_limits { ", limits, " }")),
        options);
    ASSERT_TRUE(stack.ok()) << stack.status();
    stack_ = *std::move(stack);
    const std::string http =
        testing::ReadyField(stack_->server->ready_line(), "http");
    port_ = std::stoi(http.substr(http.rfind(':') + 1));
  }

  std::string Exchange(const std::string& bytes) {
    auto raw = RawExchange(port_, bytes);
    EXPECT_TRUE(raw.ok()) << raw.status();
    return raw.ok() ? *raw : "";
  }

  // A normal client still gets its answer.
  void ExpectAlive() {
    Answer a = Parse(Exchange(Get("/v1/games/arcade/leaderboards")));
    EXPECT_EQ(a.status, 200);
  }

  std::unique_ptr<testing::Stack> stack_;
  int port_ = 0;
};

TEST_F(HostileHttpTest, NotUtf8InPathAndQueryIs400NamingTheField) {
  Start("");
  std::string raw =
      Exchange(Get("/v1/games/arcade/leaderboards/high/players/%ff%fe"));
  ExpectJsonError(raw, 400, 3);
  EXPECT_EQ(ViolatedField(raw), "player_id");
  raw = Exchange(Get("/v1/games/arcade/leaderboards/high/entries?period=%ff"));
  ExpectJsonError(raw, 400, 3);
  EXPECT_EQ(ViolatedField(raw), "period");
  raw = Exchange(
      Get("/v1/games/arcade/leaderboards/high/entries:forPlayers?player_ids=a&"
          "player_ids=%c0%af"));
  ExpectJsonError(raw, 400, 3);
  EXPECT_EQ(ViolatedField(raw), "player_ids[1]");
  // A parameter name that is not UTF-8 names no field: ignored like every
  // unknown parameter (grpc-gateway v2), the request answered.
  EXPECT_EQ(Parse(Exchange(Get("/v1/games/arcade/leaderboards?%ff=1"))).status,
            200);
  // Not UTF-8 inside a JSON body.
  std::string body = "{\"playerIds\":[\"\xff\"]}";
  raw = Exchange(absl::StrCat(
      "POST /v1/games/arcade/leaderboards/high/entries:forPlayers HTTP/1.1\r\n"
      "Host: t\r\nConnection: close\r\nContent-Type: application/json\r\n"
      "Content-Length: ",
      body.size(), "\r\n\r\n", body));
  Answer a = Parse(raw);
  EXPECT_EQ(a.status, 400) << raw;
  ExpectAlive();
}

TEST_F(HostileHttpTest, TenKilobyteIdsAre400WithShortBodies) {
  Start("");
  const std::string big(10240, 'g');
  std::string raw =
      Exchange(Get(absl::StrCat("/v1/games/", big, "/leaderboards")));
  ExpectJsonError(raw, 400, 3);
  EXPECT_EQ(ViolatedField(raw), "game_id");
  EXPECT_LT(raw.size(), 2048u);
  raw = Exchange(
      Get(absl::StrCat("/v1/games/arcade/leaderboards/high/players/", big)));
  ExpectJsonError(raw, 400, 3);
  EXPECT_EQ(ViolatedField(raw), "player_id");
  // Past the target limit (16 KiB): 414, still JSON.
  ExpectJsonError(Exchange(Get(absl::StrCat(
                      "/v1/games/", std::string(20000, 'g'), "/leaderboards"))),
                  414, 3);
  ExpectAlive();
}

TEST_F(HostileHttpTest, MalformedRequestsGetOneJsonAnswerAndAreClosed) {
  Start("");
  // A garbage request line: answered and closed at once, not held open.
  auto c = RawConnection::Connect(port_);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE(c->Send("GARBAGE\r\n\r\n").ok());
  absl::Time sent = absl::Now();
  std::string raw = c->ReadUntilClosed(absl::Seconds(5));
  EXPECT_TRUE(c->closed());
  EXPECT_LT(absl::Now() - sent, absl::Seconds(2));
  ExpectJsonError(raw, 400, 3);

  const std::string post =
      "POST /v1/events:publish HTTP/1.1\r\nHost: t\r\nContent-Type: "
      "application/json\r\n";
  // Content-Length: -1 once sent the status line and headers twice.
  ExpectJsonError(Exchange(post + "Content-Length: -1\r\n\r\n"), 400, 3);
  ExpectJsonError(Exchange(post + "Content-Length: 1x\r\n\r\n"), 400, 3);
  // Oversized: refused before the body is read.
  raw = Exchange(post + "Content-Length: 1000000000000\r\n\r\n");
  ExpectJsonError(raw, 413, 8);
  EXPECT_THAT(raw, HasSubstr("1000000000000 bytes exceeds the limit"));
  ExpectJsonError(Exchange(post + "Content-Length: 99999999999999999999999"
                                  "\r\n\r\n"),
                  400, 3);
  // Bad chunked encoding.
  ExpectJsonError(Exchange(post + "Transfer-Encoding: chunked\r\n\r\n"
                                  "zz\r\nabc\r\n0\r\n\r\n"),
                  400, 3);
  // A request line longer than the header limit: 414; headers: 431.
  ExpectJsonError(Exchange(absl::StrCat("GET /", std::string(40000, 'a'),
                                        " HTTP/1.1\r\n\r\n")),
                  414, 3);
  ExpectJsonError(Exchange(absl::StrCat("GET / HTTP/1.1\r\nHost: t\r\nX-Big: ",
                                        std::string(40000, 'a'), "\r\n\r\n")),
                  431, 3);
  // Control characters in a header value, a bad HTTP version.
  ExpectJsonError(Exchange("GET / HTTP/1.1\r\nHost: t\x01\r\n\r\n"), 400, 3);
  ExpectJsonError(Exchange("GET / HTTP/9.9\r\nHost: t\r\n\r\n"), 400, 3);
  ExpectAlive();
}

// A keep-alive connection in use lives past its idle timeout (each request
// moves the deadline later; the front keeps one lazy timer wait per
// connection, which must wait again rather than fire), and once idle it is
// closed quietly, not before the timeout.
TEST_F(HostileHttpTest, KeepAliveLivesWhileUsedAndClosesWhenIdle) {
  Start("idle_timeout { seconds: 1 }");
  auto c = RawConnection::Connect(port_);
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string keep_alive =
      "GET /v1/games/arcade/leaderboards HTTP/1.1\r\nHost: t\r\n\r\n";
  for (int i = 0; i < 12; ++i) {  // 3 s of requests, 250 ms apart
    ASSERT_TRUE(c->Send(keep_alive).ok());
    std::string raw = c->ReadSome(absl::Milliseconds(250));
    ASSERT_FALSE(c->closed()) << "closed after " << i << " requests";
    EXPECT_EQ(Parse(raw).status, 200) << raw.substr(0, 200);
  }
  // One more, read as soon as it is answered: the idle time starts there.
  ASSERT_TRUE(c->Send(keep_alive).ok());
  std::string last;
  const absl::Time sent = absl::Now();
  while (Parse(last).status == 0 && absl::Now() - sent < absl::Seconds(5)) {
    last += c->ReadSome(absl::Milliseconds(5));
  }
  ASSERT_EQ(Parse(last).status, 200) << last.substr(0, 200);
  const absl::Time idle_since = absl::Now();
  std::string raw = c->ReadUntilClosed(absl::Seconds(10));
  const absl::Duration idle = absl::Now() - idle_since;
  EXPECT_TRUE(c->closed());
  EXPECT_EQ(raw, "");  // an idle connection ends without an answer
  EXPECT_GE(idle, absl::Milliseconds(900));
  EXPECT_LE(idle, absl::Seconds(5));
  ExpectAlive();
}

// One client holds many half-sent requests (more than its per-client limit
// of 16) from 127.0.0.2 while another keeps getting answers; the excess is
// refused with 429 at once, the held ones end with 408 at the header
// timeout.
TEST_F(HostileHttpTest, HalfOpenFloodFromOneClientDoesNotStallOthers) {
  Start("max_connections_per_client: 16 header_timeout { seconds: 2 }");
  testing::RaiseFileLimit(4096);
  std::vector<RawConnection> flood;
  for (int i = 0; i < 300; ++i) {
    auto c = RawConnection::Connect(port_, "127.0.0.2");
    ASSERT_TRUE(c.ok()) << c.status();
    ASSERT_TRUE(
        c->Send("GET /v1/games/arcade/leaderboards HTTP/1.1\r\nHo").ok());
    flood.push_back(*std::move(c));
  }
  int answered = 0;
  for (int i = 0; i < 40; ++i) {
    if (Parse(Exchange(Get("/v1/games/arcade/leaderboards"))).status == 200) {
      ++answered;
    }
  }
  EXPECT_EQ(answered, 40);
  // Within a second: the connections over the limit got 429 (JSON) and are
  // closed; at most 16 are held.
  int refused = 0, closed = 0;
  for (RawConnection& c : flood) {
    std::string raw = c.ReadSome(absl::Milliseconds(5));
    if (absl::StartsWith(raw, "HTTP/1.1 429")) {
      ++refused;
      ExpectJsonError(raw, 429, 8);
    }
    if (c.closed()) ++closed;
  }
  EXPECT_GT(refused, 0);
  EXPECT_GE(closed, 300 - 16 - 2);
  // The held ones end at the header timeout with 408.
  int timed_out = 0;
  for (RawConnection& c : flood) {
    if (c.closed()) continue;
    std::string raw = c.ReadUntilClosed(absl::Seconds(6));
    EXPECT_TRUE(c.closed());
    if (absl::StartsWith(raw, "HTTP/1.1 408")) ++timed_out;
  }
  EXPECT_GT(timed_out, 0);
  ExpectAlive();
}

TEST_F(HostileHttpTest, TotalConnectionCapAnswersJson503) {
  Start("max_connections: 8");
  std::vector<RawConnection> held;
  for (int i = 0; i < 8; ++i) {
    auto c = RawConnection::Connect(port_, "127.0.0.3");
    ASSERT_TRUE(c.ok());
    held.push_back(*std::move(c));
  }
  absl::SleepFor(absl::Milliseconds(200));  // all accepted
  std::string raw = Exchange(Get("/v1/games/arcade/leaderboards"));
  ExpectJsonError(raw, 503, 14);
  EXPECT_THAT(raw, HasSubstr("too many open connections"));
  held.clear();
  absl::SleepFor(absl::Milliseconds(200));
  ExpectAlive();
}

TEST_F(HostileHttpTest, SecurityHeadersOnThePageAndTheApi) {
  Start("");
  Answer page = Parse(Exchange(Get("/")));
  EXPECT_EQ(page.status, 200);
  EXPECT_THAT(page.head, HasSubstr("X-Content-Type-Options: nosniff"));
  EXPECT_THAT(page.head, HasSubstr("X-Frame-Options: DENY"));
  EXPECT_THAT(page.head, HasSubstr("Referrer-Policy: no-referrer"));
  EXPECT_THAT(page.head, HasSubstr("Content-Security-Policy: default-src "
                                   "'none'; script-src 'self'"));
  EXPECT_THAT(page.head, HasSubstr("frame-ancestors 'none'"));
  for (const char* target :
       {"/v1/games/arcade/leaderboards", "/openapi.json", "/v1/nothing"}) {
    Answer api = Parse(Exchange(Get(target)));
    EXPECT_THAT(api.head, HasSubstr("X-Content-Type-Options: nosniff"))
        << target;
    EXPECT_THAT(api.head, HasSubstr("X-Frame-Options: DENY")) << target;
    EXPECT_THAT(api.head,
                HasSubstr("Content-Security-Policy: default-src 'none'"))
        << target;
  }
}

TEST_F(HostileHttpTest, OnlyThePageFilesAreServed) {
  Start("");
  EXPECT_EQ(Parse(Exchange(Get("/web/app.js"))).status, 200);
  EXPECT_EQ(Parse(Exchange(Get("/web/style.css"))).status, 200);
  for (const char* target : {"/web/BUILD", "/web/../BUILD", "/web/%2e%2e/BUILD",
                             "/web/.", "/web/"}) {
    ExpectJsonError(Exchange(Get(target)), 404, 5);
  }
}

}  // namespace
}  // namespace statstracker
