// Stats handler "racing" (the racing example), from LapCompleted events in
// GameEvent.custom, on the track the params select (every track by default):
//   laps              laps driven, invalidated ones included   (int)
//   best_lap_ms       fastest valid lap                        (int)
//   total_distance_m  metres driven                            (double)
//   avg_lap_ms        mean lap time, derived at read time from
//                     total_lap_ms / laps                      (double)
//   total_lap_ms      time spent on laps                       (int)
// Params: statstracker.examples.racing.v1.RacingParams. Other events are
// ignored.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "plugins/examples/racing/racing_params.h"
#include "plugins/plugin_util.h"
#include "plugins/stats_handler.h"

namespace statstracker {
namespace racing {
namespace {

constexpr char kLaps[] = "laps";
constexpr char kBestLap[] = "best_lap_ms";
constexpr char kDistance[] = "total_distance_m";
constexpr char kLapTime[] = "total_lap_ms";
constexpr char kAverage[] = "avg_lap_ms";

int64_t IntOr(const StatMap& stats, const char* name, int64_t fallback) {
  auto it = stats.find(name);
  if (it == stats.end()) return fallback;
  if (it->second.has_int_value()) return it->second.int_value();
  // A double outside the int64 range cannot be cast; treat it as unset.
  absl::StatusOr<int64_t> whole =
      plugins::RoundToInt64(name, plugins::StatAsDouble(it->second));
  return whole.ok() ? *whole : fallback;
}

class RacingStatsHandler : public StatsHandler {
 public:
  explicit RacingStatsHandler(RacingParams params)
      : params_(std::move(params)) {}

  std::vector<StatSpec> Stats() const override {
    return {
        StatSpec{kLaps, StatSpec::Type::kInt, false},
        StatSpec{kBestLap, StatSpec::Type::kInt, false},
        StatSpec{kDistance, StatSpec::Type::kDouble, false},
        StatSpec{kLapTime, StatSpec::Type::kInt, false},
        StatSpec{kAverage, StatSpec::Type::kDouble, true},
    };
  }

  std::vector<std::string> PlayersToRead(
      const v1::GameEvent& event) const override {
    auto lap = LapFromEvent(event, params_);
    if (!lap.ok() || !lap->has_value()) return {};
    return {(*lap)->player_id()};
  }

  std::vector<std::string> CustomEventTypes() const override {
    return {LapCompleted::descriptor()->full_name()};
  }

  absl::StatusOr<std::vector<StatChange>> Apply(
      const v1::GameEvent& event,
      const absl::flat_hash_map<std::string, StatMap>& current) const override {
    std::vector<StatChange> changes;
    auto lap = LapFromEvent(event, params_);
    if (!lap.ok()) return lap.status();
    if (!lap->has_value() || !OnSelectedTrack(**lap, params_)) return changes;
    const LapCompleted& l = **lap;
    static const StatMap kEmpty;
    auto it = current.find(l.player_id());
    const StatMap& stats = it == current.end() ? kEmpty : it->second;

    StatChange change;
    change.player_id = l.player_id();
    // Totals that would overflow reject the event (it is dead-lettered)
    // instead of wrapping around or reaching infinity.
    absl::StatusOr<int64_t> laps =
        plugins::AddInt64("custom", IntOr(stats, kLaps, 0), 1);
    if (!laps.ok()) return laps.status();
    absl::StatusOr<int64_t> lap_time = plugins::AddInt64(
        "custom.lap_time_ms", IntOr(stats, kLapTime, 0), l.lap_time_ms());
    if (!lap_time.ok()) return lap_time.status();
    auto stored = stats.find(kDistance);
    absl::StatusOr<double> distance = plugins::AddFinite(
        "custom.distance_m",
        stored == stats.end() ? 0 : plugins::StatAsDouble(stored->second),
        l.distance_m());
    if (!distance.ok()) return distance.status();
    change.values[kLaps].set_int_value(*laps);
    change.values[kLapTime].set_int_value(*lap_time);
    change.values[kDistance].set_double_value(*distance);
    if (!l.invalidated()) {
      const int64_t best = IntOr(stats, kBestLap, 0);
      if (best == 0 || l.lap_time_ms() < best) {
        change.values[kBestLap].set_int_value(l.lap_time_ms());
      }
    }
    changes.push_back(std::move(change));
    return changes;
  }

  void Derive(StatMap* stats) const override {
    const int64_t laps = IntOr(*stats, kLaps, 0);
    const int64_t total = IntOr(*stats, kLapTime, 0);
    (*stats)[kAverage].set_double_value(
        laps == 0 ? 0 : static_cast<double>(total) / static_cast<double>(laps));
  }

 private:
  RacingParams params_;
};

absl::StatusOr<std::unique_ptr<StatsHandler>> CreateRacingStatsHandler(
    const v1::StatsHandlerConfig& config) {
  absl::StatusOr<RacingParams> params = ParseRacingParams(config.params());
  if (!params.ok()) return params.status();
  return std::unique_ptr<StatsHandler>(
      new RacingStatsHandler(*std::move(params)));
}

const StatsHandlerRegistration kRacing("racing", &CreateRacingStatsHandler);

}  // namespace
}  // namespace racing
}  // namespace statstracker
