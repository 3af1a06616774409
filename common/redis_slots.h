#ifndef STATSTRACKER_COMMON_REDIS_SLOTS_H_
#define STATSTRACKER_COMMON_REDIS_SLOTS_H_

// Redis Cluster addressing, without I/O: which of the 16,384 hash slots a key
// is in, which arguments of a command are keys, and the slot map a cluster
// reports with CLUSTER SHARDS. Used by RedisConnection (redis_client.h) to
// route commands; pure, so it is unit-tested on its own.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace statstracker {

struct RedisReply;

inline constexpr int kClusterSlots = 16384;

// CRC16 (XMODEM) of the key's hash tag (the part between the first '{' and
// the next '}', when not empty) or of the whole key, mod 16384: the slot
// Redis Cluster keeps the key in.
uint16_t KeySlot(absl::string_view key);

// The key arguments of `args` (a command and its arguments), for the
// commands Stats Tracker and its tools send: fixed positions for most,
// EVAL*/FCALL numkeys, XREAD/XREADGROUP STREAMS, the subcommand forms of
// XINFO, XGROUP, MEMORY USAGE and OBJECT. Empty for commands without keys
// (PING, MULTI, EXEC, WAIT, SCRIPT, INFO, ...). A command not in the table
// is taken to have its key at position 1.
std::vector<absl::string_view> CommandKeys(
    const std::vector<std::string>& args);

// The one slot all keys of `args` are in; nullopt for a command without
// keys. INVALID_ARGUMENT naming two keys and their slots when they differ
// (Redis Cluster would refuse it with CROSSSLOT).
absl::StatusOr<std::optional<uint16_t>> CommandSlot(
    const std::vector<std::string>& args);

// Whether a command only reads (may go to a replica in READONLY mode).
bool IsReadOnlyCommand(absl::string_view name);

// "host:port" of a node.
struct NodeAddress {
  std::string host;
  int port = 0;
  std::string ToString() const;
  bool operator==(const NodeAddress& o) const {
    return host == o.host && port == o.port;
  }
};

// Which node serves each slot: a master, and its replicas that are online.
class SlotMap {
 public:
  struct Shard {
    NodeAddress master;
    std::vector<NodeAddress> replicas;
  };

  // Parses a CLUSTER SHARDS reply (Redis 7). INTERNAL for a malformed reply;
  // slots no online master serves map to no shard.
  static absl::StatusOr<SlotMap> FromClusterShards(const RedisReply& reply);

  // The shard serving `slot`, or nullptr if none does.
  const Shard* ShardOf(uint16_t slot) const;
  // Records a MOVED redirection: `slot` is now served by `master`.
  void Move(uint16_t slot, const NodeAddress& master);
  const std::vector<Shard>& shards() const { return shards_; }
  // Slots served (16384 when the cluster is complete).
  int covered() const;

 private:
  std::vector<Shard> shards_;
  std::vector<int16_t> owner_ = std::vector<int16_t>(kClusterSlots, -1);
};

// Parses the "<slot> <host>:<port>" of a MOVED or ASK error ("MOVED 3999
// 127.0.0.1:6381"). nullopt if `error` is not one.
struct Redirect {
  bool ask = false;
  uint16_t slot = 0;
  NodeAddress to;
};
std::optional<Redirect> ParseRedirect(absl::string_view error);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_REDIS_SLOTS_H_
