#include "common/game_catalog.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace statstracker {

const BoardRuntime* GameRuntime::FindBoard(
    absl::string_view leaderboard_id) const {
  for (const BoardRuntime& board : boards) {
    if (board.config.leaderboard_id() == leaderboard_id) return &board;
  }
  return nullptr;
}

bool GameRuntime::HandlesCustomType(absl::string_view type) const {
  return admission.handled_custom_types.contains(CustomTypeName(type));
}

absl::StatusOr<std::unique_ptr<GameCatalog>> GameCatalog::Build(
    const v1::StatsTrackerConfig& config) {
  std::unique_ptr<GameCatalog> catalog(new GameCatalog());
  for (int g = 0; g < config.games_size(); ++g) {
    const v1::GameConfig& game = config.games(g);
    const std::string game_where =
        absl::StrCat("games[", g, "] \"", game.game_id(), "\"");
    if (catalog->by_id_.contains(game.game_id())) {
      return absl::InvalidArgumentError(
          absl::StrCat(game_where, ": game_id: duplicate game \"",
                       game.game_id(), "\"; game ids must be unique"));
    }
    auto runtime = std::make_unique<GameRuntime>();
    runtime->config = game;
    runtime->admission = AdmissionPolicyFor(game);

    for (int b = 0; b < game.leaderboards_size(); ++b) {
      const v1::LeaderboardConfig& board = game.leaderboards(b);
      const std::string where =
          absl::StrCat(game_where, ": leaderboards[", b, "] \"",
                       board.leaderboard_id(), "\"");
      if (runtime->FindBoard(board.leaderboard_id()) != nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": leaderboard_id: duplicate leaderboard \"",
            board.leaderboard_id(), "\"; ids must be unique within a game"));
      }
      const ScorerFactory* factory = ScorerRegistry::Get().Find(board.scorer());
      if (factory == nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": scorer: unknown scorer \"", board.scorer(),
                         "\"; registered scorers: ",
                         ScorerRegistry::Get().RegisteredNamesForError()));
      }
      absl::StatusOr<std::unique_ptr<Scorer>> scorer = (*factory)(board);
      if (!scorer.ok()) {
        return absl::Status(
            scorer.status().code(),
            absl::StrCat(where, ": ", scorer.status().message()));
      }
      if (*scorer == nullptr) {
        return absl::InternalError(absl::StrCat(
            where, ": scorer \"", board.scorer(), "\" returned no scorer"));
      }
      if (board.period().has_soft_reset() &&
          !(*scorer)->SoftReset(ScorerState{}, 1).has_value()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": period.soft_reset: scorer \"", board.scorer(),
            "\" has no initial rating to move toward; soft_reset works with "
            "rating scorers (elo, glicko2, trueskill), remove it here"));
      }
      for (std::string& type : (*scorer)->CustomEventTypes()) {
        runtime->admission.handled_custom_types.insert(std::move(type));
      }
      runtime->boards.push_back(BoardRuntime{board, *std::move(scorer)});
    }

    absl::flat_hash_map<std::string, int> stat_owner;  // name -> handler
    for (int h = 0; h < game.stats_size(); ++h) {
      const v1::StatsHandlerConfig& handler_config = game.stats(h);
      const std::string where = absl::StrCat(game_where, ": stats[", h, "] \"",
                                             handler_config.handler(), "\"");
      const StatsHandlerFactory* factory =
          StatsHandlerRegistry::Get().Find(handler_config.handler());
      if (factory == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            game_where, ": stats[", h, "]: handler: unknown stats handler \"",
            handler_config.handler(), "\"; registered stats handlers: ",
            StatsHandlerRegistry::Get().RegisteredNamesForError()));
      }
      absl::StatusOr<std::unique_ptr<StatsHandler>> handler =
          (*factory)(handler_config);
      if (!handler.ok()) {
        return absl::Status(
            handler.status().code(),
            absl::StrCat(where, ": ", handler.status().message()));
      }
      if (*handler == nullptr) {
        return absl::InternalError(
            absl::StrCat(where, ": the handler factory returned no handler"));
      }
      for (const StatSpec& spec : (*handler)->Stats()) {
        auto [it, inserted] = stat_owner.emplace(spec.name, h);
        if (!inserted) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ": stat \"", spec.name, "\" is defined twice in game \"",
              game.game_id(), "\" (also by stats[", it->second,
              "]); rename one, stat names are unique within a game"));
        }
        runtime->stats.push_back(spec);
      }
      for (std::string& type : (*handler)->CustomEventTypes()) {
        runtime->admission.handled_custom_types.insert(std::move(type));
      }
      runtime->handlers.push_back(*std::move(handler));
    }
    // Ignoring a type a plugin acts on would leave it unclear which wins.
    const auto& ignored = game.admission().ignored_custom_types();
    for (int i = 0; i < ignored.size(); ++i) {
      if (runtime->HandlesCustomType(ignored[i])) {
        return absl::InvalidArgumentError(
            absl::StrCat(game_where, ": admission.ignored_custom_types[", i,
                         "]: \"", ignored[i],
                         "\" is handled by a plugin of the game; remove it "
                         "from the list (or the plugin from the game)"));
      }
    }

    catalog->by_id_[game.game_id()] = runtime.get();
    catalog->games_.push_back(std::move(runtime));
  }
  return catalog;
}

const GameRuntime* GameCatalog::FindGame(absl::string_view game_id) const {
  auto it = by_id_.find(game_id);
  return it == by_id_.end() ? nullptr : it->second;
}

bool GameCatalog::HandlesCustomType(absl::string_view game_id,
                                    absl::string_view type) const {
  const GameRuntime* game = FindGame(game_id);
  return game != nullptr && game->HandlesCustomType(type);
}

std::vector<std::string> GameCatalog::GameIds() const {
  std::vector<std::string> ids;
  ids.reserve(games_.size());
  for (const auto& game : games_) ids.push_back(game->config.game_id());
  return ids;
}

}  // namespace statstracker
