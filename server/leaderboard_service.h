#ifndef STATSTRACKER_SERVER_LEADERBOARD_SERVICE_H_
#define STATSTRACKER_SERVER_LEADERBOARD_SERVICE_H_

#include <functional>

#include "grpcpp/grpcpp.h"
#include "server/request_validation.h"
#include "server/service_env.h"
#include "statstracker/v1/leaderboard.grpc.pb.h"

namespace statstracker {
namespace server {

// LeaderboardService on Redis (semantics in leaderboard.proto). Uses the
// synchronous API: each handler leases one Redis connection and makes one
// round trip per query, so a handler thread blocks only that long; gRPC's
// sync thread pool sizes itself to the load.
class LeaderboardServiceImpl final : public v1::LeaderboardService::Service {
 public:
  // Page size limits of ListEntries (documented in leaderboard.proto).
  static constexpr int kDefaultPageSize = 10;
  static constexpr int kMaxPageSize = server::kMaxPageSize;
  static constexpr int kDefaultRadius = 5;
  static constexpr int kMaxRadius = server::kMaxRadius;
  static constexpr int kMaxPlayers = server::kMaxPlayerIds;
  static constexpr int kDefaultTopN = 10;
  static constexpr int kMaxTopN = server::kMaxTopN;

  explicit LeaderboardServiceImpl(const ServiceEnv* env) : env_(env) {}

  grpc::Status ListLeaderboards(
      grpc::ServerContext* context, const v1::ListLeaderboardsRequest* request,
      v1::ListLeaderboardsResponse* response) override;
  grpc::Status ListEntries(grpc::ServerContext* context,
                           const v1::ListEntriesRequest* request,
                           v1::ListEntriesResponse* response) override;
  grpc::Status GetPlayerRank(grpc::ServerContext* context,
                             const v1::GetPlayerRankRequest* request,
                             v1::GetPlayerRankResponse* response) override;
  grpc::Status ListEntriesAroundPlayer(
      grpc::ServerContext* context,
      const v1::ListEntriesAroundPlayerRequest* request,
      v1::ListEntriesAroundPlayerResponse* response) override;
  grpc::Status ListEntriesForPlayers(
      grpc::ServerContext* context,
      const v1::ListEntriesForPlayersRequest* request,
      v1::ListEntriesForPlayersResponse* response) override;
  grpc::Status CountEntries(grpc::ServerContext* context,
                            const v1::CountEntriesRequest* request,
                            v1::CountEntriesResponse* response) override;
  grpc::Status GetPlayerHistory(
      grpc::ServerContext* context, const v1::GetPlayerHistoryRequest* request,
      v1::GetPlayerHistoryResponse* response) override;
  // Polls the board every ServerConfig.watch_min_interval (one script call,
  // two with player_id) and sends an update when the serialized answer
  // differs from the last one sent. Ends with OK when the client cancels or
  // the server shuts down, with the error when Redis fails.
  grpc::Status WatchLeaderboard(
      grpc::ServerContext* context, const v1::WatchLeaderboardRequest* request,
      grpc::ServerWriter<v1::WatchLeaderboardResponse>* writer) override;
  // The same with the updates written through `write` (false: client gone);
  // what the server registers (server/checked_service.h).
  using WatchWriter = std::function<bool(const v1::WatchLeaderboardResponse&)>;
  grpc::Status Watch(grpc::ServerContext* context,
                     const v1::WatchLeaderboardRequest& request,
                     const WatchWriter& write);

 private:
  absl::Status Begin(grpc::ServerContext* context) const;
  absl::Status DoListLeaderboards(const v1::ListLeaderboardsRequest& request,
                                  v1::ListLeaderboardsResponse* response);
  absl::Status DoListEntries(const v1::ListEntriesRequest& request,
                             v1::ListEntriesResponse* response);
  absl::Status DoGetPlayerRank(const v1::GetPlayerRankRequest& request,
                               v1::GetPlayerRankResponse* response);
  absl::Status DoAround(const v1::ListEntriesAroundPlayerRequest& request,
                        v1::ListEntriesAroundPlayerResponse* response);
  absl::Status DoForPlayers(const v1::ListEntriesForPlayersRequest& request,
                            v1::ListEntriesForPlayersResponse* response);
  absl::Status DoCount(const v1::CountEntriesRequest& request,
                       v1::CountEntriesResponse* response);
  absl::Status DoHistory(const v1::GetPlayerHistoryRequest& request,
                         v1::GetPlayerHistoryResponse* response);
  absl::Status DoWatch(grpc::ServerContext* context,
                       const v1::WatchLeaderboardRequest& request,
                       const WatchWriter& write);

  const ServiceEnv* env_;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_LEADERBOARD_SERVICE_H_
