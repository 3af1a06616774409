#ifndef STATSTRACKER_SERVER_GATEWAY_TESTING_ECHO_SERVICE_H_
#define STATSTRACKER_SERVER_GATEWAY_TESTING_ECHO_SERVICE_H_

#include <atomic>
#include <memory>
#include <string>

#include "grpcpp/grpcpp.h"
#include "server/gateway/gateway.h"
#include "statstracker/testing/v1/echo.grpc.pb.h"

namespace statstracker {
namespace gateway {
namespace testing {

// The FileDescriptorSet of statstracker/testing/v1/echo.proto (embedded).
std::string_view EchoDescriptorSet();

// statstracker.testing.v1.EchoService (see echo.proto).
class EchoServiceImpl final
    : public statstracker::testing::v1::EchoService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext* context,
                    const statstracker::testing::v1::EchoRequest* request,
                    statstracker::testing::v1::EchoResponse* response) override;
  grpc::Status EchoNested(
      grpc::ServerContext* context,
      const statstracker::testing::v1::EchoRequest* request,
      statstracker::testing::v1::EchoResponse* response) override;
  grpc::Status Fail(grpc::ServerContext* context,
                    const statstracker::testing::v1::FailRequest* request,
                    statstracker::testing::v1::EchoResponse* response) override;
  grpc::Status Secret(
      grpc::ServerContext* context,
      const statstracker::testing::v1::EchoRequest* request,
      statstracker::testing::v1::EchoResponse* response) override;
  grpc::Status Count(
      grpc::ServerContext* context,
      const statstracker::testing::v1::CountRequest* request,
      grpc::ServerWriter<statstracker::testing::v1::CountResponse>* writer)
      override;

  // Count streams that ended because the client went away.
  int cancelled_streams() const { return cancelled_streams_.load(); }

 private:
  std::atomic<int> cancelled_streams_{0};
};

// An in-process gRPC server with the echo service (no port) and a gateway
// on 127.0.0.1:0 routing the echo service and the statstracker.v1 API
// (whose services are not registered here, so they answer UNIMPLEMENTED).
struct EchoStack {
  EchoServiceImpl service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<Gateway> gateway;
};
// `options.channel` and `descriptor_sets` are filled in; the rest is kept.
std::unique_ptr<EchoStack> StartEchoStack(GatewayOptions options = {});

}  // namespace testing
}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_TESTING_ECHO_SERVICE_H_
