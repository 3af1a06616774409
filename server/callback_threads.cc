#include "server/callback_threads.h"

#include <chrono>
#include <memory>

#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/slice.h"

namespace statstracker {
namespace server {

void PinGrpcCallbackThreads() {
  static const bool kPinned = [] {
    // A channel that is never destroyed, made to take its reference on the
    // callback pool by one callback call (to nowhere; it fails at once).
    // Everything here is leaked on purpose.
    auto* channel = new std::shared_ptr<grpc::Channel>(
        grpc::CreateChannel("unix:/nonexistent/statstracker-callback-pin",
                            grpc::InsecureChannelCredentials()));
    auto* stub = new grpc::GenericStub(*channel);
    auto* context = new grpc::ClientContext();
    context->set_deadline(std::chrono::system_clock::now());
    grpc::Slice empty("");
    auto* request = new grpc::ByteBuffer(&empty, 1);
    auto* response = new grpc::ByteBuffer();
    stub->UnaryCall(context, "/statstracker.Pin/Pin", grpc::StubOptions(),
                    request, response, [](const grpc::Status&) {});
    return true;
  }();
  (void)kPinned;
}

}  // namespace server
}  // namespace statstracker
