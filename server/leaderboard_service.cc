#include "server/leaderboard_service.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/field_error.h"
#include "common/history_point.h"
#include "common/periods.h"
#include "google/protobuf/util/time_util.h"
#include "server/page_token.h"
#include "server/player_history.h"

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

absl::Duration WatchInterval(const v1::StatsTrackerConfig& config) {
  const auto& d = config.server().watch_min_interval();
  absl::Duration interval =
      absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  return interval > absl::ZeroDuration() ? interval : absl::Milliseconds(500);
}

}  // namespace

absl::Status LeaderboardServiceImpl::Begin(grpc::ServerContext* context) const {
  absl::Status status = CheckCallAlive(context);
  if (!status.ok()) return status;
  if (env_->config->server().require_api_key_for_queries()) {
    return env_->auth->Check(*context);
  }
  return absl::OkStatus();
}

grpc::Status LeaderboardServiceImpl::ListLeaderboards(
    grpc::ServerContext* context, const v1::ListLeaderboardsRequest* request,
    v1::ListLeaderboardsResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoListLeaderboards(*request, response);
  return ToGrpcStatus(status);
}

absl::Status LeaderboardServiceImpl::DoListLeaderboards(
    const v1::ListLeaderboardsRequest& request,
    v1::ListLeaderboardsResponse* response) {
  auto game = FindGame(*env_, request.game_id());
  if (!game.ok()) return game.status();
  absl::Time now = env_->now();
  for (const BoardRuntime& board : (*game)->boards) {
    v1::LeaderboardInfo* info = response->add_leaderboards();
    *info->mutable_config() = board.config;
    if (HasPeriods(board.config)) {
      // Between two seasons no period is current; leave it empty.
      auto period = PeriodAt(board.config, now);
      if (period.ok()) info->set_current_period(period->id);
    }
  }
  return absl::OkStatus();
}

grpc::Status LeaderboardServiceImpl::ListEntries(
    grpc::ServerContext* context, const v1::ListEntriesRequest* request,
    v1::ListEntriesResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoListEntries(*request, response);
  return ToGrpcStatus(status);
}

absl::Status LeaderboardServiceImpl::DoListEntries(
    const v1::ListEntriesRequest& request, v1::ListEntriesResponse* response) {
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (!board.ok()) return board.status();
  auto page_size = CheckRange("page_size", request.page_size(), 1, kMaxPageSize,
                              kDefaultPageSize);
  if (!page_size.ok()) return page_size.status();
  std::optional<PageCursor> after;
  if (!request.page_token().empty()) {
    auto cursor = DecodePageToken(request.page_token(), TokenScope(board->ref));
    if (!cursor.ok()) return cursor.status();
    after = *std::move(cursor);
  }
  auto page = env_->pool->Run(true, [&](RedisConnection* conn) {
    return ListPage(conn, board->ref, *page_size, after);
  });
  if (!page.ok()) return page.status();
  for (auto& entry : page->entries) *response->add_entries() = std::move(entry);
  if (page->next.has_value()) {
    response->set_next_page_token(
        EncodePageToken(*page->next, TokenScope(board->ref)));
  }
  response->set_period(board->period_out);
  return absl::OkStatus();
}

grpc::Status LeaderboardServiceImpl::GetPlayerRank(
    grpc::ServerContext* context, const v1::GetPlayerRankRequest* request,
    v1::GetPlayerRankResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoGetPlayerRank(*request, response);
  return ToGrpcStatus(status);
}

absl::Status LeaderboardServiceImpl::DoGetPlayerRank(
    const v1::GetPlayerRankRequest& request,
    v1::GetPlayerRankResponse* response) {
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (!board.ok()) return board.status();
  absl::Status status = RequireNonEmpty("player_id", request.player_id());
  if (!status.ok()) return status;
  auto around = env_->pool->Run(true, [&](RedisConnection* conn) {
    return ListAroundPlayer(conn, board->ref, request.player_id(), 0);
  });
  if (!around.ok()) return around.status();
  if (!around->player.has_value()) return NoEntry(request.player_id(), *board);
  *response->mutable_entry() = *std::move(around->player);
  response->set_total_count(around->total);
  response->set_period(board->period_out);
  return absl::OkStatus();
}

