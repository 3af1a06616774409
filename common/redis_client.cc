#include "common/redis_client.h"

#include <sys/time.h>

#include <algorithm>
#include <memory>
#include <set>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"

namespace statstracker {
namespace {

// Attempts of one command on a cluster (redirections, node failures and
// TRYAGAIN / CLUSTERDOWN), with a growing pause from kFirstBackoff.
constexpr int kMaxAttempts = 8;
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(20);

void AppendArgv(redisContext* ctx, const std::vector<std::string>& args) {
  // Most commands have a few arguments: no allocation for their pointers.
  absl::InlinedVector<const char*, 8> argv;
  absl::InlinedVector<size_t, 8> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(ctx, static_cast<int>(args.size()), argv.data(),
                         lens.data());
}

// Errors after which the same command may succeed a moment later.
bool IsTransient(const RedisReply& reply) {
  if (!reply.is_error()) return false;
  for (absl::string_view prefix :
       {"TRYAGAIN", "CLUSTERDOWN", "LOADING", "MASTERDOWN"}) {
    if (absl::StartsWith(reply.str, prefix)) return true;
  }
  return false;
}

bool IsClusterDisabled(const RedisReply& reply) {
  return reply.is_error() && absl::StrContains(absl::AsciiStrToLower(reply.str),
                                               "cluster support disabled");
}

bool IsTransactionCommand(absl::string_view name) {
  return absl::EqualsIgnoreCase(name, "multi") ||
         absl::EqualsIgnoreCase(name, "watch");
}

}  // namespace

namespace {

// hiredis's reader builds each reply through these, straight into
// RedisReply: a reply is built once, not built by hiredis and then copied.
// Elements go into their array's slot (arrays are sized when created), so
// only a top-level reply is allocated on its own; hiredis frees only those.
void* PlaceReply(const redisReadTask* task, RedisReply&& value) {
  if (task->parent != nullptr) {
    auto* array = static_cast<RedisReply*>(task->parent->obj);
    RedisReply& slot = array->elements[task->idx];
    slot = std::move(value);
    return &slot;
  }
  return new RedisReply(std::move(value));
}

void* CreateString(const redisReadTask* task, char* str, size_t len) {
  RedisReply r;
  r.type = task->type == REDIS_REPLY_ERROR    ? RedisReply::Type::kError
           : task->type == REDIS_REPLY_STATUS ? RedisReply::Type::kStatus
                                              : RedisReply::Type::kString;
  r.str.assign(str, len);
  return PlaceReply(task, std::move(r));
}

void* CreateArray(const redisReadTask* task, int elements) {
  RedisReply r;
  r.type = RedisReply::Type::kArray;
  if (elements > 0) r.elements.resize(elements);
  return PlaceReply(task, std::move(r));
}

void* CreateInteger(const redisReadTask* task, long long value) {  // NOLINT
  RedisReply r;
  r.type = RedisReply::Type::kInteger;
  r.integer = value;
  return PlaceReply(task, std::move(r));
}

void* CreateNil(const redisReadTask* task) {
  return PlaceReply(task, RedisReply());
}

void FreeReply(void* reply) { delete static_cast<RedisReply*>(reply); }

redisReplyObjectFunctions* ReplyFunctions() {
  static redisReplyObjectFunctions functions = {
      CreateString, CreateArray, CreateInteger, CreateNil, FreeReply};
  return &functions;
}

}  // namespace

std::string RedisReply::DebugString() const {
  switch (type) {
    case Type::kNil:
      return "(nil)";
    case Type::kString:
    case Type::kStatus:
      return str;
    case Type::kError:
      return absl::StrCat("(error) ", str);
    case Type::kInteger:
      return absl::StrCat(integer);
    case Type::kArray: {
      std::vector<std::string> parts;
      for (const auto& e : elements) parts.push_back(e.DebugString());
      return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
    }
  }
  return "";
}

// One hiredis connection to one Redis process.
class RedisConnection::Node {
 public:
  static absl::StatusOr<std::unique_ptr<Node>> Open(const NodeAddress& address,
                                                    const RedisTarget& target) {
    timeval tv = absl::ToTimeval(target.timeout);
    redisContext* ctx =
        redisConnectWithTimeout(address.host.c_str(), address.port, tv);
    if (ctx == nullptr) {
      return absl::UnavailableError(absl::StrCat("redis ", address.ToString(),
                                                 ": cannot allocate context"));
    }
    if (ctx->err != 0) {
      std::string msg = absl::StrCat("redis ", address.ToString(),
                                     " unreachable: ", ctx->errstr);
      redisFree(ctx);
      return absl::UnavailableError(msg);
    }
    redisSetTimeout(ctx, tv);
    ctx->reader->fn = ReplyFunctions();  // replies built as RedisReply
    std::unique_ptr<Node> node(new Node(address, ctx));
    if (!target.password.empty()) {
      auto reply = node->Send({{"AUTH", target.password}});
      if (!reply.ok()) return reply.status();
      if ((*reply)[0].is_error()) {
        return absl::PermissionDeniedError(absl::StrCat(
            "redis ", address.ToString(), " rejected AUTH: ", (*reply)[0].str));
      }
    }
    return node;
  }

