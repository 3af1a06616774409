// BoardSlot without Redis: the soft reset's start state from the previous
// period's slot, the history points of changes and the commands that write
// them.
#include "worker/board_slot.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "common/game_catalog.h"
#include "common/history_point.h"
#include "common/keys.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace worker {
namespace {

constexpr char kConfig[] = R"(
games {
  game_id: "g"
  leaderboards {
    leaderboard_id: "season"
    scorer: "elo"
    params { [type.googleapis.com/statstracker.v1.EloParams] { initial_rating: 1500 } }
    period {
      seasons {
        seasons { season_id: "s1" start: "2026-01-01" end: "2026-02-01" }
        seasons { season_id: "s2" start: "2026-03-01" end: "2026-04-01" }
      }
      soft_reset { fraction: 0.25 }
    }
  }
  leaderboards {
    leaderboard_id: "weekly"
    scorer: "elo"
    period { weekly {} retention { seconds: 86400 } soft_reset { fraction: 1 } }
  }
  leaderboards {
    leaderboard_id: "high"
    scorer: "best_score"
    history { max_points: 3 }
  }
  leaderboards {
    leaderboard_id: "daily"
    scorer: "best_score"
    period { daily {} retention { seconds: 86400 } }
    history { max_points: 2 }
  }
}
)";

absl::Time Utc(int y, int m, int d) {
  return absl::FromCivil(absl::CivilDay(y, m, d), absl::UTCTimeZone());
}

class BoardSlotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    v1::StatsTrackerConfig config;
    ASSERT_TRUE(
        google::protobuf::TextFormat::ParseFromString(kConfig, &config));
    auto catalog = GameCatalog::Build(config);
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    catalog_ = *std::move(catalog);
    game_ = catalog_->FindGame("g");
  }

  // The slot of board `b` at time `t`, planned as PlanBoards does.
  BoardSlot& Slot(size_t b, absl::Time t) {
    const auto& board = game_->boards[b].config;
    if (!board.has_period()) {
      return SlotFor(*game_, b, std::string(keys::kAllTimePeriod), std::nullopt,
                     &slots_);
    }
    auto period = PeriodAt(board, t);
    EXPECT_TRUE(period.ok()) << period.status();
    const std::string id = period->id;
    return SlotFor(*game_, b, id, *std::move(period), &slots_);
  }

  static v1::GameEvent Event(const std::string& id, absl::Time t) {
    v1::GameEvent e;
    e.set_event_id(id);
    e.set_game_id("g");
    e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(t));
    return e;
  }

  static ScorerState Score(double score) {
    ScorerState s;
    s.score = score;
    return s;
  }

  std::unique_ptr<GameCatalog> catalog_;
  const GameRuntime* game_ = nullptr;
  BoardSlots slots_;
};

TEST_F(BoardSlotTest, NewPlayerStartsFromThePreviousSeasonSoftReset) {
  const absl::Time now = Utc(2026, 3, 10);
  BoardSlot& s2 = Slot(0, now);
  BoardSlot* s1 = PreviousSlotFor(*game_, 0, &s2, now, &slots_);
  ASSERT_NE(s1, nullptr);
  EXPECT_EQ(s1->board.period, "s1");  // across the gap in February
  EXPECT_EQ(s2.previous, s1);
  EXPECT_EQ(PreviousSlotFor(*game_, 0, &s2, now, &slots_), s1);  // once
  EXPECT_EQ(slots_.size(), 2u);

  s1->current["ann"].state = Score(1700);
  auto start = s2.SoftResetStart("ann");
  ASSERT_TRUE(start.has_value());
  EXPECT_DOUBLE_EQ(start->score, 1650);  // 1700 - 0.25 * 200
  // Not in s1: starts new.
  EXPECT_FALSE(s2.SoftResetStart("bob").has_value());
  // Once in s2 the player has a state there and is never reset again.
  EXPECT_TRUE(s2.Record("ann", Score(1660), Event("e1", now)));
  EXPECT_FALSE(s2.SoftResetStart("ann").has_value());
}

TEST_F(BoardSlotTest, PreviousStateIsTheBatchsStateAtThatPoint) {
  // An earlier event of the batch that still counted in s1 (a late event)
  // changes what s2 starts from, as a sequential replay would.
  const absl::Time now = Utc(2026, 3, 10);
  BoardSlot& s2 = Slot(0, now);
  BoardSlot* s1 = PreviousSlotFor(*game_, 0, &s2, now, &slots_);
  ASSERT_NE(s1, nullptr);
  EXPECT_EQ(&Slot(0, Utc(2026, 1, 20)), s1);  // one slot per period
  s1->current["ann"].state = Score(1500);
  EXPECT_TRUE(s1->Record("ann", Score(1900), Event("late", Utc(2026, 1, 31))));
  EXPECT_DOUBLE_EQ(s2.SoftResetStart("ann")->score, 1800);
}

