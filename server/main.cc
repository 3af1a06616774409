// The query server binary: loads the config for --mode, starts QueryServer
// (gRPC services, reflection, health, /metrics) and the REST gateway, prints
// one "server ready" line with the bound ports, and runs until SIGINT or
// SIGTERM.
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/config_loader.h"
#include "common/flags_usage.h"
#include "common/game_catalog.h"
#include "common/layout_version.h"
#include "common/logging.h"
#include "common/proto_duration.h"
#include "common/redis_client.h"
#include "common/redis_config.h"
#include "server/gateway/gateway.h"  // REST gateway (gateway helper)
#include "server/query_server.h"

ABSL_FLAG(std::string, mode, "development",
          "development|test|production: selects <config_dir>/<mode>.textproto");
ABSL_FLAG(std::string, config_dir, "config", "Directory of the config files");
ABSL_FLAG(std::string, config, "",
          "Explicit config file; overrides --mode and --config_dir");
ABSL_FLAG(std::string, redis_host, "", "Overrides redis.host");
ABSL_FLAG(int, redis_port, 0, "Overrides redis.port when > 0");
ABSL_FLAG(int, stream_partitions, 0,
          "Overrides stream.partitions when > 0 (producers, workers and "
          "servers must agree)");
ABSL_FLAG(std::string, grpc_address, "",
          "Overrides server.grpc_address (host:port; port 0 picks a free one)");
ABSL_FLAG(std::string, http_address, "",
          "Overrides server.http_address, the REST gateway's host:port "
          "(\"off\": none)");
ABSL_FLAG(
    std::string, metrics_address, "",
    "Overrides server.metrics_address, the /metrics host:port (\"off\": none)");
ABSL_FLAG(std::string, web_root, "server/web",
          "Directory of the live page the gateway serves at /");