  ~Node() { redisFree(ctx_); }

  // Writes every command, then reads every reply.
  absl::StatusOr<std::vector<RedisReply>> Send(
      const std::vector<std::vector<std::string>>& commands) {
    absl::Status appended = Append(commands);
    if (!appended.ok()) return appended;
    return Receive(commands.size());
  }
  absl::Status Append(const std::vector<std::vector<std::string>>& commands) {
    if (broken_) return Broken();
    for (const auto& args : commands) AppendArgv(ctx_, args);
    return absl::OkStatus();
  }
  // Writes what Append queued (Receive would write it first otherwise).
  absl::Status Flush() {
    if (broken_) return Broken();
    int done = 0;
    while (done == 0) {
      if (redisBufferWrite(ctx_, &done) != REDIS_OK) {
        broken_ = true;
        return Broken();
      }
    }
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<RedisReply>> Receive(size_t n) {
    std::vector<RedisReply> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      void* raw = nullptr;
      if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
        broken_ = true;
        return Broken();
      }
      // Built by ReplyFunctions().
      std::unique_ptr<RedisReply> reply(static_cast<RedisReply*>(raw));
      out.push_back(std::move(*reply));
    }
    return out;
  }

  bool IsBroken() const { return broken_; }
  bool readonly = false;  // READONLY sent (replica reads)
  const NodeAddress& Address() const { return address_; }

 private:
  Node(NodeAddress address, redisContext* ctx)
      : address_(std::move(address)), ctx_(ctx) {}
  absl::Status Broken() const {
    return absl::UnavailableError(absl::StrCat(
        "redis ", address_.ToString(), ": ",
        ctx_->errstr[0] != '\0' ? ctx_->errstr : "connection lost"));
  }

  NodeAddress address_;
  redisContext* ctx_;
  bool broken_ = false;
};

RedisConnection::RedisConnection(RedisTarget target)
    : target_(std::move(target)) {}

RedisConnection::~RedisConnection() = default;

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const std::string& host, int port, absl::Duration timeout,
    const std::string& password) {
  RedisTarget target;
  target.seeds = {NodeAddress{host, port}};
  target.timeout = timeout;
  target.password = password;
  return Connect(target);
}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const RedisTarget& target) {
  if (target.seeds.empty()) {
    return absl::InvalidArgumentError("redis: no address to connect to");
  }
  std::unique_ptr<RedisConnection> conn(new RedisConnection(target));
  absl::Status last;
  for (const NodeAddress& seed : target.seeds) {
    auto node = conn->NodeAt(seed);
    if (!node.ok()) {
      if (absl::IsPermissionDenied(node.status())) return node.status();
      last = node.status();
      continue;
    }
    auto shards = (*node)->Send({{"CLUSTER", "SHARDS"}});
    if (!shards.ok()) {
      last = shards.status();
      conn->nodes_.erase(seed.ToString());
      continue;
    }
    if ((*shards)[0].is_error()) {
      if (!IsClusterDisabled((*shards)[0]) &&
          !absl::StrContains((*shards)[0].str, "unknown subcommand")) {
        return absl::UnavailableError(absl::StrCat(
            "redis ", seed.ToString(), ": CLUSTER SHARDS: ", (*shards)[0].str));
      }
      conn->sticky_ = seed.ToString();  // a single Redis: the one that answered
      conn->target_.seeds = {seed};
      return conn;
    }
    auto map = SlotMap::FromClusterShards((*shards)[0]);
    if (!map.ok()) return map.status();
    conn->cluster_ = true;
    conn->slots_ = *std::move(map);
    conn->sticky_ = seed.ToString();
    return conn;
  }
  return last;
}

