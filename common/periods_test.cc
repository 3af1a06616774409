#include "common/periods.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace {

v1::LeaderboardConfig Board(const std::string& period_text) {
  v1::LeaderboardConfig board;
  board.set_leaderboard_id("b");
  board.set_scorer("best_score");
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(
      period_text, board.mutable_period()))
      << period_text;
  return board;
}

absl::Time Utc(int y, int m, int d, int hh = 0, int mm = 0, int ss = 0) {
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, ss),
                         absl::UTCTimeZone());
}

absl::Time In(const char* zone, int y, int m, int d, int hh = 0, int mm = 0) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(zone, &tz)) << zone;
  return absl::FromCivil(absl::CivilSecond(y, m, d, hh, mm, 0), tz);
}

TEST(PeriodsTest, DailyUtc) {
  auto board = Board("daily {}");
  auto p = PeriodAt(board, Utc(2026, 11, 25, 21, 50));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "2026-11-25");
  EXPECT_EQ(p->start, Utc(2026, 11, 25));
  EXPECT_EQ(p->end, Utc(2026, 11, 26));
  // The last instant of a day is still that day; the next is the next day.
  EXPECT_EQ(PeriodAt(board, Utc(2026, 11, 26) - absl::Nanoseconds(1))->id,
            "2026-11-25");
  EXPECT_EQ(PeriodAt(board, Utc(2026, 11, 26))->id, "2026-11-26");
}

TEST(PeriodsTest, DailyInBoardTimeZone) {
  auto board = Board("daily {} time_zone: \"America/New_York\"");
  // 03:00 UTC on the 26th is still the 25th in New York (UTC-5).
  auto p = PeriodAt(board, Utc(2026, 11, 26, 3));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "2026-11-25");
  EXPECT_EQ(p->start, Utc(2026, 11, 25, 5));
  EXPECT_EQ(p->end, Utc(2026, 11, 26, 5));
}

TEST(PeriodsTest, DailyAcrossDstHas23And25HourDays) {
  auto board = Board("daily {} time_zone: \"Europe/Berlin\"");
  // Spring forward: 2026-03-29 02:00 -> 03:00.
  auto spring = PeriodAt(board, In("Europe/Berlin", 2026, 3, 29, 12));
  ASSERT_TRUE(spring.ok()) << spring.status();
  EXPECT_EQ(spring->id, "2026-03-29");
  EXPECT_EQ(spring->start, Utc(2026, 3, 28, 23));
  EXPECT_EQ(spring->end - spring->start, absl::Hours(23));
  // Fall back: 2026-10-25 03:00 -> 02:00.
  auto fall = PeriodAt(board, In("Europe/Berlin", 2026, 10, 25, 12));
  ASSERT_TRUE(fall.ok()) << fall.status();
  EXPECT_EQ(fall->id, "2026-10-25");
  EXPECT_EQ(fall->start, Utc(2026, 10, 24, 22));
  EXPECT_EQ(fall->end - fall->start, absl::Hours(25));
  // Both instants of the repeated 02:30 are on the 25th.
  EXPECT_EQ(PeriodAt(board, Utc(2026, 10, 25, 0, 30))->id, "2026-10-25");
  EXPECT_EQ(PeriodAt(board, Utc(2026, 10, 25, 1, 30))->id, "2026-10-25");
  // An ordinary day.
  auto normal = PeriodAt(board, In("Europe/Berlin", 2026, 7, 1, 0));
  EXPECT_EQ(normal->end - normal->start, absl::Hours(24));
}

TEST(PeriodsTest, WeeklyIsoWeeksStartMonday) {
  auto board = Board("weekly {}");
  auto p = PeriodAt(board, Utc(2026, 11, 25, 21));  // a Wednesday
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "2026-W48");
  EXPECT_EQ(p->start, Utc(2026, 11, 23));
  EXPECT_EQ(p->end, Utc(2026, 11, 30));
  // Sunday belongs to the week that started on the Monday before.
  EXPECT_EQ(PeriodAt(board, Utc(2026, 11, 29, 23, 59))->id, "2026-W48");
  EXPECT_EQ(PeriodAt(board, Utc(2026, 11, 30))->id, "2026-W49");
}

