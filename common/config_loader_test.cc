#include "common/config_loader.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "plugins/scorer.h"
#include "plugins/stats_handler.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace {

// Stand-ins for the built-in plugins (this test does not link
// //plugins:builtin): "elo" checks k_factor like the real one.
class FakeScorer : public Scorer {
 public:
  std::vector<std::string> PlayersToRead(const v1::GameEvent&) const override {
    return {};
  }
  absl::StatusOr<std::vector<ScoreChange>> Score(
      const v1::GameEvent&,
      const absl::flat_hash_map<std::string, ScorerState>&) const override {
    return std::vector<ScoreChange>{};
  }
};

class FakeHandler : public StatsHandler {
 public:
  std::vector<StatSpec> Stats() const override { return {{"played"}}; }
  std::vector<std::string> PlayersToRead(const v1::GameEvent&) const override {
    return {};
  }
  absl::StatusOr<std::vector<StatChange>> Apply(
      const v1::GameEvent&,
      const absl::flat_hash_map<std::string, StatMap>&) const override {
    return std::vector<StatChange>{};
  }
};

class ConfigLoaderTest : public ::testing::Test {
 protected:
  ScorerRegistry::ScopedOverride best_{
      "best_score",
      [](const v1::LeaderboardConfig&)
          -> absl::StatusOr<std::unique_ptr<Scorer>> {
        return std::make_unique<FakeScorer>();
      }};
  ScorerRegistry::ScopedOverride elo_{
      "elo",
      [](const v1::LeaderboardConfig& c)
          -> absl::StatusOr<std::unique_ptr<Scorer>> {
        v1::EloParams params;
        if (c.has_params() && !c.params().UnpackTo(&params)) {
          return absl::InvalidArgumentError("params: expected EloParams");
        }
        if (params.has_k_factor() && params.k_factor() <= 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "params.k_factor must be > 0, got ", params.k_factor()));
        }
        return std::make_unique<FakeScorer>();
      }};
  StatsHandlerRegistry::ScopedOverride played_{
      "played",
      [](const v1::StatsHandlerConfig&)
          -> absl::StatusOr<std::unique_ptr<StatsHandler>> {
        return std::make_unique<FakeHandler>();
      }};
};

constexpr char kMinimal[] = R"(
games {
  game_id: "arcade"
  leaderboards { leaderboard_id: "high" scorer: "best_score" }
  stats { handler: "played" }
}
games {
  game_id: "chess"
  leaderboards {
    leaderboard_id: "elo"
    scorer: "elo"
    params { [type.googleapis.com/statstracker.v1.EloParams] { k_factor: 32 } }
  }
}
)";

