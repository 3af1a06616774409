#include "server/board_queries.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/keys.h"
#include "common/player_buckets.h"
#include "common/redis_script.h"
#include "google/protobuf/util/time_util.h"

namespace statstracker {
namespace server {
namespace {

// Shared Lua helpers. Lua's own string `<` uses strcoll(), which follows the
// Redis process's locale; ZSET members are ordered by memcmp, so compare
// bytes explicitly.
constexpr char kLuaPrelude[] = R"lua(
local function bytes_less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

-- Appends member, score, rank for each row of a WITHSCORES reply whose first
-- row sits at 0-based index `start`.
local function add_ranked(out, board, distinct, mode, start, rows)
  local rank, prev
  for i = 1, #rows, 2 do
    local idx = start + (i - 1) / 2
    local sc = rows[i + 1]
    if mode == 'u' then
      rank = idx + 1
    elseif prev ~= nil and tonumber(sc) == tonumber(prev) then
      -- same score as the previous row: same rank
    elseif mode == 's' then
      if prev == nil then
        rank = redis.call('ZCOUNT', board, '-inf', '(' .. sc) + 1
      else
        rank = idx + 1
      end
    else
      if prev == nil then
        rank = redis.call('ZCOUNT', distinct, '-inf', '(' .. sc) + 1
      else
        rank = rank + 1
      end
    end
    prev = sc
    out[#out + 1] = rows[i]
    out[#out + 1] = sc
    out[#out + 1] = rank
  end
end
)lua";

// KEYS: board, distinct. ARGV: mode, limit, has_cursor, cursor score,
// cursor member. Returns {total, start, member, score, rank, ...}.
constexpr char kPageBody[] = R"lua(
local board, distinct = KEYS[1], KEYS[2]
local start = 0
if ARGV[3] == '1' then
  local s, m = ARGV[4], ARGV[5]
  local cur = redis.call('ZSCORE', board, m)
  if cur and tonumber(cur) == tonumber(s) then
    start = redis.call('ZRANK', board, m) + 1
  else
    -- The cursor entry moved or left: binary-search its old position among
    -- the entries with the same score (ordered by member bytes), each probe
    -- an O(log N) ZRANGE by index.
    local lo = redis.call('ZCOUNT', board, '-inf', '(' .. s)
    local hi = lo + redis.call('ZCOUNT', board, s, s)
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      local e = redis.call('ZRANGE', board, mid, mid)[1]
      if bytes_less(m, e) then hi = mid else lo = mid + 1 end
    end
    start = lo
  end
end
local out = {redis.call('ZCARD', board), start}
local limit = tonumber(ARGV[2])
if limit > 0 then
  local rows = redis.call('ZRANGE', board, start, start + limit - 1,
                          'WITHSCORES')
  add_ranked(out, board, distinct, ARGV[1], start, rows)
end
return out
)lua";

// Finds a player's ranking member: the record in the player's bucket holds
// the member prefix (common/keys.h, common/board_record.h). KEYS[2] is the
// bucket state; the bucket key is ARGV[rp] .. number, in the same slot.
constexpr char kLuaMemberOf[] = R"lua(
local function member_of(meta, rec_prefix, plen, player)
  local st = redis.call('HMGET', meta, 'level', 'split')
  local b = bucket_of(player, tonumber(st[1] or '0'), tonumber(st[2] or '0'))
  local rec = redis.call('HGET', rec_prefix .. b, player)
  if not rec then return nil end
  return string.sub(rec, 1, plen) .. player
end
)lua";

// KEYS: board, bucket state, distinct. ARGV: mode, player, radius, record
// key prefix, member prefix bytes.
// Returns {total} if the player has no entry, else
// {total, start, player index, member, score, rank, ...}.
constexpr char kAroundBody[] = R"lua(
local board, meta, distinct = KEYS[1], KEYS[2], KEYS[3]
local total = redis.call('ZCARD', board)
local m = member_of(meta, ARGV[4], tonumber(ARGV[5]), ARGV[2])
if not m then return {total} end
local r = redis.call('ZRANK', board, m)
if not r then return {total} end
local radius = tonumber(ARGV[3])
local start = math.max(0, r - radius)
local rows = redis.call('ZRANGE', board, start, r + radius, 'WITHSCORES')
local out = {total, start, r}
add_ranked(out, board, distinct, ARGV[1], start, rows)
return out
)lua";

// KEYS: board, bucket state, distinct. ARGV: mode, record key prefix,
// member prefix bytes, player ids...
// Returns {total, arg index, member, score, rank, 0-based index, ...} for the
// players that have an entry.
constexpr char kForPlayersBody[] = R"lua(
local board, meta, distinct = KEYS[1], KEYS[2], KEYS[3]
local mode, rec_prefix, plen = ARGV[1], ARGV[2], tonumber(ARGV[3])
local out = {redis.call('ZCARD', board)}
for i = 4, #ARGV do
  local m = member_of(meta, rec_prefix, plen, ARGV[i])
  if m then
    local r = redis.call('ZRANK', board, m)
    if r then
      local sc = redis.call('ZSCORE', board, m)
      local rank
      if mode == 'u' then
        rank = r + 1
      elseif mode == 's' then
        rank = redis.call('ZCOUNT', board, '-inf', '(' .. sc) + 1
      else
        rank = redis.call('ZCOUNT', distinct, '-inf', '(' .. sc) + 1
      end
      out[#out + 1] = i - 4
      out[#out + 1] = m
      out[#out + 1] = sc
      out[#out + 1] = rank
      out[#out + 1] = r
    end
  end
end
return out
)lua";

const RedisScript& PageScript() {
  static const RedisScript* script =
      new RedisScript(absl::StrCat(kLuaPrelude, kPageBody));
  return *script;
}
const RedisScript& AroundScript() {
  static const RedisScript* script = new RedisScript(
      absl::StrCat(kLuaPlayerBuckets, kLuaPrelude, kLuaMemberOf, kAroundBody));
  return *script;
}
const RedisScript& ForPlayersScript() {
  static const RedisScript* script = new RedisScript(absl::StrCat(
      kLuaPlayerBuckets, kLuaPrelude, kLuaMemberOf, kForPlayersBody));
  return *script;
}

std::string ModeArg(v1::TieMode mode) {
  switch (mode) {
    case v1::TIE_MODE_STANDARD:
      return "s";
    case v1::TIE_MODE_DENSE:
      return "d";
    default:
      return "u";
  }
}

// The keys of the around and for-players scripts.
std::vector<std::string> LookupKeys(const BoardRef& board) {
  return {keys::Board(board.game_id, board.board_id, board.period),
          keys::BoardBuckets(board.game_id, board.board_id, board.period),
          keys::BoardDistinct(board.game_id, board.board_id, board.period)};
}

std::vector<std::string> AroundArgs(const BoardRef& board,
                                    absl::string_view player_id, int radius) {
  return {ModeArg(board.config->tie_mode()), std::string(player_id),
          absl::StrCat(radius),
          keys::BoardRecordPrefix(board.game_id, board.board_id, board.period),
          absl::StrCat(keys::MemberPrefixBytes(*board.config))};
}

absl::Status Unexpected(absl::string_view what, const RedisReply& reply) {
  return absl::InternalError(
      absl::StrCat("unexpected reply to ", what, ": ", reply.DebugString()));
}

bool IsInt(const RedisReply& r) { return r.type == RedisReply::Type::kInteger; }
bool IsStr(const RedisReply& r) { return r.type == RedisReply::Type::kString; }

absl::StatusOr<double> ParseScore(const std::string& text) {
  double value;
  if (!absl::SimpleAtod(text, &value)) {
    return absl::InternalError(
        absl::StrCat("redis returned a non-numeric score '", text, "'"));
  }
  return value;
}

// Parses `count` rows of (member, score, rank) from `elements` at `pos`.
absl::Status ParseRows(const std::vector<RedisReply>& elements, size_t pos,
                       const v1::LeaderboardConfig& config,
                       std::vector<v1::LeaderboardEntry>* entries,
                       std::vector<std::pair<std::string, double>>* raw) {
  for (; pos + 3 <= elements.size(); pos += 3) {
    const RedisReply& member = elements[pos];
    const RedisReply& score = elements[pos + 1];
    const RedisReply& rank = elements[pos + 2];
    if (!IsStr(member) || !IsStr(score) || !IsInt(rank)) {
      return absl::InternalError("malformed row in a board script reply");
    }
    auto stored = ParseScore(score.str);
    if (!stored.ok()) return stored.status();
    auto entry = MakeEntry(config, member.str, *stored, rank.integer);
    if (!entry.ok()) return entry.status();
    entries->push_back(*std::move(entry));
    if (raw != nullptr) raw->emplace_back(member.str, *stored);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::LeaderboardEntry> MakeEntry(
    const v1::LeaderboardConfig& config, absl::string_view member,
    double stored_score, int64_t rank) {
  auto decoded = keys::DecodeMember(config, member);
  if (!decoded.has_value()) {
    return absl::InternalError(absl::StrCat("board '", config.leaderboard_id(),
                                            "' holds a malformed member of ",
                                            member.size(), " bytes"));
  }
  v1::LeaderboardEntry entry;
  entry.set_player_id(decoded->player_id);
  entry.set_rank(rank);
  entry.set_score(keys::ScoreFromStored(stored_score, config.sort_order()));
  if (decoded->secondary.has_value()) {
    entry.set_secondary_score(*decoded->secondary);
  }
  *entry.mutable_updated_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(decoded->reached_at));
  return entry;
}

std::vector<std::string> ListPageCommand(const BoardRef& board, int limit) {
  ScriptCall call = PageCall(board, limit, std::nullopt);
  return call.script->EvalShaCommand(call.keys, call.args);
}

std::vector<std::string> AroundPlayerCommand(const BoardRef& board,
                                             absl::string_view player_id,
                                             int radius) {
  ScriptCall call = AroundCall(board, player_id, radius);
  return call.script->EvalShaCommand(call.keys, call.args);
}

ScriptCall PageCall(const BoardRef& board, int limit,
                    const std::optional<PageCursor>& after) {
  return {
      &PageScript(),
      {keys::Board(board.game_id, board.board_id, board.period),
       keys::BoardDistinct(board.game_id, board.board_id, board.period)},
      {ModeArg(board.config->tie_mode()), absl::StrCat(limit),
       after ? "1" : "0", after ? keys::FormatScore(after->stored_score) : "",
       after ? after->member : ""}};
}

absl::StatusOr<BoardPage> ParsePage(const BoardRef& board,
                                    const RedisReply& reply) {
  const auto& el = reply.elements;
  if (el.size() < 2 || !IsInt(el[0]) || !IsInt(el[1]) ||
      (el.size() - 2) % 3 != 0) {
    return Unexpected("the page script", reply);
  }
  BoardPage page;
  page.total = el[0].integer;
  int64_t start = el[1].integer;
  std::vector<std::pair<std::string, double>> raw;
  absl::Status status = ParseRows(el, 2, *board.config, &page.entries, &raw);
  if (!status.ok()) return status;
  if (!raw.empty() && start + static_cast<int64_t>(raw.size()) < page.total) {
    page.next = PageCursor{raw.back().second, raw.back().first};
  }
  return page;
}

absl::StatusOr<BoardPage> ListPage(RedisConnection* conn, const BoardRef& board,
                                   int limit,
                                   const std::optional<PageCursor>& after) {
  ScriptCall call = PageCall(board, limit, after);
  auto reply = call.script->Run(conn, call.keys, call.args);
  if (!reply.ok()) return reply.status();
  return ParsePage(board, *reply);
}

ScriptCall AroundCall(const BoardRef& board, absl::string_view player_id,
                      int radius) {
  return {&AroundScript(), LookupKeys(board),
          AroundArgs(board, player_id, radius)};
}

absl::StatusOr<AroundPlayer> ParseAround(const BoardRef& board,
                                         const RedisReply& reply) {
  const auto& el = reply.elements;
  if (el.empty() || !IsInt(el[0])) {
    return Unexpected("the around script", reply);
  }
  AroundPlayer out;
  out.total = el[0].integer;
  if (el.size() == 1) return out;
  if (el.size() < 3 || !IsInt(el[1]) || !IsInt(el[2]) ||
      (el.size() - 3) % 3 != 0) {
    return Unexpected("the around script", reply);
  }
  int64_t start = el[1].integer;
  int64_t player_index = el[2].integer;
  absl::Status status = ParseRows(el, 3, *board.config, &out.entries, nullptr);
  if (!status.ok()) return status;
  int64_t offset = player_index - start;
  if (offset < 0 || offset >= static_cast<int64_t>(out.entries.size())) {
    return Unexpected("the around script", reply);
  }
  out.player = out.entries[offset];
  return out;
}

absl::StatusOr<AroundPlayer> ListAroundPlayer(RedisConnection* conn,
                                              const BoardRef& board,
                                              absl::string_view player_id,
                                              int radius) {
  ScriptCall call = AroundCall(board, player_id, radius);
  auto reply = call.script->Run(conn, call.keys, call.args);
  if (!reply.ok()) return reply.status();
  return ParseAround(board, *reply);
}

ScriptCall ForPlayersCall(const BoardRef& board,
                          const std::vector<std::string>& player_ids) {
  std::vector<std::string> args = {
      ModeArg(board.config->tie_mode()),
      keys::BoardRecordPrefix(board.game_id, board.board_id, board.period),
      absl::StrCat(keys::MemberPrefixBytes(*board.config))};
  args.insert(args.end(), player_ids.begin(), player_ids.end());
  return {&ForPlayersScript(), LookupKeys(board), std::move(args)};
}

absl::StatusOr<PlayersEntries> ParseForPlayers(
    const BoardRef& board, const std::vector<std::string>& player_ids,
    const RedisReply& reply) {
  const auto& el = reply.elements;
  if (el.empty() || !IsInt(el[0]) || (el.size() - 1) % 5 != 0) {
    return Unexpected("the players script", reply);
  }
  PlayersEntries out;
  out.total = el[0].integer;
  std::vector<bool> found(player_ids.size(), false);
  std::vector<std::pair<int64_t, v1::LeaderboardEntry>> indexed;
  for (size_t pos = 1; pos + 5 <= el.size(); pos += 5) {
    if (!IsInt(el[pos]) || !IsStr(el[pos + 1]) || !IsStr(el[pos + 2]) ||
        !IsInt(el[pos + 3]) || !IsInt(el[pos + 4]) || el[pos].integer < 0 ||
        el[pos].integer >= static_cast<int64_t>(player_ids.size())) {
      return Unexpected("the players script", reply);
    }
    auto stored = ParseScore(el[pos + 2].str);
    if (!stored.ok()) return stored.status();
    auto entry =
        MakeEntry(*board.config, el[pos + 1].str, *stored, el[pos + 3].integer);
    if (!entry.ok()) return entry.status();
    found[el[pos].integer] = true;
    indexed.emplace_back(el[pos + 4].integer, *std::move(entry));
  }
  std::sort(indexed.begin(), indexed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [index, entry] : indexed) out.entries.push_back(std::move(entry));
  for (size_t i = 0; i < player_ids.size(); ++i) {
    if (!found[i]) out.missing.push_back(player_ids[i]);
  }
  return out;
}

absl::StatusOr<PlayersEntries> ListForPlayers(
    RedisConnection* conn, const BoardRef& board,
    const std::vector<std::string>& player_ids) {
  ScriptCall call = ForPlayersCall(board, player_ids);
  auto reply = call.script->Run(conn, call.keys, call.args);
  if (!reply.ok()) return reply.status();
  return ParseForPlayers(board, player_ids, *reply);
}

std::vector<std::string> CountCommand(const BoardRef& board) {
  return {"ZCARD", keys::Board(board.game_id, board.board_id, board.period)};
}

absl::StatusOr<int64_t> ParseCount(const RedisReply& reply) {
  absl::Status status = CheckReply(reply, "ZCARD");
  if (!status.ok()) return status;
  if (!IsInt(reply)) return Unexpected("ZCARD", reply);
  return reply.integer;
}

absl::StatusOr<int64_t> CountEntries(RedisConnection* conn,
                                     const BoardRef& board) {
  auto reply = conn->Command(CountCommand(board));
  if (!reply.ok()) return reply.status();
  return ParseCount(*reply);
}

}  // namespace server
}  // namespace statstracker
