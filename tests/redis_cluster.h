#ifndef STATSTRACKER_TESTS_REDIS_CLUSTER_H_
#define STATSTRACKER_TESTS_REDIS_CLUSTER_H_

// A private Redis Cluster for one test: masters and replicas, each a
// redis-server (tests/redis_server.h) on a free loopback port with its own
// temporary directory, joined with `redis-cli --cluster create`. A short
// cluster-node-timeout makes failovers take about a second. The destructor
// stops every node.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/redis_client.h"
#include "tests/redis_server.h"

namespace statstracker {
namespace testing {

class RedisCluster {
 public:
  struct Options {
    int masters = 3;
    int replicas_per_master = 1;
    absl::Duration node_timeout = absl::Milliseconds(1000);
  };

  static absl::StatusOr<std::unique_ptr<RedisCluster>> Start(Options options);
  static absl::StatusOr<std::unique_ptr<RedisCluster>> Start() {
    return Start(Options());
  }

  // Node i (the first `masters` were created as masters).
  RedisServer& node(int i) { return *nodes_[i]; }
  int size() const { return static_cast<int>(nodes_.size()); }
  // "127.0.0.1:<port>" of every node, for redis.seed_nodes.
  std::vector<std::string> addresses() const;

  // A client connection seeded with every node.
  absl::StatusOr<std::unique_ptr<RedisConnection>> Connect() const;

  // Index of the node that is master of `key`'s slot now.
  absl::StatusOr<int> MasterOf(absl::string_view key);
  // Index of a replica of the master `master` (now).
  absl::StatusOr<int> ReplicaOf(int master);

  // Waits until every running node reports cluster_state:ok with all slots
  // served, and (if `with_replicas`) every master has an online replica.
  absl::Status WaitHealthy(absl::Duration timeout, bool with_replicas = false);

  // Moves `slot`, keys and all, to node `to` the way redis-cli --cluster
  // reshard does (IMPORTING/MIGRATING, MIGRATE in batches of `batch` keys
  // with `pause` between them, SETSLOT NODE): clients meet ASK and TRYAGAIN
  // meanwhile.
  absl::Status MoveSlot(uint16_t slot, int to, int batch = 2,
                        absl::Duration pause = absl::Milliseconds(20));

 private:
  RedisCluster() = default;
  absl::StatusOr<std::string> NodeId(int i);
  int IndexOfPort(int port) const;

  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TESTS_REDIS_CLUSTER_H_
