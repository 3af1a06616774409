#include "server/gateway/cors.h"

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace gateway {
namespace {

using ::testing::IsEmpty;

const std::vector<std::string> kMethods = {"GET", "POST", "HEAD", "DELETE",
                                           "GET"};
const std::vector<std::string> kHeaders = {"authorization", "content-type",
                                           "grpc-metadata-*"};

CorsPolicy Policy(std::vector<std::string> origins) {
  CorsOptions options;
  options.allowed_origins = std::move(origins);
  options.max_age = absl::Seconds(90);
  return CorsPolicy(options, kMethods, kHeaders);
}

std::map<std::string, std::string> AsMap(const HeaderList& headers) {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : headers) {
    EXPECT_EQ(out.count(k), 0u) << "header " << k << " twice";
    out[k] = v;
  }
  return out;
}

TEST(CorsPolicyTest, OffWithoutOriginsOrWithoutAnOriginHeader) {
  CorsPolicy off = Policy({});
  EXPECT_FALSE(off.enabled());
  auto d = off.Decide("OPTIONS", "https://a.example", "GET", "");
  EXPECT_FALSE(d.preflight);
  EXPECT_THAT(d.headers, IsEmpty());
  // Same-origin and non-browser requests send no Origin.
  d = Policy({"https://a.example"}).Decide("GET", "", "", "");
  EXPECT_FALSE(d.preflight);
  EXPECT_THAT(d.headers, IsEmpty());
}

TEST(CorsPolicyTest, PreflightFromAnAllowedOrigin) {
  auto d = Policy({"https://a.example", "http://localhost:3000"})
               .Decide("OPTIONS", "http://localhost:3000", "POST",
                       "Content-Type, authorization ,Grpc-Metadata-Tenant, "
                       "X-Custom");
  EXPECT_TRUE(d.preflight);
  EXPECT_EQ(d.status, 204);
  auto h = AsMap(d.headers);
  EXPECT_EQ(h["Access-Control-Allow-Origin"], "http://localhost:3000");
  EXPECT_EQ(h["Access-Control-Allow-Methods"], "DELETE, GET, HEAD, POST");
  // Requested headers we accept, lower case; x-custom is not granted.
  EXPECT_EQ(h["Access-Control-Allow-Headers"],
            "content-type, authorization, grpc-metadata-tenant");
  EXPECT_EQ(h["Access-Control-Max-Age"], "90");
  EXPECT_EQ(h["Vary"],
            "Origin, Access-Control-Request-Method, "
            "Access-Control-Request-Headers");
}

TEST(CorsPolicyTest, OriginsMatchExactlyIgnoringCase) {
  CorsPolicy p = Policy({"https://A.example"});
  EXPECT_EQ(AsMap(p.Decide("GET", "https://a.example", "", "")
                      .headers)["Access-Control-Allow-Origin"],
            "https://a.example");
  for (const char* other :
       {"http://a.example", "https://a.example:8443", "https://b.a.example",
        "https://a.example.evil", "null"}) {
    auto h = AsMap(p.Decide("GET", other, "", "").headers);
    EXPECT_EQ(h.count("Access-Control-Allow-Origin"), 0u) << other;
  }
}

TEST(CorsPolicyTest, DisallowedOriginGetsNoCorsHeaders) {
  CorsPolicy p = Policy({"https://a.example"});
  auto preflight = p.Decide("OPTIONS", "https://evil.example", "GET", "");
  EXPECT_TRUE(preflight.preflight);  // answered, not routed (no 405)
  EXPECT_EQ(preflight.status, 204);
  auto actual = p.Decide("GET", "https://evil.example", "", "");
  EXPECT_FALSE(actual.preflight);
  for (const auto* d : {&preflight, &actual}) {
    for (const auto& [name, value] : d->headers) {
      EXPECT_EQ(name, "Vary") << name << ": " << value;
    }
  }
}

TEST(CorsPolicyTest, ActualRequestFromAnAllowedOrigin) {
  auto d =
      Policy({"https://a.example"}).Decide("POST", "https://a.example", "", "");
  EXPECT_FALSE(d.preflight);
  auto h = AsMap(d.headers);
  EXPECT_EQ(h["Access-Control-Allow-Origin"], "https://a.example");
  EXPECT_EQ(h["Vary"], "Origin");
  EXPECT_EQ(h.count("Access-Control-Allow-Methods"), 0u);
  // A plain OPTIONS (no Access-Control-Request-Method) is no preflight.
  EXPECT_FALSE(Policy({"https://a.example"})
                   .Decide("OPTIONS", "https://a.example", "", "")
                   .preflight);
}

TEST(CorsPolicyTest, AnyOriginAnswersStar) {
  CorsPolicy p = Policy({"*"});
  auto h = AsMap(p.Decide("GET", "https://whoever.example", "", "").headers);
  EXPECT_EQ(h["Access-Control-Allow-Origin"], "*");
  EXPECT_EQ(h.count("Vary"), 0u);  // the same answer for every origin
  auto pre =
      AsMap(p.Decide("OPTIONS", "https://whoever.example", "GET", "").headers);
  EXPECT_EQ(pre["Access-Control-Allow-Origin"], "*");
  EXPECT_EQ(pre.count("Access-Control-Allow-Headers"), 0u);  // none asked
}

}  // namespace
}  // namespace gateway
}  // namespace statstracker
