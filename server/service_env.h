#ifndef STATSTRACKER_SERVER_SERVICE_ENV_H_
#define STATSTRACKER_SERVER_SERVICE_ENV_H_

// What the RPC handlers share, and the request checks common to them.

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/game_catalog.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"
#include "server/answer_cache.h"
#include "server/api_key_auth.h"
#include "server/blocking_calls.h"
#include "server/board_queries.h"
#include "server/delay_queue.h"
#include "server/error_status.h"  // ToGrpcStatus, the RPC edge
#include "server/redis_mux.h"
#include "server/redis_pool.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {
namespace server {

// Shared by every service; all members outlive the services.
struct ServiceEnv {
  const v1::StatsTrackerConfig* config = nullptr;
  const GameCatalog* catalog = nullptr;
  // Leased connections for the calls that block (admin, on `blocking`).
  RedisPool* pool = nullptr;
  // The multiplexed connections every query uses.
  RedisMux* mux = nullptr;
  // Hot answers, dropped when a commit of their game is announced; null
  // disables caching.
  AnswerCache* cache = nullptr;
  // Watch streams wait here between polls.
  DelayQueue* delays = nullptr;
  BlockingCalls* blocking = nullptr;
  const ApiKeyAuth* auth = nullptr;
  // The clock that picks the current period (tests may pin it).
  std::function<absl::Time()> now = [] { return absl::Now(); };
  // Set at shutdown so long-running streams end promptly.
  std::atomic<bool>* shutting_down = nullptr;
};

// The answer for `key` of `game`: from env.cache, or `load`ed (and then
// cached while no commit of the game has been announced since); always
// loaded when the server runs without a cache.
void FetchAnswer(const ServiceEnv& env, const std::string& game,
                 std::string key, const AnswerCache::Loader& load,
                 AnswerCache::Done done);

// INVALID_ARGUMENT naming `field` if `value` is empty.
absl::Status RequireNonEmpty(absl::string_view field, absl::string_view value);

// The game, or INVALID_ARGUMENT (empty id) / NOT_FOUND (unknown, listing the
// configured games).
absl::StatusOr<const GameRuntime*> FindGame(const ServiceEnv& env,
                                            absl::string_view game_id);

// A board period resolved from a request.
struct ResolvedBoard {
  const GameRuntime* game = nullptr;
  const BoardRuntime* board = nullptr;
  BoardRef ref;
  // The period id reported back: empty for boards without periods.
  std::string period_out;
};

// The game and board of a request, without a period (ref.period empty):
// the first checks of ResolveBoard, e.g. for requests about every period.
absl::StatusOr<ResolvedBoard> FindBoard(const ServiceEnv& env,
                                        absl::string_view game_id,
                                        absl::string_view leaderboard_id);

// Resolves game, board and period (empty = the current period at env.now()).
// INVALID_ARGUMENT naming game_id / leaderboard_id / period, NOT_FOUND for an
// unknown game or board, or when no season is current.
absl::StatusOr<ResolvedBoard> ResolveBoard(const ServiceEnv& env,
                                           absl::string_view game_id,
                                           absl::string_view leaderboard_id,
                                           absl::string_view period);

// Every period id of a board: the ones that hold data (BoardPeriods) plus
// "all" for boards without periods. One round trip.
absl::StatusOr<std::vector<std::string>> StoredPeriods(
    RedisConnection* conn, absl::string_view game_id,
    const v1::LeaderboardConfig& board);

// Whether the board is split into periods.
bool HasPeriods(const v1::LeaderboardConfig& board);

// Checks and de-duplicates a list of player ids (order kept): 1 to
// `max_count` non-empty ids, else INVALID_ARGUMENT naming `field`.
absl::StatusOr<std::vector<std::string>> UniquePlayerIds(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<std::string>& ids, int max_count);

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_SERVICE_ENV_H_
