#ifndef STATSTRACKER_SERVER_RPC_METRICS_H_
#define STATSTRACKER_SERVER_RPC_METRICS_H_

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/metrics.h"
#include "grpcpp/support/server_interceptor.h"
#include "grpcpp/support/status.h"

namespace statstracker {
namespace server {

// RPC counts and latencies by method and status code:
//   statstracker_server_rpcs_total{method, code}
//   statstracker_server_rpc_duration_seconds{method, code}   (histogram)
// method is "package.Service/Method", code the canonical name, e.g.
// "NOT_FOUND". A stream's duration is its whole life.
//
// Who records: the checked unary methods call Record themselves when they
// finish, whether gRPC or the gateway called them (server/checked_service.h:
// an interceptor costs every call an extra completion per batch), and a
// server interceptor records every other call (streams, reflection, health,
// calls through the in-process channel).
class RpcMetrics {
 public:
  explicit RpcMetrics(MetricsRegistry* registry);

  // A factory for ServerBuilder::experimental().SetInterceptorCreators().
  std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
  InterceptorFactory();

  // Methods (gRPC paths, "/package.Service/Method") that record their own
  // calls: the interceptor leaves them alone. Call before the server starts.
  void RecordedByHandlers(const std::vector<std::string>& paths);

  void Record(absl::string_view method, grpc::StatusCode code, double seconds);

 private:
  std::set<std::string, std::less<>> recorded_by_handlers_;
  CounterFamily* calls_;
  HistogramFamily* latency_;
};

// "OK", "CANCELLED", ... "UNAUTHENTICATED".
absl::string_view StatusCodeName(grpc::StatusCode code);

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_RPC_METRICS_H_
