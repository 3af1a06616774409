#ifndef STATSTRACKER_SERVER_ADMIN_SERVICE_H_
#define STATSTRACKER_SERVER_ADMIN_SERVICE_H_

#include <string>

#include "server/async_call.h"
#include "server/request_validation.h"
#include "server/service_env.h"
#include "statstracker/v1/admin.pb.h"

namespace statstracker {
namespace server {

// AdminService: publishing events and administering boards and players.
// Every call needs an API key (ApiKeyAuth). Writes are never retried on a
// fresh connection: a failed write may have been applied.
// AdminService on Redis. Its calls block (a transaction, then WAIT for
// replicas; scripts period by period), so each runs on the server's
// BlockingCalls threads with a leased connection and answers from there.
class AdminServiceImpl {
 public:
  static constexpr int kMaxEvents = server::kMaxEvents;

  explicit AdminServiceImpl(const ServiceEnv* env) : env_(env) {}

  // Validates every event (ValidateEvent) before appending any, then appends
  // each stream partition's events in one MULTI/EXEC (no MAXLEN: workers
  // trim the stream) and, with redis.min_replicas_acked, waits for the
  // replicas.
  void PublishEvents(const CallInfo& call,
                     const v1::PublishEventsRequest& request, AnswerDone done);
  // Deletes the board keys of one period (or every stored period), a Lua
  // script per period.
  // Announces the change (keys::kChangesChannel) so cached answers go.
  void ResetLeaderboard(const CallInfo& call,
                        const v1::ResetLeaderboardRequest& request,
                        AnswerDone done);
  // Removes the player from every board period (a Lua script per period
  // keeps the distinct-score index right) and deletes the stats hash.
  // Announces the change like ResetLeaderboard.
  void ErasePlayer(const CallInfo& call, const v1::ErasePlayerRequest& request,
                   AnswerDone done);

 private:
  // Runs `work` on a blocking thread, then answers `done` with its response.
  template <class Request, class Response>
  void Blocking(const CallInfo& call, const Request& request,
                absl::Status (AdminServiceImpl::*work)(const Request&,
                                                       Response*),
                AnswerDone done);
  // Tells the cache and every server that `game`'s data changed.
  void AnnounceChange(RedisConnection* conn, const std::string& game);
  absl::Status DoPublish(const v1::PublishEventsRequest& request,
                         v1::PublishEventsResponse* response);
  absl::Status DoReset(const v1::ResetLeaderboardRequest& request,
                       v1::ResetLeaderboardResponse* response);
  absl::Status DoErase(const v1::ErasePlayerRequest& request,
                       v1::ErasePlayerResponse* response);
  // WAIT for redis.min_replicas_acked replicas on the node of `key`.
  absl::Status WaitForReplicas(RedisConnection* conn,
                               const std::string& key) const;

  const ServiceEnv* env_;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_ADMIN_SERVICE_H_
