#include "common/periods.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/proto_duration.h"

namespace statstracker {
namespace {

using v1::PeriodConfig;

absl::StatusOr<absl::TimeZone> LoadZone(const PeriodConfig& period) {
  const std::string name =
      period.time_zone().empty() ? "UTC" : period.time_zone();
  absl::TimeZone tz;
  // "localtime" would make period boundaries depend on the machine's
  // settings, so two workers could disagree; only named zones are accepted.
  if (name == "localtime" || !absl::LoadTimeZone(name, &tz)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "period.time_zone: unknown time zone \"", name,
        "\"; use an IANA name such as \"Europe/Berlin\" or \"UTC\" (the "
        "tzdata package provides them)"));
  }
  return tz;
}

// True if `s` matches `pattern`, where '9' stands for one ASCII digit and
// every other character for itself.
bool MatchesShape(absl::string_view s, absl::string_view pattern) {
  if (s.size() != pattern.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (pattern[i] == '9') {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return false;
    } else if (s[i] != pattern[i]) {
      return false;
    }
  }
  return true;
}

// "YYYY-MM-DD" that names a real date.
bool ParseDate(absl::string_view s, absl::CivilDay* day) {
  if (!MatchesShape(s, "9999-99-99")) return false;
  return absl::ParseCivilTime(s, day);
}

// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SS", local time.
bool ParseLocalInstant(absl::string_view s, absl::CivilSecond* out) {
  absl::CivilDay day;
  if (ParseDate(s, &day)) {
    *out = absl::CivilSecond(day);
    return true;
  }
  if (!MatchesShape(s, "9999-99-99T99:99:99")) return false;
  return absl::ParseCivilTime(s, out);
}

