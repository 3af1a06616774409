#ifndef STATSTRACKER_SERVER_GATEWAY_JSON_ERRORS_H_
#define STATSTRACKER_SERVER_GATEWAY_JSON_ERRORS_H_

// The gateway's error bodies and response headers. Errors have
// grpc-gateway's shape, {"code": <gRPC code>, "message": "...", "details":
// [...]}, where details are the google.rpc.Status details the gRPC call
// returned (grpc-status-details-bin), e.g.
//   {"@type": "type.googleapis.com/google.rpc.BadRequest",
//    "fieldViolations": [{"field": "game_id", "description": "..."}]}.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/support/status.h"
#include "server/gateway/http_front.h"

namespace statstracker {
namespace gateway {

// grpc-gateway's HTTP status for a gRPC status code.
int HttpStatusFromGrpcCode(int code);

// Headers every API response carries: no MIME sniffing, no framing, no
// referrer, and a Content-Security-Policy that allows nothing (JSON is
// never a document).
HttpHeaders ApiSecurityHeaders();
// The same for the live page and its assets, with a policy that allows the
// page its own scripts, styles and API calls and nothing else.
HttpHeaders PageSecurityHeaders();

// The error body for `code` and `message` with `details_json` (a JSON
// array), and the API's security headers.
HttpResponse ErrorResponse(int http_status, int code, absl::string_view message,
                           absl::string_view details_json = "[]");

// The body alone: {"code":..,"message":..,"details":..}.
std::string StatusJson(int code, absl::string_view message,
                       absl::string_view details_json = "[]");

// The JSON body for a gRPC call's status: its details decoded from the
// serialized google.rpc.Status the server sent (if any).
std::string GrpcStatusJson(const grpc::Status& status);
// The HTTP error response for a failed gRPC call.
HttpResponse GrpcStatusResponse(const grpc::Status& status);
// The HTTP error response for an error the gateway found itself (a bad
// query parameter, body or header): the same conversion the server's RPC
// edge makes (server/error_status.h), so a FieldError gets its BadRequest.
HttpResponse LocalErrorResponse(const absl::Status& status);

}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_JSON_ERRORS_H_
