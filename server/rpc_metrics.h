#ifndef STATSTRACKER_SERVER_RPC_METRICS_H_
#define STATSTRACKER_SERVER_RPC_METRICS_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "common/metrics.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"

namespace statstracker {
namespace server {

// RPC counts and latencies by method and status code, recorded by a server
// interceptor, so every service (reflection and health included, and calls
// arriving through the gateway's in-process channel) is covered without
// touching handlers:
//   statstracker_server_rpcs_total{method, code}
//   statstracker_server_rpc_duration_seconds{method, code}   (histogram)
// method is "package.Service/Method", code the canonical name, e.g.
// "NOT_FOUND". A stream's duration is its whole life.
class RpcMetrics {
 public:
  explicit RpcMetrics(MetricsRegistry* registry);

  // A factory for ServerBuilder::experimental().SetInterceptorCreators().
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

  void Record(absl::string_view method, grpc::StatusCode code, double seconds);

 private:
  CounterFamily* calls_;
  HistogramFamily* latency_;
};

// "OK", "CANCELLED", ... "UNAUTHENTICATED".
absl::string_view StatusCodeName(grpc::StatusCode code);

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_RPC_METRICS_H_
