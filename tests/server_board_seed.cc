#include "tests/server_board_seed.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/keys.h"

namespace statstracker {
namespace testing {
namespace {

// KEYS: board, members, distinct, dcount, periods.
// ARGV: player, member, stored score, formatted stored score, period,
// period start.
constexpr char kSeedScript[] = R"lua(
local old = redis.call('HGET', KEYS[2], ARGV[1])
if old then
  local s = redis.call('ZSCORE', KEYS[1], old)
  redis.call('ZREM', KEYS[1], old)
  if s then
    local d = redis.call('ZRANGEBYSCORE', KEYS[3], s, s, 'LIMIT', 0, 1)[1]
    if d and redis.call('HINCRBY', KEYS[4], d, -1) <= 0 then
      redis.call('HDEL', KEYS[4], d)
      redis.call('ZREM', KEYS[3], d)
    end
  end
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
redis.call('HINCRBY', KEYS[4], ARGV[4], 1)
redis.call('ZADD', KEYS[5], ARGV[6], ARGV[5])
return 1
)lua";

}  // namespace

absl::Status SeedEntry(RedisConnection* conn, absl::string_view game_id,
                       const v1::LeaderboardConfig& board,
                       absl::string_view period, absl::string_view player,
                       double score, std::optional<double> secondary,
                       absl::Time reached_at) {
  const std::string& id = board.leaderboard_id();
  double stored = keys::StoredScore(score, board.sort_order());
  std::string member = keys::EncodeMember(
      player, secondary, board.secondary().sort_order(), reached_at);
  auto reply =
      conn->Command({"EVAL", kSeedScript, "5", keys::Board(game_id, id, period),
                     keys::BoardMembers(game_id, id, period),
                     keys::BoardDistinct(game_id, id, period),
                     keys::BoardDistinctCount(game_id, id, period),
                     keys::BoardPeriods(game_id, id), std::string(player),
                     member, keys::FormatScore(stored),
                     keys::FormatScore(stored), std::string(period), "0"});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return absl::InternalError(reply->str);
  return absl::OkStatus();
}

}  // namespace testing
}  // namespace statstracker
