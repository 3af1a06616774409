#include "plugins/examples/racing/racing_params.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "plugins/plugin_util.h"

namespace statstracker {
namespace racing {

absl::StatusOr<RacingParams> ParseRacingParams(
    const google::protobuf::Any& any) {
  RacingParams params;
  absl::Status status = plugins::UnpackParams(any, &params);
  if (!status.ok()) return status;
  if (params.min_lap_time_ms() < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "params.min_lap_time_ms must be >= 0, got ", params.min_lap_time_ms()));
  }
  return params;
}

absl::StatusOr<std::optional<LapCompleted>> LapFromEvent(
    const v1::GameEvent& event, const RacingParams& params) {
  if (!event.has_custom() || !event.custom().Is<LapCompleted>()) {
    return std::optional<LapCompleted>();
  }
  LapCompleted lap;
  if (!event.custom().UnpackTo(&lap)) {
    return absl::InvalidArgumentError(
        absl::StrCat("custom: cannot decode the ",
                     LapCompleted::descriptor()->full_name(), " bytes"));
  }
  if (lap.player_id().empty()) {
    return absl::InvalidArgumentError("custom.player_id must be set");
  }
  if (lap.track_id().empty()) {
    return absl::InvalidArgumentError("custom.track_id must be set");
  }
  if (lap.lap_time_ms() <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "custom.lap_time_ms must be > 0, got ", lap.lap_time_ms()));
  }
  if (!(lap.distance_m() >= 0) || !std::isfinite(lap.distance_m())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "custom.distance_m must be >= 0 and finite, got ", lap.distance_m()));
  }
  if (lap.lap_time_ms() < params.min_lap_time_ms()) {
    return absl::InvalidArgumentError(
        absl::StrCat("custom.lap_time_ms ", lap.lap_time_ms(),
                     " is below params.min_lap_time_ms ",
                     params.min_lap_time_ms(), "; rejected as implausible"));
  }
  return std::optional<LapCompleted>(std::move(lap));
}

bool OnSelectedTrack(const LapCompleted& lap, const RacingParams& params) {
  return params.track_id().empty() || lap.track_id() == params.track_id();
}

}  // namespace racing
}  // namespace statstracker
