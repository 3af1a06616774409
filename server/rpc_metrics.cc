#include "server/rpc_metrics.h"

#include <string>
#include <vector>

#include "absl/strings/strip.h"
#include "absl/time/clock.h"

namespace statstracker {
namespace server {
namespace {

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(RpcMetrics* metrics, const char* method)
      : metrics_(metrics),
        method_(absl::StripPrefix(method != nullptr ? method : "", "/")),
        start_(absl::Now()) {}

  ~MetricsInterceptor() override {
    // A call that ends without the server sending a status (the client went
    // away first) still counts, as CANCELLED.
    if (!recorded_) {
      metrics_->Record(method_, grpc::StatusCode::CANCELLED,
                       absl::ToDoubleSeconds(absl::Now() - start_));
    }
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      recorded_ = true;
      metrics_->Record(method_, methods->GetSendStatus().error_code(),
                       absl::ToDoubleSeconds(absl::Now() - start_));
    }
    methods->Proceed();
  }

 private:
  RpcMetrics* metrics_;
  std::string method_;
  absl::Time start_;
  bool recorded_ = false;
};

class Factory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  Factory(RpcMetrics* metrics,
          const std::set<std::string, std::less<>>* recorded_by_handlers)
      : metrics_(metrics), recorded_by_handlers_(recorded_by_handlers) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const char* method = info->method();
    // No interceptor at all on these calls (nullptr: gRPC then runs none).
    if (method != nullptr && recorded_by_handlers_->count(method) > 0) {
      return nullptr;
    }
    return new MetricsInterceptor(metrics_, method);
  }

 private:
  RpcMetrics* metrics_;
  const std::set<std::string, std::less<>>* recorded_by_handlers_;
};

}  // namespace

absl::string_view StatusCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

RpcMetrics::RpcMetrics(MetricsRegistry* registry)
    : calls_(registry->AddCounter("statstracker_server_rpcs_total",
                                  "RPCs handled, by method and status code.",
                                  {"method", "code"})),
      latency_(registry->AddHistogram(
          "statstracker_server_rpc_duration_seconds",
          "RPC latency from arrival to status, by method and status code.",
          {"method", "code"},
          {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
           0.1, 0.25, 0.5, 1, 2.5, 5, 10})) {}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
RpcMetrics::InterceptorFactory() {
  return std::make_unique<Factory>(this, &recorded_by_handlers_);
}

void RpcMetrics::RecordedByHandlers(const std::vector<std::string>& paths) {
  recorded_by_handlers_.insert(paths.begin(), paths.end());
}

void RpcMetrics::Record(absl::string_view method, grpc::StatusCode code,
                        double seconds) {
  std::vector<std::string> labels = {std::string(method),
                                     std::string(StatusCodeName(code))};
  calls_->Increment(labels);
  latency_->Observe(labels, seconds);
}

}  // namespace server
}  // namespace statstracker
