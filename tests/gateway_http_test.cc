// The REST gateway over real HTTP, in front of the test-only EchoService
// (proto/statstracker/testing/v1/echo.proto) on an in-process gRPC server:
// every path/body/query mapping feature, the error statuses and their JSON
// bodies, header forwarding, keep-alive, NDJSON and SSE streaming, static
// files, that the echo service is routed and documented in /openapi.json
// from its descriptors alone, and grpc-gateway v2's habits: unknown query
// parameters and body fields ignored (or body fields refused when
// configured), HEAD on GET routes, CORS for allowed origins.
#include <fstream>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/gateway/testing/echo_service.h"
#include "server/gateway/testing/http_client.h"

namespace statstracker {
namespace gateway {
namespace testing {
namespace {

using statstracker::testing::v1::EchoRequest;
using statstracker::testing::v1::EchoResponse;
using ::testing::HasSubstr;

// The one browser origin the fixture's gateway allows (CORS).
constexpr char kGameOrigin[] = "https://game.example";

class GatewayHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    web_root_ = absl::StrCat(getenv("TEST_TMPDIR"), "/web");
    mkdir(web_root_.c_str(), 0755);
    std::ofstream(web_root_ + "/index.html") << "<html>live</html>";
    std::ofstream(web_root_ + "/app.js") << "console.log(1);";
    std::ofstream(absl::StrCat(getenv("TEST_TMPDIR"), "/secret.txt"))
        << "secret";
    symlink(absl::StrCat(getenv("TEST_TMPDIR"), "/secret.txt").c_str(),
            (web_root_ + "/link.txt").c_str());
    GatewayOptions options;
    options.web_root = web_root_;
    options.max_request_bytes = 1000;
    options.cors.allowed_origins = {kGameOrigin};
    options.cors.max_age = absl::Minutes(5);
    stack_ = StartEchoStack(options);
    ASSERT_NE(stack_, nullptr);
    auto c = HttpConnection::Connect("127.0.0.1", stack_->gateway->port());
    ASSERT_TRUE(c.ok()) << c.status();
    conn_ = *std::move(c);
  }

  HttpResponse Do(const std::string& method, const std::string& target,
                  const Headers& headers = {}, const std::string& body = "") {
    auto r = conn_->Request(method, target, headers, body);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : HttpResponse();
  }

  // The request the echo service saw, from a 200 JSON response.
  EchoResponse Echoed(const HttpResponse& r) {
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json");
    EchoResponse response;
    auto st = google::protobuf::util::JsonStringToMessage(r.body, &response);
    EXPECT_TRUE(st.ok()) << st.ToString() << " in " << r.body;
    return response;
  }

  // Checks an error response: HTTP status, JSON {"code","message","details"}.
  void ExpectError(const HttpResponse& r, int http_status, int code,
                   const std::string& message_part) {
    EXPECT_EQ(r.status, http_status) << r.body;
    EXPECT_EQ(r.header("content-type"), "application/json");
    google::protobuf::Struct s;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &s).ok())
        << r.body;
    EXPECT_EQ(s.fields().at("code").number_value(), code) << r.body;
    EXPECT_THAT(s.fields().at("message").string_value(),
                HasSubstr(message_part));
    EXPECT_TRUE(s.fields().at("details").has_list_value()) << r.body;
  }

  std::string web_root_;
  std::unique_ptr<EchoStack> stack_;
  std::unique_ptr<HttpConnection> conn_;
};

