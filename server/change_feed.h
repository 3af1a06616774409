#ifndef STATSTRACKER_SERVER_CHANGE_FEED_H_
#define STATSTRACKER_SERVER_CHANGE_FEED_H_

// The server's subscription to commit notifications (issue 14).
//
// Every commit that changes a game's data (the worker's, the server's admin
// writes) runs `PUBLISH st:changes <game_id>` (keys::kChangesChannel) in the
// same MULTI/EXEC as the data, so the notification is sent exactly when the
// data becomes visible. ChangeFeed keeps one connection SUBSCRIBEd to that
// channel on its own thread and reports each game id heard, and whether the
// subscription is up.
//
// Why the "subscription" report matters: Pub/Sub delivers at most once. A
// notification published while the subscription is down is lost for good,
// so the server must not serve cached answers during that time: on
// subscription(false) it disables and flushes its AnswerCache
// (server/answer_cache.h), and re-enables it (flushed again) on
// subscription(true), which is reported only after Redis confirmed the
// SUBSCRIBE, so no commit after that moment can go unheard.
//
// Detection time: a closed connection (Redis stopped, CLIENT KILL, a reset)
// is seen at once. A silent one (Redis hung, a network partition) is seen
// when nothing has been received for 2 x ping_interval: a PING is sent
// whenever nothing was received for ping_interval, and a live Redis answers
// it (["pong", ""] in subscribed mode) within the remaining ping_interval.
// So the cache stops serving at most ~2 x ping_interval (default 200 ms)
// after the subscription stopped working.
//
// Reconnection: after a loss, the seeds are tried in turn with a backoff
// from 50 ms doubling to 1 s (reset by a confirmed SUBSCRIBE). On Redis
// Cluster any node will do (PUBLISH is broadcast to every node); if that
// node goes the next seed is used, reported as false, then true.

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/redis_client.h"

namespace statstracker {

class ChangeFeed {
 public:
  struct Callbacks {
    // A commit of `game` was published. Called on the feed's thread, in
    // publication order; keep it short (it delays the next message).
    std::function<void(absl::string_view game)> changed;
    // The subscription came up (true, after Redis confirmed it) or went
    // down (false). Only changes are reported, alternating, starting from
    // "down": the first call is true. Called on the feed's thread.
    std::function<void(bool subscribed)> subscription;
  };

  // `target`: the seeds (tried in turn), the password (AUTH) and the
  // connect / SUBSCRIBE-confirmation timeout. Nothing runs until Start().
  ChangeFeed(RedisTarget target, Callbacks callbacks,
             absl::Duration ping_interval = absl::Milliseconds(100));
  // Stops and joins the thread; if it is connecting, that takes up to
  // target.timeout. No callback runs after the destructor returns.
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Starts the feed's thread (once; later calls do nothing).
  void Start();

  // Whether the subscription is up (what the last report said).
  bool subscribed() const { return subscribed_.load(); }

 private:
  class Session;

  void Run();
  // Waits up to `delay` unless Stop wakes it; false if stopping.
  bool Sleep(absl::Duration delay);
  void Report(bool subscribed);

  const RedisTarget target_;
  const Callbacks callbacks_;
  const absl::Duration ping_interval_;
  std::atomic<bool> subscribed_{false};
  std::atomic<bool> stopping_{false};
  // A pipe the destructor writes to, so the thread's poll() wakes at once.
  int wake_read_ = -1;
  int wake_write_ = -1;
  std::thread thread_;
};

}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_CHANGE_FEED_H_
