#include "server/redis_mux.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace statstracker {
namespace server {

RedisMux::RedisMux(Options options) : options_(std::move(options)) {
  const int n = std::max(1, options_.connections);
  for (int i = 0; i < n; ++i) {
    lanes_.push_back(std::make_unique<Lane>());
  }
  for (auto& lane : lanes_) {
    Lane* raw = lane.get();
    raw->thread = std::thread([this, raw] { RunLane(raw); });
  }
}

RedisMux::~RedisMux() {
  for (auto& lane : lanes_) {
    {
      std::lock_guard<std::mutex> lock(lane->mu);
      lane->stop = true;
    }
    lane->wake.notify_one();
  }
  for (auto& lane : lanes_) lane->thread.join();
}

void RedisMux::Submit(Commands commands, bool idempotent, Done done) {
  Lane* lane =
      lanes_[next_lane_.fetch_add(1, std::memory_order_relaxed) % lanes_.size()]
          .get();
  {
    std::lock_guard<std::mutex> lock(lane->mu);
    if (!lane->stop) {
      lane->queue.push_back(
          Request{std::move(commands), idempotent, false, std::move(done)});
      lane->wake.notify_one();
      return;
    }
  }
  done(absl::UnavailableError("redis: the server is shutting down"));
}

void RedisMux::SubmitOne(std::vector<std::string> command, bool idempotent,
                         DoneOne done) {
  Commands commands;
  commands.push_back(std::move(command));
  Submit(std::move(commands), idempotent,
         [done = std::move(done)](
             absl::StatusOr<std::vector<RedisReply>> replies) {
           if (!replies.ok()) return done(replies.status());
           if (replies->size() != 1) {
             return done(absl::InternalError("redis: expected one reply"));
           }
           done(std::move(replies->front()));
         });
}

void RedisMux::InvalidateConnections() {
  for (auto& lane : lanes_) {
    std::lock_guard<std::mutex> lock(lane->mu);
    lane->invalidate = true;
  }
}

bool RedisMux::NextBatch(Lane* lane, std::vector<Request>* batch) {
  std::unique_lock<std::mutex> lock(lane->mu);
  lane->wake.wait(lock, [lane] { return lane->stop || !lane->queue.empty(); });
  if (lane->queue.empty()) return false;  // stopping
  size_t commands = 0;
  while (!lane->queue.empty()) {
    size_t next = lane->queue.front().commands.size();
    if (!batch->empty() && commands + next > options_.max_batch) break;
    commands += next;
    batch->push_back(std::move(lane->queue.front()));
    lane->queue.pop_front();
  }
  if (lane->invalidate) {
    lane->invalidate = false;
    lane->conn.reset();
  }
  return true;
}

void RedisMux::RunLane(Lane* lane) {
  std::vector<Request> batch;
  while (NextBatch(lane, &batch)) {
    Execute(lane, &batch);
    batch.clear();
  }
  // Stopping: the queue is empty (NextBatch drains it before returning
  // false), and no new requests are accepted.
  lane->conn.reset();
}

absl::StatusOr<RedisConnection*> RedisMux::Connection(Lane* lane, bool* fresh) {
  *fresh = false;
  if (lane->conn != nullptr && !lane->conn->broken()) return lane->conn.get();
  lane->conn.reset();
  auto conn = RedisConnection::Connect(options_.target);
  if (!conn.ok()) return conn.status();
  lane->conn = *std::move(conn);
  *fresh = true;
  return lane->conn.get();
}

void RedisMux::Execute(Lane* lane, std::vector<Request>* batch) {
  bool fresh = false;
  auto conn = Connection(lane, &fresh);
  absl::StatusOr<std::vector<RedisReply>> replies =
      absl::UnavailableError("redis: not connected");
  if (!conn.ok()) {
    replies = conn.status();
  } else {
    if (batch->size() == 1) {
      replies = (*conn)->Pipeline(batch->front().commands);
    } else {
      Commands all;
      for (const Request& request : *batch) {
        all.insert(all.end(), request.commands.begin(), request.commands.end());
      }
      replies = (*conn)->Pipeline(all);
    }
  }
  if (!replies.ok() && !absl::IsUnavailable(replies.status())) {
    // Not the connection: something in the pipeline was refused before it
    // was sent (e.g. keys in two cluster slots). Send each request alone so
    // only its own caller sees the error.
    if (batch->size() > 1) {
      for (Request& request : *batch) {
        std::vector<Request> one;
        one.push_back(std::move(request));
        Execute(lane, &one);
      }
      return;
    }
    batch->front().done(replies.status());
    return;
  }
  if (!replies.ok()) {
    // A connection that had been open may have died while idle (a Redis
    // restart breaks them all): idempotent requests get one more try on a
    // new connection, in front of the queue so their order holds.
    std::vector<Request> again;
    for (Request& request : *batch) {
      if (request.idempotent && !request.retried && conn.ok() && !fresh) {
        request.retried = true;
        again.push_back(std::move(request));
      } else {
        request.done(absl::UnavailableError(
            absl::StrCat("redis: ", replies.status().message())));
      }
    }
    if (!again.empty()) {
      std::lock_guard<std::mutex> lock(lane->mu);
      for (auto it = again.rbegin(); it != again.rend(); ++it) {
        lane->queue.push_front(std::move(*it));
      }
    }
    return;
  }
  size_t at = 0;
  for (Request& request : *batch) {
    const size_t n = request.commands.size();
    if (at + n > replies->size()) {
      request.done(absl::InternalError("redis: fewer replies than commands"));
      continue;
    }
    std::vector<RedisReply> own(
        std::make_move_iterator(replies->begin() + at),
        std::make_move_iterator(replies->begin() + at + n));
    at += n;
    request.done(std::move(own));
  }
}

}  // namespace server
}  // namespace statstracker