std::string DayId(absl::CivilDay d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

// Monday of the ISO week containing `d`.
absl::CivilDay IsoMonday(absl::CivilDay d) {
  // absl::Weekday counts from monday = 0.
  return d - static_cast<int>(absl::GetWeekday(d));
}

// ISO week-numbering year and week of the week starting on `monday`: the
// week belongs to the year of its Thursday.
void IsoYearWeek(absl::CivilDay monday, int64_t* year, int* week) {
  absl::CivilDay thursday = monday + 3;
  *year = thursday.year();
  *week = (absl::GetYearDay(thursday) - 1) / 7 + 1;
}

Period MakePeriod(std::string id, absl::CivilSecond start,
                  absl::CivilSecond end, absl::TimeZone tz) {
  return Period{std::move(id), absl::FromCivil(start, tz),
                absl::FromCivil(end, tz)};
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

struct SeasonBounds {
  const PeriodConfig::Season* season;
  absl::CivilSecond start, end;
};

}  // namespace

absl::Status ValidatePeriodConfig(const PeriodConfig& period) {
  auto tz = LoadZone(period);
  if (!tz.ok()) return tz.status();
  if (period.has_retention() &&
      (period.retention().seconds() < 0 || period.retention().nanos() < 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "period.retention: must be >= 0 (0 keeps periods forever), got ",
        period.retention().seconds(), "s"));
  }
  if (period.has_soft_reset()) {
    const double f = period.soft_reset().fraction();
    if (!(f > 0 && f <= 1)) {  // also rejects NaN
      return absl::InvalidArgumentError(absl::StrCat(
          "period.soft_reset.fraction: must be > 0 and <= 1 (how far each "
          "rating moves toward the initial one; 1 resets fully), got ",
          f));
    }
  }
  switch (period.kind_case()) {
    case PeriodConfig::KIND_NOT_SET:
      return absl::InvalidArgumentError(
          "period: no kind set; set one of daily {}, weekly {}, monthly {}, "
          "every_n { days, anchor_date } or seasons { ... }, or remove "
          "period for an all-time board");
    case PeriodConfig::kDaily:
    case PeriodConfig::kWeekly:
    case PeriodConfig::kMonthly:
      return absl::OkStatus();
    case PeriodConfig::kEveryN: {
      const auto& n = period.every_n();
      if (n.days() < 1 || n.days() > 3660) {
        return absl::InvalidArgumentError(
            absl::StrCat("period.every_n.days: must be 1 to 3660, got ",
                         n.days(), " (weeks count as 7 days)"));
      }
      absl::CivilDay anchor;
      if (!ParseDate(n.anchor_date(), &anchor)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "period.every_n.anchor_date: \"", n.anchor_date(),
            "\" is not a date; use YYYY-MM-DD, the first day of any one "
            "period, e.g. \"2026-01-05\""));
      }
      return absl::OkStatus();
    }
    case PeriodConfig::kSeasons: {
      const auto& seasons = period.seasons().seasons();
      if (seasons.empty()) {
        return absl::InvalidArgumentError(
            "period.seasons: no seasons; add at least one seasons { "
            "season_id start end }");
      }
      std::vector<SeasonBounds> bounds;
      for (int i = 0; i < seasons.size(); ++i) {
        const auto& s = seasons[i];
        const std::string where =
            absl::StrCat("period.seasons.seasons[", i, "]");
        const std::string& id = s.season_id();
        bool id_ok = !id.empty() && id.size() <= 64;
        for (char c : id) {
          if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
                c == '-')) {
            id_ok = false;
          }
        }
        if (!id_ok) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ".season_id: \"", id,
              "\" is not a valid id; use 1 to 64 characters of [a-z0-9_-]"));
        }
        for (int j = 0; j < i; ++j) {
          if (seasons[j].season_id() == id) {
            return absl::InvalidArgumentError(absl::StrCat(
                where, ".season_id: duplicate season \"", id,
                "\" (also seasons[", j, "]); season ids must be unique"));
          }
        }
        SeasonBounds b{&s, {}, {}};
        if (!ParseLocalInstant(s.start(), &b.start)) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, " \"", id, "\": start: \"", s.start(),
              "\" is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS "
              "(local time in period.time_zone)"));
        }
        if (!ParseLocalInstant(s.end(), &b.end)) {
          return absl::InvalidArgumentError(absl::StrCat(
              where, " \"", id, "\": end: \"", s.end(),
              "\" is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS "
              "(local time in period.time_zone)"));
        }
        if (!(b.start < b.end)) {
          return absl::InvalidArgumentError(
              absl::StrCat(where, " \"", id, "\": end \"", s.end(),
                           "\" must be after start \"", s.start(),
                           "\" (end is the first instant after the season)"));
        }
        bounds.push_back(b);
      }
      std::sort(bounds.begin(), bounds.end(),
                [](const SeasonBounds& a, const SeasonBounds& b) {
                  return a.start < b.start;
                });
      for (size_t i = 1; i < bounds.size(); ++i) {
        if (bounds[i].start < bounds[i - 1].end) {
          return absl::InvalidArgumentError(absl::StrCat(
              "period.seasons: season \"", bounds[i].season->season_id(),
              "\" (start ", bounds[i].season->start(), ") overlaps season \"",
              bounds[i - 1].season->season_id(), "\" (end ",
              bounds[i - 1].season->end(),
              "); seasons must not overlap: start each season at or after "
              "the previous one's end"));
        }
      }
      return absl::OkStatus();
    }
  }
  return absl::InvalidArgumentError("period: unknown kind");
}