grpc::Status LeaderboardServiceImpl::ListEntriesAroundPlayer(
    grpc::ServerContext* context,
    const v1::ListEntriesAroundPlayerRequest* request,
    v1::ListEntriesAroundPlayerResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoAround(*request, response);
  return ToGrpcStatus(status);
}

absl::Status LeaderboardServiceImpl::DoAround(
    const v1::ListEntriesAroundPlayerRequest& request,
    v1::ListEntriesAroundPlayerResponse* response) {
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (!board.ok()) return board.status();
  absl::Status status = RequireNonEmpty("player_id", request.player_id());
  if (!status.ok()) return status;
  auto radius =
      CheckRange("radius", request.radius(), 1, kMaxRadius, kDefaultRadius);
  if (!radius.ok()) return radius.status();
  auto around = env_->pool->Run(true, [&](RedisConnection* conn) {
    return ListAroundPlayer(conn, board->ref, request.player_id(), *radius);
  });
  if (!around.ok()) return around.status();
  if (!around->player.has_value()) return NoEntry(request.player_id(), *board);
  for (auto& entry : around->entries) {
    *response->add_entries() = std::move(entry);
  }
  response->set_period(board->period_out);
  return absl::OkStatus();
}

grpc::Status LeaderboardServiceImpl::ListEntriesForPlayers(
    grpc::ServerContext* context,
    const v1::ListEntriesForPlayersRequest* request,
    v1::ListEntriesForPlayersResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoForPlayers(*request, response);
  return ToGrpcStatus(status);
}

absl::Status LeaderboardServiceImpl::DoForPlayers(
    const v1::ListEntriesForPlayersRequest& request,
    v1::ListEntriesForPlayersResponse* response) {
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (!board.ok()) return board.status();
  auto ids = UniquePlayerIds("player_ids", request.player_ids(), kMaxPlayers);
  if (!ids.ok()) return ids.status();
  auto found = env_->pool->Run(true, [&](RedisConnection* conn) {
    return ListForPlayers(conn, board->ref, *ids);
  });
  if (!found.ok()) return found.status();
  for (auto& entry : found->entries)
    *response->add_entries() = std::move(entry);
  for (auto& id : found->missing) response->add_missing_player_ids(id);
  response->set_period(board->period_out);
  return absl::OkStatus();
}

grpc::Status LeaderboardServiceImpl::CountEntries(
    grpc::ServerContext* context, const v1::CountEntriesRequest* request,
    v1::CountEntriesResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoCount(*request, response);
  return ToGrpcStatus(status);
}

absl::Status LeaderboardServiceImpl::DoCount(
    const v1::CountEntriesRequest& request,
    v1::CountEntriesResponse* response) {
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (!board.ok()) return board.status();
  auto count = env_->pool->Run(true, [&](RedisConnection* conn) {
    return server::CountEntries(conn, board->ref);
  });
  if (!count.ok()) return count.status();
  response->set_count(*count);
  response->set_period(board->period_out);
  return absl::OkStatus();
}

grpc::Status LeaderboardServiceImpl::GetPlayerHistory(
    grpc::ServerContext* context, const v1::GetPlayerHistoryRequest* request,
    v1::GetPlayerHistoryResponse* response) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoHistory(*request, response);
  return ToGrpcStatus(status);
}

