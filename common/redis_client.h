#ifndef STATSTRACKER_COMMON_REDIS_CLIENT_H_
#define STATSTRACKER_COMMON_REDIS_CLIENT_H_

// Redis access for the worker, the server and the tools: one class for a
// single Redis and for a Redis Cluster, on hiredis.
//
// Connect() asks the first reachable seed for CLUSTER SHARDS. A Redis
// without cluster support is used as it is. On a cluster the connection
// keeps a connection per node it has talked to and the slot map, and routes
// every command by the slot of its keys (common/redis_slots.h): MOVED
// updates the map and retries at the new owner, ASK retries once with
// ASKING, TRYAGAIN / CLUSTERDOWN / LOADING retry with backoff, a lost node
// makes it reload the map from another node. A pipeline is split per node
// and its replies put back in order. A MULTI ... EXEC block goes to one node
// as a unit; its keys must share a slot (else INVALID_ARGUMENT before
// anything is sent). Pipelines holding WATCH or MULTI are never retried by
// the client: their caller sees the redirection or the error and starts
// over, so optimistic locking is never silently lost. Keyless commands
// (PING, UNWATCH, WAIT, ...) go to the node the previous command went to.

#include <hiredis/hiredis.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/redis_slots.h"

namespace statstracker {

// A Redis reply, copied out of hiredis so it outlives the connection buffer.
struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  int64_t integer = 0;
  std::vector<RedisReply> elements;  // kArray

  bool is_nil() const { return type == Type::kNil; }
  bool is_error() const { return type == Type::kError; }
  // The reply as a readable string, for errors and logs.
  std::string DebugString() const;
};

// Where Redis is.
struct RedisTarget {
  // Tried in order until one answers; one is enough for a cluster (the
  // others are learnt from it).
  std::vector<NodeAddress> seeds;
  std::string password;  // AUTH, when not empty
  // Connect and per-command timeout.
  absl::Duration timeout = absl::Seconds(2);
  // Cluster: read-only commands go to a replica of their slot (READONLY).
  bool read_from_replicas = false;
};

// A connection to Redis (one server or a cluster). Commands are always sent
// as argument vectors (redisCommandArgv), so values are binary-safe and never
// parsed. Not thread-safe: use one per thread.
class RedisConnection {
 public:
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(
      const RedisTarget& target);
  // Connects to `host`:`port` (a single Redis, or a seed of a cluster) and,
  // if `password` is non-empty, authenticates. UNAVAILABLE if Redis cannot be
  // reached within `timeout`, which also bounds each command.
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(
      const std::string& host, int port, absl::Duration timeout,
      const std::string& password = "");

  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Runs one command. A Redis error reply is returned as a reply of type
  // kError (not a failed status), so callers can tell "Redis said no" from
  // "Redis is gone"; the latter is UNAVAILABLE. INVALID_ARGUMENT for keys in
  // two cluster slots.
  absl::StatusOr<RedisReply> Command(const std::vector<std::string>& args);

  // Sends all commands (in one round trip per node) and returns their
  // replies in order.
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands);
  // The same, running `while_waiting` once every command is written and
  // before the replies are read, so the caller's work overlaps Redis
  // running the commands (not run when sending failed).
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<std::string>>& commands,
      const std::function<void()>& while_waiting);

  // Like Command, but an error reply becomes an INTERNAL status that quotes
  // the command name and Redis's message.
  absl::StatusOr<RedisReply> CommandOk(const std::vector<std::string>& args);

  // Runs a keyless command on the node that serves `route_key`'s slot (on a
  // single Redis: on it), e.g. WAIT after a transaction on that slot.
  absl::StatusOr<RedisReply> CommandFor(absl::string_view route_key,
                                        const std::vector<std::string>& args);

  // Runs a keyless command on every master (on a single Redis: once), e.g.
  // KEYS, SCAN, INFO, FLUSHALL; replies in the order of masters().
  absl::StatusOr<std::vector<RedisReply>> OnEveryMaster(
      const std::vector<std::string>& args);
  // The masters ("host:port"), one for a single Redis.
  std::vector<std::string> masters() const;

  bool cluster() const { return cluster_; }

  // True once no node can be reached any more; connect anew to recover.
  bool broken() const { return broken_; }

 private:
  class Node;
  explicit RedisConnection(RedisTarget target);

  absl::StatusOr<Node*> NodeAt(const NodeAddress& address);
  absl::Status LoadSlots();
  // The node for a slot (nullopt: keyless) and command name.
  absl::StatusOr<Node*> Route(std::optional<uint16_t> slot,
                              absl::string_view command);
  absl::StatusOr<RedisReply> ClusterCommand(
      const std::vector<std::string>& args, std::optional<uint16_t> route_slot);
  absl::StatusOr<std::vector<RedisReply>> ClusterPipeline(
      const std::vector<std::vector<std::string>>& commands,
      const std::function<void()>& while_waiting);
  // After a node failed: forget it and reload the map from another node.
  void NodeFailed(const std::string& key);

  RedisTarget target_;
  bool cluster_ = false;
  bool broken_ = false;
  std::map<std::string, std::unique_ptr<Node>> nodes_;  // "host:port"
  SlotMap slots_;
  std::string sticky_;  // node the last command went to
};

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_REDIS_CLIENT_H_
