// Loads the shipped config files (config/*.textproto) with the built-in
// plugins linked, checks the demo games, and checks that each kind of config
// mistake fails with a message naming the file, the game, the field and the
// fix.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "common/config_loader.h"
#include "common/event_validation.h"
#include "common/game_catalog.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> BoardIds(const GameRuntime& game) {
  std::vector<std::string> ids;
  for (const BoardRuntime& b : game.boards) {
    ids.push_back(b.config.leaderboard_id());
  }
  return ids;
}

std::vector<std::string> StatNames(const GameRuntime& game) {
  std::vector<std::string> names;
  for (const StatSpec& s : game.stats) names.push_back(s.name);
  return names;
}

const StatSpec* FindStat(const GameRuntime& game, const std::string& name) {
  for (const StatSpec& s : game.stats) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

class ShippedConfigTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ShippedConfigTest, LoadsWithDemoGames) {
  const std::string mode = GetParam();
  auto config = LoadConfigForMode(mode, "config");
  ASSERT_TRUE(config.ok()) << config.status();
  auto catalog = GameCatalog::Build(*config);
  ASSERT_TRUE(catalog.ok()) << catalog.status();

  const GameRuntime* arcade = (*catalog)->FindGame("arcade");
  ASSERT_NE(arcade, nullptr);
  EXPECT_EQ(BoardIds(*arcade),
            (std::vector<std::string>{"high", "daily", "total"}));
  const BoardRuntime* high = arcade->FindBoard("high");
  EXPECT_EQ(high->config.scorer(), "best_score");
  EXPECT_EQ(high->config.sort_order(), v1::SORT_ORDER_DESCENDING);
  EXPECT_EQ(high->config.tie_mode(), v1::TIE_MODE_UNIQUE);
  EXPECT_EQ(high->config.secondary().value_key(), "time_ms");
  EXPECT_EQ(high->config.secondary().sort_order(), v1::SORT_ORDER_ASCENDING);
  EXPECT_FALSE(high->config.has_period());
  const BoardRuntime* daily = arcade->FindBoard("daily");
  EXPECT_EQ(daily->config.scorer(), "best_score");
  EXPECT_TRUE(daily->config.period().has_daily());
  EXPECT_EQ(daily->config.period().time_zone(), "UTC");
  EXPECT_GT(daily->config.period().retention().seconds(), 0);
  EXPECT_EQ(arcade->FindBoard("total")->config.scorer(), "cumulative_points");
  EXPECT_EQ(
      StatNames(*arcade),
      (std::vector<std::string>{"games_played", "best_score", "total_score"}));

  const GameRuntime* chess = (*catalog)->FindGame("chess");
  ASSERT_NE(chess, nullptr);
  EXPECT_EQ(BoardIds(*chess), (std::vector<std::string>{"elo", "wins"}));
  EXPECT_EQ(chess->FindBoard("elo")->config.scorer(), "elo");
  EXPECT_EQ(chess->FindBoard("elo")->config.history().max_points(), 100u);
  EXPECT_FALSE(chess->FindBoard("wins")->config.has_history());
  EXPECT_EQ(chess->FindBoard("wins")->config.scorer(), "win_count");
  EXPECT_EQ(chess->FindBoard("wins")->config.tie_mode(), v1::TIE_MODE_STANDARD);
  EXPECT_EQ(
      StatNames(*chess),
      (std::vector<std::string>{"matches", "wins", "losses", "draws",
                                "win_rate", "current_streak", "best_streak"}));
  const StatSpec* win_rate = FindStat(*chess, "win_rate");
  ASSERT_NE(win_rate, nullptr);
  EXPECT_TRUE(win_rate->derived);
  EXPECT_EQ(win_rate->type, StatSpec::Type::kDouble);
  EXPECT_FALSE(FindStat(*chess, "wins")->derived);

  // The example game-specific plugin (plugins/examples/racing/).
  const GameRuntime* racing = (*catalog)->FindGame("racing");
  ASSERT_NE(racing, nullptr);
  EXPECT_EQ(BoardIds(*racing),
            (std::vector<std::string>{"best_lap_monza", "best_lap_weekly"}));
  for (const BoardRuntime& b : racing->boards) {
    EXPECT_EQ(b.config.scorer(), "racing_best_lap");
    EXPECT_EQ(b.config.sort_order(), v1::SORT_ORDER_ASCENDING);
  }
  EXPECT_TRUE(
      racing->FindBoard("best_lap_weekly")->config.period().has_weekly());
  ASSERT_EQ(racing->handlers.size(), 1u);
  EXPECT_EQ(racing->config.stats(0).handler(), "racing");
  const StatSpec* laps = FindStat(*racing, "laps");
  ASSERT_NE(laps, nullptr) << absl::StrJoin(StatNames(*racing), ",");
  EXPECT_FALSE(laps->derived);

