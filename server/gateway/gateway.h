#ifndef STATSTRACKER_SERVER_GATEWAY_GATEWAY_H_
#define STATSTRACKER_SERVER_GATEWAY_GATEWAY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpcpp/channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "server/async_call.h"
#include "server/gateway/cors.h"
#include "server/gateway/http_front.h"
#include "server/gateway/json_errors.h"  // HttpStatusFromGrpcCode, bodies
#include "server/gateway/route_table.h"

namespace statstracker {
namespace gateway {

// The FileDescriptorSet (with imports and comments) of the statstracker.v1
// API, embedded at build time: the gateway's routes and OpenAPI document.
std::string_view ApiDescriptorSet();

// A unary method the gateway calls in-process, without gRPC: the server's
// own edge and handler (server::CheckedService::RawUnary) taking the
// request's protobuf bytes and answering with an encoded response.
using DirectUnary = std::function<void(const server::CallInfo&,
                                       absl::string_view, server::AnswerDone)>;

struct GatewayOptions {
  // host:port to listen on; port 0 picks a free port (see Gateway::address).
  std::string address = "127.0.0.1:8080";
  // Where RPCs go: the server's in-process channel
  // (grpc::Server::InProcessChannel), so auth, validation and metrics apply
  // exactly as for gRPC clients.
  std::shared_ptr<grpc::ChannelInterface> channel;
  // Unary methods answered straight by the server's handlers
  // (QueryServer::UnaryMethod, by gRPC path "/pkg.Service/Method"): no
  // in-process gRPC hop, and a cached answer's JSON is rendered once
  // (EncodedAnswer::Json). Methods it returns null for, and streams, go
  // through `channel`. Empty: everything goes through `channel`. A direct
  // method records its calls in the server's RPC metrics itself.
  std::function<const DirectUnary*(absl::string_view grpc_path)> direct_unary;
  // Serialized FileDescriptorSets whose services are routed; empty means
  // {ApiDescriptorSet()}.
  std::vector<std::string> descriptor_sets;
  // Directory the live page's files are read from; empty disables them.
  std::string web_root;
  // The only files served from web_root: "/" is index.html, "/web/<name>"
  // one of these. Nothing else in the directory (BUILD, editor backups) is
  // reachable.
  std::vector<std::string> web_files = {"index.html", "app.js", "style.css"};
  // Largest request body; larger ones get 413. 0 means 1 MiB. (Sets
  // http.max_body_bytes.)
  size_t max_request_bytes = 0;
  // Connections, limits and timeouts of the HTTP front (http_front.h);
  // http.address is set from `address`.
  HttpFrontOptions http;
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
// HTTP comes from HttpFront (http_front.h): event-driven, with per-client
// and total connection limits, header/idle/body/write timeouts and every
// error it makes itself in this gateway's JSON error shape. Handlers here
// never block an I/O thread: unary calls use gRPC's callback API and answer
// the exchange from the completion, WatchLeaderboard streams are a client
// reactor that reads the next message only once the previous chunk is
// written (backpressure), and a client that disconnects cancels its call.
// Every response carries security headers (nosniff, frame denial, referrer
// policy; a Content-Security-Policy that allows the page only its own
// assets and the API nothing).
class Gateway {
 public:
  // Builds the routes and the OpenAPI document and starts listening.
  // INVALID_ARGUMENT for bad descriptors or options, UNAVAILABLE if the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<Gateway>> Start(GatewayOptions options);
  // Stops listening, closes connections, cancels calls in flight and waits
  // for them.
  ~Gateway();

  // host:port with the actual port.
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  const RouteTable& routes() const { return *routes_; }
  const std::string& openapi_json() const { return openapi_; }
  const HttpFront& front() const { return *front_; }

  // Internal: the calls in flight register here so ~Gateway can end them.
  class Calls;

 private:
  Gateway() = default;
  void Handle(const HttpRequest& request,
              std::shared_ptr<HttpExchange> exchange);
  void ServeStatic(const std::string& path, HttpExchange* exchange);
  void CallUnary(const Route& route, const google::protobuf::Message& request,
                 std::shared_ptr<grpc::ClientContext> context,
                 const std::shared_ptr<HttpExchange>& exchange);
  void CallDirect(const Route& route, const DirectUnary& method,
                  const google::protobuf::Message& request,
                  const server::CallInfo& call,
                  const std::shared_ptr<HttpExchange>& exchange);
  void CallStreaming(const Route& route,
                     const google::protobuf::Message& request,
                     std::shared_ptr<grpc::ClientContext> context, bool sse,
                     std::shared_ptr<HttpExchange> exchange);

  GatewayOptions options_;
  std::unique_ptr<RouteTable> routes_;
  std::unique_ptr<CorsPolicy> cors_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::shared_ptr<Calls> calls_;
  std::string openapi_;
  std::string address_;
  int port_ = 0;
  std::unique_ptr<HttpFront> front_;
};

}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_GATEWAY_H_