TEST_F(GatewayHttpTest, PathVariableAndQueryParameters) {
  EchoResponse e = Echoed(
      Do("GET",
         "/v1/echo/a%20b?tags=x&tags=y%2Fz&color=COLOR_GREEN&flag=true"
         "&big=9007199254740993&nums=1&nums=-2&nested.name=n+1"
         "&nested.deeper.on=1&ratio=0.25&at=2026-11-24T10:00:00Z&blob=aGk%3D"
         "&ubig=18446744073709551615&displayName=camel"));
  const EchoRequest& q = e.request();
  EXPECT_EQ(q.id(), "a b");
  EXPECT_THAT(q.tags(), ::testing::ElementsAre("x", "y/z"));
  EXPECT_EQ(q.color(), statstracker::testing::v1::COLOR_GREEN);
  EXPECT_TRUE(q.flag());
  EXPECT_EQ(q.big(), 9007199254740993LL);
  EXPECT_THAT(q.nums(), ::testing::ElementsAre(1, -2));
  EXPECT_EQ(q.nested().name(), "n 1");
  EXPECT_TRUE(q.nested().deeper().on());
  EXPECT_EQ(q.ratio(), 0.25);
  EXPECT_EQ(q.at().seconds(), 1795514400);
  EXPECT_EQ(q.blob(), "hi");
  EXPECT_EQ(q.ubig(), 18446744073709551615ULL);
  EXPECT_EQ(q.display_name(), "camel");
  // Enums by number, proto field names, int64 as a JSON string.
  HttpResponse r = Do("GET", "/v1/echo/x?color=1&display_name=snake&big=5");
  EchoResponse e2 = Echoed(r);
  EXPECT_EQ(e2.request().color(), statstracker::testing::v1::COLOR_RED);
  EXPECT_EQ(e2.request().display_name(), "snake");
  EXPECT_THAT(r.body, HasSubstr("\"big\":\"5\""));
  EXPECT_THAT(r.body, HasSubstr("\"displayName\":\"snake\""));
  // Unpopulated fields are emitted, as grpc-gateway does.
  EXPECT_THAT(r.body, HasSubstr("\"flag\":false"));
}

TEST_F(GatewayHttpTest, TemplatesVerbsNestedAndMultiSegment) {
  EXPECT_EQ(Echoed(Do("GET", "/v1/echo/abc:shout")).request().id(), "abc");
  EchoResponse nested = Echoed(Do("GET", "/v1/echo/nm/nested/5"));
  EXPECT_EQ(nested.request().nested().name(), "nm");
  EXPECT_EQ(nested.request().nested().count(), 5);
  EXPECT_EQ(Echoed(Do("GET", "/v1/files/a/b/c.txt")).request().path(),
            "a/b/c.txt");
  // A literal route beats {id} (grpc-gateway's precedence).
  EXPECT_EQ(Echoed(Do("GET", "/v1/echo/literal")).request().id(), "");
  // A bad value in the path is a 400 naming it.
  ExpectError(Do("GET", "/v1/echo/nm/nested/five"), 400, 3, "nested.count");
}

TEST_F(GatewayHttpTest, BodiesAndMethods) {
  // body: "*" (query parameters ignored, path wins).
  EchoResponse post = Echoed(Do(
      "POST", "/v1/echo?id=ignored", {},
      R"({"id":"p","nested":{"name":"n","count":2},"big":"7","tags":["a"]})"));
  EXPECT_EQ(post.request().id(), "p");
  EXPECT_EQ(post.request().nested().count(), 2);
  EXPECT_EQ(post.request().big(), 7);
  // Named body field (PUT: body "nested"), path variable.
  EchoResponse put = Echoed(
      Do("PUT", "/v1/echo/u1?flag=true", {}, R"({"name":"bn","count":3})"));
  EXPECT_EQ(put.request().id(), "u1");
  EXPECT_EQ(put.request().nested().name(), "bn");
  EXPECT_TRUE(put.request().flag());
  // PATCH with body "note".
  EchoResponse patch = Echoed(
      Do("PATCH", "/v1/echo/p1/note", {}, R"({"text":"t","author":"a"})"));
  EXPECT_EQ(patch.request().note().text(), "t");
  EXPECT_EQ(patch.request().id(), "p1");
  EXPECT_EQ(Echoed(Do("DELETE", "/v1/echo/d1")).request().id(), "d1");
  // A custom method.
  EXPECT_EQ(Echoed(Do("SEARCH", "/v1/echo/s1")).request().id(), "s1");
}

TEST_F(GatewayHttpTest, ResponseBody) {
  HttpResponse r = Do("GET", "/v1/nested/n1?flag=true");
  ASSERT_EQ(r.status, 200);
  EchoRequest q;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &q).ok())
      << r.body;
  EXPECT_EQ(q.id(), "n1");
  EXPECT_TRUE(q.flag());
}

