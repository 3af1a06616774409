#include "tests/server_board_seed.h"

#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "common/player_buckets.h"
#include "common/redis_script.h"
#include "worker/board_store.h"

namespace statstracker {
namespace testing {
namespace {

// KEYS: board, bucket state, distinct, periods.
// ARGV: player, member prefix, stored score, record, record key prefix,
// period, period start, dense ('1'/'0'), ordered key of the stored score.
constexpr char kSeedBody[] = R"lua(
local board, meta, distinct, periods = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local player, prefix, stored = ARGV[1], ARGV[2], ARGV[3]
local st = redis.call('HMGET', meta, 'level', 'split')
local bucket = ARGV[5] .. bucket_of(player, tonumber(st[1] or '0'),
                                    tonumber(st[2] or '0'))
local old = redis.call('HGET', bucket, player)
if old then
  local m = string.sub(old, 1, #prefix) .. player
  local s = redis.call('ZSCORE', board, m)
  redis.call('ZREM', board, m)
  if s and ARGV[8] == '1' and redis.call('ZCOUNT', board, s, s) == 0 then
    local d = redis.call('ZRANGEBYSCORE', distinct, s, s, 'LIMIT', 0, 1)[1]
    if d then redis.call('ZREM', distinct, d) end
  end
end
redis.call('ZADD', board, stored, prefix .. player)
redis.call('HSET', bucket, player, ARGV[4])
if ARGV[8] == '1' then redis.call('ZADD', distinct, stored, ARGV[9]) end
redis.call('ZADD', periods, ARGV[7], ARGV[6])
return 1
)lua";

const RedisScript& SeedScript() {
  static const RedisScript* script =
      new RedisScript(absl::StrCat(kLuaPlayerBuckets, kSeedBody));
  return *script;
}

}  // namespace

absl::Status SeedEntry(RedisConnection* conn, absl::string_view game_id,
                       const v1::LeaderboardConfig& board,
                       absl::string_view period, absl::string_view player,
                       double score, std::optional<double> secondary,
                       absl::Time reached_at, bool scorer_keeps_aux) {
  const std::string& id = board.leaderboard_id();
  const double stored = keys::StoredScore(score, board.sort_order());
  const std::string prefix = keys::MemberPrefix(board, secondary, reached_at);
  std::string record = prefix;
  if (scorer_keeps_aux) record.push_back('\0');  // no aux value set
  auto reply = SeedScript().Run(
      conn,
      {keys::Board(game_id, id, period),
       keys::BoardBuckets(game_id, id, period),
       keys::BoardDistinct(game_id, id, period),
       keys::BoardPeriods(game_id, id)},
      {std::string(player), prefix, keys::FormatScore(stored), record,
       keys::BoardRecordPrefix(game_id, id, period), std::string(period), "0",
       board.tie_mode() == v1::TIE_MODE_DENSE ? "1" : "0",
       keys::OrderedKey(stored)});
  if (!reply.ok()) return reply.status();
  return absl::OkStatus();
}

absl::Status SeedBoard(RedisConnection* conn, absl::string_view game_id,
                       const v1::LeaderboardConfig& board,
                       absl::string_view period,
                       const std::vector<SeedRow>& rows,
                       bool scorer_keeps_aux) {
  const std::string& id = board.leaderboard_id();
  BucketState buckets;
  while (buckets.NeedsSplit(static_cast<int64_t>(rows.size()))) {
    buckets = buckets.AfterSplit();
  }
  const bool dense = board.tie_mode() == v1::TIE_MODE_DENSE;
  std::map<uint32_t, std::vector<std::string>> records;  // bucket -> fields
  std::set<double> distinct;
  std::vector<std::vector<std::string>> commands;
  std::vector<std::string> zadd = {"ZADD", keys::Board(game_id, id, period)};
  auto flush = [&](bool all) -> absl::Status {
    if (zadd.size() > 2) commands.push_back(std::move(zadd));
    zadd = {"ZADD", keys::Board(game_id, id, period)};
    for (auto& [bucket, fields] : records) {
      if (fields.empty()) continue;
      std::vector<std::string> hset = {
          "HSET", keys::BoardRecords(game_id, id, period, bucket)};
      hset.insert(hset.end(), fields.begin(), fields.end());
      commands.push_back(std::move(hset));
      fields.clear();
    }
    if (!all && commands.size() < 200) return absl::OkStatus();
    auto replies = conn->Pipeline(commands);
    commands.clear();
    if (!replies.ok()) return replies.status();
    for (const RedisReply& r : *replies) {
      if (r.is_error()) return absl::InternalError(r.str);
    }
    return absl::OkStatus();
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    const SeedRow& row = rows[i];
    const double stored = keys::StoredScore(row.score, board.sort_order());
    std::string prefix =
        keys::MemberPrefix(board, row.secondary, row.reached_at);
    zadd.push_back(keys::FormatScore(stored));
    zadd.push_back(prefix + row.player);
    std::vector<std::string>& fields = records[buckets.BucketOf(row.player)];
    fields.push_back(row.player);
    if (scorer_keeps_aux) prefix.push_back('\0');
    fields.push_back(std::move(prefix));
    if (dense) distinct.insert(stored);
    if ((i + 1) % 1000 == 0) {
      absl::Status status = flush(false);
      if (!status.ok()) return status;
    }
  }
  if (buckets.buckets() > 1) {
    commands.push_back({"HSET", keys::BoardBuckets(game_id, id, period),
                        "level", absl::StrCat(buckets.level), "split",
                        absl::StrCat(buckets.split)});
  }
  std::vector<std::string> dz = {"ZADD",
                                 keys::BoardDistinct(game_id, id, period)};
  for (double stored : distinct) {
    dz.push_back(keys::FormatScore(stored));
    dz.push_back(keys::OrderedKey(stored));
    if (dz.size() > 2000) {
      commands.push_back(std::move(dz));
      dz = {"ZADD", keys::BoardDistinct(game_id, id, period)};
    }
  }
  if (dz.size() > 2) commands.push_back(std::move(dz));
  commands.push_back(
      {"ZADD", keys::BoardPeriods(game_id, id), "0", std::string(period)});
  return flush(true);
}

absl::Status GrowSeededBuckets(RedisConnection* conn, absl::string_view game_id,
                               const v1::LeaderboardConfig& board,
                               absl::string_view period) {
  worker::BoardPeriod ref{
      std::string(game_id), &board, {}, std::string(period)};
  while (true) {
    auto splits = worker::SplitBuckets(conn, ref, std::nullopt, 1024);
    if (!splits.ok()) return splits.status();
    if (*splits == 0) return absl::OkStatus();
  }
}

}  // namespace testing
}  // namespace statstracker