TEST_F(BoardSlotTest, NoPreviousForTheFirstSeasonAnExpiredPeriodOrNoSoftReset) {
  BoardSlot& s1 = Slot(0, Utc(2026, 1, 10));
  EXPECT_EQ(PreviousSlotFor(*game_, 0, &s1, Utc(2026, 1, 10), &slots_),
            nullptr);
  EXPECT_FALSE(s1.SoftResetStart("ann").has_value());
  // Weekly with one day of retention: last week's keys are gone by Tuesday
  // 00:00 of this week (Monday + 1 day), and there is nothing to read.
  const absl::Time monday = Utc(2026, 11, 23);
  BoardSlot& week = Slot(1, monday + absl::Hours(30));
  EXPECT_EQ(
      PreviousSlotFor(*game_, 1, &week, monday + absl::Hours(30), &slots_),
      nullptr);
  BoardSlot& fresh = Slot(1, monday + absl::Hours(2));
  EXPECT_EQ(&fresh, &week);  // same period, planned once
  BoardSlots other;
  BoardSlot& early =
      SlotFor(*game_, 1, week.board.period, week.period_info, &other);
  BoardSlot* last_week =
      PreviousSlotFor(*game_, 1, &early, monday + absl::Hours(2), &other);
  ASSERT_NE(last_week, nullptr);
  EXPECT_EQ(last_week->board.period, "2026-W47");
  // A board without soft_reset plans nothing more.
  BoardSlot& high = Slot(2, monday);
  EXPECT_EQ(PreviousSlotFor(*game_, 2, &high, monday, &slots_), nullptr);
}

TEST_F(BoardSlotTest, HistoryHasAPointPerRealChangeAndIsWrittenCapped) {
  const absl::Time t = Utc(2026, 11, 24);
  BoardSlot& high = Slot(2, t);
  high.AddPlayer("ann");
  std::vector<std::string> ids;
  // Five improvements and one repeat of the same state (no point).
  double score = 100;
  for (int i = 0; i < 6; ++i) {
    const bool repeat = i == 3;
    if (!repeat) score += 10;
    const bool changed = high.Record(
        "ann", Score(score), Event(absl::StrCat("e", i), t + absl::Seconds(i)));
    EXPECT_EQ(changed, !repeat) << i;
    if (changed) ids.push_back(absl::StrCat("e", i));
  }
  const auto& points = high.current["ann"].points;
  ASSERT_EQ(points.size(), 5u);
  EXPECT_EQ(points[0].event_id, "e0");
  EXPECT_EQ(points[0].score, 110);
  EXPECT_EQ(points[0].occurred_at, t);
  EXPECT_EQ(points[4].event_id, "e5");
  EXPECT_EQ(points[4].score, 150);

  Commands tx;
  ASSERT_TRUE(high.AddWrites(&tx).ok());
  const std::string key = keys::BoardHistory("g", "high", "all", "ann");
  const std::vector<std::string>* lpush = nullptr;
  const std::vector<std::string>* ltrim = nullptr;
  bool marker = false;
  for (const auto& cmd : tx) {
    if (cmd[0] == "LPUSH") lpush = &cmd;
    if (cmd[0] == "LTRIM") ltrim = &cmd;
    if (cmd[0] == "SET" &&
        cmd[1] == keys::BoardHistoryMarker("g", "high", "all")) {
      marker = true;
    }
    EXPECT_NE(cmd[0], "PEXPIREAT") << "an all-time board does not expire";
  }
  ASSERT_NE(lpush, nullptr);
  ASSERT_EQ(lpush->size(), 2u + 3u);  // only the newest three are sent
  EXPECT_EQ((*lpush)[1], key);
  for (int i = 0; i < 3; ++i) {
    auto point = DecodeHistoryPoint((*lpush)[2 + i]);
    ASSERT_TRUE(point.ok());
    EXPECT_EQ(point->event_id, ids[2 + i]);  // oldest first: newest at head
    EXPECT_EQ(point->score, points[2 + i].score);
  }
  ASSERT_NE(ltrim, nullptr);
  EXPECT_EQ(*ltrim, (std::vector<std::string>{"LTRIM", key, "0", "2"}));
  EXPECT_TRUE(marker);
}

TEST_F(BoardSlotTest, PeriodicHistoryExpiresWithThePeriodAndNoHistoryNoList) {
  const absl::Time t = Utc(2026, 11, 24) + absl::Hours(5);
  BoardSlot& daily = Slot(3, t);
  daily.AddPlayer("ann");
  ASSERT_TRUE(daily.Record("ann", Score(7), Event("e1", t)));
  Commands tx;
  ASSERT_TRUE(daily.AddWrites(&tx).ok());
  const std::string at =
      absl::StrCat(absl::ToUnixMillis(Utc(2026, 11, 26)));  // end + 1 day
  int expiring = 0;
  for (const auto& cmd : tx) {
    if (cmd[0] != "PEXPIREAT") continue;
    EXPECT_EQ(cmd[2], at) << cmd[1];
    if (cmd[1] == keys::BoardHistory("g", "daily", "2026-11-24", "ann") ||
        cmd[1] == keys::BoardHistoryMarker("g", "daily", "2026-11-24")) {
      ++expiring;
    }
  }
  EXPECT_EQ(expiring, 2);

  // A board without history writes no list and no marker.
  BoardSlot& season = Slot(0, Utc(2026, 1, 5));
  season.AddPlayer("ann");
  ASSERT_TRUE(season.Record("ann", Score(1516), Event("e2", Utc(2026, 1, 5))));
  EXPECT_TRUE(season.current["ann"].points.empty());
  Commands plain;
  ASSERT_TRUE(season.AddWrites(&plain).ok());
  for (const auto& cmd : plain) {
    EXPECT_NE(cmd[0], "LPUSH");
    EXPECT_NE(cmd[0], "LTRIM");
    EXPECT_EQ(cmd[1].find(":history"), std::string::npos) << cmd[1];
  }
  EXPECT_FALSE(plain.empty());
}

}  // namespace
}  // namespace worker
}  // namespace statstracker
