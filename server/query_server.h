#ifndef STATSTRACKER_SERVER_QUERY_SERVER_H_
#define STATSTRACKER_SERVER_QUERY_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/game_catalog.h"
#include "common/http_endpoint.h"
#include "common/metrics.h"
#include "grpcpp/grpcpp.h"
#include "server/admin_service.h"
#include "server/answer_cache.h"
#include "server/api_key_auth.h"
#include "server/blocking_calls.h"
#include "server/change_feed.h"
#include "server/checked_service.h"
#include "server/delay_queue.h"
#include "server/health_checker.h"
#include "server/leaderboard_service.h"
#include "server/redis_mux.h"
#include "server/redis_pool.h"
#include "server/reflection_v1.h"
#include "server/rpc_metrics.h"
#include "server/service_env.h"
#include "server/stats_service.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {
namespace server {

// The whole query server in one object, so tests and main() start it the
// same way: the three services on one gRPC port (TLS when configured), server
// reflection (grpc.reflection.v1 and v1alpha, every listed service
// describable, health included), grpc.health.v1.Health driven by a Redis
// health checker, RPC metrics through an interceptor, and /metrics over HTTP.
class QueryServer {
 public:
  // Starts listening on config.server().grpc_address (port 0 picks a free
  // one) and, unless empty, config.server().metrics_address. `config` must
  // have its defaults applied (ApplyDefaults). Fails if a port cannot be
  // bound or the TLS files cannot be read; a Redis that is down is not an
  // error (health reports NOT_SERVING until it answers).
  static absl::StatusOr<std::unique_ptr<QueryServer>> Start(
      const v1::StatsTrackerConfig& config,
      std::unique_ptr<GameCatalog> catalog);

  // Shuts down (see Shutdown) if still running.
  ~QueryServer();

  // host:port gRPC is bound to, with the actual port.
  const std::string& grpc_address() const { return grpc_address_; }
  // host:port of /metrics with the actual port; empty when disabled.
  std::string metrics_address() const;

  // The running server, e.g. for InProcessChannel() (the REST gateway calls
  // through it, so auth, validation and metrics apply identically).
  grpc::Server* grpc_server() const { return server_.get(); }
  MetricsRegistry* metrics() { return &registry_; }
  RpcMetrics* rpc_metrics() { return rpc_metrics_.get(); }
  const v1::StatsTrackerConfig& config() const { return config_; }

  // Full names of the services whose calls need an API key under this
  // config: AdminService always, the query services too when
  // server.require_api_key_for_queries (for the gateway's OpenAPI document).
  std::vector<std::string> AuthenticatedServices() const;

  // The unary method at gRPC path "/package.Service/Method" as the REST
  // gateway calls it (the same edge and handler gRPC runs, without a gRPC
  // hop), or nullptr.
  const CheckedService::RawUnary* UnaryMethod(absl::string_view path) const;

  // The answer cache; null when server.answer_cache.disabled.
  AnswerCache* answer_cache() { return cache_.get(); }

  // Ends streams, stops accepting calls and waits up to `grace` for calls in
  // flight before cancelling them.
  void Shutdown(absl::Duration grace = absl::Seconds(5));

 private:
  QueryServer() = default;
  // The answer cache and the subscription that keeps it coherent.
  void StartAnswerCache();

  v1::StatsTrackerConfig config_;
  std::unique_ptr<GameCatalog> catalog_;
  MetricsRegistry registry_;
  std::unique_ptr<RpcMetrics> rpc_metrics_;
  GaugeFamily* redis_up_ = nullptr;
  std::unique_ptr<RedisPool> pool_;
  std::unique_ptr<RedisMux> mux_;
  std::unique_ptr<AnswerCache> cache_;
  std::unique_ptr<ChangeFeed> change_feed_;
  std::unique_ptr<DelayQueue> delays_;
  std::unique_ptr<BlockingCalls> blocking_;
  std::unique_ptr<ApiKeyAuth> auth_;
  std::atomic<bool> shutting_down_{false};
  ServiceEnv env_;
  std::unique_ptr<LeaderboardServiceImpl> leaderboards_;
  std::unique_ptr<PlayerStatsServiceImpl> stats_;
  std::unique_ptr<AdminServiceImpl> admin_;
  std::unique_ptr<ReflectionV1Service> reflection_v1_;
  // What gRPC serves: the services above behind the request edge.
  std::vector<std::unique_ptr<CheckedService>> checked_services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<RedisHealthChecker> health_;
  std::unique_ptr<HttpEndpoint> metrics_http_;
  std::string grpc_address_;
  std::string metrics_host_;
  bool stopped_ = false;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_QUERY_SERVER_H_