absl::StatusOr<RedisConnection::Node*> RedisConnection::NodeAt(
    const NodeAddress& address) {
  const std::string key = address.ToString();
  auto it = nodes_.find(key);
  if (it != nodes_.end() && !it->second->IsBroken()) return it->second.get();
  auto node = Node::Open(address, target_);
  if (!node.ok()) return node.status();
  Node* raw = node->get();
  nodes_[key] = *std::move(node);
  return raw;
}

void RedisConnection::NodeFailed(const std::string& key) {
  nodes_.erase(key);
  if (!cluster_) {
    broken_ = true;
    return;
  }
  absl::Status loaded = LoadSlots();
  if (!loaded.ok()) broken_ = true;
}

absl::Status RedisConnection::LoadSlots() {
  // Ask a node we know, then the seeds.
  std::vector<NodeAddress> candidates;
  for (const SlotMap::Shard& shard : slots_.shards()) {
    candidates.push_back(shard.master);
    for (const NodeAddress& r : shard.replicas) candidates.push_back(r);
  }
  candidates.insert(candidates.end(), target_.seeds.begin(),
                    target_.seeds.end());
  absl::Status last = absl::UnavailableError("redis cluster: no node answers");
  for (const NodeAddress& address : candidates) {
    auto node = NodeAt(address);
    if (!node.ok()) {
      last = node.status();
      continue;
    }
    auto shards = (*node)->Send({{"CLUSTER", "SHARDS"}});
    if (!shards.ok() || (*shards)[0].is_error()) {
      if (!shards.ok()) nodes_.erase(address.ToString());
      continue;
    }
    auto map = SlotMap::FromClusterShards((*shards)[0]);
    if (!map.ok()) {
      last = map.status();
      continue;
    }
    slots_ = *std::move(map);
    return absl::OkStatus();
  }
  return last;
}

absl::StatusOr<RedisConnection::Node*> RedisConnection::Route(
    std::optional<uint16_t> slot, absl::string_view command) {
  if (!cluster_ || !slot.has_value()) {
    if (!sticky_.empty()) {
      auto it = nodes_.find(sticky_);
      if (it != nodes_.end() && !it->second->IsBroken())
        return it->second.get();
    }
    if (!cluster_) return NodeAt(target_.seeds.front());
    for (const SlotMap::Shard& shard : slots_.shards()) {
      auto node = NodeAt(shard.master);
      if (node.ok()) return node;
    }
    return absl::UnavailableError("redis cluster: no master reachable");
  }
  const SlotMap::Shard* shard = slots_.ShardOf(*slot);
  if (shard == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("redis cluster: no node serves slot ", *slot));
  }
  if (target_.read_from_replicas && !shard->replicas.empty() &&
      IsReadOnlyCommand(command)) {
    const NodeAddress& replica =
        shard->replicas[*slot % shard->replicas.size()];
    auto node = NodeAt(replica);
    if (node.ok()) {
      if (!(*node)->readonly) {
        auto ro = (*node)->Send({{"READONLY"}});
        if (ro.ok() && !(*ro)[0].is_error()) (*node)->readonly = true;
      }
      if ((*node)->readonly) return node;
    }
  }
  return NodeAt(shard->master);
}

absl::StatusOr<RedisReply> RedisConnection::Command(
    const std::vector<std::string>& args) {
  if (broken_) return absl::UnavailableError("redis connection is broken");
  if (!cluster_) {
    auto node = NodeAt(target_.seeds.front());
    if (!node.ok()) {
      broken_ = true;
      return node.status();
    }
    auto replies = (*node)->Send({args});
    if (!replies.ok()) {
      broken_ = true;
      return replies.status();
    }
    return std::move((*replies)[0]);
  }
  auto slot = CommandSlot(args);
  if (!slot.ok()) return slot.status();
  return ClusterCommand(args, *slot);
}

