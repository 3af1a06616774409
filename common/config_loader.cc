#include "common/config_loader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/admission.h"
#include "common/game_catalog.h"
#include "common/history_point.h"
#include "common/logging.h"
#include "common/periods.h"
#include "common/proto_duration.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace statstracker {
namespace {

using google::protobuf::Duration;

constexpr uint32_t kDefaultMaxRequestBytes = 1 << 20;

// Collects text-format errors as "line:column: message" (1-based).
class CollectingErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    errors_.push_back(absl::StrCat(line + 1, ":", column + 1, ": ", message));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {}
  const std::vector<std::string>& Errors() const { return errors_; }

 private:
  std::vector<std::string> errors_;
};

void SetDuration(Duration* d, int64_t seconds, int32_t nanos = 0) {
  d->set_seconds(seconds);
  d->set_nanos(nanos);
}

std::string DurationText(const Duration& d) {
  return absl::FormatDuration(ProtoDuration(d));
}

std::string DefaultConsumerName() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    std::strcpy(host, "worker");
  }
  return absl::StrCat(host, "-", getpid());
}

// 1 to 64 characters of [a-z0-9_-], starting with a letter or digit.
bool IsValidId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  if (!(absl::ascii_islower(id[0]) || absl::ascii_isdigit(id[0]))) {
    return false;
  }
  for (char c : id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

// 1 to 64 characters of [a-z0-9_] (values keys, events.proto).
bool IsValidValueKey(absl::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_')) {
      return false;
    }
  }
  return true;
}

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// "host:port" with a numeric port 0..65535 ("[v6]:port" too).
absl::Status CheckAddress(absl::string_view field, const std::string& address,
                          bool allow_empty) {
  if (address.empty() || address == "off") {
    if (allow_empty) return absl::OkStatus();
    return Invalid(field,
                   "must not be empty; use host:port, e.g. "
                   "\"127.0.0.1:8080\" (port 0 picks a free port)");
  }
  size_t colon = address.rfind(':');
  int port = -1;
  if (colon == std::string::npos || colon == 0 ||
      !absl::SimpleAtoi(absl::string_view(address).substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return Invalid(field,
                   absl::StrCat("\"", address,
                                "\" is not host:port; use e.g. "
                                "\"127.0.0.1:8080\" (port 0 to 65535, 0 picks "
                                "a free port)"));
  }
  return absl::OkStatus();
}

absl::Status CheckPositive(absl::string_view field, const Duration& d) {
  if (ProtoDuration(d) <= absl::ZeroDuration()) {
    return Invalid(field, absl::StrCat("must be > 0, got ", DurationText(d),
                                       "; e.g. { seconds: 2 }"));
  }
  return absl::OkStatus();
}

absl::Status CheckNonNegative(absl::string_view field, const Duration& d) {
  if (ProtoDuration(d) < absl::ZeroDuration()) {
    return Invalid(field, absl::StrCat("must be >= 0, got ", DurationText(d)));
  }
  return absl::OkStatus();
}

// server.cors: each origin "*" or scheme://host[:port] exactly as browsers
// send it in the Origin header (no path, no trailing slash).
absl::Status CheckCors(const v1::CorsConfig& cors) {
  for (int i = 0; i < cors.allowed_origins_size(); ++i) {
    const std::string& origin = cors.allowed_origins(i);
    if (origin == "*") continue;
    absl::string_view rest = origin;
    const bool scheme = absl::ConsumePrefix(&rest, "https://") ||
                        absl::ConsumePrefix(&rest, "http://");
    if (!scheme || rest.empty() || absl::StrContains(rest, '/') ||
        absl::StrContains(rest, ' ')) {
      return Invalid(
          absl::StrCat("server.cors.allowed_origins[", i, "]"),
          absl::StrCat("\"", origin.substr(0, 100),
                       "\" is not an origin; use scheme://host[:port] with no "
                       "path, e.g. \"https://play.example.com\", or \"*\""));
    }
  }
  return CheckNonNegative("server.cors.max_age", cors.max_age());
}

absl::Status ValidateBoard(const v1::LeaderboardConfig& board) {
  if (!IsValidId(board.leaderboard_id())) {
    return Invalid("leaderboard_id",
                   absl::StrCat("\"", board.leaderboard_id(),
                                "\" is not a valid id; use 1 to 64 characters "
                                "of [a-z0-9_-] starting with a letter or "
                                "digit"));
  }
  if (board.scorer().empty()) {
    return Invalid("scorer",
                   "missing; name a registered scorer, e.g. \"best_score\", "
                   "\"cumulative_points\", \"win_count\" or \"elo\"");
  }
  if (!v1::SortOrder_IsValid(board.sort_order())) {
    return Invalid("sort_order",
                   "unknown value; use SORT_ORDER_DESCENDING "
                   "or SORT_ORDER_ASCENDING");
  }
  if (!v1::TieMode_IsValid(board.tie_mode())) {
    return Invalid("tie_mode",
                   "unknown value; use TIE_MODE_UNIQUE, "
                   "TIE_MODE_STANDARD or TIE_MODE_DENSE");
  }
  if (board.has_secondary()) {
    const auto& secondary = board.secondary();
    if (!IsValidValueKey(secondary.value_key())) {
      return Invalid(
          "secondary.value_key",
          absl::StrCat("\"", secondary.value_key(),
                       "\" is not a values key; use 1 to 64 characters of "
                       "[a-z0-9_], e.g. \"time_ms\""));
    }
    if (!v1::SortOrder_IsValid(secondary.sort_order())) {
      return Invalid("secondary.sort_order",
                     "unknown value; use SORT_ORDER_DESCENDING or "
                     "SORT_ORDER_ASCENDING");
    }
    if (board.tie_mode() == v1::TIE_MODE_STANDARD ||
        board.tie_mode() == v1::TIE_MODE_DENSE) {
      return Invalid("secondary",
                     absl::StrCat("a secondary score breaks ties only with "
                                  "TIE_MODE_UNIQUE, but tie_mode is ",
                                  v1::TieMode_Name(board.tie_mode()),
                                  "; remove secondary or set tie_mode: "
                                  "TIE_MODE_UNIQUE"));
    }
  }
  if (board.has_period()) {
    absl::Status status = ValidatePeriodConfig(board.period());
    if (!status.ok()) return status;
  }
  if (board.has_history()) {
    const uint32_t n = board.history().max_points();
    if (n < 1 || n > kMaxHistoryPoints) {
      return Invalid("history.max_points",
                     absl::StrCat("must be 1 to ", kMaxHistoryPoints, ", got ",
                                  n, "; remove history to keep none"));
    }
  }
  return absl::OkStatus();
}

// games[].admission: bounds >= 0 (0 = none); ignored custom types are type
// URLs or message names, each once.
absl::Status ValidateAdmission(const v1::AdmissionConfig& admission) {
  if (absl::Status s =
          CheckNonNegative("admission.max_age", admission.max_age());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckNonNegative("admission.max_future_skew",
                                        admission.max_future_skew());
      !s.ok()) {
    return s;
  }
  absl::flat_hash_map<std::string, int> seen;
  for (int i = 0; i < admission.ignored_custom_types_size(); ++i) {
    const std::string& type = admission.ignored_custom_types(i);
    const std::string field =
        absl::StrCat("admission.ignored_custom_types[", i, "]");
    bool printable = !type.empty() && type.size() <= 512;
    for (char c : type) printable = printable && c > 0x20 && c < 0x7f;
    const std::string name(CustomTypeName(type));
    if (!printable || name.empty()) {
      return Invalid(field,
                     absl::StrCat("\"", type.substr(0, 100),
                                  "\" is not a type URL or message name; use "
                                  "e.g. \"type.googleapis.com/acme.v1.Emote\" "
                                  "or \"acme.v1.Emote\""));
    }
    auto [it, inserted] = seen.emplace(name, i);
    if (!inserted) {
      return Invalid(field, absl::StrCat("\"", type,
                                         "\" names the same type "
                                         "as ignored_custom_types[",
                                         it->second, "]; remove one"));
    }
  }
  return absl::OkStatus();
}

absl::Status WithPrefix(absl::string_view prefix, const absl::Status& status) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(prefix, ": ", status.message()));
}

}  // namespace

