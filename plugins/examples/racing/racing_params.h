#ifndef STATSTRACKER_PLUGINS_EXAMPLES_RACING_RACING_PARAMS_H_
#define STATSTRACKER_PLUGINS_EXAMPLES_RACING_RACING_PARAMS_H_

// What the racing scorer and stats handler share: their parameters and the
// decoding of a LapCompleted from GameEvent.custom.

#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/any.pb.h"
#include "statstracker/examples/racing/v1/racing.pb.h"
#include "statstracker/v1/events.pb.h"

namespace statstracker {
namespace racing {

using ::statstracker::examples::racing::v1::LapCompleted;
using ::statstracker::examples::racing::v1::RacingParams;

// Unpacks and checks RacingParams (min_lap_time_ms >= 0). INVALID_ARGUMENT
// naming the field.
absl::StatusOr<RacingParams> ParseRacingParams(
    const google::protobuf::Any& any);

// The lap in `event`, or nullopt if the event is not a LapCompleted (other
// payloads and other games' custom messages are not ours). INVALID_ARGUMENT
// naming the field when it is a LapCompleted that does not decode or breaks
// its rules (player_id set, track_id set, lap_time_ms > 0, distance_m >= 0 and
// finite, lap_time_ms not below params.min_lap_time_ms).
absl::StatusOr<std::optional<LapCompleted>> LapFromEvent(
    const v1::GameEvent& event, const RacingParams& params);

// Whether the lap is on the track the params select.
bool OnSelectedTrack(const LapCompleted& lap, const RacingParams& params);

}  // namespace racing
}  // namespace statstracker

#endif  // STATSTRACKER_PLUGINS_EXAMPLES_RACING_RACING_PARAMS_H_
