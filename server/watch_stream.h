#ifndef STATSTRACKER_SERVER_WATCH_STREAM_H_
#define STATSTRACKER_SERVER_WATCH_STREAM_H_

// A WatchLeaderboard call on the callback API. Every
// ServerConfig.watch_min_interval it reads the top entries (and the
// watcher's own entry) through the answer cache, so all watchers of a board
// share one read per commit, and writes an update when the answer's bytes
// differ from the last one sent. Waiting between polls holds no thread (the
// server's DelayQueue wakes it); a write in flight holds back the next poll
// (backpressure). Ends with OK when the client cancels or the server shuts
// down, with the error when Redis fails.

#include <mutex>
#include <string>

#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/server_callback.h"
#include "server/async_call.h"
#include "server/service_env.h"
#include "statstracker/v1/leaderboard.pb.h"

namespace statstracker {
namespace server {

class WatchStream final : public grpc::ServerWriteReactor<grpc::ByteBuffer> {
 public:
  // `request` is checked; `top_n` resolved from it. Deletes itself when the
  // call is done.
  WatchStream(const ServiceEnv* env, v1::WatchLeaderboardRequest request,
              int top_n);

  // The first poll.
  void Start();

  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  // Reads the board (through the cache), then Deliver.
  void Poll();
  void Deliver(absl::StatusOr<Answer> answer);
  // The next Poll after the interval.
  void WaitForNextPoll();
  // Finishes the call once.
  void End(const grpc::Status& status);
  bool Over();
  // Async work in flight keeps the reactor alive past OnDone.
  void Hold();
  void Release();

  const ServiceEnv* env_;
  const v1::WatchLeaderboardRequest request_;
  const int top_n_;
  grpc::ByteBuffer out_;
  std::string last_sent_;
  bool sent_any_ = false;

  std::mutex mu_;
  int pending_ = 0;
  bool cancelled_ = false;
  bool finished_ = false;
  bool done_ = false;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_WATCH_STREAM_H_