TEST(PeriodsTest, WeeklyYearBoundariesAndWeek53) {
  auto board = Board("weekly {}");
  // 2026 starts on a Thursday, so it has 53 ISO weeks; 2027-01-01 is in
  // 2026-W53.
  EXPECT_EQ(PeriodAt(board, Utc(2026, 12, 31))->id, "2026-W53");
  EXPECT_EQ(PeriodAt(board, Utc(2027, 1, 1))->id, "2026-W53");
  EXPECT_EQ(PeriodAt(board, Utc(2027, 1, 3, 23))->id, "2026-W53");
  EXPECT_EQ(PeriodAt(board, Utc(2027, 1, 4))->id, "2027-W01");
  // 2024-12-30 (Monday) is week 1 of ISO year 2025.
  EXPECT_EQ(PeriodAt(board, Utc(2024, 12, 30))->id, "2025-W01");
  EXPECT_EQ(PeriodAt(board, Utc(2024, 12, 29))->id, "2024-W52");
  // 2021-01-03 (Sunday) is in 2020-W53.
  EXPECT_EQ(PeriodAt(board, Utc(2021, 1, 3))->id, "2020-W53");
  EXPECT_EQ(PeriodAt(board, Utc(2026, 1, 1))->id, "2026-W01");
}

TEST(PeriodsTest, WeeklyInTimeZoneAcrossDst) {
  auto board = Board("weekly {} time_zone: \"Europe/Berlin\"");
  // The week of the spring-forward Sunday is 7 days minus an hour.
  auto p = PeriodAt(board, In("Europe/Berlin", 2026, 3, 25, 12));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "2026-W13");
  EXPECT_EQ(p->start, Utc(2026, 3, 22, 23));
  EXPECT_EQ(p->end - p->start, absl::Hours(7 * 24 - 1));
}

TEST(PeriodsTest, Monthly) {
  auto board = Board("monthly {} time_zone: \"Europe/Berlin\"");
  auto p = PeriodAt(board, Utc(2026, 3, 15));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->id, "2026-03");
  EXPECT_EQ(p->start, Utc(2026, 2, 28, 23));  // CET, UTC+1
  EXPECT_EQ(p->end, Utc(2026, 3, 31, 22));    // CEST, UTC+2
  // 23:30 UTC on Feb 28 is already March 1st in Berlin.
  EXPECT_EQ(PeriodAt(board, Utc(2026, 2, 28, 23, 30))->id, "2026-03");
  EXPECT_EQ(PeriodAt(Board("monthly {}"), Utc(2026, 12, 31, 23, 59))->id,
            "2026-12");
  EXPECT_EQ(PeriodAt(Board("monthly {}"), Utc(2027, 1, 1))->id, "2027-01");
}

TEST(PeriodsTest, EveryNBothDirectionsFromAnchor) {
  auto board = Board("every_n { days: 14 anchor_date: \"2026-01-05\" }");
  auto at_anchor = PeriodAt(board, Utc(2026, 1, 5));
  ASSERT_TRUE(at_anchor.ok()) << at_anchor.status();
  EXPECT_EQ(at_anchor->id, "2026-01-05");
  EXPECT_EQ(at_anchor->end, Utc(2026, 1, 19));
  EXPECT_EQ(PeriodAt(board, Utc(2026, 1, 18, 23, 59))->id, "2026-01-05");
  EXPECT_EQ(PeriodAt(board, Utc(2026, 1, 19))->id, "2026-01-19");
  // Before the anchor: periods continue backwards.
  auto before = PeriodAt(board, Utc(2026, 1, 4, 23, 59));
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->id, "2025-12-22");
  EXPECT_EQ(before->start, Utc(2025, 12, 22));
  EXPECT_EQ(before->end, Utc(2026, 1, 5));
  EXPECT_EQ(PeriodAt(board, Utc(2025, 12, 21))->id, "2025-12-08");
  EXPECT_EQ(PeriodAt(board, Utc(2020, 1, 1))->id, "2019-12-30");
}

TEST(PeriodsTest, EveryNOneDayEqualsDaily) {
  auto board = Board(
      "every_n { days: 1 anchor_date: \"2000-01-01\" } time_zone: "
      "\"Europe/Berlin\"");
  auto p = PeriodAt(board, In("Europe/Berlin", 2026, 10, 25, 12));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->id, "2026-10-25");
  EXPECT_EQ(p->end - p->start, absl::Hours(25));
}

