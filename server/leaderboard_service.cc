#include "server/leaderboard_service.h"

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/field_error.h"
#include "common/history_point.h"
#include "common/periods.h"
#include "server/board_reads.h"
#include "server/checked_service.h"
#include "server/error_status.h"
#include "server/page_token.h"
#include "server/player_history.h"
#include "server/watch_stream.h"

namespace statstracker {
namespace server {
namespace {

// Scope fingerprinted into page tokens: a token only continues the board
// period it came from.
std::string TokenScope(const BoardRef& ref) {
  return absl::StrCat(ref.game_id, "/", ref.board_id, "/", ref.period);
}

absl::Status NoEntry(absl::string_view player_id, const ResolvedBoard& board) {
  return absl::NotFoundError(
      absl::StrCat("player_id: player '", ShownValue(player_id),
                   "' has no entry on leaderboard '", board.ref.board_id, "'",
                   board.period_out.empty()
                       ? ""
                       : absl::StrCat(" in period '", board.period_out, "'")));
}

absl::StatusOr<int> CheckRange(absl::string_view field, int value, int min,
                               int max, int default_value) {
  if (value == 0) return default_value;
  if (value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be ", min, " to ", max, " (0 means ",
                     default_value, "), got ", value));
  }
  return value;
}

// A cache key: the query's name, the resolved board period and the query's
// parameters, each length-prefixed so no two parameter lists collide.
std::string CacheKey(absl::string_view query, const BoardRef& ref,
                     std::initializer_list<absl::string_view> params) {
  std::string key(query);
  for (absl::string_view part :
       {absl::string_view(ref.board_id), absl::string_view(ref.period)}) {
    absl::StrAppend(&key, "|", part.size(), ":", part);
  }
  for (absl::string_view part : params) {
    absl::StrAppend(&key, "|", part.size(), ":", part);
  }
  return key;
}

// Calls `done` with `status` when it is not OK; true if it did.
bool Failed(const absl::Status& status, const AnswerDone& done) {
  if (status.ok()) return false;
  done(status);
  return true;
}

}  // namespace

void LeaderboardServiceImpl::ListLeaderboards(
    const CallInfo& call, const v1::ListLeaderboardsRequest& request,
    const AnswerDone& done) {
  if (Failed(CheckDeadline(call), done)) return;
  auto game = FindGame(*env_, request.game_id());
  if (Failed(game.status(), done)) return;
  v1::ListLeaderboardsResponse response;
  absl::Time now = env_->now();
  for (const BoardRuntime& board : (*game)->boards) {
    v1::LeaderboardInfo* info = response.add_leaderboards();
    *info->mutable_config() = board.config;
    if (HasPeriods(board.config)) {
      // Between two seasons no period is current; leave it empty.
      auto period = PeriodAt(board.config, now);
      if (period.ok()) info->set_current_period(period->id);
    }
  }
  done(EncodeAnswer(response));
}

void LeaderboardServiceImpl::ListEntries(const CallInfo& call,
                                         const v1::ListEntriesRequest& request,
                                         AnswerDone done) {
  if (Failed(CheckDeadline(call), done)) return;
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (Failed(board.status(), done)) return;
  auto page_size = CheckRange("page_size", request.page_size(), 1, kMaxPageSize,
                              kDefaultPageSize);
  if (Failed(page_size.status(), done)) return;
  std::optional<PageCursor> after;
  if (!request.page_token().empty()) {
    auto cursor = DecodePageToken(request.page_token(), TokenScope(board->ref));
    if (Failed(cursor.status(), done)) return;
    after = *std::move(cursor);
  }
  RedisMux* mux = env_->mux;
  const int size = *page_size;
  std::string key = CacheKey("entries", board->ref,
                             {absl::StrCat(size), request.page_token()});
  FetchAnswer(
      *env_, board->ref.game_id, std::move(key),
      [mux, resolved = *board, size, after](const AnswerDone& loaded) {
        ReadPage(mux, resolved.ref, size, after,
                 [resolved, loaded](absl::StatusOr<BoardPage> page) {
                   if (Failed(page.status(), loaded)) return;
                   v1::ListEntriesResponse response;
                   for (auto& entry : page->entries) {
                     *response.add_entries() = std::move(entry);
                   }
                   if (page->next.has_value()) {
                     response.set_next_page_token(EncodePageToken(
                         *page->next, TokenScope(resolved.ref)));
                   }
                   response.set_period(resolved.period_out);
                   loaded(EncodeAnswer(response));
                 });
      },
      std::move(done));
}

void LeaderboardServiceImpl::GetPlayerRank(
    const CallInfo& call, const v1::GetPlayerRankRequest& request,
    AnswerDone done) {
  if (Failed(CheckDeadline(call), done)) return;
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (Failed(board.status(), done)) return;
  if (Failed(RequireNonEmpty("player_id", request.player_id()), done)) return;
  RedisMux* mux = env_->mux;
  FetchAnswer(
      *env_, board->ref.game_id,
      CacheKey("rank", board->ref, {request.player_id()}),
      [mux, resolved = *board,
       player = request.player_id()](const AnswerDone& loaded) {
        ReadAround(
            mux, resolved.ref, player, 0,
            [resolved, player, loaded](absl::StatusOr<AroundPlayer> around) {
              if (Failed(around.status(), loaded)) return;
              if (!around->player.has_value()) {
                loaded(NoEntry(player, resolved));
                return;
              }
              v1::GetPlayerRankResponse response;
              *response.mutable_entry() = *std::move(around->player);
              response.set_total_count(around->total);
              response.set_period(resolved.period_out);
              loaded(EncodeAnswer(response));
            });
      },
      std::move(done));
}

void LeaderboardServiceImpl::ListEntriesAroundPlayer(
    const CallInfo& call, const v1::ListEntriesAroundPlayerRequest& request,
    AnswerDone done) {
  if (Failed(CheckDeadline(call), done)) return;
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (Failed(board.status(), done)) return;
  if (Failed(RequireNonEmpty("player_id", request.player_id()), done)) return;
  auto radius =
      CheckRange("radius", request.radius(), 1, kMaxRadius, kDefaultRadius);
  if (Failed(radius.status(), done)) return;
  RedisMux* mux = env_->mux;
  const int r = *radius;
  FetchAnswer(
      *env_, board->ref.game_id,
      CacheKey("around", board->ref, {request.player_id(), absl::StrCat(r)}),
      [mux, resolved = *board, player = request.player_id(),
       r](const AnswerDone& loaded) {
        ReadAround(
            mux, resolved.ref, player, r,
            [resolved, player, loaded](absl::StatusOr<AroundPlayer> around) {
              if (Failed(around.status(), loaded)) return;
              if (!around->player.has_value()) {
                loaded(NoEntry(player, resolved));
                return;
              }
              v1::ListEntriesAroundPlayerResponse response;
              for (auto& entry : around->entries) {
                *response.add_entries() = std::move(entry);
              }
              response.set_period(resolved.period_out);
              loaded(EncodeAnswer(response));
            });
      },
      std::move(done));
}

void LeaderboardServiceImpl::ListEntriesForPlayers(
    const CallInfo& call, const v1::ListEntriesForPlayersRequest& request,
    AnswerDone done) {
  if (Failed(CheckDeadline(call), done)) return;
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (Failed(board.status(), done)) return;
  auto ids = UniquePlayerIds("player_ids", request.player_ids(), kMaxPlayers);
  if (Failed(ids.status(), done)) return;
  // Lists of players vary too much to be worth caching.
  ReadForPlayers(env_->mux, board->ref, *std::move(ids),
                 [resolved = *board, done = std::move(done)](
                     absl::StatusOr<PlayersEntries> found) {
                   if (Failed(found.status(), done)) return;
                   v1::ListEntriesForPlayersResponse response;
                   for (auto& entry : found->entries) {
                     *response.add_entries() = std::move(entry);
                   }
                   for (auto& id : found->missing) {
                     response.add_missing_player_ids(id);
                   }
                   response.set_period(resolved.period_out);
                   done(EncodeAnswer(response));
                 });
}

void LeaderboardServiceImpl::CountEntries(
    const CallInfo& call, const v1::CountEntriesRequest& request,
    AnswerDone done) {
  if (Failed(CheckDeadline(call), done)) return;
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (Failed(board.status(), done)) return;
  RedisMux* mux = env_->mux;
  FetchAnswer(
      *env_, board->ref.game_id, CacheKey("count", board->ref, {}),
      [mux, resolved = *board](const AnswerDone& loaded) {
        ReadCount(mux, resolved.ref,
                  [resolved, loaded](absl::StatusOr<int64_t> count) {
                    if (Failed(count.status(), loaded)) return;
                    v1::CountEntriesResponse response;
                    response.set_count(*count);
                    response.set_period(resolved.period_out);
                    loaded(EncodeAnswer(response));
                  });
      },
      std::move(done));
}

void LeaderboardServiceImpl::GetPlayerHistory(
    const CallInfo& call, const v1::GetPlayerHistoryRequest& request,
    AnswerDone done) {
  if (Failed(CheckDeadline(call), done)) return;
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (Failed(board.status(), done)) return;
  if (Failed(RequireNonEmpty("player_id", request.player_id()), done)) return;
  const int kept =
      static_cast<int>(board->board->config.history().max_points());
  if (kept <= 0) {
    done(absl::FailedPreconditionError(absl::StrCat(
        "leaderboard_id: leaderboard '", board->ref.board_id,
        "' keeps no history; its config needs history { max_points: N } "
        "(LeaderboardConfig.history)")));
    return;
  }
  auto max_points = CheckRange("max_points", request.max_points(), 1,
                               static_cast<int>(kMaxHistoryPoints), kept);
  if (Failed(max_points.status(), done)) return;
  const int points_wanted = std::min(*max_points, kept);
  env_->mux->SubmitOne(
      HistoryCommand(board->ref, request.player_id(), points_wanted),
      /*idempotent=*/true,
      [resolved = *board, player = request.player_id(),
       done = std::move(done)](absl::StatusOr<RedisReply> reply) {
        if (Failed(reply.status(), done)) return;
        auto points = ParseHistory(resolved.ref, player, *reply);
        if (Failed(points.status(), done)) return;
        if (points->empty()) {
          done(absl::NotFoundError(absl::StrCat(
              "player_id: player '", ShownValue(player),
              "' has no history on leaderboard '", resolved.ref.board_id, "'",
              resolved.period_out.empty()
                  ? ""
                  : absl::StrCat(" in period '", resolved.period_out, "'"))));
          return;
        }
        v1::GetPlayerHistoryResponse response;
        for (auto& point : *points) *response.add_points() = std::move(point);
        response.set_period(resolved.period_out);
        done(EncodeAnswer(response));
      });
}

grpc::ServerWriteReactor<grpc::ByteBuffer>*
LeaderboardServiceImpl::WatchLeaderboard(
    grpc::CallbackServerContext* /*context*/, const CallInfo& call,
    const v1::WatchLeaderboardRequest& request) {
  // Validate once up front so a bad request fails before the stream starts.
  absl::Status status = CheckDeadline(call);
  if (status.ok()) {
    status = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                          request.period())
                 .status();
  }
  auto top_n = CheckRange("top_n", request.top_n(), 1, kMaxTopN, kDefaultTopN);
  if (status.ok()) status = top_n.status();
  if (!status.ok()) return FinishedStream(ToGrpcStatus(status));
  auto* stream = new WatchStream(env_, request, *top_n);
  stream->Start();
  return stream;
}

}  // namespace server
}  // namespace statstracker
