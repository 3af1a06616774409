#ifndef STATSTRACKER_TOOLS_CLI_DEAD_LETTERS_H_
#define STATSTRACKER_TOOLS_CLI_DEAD_LETTERS_H_

// `stats deadletter list|requeue`: reading, filtering and requeueing the
// dead letters the workers write (worker/README.md lists their fields). The
// functions take the dead-letter stream keys, so several streams read as
// one list.

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/redis_client.h"

namespace statstracker {
namespace cli {

// One entry of a dead-letter stream.
struct DeadLetter {
  std::string key;  // the dead-letter stream holding it
  std::string id;   // its id there
  std::vector<std::pair<std::string, std::string>> fields;
  // Field game_id, else the game of the event it holds ("" if neither).
  std::string game_id;

  // The value of field `name`, or nullptr.
  const std::string* Field(absl::string_view name) const;
  // Field reason_code ("" in letters of workers before it existed).
  std::string ReasonCode() const;
};

// Which dead letters a command applies to; empty members match anything.
struct DeadLetterFilter {
  std::string game;         // DeadLetter::game_id
  std::string reason_code;  // e.g. "unhandled_event_type"
  bool empty() const { return game.empty() && reason_code.empty(); }
  bool Matches(const DeadLetter& letter) const;
  // "--game racer --reason unhandled_event_type", for messages.
  std::string Describe() const;
};

// The letters of `keys` (each in id order, key after key) that match
// `filter`, at most `limit`; *total gets the number of entries in all keys.
// `event_field` is the field holding the event (to find its game).
absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(
    RedisConnection* conn, const std::vector<std::string>& keys,
    absl::string_view event_field, const DeadLetterFilter& filter, size_t limit,
    int64_t* total);

// The letters with these ids, looked up in every key. NOT_FOUND naming the
// first id in none of them; INVALID_ARGUMENT for a malformed id.
absl::StatusOr<std::vector<DeadLetter>> FindDeadLetters(
    RedisConnection* conn, const std::vector<std::string>& keys,
    absl::string_view event_field, const std::vector<std::string>& ids);

// Calls `visit` for every letter of `keys` matching `filter`, page by page,
// up to the last entry each key had when the call began (so letters that
// fail again while it runs are not visited twice). Stops at the first error
// `visit` returns.
absl::Status ForEachDeadLetter(
    RedisConnection* conn, const std::vector<std::string>& keys,
    absl::string_view event_field, const DeadLetterFilter& filter,
    const std::function<absl::Status(const DeadLetter&)>& visit);

// Puts `letter` back on `stream`: XADD of the original event bytes in
// `event_field`, with the fields a worker reads back (received_at: when the
// event first entered a stream, so its admission window stays the same;
// first_failed_at; requeues + 1; requeued_from), and XDEL from its
// dead-letter stream, in one MULTI/EXEC, so a letter is never lost or
// doubled if the CLI dies half way (on Redis Cluster with `stream` in
// another slot: XADD, then XDEL). Returns the new stream id.
// FAILED_PRECONDITION when the letter holds no event bytes.
absl::StatusOr<std::string> Requeue(RedisConnection* conn,
                                    const DeadLetter& letter,
                                    absl::string_view stream,
                                    absl::string_view event_field);

}  // namespace cli
}  // namespace statstracker

#endif  // STATSTRACKER_TOOLS_CLI_DEAD_LETTERS_H_
