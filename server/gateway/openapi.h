#ifndef STATSTRACKER_SERVER_GATEWAY_OPENAPI_H_
#define STATSTRACKER_SERVER_GATEWAY_OPENAPI_H_

#include <string>
#include <vector>

#include "server/gateway/route_table.h"

namespace statstracker {
namespace gateway {

struct OpenApiOptions {
  // info.title and info.version.
  std::string title = "Stats Tracker API";
  std::string version = "v1";
  // Full names of the services whose calls need an API key
  // (`Authorization: Bearer <key>`): their operations carry the "bearerAuth"
  // security requirement (components.securitySchemes) and a 401 response.
  std::vector<std::string> authenticated_services;
};

// An OpenAPI 3.0.3 document (JSON) for every route of `routes`: one
// operation per binding with its path and query parameters and request body,
// component schemas for the messages and enums reached, the error schema
// {"code","message","details"} as the default response, descriptions from
// the .proto comments (the descriptor sets' source info), and the bearer
// security scheme on the authenticated services' operations.
// Server-streaming RPCs are documented as application/x-ndjson (one
// {"result": ...} or {"error": ...} object per line) and text/event-stream.
std::string BuildOpenApiJson(const RouteTable& routes,
                             const OpenApiOptions& options);

}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_OPENAPI_H_
