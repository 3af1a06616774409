#include "common/redis_slots.h"

#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/redis_client.h"

namespace statstracker {
namespace {

// CRC16-CCITT (XMODEM): polynomial 0x1021, initial 0, as in the Redis
// Cluster specification.
uint16_t Crc16(absl::string_view bytes) {
  uint16_t crc = 0;
  for (unsigned char c : bytes) {
    crc ^= static_cast<uint16_t>(c) << 8;
    for (int i = 0; i < 8; ++i) {
      crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                           : static_cast<uint16_t>(crc << 1);
    }
  }
  return crc;
}

// Key positions of a command: args[first], args[first + step], ... up to
// args[last] (last < 0: counted from the end, -1 = the last argument).
struct KeySpec {
  int first;
  int last;
  int step;
};

const absl::flat_hash_map<std::string, KeySpec>& KeySpecs() {
  static const auto* specs = new absl::flat_hash_map<std::string, KeySpec>{
      // every argument is a key
      {"del", {1, -1, 1}},
      {"unlink", {1, -1, 1}},
      {"exists", {1, -1, 1}},
      {"watch", {1, -1, 1}},
      {"mget", {1, -1, 1}},
      {"touch", {1, -1, 1}},
      {"mset", {1, -1, 2}},
      // subcommand first, key second
      {"xinfo", {2, 2, 1}},
      {"xgroup", {2, 2, 1}},
      {"memory", {2, 2, 1}},
      {"object", {2, 2, 1}},
  };
  return *specs;
}

const absl::flat_hash_set<std::string>& Keyless() {
  static const auto* names = new absl::flat_hash_set<std::string>{
      "ping",        "echo",         "multi",   "exec",      "discard",
      "unwatch",     "wait",         "script",  "info",      "config",
      "dbsize",      "flushall",     "flushdb", "keys",      "scan",
      "cluster",     "command",      "time",    "readonly",  "readwrite",
      "asking",      "auth",         "select",  "save",      "bgsave",
      "lastsave",    "client",       "debug",   "hello",     "quit",
      "shutdown",    "slowlog",      "latency", "role",      "replicaof",
      "slaveof",     "failover",     "monitor", "acl",       "function",
      "randomkey",   "swapdb",       "publish", "subscribe", "psubscribe",
      "unsubscribe", "punsubscribe", "pubsub",  "lolwut"};
  return *names;
}

const absl::flat_hash_set<std::string>& ReadOnly() {
  static const auto* names = new absl::flat_hash_set<std::string>{
      "get",       "mget",        "exists",    "type",      "pttl",
      "ttl",       "pexpiretime", "hget",      "hmget",     "hgetall",
      "hlen",      "hexists",     "hscan",     "zrange",    "zrangebyscore",
      "zrevrange", "zscore",      "zrank",     "zrevrank",  "zcard",
      "zcount",    "zmscore",     "smembers",  "sismember", "smismember",
      "scard",     "xrange",      "xrevrange", "xlen",      "evalsha_ro",
      "eval_ro",   "strlen",      "getrange"};
  return *names;
}

}  // namespace

uint16_t KeySlot(absl::string_view key) {
  size_t open = key.find('{');
  if (open != absl::string_view::npos) {
    size_t close = key.find('}', open + 1);
    if (close != absl::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return Crc16(key) & (kClusterSlots - 1);
}

std::vector<absl::string_view> CommandKeys(
    const std::vector<std::string>& args) {
  std::vector<absl::string_view> keys;
  if (args.empty()) return keys;
  const std::string name = absl::AsciiStrToLower(args[0]);
  const int n = static_cast<int>(args.size());
  if (Keyless().contains(name)) return keys;
  if (name == "eval" || name == "evalsha" || name == "eval_ro" ||
      name == "evalsha_ro" || name == "fcall" || name == "fcall_ro") {
    int numkeys = 0;
    if (n >= 3 && absl::SimpleAtoi(args[2], &numkeys)) {
      for (int i = 3; i < 3 + numkeys && i < n; ++i) keys.push_back(args[i]);
    }
    return keys;
  }
  if (name == "xread" || name == "xreadgroup") {
    for (int i = 1; i < n; ++i) {
      if (absl::AsciiStrToLower(args[i]) != "streams") continue;
      const int rest = n - i - 1;  // keys then as many ids
      for (int k = 0; k < rest / 2; ++k) keys.push_back(args[i + 1 + k]);
      break;
    }
    return keys;
  }
  if (name == "migrate") {
    // MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH ...]
    // [KEYS key ...]: the one key, or those after KEYS.
    if (n > 3 && !args[3].empty()) {
      keys.push_back(args[3]);
      return keys;
    }
    for (int i = 6; i < n; ++i) {
      if (absl::AsciiStrToLower(args[i]) != "keys") continue;
      for (int k = i + 1; k < n; ++k) keys.push_back(args[k]);
      break;
    }
    return keys;
  }
  auto spec = KeySpecs().find(name);
  KeySpec s = spec == KeySpecs().end() ? KeySpec{1, 1, 1} : spec->second;
  const int last = s.last < 0 ? n + s.last : s.last;
  for (int i = s.first; i <= last && i < n; i += s.step) {
    keys.push_back(args[i]);
  }
  return keys;
}

absl::StatusOr<std::optional<uint16_t>> CommandSlot(
    const std::vector<std::string>& args) {
  std::vector<absl::string_view> keys = CommandKeys(args);
  if (keys.empty()) return std::optional<uint16_t>();
  const uint16_t slot = KeySlot(keys[0]);
  for (size_t i = 1; i < keys.size(); ++i) {
    const uint16_t other = KeySlot(keys[i]);
    if (other != slot) {
      return absl::InvalidArgumentError(absl::StrCat(
          "redis ", args[0], ": keys '", keys[0].substr(0, 80), "' (slot ",
          slot, ") and '", keys[i].substr(0, 80), "' (slot ", other,
          ") are in different cluster slots; one command or transaction may "
          "only use keys of one slot (give them one {hash tag})"));
    }
  }
  return std::optional<uint16_t>(slot);
}

bool IsReadOnlyCommand(absl::string_view name) {
  return ReadOnly().contains(absl::AsciiStrToLower(name));
}

std::string NodeAddress::ToString() const {
  return absl::StrCat(host, ":", port);
}

absl::StatusOr<SlotMap> SlotMap::FromClusterShards(const RedisReply& reply) {
  auto bad = [&reply](absl::string_view why) {
    return absl::InternalError(
        absl::StrCat("unexpected CLUSTER SHARDS reply (", why,
                     "): ", reply.DebugString().substr(0, 300)));
  };
  if (reply.type != RedisReply::Type::kArray) return bad("not an array");
  SlotMap map;
  for (const RedisReply& shard : reply.elements) {
    const RedisReply* slots = nullptr;
    const RedisReply* nodes = nullptr;
    for (size_t i = 0; i + 1 < shard.elements.size(); i += 2) {
      if (shard.elements[i].str == "slots") slots = &shard.elements[i + 1];
      if (shard.elements[i].str == "nodes") nodes = &shard.elements[i + 1];
    }
    if (slots == nullptr || nodes == nullptr) return bad("shard fields");
    Shard out;
    bool has_master = false;
    for (const RedisReply& node : nodes->elements) {
      std::string ip, role, health;
      int64_t port = 0;
      for (size_t i = 0; i + 1 < node.elements.size(); i += 2) {
        const std::string& k = node.elements[i].str;
        const RedisReply& v = node.elements[i + 1];
        if (k == "ip") ip = v.str;
        if (k == "port") port = v.integer;
        if (k == "role") role = v.str;
        if (k == "health") health = v.str;
      }
      if (ip.empty() || port <= 0 || health != "online") continue;
      NodeAddress address{ip, static_cast<int>(port)};
      if (role == "master") {
        out.master = address;
        has_master = true;
      } else {
        out.replicas.push_back(address);
      }
    }
    if (!has_master) continue;
    const int16_t index = static_cast<int16_t>(map.shards_.size());
    map.shards_.push_back(std::move(out));
    for (size_t i = 0; i + 1 < slots->elements.size(); i += 2) {
      const int64_t from = slots->elements[i].integer;
      const int64_t to = slots->elements[i + 1].integer;
      if (from < 0 || to >= kClusterSlots || from > to) return bad("slots");
      for (int64_t s = from; s <= to; ++s) map.owner_[s] = index;
    }
  }
  return map;
}

const SlotMap::Shard* SlotMap::ShardOf(uint16_t slot) const {
  const int16_t index = owner_[slot % kClusterSlots];
  return index < 0 ? nullptr : &shards_[index];
}

void SlotMap::Move(uint16_t slot, const NodeAddress& master) {
  for (size_t i = 0; i < shards_.size(); ++i) {
    if (shards_[i].master == master) {
      owner_[slot % kClusterSlots] = static_cast<int16_t>(i);
      return;
    }
  }
  shards_.push_back(Shard{master, {}});
  owner_[slot % kClusterSlots] = static_cast<int16_t>(shards_.size() - 1);
}

int SlotMap::covered() const {
  int n = 0;
  for (int16_t o : owner_) n += o >= 0;
  return n;
}

std::optional<Redirect> ParseRedirect(absl::string_view error) {
  std::vector<absl::string_view> parts = absl::StrSplit(error, ' ');
  if (parts.size() != 3 || (parts[0] != "MOVED" && parts[0] != "ASK")) {
    return std::nullopt;
  }
  Redirect out;
  out.ask = parts[0] == "ASK";
  int slot = 0;
  if (!absl::SimpleAtoi(parts[1], &slot) || slot < 0 || slot >= kClusterSlots) {
    return std::nullopt;
  }
  out.slot = static_cast<uint16_t>(slot);
  size_t colon = parts[2].rfind(':');
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(parts[2].substr(colon + 1), &out.to.port)) {
    return std::nullopt;
  }
  out.to.host = std::string(parts[2].substr(0, colon));
  return out;
}

}  // namespace statstracker