  // A lap event in the custom payload is accepted for the racing game.
  v1::GameEvent lap;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(event_id: "lap-1" game_id: "racing" occurred_at { seconds: 1795500000 }
         custom {
           [type.googleapis.com/statstracker.examples.racing.v1.LapCompleted] {
             player_id: "ann" track_id: "monza" lap_time_ms: 81234
           }
         })",
      &lap));
  EXPECT_TRUE(ValidateEvent(lap, **catalog).ok())
      << ValidateEvent(lap, **catalog);
  lap.set_game_id("racer");
  EXPECT_EQ(ValidateEvent(lap, **catalog).message(),
            "game_id: unknown game 'racer'; configured games: arcade, chess, "
            "racing, arena");

  // The TrueSkill demo game: teams and free-for-alls.
  const GameRuntime* arena = (*catalog)->FindGame("arena");
  ASSERT_NE(arena, nullptr);
  EXPECT_EQ(BoardIds(*arena), (std::vector<std::string>{"trueskill", "wins"}));
  const BoardRuntime* trueskill = arena->FindBoard("trueskill");
  EXPECT_EQ(trueskill->config.scorer(), "trueskill");
  EXPECT_EQ(trueskill->config.sort_order(), v1::SORT_ORDER_DESCENDING);
  EXPECT_EQ(trueskill->config.history().max_points(), 100u);
  EXPECT_EQ(trueskill->scorer->AuxNames(),
            (std::vector<std::string>{"mu", "sigma", "rated_at"}));
  EXPECT_EQ(arena->FindBoard("wins")->config.scorer(), "win_count");
  EXPECT_EQ(StatNames(*arena),
            (std::vector<std::string>{"matches", "wins", "kills", "win_rate"}));

  // Admin keys are set and long enough (ValidateConfig checked >= 16).
  ASSERT_GE(config->server().api_keys_size(), 1);
}

INSTANTIATE_TEST_SUITE_P(Modes, ShippedConfigTest,
                         ::testing::Values("development", "test",
                                           "production"));

TEST(ShippedConfigs, DevelopmentMatchesTheLocalStack) {
  auto config = LoadConfigForMode("development", "config");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->redis().port(), 6390u);  // tools/stack.sh
  EXPECT_EQ(config->server().grpc_address(), "127.0.0.1:50051");
  EXPECT_EQ(config->server().http_address(), "127.0.0.1:8080");
  EXPECT_EQ(config->worker().metrics_address(), "127.0.0.1:9464");
  EXPECT_EQ(config->server().metrics_address(), "127.0.0.1:9465");
  EXPECT_EQ(config->logging().format(), v1::LoggingConfig::FORMAT_TEXT);
}

TEST(ShippedConfigs, ProductionLogsJsonAndUsesItsOwnKey) {
  auto production = LoadConfigForMode("production", "config");
  auto development = LoadConfigForMode("development", "config");
  ASSERT_TRUE(production.ok()) << production.status();
  ASSERT_TRUE(development.ok()) << development.status();
  EXPECT_EQ(production->logging().format(), v1::LoggingConfig::FORMAT_JSON);
  for (const std::string& key : production->server().api_keys()) {
    for (const std::string& dev_key : development->server().api_keys()) {
      EXPECT_NE(key, dev_key);
    }
  }
  // The placeholder key tells operators to replace it.
  EXPECT_TRUE(absl::StrContains(ReadFile("config/production.textproto"),
                                "OPERATOR: replace this placeholder"));
}

// ---- one config per kind of mistake --------------------------------------

std::string TempDir() {
  std::string dir = absl::StrCat(::testing::TempDir(), "/configs-", getpid());
  mkdir(dir.c_str(), 0700);
  return dir;
}

struct Mistake {
  const char* name;
  // Applied to config/development.textproto: each (from, to) replaced once;
  // `append` added at the end.
  std::vector<std::pair<std::string, std::string>> replace;
  std::string append;
  // Substrings of the message after "<file>: ", in order: where (game,
  // board, field), what, and the fix.
  std::vector<std::string> expect;
};