TEST_F(ConfigLoaderTest, AppliesDocumentedDefaults) {
  auto config = ParseConfigText(kMinimal, "mem.textproto");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->redis().host(), "127.0.0.1");
  EXPECT_EQ(config->redis().port(), 6379u);
  EXPECT_EQ(config->redis().timeout().seconds(), 2);
  EXPECT_EQ(config->stream().key(), "statstracker:events");
  EXPECT_EQ(config->stream().field(), "event");
  EXPECT_EQ(config->stream().group(), "statstracker-workers");
  EXPECT_EQ(config->stream().dead_letter_key(), "statstracker:events:dead");
  EXPECT_EQ(config->worker().batch_size(), 1024u);
  EXPECT_EQ(config->worker().transaction_size(), 256u);
  EXPECT_EQ(config->worker().block().seconds(), 2);
  EXPECT_EQ(config->worker().claim_idle().seconds(), 60);
  EXPECT_EQ(config->worker().max_deliveries(), 5u);
  EXPECT_EQ(config->worker().dedup_window().seconds(), 3600);
  EXPECT_EQ(config->worker().producer_expiry().seconds(), 30 * 86400);
  EXPECT_EQ(config->worker().trim_interval().seconds(), 1);
  EXPECT_EQ(config->worker().reconnect_backoff_initial().nanos(), 100000000);
  EXPECT_EQ(config->worker().reconnect_backoff_max().seconds(), 5);
  EXPECT_EQ(config->worker().stop_grace().seconds(), 5);
  EXPECT_EQ(config->worker().metrics_address(), "127.0.0.1:9464");
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  EXPECT_EQ(config->worker().consumer_name(),
            absl::StrCat(host, "-", getpid()));
  EXPECT_EQ(config->server().grpc_address(), "127.0.0.1:50051");
  EXPECT_EQ(config->server().http_address(), "127.0.0.1:8080");
  EXPECT_EQ(config->server().metrics_address(), "127.0.0.1:9465");
  EXPECT_EQ(config->server().max_request_bytes(), 1u << 20);
  EXPECT_EQ(config->server().watch_min_interval().seconds(), 0);
  EXPECT_EQ(config->server().watch_min_interval().nanos(), 500000000);
  EXPECT_FALSE(config->server().answer_cache().disabled());
  EXPECT_EQ(config->server().answer_cache().max_bytes(), 64u << 20);
  EXPECT_EQ(config->server().answer_cache().max_age().seconds(), 1);
  EXPECT_EQ(config->server().answer_cache().ping_interval().nanos(), 100000000);
  EXPECT_EQ(config->server().redis_connections(), 2u);
  EXPECT_EQ(config->logging().level(), "info");
  EXPECT_EQ(config->games_size(), 2);
}

TEST_F(ConfigLoaderTest, OffTurnsOptionalEndpointsOff) {
  auto config = ParseConfigText(
      absl::StrCat("worker { metrics_address: \"off\" } server { "
                   "http_address: \"off\" metrics_address: \"off\" }",
                   kMinimal),
      "mem.textproto");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->worker().metrics_address(), "");
  EXPECT_EQ(config->server().http_address(), "");
  EXPECT_EQ(config->server().metrics_address(), "");
  // The gRPC port is not optional.
  auto no_grpc = ParseConfigText(
      absl::StrCat("server { grpc_address: \"off\" }", kMinimal),
      "mem.textproto");
  EXPECT_FALSE(no_grpc.ok());
}

TEST_F(ConfigLoaderTest, DefaultsKeepSetValuesAndAreIdempotent) {
  v1::StatsTrackerConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(redis { port: 6390 timeout { nanos: 1 } }
         worker { batch_size: 7 block {} consumer_name: "w1" }
         server { grpc_address: "0.0.0.0:1" }
         games { game_id: "g" leaderboards { leaderboard_id: "d" period { daily {} } } })",
      &config));
  ApplyDefaults(&config);
  EXPECT_EQ(config.redis().port(), 6390u);
  EXPECT_EQ(config.redis().timeout().nanos(), 1);
  EXPECT_EQ(config.worker().batch_size(), 7u);
  // An explicitly set zero duration stays zero (block {} = don't block).
  EXPECT_EQ(config.worker().block().seconds(), 0);
  EXPECT_EQ(config.worker().consumer_name(), "w1");
  EXPECT_EQ(config.server().grpc_address(), "0.0.0.0:1");
  EXPECT_EQ(config.games(0).leaderboards(0).period().time_zone(), "UTC");
  v1::StatsTrackerConfig again = config;
  ApplyDefaults(&again);
  EXPECT_EQ(again.SerializeAsString(), config.SerializeAsString());
}

TEST_F(ConfigLoaderTest, AnswerCacheAndRedisConnectionLimitsAreChecked) {
  for (const auto& [text, field] :
       std::vector<std::pair<std::string, std::string>>{
           {"server { answer_cache { max_age { seconds: 3601 } } }",
            "server.answer_cache.max_age"},
           {"server { answer_cache { ping_interval { seconds: -1 } } }",
            "server.answer_cache.ping_interval"},
           {"server { answer_cache { serve_stale_for { seconds: -1 } } }",
            "server.answer_cache.serve_stale_for"},
           {"server { answer_cache { serve_stale_for { seconds: 61 } } }",
            "server.answer_cache.serve_stale_for"},
           {"server { redis_connections: 65 }", "server.redis_connections"}}) {
    auto config = ParseConfigText(absl::StrCat(text, kMinimal), "m.textproto");
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StrContains(config.status().message(), field))
        << config.status();
  }
  auto ok = ParseConfigText(
      absl::StrCat("server { answer_cache { disabled: true max_age { "
                   "seconds: 3600 } } redis_connections: 64 }",
                   kMinimal),
      "m.textproto");
  EXPECT_TRUE(ok.ok()) << ok.status();
}