absl::StatusOr<RedisReply> RedisConnection::ClusterCommand(
    const std::vector<std::string>& args, std::optional<uint16_t> route_slot) {
  absl::Duration backoff = kFirstBackoff;
  absl::Status last = absl::UnavailableError("redis cluster: no attempt made");
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto node = Route(route_slot, args.empty() ? "" : args[0]);
    if (!node.ok()) {
      last = node.status();
      (void)LoadSlots();
      absl::SleepFor(backoff);
      backoff *= 2;
      continue;
    }
    const std::string key = (*node)->Address().ToString();
    auto replies = (*node)->Send({args});
    if (!replies.ok()) {
      last = replies.status();
      NodeFailed(key);
      broken_ = false;  // other nodes may still serve
      absl::SleepFor(backoff);
      backoff *= 2;
      continue;
    }
    RedisReply& reply = (*replies)[0];
    if (reply.is_error()) {
      std::optional<Redirect> redirect = ParseRedirect(reply.str);
      if (redirect.has_value() && !redirect->ask) {
        slots_.Move(redirect->slot, redirect->to);
        continue;
      }
      if (redirect.has_value()) {
        auto target = NodeAt(redirect->to);
        if (!target.ok()) {
          last = target.status();
          continue;
        }
        auto asked = (*target)->Send({{"ASKING"}, args});
        if (!asked.ok()) {
          last = asked.status();
          NodeFailed(redirect->to.ToString());
          broken_ = false;
          continue;
        }
        return std::move((*asked)[1]);
      }
      if (IsTransient(reply)) {
        last = absl::OkStatus();
        absl::SleepFor(backoff);
        backoff *= 2;
        if (attempt + 1 == kMaxAttempts) return reply;
        continue;
      }
    }
    sticky_ = key;
    return std::move(reply);
  }
  if (last.ok())
    last = absl::UnavailableError("redis cluster: retries exhausted");
  return last;
}

absl::StatusOr<std::vector<RedisReply>> RedisConnection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  return Pipeline(commands, nullptr);
}

absl::StatusOr<std::vector<RedisReply>> RedisConnection::Pipeline(
    const std::vector<std::vector<std::string>>& commands,
    const std::function<void()>& while_waiting) {
  if (broken_) return absl::UnavailableError("redis connection is broken");
  if (commands.empty()) {
    if (while_waiting) while_waiting();
    return std::vector<RedisReply>();
  }
  if (!cluster_) {
    auto node = NodeAt(target_.seeds.front());
    if (!node.ok()) {
      broken_ = true;
      return node.status();
    }
    absl::Status sent = (*node)->Append(commands);
    if (sent.ok() && while_waiting) sent = (*node)->Flush();
    if (!sent.ok()) {
      broken_ = true;
      return sent;
    }
    if (while_waiting) while_waiting();
    auto replies = (*node)->Receive(commands.size());
    if (!replies.ok()) broken_ = true;
    return replies;
  }
  return ClusterPipeline(commands, while_waiting);
}

