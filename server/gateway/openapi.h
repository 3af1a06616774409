#ifndef STATSTRACKER_SERVER_GATEWAY_OPENAPI_H_
#define STATSTRACKER_SERVER_GATEWAY_OPENAPI_H_

#include <string>

#include "server/gateway/route_table.h"

namespace statstracker {
namespace gateway {

// An OpenAPI 3.0.3 document (JSON) for every route of `routes`: one
// operation per binding with its path and query parameters and request body,
// component schemas for the messages and enums reached, the error schema
// {"code","message","details"} as the default response, and descriptions
// from the .proto comments (the descriptor sets' source info).
// Server-streaming RPCs are documented as application/x-ndjson (one
// {"result": ...} or {"error": ...} object per line) and text/event-stream.
std::string BuildOpenApiJson(const RouteTable& routes, const std::string& title,
                             const std::string& version);

}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_OPENAPI_H_