TEST(PeriodsTest, SeasonsWithGap) {
  auto board = Board(R"(
    seasons {
      seasons { season_id: "s2" start: "2026-05-01" end: "2026-08-01T12:00:00" }
      seasons { season_id: "s1" start: "2026-01-01" end: "2026-04-01" }
    }
    time_zone: "America/New_York")");
  ASSERT_TRUE(ValidatePeriodConfig(board.period()).ok());
  auto s1 = PeriodAt(board, Utc(2026, 2, 1));
  ASSERT_TRUE(s1.ok()) << s1.status();
  EXPECT_EQ(s1->id, "s1");
  EXPECT_EQ(s1->start, Utc(2026, 1, 1, 5));
  EXPECT_EQ(s1->end, Utc(2026, 4, 1, 4));  // EDT, UTC-4
  auto s2 = PeriodAt(board, Utc(2026, 8, 1, 15, 59));
  ASSERT_TRUE(s2.ok()) << s2.status();
  EXPECT_EQ(s2->id, "s2");
  EXPECT_EQ(s2->end, Utc(2026, 8, 1, 16));
  // The first instant after a season, the gap, and before the first season.
  for (absl::Time t : {Utc(2026, 8, 1, 16), Utc(2026, 4, 15),
                       Utc(2026, 1, 1, 4, 59), Utc(2030, 1, 1)}) {
    auto none = PeriodAt(board, t);
    ASSERT_FALSE(none.ok()) << t;
    EXPECT_EQ(none.status().code(), absl::StatusCode::kNotFound) << t;
  }
}

TEST(PeriodsTest, PreviousPeriodOfPeriodsThatTileTime) {
  struct Case {
    const char* period;
    absl::Time t;
    const char* previous;
  };
  for (const Case& c : {
           Case{"daily {}", Utc(2026, 3, 1, 0, 30), "2026-02-28"},
           Case{"daily {} time_zone: \"Europe/Berlin\"",
                In("Europe/Berlin", 2026, 3, 30, 0, 30), "2026-03-29"},
           Case{"weekly {}", Utc(2027, 1, 4), "2026-W53"},
           Case{"weekly {}", Utc(2026, 11, 25), "2026-W47"},
           Case{"monthly {}", Utc(2027, 1, 15), "2026-12"},
           Case{"every_n { days: 14 anchor_date: \"2026-01-05\" }",
                Utc(2026, 1, 6), "2025-12-22"},
       }) {
    auto board = Board(c.period);
    auto p = PeriodAt(board, c.t);
    ASSERT_TRUE(p.ok()) << c.period;
    auto previous = PreviousPeriod(board, *p);
    ASSERT_TRUE(previous.ok()) << c.period << ": " << previous.status();
    EXPECT_EQ(previous->id, c.previous) << c.period;
    EXPECT_EQ(previous->end, p->start) << c.period;
  }
}

TEST(PeriodsTest, PreviousSeasonIsTheLastToEndBeforeEvenAcrossAGap) {
  auto board = Board(R"(
    seasons {
      seasons { season_id: "s3" start: "2026-09-01" end: "2026-12-01" }
      seasons { season_id: "s1" start: "2026-01-01" end: "2026-04-01" }
      seasons { season_id: "s2" start: "2026-05-01" end: "2026-08-01" }
    })");
  auto s3 = ParsePeriodId(board, "s3");
  ASSERT_TRUE(s3.ok());
  auto before_s3 = PreviousPeriod(board, *s3);
  ASSERT_TRUE(before_s3.ok()) << before_s3.status();
  EXPECT_EQ(before_s3->id, "s2");
  EXPECT_EQ(PreviousPeriod(board, *ParsePeriodId(board, "s2"))->id, "s1");
  auto before_s1 = PreviousPeriod(board, *ParsePeriodId(board, "s1"));
  ASSERT_FALSE(before_s1.ok());
  EXPECT_EQ(before_s1.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(before_s1.status().message(), "first"))
      << before_s1.status();
}

TEST(PeriodsTest, NoPeriodIsInvalidArgument) {
  v1::LeaderboardConfig board;
  board.set_leaderboard_id("all");
  EXPECT_EQ(PeriodAt(board, Utc(2026, 1, 1)).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePeriodId(board, "2026-01-01").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(
      PeriodExpiry(board, Period{"x", Utc(2026, 1, 1), Utc(2026, 1, 2)})
          .has_value());
}

TEST(PeriodsTest, ParsePeriodIdRoundTrips) {
  struct Case {
    const char* period;
    absl::Time t;
  };
  for (const Case& c : {
           Case{"daily {} time_zone: \"Europe/Berlin\"", Utc(2026, 10, 25, 1)},
           Case{"weekly {}", Utc(2027, 1, 2)},
           Case{"weekly {} time_zone: \"Asia/Tokyo\"", Utc(2024, 12, 29, 16)},
           Case{"monthly {} time_zone: \"Australia/Sydney\"",
                Utc(2026, 6, 30, 20)},
           Case{"every_n { days: 7 anchor_date: \"2026-01-07\" }",
                Utc(2025, 3, 3)},
       }) {
    auto board = Board(c.period);
    auto at = PeriodAt(board, c.t);
    ASSERT_TRUE(at.ok()) << c.period << ": " << at.status();
    auto parsed = ParsePeriodId(board, at->id);
    ASSERT_TRUE(parsed.ok()) << c.period << ": " << parsed.status();
    EXPECT_EQ(parsed->id, at->id) << c.period;
    EXPECT_EQ(parsed->start, at->start) << c.period;
    EXPECT_EQ(parsed->end, at->end) << c.period;
  }
  auto seasons = Board(
      R"(seasons { seasons { season_id: "one" start: "2026-01-01" end: "2026-02-01" } })");
  auto one = ParsePeriodId(seasons, "one");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->start, Utc(2026, 1, 1));
  EXPECT_EQ(one->end, Utc(2026, 2, 1));
}

