#include "worker/stream_trimmer.h"

#include "absl/strings/str_cat.h"
#include "common/logging.h"
#include "common/redis_script.h"

namespace statstracker {
namespace worker {
namespace {

// KEYS: the stream. ARGV: the cap (0 = none). Returns {trimmed, dropped}.
// Stream ids are compared as (ms, seq) numbers; ms fits a Lua double
// exactly. string.format('%.0f') prints them without exponent.
constexpr char kTrimScript[] = R"lua(
local stream = KEYS[1]
if redis.call('EXISTS', stream) == 0 then return {0, 0} end
local function parse(id)
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local keep_ms, keep_seq
for _, g in ipairs(redis.call('XINFO', 'GROUPS', stream)) do
  local f = {}
  for i = 1, #g, 2 do f[g[i]] = g[i + 1] end
  local ms, seq
  if tonumber(f['pending']) > 0 then
    -- Keep the group's oldest pending entry and everything after it.
    ms, seq = parse(redis.call('XPENDING', stream, f['name'])[2])
  else
    -- Everything up to the last delivered entry was acknowledged.
    ms, seq = parse(f['last-delivered-id'])
    seq = seq + 1
  end
  if keep_ms == nil or ms < keep_ms or (ms == keep_ms and seq < keep_seq) then
    keep_ms, keep_seq = ms, seq
  end
end
local trimmed = 0
if keep_ms ~= nil then
  trimmed = redis.call('XTRIM', stream, 'MINID',
                       string.format('%.0f-%.0f', keep_ms, keep_seq))
end
local dropped = 0
local cap = tonumber(ARGV[1])
if cap > 0 then dropped = redis.call('XTRIM', stream, 'MAXLEN', cap) end
return {trimmed, dropped}
)lua";

const RedisScript& TrimScript() {
  static const RedisScript* script = new RedisScript(kTrimScript);
  return *script;
}

}  // namespace

absl::StatusOr<TrimResult> TrimStream(RedisConnection* conn,
                                      const std::string& stream, uint64_t cap) {
  auto reply = TrimScript().Run(conn, {stream}, {absl::StrCat(cap)});
  if (!reply.ok()) return reply.status();
  if (reply->type != RedisReply::Type::kArray || reply->elements.size() != 2) {
    return absl::InternalError(
        absl::StrCat("unexpected reply to the trim script: ",
                     reply->DebugString().substr(0, 200)));
  }
  return TrimResult{reply->elements[0].integer, reply->elements[1].integer};
}

absl::Status StreamTrimmer::MaybeTrim(RedisConnection* conn,
                                      const std::string& stream,
                                      absl::Time now) {
  if (now < next_) return absl::OkStatus();
  next_ = now + interval_;
  auto trimmed = TrimStream(conn, stream, cap_);
  if (!trimmed.ok()) return trimmed.status();
  if (trimmed->acknowledged > 0) {
    metrics_->stream_trimmed->Increment({stream}, trimmed->acknowledged);
  }
  if (trimmed->dropped > 0) {
    metrics_->stream_dropped->Increment({stream}, trimmed->dropped);
    Log(LogLevel::kError,
        "stream over stream.max_length: dropped entries not yet consumed",
        {{"stream", stream},
         {"dropped", absl::StrCat(trimmed->dropped)},
         {"max_length", absl::StrCat(cap_)}});
  }
  return absl::OkStatus();
}

}  // namespace worker
}  // namespace statstracker
