#include "worker/board_store.h"

#include <algorithm>
#include <map>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/board_record.h"
#include "common/keys.h"
#include "common/redis_script.h"

namespace statstracker {
namespace worker {
namespace {

// KEYS: ranking, bucket state. ARGV: record key prefix, member prefix bytes,
// dense ('1' or '0'), player ids... Returns {level, split, entries, then per
// player: record or nil, stored score or nil, entries with that score (dense
// boards; else 0)}. The record keys are computed here from the bucket state
// read in the same call; they carry the board's hash tag, so they are in the
// slot of the declared keys.
constexpr char kReadBody[] = R"lua(
local board, meta = KEYS[1], KEYS[2]
local st = redis.call('HMGET', meta, 'level', 'split')
local level, split = tonumber(st[1] or '0'), tonumber(st[2] or '0')
local rec_prefix, plen, dense = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1'
local out = {level, split, redis.call('ZCARD', board)}
for i = 4, #ARGV do
  local p = ARGV[i]
  local rec = redis.call('HGET', rec_prefix .. bucket_of(p, level, split), p)
  local score, same = false, 0
  if rec then
    score = redis.call('ZSCORE', board, string.sub(rec, 1, plen) .. p)
    if score and dense then same = redis.call('ZCOUNT', board, score, score) end
  end
  out[#out + 1] = rec
  out[#out + 1] = score
  out[#out + 1] = same
end
return out
)lua";

const RedisScript& ReadScript() {
  static const RedisScript* script =
      new RedisScript(absl::StrCat(kLuaPlayerBuckets, kReadBody));
  return *script;
}

bool IsDense(const v1::LeaderboardConfig& config) {
  return config.tie_mode() == v1::TIE_MODE_DENSE;
}

std::string Ms(absl::Time t) { return absl::StrCat(absl::ToUnixMillis(t)); }

absl::Status Malformed(const BoardPeriod& board, absl::string_view why) {
  return absl::InternalError(
      absl::StrCat("reading board '", board.config->leaderboard_id(),
                   "' period '", board.period, "': ", why));
}

absl::StatusOr<BucketState> CheckedBucketState(int64_t level, int64_t split) {
  if (level < 0 || level > 30 || split < 0 || split >= (int64_t{1} << level)) {
    return absl::InternalError(absl::StrCat("bad bucket state (level ", level,
                                            ", split ", split, ")"));
  }
  BucketState state;
  state.level = static_cast<uint32_t>(level);
  state.split = static_cast<uint32_t>(split);
  return state;
}

// A field of the bucket-state hash as HMGET returns it: nil means 0.
int64_t StateField(const RedisReply& r) {
  int64_t v = 0;
  if (!r.is_nil() && !absl::SimpleAtoi(r.str, &v)) return -1;
  return v;
}

}  // namespace

std::vector<std::string> ReadBoardCommand(
    const BoardPeriod& board, const std::vector<std::string>& players) {
  const std::string& id = board.config->leaderboard_id();
  std::vector<std::string> args = {
      keys::BoardRecordPrefix(board.game_id, id, board.period),
      absl::StrCat(keys::MemberPrefixBytes(*board.config)),
      IsDense(*board.config) ? "1" : "0"};
  args.insert(args.end(), players.begin(), players.end());
  return ReadScript().EvalShaCommand(
      {keys::Board(board.game_id, id, board.period),
       keys::BoardBuckets(board.game_id, id, board.period)},
      args);
}

absl::Status LoadBoardScripts(RedisConnection* conn) {
  return ReadScript().Load(conn);
}

absl::StatusOr<BoardSnapshot> ParseBoardReply(
    const BoardPeriod& board, const std::vector<std::string>& players,
    const RedisReply& reply) {
  const auto& el = reply.elements;
  if (reply.type != RedisReply::Type::kArray ||
      el.size() != 3 + 3 * players.size() ||
      el[2].type != RedisReply::Type::kInteger) {
    return Malformed(board, absl::StrCat("unexpected reply ",
                                         reply.DebugString().substr(0, 200)));
  }
  BoardSnapshot out;
  if (el[0].type != RedisReply::Type::kInteger ||
      el[1].type != RedisReply::Type::kInteger) {
    return Malformed(board, "bucket state is not two integers");
  }
  auto buckets = CheckedBucketState(el[0].integer, el[1].integer);
  if (!buckets.ok()) return Malformed(board, buckets.status().message());
  out.buckets = *buckets;
  out.entries = el[2].integer;
  out.players.reserve(players.size());
  const size_t prefix = keys::MemberPrefixBytes(*board.config);
  for (size_t i = 0; i < players.size(); ++i) {
    const RedisReply& record = el[3 + 3 * i];
    const RedisReply& score = el[4 + 3 * i];
    const RedisReply& same = el[5 + 3 * i];
    BoardSnapshot::Player& p = out.players[players[i]];
    if (record.type != RedisReply::Type::kString ||
        score.type != RedisReply::Type::kString) {
      continue;  // not on the board (a record without an entry counts none)
    }
    auto decoded = DecodeBoardRecord(record.str, prefix, board.aux_names);
    if (!decoded.ok()) return Malformed(board, decoded.status().message());
    if (!absl::SimpleAtod(score.str, &p.stored)) {
      return Malformed(board, absl::StrCat("non-numeric score '",
                                           score.str.substr(0, 40), "'"));
    }
    ScorerState state;
    state.score = keys::ScoreFromStored(p.stored, board.config->sort_order());
    state.aux = std::move(decoded->aux);
    p.state = std::move(state);
    p.member = decoded->member_prefix + players[i];
    p.same_score = same.integer;
  }
  return out;
}

absl::Status AddBoardWrites(const BoardPeriod& board,
                            const BoardSnapshot& snapshot,
                            const std::vector<EntryWrite>& writes,
                            const std::optional<absl::Time>& period_start,
                            const std::optional<absl::Time>& expiry,
                            Commands* tx) {
  if (writes.empty()) return absl::OkStatus();
  const v1::LeaderboardConfig& cfg = *board.config;
  const std::string& id = cfg.leaderboard_id();
  const std::string ranking = keys::Board(board.game_id, id, board.period);
  const std::string distinct =
      keys::BoardDistinct(board.game_id, id, board.period);
  std::vector<std::string> zrem = {"ZREM", ranking};
  std::vector<std::string> zadd = {"ZADD", ranking};
  std::map<uint32_t, std::vector<std::string>> hset;  // bucket -> HSET args
  // Dense boards: how many entries leave / reach each stored score.
  std::map<double, int64_t> leaving, reaching;
  std::map<double, int64_t> same_before;
  for (const EntryWrite& w : writes) {
    const std::string prefix =
        keys::MemberPrefix(cfg, w.secondary, w.reached_at);
    std::string member = prefix + w.player_id;
    const double stored = keys::StoredScore(w.state.score, cfg.sort_order());
    auto record = EncodeBoardRecord(prefix, board.aux_names, w.state.aux);
    if (!record.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("board '", id, "', scorer '", cfg.scorer(),
                       "': ", record.status().message()));
    }
    const bool was_on = w.before != nullptr && w.before->state.has_value();
    if (was_on && w.before->member != member) zrem.push_back(w.before->member);
    zadd.push_back(keys::FormatScore(stored));
    zadd.push_back(std::move(member));
    std::vector<std::string>& h = hset[snapshot.buckets.BucketOf(w.player_id)];
    h.push_back(w.player_id);
    h.push_back(*std::move(record));
    if (was_on) {
      ++leaving[w.before->stored];
      same_before[w.before->stored] = w.before->same_score;
    }
    ++reaching[stored];
  }
  if (zrem.size() > 2) tx->push_back(std::move(zrem));
  tx->push_back(std::move(zadd));
  std::vector<std::string> touched;
  for (auto& [bucket, fields] : hset) {
    std::string key =
        keys::BoardRecords(board.game_id, id, board.period, bucket);
    std::vector<std::string> cmd = {"HSET", key};
    cmd.insert(cmd.end(), std::make_move_iterator(fields.begin()),
               std::make_move_iterator(fields.end()));
    tx->push_back(std::move(cmd));
    touched.push_back(std::move(key));
  }
  if (cfg.tie_mode() == v1::TIE_MODE_DENSE) {
    std::vector<std::string> gone = {"ZREM", distinct};
    for (const auto& [stored, n] : leaving) {
      auto r = reaching.find(stored);
      int64_t after =
          same_before[stored] - n + (r == reaching.end() ? 0 : r->second);
      if (after <= 0) gone.push_back(keys::OrderedKey(stored));
    }
    if (gone.size() > 2) tx->push_back(std::move(gone));
    std::vector<std::string> added = {"ZADD", distinct};
    for (const auto& [stored, n] : reaching) {
      added.push_back(keys::FormatScore(stored));
      added.push_back(keys::OrderedKey(stored));
    }
    tx->push_back(std::move(added));
  }
  if (period_start.has_value()) {
    tx->push_back({"ZADD", keys::BoardPeriods(board.game_id, id),
                   absl::StrCat(absl::ToUnixSeconds(*period_start)),
                   board.period});
  }
  if (expiry.has_value()) {
    const std::string at = Ms(*expiry);
    touched.push_back(ranking);
    touched.push_back(keys::BoardBuckets(board.game_id, id, board.period));
    if (cfg.tie_mode() == v1::TIE_MODE_DENSE) touched.push_back(distinct);
    for (const std::string& key : touched) {
      tx->push_back({"PEXPIREAT", key, at});
    }
  }
  return absl::OkStatus();
}

void AddHistoryWrites(const BoardPeriod& board,
                      const std::vector<PlayerHistory>& histories,
                      uint32_t max_points,
                      const std::optional<absl::Time>& expiry, Commands* tx) {
  const std::string& id = board.config->leaderboard_id();
  const std::string marker =
      keys::BoardHistoryMarker(board.game_id, id, board.period);
  const std::string at = expiry.has_value() ? Ms(*expiry) : "";
  for (const PlayerHistory& h : histories) {
    const std::vector<HistoryPoint>& points = *h.points;
    if (points.empty()) continue;
    const std::string key =
        keys::BoardHistory(board.game_id, id, board.period, h.player_id);
    std::vector<std::string> lpush = {"LPUSH", key};
    // Oldest first: LPUSH puts each at the head, so the newest ends first.
    const size_t skip =
        points.size() > max_points ? points.size() - max_points : 0;
    for (size_t i = skip; i < points.size(); ++i) {
      lpush.push_back(EncodeHistoryPoint(points[i]));
    }
    tx->push_back(std::move(lpush));
    tx->push_back({"LTRIM", key, "0", absl::StrCat(max_points - 1)});
    if (expiry.has_value()) tx->push_back({"PEXPIREAT", key, at});
  }
  tx->push_back({"SET", marker, "1"});
  if (expiry.has_value()) tx->push_back({"PEXPIREAT", marker, at});
}

absl::StatusOr<int> SplitBuckets(RedisConnection* conn,
                                 const BoardPeriod& board,
                                 const std::optional<absl::Time>& expiry,
                                 int max_splits) {
  const std::string& id = board.config->leaderboard_id();
  const std::string meta = keys::BoardBuckets(board.game_id, id, board.period);
  const std::string ranking = keys::Board(board.game_id, id, board.period);
  int done = 0;
  for (int attempt = 0; done < max_splits && attempt < 50; ++attempt) {
    auto first = conn->Pipeline({{"WATCH", meta},
                                 {"HMGET", meta, "level", "split"},
                                 {"ZCARD", ranking}});
    if (!first.ok()) return first.status();
    const RedisReply& st = (*first)[1];
    if (st.elements.size() != 2 || (*first)[2].is_error()) {
      return absl::InternalError(absl::StrCat("reading bucket state of ", meta,
                                              ": ", st.DebugString()));
    }
    auto parsed = CheckedBucketState(StateField(st.elements[0]),
                                     StateField(st.elements[1]));
    if (!parsed.ok()) return parsed.status();
    const BucketState state = *parsed;
    const int64_t entries = (*first)[2].integer;
    if (!state.NeedsSplit(entries)) {
      auto unwatch = conn->Command({"UNWATCH"});
      if (!unwatch.ok()) return unwatch.status();
      return done;
    }
    // Split within this level only, so every source bucket is split once and
    // every target is new.
    const int64_t needed =
        (entries + kTargetRecordsPerBucket - 1) / kTargetRecordsPerBucket -
        state.buckets();
    const int64_t left_in_level = (int64_t{1} << state.level) - state.split;
    const int k = static_cast<int>(
        std::min<int64_t>({needed, left_in_level, max_splits - done}));
    BucketState after = state;
    for (int i = 0; i < k; ++i) after = after.AfterSplit();

    Commands reads;
    std::vector<std::string> watch = {"WATCH"};
    for (int i = 0; i < k; ++i) {
      std::string source =
          keys::BoardRecords(board.game_id, id, board.period, state.split + i);
      watch.push_back(source);
      reads.push_back({"HGETALL", source});
    }
    reads.insert(reads.begin(), watch);
    auto contents = conn->Pipeline(reads);
    if (!contents.ok()) return contents.status();
    Commands tx = {{"MULTI"}};
    for (int i = 0; i < k; ++i) {
      const uint32_t source = state.split + i;
      const RedisReply& fields = (*contents)[1 + i];
      std::vector<std::string> hdel = {
          "HDEL", keys::BoardRecords(board.game_id, id, board.period, source)};
      const std::string target =
          keys::BoardRecords(board.game_id, id, board.period,
                             source + (uint32_t{1} << state.level));
      std::vector<std::string> hset = {"HSET", target};
      for (size_t f = 0; f + 1 < fields.elements.size(); f += 2) {
        const std::string& player = fields.elements[f].str;
        if (after.BucketOf(player) == source) continue;
        hdel.push_back(player);
        hset.push_back(player);
        hset.push_back(fields.elements[f + 1].str);
      }
      if (hset.size() > 2) {
        tx.push_back(std::move(hset));
        tx.push_back(std::move(hdel));
        if (expiry.has_value())
          tx.push_back({"PEXPIREAT", target, Ms(*expiry)});
      }
    }
    tx.push_back({"HSET", meta, "level", absl::StrCat(after.level), "split",
                  absl::StrCat(after.split)});
    if (expiry.has_value()) tx.push_back({"PEXPIREAT", meta, Ms(*expiry)});
    tx.push_back({"EXEC"});
    auto result = conn->Pipeline(tx);
    if (!result.ok()) return result.status();
    const RedisReply& exec = result->back();
    if (exec.is_nil()) continue;  // a batch wrote meanwhile: look again
    if (exec.type != RedisReply::Type::kArray) {
      return absl::InternalError(absl::StrCat("splitting buckets of ", meta,
                                              ": ", exec.DebugString()));
    }
    done += k;
  }
  return done;
}

}  // namespace worker
}  // namespace statstracker
