#ifndef STATSTRACKER_SERVER_GATEWAY_GATEWAY_H_
#define STATSTRACKER_SERVER_GATEWAY_GATEWAY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "server/gateway/cors.h"
#include "server/gateway/route_table.h"

struct MHD_Daemon;

namespace statstracker {
namespace gateway {

// The FileDescriptorSet (with imports and comments) of the statstracker.v1
// API, embedded at build time: the gateway's routes and OpenAPI document.
std::string_view ApiDescriptorSet();

struct GatewayOptions {
  // host:port to listen on; port 0 picks a free port (see Gateway::address).
  std::string address = "127.0.0.1:8080";
  // Where RPCs go: the server's in-process channel
  // (grpc::Server::InProcessChannel), so auth, validation and metrics apply
  // exactly as for gRPC clients.
  std::shared_ptr<grpc::ChannelInterface> channel;
  // Serialized FileDescriptorSets whose services are routed; empty means
  // {ApiDescriptorSet()}.
  std::vector<std::string> descriptor_sets;
  // Directory served at / (index.html) and /web/*; empty disables it.
  std::string web_root;
  // Largest request body; larger ones get 413. 0 means 1 MiB.
  size_t max_request_bytes = 0;
  // Request headers forwarded as gRPC metadata (lower case), besides
  // "grpc-metadata-<key>" headers, which are forwarded as "<key>".
  std::vector<std::string> forwarded_headers = {
      "authorization", "x-request-id", "x-forwarded-for", "user-agent"};
  // The OpenAPI document's title and version.
  std::string title = "Stats Tracker API";
  std::string version = "v1";
  // Services whose calls need `Authorization: Bearer <api key>`; the
  // OpenAPI document puts a bearer security scheme on their operations.
  std::vector<std::string> authenticated_services;
  // Unknown JSON body fields: discarded unless rejected here.
  BindingOptions binding;
  // Browser origins allowed to call the gateway (CORS); none by default.
  CorsOptions cors;
};

// The REST/JSON gateway: routes from the services' google.api.http options,
// requests transcoded with protobuf's JSON mapping and sent through
// `channel` as generic gRPC calls; GET /openapi.json; static files; HEAD
// for every GET; CORS preflights and headers (cors.h).
//
// HTTP comes from GNU libmicrohttpd (Debian's libmicrohttpd12), run with an
// internal polling thread and a thread per connection: each request is
// handled by blocking calls on its own thread (a gRPC call, then the
// response), which keeps the transcoding code linear, lets a
// WatchLeaderboard stream block between updates without stalling other
// clients, and still gives keep-alive and concurrent requests. libmicrohttpd
// is a small, fuzzed, long-lived C library with a strict HTTP/1.1 parser,
// chunked encoding and connection limits and timeouts; the per-connection
// thread costs a stack per open connection, bounded by the connection
// limit set below, which is cheap next to the Redis work behind each call.
class Gateway {
 public:
  // Builds the routes and the OpenAPI document and starts listening.
  // INVALID_ARGUMENT for bad descriptors or options, UNAVAILABLE if the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(GatewayOptions options);
  // Stops listening and closes connections (open streams are cancelled).
  ~Gateway();

  // host:port with the actual port.
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  const RouteTable& routes() const { return *routes_; }
  const std::string& openapi_json() const { return openapi_; }

  // Internal: libmicrohttpd's callbacks call these.
  struct Request;
  int Handle(void* connection, Request* request, const char* method,
             const char* upload_data, size_t* upload_data_size);

 private:
  Gateway() = default;
  int Dispatch(void* connection, Request* request, const std::string& method);
  int ServeStatic(void* connection, const std::string& path);
  int CallUnary(void* connection, const Route& route,
                const google::protobuf::Message& request,
                grpc::ClientContext* context);
  int CallStreaming(void* connection, const Route& route,
                    const google::protobuf::Message& request,
                    std::unique_ptr<grpc::ClientContext> context, bool sse,
                    bool head);

  GatewayOptions options_;
  std::unique_ptr<RouteTable> routes_;
  std::unique_ptr<CorsPolicy> cors_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::string openapi_;
  std::string address_;
  int port_ = 0;
  MHD_Daemon* daemon_ = nullptr;
};

// grpc-gateway's HTTP status for a gRPC status code.
int HttpStatusFromGrpcCode(int code);

}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_GATEWAY_H_
