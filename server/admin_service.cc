#include "server/admin_service.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/admission.h"
#include "common/event_validation.h"
#include "common/field_error.h"
#include "common/keys.h"
#include "common/logging.h"
#include "common/player_buckets.h"
#include "common/redis_script.h"
#include "common/stream_partitions.h"

namespace statstracker {
namespace server {
namespace {

// KEYS: board, bucket state, distinct, the player's history list. ARGV:
// player, record key prefix, member prefix bytes. Removes the player's
// ranking entry, record and history and keeps the dense boards'
// distinct-score index consistent (a score leaves it with its last entry).
// Returns 1 if an entry was removed.
constexpr char kEraseBody[] = R"lua(
local board, meta, distinct = KEYS[1], KEYS[2], KEYS[3]
local player, rec_prefix, plen = ARGV[1], ARGV[2], tonumber(ARGV[3])
redis.call('UNLINK', KEYS[4])
local st = redis.call('HMGET', meta, 'level', 'split')
local bucket = rec_prefix .. bucket_of(player, tonumber(st[1] or '0'),
                                       tonumber(st[2] or '0'))
local rec = redis.call('HGET', bucket, player)
if not rec then return 0 end
redis.call('HDEL', bucket, player)
local m = string.sub(rec, 1, plen) .. player
local s = redis.call('ZSCORE', board, m)
if not s then return 0 end
redis.call('ZREM', board, m)
if redis.call('ZCOUNT', board, s, s) == 0 then
  local d = redis.call('ZRANGEBYSCORE', distinct, s, s, 'LIMIT', 0, 1)[1]
  if d then redis.call('ZREM', distinct, d) end
end
return 1
)lua";

const RedisScript& EraseScript() {
  static const RedisScript* script =
      new RedisScript(absl::StrCat(kLuaPlayerBuckets, kEraseBody));
  return *script;
}

// KEYS: board, bucket state, distinct, periods index, history marker.
// ARGV: record key prefix, period id, history key prefix. Deletes every key
// of one board period, the record buckets included (as many as the bucket
// state says, read in the same atomic step so a concurrent split cannot
// leave one behind), and the period from the index. When the history marker
// says the period has history lists, each player's (players with history
// have a record) goes too: O(players) inside Redis, only on such boards.
// Returns the number of entries the board had.
constexpr char kResetScript[] = R"lua(
local board, meta, distinct, periods = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local marker = KEYS[5]
local n = redis.call('ZCARD', board)
local st = redis.call('HMGET', meta, 'level', 'split')
local buckets = 2 ^ tonumber(st[1] or '0') + tonumber(st[2] or '0')
local history = redis.call('EXISTS', marker) == 1
for b = 0, buckets - 1 do
  if history then
    for _, player in ipairs(redis.call('HKEYS', ARGV[1] .. b)) do
      redis.call('UNLINK', ARGV[3] .. player)
    end
  end
  redis.call('UNLINK', ARGV[1] .. b)
end
redis.call('UNLINK', board, meta, distinct, marker)
redis.call('ZREM', periods, ARGV[2])
return n
)lua";

const RedisScript& ResetScript() {
  static const RedisScript* script = new RedisScript(kResetScript);
  return *script;
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

template <class Request, class Response>
void AdminServiceImpl::Blocking(
    const CallInfo& call, const Request& request,
    absl::Status (AdminServiceImpl::*work)(const Request&, Response*),
    AnswerDone done) {
  absl::Status alive = CheckDeadline(call);
  if (!alive.ok()) return done(alive);
  env_->blocking->Run([this, request, work, done = std::move(done)] {
    Response response;
    absl::Status status = (this->*work)(request, &response);
    if (!status.ok()) return done(status);
    done(EncodeAnswer(response));
  });
}

void AdminServiceImpl::AnnounceChange(RedisConnection* conn,
                                      const std::string& game) {
  // This server stops serving the old answers at once; the others when the
  // message reaches them. A lost PUBLISH leaves them stale for at most the
  // cache's max_age (server/answer_cache.h).
  if (env_->cache != nullptr) env_->cache->Invalidate(game);
  auto published =
      conn->Command({"PUBLISH", std::string(keys::kChangesChannel), game});
  if (!published.ok() || published->is_error()) {
    Log(LogLevel::kWarning, "could not announce a change of game data",
        {{"game", game},
         {"error", published.ok()
                       ? published->str
                       : std::string(published.status().message())}});
  }
}

void AdminServiceImpl::PublishEvents(const CallInfo& call,
                                     const v1::PublishEventsRequest& request,
                                     AnswerDone done) {
  Blocking(call, request, &AdminServiceImpl::DoPublish, std::move(done));
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
  // The admission window is measured from now, as the worker measures an
  // entry from the time it entered the stream.
  const absl::Time received_at = absl::Now();
  // One transaction per stream partition (a game's events all go to its
  // partition, common/stream_partitions.h): a partition's events are
  // appended all or none; on a cluster the partitions are other slots.
  std::map<std::string, std::vector<int>> by_stream;
  for (int i = 0; i < request.events_size(); ++i) {
    const v1::GameEvent& event = request.events(i);
    absl::Status valid = ValidateEvent(event, *env_->catalog);
    if (valid.ok()) {
      const GameRuntime* game = env_->catalog->FindGame(event.game_id());
      if (auto refusal = CheckAdmission(game->admission, event.game_id(), event,
                                        received_at)) {
        valid = refusal->status;
      }
    }
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
    by_stream[StreamKeyForGame(stream, event.game_id())].push_back(i);
  }
  auto lease = env_->pool->Acquire();
  if (!lease.ok()) return lease.status();
  std::vector<std::string> ids(request.events_size());
  for (const auto& [key, indexes] : by_stream) {
    // No MAXLEN: the workers trim what every group acknowledged
    // (StreamConfig.max_length), so nothing unconsumed is dropped here.
    std::vector<std::vector<std::string>> commands;
    for (int i : indexes) {
      commands.push_back({"XADD", key, "*", stream.field(),
                          request.events(i).SerializeAsString()});
    }
    auto replies = Transaction(lease->get(), std::move(commands));
    if (!replies.ok()) return replies.status();
    for (size_t j = 0; j < indexes.size(); ++j) {
      ids[indexes[j]] = (*replies)[j].str;
    }
    absl::Status replicated = WaitForReplicas(lease->get(), key);
    if (!replicated.ok()) return replicated;
  }
  for (std::string& id : ids) response->add_stream_ids(std::move(id));
  return absl::OkStatus();
}

absl::Status AdminServiceImpl::WaitForReplicas(RedisConnection* conn,
                                               const std::string& key) const {
  const v1::RedisConfig& redis = env_->config->redis();
  if (redis.min_replicas_acked() == 0) return absl::OkStatus();
  const int64_t timeout_ms =
      std::max<int64_t>(1, redis.replica_ack_timeout().seconds() * 1000 +
                               redis.replica_ack_timeout().nanos() / 1000000);
  auto acked =
      conn->CommandFor(key, {"WAIT", absl::StrCat(redis.min_replicas_acked()),
                             absl::StrCat(timeout_ms)});
  if (!acked.ok()) return acked.status();
  if (acked->is_error() ||
      acked->integer < static_cast<int64_t>(redis.min_replicas_acked())) {
    // Appended, but not yet as durable as configured: the client may retry
    // (with a producer sequence the retry counts once).
    return absl::UnavailableError(absl::StrCat(
        "the events were appended but only ",
        acked->is_error() ? 0 : acked->integer, " replica(s) acknowledged them",
        " in time, ", redis.min_replicas_acked(),
        " required; retry (events with a producer sequence count once)"));
  }
  return absl::OkStatus();
}

void AdminServiceImpl::ResetLeaderboard(
    const CallInfo& call, const v1::ResetLeaderboardRequest& request,
    AnswerDone done) {
  Blocking(call, request, &AdminServiceImpl::DoReset, std::move(done));
}

absl::Status AdminServiceImpl::DoReset(
    const v1::ResetLeaderboardRequest& request,
    v1::ResetLeaderboardResponse* response) {
  if (request.all_periods() && !request.period().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("period: must be empty when all_periods is set, got '",
                     request.period(), "'"));
  }
  // Every period: the board alone, so a seasonal board can be cleared while
  // no season is current.
  auto board =
      request.all_periods()
          ? FindBoard(*env_, request.game_id(), request.leaderboard_id())
          : ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
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
  const std::string& game = request.game_id();
  const std::string& id = request.leaderboard_id();
  int64_t removed = 0;
  for (const std::string& period : periods) {
    auto reply = ResetScript().Run(
        lease->get(),
        {keys::Board(game, id, period), keys::BoardBuckets(game, id, period),
         keys::BoardDistinct(game, id, period), keys::BoardPeriods(game, id),
         keys::BoardHistoryMarker(game, id, period)},
        {keys::BoardRecordPrefix(game, id, period), period,
         keys::BoardHistoryPrefix(game, id, period)});
    if (!reply.ok()) return reply.status();
    removed += reply->integer;
  }
  AnnounceChange(lease->get(), game);
  response->set_removed_entries(removed);
  return absl::OkStatus();
}

void AdminServiceImpl::ErasePlayer(const CallInfo& call,
                                   const v1::ErasePlayerRequest& request,
                                   AnswerDone done) {
  Blocking(call, request, &AdminServiceImpl::DoErase, std::move(done));
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
      const std::string& id = board.config.leaderboard_id();
      auto reply = EraseScript().Run(
          lease->get(),
          {keys::Board(request.game_id(), id, period),
           keys::BoardBuckets(request.game_id(), id, period),
           keys::BoardDistinct(request.game_id(), id, period),
           keys::BoardHistory(request.game_id(), id, period,
                              request.player_id())},
          {request.player_id(),
           keys::BoardRecordPrefix(request.game_id(), id, period),
           absl::StrCat(keys::MemberPrefixBytes(board.config))});
      if (!reply.ok()) return reply.status();
      removed += reply->integer;
    }
  }
  auto del = lease.value()->Command(
      {"DEL", keys::PlayerStats(request.game_id(), request.player_id())});
  if (!del.ok()) return del.status();
  status = CheckReply(*del, "DEL");
  if (!status.ok()) return status;
  AnnounceChange(lease->get(), request.game_id());
  response->set_removed_entries(removed);
  response->set_removed_stats(del->integer > 0);
  return absl::OkStatus();
}

}  // namespace server
}  // namespace statstracker
