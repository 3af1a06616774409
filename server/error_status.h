#ifndef STATSTRACKER_SERVER_ERROR_STATUS_H_
#define STATSTRACKER_SERVER_ERROR_STATUS_H_

// The one place an internal absl::Status becomes what a client sees, for
// gRPC and (through the gateway) REST alike:
//  - INVALID_ARGUMENT naming a field (common/field_error.h) carries a
//    google.rpc.BadRequest with that field violation, sent as
//    grpc-status-details-bin (a serialized google.rpc.Status), which the
//    gateway renders as the JSON body's "details";
//  - messages are cut to kMaxMessageBytes (client values inside them are
//    already bounded), so no error outgrows gRPC's metadata limit;
//  - server faults (UNAVAILABLE, INTERNAL, UNKNOWN, DATA_LOSS) are logged
//    with their full text (Redis address, reply) and the client gets a fixed
//    message without internal addresses.

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/status.h"

namespace statstracker {
namespace server {

inline constexpr size_t kMaxMessageBytes = 1024;

// The client's view of `status` as a google.rpc.Status (see above). OK maps
// to code 0 with no message.
google::rpc::Status ToRpcStatus(const absl::Status& status);

// ToRpcStatus as a grpc::Status: code, message, and the serialized
// google.rpc.Status as error details when it has any.
grpc::Status ToGrpcStatus(const absl::Status& status);

// `message` cut at a UTF-8 boundary to at most `max_bytes`, "…" marking a
// cut.
std::string BoundMessage(absl::string_view message,
                         size_t max_bytes = kMaxMessageBytes);

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_ERROR_STATUS_H_
