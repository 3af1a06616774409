#include "server/gateway/route_table.h"

#include "gmock/gmock.h"
#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "server/gateway/testing/echo_service.h"

namespace statstracker {
namespace gateway {
namespace {

using ::testing::HasSubstr;

google::protobuf::FileDescriptorSet EchoSet() {
  google::protobuf::FileDescriptorSet set;
  EXPECT_TRUE(set.ParseFromString(std::string(testing::EchoDescriptorSet())));
  return set;
}

// The Echo method's HTTP rule inside `set`.
google::api::HttpRule* EchoRule(google::protobuf::FileDescriptorSet* set) {
  for (auto& file : *set->mutable_file()) {
    if (file.name() != "statstracker/testing/v1/echo.proto") continue;
    for (auto& method : *file.mutable_service(0)->mutable_method()) {
      if (method.name() == "Echo") {
        return method.mutable_options()->MutableExtension(google::api::http);
      }
    }
  }
  return nullptr;
}

absl::Status BuildWith(void (*edit)(google::api::HttpRule*)) {
  auto set = EchoSet();
  google::api::HttpRule* rule = EchoRule(&set);
  EXPECT_NE(rule, nullptr);
  edit(rule);
  return RouteTable::Build({set.SerializeAsString()}).status();
}

TEST(RouteTableTest, RoutesEveryBindingButNotUnannotatedMethods) {
  auto table = RouteTable::Build({std::string(testing::EchoDescriptorSet())});
  ASSERT_TRUE(table.ok()) << table.status();
  int echo = 0;
  for (const Route& r : (*table)->routes()) {
    EXPECT_NE(r.method->name(), "NotRouted");
    if (r.method->name() == "Echo") ++echo;
  }
  EXPECT_EQ(echo, 10);  // the rule and its 9 additional bindings
  ASSERT_EQ((*table)->services().size(), 1u);
}

TEST(RouteTableTest, FindsByPrecedenceAndReportsAllowedMethods) {
  auto table = RouteTable::Build({std::string(testing::EchoDescriptorSet())});
  ASSERT_TRUE(table.ok());
  auto literal = (*table)->Find("GET", "/v1/echo/literal", nullptr);
  ASSERT_TRUE(literal.ok());
  EXPECT_TRUE(literal->bindings.empty());
  auto verb = (*table)->Find("GET", "/v1/echo/x:shout", nullptr);
  ASSERT_TRUE(verb.ok());
  EXPECT_EQ(verb->route->path.verb(), "shout");
  std::vector<std::string> allowed;
  auto wrong = (*table)->Find("POST", "/v1/echo/x", &allowed);
  EXPECT_TRUE(absl::IsFailedPrecondition(wrong.status()));
  EXPECT_THAT(allowed,
              ::testing::ElementsAre("DELETE", "GET", "HEAD", "PUT", "SEARCH"));
  EXPECT_TRUE(
      absl::IsNotFound((*table)->Find("GET", "/v9/x", nullptr).status()));
}

TEST(RouteTableTest, HeadTakesTheGetRoute) {
  auto table = RouteTable::Build({std::string(testing::EchoDescriptorSet())});
  ASSERT_TRUE(table.ok());
  auto head = (*table)->Find("HEAD", "/v1/echo/x:shout", nullptr);
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->route->http_method, "GET");
  EXPECT_EQ(head->route->path.verb(), "shout");
  // Not for a path that has no GET route.
  std::vector<std::string> allowed;
  EXPECT_TRUE(absl::IsFailedPrecondition(
      (*table)->Find("HEAD", "/v1/fail", &allowed).status()));
  EXPECT_THAT(allowed, ::testing::ElementsAre("POST"));
  EXPECT_THAT((*table)->Methods(),
              ::testing::ElementsAre("DELETE", "GET", "HEAD", "PATCH", "POST",
                                     "PUT", "SEARCH"));
}

TEST(RouteTableTest, RejectsRulesThatDoNotFitTheMessages) {
  absl::Status st =
      BuildWith([](google::api::HttpRule* r) { r->set_get("/v1/{nosuch}"); });
  EXPECT_THAT(st.message(), HasSubstr("nosuch"));
  st = BuildWith([](google::api::HttpRule* r) { r->set_get("/v1/{tags.x}"); });
  EXPECT_THAT(st.message(), HasSubstr("not a singular message"));
  st = BuildWith([](google::api::HttpRule* r) { r->set_get("/v1/{id"); });
  EXPECT_THAT(st.message(), HasSubstr("unclosed"));
  st = BuildWith([](google::api::HttpRule* r) {
    r->set_post("/v1/x");
    r->set_body("nobody");
  });
  EXPECT_THAT(st.message(), HasSubstr("body field 'nobody'"));
  st = BuildWith(
      [](google::api::HttpRule* r) { r->set_response_body("nothing"); });
  EXPECT_THAT(st.message(), HasSubstr("response_body field 'nothing'"));
  st = BuildWith([](google::api::HttpRule* r) { r->clear_pattern(); });
  EXPECT_THAT(st.message(), HasSubstr("without a method"));
  EXPECT_FALSE(RouteTable::Build({"not a descriptor set"}).ok());
}

TEST(RouteTableTest, BuildsRequestsFromBodyPathAndQuery) {
  auto table = RouteTable::Build({std::string(testing::EchoDescriptorSet())});
  ASSERT_TRUE(table.ok());
  auto match = (*table)->Find("PATCH", "/v1/echo/p1/note", nullptr);
  ASSERT_TRUE(match.ok());
  auto msg = (*table)->NewMessage(match->route->method->input_type());
  ASSERT_TRUE(BuildRequest(*match->route, match->bindings,
                           {{"nested.count", "4"}, {"tags", "a"}},
                           R"({"text":"t"})", msg.get())
                  .ok());
  EXPECT_EQ(msg->ShortDebugString(),
            "id: \"p1\" nested { count: 4 } tags: \"a\" note { text: \"t\" }");
  // The body field cannot also come from the query: ignored, as bound.
  msg = (*table)->NewMessage(match->route->method->input_type());
  ASSERT_TRUE(BuildRequest(*match->route, match->bindings,
                           {{"note.author", "q"}}, R"({"text":"t"})", msg.get())
                  .ok());
  EXPECT_EQ(msg->ShortDebugString(), "id: \"p1\" note { text: \"t\" }");
  // Errors name the parameter.
  absl::Status st = BuildRequest(*match->route, match->bindings,
                                 {{"nums", "x"}}, "", msg.get());
  EXPECT_THAT(st.message(), HasSubstr("nums"));
  st = BuildRequest(*match->route, match->bindings, {}, R"({"text":5})",
                    msg.get());
  EXPECT_THAT(st.message(), HasSubstr("request body (field note)"));
}

// grpc-gateway v2: a query parameter naming no field is ignored, one that
// names a field but cannot be one (a path through a scalar) is an error.
TEST(RouteTableTest, UnknownQueryParametersAreIgnored) {
  auto table = RouteTable::Build({std::string(testing::EchoDescriptorSet())});
  ASSERT_TRUE(table.ok());
  auto match = (*table)->Find("GET", "/v1/echo/q1", nullptr);
  ASSERT_TRUE(match.ok());
  auto msg = (*table)->NewMessage(match->route->method->input_type());
  absl::Status st = BuildRequest(
      *match->route, match->bindings,
      {{"_", "1732012345"}, {"nested.nosuch", "x"}, {"flag", "true"}}, "",
      msg.get());
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(msg->ShortDebugString(), "id: \"q1\" flag: true");
  msg = (*table)->NewMessage(match->route->method->input_type());
  st = BuildRequest(*match->route, match->bindings, {{"tags.x", "1"}}, "",
                    msg.get());
  EXPECT_TRUE(absl::IsInvalidArgument(st));
  EXPECT_THAT(st.message(), HasSubstr("not a singular message"));
}

// Unknown JSON body fields (and enum names) are discarded by default, as
// grpc-gateway v2 does; BindingOptions.reject_unknown_body_fields refuses
// them, naming the field.
TEST(RouteTableTest, UnknownBodyFieldsDiscardedUnlessRejected) {
  auto table = RouteTable::Build({std::string(testing::EchoDescriptorSet())});
  ASSERT_TRUE(table.ok());
  auto star = (*table)->Find("POST", "/v1/echo", nullptr);
  auto named = (*table)->Find("PATCH", "/v1/echo/n1/note", nullptr);
  ASSERT_TRUE(star.ok() && named.ok());
  const std::string star_body =
      R"({"id":"b1","futureField":{"a":[1,2]},"color":"COLOR_ULTRAVIOLET"})";
  const std::string named_body = R"({"text":"t","mood":"happy"})";

  auto msg = (*table)->NewMessage(star->route->method->input_type());
  ASSERT_TRUE(
      BuildRequest(*star->route, star->bindings, {}, star_body, msg.get())
          .ok());
  EXPECT_EQ(msg->ShortDebugString(), "id: \"b1\"");
  msg = (*table)->NewMessage(named->route->method->input_type());
  ASSERT_TRUE(
      BuildRequest(*named->route, named->bindings, {}, named_body, msg.get())
          .ok());
  EXPECT_EQ(msg->ShortDebugString(), "id: \"n1\" note { text: \"t\" }");

  BindingOptions strict;
  strict.reject_unknown_body_fields = true;
  msg = (*table)->NewMessage(star->route->method->input_type());
  absl::Status st =
      BuildRequest(*star->route, star->bindings, {},
                   R"({"id":"b1","futureField":1})", msg.get(), strict);
  EXPECT_TRUE(absl::IsInvalidArgument(st));
  EXPECT_THAT(st.message(), HasSubstr("futureField"));
  st = BuildRequest(*star->route, star->bindings, {},
                    R"({"color":"COLOR_ULTRAVIOLET"})", msg.get(), strict);
  EXPECT_THAT(st.message(), HasSubstr("color"));
  msg = (*table)->NewMessage(named->route->method->input_type());
  st = BuildRequest(*named->route, named->bindings, {}, named_body, msg.get(),
                    strict);
  EXPECT_THAT(st.message(), HasSubstr("mood"));
}

}  // namespace
}  // namespace gateway
}  // namespace statstracker
