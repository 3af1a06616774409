#include "worker/dedup_store.h"

#include "absl/strings/str_cat.h"
#include "common/redis_script.h"

namespace statstracker {
namespace worker {
namespace {

// KEYS: the dedup sets. ARGV: event ids. Returns the 1-based positions of
// the ids found in any set, each once. unpack() takes at most a few
// thousand values, so long id lists go in slices.
constexpr char kSeenIds[] = R"lua(
local found, seen = {}, {}
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    for first = 1, #ARGV, 1000 do
      local last = math.min(first + 999, #ARGV)
      local r = redis.call('SMISMEMBER', key, unpack(ARGV, first, last))
      for i = 1, #r do
        local pos = first + i - 1
        if r[i] == 1 and not seen[pos] then
          seen[pos] = true
          found[#found + 1] = pos
        end
      end
    end
  end
end
return found
)lua";

const RedisScript& SeenIdsScript() {
  static const RedisScript* script = new RedisScript(kSeenIds);
  return *script;
}

}  // namespace

std::vector<std::string> SeenIdsCommand(const std::vector<std::string>& keys,
                                        const std::vector<std::string>& ids) {
  return SeenIdsScript().EvalShaCommand(keys, ids);
}

absl::Status ParseSeenIds(const RedisReply& reply,
                          const std::vector<std::string>& ids,
                          absl::flat_hash_set<std::string>* seen) {
  if (reply.type != RedisReply::Type::kArray) {
    return absl::InternalError(
        absl::StrCat("reading the dedup sets: unexpected reply ",
                     reply.DebugString().substr(0, 200)));
  }
  for (const RedisReply& pos : reply.elements) {
    if (pos.type != RedisReply::Type::kInteger || pos.integer < 1 ||
        pos.integer > static_cast<int64_t>(ids.size())) {
      return absl::InternalError(absl::StrCat(
          "reading the dedup sets: position ", pos.DebugString().substr(0, 40),
          " of ", ids.size(), " ids"));
    }
    seen->insert(ids[pos.integer - 1]);
  }
  return absl::OkStatus();
}

absl::Status LoadDedupScripts(RedisConnection* conn) {
  return SeenIdsScript().Load(conn);
}

}  // namespace worker
}  // namespace statstracker
