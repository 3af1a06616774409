#include "server/query_server.h"

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "common/logging.h"
#include "common/proto_duration.h"
#include "common/redis_config.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/callback_threads.h"
#include "statstracker/v1/admin.grpc.pb.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"
#include "statstracker/v1/stats.grpc.pb.h"

namespace statstracker {
namespace server {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     absl::string_view field) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": cannot read '", path, "'"));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> Credentials(
    const v1::TlsConfig& tls) {
  if (tls.cert_path().empty() && tls.key_path().empty()) {
    return grpc::InsecureServerCredentials();
  }
  auto cert = ReadFile(tls.cert_path(), "server.tls.cert_path");
  if (!cert.ok()) return cert.status();
  auto key = ReadFile(tls.key_path(), "server.tls.key_path");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

// "host:port" -> host ("[::1]:0" -> "[::1]").
std::string HostOf(absl::string_view address) {
  size_t colon = address.rfind(':');
  return std::string(
      colon == absl::string_view::npos ? address : address.substr(0, colon));
}

const google::protobuf::ServiceDescriptor* ServiceNamed(
    absl::string_view name) {
  return google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
      std::string(name));
}

// The three services as gRPC serves them: every method decodes and checks
// its request at the edge (server/checked_service.h), then calls the typed
// handler of the service class. One line per RPC.
absl::StatusOr<std::vector<std::unique_ptr<CheckedService>>> CheckedServices(
    LeaderboardServiceImpl* boards, PlayerStatsServiceImpl* stats,
    AdminServiceImpl* admin, const ServiceEnv* env, RpcMetrics* metrics) {
  // The API key is checked before a request is decoded: an anonymous client
  // learns nothing about its request on the admin surface.
  CheckedService::Admission queries = [env](const CallInfo& call) {
    return env->config->server().require_api_key_for_queries()
               ? env->auth->CheckHeader(call.authorization)
               : absl::OkStatus();
  };
  CheckedService::Admission admins = [env](const CallInfo& call) {
    return env->auth->CheckHeader(call.authorization);
  };
  CheckedService::Recorder record =
      [metrics](absl::string_view method, grpc::StatusCode code,
                double seconds) { metrics->Record(method, code, seconds); };
  // Binds a handler method of a service object.
  auto bind = [](auto* service, auto method) {
    return [service, method](const CallInfo& call, const auto& request,
                             AnswerDone done) {
      (service->*method)(call, request, std::move(done));
    };
  };
  using L = LeaderboardServiceImpl;
  auto b = std::make_unique<CheckedService>(
      ServiceNamed("statstracker.v1.LeaderboardService"), queries, record);
  b->AddUnary<v1::ListLeaderboardsRequest>("ListLeaderboards",
                                           bind(boards, &L::ListLeaderboards));
  b->AddUnary<v1::ListEntriesRequest>("ListEntries",
                                      bind(boards, &L::ListEntries));
  b->AddUnary<v1::GetPlayerRankRequest>("GetPlayerRank",
                                        bind(boards, &L::GetPlayerRank));
  b->AddUnary<v1::ListEntriesAroundPlayerRequest>(
      "ListEntriesAroundPlayer", bind(boards, &L::ListEntriesAroundPlayer));
  b->AddUnary<v1::ListEntriesForPlayersRequest>(
      "ListEntriesForPlayers", bind(boards, &L::ListEntriesForPlayers));
  b->AddUnary<v1::CountEntriesRequest>("CountEntries",
                                       bind(boards, &L::CountEntries));
  b->AddUnary<v1::GetPlayerHistoryRequest>("GetPlayerHistory",
                                           bind(boards, &L::GetPlayerHistory));
  b->AddServerStreaming<v1::WatchLeaderboardRequest>(
      "WatchLeaderboard",
      [boards](grpc::CallbackServerContext* context, const CallInfo& call,
               const v1::WatchLeaderboardRequest& request) {
        return boards->WatchLeaderboard(context, call, request);
      });

  using S = PlayerStatsServiceImpl;
  auto s = std::make_unique<CheckedService>(
      ServiceNamed("statstracker.v1.PlayerStatsService"), queries, record);
  s->AddUnary<v1::GetPlayerStatsRequest>("GetPlayerStats",
                                         bind(stats, &S::GetPlayerStats));
  s->AddUnary<v1::BatchGetPlayerStatsRequest>(
      "BatchGetPlayerStats", bind(stats, &S::BatchGetPlayerStats));

  using A = AdminServiceImpl;
  auto a = std::make_unique<CheckedService>(
      ServiceNamed("statstracker.v1.AdminService"), admins, record);
  a->AddUnary<v1::PublishEventsRequest>("PublishEvents",
                                        bind(admin, &A::PublishEvents));
  a->AddUnary<v1::ResetLeaderboardRequest>("ResetLeaderboard",
                                           bind(admin, &A::ResetLeaderboard));
  a->AddUnary<v1::ErasePlayerRequest>("ErasePlayer",
                                      bind(admin, &A::ErasePlayer));

  std::vector<std::unique_ptr<CheckedService>> services;
  services.push_back(std::move(b));
  services.push_back(std::move(s));
  services.push_back(std::move(a));
  for (const auto& service : services) {
    absl::Status complete = service->CheckComplete();
    if (!complete.ok()) return complete;
  }
  return services;
}

}  // namespace