TEST_F(GatewayHttpTest, ErrorStatusesAndBodies) {
  ExpectError(Do("GET", "/v2/nothing"), 404, 5, "no route for GET /v2/nothing");
  HttpResponse wrong = Do("GET", "/v1/fail");
  ExpectError(wrong, 405, 12, "not allowed");
  EXPECT_EQ(wrong.header("allow"), "POST");
  ExpectError(Do("POST", "/v1/echo", {}, "{\"id\": "), 400, 3, "request body");
  ExpectError(Do("GET", "/v1/echo/x?flag=maybe"), 400, 3, "flag");
  ExpectError(Do("GET", "/v1/echo/x?color=PURPLE"), 400, 3, "COLOR_RED");
  ExpectError(Do("GET", "/v1/echo/x?tags.sub=1"), 400, 3, "tags.sub");
  ExpectError(Do("GET", "/v1/echo/x?big=1&big=2"), 400, 3, "more than once");
  ExpectError(Do("GET", "/v1/secret"), 401, 16, "authorization");
  ExpectError(Do("GET", "/v1/secret", {{"Authorization", "Bearer nope"}}), 403,
              7, "wrong key");
  EXPECT_EQ(
      Do("GET", "/v1/secret", {{"Authorization", "Bearer secret"}}).status,
      200);
  ExpectError(
      Do("POST", "/v1/fail", {}, R"({"code":14,"message":"redis down"})"), 503,
      14, "redis down");
  ExpectError(Do("POST", "/v1/fail", {}, R"({"code":4,"message":"slow"})"), 504,
              4, "slow");
  ExpectError(Do("POST", "/v1/fail", {}, R"({"code":6,"message":"dup"})"), 409,
              6, "dup");
  ExpectError(Do("POST", "/v1/fail", {}, R"({"code":8,"message":"quota"})"),
              429, 8, "quota");
  ExpectError(Do("POST", "/v1/fail", {}, R"({"code":9,"message":"pre"})"), 400,
              9, "pre");
  // The API's routes exist, but its services are not registered here.
  ExpectError(Do("GET", "/v1/games/g/leaderboards"), 501, 12, "");
  ExpectError(Do("GET", "/v1/echo/x", {{"grpc-timeout", "soon"}}), 400, 3,
              "grpc-timeout");
}

// grpc-gateway v2: a query parameter or JSON body field the request has no
// field for is ignored, so a cache-buster or a newer client's extra field
// does not break the call.
TEST_F(GatewayHttpTest, UnknownQueryParametersAndBodyFieldsAreIgnored) {
  EchoResponse e =
      Echoed(Do("GET", "/v1/echo/u?_=1732012345&flag=true&utm_source=x"));
  EXPECT_EQ(e.request().id(), "u");
  EXPECT_TRUE(e.request().flag());
  EchoResponse post =
      Echoed(Do("POST", "/v1/echo", {},
                R"({"id":"p","bogusField":{"deep":[1]},"big":"3"})"));
  EXPECT_EQ(post.request().id(), "p");
  EXPECT_EQ(post.request().big(), 3);
  // Named body field (PUT body "nested"): unknown fields inside it too.
  EchoResponse put =
      Echoed(Do("PUT", "/v1/echo/n", {}, R"({"name":"x","shape":"round"})"));
  EXPECT_EQ(put.request().nested().name(), "x");
}

// ServerConfig.reject_unknown_json_fields: 400 naming the field instead.
TEST(GatewayStrictBodyTest, UnknownBodyFieldsRejectedWhenConfigured) {
  GatewayOptions options;
  options.binding.reject_unknown_body_fields = true;
  auto stack = StartEchoStack(options);
  ASSERT_NE(stack, nullptr);
  auto c = HttpConnection::Connect("127.0.0.1", stack->gateway->port());
  ASSERT_TRUE(c.ok());
  auto r =
      (*c)->Request("POST", "/v1/echo", {}, R"({"id":"p","bogusField":1})");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_THAT(r->body, HasSubstr("bogusField"));
  // Query parameters are still ignored when unknown.
  r = (*c)->Request("GET", "/v1/echo/q?_=1");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200) << r->body;
}