TEST(PeriodsTest, ParsePeriodIdWeek53OnlyInLongYears) {
  auto board = Board("weekly {}");
  auto w53 = ParsePeriodId(board, "2026-W53");
  ASSERT_TRUE(w53.ok()) << w53.status();
  EXPECT_EQ(w53->start, Utc(2026, 12, 28));
  EXPECT_EQ(w53->end, Utc(2027, 1, 4));
  auto w1 = ParsePeriodId(board, "2025-W01");
  ASSERT_TRUE(w1.ok());
  EXPECT_EQ(w1->start, Utc(2024, 12, 30));
  EXPECT_FALSE(ParsePeriodId(board, "2025-W53").ok());
}

TEST(PeriodsTest, ParsePeriodIdRejectsBadFormats) {
  struct Case {
    const char* period;
    const char* id;
    const char* expect;  // part of the message
  };
  for (const Case& c : {
           Case{"daily {}", "2026-11-5", "YYYY-MM-DD for a daily board"},
           Case{"daily {}", "2026/11/25", "YYYY-MM-DD for a daily board"},
           Case{"daily {}", "2026-02-30", "YYYY-MM-DD for a daily board"},
           Case{"daily {}", "", "YYYY-MM-DD for a daily board"},
           Case{"daily {}", "2026-11-25 ", "YYYY-MM-DD for a daily board"},
           Case{"weekly {}", "2026-48", "YYYY-Www for a weekly board"},
           Case{"weekly {}", "2026-W00", "YYYY-Www for a weekly board"},
           Case{"weekly {}", "2026-W54", "YYYY-Www for a weekly board"},
           Case{"weekly {}", "2025-W53", "YYYY-Www for a weekly board"},
           Case{"weekly {}", "2026-w48", "YYYY-Www for a weekly board"},
           Case{"monthly {}", "2026-13", "YYYY-MM for a monthly board"},
           Case{"monthly {}", "2026-1", "YYYY-MM for a monthly board"},
           Case{"monthly {}", "2026-11-01", "YYYY-MM for a monthly board"},
           Case{"every_n { days: 14 anchor_date: \"2026-01-05\" }",
                "2026-01-06",
                "not the first day of a period; periods of this board start "
                "every 14 days from 2026-01-05, e.g. \"2026-01-05\" or "
                "\"2026-01-19\""},
           Case{"every_n { days: 14 anchor_date: \"2026-01-05\" }", "2026-1-5",
                "expected YYYY-MM-DD"},
       }) {
    auto p = ParsePeriodId(Board(c.period), c.id);
    ASSERT_FALSE(p.ok()) << c.period << " " << c.id;
    EXPECT_EQ(p.status().code(), absl::StatusCode::kInvalidArgument) << c.id;
    EXPECT_TRUE(absl::StartsWith(p.status().message(), "period: "))
        << p.status();
    EXPECT_TRUE(absl::StrContains(p.status().message(), c.expect))
        << c.id << ": " << p.status();
  }
  auto unknown = ParsePeriodId(
      Board(
          R"(seasons { seasons { season_id: "s1" start: "2026-01-01" end: "2026-02-01" } })"),
      "s9");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(unknown.status().message(), "seasons: s1"))
      << unknown.status();
}

TEST(PeriodsTest, ExpiryIsEndPlusRetention) {
  auto board = Board("daily {} retention { seconds: 86400 }");
  auto p = PeriodAt(board, Utc(2026, 11, 25, 12));
  ASSERT_TRUE(p.ok());
  auto expiry = PeriodExpiry(board, *p);
  ASSERT_TRUE(expiry.has_value());
  EXPECT_EQ(*expiry, Utc(2026, 11, 27));
  EXPECT_FALSE(PeriodExpiry(Board("daily {}"), *p).has_value());
}