absl::StatusOr<std::unique_ptr<QueryServer>> QueryServer::Start(
    const v1::StatsTrackerConfig& config,
    std::unique_ptr<GameCatalog> catalog) {
  PinGrpcCallbackThreads();
  std::unique_ptr<QueryServer> s(new QueryServer());
  s->config_ = config;
  s->catalog_ = std::move(catalog);
  const v1::ServerConfig& sc = s->config_.server();

  RedisPool::Options redis;
  redis.target = RedisTargetFromConfig(s->config_.redis());
  s->pool_ = std::make_unique<RedisPool>(redis);
  RedisMux::Options mux;
  mux.target = redis.target;
  mux.connections = static_cast<int>(sc.redis_connections());
  s->mux_ = std::make_unique<RedisMux>(mux);
  s->delays_ = std::make_unique<DelayQueue>();
  s->blocking_ = std::make_unique<BlockingCalls>(4);
  if (!sc.answer_cache().disabled()) s->StartAnswerCache();
  s->auth_ = std::make_unique<ApiKeyAuth>(
      std::vector<std::string>(sc.api_keys().begin(), sc.api_keys().end()));
  s->env_.config = &s->config_;
  s->env_.catalog = s->catalog_.get();
  s->env_.pool = s->pool_.get();
  s->env_.mux = s->mux_.get();
  s->env_.cache = s->cache_.get();
  s->env_.delays = s->delays_.get();
  s->env_.blocking = s->blocking_.get();
  s->env_.auth = s->auth_.get();
  s->env_.shutting_down = &s->shutting_down_;
  s->leaderboards_ = std::make_unique<LeaderboardServiceImpl>(&s->env_);
  s->stats_ = std::make_unique<PlayerStatsServiceImpl>(&s->env_);
  s->admin_ = std::make_unique<AdminServiceImpl>(&s->env_);
  s->rpc_metrics_ = std::make_unique<RpcMetrics>(&s->registry_);
  s->redis_up_ = s->registry_.AddGauge(
      "statstracker_server_redis_up",
      "1 while Redis answers the server's health probe, else 0.", {});

  auto creds = Credentials(sc.tls());
  if (!creds.ok()) return creds.status();

  // Reflection serves only files in the generated pool. gRPC's health
  // service is written without generated protobuf code, so its descriptors
  // come from //third_party/grpc_proto:health_proto, linked in for this.
  grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();  // v1alpha
  // v1 lists what is registered here (v1alpha learns it from the builder);
  // server_reflection_test checks that both list the same services.
  s->reflection_v1_ =
      std::make_unique<ReflectionV1Service>(std::vector<std::string>{
          v1::LeaderboardService::service_full_name(),
          v1::PlayerStatsService::service_full_name(),
          v1::AdminService::service_full_name(), "grpc.health.v1.Health",
          "grpc.reflection.v1.ServerReflection",
          "grpc.reflection.v1alpha.ServerReflection"});
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(sc.grpc_address(), *creds, &port);
  auto checked =
      CheckedServices(s->leaderboards_.get(), s->stats_.get(), s->admin_.get(),
                      &s->env_, s->rpc_metrics_.get());
  if (!checked.ok()) return checked.status();
  s->checked_services_ = *std::move(checked);
  for (const auto& service : s->checked_services_) {
    builder.RegisterService(service.get());
    s->rpc_metrics_->RecordedByHandlers(service->unary_paths());
  }
  builder.RegisterService(s->reflection_v1_.get());
  std::vector<
      std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(s->rpc_metrics_->InterceptorFactory());
  builder.experimental().SetInterceptorCreators(std::move(interceptors));
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat(
        "server.grpc_address: cannot listen on '", sc.grpc_address(),
        "'; is the port in use? Use port 0 to pick a free one"));
  }
  s->grpc_address_ = absl::StrCat(HostOf(sc.grpc_address()), ":", port);

  // Health: SERVING only while Redis answers.
  grpc::HealthCheckServiceInterface* health =
      s->server_->GetHealthCheckService();
  QueryServer* raw = s.get();
  s->health_ = std::make_unique<RedisHealthChecker>(
      redis, absl::Milliseconds(500), [raw, health](bool up) {
        if (health != nullptr) {
          for (const char* name : {"", "statstracker.v1.LeaderboardService",
                                   "statstracker.v1.PlayerStatsService",
                                   "statstracker.v1.AdminService"}) {
            health->SetServingStatus(name, up);
          }
        }
        raw->redis_up_->Set({}, up ? 1 : 0);
        if (up) {
          Log(LogLevel::kInfo, "redis available",
              {{"redis",
                raw->pool_->options().target.seeds.front().ToString()}});
        } else {
          // Idle connections are dead now; later calls reconnect.
          raw->pool_->InvalidateIdle();
          raw->mux_->InvalidateConnections();
          Log(LogLevel::kWarning, "redis unavailable; health NOT_SERVING",
              {{"redis",
                raw->pool_->options().target.seeds.front().ToString()}});
        }
      });
  s->health_->Start();

  if (!sc.metrics_address().empty()) {
    MetricsRegistry* registry = &s->registry_;
    auto http = HttpEndpoint::Start(
        sc.metrics_address(), [registry](const HttpRequest& request) {
          HttpResponse response;
          if (request.path != "/metrics") {
            response.status = 404;
            response.body = "not found; metrics are at /metrics\n";
            return response;
          }
          response.content_type = "text/plain; version=0.0.4; charset=utf-8";
          response.body = registry->RenderText();
          return response;
        });
    if (!http.ok()) {
      return absl::Status(
          http.status().code(),
          absl::StrCat("server.metrics_address: ", http.status().message()));
    }
    s->metrics_http_ = *std::move(http);
    s->metrics_host_ = HostOf(sc.metrics_address());
  }
  return s;
}

