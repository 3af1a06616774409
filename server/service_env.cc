#include "server/service_env.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/field_error.h"
#include "common/keys.h"
#include "common/periods.h"
#include "common/redis_script.h"

namespace statstracker {
namespace server {

void FetchAnswer(const ServiceEnv& env, const std::string& game,
                 std::string key, const AnswerCache::Loader& load,
                 AnswerCache::Done done) {
  if (env.cache == nullptr) {
    load(std::move(done));
    return;
  }
  env.cache->Fetch(game, std::move(key), load, std::move(done));
}

absl::Status RequireNonEmpty(absl::string_view field, absl::string_view value) {
  if (value.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": required, got an empty value"));
  }
  return absl::OkStatus();
}

absl::StatusOr<const GameRuntime*> FindGame(const ServiceEnv& env,
                                            absl::string_view game_id) {
  absl::Status status = RequireNonEmpty("game_id", game_id);
  if (!status.ok()) return status;
  const GameRuntime* game = env.catalog->FindGame(game_id);
  if (game == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "game_id: unknown game '", ShownValue(game_id),
        "'; configured games: ", absl::StrJoin(env.catalog->GameIds(), ", ")));
  }
  return game;
}

bool HasPeriods(const v1::LeaderboardConfig& board) {
  return board.has_period() &&
         board.period().kind_case() != v1::PeriodConfig::KIND_NOT_SET;
}

absl::StatusOr<ResolvedBoard> FindBoard(const ServiceEnv& env,
                                        absl::string_view game_id,
                                        absl::string_view leaderboard_id) {
  auto game = FindGame(env, game_id);
  if (!game.ok()) return game.status();
  absl::Status status = RequireNonEmpty("leaderboard_id", leaderboard_id);
  if (!status.ok()) return status;
  ResolvedBoard out;
  out.game = *game;
  out.board = out.game->FindBoard(leaderboard_id);
  if (out.board == nullptr) {
    std::vector<std::string> ids;
    for (const auto& b : out.game->boards) {
      ids.push_back(b.config.leaderboard_id());
    }
    return absl::NotFoundError(absl::StrCat(
        "leaderboard_id: unknown leaderboard '", ShownValue(leaderboard_id),
        "' in game '", ShownValue(game_id),
        "'; its leaderboards: ", absl::StrJoin(ids, ", ")));
  }
  out.ref.config = &out.board->config;
  out.ref.game_id = std::string(game_id);
  out.ref.board_id = std::string(leaderboard_id);
  return out;
}

absl::StatusOr<ResolvedBoard> ResolveBoard(const ServiceEnv& env,
                                           absl::string_view game_id,
                                           absl::string_view leaderboard_id,
                                           absl::string_view period) {
  auto found = FindBoard(env, game_id, leaderboard_id);
  if (!found.ok()) return found.status();
  ResolvedBoard out = *std::move(found);
  const v1::LeaderboardConfig& config = out.board->config;
  if (!HasPeriods(config)) {
    if (!period.empty() && period != keys::kAllTimePeriod) {
      return absl::InvalidArgumentError(
          absl::StrCat("period: leaderboard '", leaderboard_id,
                       "' has no periods; leave period empty, got '",
                       ShownValue(period), "'"));
    }
    out.ref.period = std::string(keys::kAllTimePeriod);
    return out;
  }
  absl::StatusOr<Period> resolved = period.empty()
                                        ? PeriodAt(config, env.now())
                                        : ParsePeriodId(config, period);
  if (!resolved.ok()) return resolved.status();
  out.ref.period = resolved->id;
  out.period_out = resolved->id;
  return out;
}

absl::StatusOr<std::vector<std::string>> StoredPeriods(
    RedisConnection* conn, absl::string_view game_id,
    const v1::LeaderboardConfig& board) {
  auto reply = conn->Command(
      {"ZRANGE", keys::BoardPeriods(game_id, board.leaderboard_id()), "0",
       "-1"});
  if (!reply.ok()) return reply.status();
  absl::Status status = CheckReply(*reply, "ZRANGE");
  if (!status.ok()) return status;
  std::vector<std::string> periods;
  absl::flat_hash_set<std::string> seen;
  if (!HasPeriods(board)) {
    periods.emplace_back(keys::kAllTimePeriod);
    seen.insert(std::string(keys::kAllTimePeriod));
  }
  for (const RedisReply& element : reply->elements) {
    if (seen.insert(element.str).second) periods.push_back(element.str);
  }
  return periods;
}

absl::StatusOr<std::vector<std::string>> UniquePlayerIds(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<std::string>& ids, int max_count) {
  if (ids.empty() || ids.size() > max_count) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must hold 1 to ", max_count, " player ids, got ",
                     ids.size()));
  }
  std::vector<std::string> out;
  absl::flat_hash_set<absl::string_view> seen;
  for (int i = 0; i < ids.size(); ++i) {
    if (ids[i].empty()) {
      return FieldError(absl::StrCat(field, "[", i, "]"), "must not be empty");
    }
    if (seen.insert(ids[i]).second) out.push_back(ids[i]);
  }
  return out;
}

}  // namespace server
}  // namespace statstracker
