#include "server/player_history.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "common/history_point.h"
#include "common/keys.h"

namespace statstracker {
namespace server {

std::vector<std::string> HistoryCommand(const BoardRef& board,
                                        absl::string_view player_id,
                                        int max_points) {
  return {"LRANGE",
          keys::BoardHistory(board.game_id, board.board_id, board.period,
                             player_id),
          "0", absl::StrCat(max_points - 1)};
}

absl::StatusOr<std::vector<v1::HistoryPoint>> ReadPlayerHistory(
    RedisConnection* conn, const BoardRef& board, absl::string_view player_id,
    int max_points) {
  auto reply = conn->CommandOk(HistoryCommand(board, player_id, max_points));
  if (!reply.ok()) return reply.status();
  return ParseHistory(board, player_id, *reply);
}

absl::StatusOr<std::vector<v1::HistoryPoint>> ParseHistory(
    const BoardRef& board, absl::string_view player_id,
    const RedisReply& reply_in) {
  const RedisReply* reply = &reply_in;
  if (reply->is_error()) {
    return absl::InternalError(absl::StrCat("redis LRANGE: ", reply->str));
  }
  const std::string key = keys::BoardHistory(board.game_id, board.board_id,
                                             board.period, player_id);
  // The list is newest first.
  std::vector<v1::HistoryPoint> points(reply->elements.size());
  for (size_t i = 0; i < reply->elements.size(); ++i) {
    auto point = DecodeHistoryPoint(reply->elements[i].str);
    if (!point.ok()) {
      return absl::InternalError(
          absl::StrCat("history of ", key, ": ", point.status().message()));
    }
    v1::HistoryPoint& out = points[points.size() - 1 - i];
    const int64_t micros = absl::ToUnixMicros(point->occurred_at);
    int64_t seconds = micros / 1000000;
    int64_t rest = micros % 1000000;
    if (rest < 0) {  // Timestamp nanos are never negative
      rest += 1000000;
      --seconds;
    }
    out.mutable_occurred_at()->set_seconds(seconds);
    out.mutable_occurred_at()->set_nanos(static_cast<int32_t>(rest * 1000));
    out.set_score(point->score);
    out.set_event_id(std::move(point->event_id));
  }
  return points;
}

}  // namespace server
}  // namespace statstracker
