#ifndef STATSTRACKER_SERVER_PLAYER_HISTORY_H_
#define STATSTRACKER_SERVER_PLAYER_HISTORY_H_

// Reading a player's history on one board period, as the worker keeps it
// for boards with LeaderboardConfig.history (common/keys.h "B:h:<player>",
// points in common/history_point.h).

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/redis_client.h"
#include "server/board_queries.h"
#include "statstracker/v1/leaderboard.pb.h"

namespace statstracker {
namespace server {

// The newest `max_points` points of `player_id` on `board`, oldest first;
// empty if the player has none. One LRANGE. INTERNAL naming the key for a
// point that does not decode.
absl::StatusOr<std::vector<v1::HistoryPoint>> ReadPlayerHistory(
    RedisConnection* conn, const BoardRef& board, absl::string_view player_id,
    int max_points);

// The same in two halves, for callers that send the command themselves:
// the LRANGE, and the decoding of its reply.
std::vector<std::string> HistoryCommand(const BoardRef& board,
                                        absl::string_view player_id,
                                        int max_points);
absl::StatusOr<std::vector<v1::HistoryPoint>> ParseHistory(
    const BoardRef& board, absl::string_view player_id,
    const RedisReply& reply);

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_PLAYER_HISTORY_H_
