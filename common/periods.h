#ifndef STATSTRACKER_COMMON_PERIODS_H_
#define STATSTRACKER_COMMON_PERIODS_H_

// Periods of periodic leaderboards (PeriodConfig in config.proto). A period
// is [start, end) in absolute time, computed in the board's time zone. Its id
// names its board's keys (common/keys.h) and is what clients pass as
// `period`:
//   daily    "2026-11-25"          (local date)
//   weekly   "2026-W48"            (ISO week-numbering year and week)
//   monthly  "2026-11"
//   every_n  "2026-11-20"          (local date the period starts)
//   seasons  the season_id
// Boards without periods use keys::kAllTimePeriod and never call these.

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {

struct Period {
  std::string id;
  absl::Time start;
  absl::Time end;  // first instant after the period
};

// The period of `board` containing instant `t`. NOT_FOUND when `t` is in no
// season (seasons boards); INVALID_ARGUMENT if the board has no period or a
// bad time zone (config validation prevents both).
absl::StatusOr<Period> PeriodAt(const v1::LeaderboardConfig& board,
                                absl::Time t);

// The period a client named. INVALID_ARGUMENT naming `period`, the bad value
// and the expected format (e.g. "YYYY-MM-DD for a daily board"); NOT_FOUND
// for an unknown season id.
absl::StatusOr<Period> ParsePeriodId(const v1::LeaderboardConfig& board,
                                     absl::string_view id);

// The period just before `period` of `board` in time: for daily, weekly,
// monthly and every_n boards the one ending where it starts; for seasons the
// season that ended last at or before its start (there may be a gap).
// NOT_FOUND when there is none (the first season); INVALID_ARGUMENT as
// PeriodAt.
absl::StatusOr<Period> PreviousPeriod(const v1::LeaderboardConfig& board,
                                      const Period& period);

// When a period's keys should expire: period.end + retention; nullopt when
// retention is 0 (kept forever) or the board has no periods.
std::optional<absl::Time> PeriodExpiry(const v1::LeaderboardConfig& board,
                                       const Period& period);

// Checks a PeriodConfig (time zone loads, every_n days and anchor date,
// season ids, bounds and overlaps, the soft reset's fraction). INVALID_ARGUMENT
// naming the field relative to the period, e.g. "period.every_n.anchor_date:
// ...".
absl::Status ValidatePeriodConfig(const v1::PeriodConfig& period);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_PERIODS_H_
