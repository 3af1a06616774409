#include "server/admin_service.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/event_validation.h"
#include "common/field_error.h"
#include "common/keys.h"
#include "server/redis_script.h"

namespace statstracker {
namespace server {
namespace {

// KEYS: board, members, state, distinct, dcount. ARGV: player.
// Removes the player's entry and scorer state and keeps the distinct-score
// index consistent. The dcount field is looked up through the distinct ZSET
// (whose score is the stored score) rather than re-formatted here, so it
// matches whatever text the worker wrote. Returns 1 if an entry was removed.
constexpr char kEraseScript[] = R"lua(
local board, members, state, distinct, dcount = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local m = redis.call('HGET', members, ARGV[1])
redis.call('HDEL', state, ARGV[1])
if not m then return 0 end
redis.call('HDEL', members, ARGV[1])
local s = redis.call('ZSCORE', board, m)
if not s then return 0 end
redis.call('ZREM', board, m)
local d = redis.call('ZRANGEBYSCORE', distinct, s, s, 'LIMIT', 0, 1)[1]
if d then
  local left = redis.call('HINCRBY', dcount, d, -1)
  if left <= 0 then
    redis.call('HDEL', dcount, d)
    redis.call('ZREM', distinct, d)
  end
end
return 1
)lua";

const RedisScript& EraseScript() {
  static const RedisScript* script = new RedisScript(kEraseScript);
  return *script;
}

std::vector<std::string> BoardKeys(absl::string_view game,
                                   absl::string_view board,
                                   absl::string_view period) {
  return {keys::Board(game, board, period),
          keys::BoardMembers(game, board, period),
          keys::BoardState(game, board, period),
          keys::BoardDistinct(game, board, period),
          keys::BoardDistinctCount(game, board, period)};
}

// Runs commands inside MULTI/EXEC in one round trip; returns EXEC's replies.
absl::StatusOr<std::vector<RedisReply>> Transaction(
    RedisConnection* conn, std::vector<std::vector<std::string>> commands) {
  commands.insert(commands.begin(), {"MULTI"});
  commands.push_back({"EXEC"});
  auto replies = conn->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  for (const RedisReply& reply : *replies) {
    absl::Status status = CheckReply(reply, "MULTI/EXEC");
    if (!status.ok()) return status;
  }
  RedisReply& exec = replies->back();
  if (exec.type != RedisReply::Type::kArray ||
      exec.elements.size() != commands.size() - 2) {
    return absl::InternalError(
        absl::StrCat("unexpected EXEC reply: ", exec.DebugString()));
  }
  for (const RedisReply& reply : exec.elements) {
    absl::Status status = CheckReply(reply, "EXEC");
    if (!status.ok()) return status;
  }
  return std::move(exec.elements);
}

}  // namespace

absl::Status AdminServiceImpl::Begin(grpc::ServerContext* context) const {
  absl::Status status = CheckCallAlive(context);
  if (!status.ok()) return status;
  return env_->auth->Check(*context);
}

grpc::Status AdminServiceImpl::PublishEvents(
    grpc::ServerContext* context, const v1::PublishEventsRequest* request,
    v1::PublishEventsResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoPublish(*request, response);
  return ToGrpcStatus(status);
}

absl::Status AdminServiceImpl::DoPublish(
    const v1::PublishEventsRequest& request,
    v1::PublishEventsResponse* response) {
  if (request.events().empty() || request.events_size() > kMaxEvents) {
    return absl::InvalidArgumentError(absl::StrCat("events: must hold 1 to ",
                                                   kMaxEvents, " events, got ",
                                                   request.events_size()));
  }
  const v1::StreamConfig& stream = env_->config->stream();
  std::vector<std::vector<std::string>> commands;
  commands.reserve(request.events_size());
  for (int i = 0; i < request.events_size(); ++i) {
    const v1::GameEvent& event = request.events(i);
    absl::Status valid = ValidateEvent(event, *env_->catalog);
    if (!valid.ok()) {
      // The whole batch is refused, so report it as a bad argument whatever
      // the check's own code (an unknown game is NOT_FOUND there).
      const absl::Status invalid =
          absl::IsInvalidArgument(valid)
              ? valid
              : absl::InvalidArgumentError(valid.message());
      return PrefixField(
          invalid, absl::StrCat("events[", i, "]"),
          absl::StrCat("(event_id '", ShownValue(event.event_id()), "')"));
    }
    std::vector<std::string> xadd = {"XADD", stream.key()};
    if (stream.max_length() > 0) {
      xadd.insert(xadd.end(),
                  {"MAXLEN", "~", absl::StrCat(stream.max_length())});
    }
    xadd.insert(xadd.end(), {"*", stream.field(), event.SerializeAsString()});
    commands.push_back(std::move(xadd));
  }
  auto lease = env_->pool->Acquire();
  if (!lease.ok()) return lease.status();
  auto replies = Transaction(lease->get(), std::move(commands));
  if (!replies.ok()) return replies.status();
  for (const RedisReply& id : *replies) response->add_stream_ids(id.str);
  return absl::OkStatus();
}

grpc::Status AdminServiceImpl::ResetLeaderboard(
    grpc::ServerContext* context, const v1::ResetLeaderboardRequest* request,
    v1::ResetLeaderboardResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoReset(*request, response);
  return ToGrpcStatus(status);
}

absl::Status AdminServiceImpl::DoReset(
    const v1::ResetLeaderboardRequest& request,
    v1::ResetLeaderboardResponse* response) {
  if (request.all_periods() && !request.period().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("period: must be empty when all_periods is set, got '",
                     request.period(), "'"));
  }
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (!board.ok()) return board.status();
  auto lease = env_->pool->Acquire();
  if (!lease.ok()) return lease.status();
  std::vector<std::string> periods = {board->ref.period};
  if (request.all_periods()) {
    auto stored =
        StoredPeriods(lease->get(), request.game_id(), board->board->config);
    if (!stored.ok()) return stored.status();
    periods = *std::move(stored);
  }
  std::vector<std::vector<std::string>> commands;
  const std::string periods_key =
      keys::BoardPeriods(request.game_id(), request.leaderboard_id());
  for (const std::string& period : periods) {
    std::vector<std::string> board_keys =
        BoardKeys(request.game_id(), request.leaderboard_id(), period);
    commands.push_back({"ZCARD", board_keys[0]});
    std::vector<std::string> del = {"DEL"};
    del.insert(del.end(), board_keys.begin(), board_keys.end());
    commands.push_back(std::move(del));
    commands.push_back({"ZREM", periods_key, period});
  }
  auto replies = Transaction(lease->get(), std::move(commands));
  if (!replies.ok()) return replies.status();
  int64_t removed = 0;
  for (size_t i = 0; i < replies->size(); i += 3) {
    removed += (*replies)[i].integer;
  }
  response->set_removed_entries(removed);
  return absl::OkStatus();
}

