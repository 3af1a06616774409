#include "common/game_catalog.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace {

// A scorer that remembers which board built it; on a board named "lap*"
// it reads custom payloads of type acme.v1.Lap.
class FakeScorer : public Scorer {
 public:
  explicit FakeScorer(std::string board) : board_(std::move(board)) {}
  std::vector<std::string> CustomEventTypes() const override {
    if (absl::StartsWith(board_, "lap")) return {"acme.v1.Lap"};
    return {};
  }
  std::vector<std::string> PlayersToRead(const v1::GameEvent&) const override {
    return {};
  }
  absl::StatusOr<std::vector<ScoreChange>> Score(
      const v1::GameEvent&,
      const absl::flat_hash_map<std::string, ScorerState>&) const override {
    return std::vector<ScoreChange>{};
  }
  const std::string board_;
};

// A scorer with an initial rating of 1000, so it supports soft resets.
class FakeRatingScorer : public FakeScorer {
 public:
  using FakeScorer::FakeScorer;
  std::optional<ScorerState> SoftReset(const ScorerState& previous,
                                       double fraction) const override {
    ScorerState next;
    next.score = MoveToward(previous.score, 1000, fraction);
    return next;
  }
};

// A handler whose stats are named by a StringValue param: "a,b,~c" defines
// stored a and b and derived double c.
class FakeHandler : public StatsHandler {
 public:
  explicit FakeHandler(std::vector<StatSpec> stats)
      : stats_(std::move(stats)) {}
  std::vector<StatSpec> Stats() const override { return stats_; }
  std::vector<std::string> PlayersToRead(const v1::GameEvent&) const override {
    return {};
  }
  absl::StatusOr<std::vector<StatChange>> Apply(
      const v1::GameEvent&,
      const absl::flat_hash_map<std::string, StatMap>&) const override {
    return std::vector<StatChange>{};
  }

 private:
  std::vector<StatSpec> stats_;
};

ScorerFactory FakeScorerFactory() {
  return [](const v1::LeaderboardConfig& config)
             -> absl::StatusOr<std::unique_ptr<Scorer>> {
    if (config.display_name() == "bad") {
      return absl::InvalidArgumentError("params.k_factor must be > 0, got -3");
    }
    return std::make_unique<FakeScorer>(config.leaderboard_id());
  };
}

StatsHandlerFactory FakeHandlerFactory() {
  return [](const v1::StatsHandlerConfig& config)
             -> absl::StatusOr<std::unique_ptr<StatsHandler>> {
    google::protobuf::StringValue names;
    if (!config.params().UnpackTo(&names)) {
      return absl::InvalidArgumentError(
          "params: expected a google.protobuf.StringValue");
    }
    std::vector<StatSpec> specs;
    for (absl::string_view name :
         absl::StrSplit(names.value(), ',', absl::SkipEmpty())) {
      StatSpec spec;
      if (absl::ConsumePrefix(&name, "~")) {
        spec.derived = true;
        spec.type = StatSpec::Type::kDouble;
      }
      spec.name = std::string(name);
      specs.push_back(spec);
    }
    return std::make_unique<FakeHandler>(std::move(specs));
  };
}

class GameCatalogTest : public ::testing::Test {
 protected:
  ScorerRegistry::ScopedOverride scorer_{"fake_scorer", FakeScorerFactory()};
  ScorerRegistry::ScopedOverride other_{"other_scorer", FakeScorerFactory()};
  ScorerRegistry::ScopedOverride rating_{
      "fake_rating",
      [](const v1::LeaderboardConfig& config)
          -> absl::StatusOr<std::unique_ptr<Scorer>> {
        return std::make_unique<FakeRatingScorer>(config.leaderboard_id());
      }};
  StatsHandlerRegistry::ScopedOverride handler_{"fake_stats",
                                                FakeHandlerFactory()};
};

v1::StatsTrackerConfig Parse(const std::string& text) {
  v1::StatsTrackerConfig config;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &config))
      << text;
  return config;
}

constexpr char kTwoGames[] = R"(
games {
  game_id: "arcade"
  leaderboards { leaderboard_id: "high" scorer: "fake_scorer" }
  leaderboards { leaderboard_id: "total" scorer: "other_scorer" }
  stats {
    handler: "fake_stats"
    params { [type.googleapis.com/google.protobuf.StringValue] { value: "played,best" } }
  }
  stats {
    handler: "fake_stats"
    params { [type.googleapis.com/google.protobuf.StringValue] { value: "total,~avg" } }
  }
}
games {
  game_id: "chess"
  leaderboards { leaderboard_id: "elo" scorer: "fake_scorer" }
}
)";

