#include "tests/redis_cluster.h"

#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/redis_slots.h"

namespace statstracker {
namespace testing {
namespace {

std::string Run(const std::string& command, int* status) {
  FILE* pipe = popen(absl::StrCat(command, " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  *status = pclose(pipe);
  return out;
}

absl::StatusOr<RedisReply> Ask(RedisServer& node,
                               const std::vector<std::string>& args) {
  auto conn = RedisConnection::Connect(node.host(), node.port(),
                                       absl::Seconds(5));
  if (!conn.ok()) return conn.status();
  return (*conn)->Command(args);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisCluster>> RedisCluster::Start(
    Options options) {
  std::unique_ptr<RedisCluster> cluster(new RedisCluster());
  const int total = options.masters * (1 + options.replicas_per_master);
  for (int i = 0; i < total; ++i) {
    RedisServer::Options node;
    node.extra_args = {
        "--cluster-enabled",      "yes",
        "--cluster-config-file",  "nodes.conf",
        "--cluster-node-timeout",
        absl::StrCat(absl::ToInt64Milliseconds(options.node_timeout)),
        // Failover quickly whatever the replica's lag in a test.
        "--cluster-replica-validity-factor", "0",
        "--cluster-require-full-coverage", "yes"};
    auto server = RedisServer::Start(node);
    if (!server.ok()) return server.status();
    cluster->nodes_.push_back(*std::move(server));
  }
  std::vector<std::string> addresses = cluster->addresses();
  int status = 0;
  std::string out = Run(absl::StrCat("redis-cli --cluster create ",
                                     absl::StrJoin(addresses, " "),
                                     " --cluster-replicas ",
                                     options.replicas_per_master,
                                     " --cluster-yes"),
                        &status);
  if (status != 0) {
    return absl::UnavailableError(
        absl::StrCat("redis-cli --cluster create failed:\n", out));
  }
  absl::Status healthy = cluster->WaitHealthy(
      absl::Seconds(30), options.replicas_per_master > 0);
  if (!healthy.ok()) return healthy;
  return cluster;
}

std::vector<std::string> RedisCluster::addresses() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) {
    out.push_back(absl::StrCat(n->host(), ":", n->port()));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisCluster::Connect()
    const {
  RedisTarget target;
  for (const auto& n : nodes_) {
    if (n->running()) target.seeds.push_back(NodeAddress{n->host(), n->port()});
  }
  target.timeout = absl::Seconds(5);
  return RedisConnection::Connect(target);
}

int RedisCluster::IndexOfPort(int port) const {
  for (int i = 0; i < size(); ++i) {
    if (nodes_[i]->port() == port) return i;
  }
  return -1;
}

absl::StatusOr<int> RedisCluster::MasterOf(absl::string_view key) {
  auto conn = Connect();
  if (!conn.ok()) return conn.status();
  auto shards = (*conn)->Command({"CLUSTER", "SHARDS"});
  if (!shards.ok()) return shards.status();
  auto map = SlotMap::FromClusterShards(*shards);
  if (!map.ok()) return map.status();
  const SlotMap::Shard* shard = map->ShardOf(KeySlot(key));
  if (shard == nullptr) return absl::NotFoundError("no master for the slot");
  return IndexOfPort(shard->master.port);
}

absl::StatusOr<int> RedisCluster::ReplicaOf(int master) {
  auto conn = Connect();
  if (!conn.ok()) return conn.status();
  auto shards = (*conn)->Command({"CLUSTER", "SHARDS"});
  if (!shards.ok()) return shards.status();
  auto map = SlotMap::FromClusterShards(*shards);
  if (!map.ok()) return map.status();
  for (const SlotMap::Shard& shard : map->shards()) {
    if (shard.master.port == nodes_[master]->port() &&
        !shard.replicas.empty()) {
      return IndexOfPort(shard.replicas[0].port);
    }
  }
  return absl::NotFoundError("no online replica");
}

absl::Status RedisCluster::WaitHealthy(absl::Duration timeout,
                                       bool with_replicas) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  while (absl::Now() < deadline) {
    bool ok = true;
    for (auto& n : nodes_) {
      if (!n->running()) continue;
      auto info = Ask(*n, {"CLUSTER", "INFO"});
      if (!info.ok() || !absl::StrContains(info->str, "cluster_state:ok") ||
          !absl::StrContains(info->str, "cluster_slots_ok:16384")) {
        last = info.ok() ? info->str : std::string(info.status().message());
        ok = false;
        break;
      }
    }
    if (ok && with_replicas) {
      auto conn = Connect();
      auto shards = conn.ok() ? (*conn)->Command({"CLUSTER", "SHARDS"})
                              : absl::StatusOr<RedisReply>(conn.status());
      auto map = shards.ok() ? SlotMap::FromClusterShards(*shards)
                             : absl::StatusOr<SlotMap>(shards.status());
      if (!map.ok()) {
        ok = false;
      } else {
        for (const SlotMap::Shard& s : map->shards()) {
          if (s.replicas.empty()) ok = false;
        }
      }
      if (!ok) last = "a master without an online replica";
    }
    if (ok) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the cluster did not become healthy: ", last));
}

absl::StatusOr<std::string> RedisCluster::NodeId(int i) {
  auto id = Ask(*nodes_[i], {"CLUSTER", "MYID"});
  if (!id.ok()) return id.status();
  return id->str;
}

absl::Status RedisCluster::MoveSlot(uint16_t slot, int to, int batch,
                                    absl::Duration pause) {
  auto owner_key = [slot]() {
    // Any key of the slot names it for MasterOf; build one by search.
    for (int i = 0;; ++i) {
      std::string key = absl::StrCat("probe-", i);
      if (KeySlot(key) == slot) return key;
    }
  };
  auto from = MasterOf(owner_key());
  if (!from.ok()) return from.status();
  if (*from == to) return absl::OkStatus();
  auto from_id = NodeId(*from);
  auto to_id = NodeId(to);
  if (!from_id.ok()) return from_id.status();
  if (!to_id.ok()) return to_id.status();
  const std::string s = absl::StrCat(slot);
  for (auto [node, args] : std::vector<
           std::pair<int, std::vector<std::string>>>{
           {to, {"CLUSTER", "SETSLOT", s, "IMPORTING", *from_id}},
           {*from, {"CLUSTER", "SETSLOT", s, "MIGRATING", *to_id}}}) {
    auto reply = Ask(*nodes_[node], args);
    if (!reply.ok()) return reply.status();
    if (reply->is_error()) return absl::InternalError(reply->str);
  }
  while (true) {
    auto keys = Ask(*nodes_[*from],
                    {"CLUSTER", "GETKEYSINSLOT", s, absl::StrCat(batch)});
    if (!keys.ok()) return keys.status();
    if (keys->elements.empty()) break;
    std::vector<std::string> migrate = {
        "MIGRATE", nodes_[to]->host(), absl::StrCat(nodes_[to]->port()), "",
        "0",       "5000",             "KEYS"};
    for (const RedisReply& k : keys->elements) migrate.push_back(k.str);
    auto moved = Ask(*nodes_[*from], migrate);
    if (!moved.ok()) return moved.status();
    if (moved->is_error()) return absl::InternalError(moved->str);
    absl::SleepFor(pause);
  }
  for (int i = 0; i < size(); ++i) {
    if (!nodes_[i]->running()) continue;
    auto role = Ask(*nodes_[i], {"ROLE"});
    if (!role.ok() || role->elements.empty() ||
        role->elements[0].str != "master") {
      continue;
    }
    auto reply = Ask(*nodes_[i], {"CLUSTER", "SETSLOT", s, "NODE", *to_id});
    if (!reply.ok()) return reply.status();
  }
  return absl::OkStatus();
}

}  // namespace testing
}  // namespace statstracker
