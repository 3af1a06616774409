#ifndef STATSTRACKER_SERVER_REDIS_MUX_H_
#define STATSTRACKER_SERVER_REDIS_MUX_H_

// Redis access that multiplexes the server's concurrent calls onto a few
// connections. A call submits its commands (usually one EVALSHA) with a
// completion and returns at once; no thread waits for Redis on its behalf.
// Each connection has one I/O thread ("lane") that takes everything queued
// since its last round trip, sends it as one pipeline and hands each caller
// its replies. Under load a round trip carries many calls' commands, so the
// server pays one syscall pair and one Redis wake-up for many queries, as
// redis-benchmark's pipelining does; when idle a call goes out alone at once.
//
// The connection is common/redis_client.h's RedisConnection, so a cluster is
// served the same way (a pipeline is split per node, MOVED/ASK followed).

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "common/redis_client.h"

namespace statstracker {
namespace server {

class RedisMux {
 public:
  struct Options {
    // Where Redis is (one server or a cluster's seeds), timeouts, password.
    RedisTarget target;
    // Connections, each with its I/O thread. Two keep both of a 2-core
    // machine's cores able to parse replies while Redis works.
    int connections = 2;
    // Most commands sent in one round trip; more wait for the next.
    size_t max_batch = 256;
  };

  using Commands = std::vector<std::vector<std::string>>;
  // One reply per command, in order (error replies are replies, e.g.
  // NOSCRIPT), or a status when the connection failed: UNAVAILABLE.
  using Done = std::function<void(absl::StatusOr<std::vector<RedisReply>>)>;

  explicit RedisMux(Options options);
  // Fails what is still queued with UNAVAILABLE and joins the threads.
  ~RedisMux();

  RedisMux(const RedisMux&) = delete;
  RedisMux& operator=(const RedisMux&) = delete;

  // Sends `commands` in this order on one connection, pipelined with other
  // calls' commands; `done` runs on that connection's thread (keep it
  // short; it must not wait for another Submit). When `idempotent` and the
  // connection breaks (e.g. Redis restarted, so every open connection is
  // dead), the commands are sent once more on a new connection before the
  // failure is reported.
  void Submit(Commands commands, bool idempotent, Done done);

  // Submit of one command, answered with its one reply (an error reply
  // stays a reply) or the connection's failure.
  using DoneOne = std::function<void(absl::StatusOr<RedisReply>)>;
  void SubmitOne(std::vector<std::string> command, bool idempotent,
                 DoneOne done);

  // Closes the connections at their next use (e.g. after the health probe
  // saw Redis go away), so calls do not try a dead socket first.
  void InvalidateConnections();

  const Options& options() const { return options_; }

 private:
  struct Request {
    Commands commands;
    bool idempotent = false;
    bool retried = false;
    Done done;
  };
  struct Lane {
    std::mutex mu;
    std::condition_variable wake;
    std::deque<Request> queue;
    bool stop = false;
    bool invalidate = false;
    std::unique_ptr<RedisConnection> conn;  // used by the lane's thread only
    std::thread thread;
  };

  void RunLane(Lane* lane);
  // Takes up to max_batch commands' worth of requests off the queue; false
  // when stopping with nothing left.
  bool NextBatch(Lane* lane, std::vector<Request>* batch);
  // One round trip for `batch`; requests to retry are put back in front.
  void Execute(Lane* lane, std::vector<Request>* batch);
  // A live connection for the lane, reconnecting if needed.
  absl::StatusOr<RedisConnection*> Connection(Lane* lane, bool* fresh);

  const Options options_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::atomic<size_t> next_lane_{0};
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_REDIS_MUX_H_