namespace statstracker {
namespace {

// ServerConfig.http_limits onto the HTTP front's options (0 = default).
void ApplyHttpLimits(const v1::HttpLimits& limits,
                     gateway::HttpFrontOptions* http) {
  if (limits.max_connections() > 0) {
    http->max_connections = limits.max_connections();
  }
  if (limits.max_connections_per_client() > 0) {
    http->max_connections_per_client = limits.max_connections_per_client();
  }
  if (ProtoDuration(limits.header_timeout()) > absl::ZeroDuration()) {
    http->header_timeout = ProtoDuration(limits.header_timeout());
  }
  if (ProtoDuration(limits.idle_timeout()) > absl::ZeroDuration()) {
    http->idle_timeout = ProtoDuration(limits.idle_timeout());
  }
  if (limits.threads() > 0) http->threads = static_cast<int>(limits.threads());
}

int Fail(const absl::Status& status) {
  std::cerr << "server: " << status << std::endl;
  return 1;
}

absl::Status CheckLayoutIfReachable(const v1::StatsTrackerConfig& config) {
  auto conn = RedisConnection::Connect(RedisTargetFromConfig(config.redis()));
  if (!conn.ok()) return absl::OkStatus();
  absl::Status status = CheckLayout(conn->get(), config);
  return absl::IsFailedPrecondition(status) ? status : absl::OkStatus();
}

int Run() {
  const std::string mode = absl::GetFlag(FLAGS_mode);
  absl::StatusOr<v1::StatsTrackerConfig> config = LoadConfigWithRedisOverrides(
      mode, absl::GetFlag(FLAGS_config_dir), absl::GetFlag(FLAGS_config),
      absl::GetFlag(FLAGS_redis_host), absl::GetFlag(FLAGS_redis_port));
  if (!config.ok()) return Fail(config.status());
  if (absl::GetFlag(FLAGS_stream_partitions) > 0) {
    config->mutable_stream()->set_partitions(
        absl::GetFlag(FLAGS_stream_partitions));
  }
  v1::ServerConfig* sc = config->mutable_server();
  if (!absl::GetFlag(FLAGS_grpc_address).empty()) {
    sc->set_grpc_address(absl::GetFlag(FLAGS_grpc_address));
  }
  if (!absl::GetFlag(FLAGS_http_address).empty()) {
    const std::string value = absl::GetFlag(FLAGS_http_address);
    sc->set_http_address(value == "off" ? "" : value);  // "off": not served
  }
  if (!absl::GetFlag(FLAGS_metrics_address).empty()) {
    const std::string value = absl::GetFlag(FLAGS_metrics_address);
    sc->set_metrics_address(value == "off" ? "" : value);  // "off": not served
  }

  v1::LoggingConfig::Format format = config->logging().format();
  if (format == v1::LoggingConfig::FORMAT_UNSPECIFIED) {
    format = mode == "production" ? v1::LoggingConfig::FORMAT_JSON
                                  : v1::LoggingConfig::FORMAT_TEXT;
  }
  auto level = ParseLogLevel(
      config->logging().level().empty() ? "info" : config->logging().level());
  if (!level.ok()) return Fail(level.status());
  InitLogging(format, *level);

  auto catalog = GameCatalog::Build(*config);
  if (!catalog.ok()) return Fail(catalog.status());

  // Block the stop signals before any thread starts, so every thread
  // inherits the mask and sigwait() below is the one place they arrive.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // Refuse data of another storage layout. Redis may be down now (the
  // server starts anyway and answers UNAVAILABLE until it is back).
  absl::Status layout = CheckLayoutIfReachable(*config);
  if (!layout.ok()) return Fail(layout);

  auto server = server::QueryServer::Start(*config, *std::move(catalog));
  if (!server.ok()) return Fail(server.status());

  std::string http_address = "off";
  // ---- REST gateway start-up (owned by the gateway helper) ----------------
  // The REST/JSON gateway (server/gateway/) calls the services through the
  // in-process channel, so auth, validation and metrics apply as for gRPC.
  std::unique_ptr<gateway::Gateway> rest_gateway;
  if (!sc->http_address().empty()) {
    gateway::GatewayOptions gateway_options;
    gateway_options.address = sc->http_address();
    gateway_options.channel =
        (*server)->grpc_server()->InProcessChannel(grpc::ChannelArguments());
    // Unary calls go straight to the server's handlers (the same edge and
    // cache as gRPC); streams through the in-process channel.
    server::QueryServer* query_server = server->get();
    gateway_options.direct_unary = [query_server](absl::string_view path) {
      return query_server->UnaryMethod(path);
    };
    gateway_options.web_root = absl::GetFlag(FLAGS_web_root);
    gateway_options.max_request_bytes = sc->max_request_bytes();
    gateway_options.authenticated_services = (*server)->AuthenticatedServices();
    gateway_options.binding.reject_unknown_body_fields =
        sc->reject_unknown_json_fields();
    gateway_options.cors.allowed_origins.assign(
        sc->cors().allowed_origins().begin(),
        sc->cors().allowed_origins().end());
    if (sc->cors().has_max_age()) {
      gateway_options.cors.max_age =
          absl::Seconds(sc->cors().max_age().seconds()) +
          absl::Nanoseconds(sc->cors().max_age().nanos());
    }
    ApplyHttpLimits(sc->http_limits(), &gateway_options.http);
    auto started = gateway::Gateway::Start(std::move(gateway_options));
    if (!started.ok()) return Fail(started.status());
    rest_gateway = *std::move(started);
    http_address = rest_gateway->address();
  }
  // ---- end of REST gateway start-up ----------------------------------------

  std::string metrics = (*server)->metrics_address();
  std::string ready = absl::StrCat(
      "server ready grpc=", (*server)->grpc_address(), " http=", http_address,
      " metrics=", metrics.empty() ? "off" : metrics);
  std::cout << ready << std::endl;
  Log(LogLevel::kInfo, "server ready",
      {{"grpc", (*server)->grpc_address()},
       {"http", http_address},
       {"metrics", metrics.empty() ? "off" : metrics},
       {"mode", mode}});

  int signal = 0;
  sigwait(&stop_signals, &signal);
  Log(LogLevel::kInfo, "server stopping", {{"signal", absl::StrCat(signal)}});
  // The gateway first: its direct calls use the server's handlers.
  rest_gateway.reset();
  (*server)->Shutdown();
  return 0;
}

}  // namespace
}  // namespace statstracker

constexpr char kUsage[] =
    R"(answers leaderboard and player-stats queries over gRPC
(LeaderboardService, PlayerStatsService; reflection and grpc.health.v1
always on), takes events and admin calls through AdminService (API key),
serves the same API as REST/JSON with /openapi.json and the live page, and
Prometheus /metrics. Runs until SIGINT/SIGTERM.

usage: server [--mode development|test|production] [--config FILE]
              [--redis_host HOST] [--redis_port PORT]
              [--grpc_address HOST:PORT] [--http_address HOST:PORT|off]
              [--metrics_address HOST:PORT|off] [--web_root DIR]

The config is <config_dir>/<mode>.textproto (schema and defaults:
proto/statstracker/v1/config.proto; README "Configuration reference");
flags override its fields. Prints "server ready grpc=... http=... metrics=..."
once serving.)";

int main(int argc, char** argv) {
  statstracker::SetUpHelp(kUsage, __FILE__);
  absl::ParseCommandLine(argc, argv);
  // gRPC creates and destroys absl::Mutexes for every call; with deadlock
  // detection on (Abseil's default) each one updates a global lock graph,
  // which cost ~9% of the server's CPU under load (perf, BENCHMARKS.md
  // "Queries"). Lock order is checked in the tests' TSan runs instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return statstracker::Run();
}
