#ifndef STATSTRACKER_SERVER_ADMIN_SERVICE_H_
#define STATSTRACKER_SERVER_ADMIN_SERVICE_H_

#include "grpcpp/grpcpp.h"
#include "server/service_env.h"
#include "statstracker/v1/admin.grpc.pb.h"

namespace statstracker {
namespace server {

// AdminService: publishing events and administering boards and players.
// Every call needs an API key (ApiKeyAuth). Writes are never retried on a
// fresh connection: a failed write may have been applied.
class AdminServiceImpl final : public v1::AdminService::Service {
 public:
  static constexpr int kMaxEvents = 500;

  explicit AdminServiceImpl(const ServiceEnv* env) : env_(env) {}

  // Validates every event (ValidateEvent) before appending any, then appends
  // each stream partition's events in one MULTI/EXEC (no MAXLEN: workers
  // trim the stream) and, with redis.min_replicas_acked, waits for the
  // replicas.
  grpc::Status PublishEvents(grpc::ServerContext* context,
                             const v1::PublishEventsRequest* request,
                             v1::PublishEventsResponse* response) override;
  // Deletes the board keys of one period (or every stored period), a Lua
  // script per period.
  grpc::Status ResetLeaderboard(
      grpc::ServerContext* context, const v1::ResetLeaderboardRequest* request,
      v1::ResetLeaderboardResponse* response) override;
  // Removes the player from every board period (a Lua script per period
  // keeps the distinct-score index right) and deletes the stats hash.
  grpc::Status ErasePlayer(grpc::ServerContext* context,
                           const v1::ErasePlayerRequest* request,
                           v1::ErasePlayerResponse* response) override;

 private:
  absl::Status Begin(grpc::ServerContext* context) const;
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
