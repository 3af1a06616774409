#include "server/request_validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/event_validation.h"
#include "common/field_error.h"

namespace statstracker {
namespace server {
namespace {

// A count or size in [0, max]; 0 means the default.
absl::Status CheckRange(absl::string_view field, int value, int max,
                        int default_value) {
  if (value < 0 || value > max) {
    return FieldError(field, absl::StrCat("must be 1 to ", max, " (0 means ",
                                          default_value, "), got ", value));
  }
  return absl::OkStatus();
}

absl::Status CheckPlayerIds(
    absl::string_view field,
    const google::protobuf::RepeatedPtrField<std::string>& ids) {
  if (ids.empty() || ids.size() > kMaxPlayerIds) {
    return FieldError(field, absl::StrCat("must hold 1 to ", kMaxPlayerIds,
                                          " player ids, got ", ids.size()));
  }
  for (int i = 0; i < ids.size(); ++i) {
    absl::Status status =
        CheckPlayerId(absl::StrCat(field, "[", i, "]"), ids[i]);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::Status CheckStatNames(
    const google::protobuf::RepeatedPtrField<std::string>& names) {
  if (names.size() > kMaxStatNames) {
    return FieldError("stat_names", absl::StrCat("at most ", kMaxStatNames,
                                                 " names, got ", names.size()));
  }
  for (int i = 0; i < names.size(); ++i) {
    const std::string field = absl::StrCat("stat_names[", i, "]");
    if (names[i].empty()) return FieldError(field, "must not be empty");
    absl::Status status = CheckText(field, names[i], kMaxStatNameBytes);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// The checks shared by every request that names a board.
template <typename Request>
absl::Status CheckBoard(const Request& request) {
  absl::Status status = CheckId("game_id", request.game_id());
  if (status.ok()) status = CheckId("leaderboard_id", request.leaderboard_id());
  if (status.ok())
    status = CheckText("period", request.period(), kMaxPeriodBytes);
  return status;
}

}  // namespace

absl::Status CheckId(absl::string_view field, absl::string_view id) {
  if (id.empty()) return FieldError(field, "required, got an empty value");
  bool ok = id.size() <= kMaxIdBytes &&
            (absl::ascii_islower(id[0]) || absl::ascii_isdigit(id[0]));
  for (char c : id) {
    ok = ok && (absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
                c == '-');
  }
  if (ok) return absl::OkStatus();
  return FieldError(
      field, absl::StrCat("'", ShownValue(id), "' (", id.size(),
                          " bytes) is not an id; ids are 1 to ", kMaxIdBytes,
                          " characters of [a-z0-9_-] starting "
                          "with a letter or digit"));
}

absl::Status CheckPlayerId(absl::string_view field, absl::string_view id) {
  if (id.empty()) return FieldError(field, "required, got an empty value");
  if (id.size() > kMaxPlayerIdBytes) {
    return FieldError(field, absl::StrCat("'", ShownValue(id), "' is ",
                                          id.size(), " bytes; at most ",
                                          kMaxPlayerIdBytes, " are accepted"));
  }
  if (!IsCleanUtf8(id)) {
    return FieldError(field, absl::StrCat("'", ShownValue(id),
                                          "' is not UTF-8 text without "
                                          "control characters"));
  }
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t max_bytes) {
  if (value.size() > max_bytes) {
    return FieldError(
        field, absl::StrCat("'", ShownValue(value), "' is ", value.size(),
                            " bytes; at most ", max_bytes, " are accepted"));
  }
  if (!IsCleanUtf8(value)) {
    return FieldError(field, absl::StrCat("'", ShownValue(value),
                                          "' is not UTF-8 text without "
                                          "control characters"));
  }
  return absl::OkStatus();
}

absl::Status ValidateRequest(const v1::ListLeaderboardsRequest& request) {
  return CheckId("game_id", request.game_id());
}

absl::Status ValidateRequest(const v1::ListEntriesRequest& request) {
  absl::Status status = CheckBoard(request);
  if (status.ok()) {
    status = CheckRange("page_size", request.page_size(), kMaxPageSize, 10);
  }
  if (status.ok()) {
    status = CheckText("page_token", request.page_token(), kMaxPageTokenBytes);
  }
  return status;
}

absl::Status ValidateRequest(const v1::GetPlayerRankRequest& request) {
  absl::Status status = CheckBoard(request);
  if (status.ok()) status = CheckPlayerId("player_id", request.player_id());
  return status;
}

absl::Status ValidateRequest(
    const v1::ListEntriesAroundPlayerRequest& request) {
  absl::Status status = CheckBoard(request);
  if (status.ok()) status = CheckPlayerId("player_id", request.player_id());
  if (status.ok())
    status = CheckRange("radius", request.radius(), kMaxRadius, 5);
  return status;
}

absl::Status ValidateRequest(const v1::ListEntriesForPlayersRequest& request) {
  absl::Status status = CheckBoard(request);
  if (status.ok()) status = CheckPlayerIds("player_ids", request.player_ids());
  return status;
}

absl::Status ValidateRequest(const v1::CountEntriesRequest& request) {
  return CheckBoard(request);
}

absl::Status ValidateRequest(const v1::GetPlayerHistoryRequest& request) {
  absl::Status status = CheckBoard(request);
  if (status.ok()) status = CheckPlayerId("player_id", request.player_id());
  return status;
}

absl::Status ValidateRequest(const v1::WatchLeaderboardRequest& request) {
  absl::Status status = CheckBoard(request);
  if (status.ok()) status = CheckRange("top_n", request.top_n(), kMaxTopN, 10);
  if (status.ok() && !request.player_id().empty()) {
    status = CheckPlayerId("player_id", request.player_id());
  }
  return status;
}

absl::Status ValidateRequest(const v1::GetPlayerStatsRequest& request) {
  absl::Status status = CheckId("game_id", request.game_id());
  if (status.ok()) status = CheckPlayerId("player_id", request.player_id());
  if (status.ok()) status = CheckStatNames(request.stat_names());
  return status;
}

absl::Status ValidateRequest(const v1::BatchGetPlayerStatsRequest& request) {
  absl::Status status = CheckId("game_id", request.game_id());
  if (status.ok()) status = CheckPlayerIds("player_ids", request.player_ids());
  if (status.ok()) status = CheckStatNames(request.stat_names());
  return status;
}

absl::Status ValidateRequest(const v1::PublishEventsRequest& request) {
  if (request.events().empty() || request.events_size() > kMaxEvents) {
    return FieldError(
        "events", absl::StrCat("must hold 1 to ", kMaxEvents, " events, got ",
                               request.events_size()));
  }
  for (int i = 0; i < request.events_size(); ++i) {
    const v1::GameEvent& event = request.events(i);
    absl::Status valid = ValidateEventShape(event);
    if (!valid.ok()) {
      return PrefixField(
          valid, absl::StrCat("events[", i, "]"),
          absl::StrCat("(event_id '", ShownValue(event.event_id()), "')"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRequest(const v1::ResetLeaderboardRequest& request) {
  absl::Status status = CheckBoard(request);
  if (status.ok() && request.all_periods() && !request.period().empty()) {
    status = FieldError("period",
                        absl::StrCat("must be empty when all_periods is set, "
                                     "got '",
                                     ShownValue(request.period()), "'"));
  }
  return status;
}

absl::Status ValidateRequest(const v1::ErasePlayerRequest& request) {
  absl::Status status = CheckId("game_id", request.game_id());
  if (status.ok()) status = CheckPlayerId("player_id", request.player_id());
  return status;
}

}  // namespace server
}  // namespace statstracker
