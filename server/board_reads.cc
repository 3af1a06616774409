#include "server/board_reads.h"

#include <memory>
#include <utility>

#include "absl/strings/match.h"

namespace statstracker {
namespace server {
namespace {

bool IsNoScript(const RedisReply& reply) {
  return reply.is_error() && absl::StartsWith(reply.str, "NOSCRIPT");
}

// The single reply of a one-command submission, or the failure.
absl::StatusOr<RedisReply> OnlyReply(
    absl::StatusOr<std::vector<RedisReply>> replies) {
  if (!replies.ok()) return replies.status();
  if (replies->size() != 1) {
    return absl::InternalError("redis: expected one reply");
  }
  return std::move(replies->front());
}

}  // namespace

void RunScriptAsync(RedisMux* mux, ScriptCall call, ReadDone<RedisReply> done) {
  std::vector<std::string> evalsha =
      call.script->EvalShaCommand(call.keys, call.args);
  auto shared = std::make_shared<ScriptCall>(std::move(call));
  mux->Submit({std::move(evalsha)}, /*idempotent=*/true,
              [mux, shared, done = std::move(done)](
                  absl::StatusOr<std::vector<RedisReply>> replies) mutable {
                auto reply = OnlyReply(std::move(replies));
                if (reply.ok() && IsNoScript(*reply)) {
                  mux->Submit(
                      {shared->script->EvalCommand(shared->keys, shared->args)},
                      /*idempotent=*/true,
                      [done = std::move(done)](
                          absl::StatusOr<std::vector<RedisReply>> again) {
                        auto reply = OnlyReply(std::move(again));
                        if (reply.ok()) {
                          absl::Status status = CheckReply(*reply, "script");
                          if (!status.ok()) reply = status;
                        }
                        done(std::move(reply));
                      });
                  return;
                }
                if (reply.ok()) {
                  absl::Status status = CheckReply(*reply, "script");
                  if (!status.ok()) reply = status;
                }
                done(std::move(reply));
              });
}

void ReadPage(RedisMux* mux, const BoardRef& board, int limit,
              const std::optional<PageCursor>& after,
              ReadDone<BoardPage> done) {
  RunScriptAsync(
      mux, PageCall(board, limit, after),
      [board, done = std::move(done)](absl::StatusOr<RedisReply> reply) {
        if (!reply.ok()) return done(reply.status());
        done(ParsePage(board, *reply));
      });
}

void ReadAround(RedisMux* mux, const BoardRef& board,
                absl::string_view player_id, int radius,
                ReadDone<AroundPlayer> done) {
  RunScriptAsync(
      mux, AroundCall(board, player_id, radius),
      [board, done = std::move(done)](absl::StatusOr<RedisReply> reply) {
        if (!reply.ok()) return done(reply.status());
        done(ParseAround(board, *reply));
      });
}

void ReadForPlayers(RedisMux* mux, const BoardRef& board,
                    std::vector<std::string> player_ids,
                    ReadDone<PlayersEntries> done) {
  ScriptCall call = ForPlayersCall(board, player_ids);
  RunScriptAsync(mux, std::move(call),
                 [board, ids = std::move(player_ids),
                  done = std::move(done)](absl::StatusOr<RedisReply> reply) {
                   if (!reply.ok()) return done(reply.status());
                   done(ParseForPlayers(board, ids, *reply));
                 });
}

void ReadCount(RedisMux* mux, const BoardRef& board, ReadDone<int64_t> done) {
  mux->Submit({CountCommand(board)}, /*idempotent=*/true,
              [done = std::move(done)](
                  absl::StatusOr<std::vector<RedisReply>> replies) {
                auto reply = OnlyReply(std::move(replies));
                if (!reply.ok()) return done(reply.status());
                done(ParseCount(*reply));
              });
}

}  // namespace server
}  // namespace statstracker
