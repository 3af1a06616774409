#include "server/gateway/route_table.h"

#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "server/gateway/testing/echo_service.h"
#include "statstracker/v1/annotations.pb.h"

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
v1::HttpRule* EchoRule(google::protobuf::FileDescriptorSet* set) {
  for (auto& file : *set->mutable_file()) {
    if (file.name() != "statstracker/testing/v1/echo.proto") continue;
    for (auto& method : *file.mutable_service(0)->mutable_method()) {
      if (method.name() == "Echo") {
        return method.mutable_options()->MutableExtension(v1::http);
      }
    }
  }
  return nullptr;
}

absl::Status BuildWith(void (*edit)(v1::HttpRule*)) {
  auto set = EchoSet();
  v1::HttpRule* rule = EchoRule(&set);
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
              ::testing::ElementsAre("DELETE", "GET", "PUT", "SEARCH"));
  EXPECT_TRUE(
      absl::IsNotFound((*table)->Find("GET", "/v9/x", nullptr).status()));
}

TEST(RouteTableTest, RejectsRulesThatDoNotFitTheMessages) {
  absl::Status st =
      BuildWith([](v1::HttpRule* r) { r->set_get("/v1/{nosuch}"); });
  EXPECT_THAT(st.message(), HasSubstr("nosuch"));
  st = BuildWith([](v1::HttpRule* r) { r->set_get("/v1/{tags.x}"); });
  EXPECT_THAT(st.message(), HasSubstr("not a singular message"));
  st = BuildWith([](v1::HttpRule* r) { r->set_get("/v1/{id"); });
  EXPECT_THAT(st.message(), HasSubstr("unclosed"));
  st = BuildWith([](v1::HttpRule* r) {
    r->set_post("/v1/x");
    r->set_body("nobody");
  });
  EXPECT_THAT(st.message(), HasSubstr("body field 'nobody'"));
  st = BuildWith([](v1::HttpRule* r) { r->set_response_body("nothing"); });
  EXPECT_THAT(st.message(), HasSubstr("response_body field 'nothing'"));
  st = BuildWith([](v1::HttpRule* r) { r->clear_pattern(); });
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

}  // namespace
}  // namespace gateway
}  // namespace statstracker