// HEAD on every GET route (and /openapi.json, static files): the GET
// response's status and headers, no body.
TEST_F(GatewayHttpTest, HeadAnswersLikeGetWithoutABody) {
  HttpResponse get = Do("GET", "/v1/echo/h1?flag=true");
  HttpResponse head = Do("HEAD", "/v1/echo/h1?flag=true");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-type"), "application/json");
  EXPECT_EQ(head.header("content-length"), absl::StrCat(get.body.size()));
  EXPECT_EQ(head.body, "");
  // The connection is still in step: the next response is the next one.
  EXPECT_EQ(Echoed(Do("GET", "/v1/echo/after-head")).request().id(),
            "after-head");
  // Errors keep their status.
  EXPECT_EQ(Do("HEAD", "/v1/echo/nm/nested/five").status, 400);
  HttpResponse no_get = Do("HEAD", "/v1/fail");
  EXPECT_EQ(no_get.status, 405);
  EXPECT_EQ(no_get.header("allow"), "POST");
  HttpResponse with_get = Do("POST", "/v1/nested/n1");
  EXPECT_EQ(with_get.status, 405);
  EXPECT_EQ(with_get.header("allow"), "GET, HEAD");
  // Gateway documents and static files.
  HttpResponse doc = Do("HEAD", "/openapi.json");
  EXPECT_EQ(doc.status, 200);
  EXPECT_EQ(doc.header("content-length"),
            absl::StrCat(stack_->gateway->openapi_json().size()));
  HttpResponse page = Do("HEAD", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.header("content-type"), "text/html; charset=utf-8");
  // A stream: the headers of the stream, no body, and the RPC is ended.
  HttpResponse stream = Do("HEAD", "/v1/count/0");
  EXPECT_EQ(stream.status, 200);
  EXPECT_EQ(stream.header("content-type"), "application/x-ndjson");
  EXPECT_EQ(Do("HEAD", "/v1/count/-1").status, 400);
  EXPECT_EQ(Echoed(Do("GET", "/v1/echo/after-stream")).request().id(),
            "after-stream");
}

TEST_F(GatewayHttpTest, CorsPreflightFromAnAllowedOrigin) {
  HttpResponse r = Do("OPTIONS", "/v1/echo",
                      {{"Origin", kGameOrigin},
                       {"Access-Control-Request-Method", "POST"},
                       {"Access-Control-Request-Headers",
                        "authorization, content-type, x-unknown"}});
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.header("access-control-allow-origin"), kGameOrigin);
  EXPECT_EQ(r.header("access-control-allow-methods"),
            "DELETE, GET, HEAD, PATCH, POST, PUT, SEARCH");
  EXPECT_EQ(r.header("access-control-allow-headers"),
            "authorization, content-type");
  EXPECT_EQ(r.header("access-control-max-age"), "300");
  EXPECT_THAT(r.header("vary"), HasSubstr("Origin"));
  // The connection goes on with the real request, which carries the origin.
  HttpResponse post =
      Do("POST", "/v1/echo", {{"Origin", kGameOrigin}}, R"({"id":"cors"})");
  EXPECT_EQ(Echoed(post).request().id(), "cors");
  EXPECT_EQ(post.header("access-control-allow-origin"), kGameOrigin);
  EXPECT_EQ(post.header("vary"), "Origin");
}

TEST_F(GatewayHttpTest, CorsHeadersOnEveryKindOfResponse) {
  const Headers origin = {{"Origin", kGameOrigin}};
  // Errors too, so a browser page can read the JSON error.
  for (const auto& [method, target] :
       std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/echo/x?flag=maybe"},  // 400 from the gateway
           {"GET", "/v1/secret"},             // 401 from the service
           {"GET", "/v2/nothing"},            // 404
           {"PUT", "/v1/fail"},               // 405
           {"GET", "/openapi.json"},
           {"GET", "/web/app.js"},
           {"HEAD", "/v1/echo/x"}}) {
    HttpResponse r = Do(method, target, origin);
    EXPECT_EQ(r.header("access-control-allow-origin"), kGameOrigin)
        << method << " " << target << " -> " << r.status;
  }
  // A stream (NDJSON).
  auto s = conn_->StartStream("GET", "/v1/count/1", origin);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->header("access-control-allow-origin"), kGameOrigin);
  EXPECT_TRUE(conn_->ReadStreamUntil("\n").ok());
}

