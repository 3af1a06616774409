#include "server/stats_service.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/field_error.h"
#include "common/keys.h"
#include "common/redis_script.h"

namespace statstracker {
namespace server {
namespace {

// Checks stat_names against the game's stats. INVALID_ARGUMENT naming the
// first unknown one and listing the valid names.
absl::Status CheckStatNames(
    const GameRuntime& game,
    const google::protobuf::RepeatedPtrField<std::string>& names) {
  for (int i = 0; i < names.size(); ++i) {
    bool known = false;
    for (const StatSpec& spec : game.stats) known |= spec.name == names[i];
    if (!known) {
      std::vector<std::string> valid;
      for (const StatSpec& spec : game.stats) valid.push_back(spec.name);
      return absl::InvalidArgumentError(absl::StrCat(
          "stat_names[", i, "]: unknown stat '", ShownValue(names[i]),
          "' in game '", game.config.game_id(),
          "'; its stats: ", absl::StrJoin(valid, ", ")));
    }
  }
  return absl::OkStatus();
}

// Builds one player's stats from an HGETALL reply: stored stats typed by
// their StatSpec (fields the config no longer defines are skipped), then the
// derived ones, then the stat_names filter.
void BuildStats(const GameRuntime& game, const RedisReply& hash,
                const google::protobuf::RepeatedPtrField<std::string>& names,
                v1::PlayerStats* out) {
  StatMap stats;
  for (size_t i = 0; i + 1 < hash.elements.size(); i += 2) {
    const std::string& field = hash.elements[i].str;
    const std::string& text = hash.elements[i + 1].str;
    for (const StatSpec& spec : game.stats) {
      if (spec.name != field || spec.derived) continue;
      v1::StatValue value;
      if (spec.type == StatSpec::Type::kInt) {
        int64_t v;
        double d;
        if (absl::SimpleAtoi(text, &v)) {
          value.set_int_value(v);
        } else if (absl::SimpleAtod(text, &d) && std::isfinite(d) &&
                   std::fabs(d) < 9.2e18) {  // a cast past int64 is UB
          value.set_int_value(static_cast<int64_t>(d));
        } else {
          break;
        }
      } else {
        double d;
        if (!absl::SimpleAtod(text, &d)) break;
        value.set_double_value(d);
      }
      stats[field] = value;
      break;
    }
  }
  for (const auto& handler : game.handlers) handler->Derive(&stats);
  absl::flat_hash_set<std::string> wanted(names.begin(), names.end());
  for (auto& [name, value] : stats) {
    if (!wanted.empty() && !wanted.contains(name)) continue;
    (*out->mutable_stats())[name] = value;
  }
}

}  // namespace

void PlayerStatsServiceImpl::GetPlayerStats(
    const CallInfo& call, const v1::GetPlayerStatsRequest& request,
    AnswerDone done) {
  absl::Status status = CheckDeadline(call);
  auto game = FindGame(*env_, request.game_id());
  if (status.ok()) status = game.status();
  if (status.ok()) status = RequireNonEmpty("player_id", request.player_id());
  if (status.ok()) status = CheckStatNames(**game, request.stat_names());
  if (!status.ok()) return done(status);
  env_->mux->SubmitOne(
      {"HGETALL", keys::PlayerStats(request.game_id(), request.player_id())},
      /*idempotent=*/true,
      [game = *game, request,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) {
        if (!reply.ok()) return done(reply.status());
        const RedisReply& hash = *reply;
        absl::Status checked = CheckReply(hash, "HGETALL");
        if (!checked.ok()) return done(checked);
        if (hash.elements.empty()) {
          return done(absl::NotFoundError(absl::StrCat(
              "player_id: player '", ShownValue(request.player_id()),
              "' has no stats in game '", request.game_id(), "'")));
        }
        v1::GetPlayerStatsResponse response;
        v1::PlayerStats* stats = response.mutable_stats();
        stats->set_player_id(request.player_id());
        BuildStats(*game, hash, request.stat_names(), stats);
        done(EncodeAnswer(response));
      });
}

void PlayerStatsServiceImpl::BatchGetPlayerStats(
    const CallInfo& call, const v1::BatchGetPlayerStatsRequest& request,
    AnswerDone done) {
  absl::Status status = CheckDeadline(call);
  auto game = FindGame(*env_, request.game_id());
  if (status.ok()) status = game.status();
  auto ids = UniquePlayerIds("player_ids", request.player_ids(), kMaxPlayers);
  if (status.ok()) status = ids.status();
  if (status.ok()) status = CheckStatNames(**game, request.stat_names());
  if (!status.ok()) return done(status);
  std::vector<std::vector<std::string>> commands;
  for (const std::string& id : *ids) {
    commands.push_back({"HGETALL", keys::PlayerStats(request.game_id(), id)});
  }
  env_->mux->Submit(
      std::move(commands), /*idempotent=*/true,
      [game = *game, ids = *std::move(ids), request, done = std::move(done)](
          absl::StatusOr<std::vector<RedisReply>> replies) {
        if (!replies.ok()) return done(replies.status());
        if (replies->size() != ids.size()) {
          return done(
              absl::InternalError("redis: a reply per player expected"));
        }
        v1::BatchGetPlayerStatsResponse response;
        for (size_t i = 0; i < ids.size(); ++i) {
          const RedisReply& hash = (*replies)[i];
          absl::Status checked = CheckReply(hash, "HGETALL");
          if (!checked.ok()) return done(checked);
          if (hash.elements.empty()) {
            response.add_missing_player_ids(ids[i]);
            continue;
          }
          v1::PlayerStats* stats = response.add_players();
          stats->set_player_id(ids[i]);
          BuildStats(*game, hash, request.stat_names(), stats);
        }
        done(EncodeAnswer(response));
      });
}

}  // namespace server
}  // namespace statstracker
