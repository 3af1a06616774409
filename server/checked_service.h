#ifndef STATSTRACKER_SERVER_CHECKED_SERVICE_H_
#define STATSTRACKER_SERVER_CHECKED_SERVICE_H_

// A gRPC service whose methods receive their request as bytes and decode it
// themselves. gRPC's generated services let gRPC parse the request, and a
// truncated message or a string that is not UTF-8 then ends as INTERNAL with
// an empty message (and a libprotobuf log line). Here every request goes
// through the edge step instead:
//   admission (API key) -> DecodeMessage (common/wire_check.h: the broken
//   field named) -> ValidateRequest (server/request_validation.h) -> handler
// and a failure is answered by ToGrpcStatus (server/error_status.h):
// INVALID_ARGUMENT with a google.rpc.BadRequest naming the field.
//
// Methods run on gRPC's callback API (raw, on grpc::ByteBuffer, as
// generated "raw callback" methods do): a handler returns at once and
// answers through its completion (server/async_call.h), so no thread is
// parked on a call. The same edge + handler is kept per unary method as a
// RawUnary, which the REST gateway calls directly (no in-process gRPC hop).
//
// A unary call, from gRPC or the gateway alike, is recorded in the RPC
// metrics here (the RawUnary), when it finishes, rather than by a server
// interceptor: with any interceptor on a call, gRPC 1.51 ends each of the
// call's operation batches with one more empty batch and completion, which
// cost a tenth of the cached top-10 rate (BENCHMARKS.md "Queries").
// RpcMetrics leaves these methods out.

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/wire_check.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/impl/codegen/server_callback_handlers.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "grpcpp/support/status.h"
#include "server/async_call.h"
#include "server/error_status.h"
#include "server/request_validation.h"

namespace statstracker {
namespace server {

// The request's bytes as one string (gRPC may hold them in several slices).
std::string ByteBufferBytes(const grpc::ByteBuffer& buffer);

// `message` serialized into a ByteBuffer.
grpc::ByteBuffer SerializeToByteBuffer(
    const google::protobuf::MessageLite& message);

// An answer's bytes as a ByteBuffer.
grpc::ByteBuffer AnswerToByteBuffer(const Answer& answer);

// The CallInfo of a gRPC call.
CallInfo CallInfoOf(const grpc::CallbackServerContext& context);

// A stream that ends at once with `status` (a request refused at the edge).
grpc::ServerWriteReactor<grpc::ByteBuffer>* FinishedStream(
    const grpc::Status& status);

class CheckedService : public grpc::Service {
 public:
  // Runs before a request is decoded (e.g. the API key check); a failure is
  // the call's status.
  using Admission = std::function<absl::Status(const CallInfo&)>;
  // Records a finished unary call: method "package.Service/Method", the
  // status code answered and the seconds from arrival to answer.
  using Recorder = std::function<void(absl::string_view method,
                                      grpc::StatusCode code, double seconds)>;
  template <class Request>
  using UnaryHandler =
      std::function<void(const CallInfo&, const Request&, AnswerDone)>;
  // A unary method from its request bytes: edge, then handler; recorded.
  using RawUnary =
      std::function<void(const CallInfo&, absl::string_view, AnswerDone)>;
  // A server-streaming method: the reactor serving a checked request.
  template <class Request>
  using StreamHandler =
      std::function<grpc::ServerWriteReactor<grpc::ByteBuffer>*(
          grpc::CallbackServerContext*, const CallInfo&, const Request&)>;

  // The methods of `service` (from the generated descriptor pool) are added
  // with AddUnary / AddServerStreaming; `admission` and `recorder` may be
  // empty.
  CheckedService(const google::protobuf::ServiceDescriptor* service,
                 Admission admission, Recorder recorder = nullptr)
      : service_(service),
        admission_(std::move(admission)),
        recorder_(std::move(recorder)) {}