std::vector<Mistake> Mistakes() {
  return {
      {"duplicate_game_id",
       {},
       "games { game_id: \"chess\" }\n",
       {"games[4] \"chess\": game_id: duplicate game \"chess\"",
        "(also games[1])", "game ids must be unique"}},
      {"duplicate_board_id",
       {{"leaderboard_id: \"wins\"", "leaderboard_id: \"elo\""}},
       "",
       {"games[1] \"chess\": leaderboards[1] \"elo\": leaderboard_id: "
        "duplicate leaderboard \"elo\"",
        "ids must be unique within a game"}},
      {"unknown_scorer",
       {{"scorer: \"elo\"", "scorer: \"elox\""}},
       "",
       {"games[1] \"chess\": leaderboards[0] \"elo\": scorer: unknown scorer "
        "\"elox\"; registered scorers: ",
        "best_score", "elo", "win_count"}},
      {"k_factor_not_positive",
       {{"k_factor: 32", "k_factor: -3"}},
       "",
       {"games[1] \"chess\": leaderboards[0] \"elo\": params.k_factor must be "
        "> 0",
        "got -3"}},
      {"bad_time_zone",
       {{"time_zone: \"UTC\"", "time_zone: \"Europe/Berln\""}},
       "",
       {"games[0] \"arcade\": leaderboards[1] \"daily\": period.time_zone: "
        "unknown time zone \"Europe/Berln\"",
        "use an IANA name such as \"Europe/Berlin\""}},
      {"overlapping_seasons",
       {},
       R"(games { game_id: "league" leaderboards {
            leaderboard_id: "season" scorer: "win_count"
            period { seasons {
              seasons { season_id: "s1" start: "2026-01-01" end: "2026-04-01" }
              seasons { season_id: "s2" start: "2026-03-15" end: "2026-07-01" } } } } }
       )",
       {"games[4] \"league\": leaderboards[0] \"season\": period.seasons: "
        "season \"s2\" (start 2026-03-15) overlaps season \"s1\" (end "
        "2026-04-01)",
        "start each season at or after the previous one's end"}},
      {"bad_anchor_date",
       {},
       R"(games { game_id: "league" leaderboards {
            leaderboard_id: "fortnight" scorer: "win_count"
            period { every_n { days: 14 anchor_date: "2026-02-30" } } } }
       )",
       {"games[4] \"league\": leaderboards[0] \"fortnight\": "
        "period.every_n.anchor_date: \"2026-02-30\" is not a date",
        "use YYYY-MM-DD"}},
      {"trueskill_draw_probability",
       {{"draw_probability: 0.1", "draw_probability: 1.5"}},
       "",
       {"games[3] \"arena\": leaderboards[0] \"trueskill\": "
        "params.draw_probability must be >= 0 and < 1, got 1.5"}},
      {"short_api_key",
       {{"api_keys: \"dev-admin-key-change-me\"", "api_keys: \"abc123\""}},
       "",
       {"server.api_keys[0]: too short (6 characters)",
        "API keys need at least 16"}},
      {"unknown_stats_handler",
       {{"handler: \"declarative\"", "handler: \"declaritive\""}},
       "",
       {"games[0] \"arcade\": stats[0]: handler: unknown stats handler "
        "\"declaritive\"; registered stats handlers: ",
        "declarative"}},
      {"duplicate_stat_name",
       {{"  stats {\n    handler: \"declarative\"",
         "  stats { handler: \"declarative\" params { "
         "[type.googleapis.com/statstracker.v1.DeclarativeStatsParams] { "
         "stats { name: \"best_score\" count {} } } } }\n"
         "  stats {\n    handler: \"declarative\""}},
       "",
       {"games[0] \"arcade\": stats[1] \"declarative\": stat \"best_score\" is "
        "defined twice in game \"arcade\"",
        "rename one"}},
      {"unparsable_text",
       {{"  batch_size: 256\n", "  batch_size: 256\n  batch_sise: 1\n"}},
       "",
       {":", "batch_sise"}},
  };
}

TEST(ConfigMistakes, EachNamesFileGameFieldAndFix) {
  const std::string original = ReadFile("config/development.textproto");
  ASSERT_FALSE(original.empty());
  const std::string dir = TempDir();
  for (const Mistake& m : Mistakes()) {
    SCOPED_TRACE(m.name);
    std::string text = original;
    for (const auto& [from, to] : m.replace) {
      size_t at = text.find(from);
      ASSERT_NE(at, std::string::npos) << "not in the file: " << from;
      text.replace(at, from.size(), to);
    }
    text += m.append;
    const std::string path = absl::StrCat(dir, "/", m.name, ".textproto");
    std::ofstream(path) << text;

    auto config = LoadConfigFile(path);
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string message(config.status().message());
    ASSERT_TRUE(absl::StartsWith(message, path + ":")) << message;
    size_t from = path.size();
    for (const std::string& part : m.expect) {
      size_t at = message.find(part, from);
      EXPECT_NE(at, std::string::npos)
          << "missing (in order) \"" << part << "\" in: " << message;
      if (at != std::string::npos) from = at + part.size();
    }
  }
}

TEST(ConfigMistakes, ParseErrorHasLineNumber) {
  std::string text = ReadFile("config/development.textproto");
  const std::string marker = "  batch_size: 256\n";
  size_t at = text.find(marker);
  ASSERT_NE(at, std::string::npos);
  const int line =
      1 + static_cast<int>(std::count(text.begin(), text.begin() + at, '\n')) +
      1;  // the inserted line follows the marker
  text.insert(at + marker.size(), "  batch_sise: 1\n");
  const std::string path = TempDir() + "/typo.textproto";
  std::ofstream(path) << text;
  auto config = LoadConfigFile(path);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(absl::StartsWith(config.status().message(),
                               absl::StrCat(path, ":", line, ":")))
      << config.status();
  EXPECT_TRUE(absl::StrContains(config.status().message(),
                                "no field named \"batch_sise\""))
      << config.status();
}

}  // namespace
}  // namespace statstracker
