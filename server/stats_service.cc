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

absl::Status PlayerStatsServiceImpl::Begin(grpc::ServerContext* context) const {
  absl::Status status = CheckCallAlive(context);
  if (!status.ok()) return status;
  if (env_->config->server().require_api_key_for_queries()) {
    return env_->auth->Check(*context);
  }
  return absl::OkStatus();
}

grpc::Status PlayerStatsServiceImpl::GetPlayerStats(
    grpc::ServerContext* context, const v1::GetPlayerStatsRequest* request,
    v1::GetPlayerStatsResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoGet(*request, response);
  return ToGrpcStatus(status);
}

absl::Status PlayerStatsServiceImpl::DoGet(
    const v1::GetPlayerStatsRequest& request,
    v1::GetPlayerStatsResponse* response) {
  auto game = FindGame(*env_, request.game_id());
  if (!game.ok()) return game.status();
  absl::Status status = RequireNonEmpty("player_id", request.player_id());
  if (!status.ok()) return status;
  status = CheckStatNames(**game, request.stat_names());
  if (!status.ok()) return status;
  auto reply = env_->pool->Run(
      true, [&](RedisConnection* conn) -> absl::StatusOr<RedisReply> {
        auto r =
            conn->Command({"HGETALL", keys::PlayerStats(request.game_id(),
                                                        request.player_id())});
        if (!r.ok()) return r.status();
        absl::Status s = CheckReply(*r, "HGETALL");
        if (!s.ok()) return s;
        return r;
      });
  if (!reply.ok()) return reply.status();
  if (reply->elements.empty()) {
    return absl::NotFoundError(
        absl::StrCat("player_id: player '", ShownValue(request.player_id()),
                     "' has no stats in game '", request.game_id(), "'"));
  }
  v1::PlayerStats* stats = response->mutable_stats();
  stats->set_player_id(request.player_id());
  BuildStats(**game, *reply, request.stat_names(), stats);
  return absl::OkStatus();
}

grpc::Status PlayerStatsServiceImpl::BatchGetPlayerStats(
    grpc::ServerContext* context, const v1::BatchGetPlayerStatsRequest* request,
    v1::BatchGetPlayerStatsResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoBatch(*request, response);
  return ToGrpcStatus(status);
}

absl::Status PlayerStatsServiceImpl::DoBatch(
    const v1::BatchGetPlayerStatsRequest& request,
    v1::BatchGetPlayerStatsResponse* response) {
  auto game = FindGame(*env_, request.game_id());
  if (!game.ok()) return game.status();
  auto ids = UniquePlayerIds("player_ids", request.player_ids(), kMaxPlayers);
  if (!ids.ok()) return ids.status();
  absl::Status status = CheckStatNames(**game, request.stat_names());
  if (!status.ok()) return status;
  std::vector<std::vector<std::string>> commands;
  for (const std::string& id : *ids) {
    commands.push_back({"HGETALL", keys::PlayerStats(request.game_id(), id)});
  }
  // One pipelined round trip for every player.
  auto replies = env_->pool->Run(
      true,
      [&](RedisConnection* conn) -> absl::StatusOr<std::vector<RedisReply>> {
        auto r = conn->Pipeline(commands);
        if (!r.ok()) return r.status();
        for (const RedisReply& reply : *r) {
          absl::Status s = CheckReply(reply, "HGETALL");
          if (!s.ok()) return s;
        }
        return r;
      });
  if (!replies.ok()) return replies.status();
  for (size_t i = 0; i < ids->size(); ++i) {
    const RedisReply& hash = (*replies)[i];
    if (hash.elements.empty()) {
      response->add_missing_player_ids((*ids)[i]);
      continue;
    }
    v1::PlayerStats* stats = response->add_players();
    stats->set_player_id((*ids)[i]);
    BuildStats(**game, hash, request.stat_names(), stats);
  }
  return absl::OkStatus();
}

}  // namespace server
}  // namespace statstracker