TEST_F(ConfigLoaderTest, ParseErrorNamesLineAndColumn) {
  auto config = ParseConfigText("redis {\n  port: 6390\n  hots: \"x\"\n}\n",
                                "config/bad.textproto");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StartsWith(config.status().message(), "config/bad.textproto:3:"))
      << config.status();
  EXPECT_TRUE(absl::StrContains(config.status().message(), "hots"))
      << config.status();
}

TEST_F(ConfigLoaderTest, UnknownAnyTypeIsAParseError) {
  auto config = ParseConfigText(
      "games {\n game_id: \"g\"\n leaderboards { leaderboard_id: \"b\" "
      "scorer: \"elo\"\n  params { [type.googleapis.com/statstracker.v1."
      "NoSuchParams] { k: 1 } } } }",
      "f.textproto");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(absl::StartsWith(config.status().message(), "f.textproto:4:"))
      << config.status();
}

// Each mistake, the start of the expected message after "<file>: ".
struct Mistake {
  const char* name;
  const char* text;
  const char* expected;
};

class ConfigMistakeTest : public ConfigLoaderTest,
                          public ::testing::WithParamInterface<Mistake> {};

TEST_P(ConfigMistakeTest, MessageNamesFileFieldAndFix) {
  const Mistake& m = GetParam();
  auto config = ParseConfigText(m.text, "config/x.textproto");
  ASSERT_FALSE(config.ok()) << m.name;
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string expected = absl::StrCat("config/x.textproto: ", m.expected);
  EXPECT_TRUE(absl::StartsWith(config.status().message(), expected))
      << m.name << "\n  expected: " << expected
      << "\n  got:      " << config.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    All, ConfigMistakeTest,
    ::testing::Values(
        Mistake{"redis_port", "redis { port: 70000 }",
                "redis.port: must be 1 to 65535, got 70000"},
        Mistake{"redis_timeout", "redis { timeout { seconds: -1 } }",
                "redis.timeout: must be > 0"},
        Mistake{"dead_letter_same_as_stream",
                "stream { key: \"s\" dead_letter_key: \"s\" }",
                "stream.dead_letter_key: \"s\" is the event stream itself; "
                "use another key, e.g. \"s:dead\""},
        Mistake{"batch_size", "worker { batch_size: 10001 }",
                "worker.batch_size: must be 1 to 10000, got 10001"},
        Mistake{"transaction_size", "worker { transaction_size: 20000 }",
                "worker.transaction_size: must be 1 to 10000, got 20000"},
        Mistake{"backoff_initial_over_max",
                "worker { reconnect_backoff_initial { seconds: 10 } "
                "reconnect_backoff_max { seconds: 2 } }",
                "worker.reconnect_backoff_initial: must be at most "
                "worker.reconnect_backoff_max (2s), got 10s"},
        Mistake{"stop_grace_negative", "worker { stop_grace { seconds: -1 } }",
                "worker.stop_grace: must be >= 0, got -1s"},
        Mistake{"backoff_max_zero", "worker { reconnect_backoff_max {} }",
                "worker.reconnect_backoff_max: must be > 0"},
        Mistake{"block_zero", "worker { block {} }",
                "worker.block: must be > 0, got 0"},
        Mistake{"claim_idle", "worker { claim_idle {} }",
                "worker.claim_idle: must be > 0"},
        Mistake{"metrics_address", "worker { metrics_address: \"9464\" }",
                "worker.metrics_address: \"9464\" is not host:port"},
        Mistake{"grpc_address", "server { grpc_address: \"localhost:x\" }",
                "server.grpc_address: \"localhost:x\" is not host:port"},
        Mistake{"short_api_key", "server { api_keys: \"short\" }",
                "server.api_keys[0]: too short (5 characters); API keys need "
                "at least 16"},
        Mistake{"queries_need_key",
                "server { require_api_key_for_queries: true }",
                "server.require_api_key_for_queries: is true but "
                "server.api_keys is empty"},
        Mistake{"tls_half", "server { tls { cert_path: \"c.pem\" } }",
                "server.tls.key_path: missing; TLS needs both"},
        Mistake{"max_request_bytes", "server { max_request_bytes: 10 }",
                "server.max_request_bytes: must be 1024 to 67108864"},
        Mistake{"cors_origin_with_path",
                "server { cors { allowed_origins: \"*\" allowed_origins: "
                "\"https://play.example.com/\" } }",
                "server.cors.allowed_origins[1]: "
                "\"https://play.example.com/\" is not an origin; use "
                "scheme://host[:port] with no path"},
        Mistake{"cors_origin_without_scheme",
                "server { cors { allowed_origins: \"play.example.com\" } }",
                "server.cors.allowed_origins[0]: \"play.example.com\" is not "
                "an origin"},
        Mistake{"cors_max_age", "server { cors { max_age { seconds: -1 } } }",
                "server.cors.max_age: must be >= 0"},
        Mistake{"log_level", "logging { level: \"loud\" }",
                "logging.level: unknown level \"loud\"; accepted: debug, "
                "info, warning, error"},
        Mistake{"bad_game_id", "games { game_id: \"Chess\" }",
                "games[0] \"Chess\": game_id: \"Chess\" is not a valid id; "
                "use 1 to 64 characters of [a-z0-9_-]"},
        Mistake{"duplicate_game",
                "games { game_id: \"a\" } games { game_id: \"b\" } "
                "games { game_id: \"a\" }",
                "games[2] \"a\": game_id: duplicate game \"a\" (also "
                "games[0]); game ids must be unique"},
        Mistake{"duplicate_board",
                "games { game_id: \"a\" leaderboards { leaderboard_id: \"x\" "
                "scorer: \"best_score\" } leaderboards { leaderboard_id: "
                "\"x\" scorer: \"best_score\" } }",
                "games[0] \"a\": leaderboards[1] \"x\": leaderboard_id: "
                "duplicate leaderboard \"x\" (also leaderboards[0] of game "
                "\"a\"); ids must be unique within a game"},
        Mistake{"missing_scorer",
                "games { game_id: \"a\" leaderboards { leaderboard_id: \"x\" "
                "} }",
                "games[0] \"a\": leaderboards[0] \"x\": scorer: missing; "
                "name a registered scorer"},
        Mistake{"unknown_scorer",
                "games { game_id: \"a\" } games { game_id: \"chess\" "
                "leaderboards { leaderboard_id: \"elo\" scorer: \"elox\" } }",
                "games[1] \"chess\": leaderboards[0] \"elo\": scorer: unknown "
                "scorer \"elox\"; registered scorers: "},
        Mistake{"bad_k_factor",
                "games { game_id: \"chess\" leaderboards { leaderboard_id: "
                "\"elo\" scorer: \"elo\" params { "
                "[type.googleapis.com/statstracker.v1.EloParams] { k_factor: "
                "-3 } } } }",
                "games[0] \"chess\": leaderboards[0] \"elo\": params.k_factor "
                "must be > 0, got -3"},
        Mistake{"secondary_key",
                "games { game_id: \"a\" leaderboards { leaderboard_id: \"x\" "
                "scorer: \"best_score\" secondary { value_key: \"Time\" } } }",
                "games[0] \"a\": leaderboards[0] \"x\": secondary.value_key: "
                "\"Time\" is not a values key"},
        Mistake{"secondary_with_shared_ranks",
                "games { game_id: \"a\" leaderboards { leaderboard_id: \"x\" "
                "scorer: \"best_score\" tie_mode: TIE_MODE_DENSE secondary { "
                "value_key: \"t\" } } }",
                "games[0] \"a\": leaderboards[0] \"x\": secondary: a "
                "secondary score breaks ties only with TIE_MODE_UNIQUE"},
        Mistake{"bad_time_zone",
                "games { game_id: \"a\" leaderboards { leaderboard_id: \"d\" "
                "scorer: \"best_score\" period { daily {} time_zone: "
                "\"Mars/Olympus\" } } }",
                "games[0] \"a\": leaderboards[0] \"d\": period.time_zone: "
                "unknown time zone \"Mars/Olympus\"; use an IANA name"},
        Mistake{"bad_anchor",
                "games { game_id: \"a\" leaderboards { leaderboard_id: \"d\" "
                "scorer: \"best_score\" period { every_n { days: 14 "
                "anchor_date: \"2026-13-01\" } } } }",
                "games[0] \"a\": leaderboards[0] \"d\": "
                "period.every_n.anchor_date: \"2026-13-01\" is not a date; "
                "use YYYY-MM-DD"},
        Mistake{"overlapping_seasons",
                "games { game_id: \"a\" leaderboards { leaderboard_id: \"s\" "
                "scorer: \"best_score\" period { seasons { "
                "seasons { season_id: \"s1\" start: \"2026-01-01\" end: "
                "\"2026-04-01\" } seasons { season_id: \"s2\" start: "
                "\"2026-03-01\" end: \"2026-06-01\" } } } } }",
                "games[0] \"a\": leaderboards[0] \"s\": period.seasons: season "
                "\"s2\" (start 2026-03-01) overlaps season \"s1\" (end "
                "2026-04-01); seasons must not overlap"},
        Mistake{"soft_reset_fraction",
                "games { game_id: \"a\" leaderboards { leaderboard_id: \"s\" "
                "scorer: \"elo\" period { weekly {} soft_reset { fraction: 2 "
                "} } } }",
                "games[0] \"a\": leaderboards[0] \"s\": "
                "period.soft_reset.fraction: must be > 0 and <= 1"},
        Mistake{"soft_reset_on_best_score",
                "games { game_id: \"a\" leaderboards { leaderboard_id: \"s\" "
                "scorer: \"best_score\" period { weekly {} soft_reset { "
                "fraction: 0.5 } } } }",
                "games[0] \"a\": leaderboards[0] \"s\": period.soft_reset: "
                "scorer \"best_score\" has no initial rating to move toward"},
        Mistake{"history_zero",
                "games { game_id: \"a\" leaderboards { leaderboard_id: \"h\" "
                "scorer: \"elo\" history {} } }",
                "games[0] \"a\": leaderboards[0] \"h\": history.max_points: "
                "must be 1 to 10000, got 0; remove history to keep none"},
        Mistake{"history_too_long",
                "games { game_id: \"a\" leaderboards { leaderboard_id: \"h\" "
                "scorer: \"elo\" history { max_points: 10001 } } }",
                "games[0] \"a\": leaderboards[0] \"h\": history.max_points: "
                "must be 1 to 10000, got 10001"},
        Mistake{"missing_handler", "games { game_id: \"a\" stats {} }",
                "games[0] \"a\": stats[0].handler: missing"},
        Mistake{"unknown_handler",
                "games { game_id: \"a\" stats { handler: \"declarativ\" } }",
                "games[0] \"a\": stats[0]: handler: unknown stats handler "
                "\"declarativ\"; registered stats handlers: "},
        Mistake{"negative_max_age",
                "games { game_id: \"a\" admission { max_age { seconds: -1 } "
                "} }",
                "games[0] \"a\": admission.max_age: must be >= 0, got -1s"},
        Mistake{"negative_skew",
                "games { game_id: \"a\" admission { max_future_skew { "
                "seconds: -5 } } }",
                "games[0] \"a\": admission.max_future_skew: must be >= 0"},
        Mistake{"ignored_type_with_space",
                "games { game_id: \"a\" admission { ignored_custom_types: "
                "\"acme Emote\" } }",
                "games[0] \"a\": admission.ignored_custom_types[0]: \"acme "
                "Emote\" is not a type URL or message name; use e.g. "
                "\"type.googleapis.com/acme.v1.Emote\" or \"acme.v1.Emote\""},
        Mistake{"ignored_type_empty_name",
                "games { game_id: \"a\" admission { ignored_custom_types: "
                "\"type.googleapis.com/\" } }",
                "games[0] \"a\": admission.ignored_custom_types[0]: "
                "\"type.googleapis.com/\" is not a type URL or message name"},
        Mistake{"ignored_type_twice",
                "games { game_id: \"a\" admission { ignored_custom_types: "
                "\"acme.v1.Emote\" ignored_custom_types: "
                "\"type.googleapis.com/acme.v1.Emote\" } }",
                "games[0] \"a\": admission.ignored_custom_types[1]: "
                "\"type.googleapis.com/acme.v1.Emote\" names the same type "
                "as ignored_custom_types[0]; remove one"},
        Mistake{"duplicate_stat",
                "games { game_id: \"a\" stats { handler: \"played\" } stats { "
                "handler: \"played\" } }",
                "games[0] \"a\": stats[1] \"played\": stat \"played\" is "
                "defined twice in game \"a\""}),
    [](const ::testing::TestParamInfo<Mistake>& info) {
      return std::string(info.param.name);
    });

