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
// The methods keep their RPC types (unary, server streaming) on gRPC's sync
// API, so gRPC still receives a whole request before a thread runs the
// handler; the method handlers are gRPC's own templates instantiated on
// grpc::ByteBuffer, as generated code instantiates them on messages.

#include <deque>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/wire_check.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/impl/rpc_service_method.h"
#include "grpcpp/impl/service_type.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/method_handler.h"
#include "grpcpp/support/status.h"
#include "server/error_status.h"
#include "server/request_validation.h"

namespace statstracker {
namespace server {

// The request's bytes as one string (gRPC may hold them in several slices).
std::string ByteBufferBytes(const grpc::ByteBuffer& buffer);

// `message` serialized into a ByteBuffer.
grpc::ByteBuffer SerializeToByteBuffer(
    const google::protobuf::MessageLite& message);

class CheckedService : public grpc::Service {
 public:
  // Runs before a request is decoded (e.g. the API key check); a failure is
  // the call's status.
  using Admission = std::function<absl::Status(grpc::ServerContext*)>;
  template <class Request, class Response>
  using UnaryHandler = std::function<grpc::Status(grpc::ServerContext*,
                                                  const Request&, Response*)>;
  template <class Response>
  using Writer = std::function<bool(const Response&)>;
  template <class Request, class Response>
  using StreamHandler = std::function<grpc::Status(
      grpc::ServerContext*, const Request&, const Writer<Response>&)>;

  // The methods of `service` (from the generated descriptor pool) are added
  // with AddUnary / AddServerStreaming; `admission` may be empty.
  CheckedService(const google::protobuf::ServiceDescriptor* service,
                 Admission admission)
      : service_(service), admission_(std::move(admission)) {}

  template <class Request, class Response>
  void AddUnary(absl::string_view method,
                UnaryHandler<Request, Response> handler) {
    const char* name = AddName(method);
    Admission admission = admission_;
    AddMethod(new grpc::internal::RpcServiceMethod(
        name, grpc::internal::RpcMethod::NORMAL_RPC,
        new grpc::internal::RpcMethodHandler<CheckedService, grpc::ByteBuffer,
                                             grpc::ByteBuffer>(
            [admission, handler](CheckedService*, grpc::ServerContext* context,
                                 const grpc::ByteBuffer* in,
                                 grpc::ByteBuffer* out) {
              Request request;
              absl::Status edge = Edge(admission, context, *in, &request);
              if (!edge.ok()) return ToGrpcStatus(edge);
              Response response;
              grpc::Status status = handler(context, request, &response);
              if (status.ok()) *out = SerializeToByteBuffer(response);
              return status;
            },
            this)));
  }

  template <class Request, class Response>
  void AddServerStreaming(absl::string_view method,
                          StreamHandler<Request, Response> handler) {
    const char* name = AddName(method);
    Admission admission = admission_;
    AddMethod(new grpc::internal::RpcServiceMethod(
        name, grpc::internal::RpcMethod::SERVER_STREAMING,
        new grpc::internal::ServerStreamingHandler<
            CheckedService, grpc::ByteBuffer, grpc::ByteBuffer>(
            [admission, handler](CheckedService*, grpc::ServerContext* context,
                                 const grpc::ByteBuffer* in,
                                 grpc::ServerWriter<grpc::ByteBuffer>* writer) {
              Request request;
              absl::Status edge = Edge(admission, context, *in, &request);
              if (!edge.ok()) return ToGrpcStatus(edge);
              Writer<Response> write = [writer](const Response& response) {
                return writer->Write(SerializeToByteBuffer(response));
              };
              return handler(context, request, write);
            },
            this)));
  }

  // OK if every method of the service has a handler; else FAILED_PRECONDITION
  // listing the missing ones (checked at start-up: a missing one would answer
  // UNIMPLEMENTED).
  absl::Status CheckComplete() const;

 private:
  // admission, decode, validate.
  template <class Request>
  static absl::Status Edge(const Admission& admission,
                           grpc::ServerContext* context,
                           const grpc::ByteBuffer& in, Request* request) {
    if (admission) {
      absl::Status admitted = admission(context);
      if (!admitted.ok()) return admitted;
    }
    absl::Status decoded = DecodeMessage(ByteBufferBytes(in), request);
    if (!decoded.ok()) return decoded;
    return ValidateRequest(*request);
  }

  const char* AddName(absl::string_view method);

  const google::protobuf::ServiceDescriptor* service_;
  Admission admission_;
  std::deque<std::string> paths_;  // gRPC keeps pointers to these
  std::vector<std::string> methods_added_;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_CHECKED_SERVICE_H_
