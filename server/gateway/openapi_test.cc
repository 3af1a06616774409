// The OpenAPI document of the statstracker.v1 API: the bearer security
// scheme is declared and required by exactly the authenticated services'
// operations.
#include "server/gateway/openapi.h"

#include <map>
#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "server/gateway/api_descriptor_set.h"
#include "server/gateway/route_table.h"

namespace statstracker {
namespace gateway {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

Struct Document(const OpenApiOptions& options) {
  auto routes = RouteTable::Build({std::string(embedded::ApiDescriptorSet())});
  EXPECT_TRUE(routes.ok()) << routes.status();
  Struct doc;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                  BuildOpenApiJson(**routes, options), &doc)
                  .ok());
  return doc;
}

const Value& At(const Struct& s, const std::string& key) {
  static const Value kNull;
  auto it = s.fields().find(key);
  return it == s.fields().end() ? kNull : it->second;
}

// operationId -> the operation object, over every path and method.
std::map<std::string, Struct> Operations(const Struct& doc) {
  std::map<std::string, Struct> ops;
  for (const auto& [path, item] : At(doc, "paths").struct_value().fields()) {
    for (const auto& [method, op] : item.struct_value().fields()) {
      if (!op.has_struct_value()) continue;
      ops[At(op.struct_value(), "operationId").string_value()] =
          op.struct_value();
    }
  }
  return ops;
}

bool RequiresBearer(const Struct& op) {
  const Value& security = At(op, "security");
  if (!security.has_list_value()) return false;
  for (const Value& requirement : security.list_value().values()) {
    if (requirement.struct_value().fields().count("bearerAuth")) return true;
  }
  return false;
}

TEST(OpenApiTest, AdminOperationsRequireTheBearerScheme) {
  OpenApiOptions options;
  options.authenticated_services = {"statstracker.v1.AdminService"};
  Struct doc = Document(options);
  const Struct& scheme =
      At(At(At(doc, "components").struct_value(), "securitySchemes")
             .struct_value(),
         "bearerAuth")
          .struct_value();
  EXPECT_EQ(At(scheme, "type").string_value(), "http");
  EXPECT_EQ(At(scheme, "scheme").string_value(), "bearer");
  int admin = 0;
  int queries = 0;
  for (const auto& [id, op] : Operations(doc)) {
    if (absl::StartsWith(id, "AdminService_")) {
      ++admin;
      EXPECT_TRUE(RequiresBearer(op)) << id;
      EXPECT_TRUE(At(op, "responses").struct_value().fields().count("401"))
          << id;
    } else {
      ++queries;
      EXPECT_FALSE(RequiresBearer(op)) << id;
    }
  }
  EXPECT_EQ(admin, 3);  // PublishEvents, ResetLeaderboard, ErasePlayer
  EXPECT_GT(queries, 0);
}

TEST(OpenApiTest, QueriesTooWhenTheyNeedAKey) {
  OpenApiOptions options;
  options.authenticated_services = {"statstracker.v1.AdminService",
                                    "statstracker.v1.LeaderboardService",
                                    "statstracker.v1.PlayerStatsService"};
  for (const auto& [id, op] : Operations(Document(options))) {
    EXPECT_TRUE(RequiresBearer(op)) << id;
  }
}

TEST(OpenApiTest, NoSchemeWhenNothingIsAuthenticated) {
  Struct doc = Document(OpenApiOptions());
  EXPECT_FALSE(At(At(doc, "components").struct_value(), "securitySchemes")
                   .has_struct_value());
  for (const auto& [id, op] : Operations(doc)) {
    EXPECT_FALSE(RequiresBearer(op)) << id;
  }
}

}  // namespace
}  // namespace gateway
}  // namespace statstracker
