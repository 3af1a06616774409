#include "server/gateway/testing/echo_service.h"

#include <chrono>
#include <thread>

#include "server/gateway/testing/echo_descriptor_set.h"

namespace statstracker {
namespace gateway {
namespace testing {

using statstracker::testing::v1::CountRequest;
using statstracker::testing::v1::CountResponse;
using statstracker::testing::v1::EchoRequest;
using statstracker::testing::v1::EchoResponse;
using statstracker::testing::v1::FailRequest;

std::string_view EchoDescriptorSet() { return embedded::EchoDescriptorSet(); }

grpc::Status EchoServiceImpl::Echo(grpc::ServerContext* context,
                                   const EchoRequest* request,
                                   EchoResponse* response) {
  *response->mutable_request() = *request;
  for (const auto& [key, value] : context->client_metadata()) {
    (*response->mutable_metadata())[std::string(key.data(), key.size())] =
        std::string(value.data(), value.size());
  }
  response->set_has_deadline(context->deadline() !=
                             std::chrono::system_clock::time_point::max());
  return grpc::Status::OK;
}

grpc::Status EchoServiceImpl::EchoNested(grpc::ServerContext* context,
                                         const EchoRequest* request,
                                         EchoResponse* response) {
  return Echo(context, request, response);
}

grpc::Status EchoServiceImpl::Fail(grpc::ServerContext*,
                                   const FailRequest* request, EchoResponse*) {
  return grpc::Status(static_cast<grpc::StatusCode>(request->code()),
                      request->message());
}

grpc::Status EchoServiceImpl::Secret(grpc::ServerContext* context,
                                     const EchoRequest* request,
                                     EchoResponse* response) {
  auto it = context->client_metadata().find("authorization");
  if (it == context->client_metadata().end()) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "authorization: missing; send Bearer <key>");
  }
  if (it->second != "Bearer secret") {
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                        "authorization: wrong key");
  }
  return Echo(context, request, response);
}

grpc::Status EchoServiceImpl::Count(grpc::ServerContext* context,
                                    const CountRequest* request,
                                    grpc::ServerWriter<CountResponse>* writer) {
  if (request->count() < 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "count: must be >= 0");
  }
  for (int64_t n = 1; request->count() == 0 || n <= request->count(); ++n) {
    if (context->IsCancelled()) {
      ++cancelled_streams_;
      return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    CountResponse response;
    response.set_n(n);
    if (!writer->Write(response)) {
      ++cancelled_streams_;
      return grpc::Status(grpc::StatusCode::CANCELLED, "client gone");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (request->count() == 7) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "seven is too many");
  }
  return grpc::Status::OK;
}

std::unique_ptr<EchoStack> StartEchoStack(GatewayOptions options) {
  auto stack = std::make_unique<EchoStack>();
  grpc::ServerBuilder builder;
  builder.RegisterService(&stack->service);
  stack->server = builder.BuildAndStart();
  if (stack->server == nullptr) return nullptr;
  options.channel = stack->server->InProcessChannel(grpc::ChannelArguments());
  options.descriptor_sets = {std::string(EchoDescriptorSet()),
                             std::string(ApiDescriptorSet())};
  if (options.address == GatewayOptions().address) {
    options.address = "127.0.0.1:0";
  }
  auto gateway = Gateway::Start(std::move(options));
  if (!gateway.ok()) {
    fprintf(stderr, "gateway: %s\n", gateway.status().ToString().c_str());
    return nullptr;
  }
  stack->gateway = *std::move(gateway);
  return stack;
}

}  // namespace testing
}  // namespace gateway
}  // namespace statstracker
