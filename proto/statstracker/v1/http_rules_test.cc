// Every query RPC carries an HTTP rule: the REST gateway derives its routes
// from these options, so a query without one would be missing from REST.
#include <string>

#include "google/api/annotations.pb.h"
#include "google/api/http.pb.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "statstracker/v1/admin.pb.h"
#include "statstracker/v1/leaderboard.pb.h"
#include "statstracker/v1/stats.pb.h"

namespace statstracker {
namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::ServiceDescriptor;

void ExpectEveryMethodHasHttpRule(const std::string& service_name) {
  // Touch the generated descriptors so the pool has them.
  v1::ListEntriesRequest::descriptor();
  v1::GetPlayerStatsRequest::descriptor();
  v1::PublishEventsRequest::descriptor();
  const ServiceDescriptor* service =
      DescriptorPool::generated_pool()->FindServiceByName(service_name);
  ASSERT_NE(service, nullptr) << service_name;
  ASSERT_GT(service->method_count(), 0);
  for (int i = 0; i < service->method_count(); ++i) {
    const auto* method = service->method(i);
    ASSERT_TRUE(method->options().HasExtension(google::api::http))
        << method->full_name() << " has no (google.api.http) option";
    const google::api::HttpRule& rule =
        method->options().GetExtension(google::api::http);
    EXPECT_NE(rule.pattern_case(), google::api::HttpRule::PATTERN_NOT_SET)
        << method->full_name();
  }
}

TEST(HttpRules, EveryLeaderboardQueryHasARoute) {
  ExpectEveryMethodHasHttpRule("statstracker.v1.LeaderboardService");
}

TEST(HttpRules, EveryStatsQueryHasARoute) {
  ExpectEveryMethodHasHttpRule("statstracker.v1.PlayerStatsService");
}

TEST(HttpRules, EveryAdminCallHasARoute) {
  ExpectEveryMethodHasHttpRule("statstracker.v1.AdminService");
}

TEST(HttpRules, ExtensionUsesGoogleApiHttpNumber) {
  EXPECT_EQ(google::api::http.number(), 72295728);
}

// The option is the standard one by name, not a look-alike with the same
// number: tools such as grpc-gateway and Envoy resolve it through the file's
// imports and the extension's full name.
TEST(HttpRules, ServicesImportTheStandardAnnotations) {
  v1::ListEntriesRequest::descriptor();
  const auto* pool = DescriptorPool::generated_pool();
  const auto* extension = pool->FindExtensionByName("google.api.http");
  ASSERT_NE(extension, nullptr);
  EXPECT_EQ(extension->number(), 72295728);
  EXPECT_EQ(extension->file()->name(), "google/api/annotations.proto");
  EXPECT_EQ(extension->containing_type()->full_name(),
            "google.protobuf.MethodOptions");
  EXPECT_EQ(extension->message_type()->full_name(), "google.api.HttpRule");
  EXPECT_EQ(pool->FindExtensionByName("statstracker.v1.http"), nullptr);
  for (const char* file :
       {"statstracker/v1/leaderboard.proto", "statstracker/v1/stats.proto",
        "statstracker/v1/admin.proto"}) {
    const auto* fd = pool->FindFileByName(file);
    ASSERT_NE(fd, nullptr) << file;
    bool imports_annotations = false;
    for (int i = 0; i < fd->dependency_count(); ++i) {
      if (fd->dependency(i)->name() == "google/api/annotations.proto") {
        imports_annotations = true;
      }
    }
    EXPECT_TRUE(imports_annotations) << file;
  }
}

TEST(HttpRules, ListEntriesRouteIsTheDocumentedOne) {
  const auto* method = DescriptorPool::generated_pool()->FindMethodByName(
      "statstracker.v1.LeaderboardService.ListEntries");
  ASSERT_NE(method, nullptr);
  EXPECT_EQ(method->options().GetExtension(google::api::http).get(),
            "/v1/games/{game_id}/leaderboards/{leaderboard_id}/entries");
}

}  // namespace
}  // namespace statstracker