absl::StatusOr<Period> PeriodAt(const v1::LeaderboardConfig& board,
                                absl::Time t) {
  if (!board.has_period() ||
      board.period().kind_case() == PeriodConfig::KIND_NOT_SET) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaderboard \"", board.leaderboard_id(),
                     "\" has no periods; it is all-time"));
  }
  const PeriodConfig& period = board.period();
  auto tz = LoadZone(period);
  if (!tz.ok()) return tz.status();
  const absl::CivilDay day = absl::ToCivilDay(t, *tz);
  switch (period.kind_case()) {
    case PeriodConfig::kDaily:
      return MakePeriod(DayId(day), absl::CivilSecond(day),
                        absl::CivilSecond(day + 1), *tz);
    case PeriodConfig::kWeekly: {
      absl::CivilDay monday = IsoMonday(day);
      int64_t year;
      int week;
      IsoYearWeek(monday, &year, &week);
      return MakePeriod(absl::StrFormat("%04d-W%02d", year, week),
                        absl::CivilSecond(monday),
                        absl::CivilSecond(monday + 7), *tz);
    }
    case PeriodConfig::kMonthly: {
      absl::CivilMonth month(day);
      return MakePeriod(
          absl::StrFormat("%04d-%02d", month.year(), month.month()),
          absl::CivilSecond(month), absl::CivilSecond(month + 1), *tz);
    }
    case PeriodConfig::kEveryN: {
      absl::CivilDay anchor;
      const int64_t n = period.every_n().days();
      if (n < 1 || !ParseDate(period.every_n().anchor_date(), &anchor)) {
        return absl::InvalidArgumentError(
            "period.every_n: days and anchor_date must be valid");
      }
      const int64_t k = FloorDiv(day - anchor, n);
      const absl::CivilDay start = anchor + k * n;
      return MakePeriod(DayId(start), absl::CivilSecond(start),
                        absl::CivilSecond(start + n), *tz);
    }
    case PeriodConfig::kSeasons: {
      const absl::CivilSecond local = absl::ToCivilSecond(t, *tz);
      for (const auto& s : period.seasons().seasons()) {
        absl::CivilSecond start, end;
        if (!ParseLocalInstant(s.start(), &start) ||
            !ParseLocalInstant(s.end(), &end)) {
          continue;  // rejected by ValidatePeriodConfig
        }
        Period p = MakePeriod(s.season_id(), start, end, *tz);
        if (p.start <= t && t < p.end) return p;
      }
      return absl::NotFoundError(absl::StrCat(
          "no season of leaderboard \"", board.leaderboard_id(), "\" contains ",
          absl::FormatCivilTime(local), " (",
          period.time_zone().empty() ? "UTC" : period.time_zone(), ")"));
    }
    case PeriodConfig::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("period: unknown kind");
}