TEST_F(ConfigLoaderTest, ValidateConfigHasNoFilePrefix) {
  v1::StatsTrackerConfig config;
  config.mutable_server()->add_api_keys("short");
  ApplyDefaults(&config);
  absl::Status s = ValidateConfig(config);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(absl::StartsWith(s.message(), "server.api_keys[0]: ")) << s;
  // The key itself is never echoed.
  EXPECT_FALSE(absl::StrContains(s.message(), "\"short\"")) << s;
}

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string dir = absl::StrCat(::testing::TempDir(), "/cfg-", getpid());
  mkdir(dir.c_str(), 0700);
  std::string path = absl::StrCat(dir, "/", name);
  std::ofstream(path) << text;
  return path;
}

TEST_F(ConfigLoaderTest, LoadsFilesAndModes) {
  const std::string path = WriteTemp("test.textproto", kMinimal);
  auto config = LoadConfigFile(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->games(1).game_id(), "chess");

  const std::string dir = path.substr(0, path.rfind('/'));
  auto by_mode = LoadConfigForMode("test", dir);
  ASSERT_TRUE(by_mode.ok()) << by_mode.status();
  EXPECT_EQ(by_mode->games_size(), 2);
  auto by_mode_slash = LoadConfigForMode("test", dir + "/");
  EXPECT_TRUE(by_mode_slash.ok()) << by_mode_slash.status();

  auto missing = LoadConfigForMode("production", dir);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StartsWith(missing.status().message(),
                               dir + "/production.textproto: no such file"))
      << missing.status();

  auto directory = LoadConfigFile(dir);
  ASSERT_FALSE(directory.ok());
  EXPECT_EQ(directory.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(
      absl::StartsWith(directory.status().message(), dir + ": is a directory"))
      << directory.status();

  auto bad_mode = LoadConfigForMode("staging", dir);
  ASSERT_FALSE(bad_mode.ok());
  EXPECT_EQ(bad_mode.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_mode.status().message(),
            "--mode: unknown mode \"staging\"; accepted: development, test, "
            "production (or --config <file>)");

  const std::string broken =
      WriteTemp("broken.textproto", "games {\n  game_id: \"a\"\n  oops\n}\n");
  auto parse_error = LoadConfigFile(broken);
  ASSERT_FALSE(parse_error.ok());
  EXPECT_TRUE(
      absl::StartsWith(parse_error.status().message(), broken + ":4:1: "))
      << parse_error.status();
}

}  // namespace
}  // namespace statstracker
