#include "server/gateway/json_errors.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "server/error_status.h"

namespace statstracker {
namespace gateway {
namespace {

std::string Quoted(absl::string_view text) {
  google::protobuf::Value value;
  value.set_string_value(std::string(text));
  std::string quoted;
  if (!google::protobuf::util::MessageToJsonString(value, &quoted).ok()) {
    return "\"\"";  // not UTF-8: messages are built to be, so never here
  }
  return quoted;
}

// The "details" array of a google.rpc.Status as JSON ("[]" if none or if a
// detail's type is unknown to this binary).
std::string DetailsJson(const google::rpc::Status& status) {
  if (status.details().empty()) return "[]";
  google::rpc::Status only_details;
  *only_details.mutable_details() = status.details();
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(only_details, &json).ok()) {
    return "[]";
  }
  // {"details":[...]} -> [...]
  const std::string prefix = "{\"details\":";
  if (json.size() < prefix.size() + 1 ||
      json.compare(0, prefix.size(), prefix)) {
    return "[]";
  }
  return json.substr(prefix.size(), json.size() - prefix.size() - 1);
}

}  // namespace

int HttpStatusFromGrpcCode(int code) {
  switch (code) {
    case 0:
      return 200;  // OK
    case 1:
      return 499;  // CANCELLED
    case 2:
      return 500;  // UNKNOWN
    case 3:
      return 400;  // INVALID_ARGUMENT
    case 4:
      return 504;  // DEADLINE_EXCEEDED
    case 5:
      return 404;  // NOT_FOUND
    case 6:
      return 409;  // ALREADY_EXISTS
    case 7:
      return 403;  // PERMISSION_DENIED
    case 8:
      return 429;  // RESOURCE_EXHAUSTED
    case 9:
      return 400;  // FAILED_PRECONDITION
    case 10:
      return 409;  // ABORTED
    case 11:
      return 400;  // OUT_OF_RANGE
    case 12:
      return 501;  // UNIMPLEMENTED
    case 13:
      return 500;  // INTERNAL
    case 14:
      return 503;  // UNAVAILABLE
    case 15:
      return 500;  // DATA_LOSS
    case 16:
      return 401;  // UNAUTHENTICATED
  }
  return 500;
}

HttpHeaders ApiSecurityHeaders() {
  return {{"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          {"Referrer-Policy", "no-referrer"},
          {"Content-Security-Policy",
           "default-src 'none'; frame-ancestors 'none'"}};
}

HttpHeaders PageSecurityHeaders() {
  return {{"X-Content-Type-Options", "nosniff"},
          {"X-Frame-Options", "DENY"},
          {"Referrer-Policy", "no-referrer"},
          {"Content-Security-Policy",
           "default-src 'none'; script-src 'self'; style-src 'self'; "
           "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
           "form-action 'none'; frame-ancestors 'none'"}};
}

std::string StatusJson(int code, absl::string_view message,
                       absl::string_view details_json) {
  return absl::StrCat("{\"code\":", code, ",\"message\":", Quoted(message),
                      ",\"details\":", details_json, "}");
}

HttpResponse ErrorResponse(int http_status, int code, absl::string_view message,
                           absl::string_view details_json) {
  HttpResponse response;
  response.status = http_status;
  response.content_type = "application/json";
  response.headers = ApiSecurityHeaders();
  response.body = StatusJson(code, message, details_json);
  return response;
}

std::string GrpcStatusJson(const grpc::Status& status) {
  google::rpc::Status rpc;
  std::string details = "[]";
  if (!status.error_details().empty() &&
      rpc.ParseFromString(status.error_details())) {
    details = DetailsJson(rpc);
  }
  return StatusJson(status.error_code(), status.error_message(), details);
}

HttpResponse GrpcStatusResponse(const grpc::Status& status) {
  HttpResponse response = ErrorResponse(
      HttpStatusFromGrpcCode(status.error_code()), status.error_code(), "");
  response.body = GrpcStatusJson(status);
  return response;
}

HttpResponse LocalErrorResponse(const absl::Status& status) {
  google::rpc::Status rpc = server::ToRpcStatus(status);
  return ErrorResponse(HttpStatusFromGrpcCode(rpc.code()), rpc.code(),
                       rpc.message(), DetailsJson(rpc));
}

}  // namespace gateway
}  // namespace statstracker