absl::StatusOr<Period> ParsePeriodId(const v1::LeaderboardConfig& board,
                                     absl::string_view id) {
  if (!board.has_period() ||
      board.period().kind_case() == PeriodConfig::KIND_NOT_SET) {
    return absl::InvalidArgumentError(
        absl::StrCat("period: leaderboard \"", board.leaderboard_id(),
                     "\" has no periods; leave period empty"));
  }
  const PeriodConfig& period = board.period();
  auto tz = LoadZone(period);
  if (!tz.ok()) return tz.status();
  switch (period.kind_case()) {
    case PeriodConfig::kDaily: {
      absl::CivilDay day;
      if (!ParseDate(id, &day)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "period: \"", id,
            "\" is not a day; expected YYYY-MM-DD for a daily board, e.g. "
            "\"2026-11-25\""));
      }
      return MakePeriod(DayId(day), absl::CivilSecond(day),
                        absl::CivilSecond(day + 1), *tz);
    }
    case PeriodConfig::kWeekly: {
      int year = 0, week = 0;
      bool ok = MatchesShape(id, "9999-W99");
      if (ok) {
        year = std::stoi(std::string(id.substr(0, 4)));
        week = std::stoi(std::string(id.substr(6, 2)));
        ok = week >= 1 && week <= 53;
      }
      absl::CivilDay monday;
      if (ok) {
        // Week 1 is the week containing January 4th.
        monday =
            IsoMonday(absl::CivilDay(year, 1, 4)) + int64_t{7} * (week - 1);
        int64_t y;
        int w;
        IsoYearWeek(monday, &y, &w);
        ok = y == year && w == week;  // week 53 exists in some years only
      }
      if (!ok) {
        return absl::InvalidArgumentError(absl::StrCat(
            "period: \"", id,
            "\" is not an ISO week; expected YYYY-Www for a weekly board, "
            "e.g. \"2026-W48\" (week 01 to 52, or 53 in long years)"));
      }
      return MakePeriod(absl::StrFormat("%04d-W%02d", year, week),
                        absl::CivilSecond(monday),
                        absl::CivilSecond(monday + 7), *tz);
    }
    case PeriodConfig::kMonthly: {
      absl::CivilMonth month;
      if (!MatchesShape(id, "9999-99") || !absl::ParseCivilTime(id, &month)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "period: \"", id,
            "\" is not a month; expected YYYY-MM for a monthly board, e.g. "
            "\"2026-11\""));
      }
      return MakePeriod(
          absl::StrFormat("%04d-%02d", month.year(), month.month()),
          absl::CivilSecond(month), absl::CivilSecond(month + 1), *tz);
    }
    case PeriodConfig::kEveryN: {
      absl::CivilDay anchor;
      const int64_t n = period.every_n().days();
      if (n < 1 || !ParseDate(period.every_n().anchor_date(), &anchor)) {
        return absl::InvalidArgumentError(
            "period.every_n: days and anchor_date must be valid");
      }
      absl::CivilDay day;
      if (!ParseDate(id, &day)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "period: \"", id,
            "\" is not a day; expected YYYY-MM-DD, the first day of a "
            "period, e.g. \"",
            period.every_n().anchor_date(), "\""));
      }
      const int64_t offset = day - anchor;
      if (offset % n != 0) {
        const absl::CivilDay before = anchor + FloorDiv(offset, n) * n;
        return absl::InvalidArgumentError(absl::StrCat(
            "period: \"", id, "\" is not the first day of a period; periods ",
            "of this board start every ", n, " days from ",
            period.every_n().anchor_date(), ", e.g. \"", DayId(before),
            "\" or \"", DayId(before + n), "\""));
      }
      return MakePeriod(DayId(day), absl::CivilSecond(day),
                        absl::CivilSecond(day + n), *tz);
    }
    case PeriodConfig::kSeasons: {
      std::vector<std::string> ids;
      for (const auto& s : period.seasons().seasons()) {
        if (s.season_id() != id) {
          ids.push_back(s.season_id());
          continue;
        }
        absl::CivilSecond start, end;
        if (!ParseLocalInstant(s.start(), &start) ||
            !ParseLocalInstant(s.end(), &end)) {
          return absl::InvalidArgumentError(absl::StrCat(
              "season \"", id, "\" has invalid bounds in the config"));
        }
        return MakePeriod(s.season_id(), start, end, *tz);
      }
      std::string known;
      for (const auto& s : ids)
        absl::StrAppend(&known, known.empty() ? "" : ", ", s);
      return absl::NotFoundError(
          absl::StrCat("period: unknown season \"", id, "\" of leaderboard \"",
                       board.leaderboard_id(), "\"; seasons: ", known));
    }
    case PeriodConfig::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("period: unknown kind");
}

absl::StatusOr<Period> PreviousPeriod(const v1::LeaderboardConfig& board,
                                      const Period& period) {
  if (!board.has_period() ||
      board.period().kind_case() != PeriodConfig::kSeasons) {
    // Periods that tile time: the one containing the instant before.
    return PeriodAt(board, period.start - absl::Nanoseconds(1));
  }
  auto tz = LoadZone(board.period());
  if (!tz.ok()) return tz.status();
  std::optional<Period> best;
  for (const auto& s : board.period().seasons().seasons()) {
    absl::CivilSecond start, end;
    if (!ParseLocalInstant(s.start(), &start) ||
        !ParseLocalInstant(s.end(), &end)) {
      continue;  // rejected by ValidatePeriodConfig
    }
    Period p = MakePeriod(s.season_id(), start, end, *tz);
    if (p.end <= period.start && (!best.has_value() || best->end < p.end)) {
      best = std::move(p);
    }
  }
  if (!best.has_value()) {
    return absl::NotFoundError(absl::StrCat(
        "season \"", period.id, "\" of leaderboard \"", board.leaderboard_id(),
        "\" is the first; no season ends before it starts"));
  }
  return *std::move(best);
}

std::optional<absl::Time> PeriodExpiry(const v1::LeaderboardConfig& board,
                                       const Period& period) {
  if (!board.has_period() ||
      board.period().kind_case() == PeriodConfig::KIND_NOT_SET) {
    return std::nullopt;
  }
  absl::Duration retention = ProtoDuration(board.period().retention());
  if (retention <= absl::ZeroDuration()) return std::nullopt;
  return period.end + retention;
}

}  // namespace statstracker