TEST_F(GameCatalogTest, BuildsBoardsHandlersAndStats) {
  auto catalog = GameCatalog::Build(Parse(kTwoGames));
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_EQ((*catalog)->GameIds(),
            (std::vector<std::string>{"arcade", "chess"}));

  const GameRuntime* arcade = (*catalog)->FindGame("arcade");
  ASSERT_NE(arcade, nullptr);
  EXPECT_EQ(arcade->config.game_id(), "arcade");
  ASSERT_EQ(arcade->boards.size(), 2u);
  EXPECT_EQ(arcade->boards[0].config.leaderboard_id(), "high");
  EXPECT_EQ(arcade->boards[1].config.leaderboard_id(), "total");
  auto* high = dynamic_cast<const FakeScorer*>(arcade->boards[0].scorer.get());
  ASSERT_NE(high, nullptr);
  EXPECT_EQ(high->board_, "high");
  EXPECT_EQ(arcade->FindBoard("total"), &arcade->boards[1]);
  EXPECT_EQ(arcade->FindBoard("nope"), nullptr);

  ASSERT_EQ(arcade->handlers.size(), 2u);
  ASSERT_EQ(arcade->stats.size(), 4u);
  EXPECT_EQ(arcade->stats[0].name, "played");
  EXPECT_EQ(arcade->stats[1].name, "best");
  EXPECT_EQ(arcade->stats[2].name, "total");
  EXPECT_EQ(arcade->stats[3].name, "avg");
  EXPECT_TRUE(arcade->stats[3].derived);
  EXPECT_EQ(arcade->stats[3].type, StatSpec::Type::kDouble);
  EXPECT_FALSE(arcade->stats[0].derived);

  const GameRuntime* chess = (*catalog)->FindGame("chess");
  ASSERT_NE(chess, nullptr);
  EXPECT_EQ(chess->boards.size(), 1u);
  EXPECT_TRUE(chess->handlers.empty());
  EXPECT_EQ((*catalog)->FindGame("go"), nullptr);
}

TEST_F(GameCatalogTest, KnowsWhichCustomTypesEachGameHandles) {
  auto catalog = GameCatalog::Build(Parse(R"(
    games {
      game_id: "racer"
      leaderboards { leaderboard_id: "laps" scorer: "fake_scorer" }
      leaderboards { leaderboard_id: "other" scorer: "other_scorer" }
      admission {
        ignored_custom_types: "type.googleapis.com/acme.v1.Emote"
        max_age { seconds: 3600 }
      }
    }
    games { game_id: "chess" leaderboards { leaderboard_id: "elo" scorer: "fake_scorer" } })"));
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  EXPECT_TRUE((*catalog)->HandlesCustomType("racer",
                                            "type.googleapis.com/acme.v1.Lap"));
  EXPECT_TRUE((*catalog)->HandlesCustomType("racer", "acme.v1.Lap"));
  // Ignored is not handled; other games and unknown games handle nothing.
  EXPECT_FALSE((*catalog)->HandlesCustomType("racer", "acme.v1.Emote"));
  EXPECT_FALSE((*catalog)->HandlesCustomType("chess", "acme.v1.Lap"));
  EXPECT_FALSE((*catalog)->HandlesCustomType("go", "acme.v1.Lap"));
  const GameRuntime* racer = (*catalog)->FindGame("racer");
  EXPECT_TRUE(racer->admission.ignored_custom_types.contains("acme.v1.Emote"));
  EXPECT_EQ(racer->admission.max_age, absl::Hours(1));
  EXPECT_EQ(racer->admission.max_future_skew, kDefaultMaxFutureSkew);
  EXPECT_EQ((*catalog)->FindGame("chess")->admission.max_age, kDefaultMaxAge);
}

TEST_F(GameCatalogTest, EmptyConfigHasNoGames) {
  auto catalog = GameCatalog::Build(v1::StatsTrackerConfig());
  ASSERT_TRUE(catalog.ok());
  EXPECT_TRUE((*catalog)->GameIds().empty());
}

void ExpectError(const std::string& text, const std::string& expected) {
  auto catalog = GameCatalog::Build(Parse(text));
  ASSERT_FALSE(catalog.ok()) << text;
  EXPECT_EQ(catalog.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog.status().message(), expected);
}

TEST_F(GameCatalogTest, IgnoringAHandledTypeIsAnError) {
  ExpectError(R"(games { game_id: "racer"
      leaderboards { leaderboard_id: "laps" scorer: "fake_scorer" }
      admission { ignored_custom_types: "x" ignored_custom_types: "type.googleapis.com/acme.v1.Lap" } })",
              "games[0] \"racer\": admission.ignored_custom_types[1]: "
              "\"type.googleapis.com/acme.v1.Lap\" is handled by a plugin of "
              "the game; remove it from the list (or the plugin from the "
              "game)");
}

TEST_F(GameCatalogTest, UnknownScorerListsRegisteredNames) {
  auto catalog = GameCatalog::Build(Parse(R"(
    games { game_id: "a" }
    games { game_id: "chess" leaderboards { leaderboard_id: "elo" scorer: "elox" } })"));
  ASSERT_FALSE(catalog.ok());
  const std::string message(catalog.status().message());
  EXPECT_TRUE(absl::StartsWith(
      message,
      "games[1] \"chess\": leaderboards[0] \"elo\": scorer: unknown scorer "
      "\"elox\"; registered scorers: "))
      << message;
  // Sorted names, ours among them.
  EXPECT_TRUE(absl::StrContains(message, "fake_scorer, other_scorer"))
      << message;
}

TEST_F(GameCatalogTest, FactoryErrorIsPrefixedWithGameAndBoard) {
  ExpectError(R"(games { game_id: "chess"
      leaderboards { leaderboard_id: "ok" scorer: "fake_scorer" }
      leaderboards { leaderboard_id: "elo" scorer: "fake_scorer" display_name: "bad" } })",
              "games[0] \"chess\": leaderboards[1] \"elo\": params.k_factor "
              "must be > 0, got -3");
}