TEST_F(GatewayHttpTest, CorsNothingForOtherOrigins) {
  const Headers evil = {{"Origin", "https://evil.example"},
                        {"Access-Control-Request-Method", "POST"}};
  HttpResponse preflight = Do("OPTIONS", "/v1/echo", evil);
  EXPECT_EQ(preflight.status, 204);  // answered, not a 405
  HttpResponse get = Do("GET", "/v1/echo/x", {evil[0]});
  EXPECT_EQ(get.status, 200);  // served; the browser withholds it
  for (const HttpResponse* r : {&preflight, &get}) {
    for (const auto& [name, value] : r->headers) {
      EXPECT_FALSE(absl::StartsWith(name, "access-control-"))
          << name << ": " << value;
    }
  }
  // Without an Origin (curl, servers), no CORS headers either.
  EXPECT_EQ(Do("GET", "/v1/echo/x").header("access-control-allow-origin"), "");
}

TEST_F(GatewayHttpTest, BodyOverTheLimitIs413) {
  std::string big = absl::StrCat(R"({"id":")", std::string(2000, 'x'), "\"}");
  ExpectError(Do("POST", "/v1/echo", {}, big), 413, 8, "1000 bytes");
  // The same with a chunked body (no Content-Length).
  auto c = HttpConnection::Connect("127.0.0.1", stack_->gateway->port());
  ASSERT_TRUE(c.ok());
  std::string req =
      "POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) {
    absl::StrAppend(&req, "1f4\r\n", std::string(500, ' '), "\r\n");
  }
  absl::StrAppend(&req, "0\r\n\r\n");
  ASSERT_TRUE((*c)->WriteRaw(req).ok());
  auto r = (*c)->ReadResponse();
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectError(*r, 413, 8, "1000 bytes");
}

TEST_F(GatewayHttpTest, ForwardsAllowedHeadersAndDeadline) {
  EchoResponse e = Echoed(Do("GET", "/v1/echo/h",
                             {{"Authorization", "Bearer k"},
                              {"X-Request-Id", "req-1"},
                              {"Grpc-Metadata-Tenant", "t1"},
                              {"X-Not-Forwarded", "no"},
                              {"Grpc-Timeout", "5S"}}));
  EXPECT_EQ(e.metadata().at("authorization"), "Bearer k");
  EXPECT_EQ(e.metadata().at("x-request-id"), "req-1");
  EXPECT_EQ(e.metadata().at("tenant"), "t1");
  EXPECT_EQ(e.metadata().count("x-not-forwarded"), 0u);
  EXPECT_TRUE(e.has_deadline());
  EXPECT_FALSE(Echoed(Do("GET", "/v1/echo/h")).has_deadline());
}

TEST_F(GatewayHttpTest, KeepAliveAndConcurrentRequests) {
  // Many requests on one connection.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Echoed(Do("GET", absl::StrCat("/v1/echo/k", i))).request().id(),
              absl::StrCat("k", i));
  }
  // An endless stream on one connection does not block others.
  auto s = HttpConnection::Connect("127.0.0.1", stack_->gateway->port());
  ASSERT_TRUE(s.ok());
  ASSERT_EQ((*s)->StartStream("GET", "/v1/count/0")->status, 200);
  ASSERT_TRUE((*s)->ReadStreamUntil("\n").ok());
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto c = HttpConnection::Connect("127.0.0.1", stack_->gateway->port());
      if (!c.ok()) return;
      for (int i = 0; i < 10; ++i) {
        auto r = (*c)->Request("GET", absl::StrCat("/v1/echo/t", t));
        if (r.ok() && r->status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 40);
}