void QueryServer::StartAnswerCache() {
  const v1::AnswerCacheConfig& config = config_.server().answer_cache();
  AnswerCache::Options options;
  options.max_bytes = config.max_bytes();
  options.max_age = ProtoDuration(config.max_age());
  options.serve_stale_for = ProtoDuration(config.serve_stale_for());
  // Off until the change subscription is confirmed: until then a commit
  // could not be heard.
  cache_ = std::make_unique<AnswerCache>(options, /*start_enabled=*/false,
                                         &registry_);
  AnswerCache* cache = cache_.get();
  ChangeFeed::Callbacks callbacks;
  callbacks.changed = [cache](absl::string_view game) {
    cache->Invalidate(game);
  };
  callbacks.subscription = [cache](bool subscribed) {
    cache->SetEnabled(subscribed);
    Log(subscribed ? LogLevel::kInfo : LogLevel::kWarning,
        subscribed ? "answer cache on: subscribed to commit announcements"
                   : "answer cache off: not subscribed to commit "
                     "announcements",
        {{"channel", std::string(keys::kChangesChannel)}});
  };
  change_feed_ = std::make_unique<ChangeFeed>(
      RedisTargetFromConfig(config_.redis()), std::move(callbacks),
      ProtoDuration(config.ping_interval()));
  change_feed_->Start();
}

const CheckedService::RawUnary* QueryServer::UnaryMethod(
    absl::string_view path) const {
  for (const auto& service : checked_services_) {
    if (const auto* method = service->FindUnary(path)) return method;
  }
  return nullptr;
}

std::vector<std::string> QueryServer::AuthenticatedServices() const {
  std::vector<std::string> services = {v1::AdminService::service_full_name()};
  if (config_.server().require_api_key_for_queries()) {
    services.push_back(v1::LeaderboardService::service_full_name());
    services.push_back(v1::PlayerStatsService::service_full_name());
  }
  return services;
}

std::string QueryServer::metrics_address() const {
  if (metrics_http_ == nullptr) return "";
  return absl::StrCat(metrics_host_, ":", metrics_http_->port());
}

void QueryServer::Shutdown(absl::Duration grace) {
  if (stopped_) return;
  stopped_ = true;
  shutting_down_ = true;
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  health_.reset();
  metrics_http_.reset();
  // Calls are over; what they left queued runs (and finds nothing to do)
  // before the connections go.
  change_feed_.reset();
  delays_.reset();
  blocking_.reset();
  mux_.reset();
}

QueryServer::~QueryServer() {
  if (server_ != nullptr) Shutdown();
}

}  // namespace server
}  // namespace statstracker
