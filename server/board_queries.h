#ifndef STATSTRACKER_SERVER_BOARD_QUERIES_H_
#define STATSTRACKER_SERVER_BOARD_QUERIES_H_

// Read queries over one leaderboard period as stored by the worker (layout in
// common/keys.h). Each query is one Lua script, so it costs one round trip and
// sees one consistent snapshot of the board. Ranks per tie mode:
//   unique    ZRANK(board, member) + 1
//   standard  1 + ZCOUNT(board, -inf, "(" stored)   (entries strictly better)
//   dense     1 + ZCOUNT(distinct, -inf, "(" stored) (distinct better scores)
// all O(log N); a page adds O(page size).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/redis_client.h"
#include "common/redis_script.h"
#include "server/page_token.h"
#include "statstracker/v1/config.pb.h"
#include "statstracker/v1/leaderboard.pb.h"

namespace statstracker {
namespace server {

// One board period to query.
struct BoardRef {
  const v1::LeaderboardConfig* config = nullptr;
  std::string game_id;
  std::string board_id;
  // The period's key id: "all" for boards without periods.
  std::string period;
};

// A page of the ranking, best first.
struct BoardPage {
  std::vector<v1::LeaderboardEntry> entries;
  // Set when more entries follow the last one returned.
  std::optional<PageCursor> next;
  // Entries on the board.
  int64_t total = 0;
};

// Up to `limit` entries starting right after `after` (or at the top).
absl::StatusOr<BoardPage> ListPage(RedisConnection* conn, const BoardRef& board,
                                   int limit,
                                   const std::optional<PageCursor>& after);

// The entries around a player.
struct AroundPlayer {
  // Best first, the player's own included; empty if the player has none.
  std::vector<v1::LeaderboardEntry> entries;
  // The player's entry; unset if the player is not on the board.
  std::optional<v1::LeaderboardEntry> player;
  int64_t total = 0;
};

// Up to `radius` entries above and below `player_id` and its own entry.
// radius 0 gives just the player's entry.
absl::StatusOr<AroundPlayer> ListAroundPlayer(RedisConnection* conn,
                                              const BoardRef& board,
                                              absl::string_view player_id,
                                              int radius);

// The entries of a set of players, best first, with global ranks.
struct PlayersEntries {
  std::vector<v1::LeaderboardEntry> entries;
  // Players without an entry, in the order given.
  std::vector<std::string> missing;
  int64_t total = 0;
};

// Entries of `player_ids` (expected free of duplicates).
absl::StatusOr<PlayersEntries> ListForPlayers(
    RedisConnection* conn, const BoardRef& board,
    const std::vector<std::string>& player_ids);

// Number of entries on the board.
absl::StatusOr<int64_t> CountEntries(RedisConnection* conn,
                                     const BoardRef& board);

// The same queries in two halves, for callers that send the commands
// themselves (server/board_reads.h multiplexes them): the script call a query
// makes, and the parse of its reply. The functions above are
// "Run(Call(...)) then Parse".
struct ScriptCall {
  const RedisScript* script = nullptr;
  std::vector<std::string> keys;
  std::vector<std::string> args;
};
ScriptCall PageCall(const BoardRef& board, int limit,
                    const std::optional<PageCursor>& after);
absl::StatusOr<BoardPage> ParsePage(const BoardRef& board,
                                    const RedisReply& reply);
ScriptCall AroundCall(const BoardRef& board, absl::string_view player_id,
                      int radius);
absl::StatusOr<AroundPlayer> ParseAround(const BoardRef& board,
                                         const RedisReply& reply);
ScriptCall ForPlayersCall(const BoardRef& board,
                          const std::vector<std::string>& player_ids);
absl::StatusOr<PlayersEntries> ParseForPlayers(
    const BoardRef& board, const std::vector<std::string>& player_ids,
    const RedisReply& reply);
std::vector<std::string> CountCommand(const BoardRef& board);
absl::StatusOr<int64_t> ParseCount(const RedisReply& reply);

// The EVALSHA argv ListPage (no cursor) and ListAroundPlayer send, for
// benchmarks that replay the exact Redis work of a query with
// redis-benchmark. The script must already be loaded (run the query once).
std::vector<std::string> ListPageCommand(const BoardRef& board, int limit);
std::vector<std::string> AroundPlayerCommand(const BoardRef& board,
                                             absl::string_view player_id,
                                             int radius);

// Builds the API entry for a stored (member, stored score, rank).
absl::StatusOr<v1::LeaderboardEntry> MakeEntry(
    const v1::LeaderboardConfig& config, absl::string_view member,
    double stored_score, int64_t rank);

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_BOARD_QUERIES_H_
