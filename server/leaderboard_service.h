#ifndef STATSTRACKER_SERVER_LEADERBOARD_SERVICE_H_
#define STATSTRACKER_SERVER_LEADERBOARD_SERVICE_H_

#include "grpcpp/support/server_callback.h"
#include "server/async_call.h"
#include "server/request_validation.h"
#include "server/service_env.h"
#include "statstracker/v1/leaderboard.pb.h"

namespace statstracker {
namespace server {

// LeaderboardService on Redis (semantics in leaderboard.proto), on the
// callback API: each query resolves its board, then answers from the answer
// cache (server/answer_cache.h) or, on a miss, from one script call sent
// through the multiplexed Redis access (server/redis_mux.h) whose reply is
// encoded once and cached until the game's next commit is announced.
// Requests reach these handlers already checked (server/checked_service.h),
// from gRPC or straight from the REST gateway.
class LeaderboardServiceImpl {
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

  void ListLeaderboards(const CallInfo& call,
                        const v1::ListLeaderboardsRequest& request,
                        const AnswerDone& done);
  void ListEntries(const CallInfo& call, const v1::ListEntriesRequest& request,
                   AnswerDone done);
  void GetPlayerRank(const CallInfo& call,
                     const v1::GetPlayerRankRequest& request, AnswerDone done);
  void ListEntriesAroundPlayer(
      const CallInfo& call, const v1::ListEntriesAroundPlayerRequest& request,
      AnswerDone done);
  void ListEntriesForPlayers(const CallInfo& call,
                             const v1::ListEntriesForPlayersRequest& request,
                             AnswerDone done);
  void CountEntries(const CallInfo& call,
                    const v1::CountEntriesRequest& request, AnswerDone done);
  void GetPlayerHistory(const CallInfo& call,
                        const v1::GetPlayerHistoryRequest& request,
                        AnswerDone done);
  // The stream of a WatchLeaderboard call (server/watch_stream.h).
  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchLeaderboard(
      grpc::CallbackServerContext* context, const CallInfo& call,
      const v1::WatchLeaderboardRequest& request);

 private:
  const ServiceEnv* env_;
};

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_LEADERBOARD_SERVICE_H_