  template <class Request>
  void AddUnary(absl::string_view method, UnaryHandler<Request> handler) {
    const int index = AddName(method);
    Admission admission = admission_;
    const Recorder* recorder = &recorder_;  // lives as long as the service
    const absl::string_view name = absl::string_view(paths_.back()).substr(1);
    RawUnary raw = [admission, handler, recorder, name](const CallInfo& call,
                                                        absl::string_view bytes,
                                                        AnswerDone done) {
      if (*recorder) done = Recorded(*recorder, name, std::move(done));
      Request request;
      absl::Status edge = Edge(admission, call, bytes, &request);
      if (!edge.ok()) return done(edge);
      handler(call, request, std::move(done));
    };
    raw_unary_[paths_.back()] = raw;
    unary_paths_.push_back(paths_.back());
    AddMethod(new grpc::internal::RpcServiceMethod(
        paths_.back().c_str(), grpc::internal::RpcMethod::NORMAL_RPC, nullptr));
    MarkMethodRawCallback(
        index, new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer,
                                                        grpc::ByteBuffer>(
                   [raw](grpc::CallbackServerContext* context,
                         const grpc::ByteBuffer* in, grpc::ByteBuffer* out) {
                     grpc::ServerUnaryReactor* reactor =
                         context->DefaultReactor();
                     raw(CallInfoOf(*context), ByteBufferBytes(*in),
                         [reactor, out](absl::StatusOr<Answer> answer) {
                           if (!answer.ok()) {
                             reactor->Finish(ToGrpcStatus(answer.status()));
                             return;
                           }
                           *out = AnswerToByteBuffer(*answer);
                           reactor->Finish(grpc::Status::OK);
                         });
                     return reactor;
                   }));
  }

  template <class Request>
  void AddServerStreaming(absl::string_view method,
                          StreamHandler<Request> handler) {
    const int index = AddName(method);
    Admission admission = admission_;
    AddMethod(new grpc::internal::RpcServiceMethod(
        paths_.back().c_str(), grpc::internal::RpcMethod::SERVER_STREAMING,
        nullptr));
    MarkMethodRawCallback(
        index,
        new grpc::internal::CallbackServerStreamingHandler<grpc::ByteBuffer,
                                                           grpc::ByteBuffer>(
            [admission, handler](grpc::CallbackServerContext* context,
                                 const grpc::ByteBuffer* in) {
              CallInfo call = CallInfoOf(*context);
              Request request;
              absl::Status edge =
                  Edge(admission, call, ByteBufferBytes(*in), &request);
              if (!edge.ok()) return FinishedStream(ToGrpcStatus(edge));
              return handler(context, call, request);
            }));
  }

  // The gRPC paths ("/package.Service/Method") of the unary methods, which
  // record their own calls.
  const std::vector<std::string>& unary_paths() const { return unary_paths_; }

  // The unary method at gRPC path "/package.Service/Method", or nullptr.
  const RawUnary* FindUnary(absl::string_view path) const;

  // OK if every method of the service has a handler; else FAILED_PRECONDITION
  // listing the missing ones (checked at start-up: a missing one would answer
  // UNIMPLEMENTED).
  absl::Status CheckComplete() const;

 private:
  // `done`, recording the call first (ToGrpcStatus keeps absl's codes).
  static AnswerDone Recorded(const Recorder& recorder, absl::string_view method,
                             AnswerDone done) {
    return [&recorder, method, start = absl::Now(),
            done = std::move(done)](absl::StatusOr<Answer> answer) {
      recorder(method,
               answer.ok()
                   ? grpc::StatusCode::OK
                   : static_cast<grpc::StatusCode>(answer.status().code()),
               absl::ToDoubleSeconds(absl::Now() - start));
      done(std::move(answer));
    };
  }

  // admission, decode, validate.
  template <class Request>
  static absl::Status Edge(const Admission& admission, const CallInfo& call,
                           absl::string_view bytes, Request* request) {
    if (admission) {
      absl::Status admitted = admission(call);
      if (!admitted.ok()) return admitted;
    }
    absl::Status decoded = DecodeMessage(bytes, request);
    if (!decoded.ok()) return decoded;
    return ValidateRequest(*request);
  }

  // Records the method; returns its index among the service's methods.
  int AddName(absl::string_view method);

  const google::protobuf::ServiceDescriptor* service_;
  Admission admission_;
  Recorder recorder_;
  std::deque<std::string> paths_;  // gRPC keeps pointers to these
  std::vector<std::string> methods_added_;
  std::map<std::string, RawUnary, std::less<>> raw_unary_;
  std::vector<std::string> unary_paths_;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_CHECKED_SERVICE_H_