absl::Status LeaderboardServiceImpl::DoHistory(
    const v1::GetPlayerHistoryRequest& request,
    v1::GetPlayerHistoryResponse* response) {
  auto board = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (!board.ok()) return board.status();
  absl::Status status = RequireNonEmpty("player_id", request.player_id());
  if (!status.ok()) return status;
  const int kept =
      static_cast<int>(board->board->config.history().max_points());
  if (kept <= 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "leaderboard_id: leaderboard '", board->ref.board_id,
        "' keeps no history; its config needs history { max_points: N } "
        "(LeaderboardConfig.history)"));
  }
  auto max_points = CheckRange("max_points", request.max_points(), 1,
                               static_cast<int>(kMaxHistoryPoints), kept);
  if (!max_points.ok()) return max_points.status();
  auto points = env_->pool->Run(true, [&](RedisConnection* conn) {
    return ReadPlayerHistory(conn, board->ref, request.player_id(),
                             std::min(*max_points, kept));
  });
  if (!points.ok()) return points.status();
  if (points->empty()) {
    return absl::NotFoundError(absl::StrCat(
        "player_id: player '", request.player_id(),
        "' has no history on leaderboard '", board->ref.board_id, "'",
        board->period_out.empty()
            ? ""
            : absl::StrCat(" in period '", board->period_out, "'")));
  }
  for (auto& point : *points) *response->add_points() = std::move(point);
  response->set_period(board->period_out);
  return absl::OkStatus();
}

grpc::Status LeaderboardServiceImpl::WatchLeaderboard(
    grpc::ServerContext* context, const v1::WatchLeaderboardRequest* request,
    grpc::ServerWriter<v1::WatchLeaderboardResponse>* writer) {
  return Watch(context, *request,
               [writer](const v1::WatchLeaderboardResponse& update) {
                 return writer->Write(update);
               });
}

grpc::Status LeaderboardServiceImpl::Watch(
    grpc::ServerContext* context, const v1::WatchLeaderboardRequest& request,
    const WatchWriter& write) {
  absl::Status status = Begin(context);
  if (status.ok()) status = DoWatch(context, request, write);
  return ToGrpcStatus(status);
}

absl::Status LeaderboardServiceImpl::DoWatch(
    grpc::ServerContext* context, const v1::WatchLeaderboardRequest& request,
    const WatchWriter& write) {
  // Validate once up front so a bad request fails before the stream starts.
  auto first = ResolveBoard(*env_, request.game_id(), request.leaderboard_id(),
                            request.period());
  if (!first.ok()) return first.status();
  auto top_n = CheckRange("top_n", request.top_n(), 1, kMaxTopN, kDefaultTopN);
  if (!top_n.ok()) return top_n.status();
  const absl::Duration interval = WatchInterval(*env_->config);
  std::string last_sent;
  bool sent_any = false;
  while (true) {
    if (context->IsCancelled() ||
        (env_->shutting_down != nullptr && env_->shutting_down->load())) {
      return absl::OkStatus();
    }
    absl::Status alive = CheckCallAlive(context);
    if (!alive.ok()) return alive;
    // Re-resolve each time: with an empty period the board follows
    // rollovers to the new current period.
    auto board = ResolveBoard(*env_, request.game_id(),
                              request.leaderboard_id(), request.period());
    if (!board.ok()) return board.status();
    v1::WatchLeaderboardResponse update;
    absl::Status polled =
        env_->pool->Run(true, [&](RedisConnection* conn) -> absl::Status {
          auto page = ListPage(conn, board->ref, *top_n, std::nullopt);
          if (!page.ok()) return page.status();
          for (auto& entry : page->entries)
            *update.add_entries() = std::move(entry);
          update.set_total_count(page->total);
          if (!request.player_id().empty()) {
            auto around =
                ListAroundPlayer(conn, board->ref, request.player_id(), 0);
            if (!around.ok()) return around.status();
            if (around->player.has_value()) {
              *update.mutable_player_entry() = *std::move(around->player);
            }
          }
          return absl::OkStatus();
        });
    if (!polled.ok()) return polled;
    update.set_period(board->period_out);
    std::string bytes;
    update.SerializeToString(&bytes);
    if (!sent_any || bytes != last_sent) {
      if (!write(update)) return absl::OkStatus();  // client gone
      last_sent = std::move(bytes);
      sent_any = true;
    }
    // Sleep in short slices so cancellation and shutdown end the stream
    // quickly.
    absl::Time wake = absl::Now() + interval;
    while (absl::Now() < wake) {
      if (context->IsCancelled() ||
          (env_->shutting_down != nullptr && env_->shutting_down->load())) {
        return absl::OkStatus();
      }
      absl::SleepFor(std::min(absl::Milliseconds(20), wake - absl::Now()));
    }
  }
}

}  // namespace server
}  // namespace statstracker
