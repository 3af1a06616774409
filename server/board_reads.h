#ifndef STATSTRACKER_SERVER_BOARD_READS_H_
#define STATSTRACKER_SERVER_BOARD_READS_H_

// The ranking queries of board_queries.h sent through the multiplexed Redis
// access (redis_mux.h): each call returns at once and its completion runs
// on a Redis I/O thread with the parsed result. Same scripts, same results
// as the blocking versions.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/board_queries.h"
#include "server/redis_mux.h"

namespace statstracker {
namespace server {

template <typename T>
using ReadDone = std::function<void(absl::StatusOr<T>)>;

// EVALSHA of `call`; when Redis has lost the script (NOSCRIPT, e.g. after a
// restart) it is sent once more as EVAL. An error reply becomes a status
// (CheckReply: UNAVAILABLE for transient states, else INTERNAL).
void RunScriptAsync(RedisMux* mux, ScriptCall call, ReadDone<RedisReply> done);

void ReadPage(RedisMux* mux, const BoardRef& board, int limit,
              const std::optional<PageCursor>& after, ReadDone<BoardPage> done);
void ReadAround(RedisMux* mux, const BoardRef& board,
                absl::string_view player_id, int radius,
                ReadDone<AroundPlayer> done);
void ReadForPlayers(RedisMux* mux, const BoardRef& board,
                    std::vector<std::string> player_ids,
                    ReadDone<PlayersEntries> done);
void ReadCount(RedisMux* mux, const BoardRef& board, ReadDone<int64_t> done);

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_BOARD_READS_H_
