// The worker binary: loads the config for --mode, consumes the event stream
// (worker/worker.h), serves /metrics, logs "waiting for redis", prints one
// "worker ready" line once Redis answers (layout checked, group created) and
// runs until SIGINT or SIGTERM, then finishes the entries in hand and exits
// 0 (at once when Redis is down: nothing in hand can commit).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "common/config_loader.h"
#include "common/flags_usage.h"
#include "common/game_catalog.h"
#include "common/http_endpoint.h"
#include "common/logging.h"
#include "common/metrics.h"
#include "common/stream_partitions.h"
#include "worker/worker.h"

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
ABSL_FLAG(int, min_replicas_acked, -1,
          "Overrides redis.min_replicas_acked when >= 0 (Redis Cluster: WAIT "
          "for that many replicas before acknowledging)");
ABSL_FLAG(std::string, consumer_name, "",
          "Overrides worker.consumer_name (default <hostname>-<pid>)");
ABSL_FLAG(std::string, metrics_address, "",
          "Overrides worker.metrics_address (host:port; port 0 picks a free "
          "one; \"off\" disables /metrics)");

namespace statstracker {
namespace {

std::atomic<bool> g_stop{false};

void OnStopSignal(int) { g_stop.store(true); }

int Fail(const absl::Status& status) {
  std::cerr << "worker: " << status << std::endl;
  return 1;
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
  if (absl::GetFlag(FLAGS_min_replicas_acked) >= 0) {
    config->mutable_redis()->set_min_replicas_acked(
        absl::GetFlag(FLAGS_min_replicas_acked));
  }
  v1::WorkerConfig* wc = config->mutable_worker();
  if (!absl::GetFlag(FLAGS_consumer_name).empty()) {
    wc->set_consumer_name(absl::GetFlag(FLAGS_consumer_name));
  }
  if (!absl::GetFlag(FLAGS_metrics_address).empty()) {
    wc->set_metrics_address(absl::GetFlag(FLAGS_metrics_address) == "off"
                                ? ""
                                : absl::GetFlag(FLAGS_metrics_address));
  }
  if (wc->consumer_name().empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    wc->set_consumer_name(absl::StrCat(host, "-", getpid()));
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

  struct sigaction action = {};
  action.sa_handler = OnStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);

  MetricsRegistry registry;
  worker::WorkerMetrics metrics(&registry);
  worker::Worker worker(*config, catalog->get(), &metrics);
  registry.AddCollector([&worker] { worker.CollectGauges(); });

  std::unique_ptr<HttpEndpoint> endpoint;
  std::string metrics_address = "off";
  if (!wc->metrics_address().empty()) {
    auto started = HttpEndpoint::Start(
        wc->metrics_address(), [&registry](const HttpRequest& request) {
          HttpResponse response;
          if (request.path != "/metrics") {
            response.status = 404;
            response.body = "not found; try /metrics\n";
            return response;
          }
          response.content_type = "text/plain; version=0.0.4; charset=utf-8";
          response.body = registry.RenderText();
          return response;
        });
    if (!started.ok()) return Fail(started.status());
    endpoint = *std::move(started);
    std::string host =
        wc->metrics_address().substr(0, wc->metrics_address().rfind(':'));
    metrics_address = absl::StrCat(host, ":", endpoint->port());
  }

  // Ready means ready: only once Redis answered, its layout is ours and the
  // group exists on every partition (Worker::Run calls back).
  Log(LogLevel::kInfo, "waiting for redis",
      {{"redis",
        absl::StrCat(config->redis().host(), ":", config->redis().port())},
       {"partitions", absl::StrCat(PartitionCount(config->stream()))},
       {"metrics", metrics_address}});
  auto on_ready = [&] {
    std::cout << "worker ready consumer=" << wc->consumer_name()
              << " stream=" << config->stream().key()
              << " group=" << config->stream().group()
              << " metrics=" << metrics_address << std::endl;
    Log(LogLevel::kInfo, "worker ready",
        {{"consumer", wc->consumer_name()},
         {"stream", config->stream().key()},
         {"group", config->stream().group()},
         {"metrics", metrics_address},
         {"mode", mode}});
  };

  absl::Status status = worker.Run(g_stop, on_ready);
  if (!status.ok()) return Fail(status);
  Log(LogLevel::kInfo, "worker stopped");
  return 0;
}

}  // namespace
}  // namespace statstracker

constexpr char kUsage[] =
    R"(consumes the game-event stream in Redis and applies each event
exactly once to the game's leaderboards and player stats, through the scorers
and stats handlers its config names; undecodable or failing events go to the
dead-letter stream. Serves Prometheus /metrics. Runs until SIGINT/SIGTERM,
then finishes the batch in hand and exits 0.

usage: worker [--mode development|test|production] [--config FILE]
              [--redis_host HOST] [--redis_port PORT]
              [--consumer_name NAME] [--metrics_address HOST:PORT|off]

The config is <config_dir>/<mode>.textproto (schema and defaults:
proto/statstracker/v1/config.proto; README "Configuration reference");
flags override its fields.)";

int main(int argc, char** argv) {
  statstracker::SetUpHelp(kUsage, __FILE__);
  absl::ParseCommandLine(argc, argv);
  return statstracker::Run();
}