TEST(PeriodsTest, ValidatePeriodConfig) {
  struct Case {
    const char* period;
    const char* expect;  // empty: valid
  };
  for (const Case& c : {
           Case{"daily {}", ""},
           Case{"weekly {} time_zone: \"Asia/Kolkata\"", ""},
           Case{"monthly {} retention { seconds: 3600 }", ""},
           Case{"every_n { days: 3660 anchor_date: \"2026-01-01\" }", ""},
           Case{"time_zone: \"UTC\"", "period: no kind set"},
           Case{"daily {} time_zone: \"Europe/Berln\"",
                "period.time_zone: unknown time zone \"Europe/Berln\"; use an "
                "IANA name"},
           Case{"daily {} time_zone: \"localtime\"",
                "period.time_zone: unknown time zone \"localtime\""},
           Case{"daily {} time_zone: \"Etc/GMT+5\"", ""},
           Case{"daily {} retention { seconds: -5 }",
                "period.retention: must be >= 0"},
           Case{"daily {} soft_reset { fraction: 0.25 }", ""},
           Case{"daily {} soft_reset { fraction: 1 }", ""},
           Case{"daily {} soft_reset {}",
                "period.soft_reset.fraction: must be > 0 and <= 1 (how far "
                "each rating moves toward the initial one; 1 resets fully), "
                "got 0"},
           Case{"weekly {} soft_reset { fraction: 1.5 }",
                "period.soft_reset.fraction: must be > 0 and <= 1"},
           Case{"weekly {} soft_reset { fraction: -0.1 }",
                "period.soft_reset.fraction: must be > 0 and <= 1"},
           Case{"weekly {} soft_reset { fraction: nan }",
                "period.soft_reset.fraction: must be > 0 and <= 1"},
           Case{"every_n { days: 0 anchor_date: \"2026-01-01\" }",
                "period.every_n.days: must be 1 to 3660, got 0"},
           Case{"every_n { days: 3661 anchor_date: \"2026-01-01\" }",
                "period.every_n.days: must be 1 to 3660, got 3661"},
           Case{"every_n { days: 7 anchor_date: \"2026-02-30\" }",
                "period.every_n.anchor_date: \"2026-02-30\" is not a date; "
                "use YYYY-MM-DD"},
           Case{"every_n { days: 7 }",
                "period.every_n.anchor_date: \"\" is not a date"},
           Case{"seasons {}", "period.seasons: no seasons"},
           Case{R"(seasons {
                  seasons { season_id: "a" start: "2026-01-01" end: "2026-03-01" }
                  seasons { season_id: "b" start: "2026-02-15" end: "2026-04-01" } })",
                "period.seasons: season \"b\" (start 2026-02-15) overlaps "
                "season \"a\" (end 2026-03-01)"},
           Case{R"(seasons {
                  seasons { season_id: "a" start: "2026-01-01" end: "2026-03-01" }
                  seasons { season_id: "b" start: "2026-03-01" end: "2026-04-01" } })",
                ""},
           Case{R"(seasons {
                  seasons { season_id: "a" start: "2026-03-01" end: "2026-03-01" } })",
                "period.seasons.seasons[0] \"a\": end \"2026-03-01\" must be "
                "after start"},
           Case{R"(seasons {
                  seasons { season_id: "a" start: "2026-01-01" end: "2026-02-01" }
                  seasons { season_id: "a" start: "2026-03-01" end: "2026-04-01" } })",
                "period.seasons.seasons[1].season_id: duplicate season \"a\""},
           Case{R"(seasons {
                  seasons { season_id: "Season 1" start: "2026-01-01" end: "2026-02-01" } })",
                "period.seasons.seasons[0].season_id: \"Season 1\" is not a "
                "valid id"},
           Case{R"(seasons {
                  seasons { season_id: "a" start: "2026-01-01 10:00" end: "2026-02-01" } })",
                "period.seasons.seasons[0] \"a\": start: \"2026-01-01 10:00\" "
                "is not a date; use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS"},
       }) {
    absl::Status s = ValidatePeriodConfig(Board(c.period).period());
    if (std::string(c.expect).empty()) {
      EXPECT_TRUE(s.ok()) << c.period << ": " << s;
    } else {
      ASSERT_FALSE(s.ok()) << c.period;
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
      EXPECT_TRUE(absl::StartsWith(s.message(), c.expect))
          << c.period << "\n  got: " << s.message();
    }
  }
}

}  // namespace
}  // namespace statstracker