void ApplyDefaults(v1::StatsTrackerConfig* config) {
  v1::RedisConfig* redis = config->mutable_redis();
  if (redis->host().empty()) redis->set_host("127.0.0.1");
  if (redis->port() == 0) redis->set_port(6379);
  if (!redis->has_timeout()) SetDuration(redis->mutable_timeout(), 2);
  if (!redis->has_replica_ack_timeout()) {
    SetDuration(redis->mutable_replica_ack_timeout(), 1);
  }

  v1::StreamConfig* stream = config->mutable_stream();
  if (stream->key().empty()) stream->set_key("statstracker:events");
  if (stream->field().empty()) stream->set_field("event");
  if (stream->group().empty()) stream->set_group("statstracker-workers");
  if (stream->dead_letter_key().empty()) {
    stream->set_dead_letter_key("statstracker:events:dead");
  }

  v1::WorkerConfig* worker = config->mutable_worker();
  if (worker->batch_size() == 0) worker->set_batch_size(1024);
  if (worker->transaction_size() == 0) worker->set_transaction_size(256);
  if (!worker->has_block()) SetDuration(worker->mutable_block(), 2);
  if (!worker->has_claim_idle()) SetDuration(worker->mutable_claim_idle(), 60);
  if (worker->max_deliveries() == 0) worker->set_max_deliveries(5);
  if (!worker->has_dedup_window()) {
    SetDuration(worker->mutable_dedup_window(), 3600);
  }
  if (!worker->has_producer_expiry()) {
    SetDuration(worker->mutable_producer_expiry(), int64_t{30} * 24 * 3600);
  }
  if (!worker->has_trim_interval()) {
    SetDuration(worker->mutable_trim_interval(), 1);
  }
  if (!worker->has_reconnect_backoff_initial()) {
    SetDuration(worker->mutable_reconnect_backoff_initial(), 0, 100000000);
  }
  if (!worker->has_reconnect_backoff_max()) {
    SetDuration(worker->mutable_reconnect_backoff_max(), 5);
  }
  if (!worker->has_stop_grace()) SetDuration(worker->mutable_stop_grace(), 5);
  if (worker->metrics_address().empty()) {
    worker->set_metrics_address("127.0.0.1:9464");
  }
  if (worker->consumer_name().empty()) {
    worker->set_consumer_name(DefaultConsumerName());
  }

  v1::ServerConfig* server = config->mutable_server();
  if (server->grpc_address().empty()) {
    server->set_grpc_address("127.0.0.1:50051");
  }
  if (server->http_address().empty()) {
    server->set_http_address("127.0.0.1:8080");
  }
  if (server->metrics_address().empty()) {
    server->set_metrics_address("127.0.0.1:9465");
  }
  if (server->max_request_bytes() == 0) {
    server->set_max_request_bytes(kDefaultMaxRequestBytes);
  }
  if (!server->has_watch_min_interval()) {
    SetDuration(server->mutable_watch_min_interval(), 0, 500000000);
  }
  v1::AnswerCacheConfig* cache = server->mutable_answer_cache();
  if (cache->max_bytes() == 0) cache->set_max_bytes(64u << 20);
  if (!cache->has_max_age()) SetDuration(cache->mutable_max_age(), 1, 0);
  if (!cache->has_ping_interval()) {
    SetDuration(cache->mutable_ping_interval(), 0, 100000000);
  }
  if (server->redis_connections() == 0) server->set_redis_connections(2);

  v1::LoggingConfig* logging = config->mutable_logging();
  if (logging->level().empty()) logging->set_level("info");

  for (v1::GameConfig& game : *config->mutable_games()) {
    for (v1::LeaderboardConfig& board : *game.mutable_leaderboards()) {
      if (board.has_period() && board.period().time_zone().empty()) {
        board.mutable_period()->set_time_zone("UTC");
      }
    }
  }
}

