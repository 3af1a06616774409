#include "server/error_status.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/field_error.h"
#include "common/logging.h"
#include "google/rpc/error_details.pb.h"

namespace statstracker {
namespace server {
namespace {

// Faults of the server or its storage, not of the client's request.
bool IsServerFault(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable ||
         code == absl::StatusCode::kInternal ||
         code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kDataLoss;
}

std::string ClientMessage(const absl::Status& status) {
  if (!IsServerFault(status.code())) {
    return BoundMessage(status.message());
  }
  // The full text may name the Redis host and port or quote a reply: it goes
  // to the log, the client gets a fixed message.
  Log(LogLevel::kWarning, "request failed",
      {{"code", absl::StatusCodeToString(status.code())},
       {"error", BoundMessage(status.message(), 4096)}});
  if (status.code() == absl::StatusCode::kUnavailable) {
    return "the service is unavailable (its storage cannot be reached); "
           "retry later";
  }
  return "internal error; the server log has the details";
}

}  // namespace

std::string BoundMessage(absl::string_view message, size_t max_bytes) {
  if (message.size() <= max_bytes) return std::string(message);
  static constexpr absl::string_view kCut = "…";
  size_t end = max_bytes > kCut.size() ? max_bytes - kCut.size() : 0;
  // Back up to the start of a UTF-8 sequence.
  while (end > 0 && (static_cast<unsigned char>(message[end]) & 0xc0) == 0x80) {
    --end;
  }
  return absl::StrCat(message.substr(0, end), kCut);
}

google::rpc::Status ToRpcStatus(const absl::Status& status) {
  google::rpc::Status out;
  if (status.ok()) return out;
  out.set_code(static_cast<int>(status.code()));
  out.set_message(ClientMessage(status));
  const std::string field = ErrorField(status);
  if (!field.empty()) {
    google::rpc::BadRequest bad;
    google::rpc::BadRequest::FieldViolation* violation =
        bad.add_field_violations();
    violation->set_field(BoundMessage(field, 256));
    absl::string_view description = out.message();
    const std::string prefix = absl::StrCat(field, ": ");
    if (absl::StartsWith(description, prefix)) {
      description.remove_prefix(prefix.size());
    }
    violation->set_description(std::string(description));
    out.add_details()->PackFrom(bad);
  }
  return out;
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status rpc = ToRpcStatus(status);
  return grpc::Status(static_cast<grpc::StatusCode>(rpc.code()), rpc.message(),
                      rpc.details().empty() ? "" : rpc.SerializeAsString());
}

}  // namespace server
}  // namespace statstracker
