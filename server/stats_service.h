#ifndef STATSTRACKER_SERVER_STATS_SERVICE_H_
#define STATSTRACKER_SERVER_STATS_SERVICE_H_

#include "server/async_call.h"
#include "server/request_validation.h"
#include "server/service_env.h"
#include "statstracker/v1/stats.pb.h"

namespace statstracker {
namespace server {

// PlayerStatsService on Redis: HGETALL of st:{g}:stats:<player>, typed by the
// game's StatSpecs, plus the handlers' derived stats (Derive()). On the
// callback API: the HGETALLs go through the multiplexed Redis access.
class PlayerStatsServiceImpl {
 public:
  static constexpr int kMaxPlayers = server::kMaxPlayerIds;

  explicit PlayerStatsServiceImpl(const ServiceEnv* env) : env_(env) {}

  void GetPlayerStats(const CallInfo& call,
                      const v1::GetPlayerStatsRequest& request,
                      AnswerDone done);
  // One pipelined round trip for every player.
  void BatchGetPlayerStats(const CallInfo& call,
                           const v1::BatchGetPlayerStatsRequest& request,
                           AnswerDone done);

 private:
  const ServiceEnv* env_;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_STATS_SERVICE_H_
