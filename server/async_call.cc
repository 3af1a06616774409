#include "server/async_call.h"

#include <utility>

#include "absl/time/clock.h"

namespace statstracker {
namespace server {

Answer EncodeAnswer(const google::protobuf::MessageLite& response) {
  return std::make_shared<const EncodedAnswer>(response.SerializeAsString());
}

absl::Status CheckDeadline(const CallInfo& call) {
  if (call.deadline < absl::Now()) {
    return absl::DeadlineExceededError("the call's deadline has passed");
  }
  return absl::OkStatus();
}

}  // namespace server
}  // namespace statstracker