grpc::Status AdminServiceImpl::ErasePlayer(
    grpc::ServerContext* context, const v1::ErasePlayerRequest* request,
    v1::ErasePlayerResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoErase(*request, response);
  return ToGrpcStatus(status);
}

absl::Status AdminServiceImpl::DoErase(const v1::ErasePlayerRequest& request,
                                       v1::ErasePlayerResponse* response) {
  auto game = FindGame(*env_, request.game_id());
  if (!game.ok()) return game.status();
  absl::Status status = RequireNonEmpty("player_id", request.player_id());
  if (!status.ok()) return status;
  auto lease = env_->pool->Acquire();
  if (!lease.ok()) return lease.status();
  int64_t removed = 0;
  for (const BoardRuntime& board : (*game)->boards) {
    auto periods = StoredPeriods(lease->get(), request.game_id(), board.config);
    if (!periods.ok()) return periods.status();
    for (const std::string& period : *periods) {
      auto reply = EraseScript().Run(
          lease->get(),
          BoardKeys(request.game_id(), board.config.leaderboard_id(), period),
          {request.player_id()});
      if (!reply.ok()) return reply.status();
      removed += reply->integer;
    }
  }
  auto del = lease.value()->Command(
      {"DEL", keys::PlayerStats(request.game_id(), request.player_id())});
  if (!del.ok()) return del.status();
  status = CheckReply(*del, "DEL");
  if (!status.ok()) return status;
  response->set_removed_entries(removed);
  response->set_removed_stats(del->integer > 0);
  return absl::OkStatus();
}

}  // namespace server
}  // namespace statstracker
