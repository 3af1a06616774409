#ifndef STATSTRACKER_SERVER_STATS_SERVICE_H_
#define STATSTRACKER_SERVER_STATS_SERVICE_H_

#include "grpcpp/grpcpp.h"
#include "server/request_validation.h"
#include "server/service_env.h"
#include "statstracker/v1/stats.grpc.pb.h"

namespace statstracker {
namespace server {

// PlayerStatsService on Redis: HGETALL of st:{g}:stats:<player>, typed by the
// game's StatSpecs, plus the handlers' derived stats (Derive()).
class PlayerStatsServiceImpl final : public v1::PlayerStatsService::Service {
 public:
  static constexpr int kMaxPlayers = server::kMaxPlayerIds;

  explicit PlayerStatsServiceImpl(const ServiceEnv* env) : env_(env) {}

  grpc::Status GetPlayerStats(grpc::ServerContext* context,
                              const v1::GetPlayerStatsRequest* request,
                              v1::GetPlayerStatsResponse* response) override;
  grpc::Status BatchGetPlayerStats(
      grpc::ServerContext* context,
      const v1::BatchGetPlayerStatsRequest* request,
      v1::BatchGetPlayerStatsResponse* response) override;

 private:
  absl::Status Begin(grpc::ServerContext* context) const;
  absl::Status DoGet(const v1::GetPlayerStatsRequest& request,
                     v1::GetPlayerStatsResponse* response);
  absl::Status DoBatch(const v1::BatchGetPlayerStatsRequest& request,
                       v1::BatchGetPlayerStatsResponse* response);

  const ServiceEnv* env_;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_STATS_SERVICE_H_
