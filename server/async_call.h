#ifndef STATSTRACKER_SERVER_ASYNC_CALL_H_
#define STATSTRACKER_SERVER_ASYNC_CALL_H_

// How a query is answered on the callback API, whether it came over gRPC or
// through the REST gateway: the handler gets what it needs to know of the
// call (CallInfo) and a completion (AnswerDone) it calls exactly once, from
// any thread, with the encoded response or an error. Nothing waits in
// between: a handler that needs Redis submits its commands
// (server/redis_mux.h) and answers from their completion.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/message_lite.h"
#include "server/answer_cache.h"

namespace statstracker {
namespace server {

// What a handler knows of its call.
struct CallInfo {
  // The "authorization" metadata (gRPC) or header (REST), if sent.
  std::optional<std::string> authorization;
  // When the client stops waiting.
  absl::Time deadline = absl::InfiniteFuture();
};

// A response, serialized once; shared by the cache and every caller it
// answers (REST renders it as JSON once, see EncodedAnswer::Json).
using Answer = std::shared_ptr<const EncodedAnswer>;
using AnswerDone = std::function<void(absl::StatusOr<Answer>)>;

// `response` serialized as an Answer.
Answer EncodeAnswer(const google::protobuf::MessageLite& response);

// DEADLINE_EXCEEDED if the call's deadline has passed, so an expired call
// does not reach Redis.
absl::Status CheckDeadline(const CallInfo& call);

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_ASYNC_CALL_H_