absl::Status ValidateConfig(const v1::StatsTrackerConfig& config) {
  // Redis.
  const v1::RedisConfig& redis = config.redis();
  if (redis.host().empty()) {
    return Invalid("redis.host", "must not be empty; e.g. \"127.0.0.1\"");
  }
  if (redis.port() < 1 || redis.port() > 65535) {
    return Invalid("redis.port",
                   absl::StrCat("must be 1 to 65535, got ", redis.port()));
  }
  if (absl::Status s = CheckPositive("redis.timeout", redis.timeout());
      !s.ok()) {
    return s;
  }
  for (int i = 0; i < redis.seed_nodes_size(); ++i) {
    const std::string field = absl::StrCat("redis.seed_nodes[", i, "]");
    if (absl::Status s = CheckAddress(field, redis.seed_nodes(i), false);
        !s.ok()) {
      return s;
    }
    if (absl::EndsWith(redis.seed_nodes(i), ":0")) {
      return Invalid(field, "port 0 names no node; use the node's port");
    }
  }
  if (redis.min_replicas_acked() > 16) {
    return Invalid(
        "redis.min_replicas_acked",
        absl::StrCat("must be 0 to 16, got ", redis.min_replicas_acked()));
  }
  if (absl::Status s = CheckPositive("redis.replica_ack_timeout",
                                     redis.replica_ack_timeout());
      !s.ok()) {
    return s;
  }

  // Stream.
  const v1::StreamConfig& stream = config.stream();
  for (const auto& [field, value] :
       std::vector<std::pair<const char*, const std::string*>>{
           {"stream.key", &stream.key()},
           {"stream.field", &stream.field()},
           {"stream.group", &stream.group()},
           {"stream.dead_letter_key", &stream.dead_letter_key()}}) {
    if (value->empty()) {
      return Invalid(field, "must not be empty; remove it for the default");
    }
  }
  if (stream.key() == stream.dead_letter_key()) {
    return Invalid("stream.dead_letter_key",
                   absl::StrCat("\"", stream.dead_letter_key(),
                                "\" is the event stream itself; use another "
                                "key, e.g. \"",
                                stream.key(), ":dead\""));
  }

  if (stream.partitions() > 1024) {
    return Invalid("stream.partitions",
                   absl::StrCat("must be 1 to 1024, got ", stream.partitions(),
                                "; 0 or unset means 1"));
  }

  // Worker.
  const v1::WorkerConfig& worker = config.worker();
  if (worker.batch_size() < 1 || worker.batch_size() > 10000) {
    return Invalid("worker.batch_size", absl::StrCat("must be 1 to 10000, got ",
                                                     worker.batch_size()));
  }
  if (worker.transaction_size() < 1 || worker.transaction_size() > 10000) {
    return Invalid(
        "worker.transaction_size",
        absl::StrCat("must be 1 to 10000, got ", worker.transaction_size()));
  }
  // XREADGROUP BLOCK 0 would wait forever and hold up a clean shutdown.
  if (absl::Status s = CheckPositive("worker.block", worker.block()); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckPositive("worker.claim_idle", worker.claim_idle());
      !s.ok()) {
    return s;
  }
  if (worker.max_deliveries() < 1 || worker.max_deliveries() > 1000) {
    return Invalid(
        "worker.max_deliveries",
        absl::StrCat("must be 1 to 1000, got ", worker.max_deliveries()));
  }
  if (absl::Status s =
          CheckPositive("worker.dedup_window", worker.dedup_window());
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckPositive("worker.producer_expiry", worker.producer_expiry());
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckPositive("worker.trim_interval", worker.trim_interval());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckPositive("worker.reconnect_backoff_initial",
                                     worker.reconnect_backoff_initial());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckPositive("worker.reconnect_backoff_max",
                                     worker.reconnect_backoff_max());
      !s.ok()) {
    return s;
  }
  if (worker.stop_grace().seconds() < 0 || worker.stop_grace().nanos() < 0) {
    return Invalid(
        "worker.stop_grace",
        absl::StrCat("must be >= 0, got ", DurationText(worker.stop_grace()),
                     "; e.g. { seconds: 5 }"));
  }
  if (ProtoDuration(worker.reconnect_backoff_initial()) >
      ProtoDuration(worker.reconnect_backoff_max())) {
    return Invalid(
        "worker.reconnect_backoff_initial",
        absl::StrCat("must be at most worker.reconnect_backoff_max (",
                     DurationText(worker.reconnect_backoff_max()), "), got ",
                     DurationText(worker.reconnect_backoff_initial())));
  }
  if (absl::Status s = CheckAddress("worker.metrics_address",
                                    worker.metrics_address(), true);
      !s.ok()) {
    return s;
  }

  // Server.
  const v1::ServerConfig& server = config.server();
  if (absl::Status s =
          CheckAddress("server.grpc_address", server.grpc_address(), false);
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          CheckAddress("server.http_address", server.http_address(), true);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckAddress("server.metrics_address",
                                    server.metrics_address(), true);
      !s.ok()) {
    return s;
  }
  for (int i = 0; i < server.api_keys_size(); ++i) {
    const std::string& key = server.api_keys(i);
    if (key.size() < 16) {
      // The key itself is a secret: say how long it is, not what it is.
      return Invalid(absl::StrCat("server.api_keys[", i, "]"),
                     absl::StrCat("too short (", key.size(),
                                  " characters); API keys need at least 16, "
                                  "e.g. from `openssl rand -hex 24`"));
    }
    for (char c : key) {
      if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
        return Invalid(absl::StrCat("server.api_keys[", i, "]"),
                       "contains a space or control character; use printable "
                       "ASCII, e.g. from `openssl rand -hex 24`");
      }
    }
    for (int j = 0; j < i; ++j) {
      if (server.api_keys(j) == key) {
        return Invalid(absl::StrCat("server.api_keys[", i, "]"),
                       absl::StrCat("same key as api_keys[", j,
                                    "]; remove the duplicate"));
      }
    }
  }
  if (server.require_api_key_for_queries() && server.api_keys_size() == 0) {
    return Invalid("server.require_api_key_for_queries",
                   "is true but server.api_keys is empty, so no query "
                   "could pass; add an api_keys entry or set it to false");
  }
  if (server.has_tls()) {
    const bool cert = !server.tls().cert_path().empty();
    const bool key = !server.tls().key_path().empty();
    if (cert != key) {
      return Invalid(cert ? "server.tls.key_path" : "server.tls.cert_path",
                     "missing; TLS needs both cert_path and key_path (PEM "
                     "files), or remove tls for plaintext");
    }
  }
  if (server.max_request_bytes() < 1024 ||
      server.max_request_bytes() > (64u << 20)) {
    return Invalid("server.max_request_bytes",
                   absl::StrCat("must be 1024 to 67108864 (64 MiB), got ",
                                server.max_request_bytes()));
  }
  if (absl::Status s = CheckNonNegative("server.watch_min_interval",
                                        server.watch_min_interval());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckCors(server.cors()); !s.ok()) return s;
  const v1::HttpLimits& http = server.http_limits();
  for (const auto& [field, d] :
       {std::pair<const char*, const Duration*>{
            "server.http_limits.header_timeout", &http.header_timeout()},
        {"server.http_limits.idle_timeout", &http.idle_timeout()}}) {
    if (absl::Status s = CheckNonNegative(field, *d); !s.ok()) return s;
  }
  const v1::AnswerCacheConfig& cache = server.answer_cache();
  for (const auto& [field, d] :
       {std::pair<const char*, const Duration*>{"server.answer_cache.max_age",
                                                &cache.max_age()},
        {"server.answer_cache.ping_interval", &cache.ping_interval()},
        {"server.answer_cache.serve_stale_for", &cache.serve_stale_for()}}) {
    if (absl::Status s = CheckNonNegative(field, *d); !s.ok()) return s;
  }
  if (cache.max_age().seconds() > 3600) {
    return Invalid("server.answer_cache.max_age",
                   absl::StrCat("must be at most 1h, got ",
                                cache.max_age().seconds(), "s"));
  }
  if (ProtoDuration(cache.serve_stale_for()) > absl::Minutes(1)) {
    return Invalid("server.answer_cache.serve_stale_for",
                   absl::StrCat("must be at most 1m, got ",
                                DurationText(cache.serve_stale_for())));
  }
  if (server.redis_connections() > 64) {
    return Invalid("server.redis_connections",
                   absl::StrCat("must be 0 (default 2) to 64, got ",
                                server.redis_connections()));
  }
  if (http.threads() > 64) {
    return Invalid(
        "server.http_limits.threads",
        absl::StrCat("must be 0 (default 2) to 64, got ", http.threads()));
  }

  // Logging.
  if (absl::StatusOr<LogLevel> level = ParseLogLevel(config.logging().level());
      !level.ok()) {
    return level.status();
  }
  if (!v1::LoggingConfig::Format_IsValid(config.logging().format())) {
    return Invalid("logging.format",
                   "unknown value; use FORMAT_TEXT or FORMAT_JSON");
  }

  // Games.
  absl::flat_hash_map<std::string, int> game_index;
  for (int g = 0; g < config.games_size(); ++g) {
    const v1::GameConfig& game = config.games(g);
    const std::string where =
        absl::StrCat("games[", g, "] \"", game.game_id(), "\"");
    if (!IsValidId(game.game_id())) {
      return Invalid(absl::StrCat(where, ": game_id"),
                     absl::StrCat("\"", game.game_id(),
                                  "\" is not a valid id; use 1 to 64 "
                                  "characters of [a-z0-9_-] starting with a "
                                  "letter or digit"));
    }
    auto [it, inserted] = game_index.emplace(game.game_id(), g);
    if (!inserted) {
      return Invalid(absl::StrCat(where, ": game_id"),
                     absl::StrCat("duplicate game \"", game.game_id(),
                                  "\" (also games[", it->second,
                                  "]); game ids must be unique, rename or "
                                  "merge one"));
    }
    absl::flat_hash_map<std::string, int> board_index;
    for (int b = 0; b < game.leaderboards_size(); ++b) {
      const v1::LeaderboardConfig& board = game.leaderboards(b);
      const std::string board_where = absl::StrCat(
          where, ": leaderboards[", b, "] \"", board.leaderboard_id(), "\"");
      if (absl::Status s = ValidateBoard(board); !s.ok()) {
        return WithPrefix(board_where, s);
      }
      auto [bit, binserted] = board_index.emplace(board.leaderboard_id(), b);
      if (!binserted) {
        return Invalid(
            absl::StrCat(board_where, ": leaderboard_id"),
            absl::StrCat("duplicate leaderboard \"", board.leaderboard_id(),
                         "\" (also leaderboards[", bit->second, "] of game \"",
                         game.game_id(),
                         "\"); ids must be unique within a game, rename one"));
      }
    }
    if (absl::Status s = ValidateAdmission(game.admission()); !s.ok()) {
      return WithPrefix(where, s);
    }
    for (int h = 0; h < game.stats_size(); ++h) {
      if (game.stats(h).handler().empty()) {
        return Invalid(absl::StrCat(where, ": stats[", h, "].handler"),
                       "missing; name a registered stats handler, e.g. "
                       "\"declarative\"");
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::StatsTrackerConfig> ParseConfigText(
    absl::string_view text, absl::string_view source_name) {
  v1::StatsTrackerConfig config;
  google::protobuf::TextFormat::Parser parser;
  CollectingErrors errors;
  parser.RecordErrorsTo(&errors);
  const std::string owned(text);
  if (!parser.ParseFromString(owned, &config)) {
    std::string detail = errors.Errors().empty()
                             ? std::string("unparsable text format")
                             : absl::StrJoin(errors.Errors(), "; ");
    return absl::InvalidArgumentError(absl::StrCat(
        source_name, ":", detail,
        " (protobuf text format of statstracker.v1.StatsTrackerConfig, see "
        "proto/statstracker/v1/config.proto)"));
  }
  ApplyDefaults(&config);
  if (absl::Status s = ValidateConfig(config); !s.ok()) {
    return WithPrefix(source_name, s);
  }
  absl::StatusOr<std::unique_ptr<GameCatalog>> catalog =
      GameCatalog::Build(config);
  if (!catalog.ok()) return WithPrefix(source_name, catalog.status());
  // "off" turns an optional endpoint off; the binaries treat an empty address
  // as off (empty in the file means the default, filled in above).
  for (std::string* address :
       {config.mutable_worker()->mutable_metrics_address(),
        config.mutable_server()->mutable_http_address(),
        config.mutable_server()->mutable_metrics_address()}) {
    if (*address == "off") address->clear();
  }
  return config;
}

absl::StatusOr<v1::StatsTrackerConfig> LoadConfigFile(const std::string& path) {
  struct stat info;
  if (stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(
        path,
        ": is a directory; --config names a file (e.g. "
        "config/development.textproto), --config_dir a directory"));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    if (err == ENOENT) {
      return absl::NotFoundError(absl::StrCat(
          path,
          ": no such file; pass --config <file>, or --mode "
          "development|test|production with --config_dir naming the folder "
          "holding <mode>.textproto"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot read: ", std::strerror(err)));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return ParseConfigText(buffer.str(), path);
}

absl::StatusOr<v1::StatsTrackerConfig> LoadConfigForMode(
    absl::string_view mode, const std::string& config_dir) {
  bool known = false;
  for (const char* m : kModes) known = known || mode == m;
  if (!known) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--mode: unknown mode \"", mode,
        "\"; accepted: development, test, production (or --config <file>)"));
  }
  std::string dir = config_dir.empty() ? "." : config_dir;
  if (dir.back() == '/') dir.pop_back();
  return LoadConfigFile(absl::StrCat(dir, "/", mode, ".textproto"));
}

absl::StatusOr<v1::StatsTrackerConfig> LoadConfigWithRedisOverrides(
    absl::string_view mode, const std::string& config_dir,
    const std::string& config_path, const std::string& redis_host,
    int redis_port) {
  absl::StatusOr<v1::StatsTrackerConfig> config =
      config_path.empty() ? LoadConfigForMode(mode, config_dir)
                          : LoadConfigFile(config_path);
  if (!config.ok()) return config;
  if (!redis_host.empty()) config->mutable_redis()->set_host(redis_host);
  if (redis_port > 0) config->mutable_redis()->set_port(redis_port);
  // An address on the command line names the one node to start from.
  if (!redis_host.empty() || redis_port > 0) {
    config->mutable_redis()->clear_seed_nodes();
  }
  return config;
}

}  // namespace statstracker