absl::StatusOr<std::vector<RedisReply>> RedisConnection::ClusterPipeline(
    const std::vector<std::vector<std::string>>& commands,
    const std::function<void()>& while_waiting) {
  // Units: single commands, or MULTI ... EXEC blocks; each with its slot.
  struct Unit {
    size_t begin, end;  // [begin, end) of `commands`
    std::optional<uint16_t> slot;
  };
  std::vector<Unit> units;
  bool transactional = false;
  for (size_t i = 0; i < commands.size();) {
    const std::string name =
        commands[i].empty() ? "" : absl::AsciiStrToLower(commands[i][0]);
    if (IsTransactionCommand(name)) transactional = true;
    Unit unit{i, i + 1, std::nullopt};
    if (name == "multi") {
      size_t j = i + 1;
      while (j < commands.size() &&
             !absl::EqualsIgnoreCase(commands[j].empty() ? "" : commands[j][0],
                                     "exec") &&
             !absl::EqualsIgnoreCase(commands[j].empty() ? "" : commands[j][0],
                                     "discard")) {
        ++j;
      }
      unit.end = std::min(j + 1, commands.size());
    }
    for (size_t k = unit.begin; k < unit.end; ++k) {
      auto slot = CommandSlot(commands[k]);
      if (!slot.ok()) return slot.status();
      if (!slot->has_value()) continue;
      if (unit.slot.has_value() && *unit.slot != **slot) {
        return absl::InvalidArgumentError(absl::StrCat(
            "redis transaction: its commands use keys of slots ", *unit.slot,
            " and ", **slot,
            "; a MULTI/EXEC block on Redis Cluster may only use keys of one "
            "slot (give them one {hash tag})"));
      }
      unit.slot = *slot;
    }
    units.push_back(unit);
    i = unit.end;
  }
  // Keyless units follow the nearest keyed unit before them (else after).
  std::optional<uint16_t> previous;
  for (Unit& u : units) {
    if (u.slot.has_value()) {
      previous = u.slot;
    } else {
      u.slot = previous;
    }
  }
  std::optional<uint16_t> next;
  for (auto it = units.rbegin(); it != units.rend(); ++it) {
    if (it->slot.has_value()) {
      next = it->slot;
    } else {
      it->slot = next;
    }
  }
  // Route, send per node (all writes first, then the reads), reassemble.
  std::map<std::string, std::vector<size_t>> by_node;  // node -> commands
  std::map<std::string, Node*> targets;
  std::string last_node;
  for (const Unit& u : units) {
    auto node =
        Route(u.slot, commands[u.begin].empty() ? "" : commands[u.begin][0]);
    if (!node.ok()) {
      (void)LoadSlots();
      return node.status();
    }
    const std::string key = (*node)->Address().ToString();
    targets[key] = *node;
    last_node = key;
    for (size_t k = u.begin; k < u.end; ++k) by_node[key].push_back(k);
  }
  // A node sent commands whose replies were not all read is out of step
  // with them: when any node fails, every such connection is dropped (and
  // the failed node's slot map reloaded), never reused.
  std::set<std::string> unread;
  auto fail = [this, &unread](const std::string& key, absl::Status status) {
    for (const std::string& other : unread) {
      if (other != key) nodes_.erase(other);
    }
    NodeFailed(key);
    broken_ = false;
    return status;
  };
  for (auto& [key, indexes] : by_node) {
    std::vector<std::vector<std::string>> batch;
    batch.reserve(indexes.size());
    for (size_t k : indexes) batch.push_back(commands[k]);
    unread.insert(key);
    absl::Status appended = targets[key]->Append(batch);
    if (!appended.ok()) return fail(key, appended);
  }
  if (while_waiting) {
    for (auto& [key, indexes] : by_node) {
      absl::Status flushed = targets[key]->Flush();
      if (!flushed.ok()) return fail(key, flushed);
    }
    while_waiting();
  }
  std::vector<RedisReply> out(commands.size());
  for (auto& [key, indexes] : by_node) {
    auto replies = targets[key]->Receive(indexes.size());
    if (!replies.ok()) return fail(key, replies.status());
    unread.erase(key);
    for (size_t i = 0; i < indexes.size(); ++i) {
      out[indexes[i]] = std::move((*replies)[i]);
    }
  }
  sticky_ = last_node;
  // Independent commands that were redirected or met a transient error are
  // retried one by one; never those of a pipeline with WATCH or MULTI.
  bool moved = false;
  for (size_t i = 0; i < out.size(); ++i) {
    if (!out[i].is_error()) continue;
    std::optional<Redirect> redirect = ParseRedirect(out[i].str);
    if (redirect.has_value() && !redirect->ask) {
      slots_.Move(redirect->slot, redirect->to);
      moved = true;
    }
    if (transactional || (!redirect.has_value() && !IsTransient(out[i]))) {
      continue;
    }
    auto retried = Command(commands[i]);
    if (!retried.ok()) return retried.status();
    out[i] = *std::move(retried);
  }
  if (moved && transactional) (void)LoadSlots();
  return out;
}

absl::StatusOr<RedisReply> RedisConnection::CommandOk(
    const std::vector<std::string>& args) {
  auto reply = Command(args);
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    return absl::InternalError(
        absl::StrCat("redis ", args.empty() ? "" : args[0], ": ", reply->str));
  }
  return reply;
}

absl::StatusOr<RedisReply> RedisConnection::CommandFor(
    absl::string_view route_key, const std::vector<std::string>& args) {
  if (!cluster_) return Command(args);
  if (broken_) return absl::UnavailableError("redis connection is broken");
  return ClusterCommand(args, KeySlot(route_key));
}

std::vector<std::string> RedisConnection::masters() const {
  std::vector<std::string> out;
  if (!cluster_) {
    out.push_back(target_.seeds.front().ToString());
    return out;
  }
  for (const SlotMap::Shard& shard : slots_.shards()) {
    out.push_back(shard.master.ToString());
  }
  return out;
}

absl::StatusOr<std::vector<RedisReply>> RedisConnection::OnEveryMaster(
    const std::vector<std::string>& args) {
  if (!cluster_) {
    auto reply = Command(args);
    if (!reply.ok()) return reply.status();
    return std::vector<RedisReply>{*std::move(reply)};
  }
  std::vector<RedisReply> out;
  for (const SlotMap::Shard& shard : slots_.shards()) {
    auto node = NodeAt(shard.master);
    if (!node.ok()) {
      // A master that is gone: learn the map again (a replica may have
      // taken over), so the next call asks the new master.
      (void)LoadSlots();
      return node.status();
    }
    auto replies = (*node)->Send({args});
    if (!replies.ok()) {
      NodeFailed(shard.master.ToString());
      broken_ = false;
      return replies.status();
    }
    out.push_back(std::move((*replies)[0]));
  }
  return out;
}

}  // namespace statstracker
