// Every query RPC carries an HTTP rule: the REST gateway derives its routes
// from these options, so a query without one would be missing from REST.
#include <string>

#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "statstracker/v1/admin.pb.h"
#include "statstracker/v1/annotations.pb.h"
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
    ASSERT_TRUE(method->options().HasExtension(v1::http))
        << method->full_name() << " has no (statstracker.v1.http) option";
    const v1::HttpRule& rule = method->options().GetExtension(v1::http);
    EXPECT_NE(rule.pattern_case(), v1::HttpRule::PATTERN_NOT_SET)
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
  EXPECT_EQ(v1::http.number(), 72295728);
}

TEST(HttpRules, ListEntriesRouteIsTheDocumentedOne) {
  const auto* method = DescriptorPool::generated_pool()->FindMethodByName(
      "statstracker.v1.LeaderboardService.ListEntries");
  ASSERT_NE(method, nullptr);
  EXPECT_EQ(method->options().GetExtension(v1::http).get(),
            "/v1/games/{game_id}/leaderboards/{leaderboard_id}/entries");
}

}  // namespace
}  // namespace statstracker