TEST_F(GameCatalogTest, UnknownHandlerListsRegisteredNames) {
  auto catalog = GameCatalog::Build(
      Parse(R"(games { game_id: "g" stats { handler: "declarativ" } })"));
  ASSERT_FALSE(catalog.ok());
  const std::string message(catalog.status().message());
  EXPECT_TRUE(absl::StartsWith(
      message,
      "games[0] \"g\": stats[0]: handler: unknown stats handler "
      "\"declarativ\"; registered stats handlers: "))
      << message;
  EXPECT_TRUE(absl::StrContains(message, "fake_stats")) << message;
}

TEST_F(GameCatalogTest, HandlerFactoryErrorIsPrefixed) {
  ExpectError(R"(games { game_id: "g" stats { handler: "fake_stats" } })",
              "games[0] \"g\": stats[0] \"fake_stats\": params: expected a "
              "google.protobuf.StringValue");
}

TEST_F(GameCatalogTest, StatDefinedTwiceInOneGame) {
  ExpectError(
      R"(games { game_id: "g"
        stats { handler: "fake_stats"
          params { [type.googleapis.com/google.protobuf.StringValue] { value: "wins,losses" } } }
        stats { handler: "fake_stats"
          params { [type.googleapis.com/google.protobuf.StringValue] { value: "draws,wins" } } } })",
      "games[0] \"g\": stats[1] \"fake_stats\": stat \"wins\" is defined "
      "twice in game \"g\" (also by stats[0]); rename one, stat names are "
      "unique within a game");
}

TEST_F(GameCatalogTest, SameStatNameInTwoGamesIsFine) {
  auto catalog = GameCatalog::Build(Parse(R"(
    games { game_id: "a" stats { handler: "fake_stats"
      params { [type.googleapis.com/google.protobuf.StringValue] { value: "wins" } } } }
    games { game_id: "b" stats { handler: "fake_stats"
      params { [type.googleapis.com/google.protobuf.StringValue] { value: "wins" } } } })"));
  EXPECT_TRUE(catalog.ok()) << catalog.status();
}

TEST_F(GameCatalogTest, DuplicateIds) {
  ExpectError(R"(games { game_id: "a" } games { game_id: "a" })",
              "games[1] \"a\": game_id: duplicate game \"a\"; game ids must "
              "be unique");
  ExpectError(R"(games { game_id: "a"
      leaderboards { leaderboard_id: "x" scorer: "fake_scorer" }
      leaderboards { leaderboard_id: "x" scorer: "fake_scorer" } })",
              "games[0] \"a\": leaderboards[1] \"x\": leaderboard_id: "
              "duplicate leaderboard \"x\"; ids must be unique within a game");
}

TEST_F(GameCatalogTest, SoftResetNeedsAScorerThatSupportsIt) {
  ExpectError(R"(games { game_id: "g"
      leaderboards { leaderboard_id: "rated" scorer: "fake_rating"
        period { weekly {} soft_reset { fraction: 0.5 } } }
      leaderboards { leaderboard_id: "high" scorer: "fake_scorer"
        period { weekly {} soft_reset { fraction: 0.5 } } } })",
              "games[0] \"g\": leaderboards[1] \"high\": period.soft_reset: "
              "scorer \"fake_scorer\" has no initial rating to move toward; "
              "soft_reset works with rating scorers (elo, glicko2, "
              "trueskill), remove it here");
  // Without soft_reset the same scorer is fine on a periodic board.
  auto catalog = GameCatalog::Build(Parse(R"(games { game_id: "g"
      leaderboards { leaderboard_id: "rated" scorer: "fake_rating"
        period { weekly {} soft_reset { fraction: 0.5 } } }
      leaderboards { leaderboard_id: "high" scorer: "fake_scorer"
        period { weekly {} } } })"));
  EXPECT_TRUE(catalog.ok()) << catalog.status();
}

TEST_F(GameCatalogTest, OverrideEndsWithScope) {
  {
    ScorerRegistry::ScopedOverride temp("temporary_scorer",
                                        FakeScorerFactory());
    EXPECT_TRUE(GameCatalog::Build(Parse(R"(games { game_id: "a"
        leaderboards { leaderboard_id: "x" scorer: "temporary_scorer" } })"))
                    .ok());
  }
  EXPECT_FALSE(GameCatalog::Build(Parse(R"(games { game_id: "a"
      leaderboards { leaderboard_id: "x" scorer: "temporary_scorer" } })"))
                   .ok());
}

}  // namespace
}  // namespace statstracker