TEST_F(GatewayHttpTest, NdjsonStream) {
  auto r = conn_->StartStream("GET", "/v1/count/3");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/x-ndjson");
  for (int n = 1; n <= 3; ++n) {
    auto line = conn_->ReadStreamUntil("\n");
    ASSERT_TRUE(line.ok()) << line.status();
    EXPECT_EQ(*line, absl::StrCat("{\"result\":{\"n\":\"", n, "\"}}\n"));
  }
  EXPECT_TRUE(absl::IsNotFound(conn_->ReadStreamUntil("\n").status()));
  // The connection stays usable after the stream.
  EXPECT_EQ(Do("GET", "/v1/echo/after").status, 200);
  // An error after some messages ends the stream with an error line.
  r = conn_->StartStream("GET", "/v1/count/7");
  ASSERT_TRUE(r.ok());
  std::string last;
  for (int i = 0; i < 8; ++i) last = *conn_->ReadStreamUntil("\n");
  EXPECT_EQ(last,
            "{\"error\":{\"code\":14,\"message\":\"seven is too many\","
            "\"details\":[]}}\n");
  EXPECT_TRUE(absl::IsNotFound(conn_->ReadStreamUntil("\n").status()));
  // An error before the first message gets its own HTTP status.
  ExpectError(Do("GET", "/v1/count/-1"), 400, 3, "count");
}

TEST_F(GatewayHttpTest, ServerSentEvents) {
  auto r = conn_->StartStream("GET", "/v1/count/2",
                              {{"Accept", "text/event-stream"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->header("content-type"), "text/event-stream");
  EXPECT_EQ(*conn_->ReadStreamUntil("\n\n"),
            "data: {\"result\":{\"n\":\"1\"}}\n\n");
  EXPECT_EQ(*conn_->ReadStreamUntil("\n\n"),
            "data: {\"result\":{\"n\":\"2\"}}\n\n");
  EXPECT_TRUE(absl::IsNotFound(conn_->ReadStreamUntil("\n\n").status()));
}

TEST_F(GatewayHttpTest, StreamEndsWhenTheClientDisconnects) {
  auto r = conn_->StartStream("GET", "/v1/count/0",
                              {{"Accept", "text/event-stream"}});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(conn_->ReadStreamUntil("\n\n").ok());
  ASSERT_TRUE(conn_->ReadStreamUntil("\n\n").ok());
  conn_->Close();
  absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (stack_->service.cancelled_streams() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(stack_->service.cancelled_streams(), 1);
}

TEST_F(GatewayHttpTest, StaticFiles) {
  HttpResponse index = Do("GET", "/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<html>live</html>");
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  HttpResponse js = Do("GET", "/web/app.js");
  EXPECT_EQ(js.body, "console.log(1);");
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  ExpectError(Do("GET", "/web/../secret.txt"), 404, 5, "");
  ExpectError(Do("GET", "/web/%2e%2e/secret.txt"), 404, 5, "");
  ExpectError(Do("GET", "/web/link.txt"), 404, 5, "");  // symlink outside
  ExpectError(Do("GET", "/web/missing.js"), 404, 5, "");
}

TEST_F(GatewayHttpTest, EchoServiceIsInOpenApiWithoutGatewayCode) {
  HttpResponse r = Do("GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  google::protobuf::Struct doc;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(r.body, &doc).ok());
  const auto& paths = doc.fields().at("paths").struct_value().fields();
  ASSERT_TRUE(paths.count("/v1/echo/{id}"));
  const auto& item = paths.at("/v1/echo/{id}").struct_value().fields();
  EXPECT_TRUE(item.count("get") && item.count("put") && item.count("delete"));
  EXPECT_EQ(
      item.at("get").struct_value().fields().at("operationId").string_value(),
      "EchoService_Echo");
  EXPECT_THAT(
      item.at("get").struct_value().fields().at("description").string_value(),
      HasSubstr("Returns the request as the gateway built it"));
  EXPECT_TRUE(paths.count("/v1/files/{path}"));
  EXPECT_TRUE(paths.count("/v1/count/{count}"));
  EXPECT_TRUE(paths.count("/v1/games/{game_id}/leaderboards"));
  const auto& schemas = doc.fields()
                            .at("components")
                            .struct_value()
                            .fields()
                            .at("schemas")
                            .struct_value()
                            .fields();
  EXPECT_TRUE(schemas.count("statstracker.testing.v1.EchoRequest"));
  EXPECT_TRUE(schemas.count("statstracker.testing.v1.Color"));
  EXPECT_TRUE(schemas.count("Status"));
}

}  // namespace
}  // namespace testing
}  // namespace gateway
}  // namespace statstracker
