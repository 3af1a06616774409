#ifndef STATSTRACKER_SERVER_REQUEST_VALIDATION_H_
#define STATSTRACKER_SERVER_REQUEST_VALIDATION_H_

// The shape checks every request gets at the RPC edge, before any handler
// logic: lengths, formats, UTF-8 and counts, with the limits the protos
// state. Each returns OK or an INVALID_ARGUMENT FieldError naming the field
// (common/field_error.h), with the bad value shown bounded. What needs the
// config or Redis (unknown game, board, player) is the handlers' part.
// Functions, not service methods, so any handler (sync, callback, the REST
// gateway) can call them; DecodeAndValidate is the whole edge step.

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "statstracker/v1/admin.pb.h"
#include "statstracker/v1/leaderboard.pb.h"
#include "statstracker/v1/stats.pb.h"

namespace statstracker {
namespace server {

// Limits stated in leaderboard.proto, stats.proto and admin.proto.
inline constexpr size_t kMaxIdBytes = 64;         // game_id, leaderboard_id
inline constexpr size_t kMaxPlayerIdBytes = 128;  // as in events.proto
inline constexpr size_t kMaxPeriodBytes = 64;
inline constexpr size_t kMaxPageTokenBytes = 512;
inline constexpr size_t kMaxStatNameBytes = 64;
inline constexpr int kMaxPlayerIds = 100;
inline constexpr int kMaxStatNames = 100;
inline constexpr int kMaxPageSize = 1000;
inline constexpr int kMaxRadius = 50;
inline constexpr int kMaxTopN = 100;
inline constexpr int kMaxEvents = 500;

absl::Status ValidateRequest(const v1::ListLeaderboardsRequest& request);
absl::Status ValidateRequest(const v1::ListEntriesRequest& request);
absl::Status ValidateRequest(const v1::GetPlayerRankRequest& request);
absl::Status ValidateRequest(const v1::ListEntriesAroundPlayerRequest& request);
absl::Status ValidateRequest(const v1::ListEntriesForPlayersRequest& request);
absl::Status ValidateRequest(const v1::CountEntriesRequest& request);
absl::Status ValidateRequest(const v1::GetPlayerHistoryRequest& request);
absl::Status ValidateRequest(const v1::WatchLeaderboardRequest& request);
absl::Status ValidateRequest(const v1::GetPlayerStatsRequest& request);
absl::Status ValidateRequest(const v1::BatchGetPlayerStatsRequest& request);
absl::Status ValidateRequest(const v1::PublishEventsRequest& request);
absl::Status ValidateRequest(const v1::ResetLeaderboardRequest& request);
absl::Status ValidateRequest(const v1::ErasePlayerRequest& request);

// The field checks the request checks are made of.
// game_id / leaderboard_id: 1 to 64 characters of [a-z0-9_-] starting with a
// letter or digit (the config's id format; any other id names nothing).
absl::Status CheckId(absl::string_view field, absl::string_view id);
// A player id: 1 to 128 bytes of UTF-8 without control characters.
absl::Status CheckPlayerId(absl::string_view field, absl::string_view id);
// Optional text: at most `max_bytes` bytes of UTF-8 without control
// characters (period, page_token, stat names).
absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t max_bytes);

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_REQUEST_VALIDATION_H_
