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

// The script's reply, or its error reply as a status (CheckReply).
absl::StatusOr<RedisReply> ScriptResult(absl::StatusOr<RedisReply> reply) {
  if (!reply.ok()) return reply;
  absl::Status status = CheckReply(*reply, "script");
  if (!status.ok()) return status;
  return reply;
}

}  // namespace

void RunScriptAsync(RedisMux* mux, ScriptCall call, ReadDone<RedisReply> done) {
  std::vector<std::string> evalsha =
      call.script->EvalShaCommand(call.keys, call.args);
  auto shared = std::make_shared<ScriptCall>(std::move(call));
  mux->SubmitOne(
      std::move(evalsha), /*idempotent=*/true,
      [mux, shared,
       done = std::move(done)](absl::StatusOr<RedisReply> reply) mutable {
        if (reply.ok() && IsNoScript(*reply)) {
          mux->SubmitOne(
              shared->script->EvalCommand(shared->keys, shared->args),
              /*idempotent=*/true,
              [done = std::move(done)](absl::StatusOr<RedisReply> again) {
                done(ScriptResult(std::move(again)));
              });
          return;
        }
        done(ScriptResult(std::move(reply)));
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
  mux->SubmitOne(CountCommand(board), /*idempotent=*/true,
                 [done = std::move(done)](absl::StatusOr<RedisReply> reply) {
                   if (!reply.ok()) return done(reply.status());
                   done(ParseCount(*reply));
                 });
}

}  // namespace server
}  // namespace statstracker
