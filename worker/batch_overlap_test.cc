#include "worker/batch_overlap.h"

#include <memory>

#include "gtest/gtest.h"

namespace statstracker {
namespace worker {
namespace {

const std::pair<size_t, std::string> kBoard = {0, "all"};

ScorerState Score(double score) {
  ScorerState s;
  s.score = score;
  return s;
}

v1::StatValue Int(int64_t v) {
  v1::StatValue s;
  s.set_int_value(v);
  return s;
}

// A committed transaction that held `players` on the board with `score`.
std::unique_ptr<Attempt> Done(const std::vector<std::string>& players,
                              double score) {
  auto a = std::make_unique<Attempt>();
  BoardSlot& slot = a->slots[kBoard];
  for (const std::string& p : players) {
    slot.AddPlayer(p);
    slot.current[p].state = Score(score);
    a->stats[p].current["wins"] = Int(static_cast<int64_t>(score));
  }
  a->producers["prod"] = ProducerState{1, 7, 0};
  a->cursor = StreamId::Parse("5-0");
  a->ids_applied.insert("applied-before");
  return a;
}

// The next transaction as planned: needs `players` and the ids.
std::unique_ptr<Attempt> Next(const std::vector<std::string>& players,
                              const std::vector<std::string>& ids) {
  auto a = std::make_unique<Attempt>();
  BoardSlot& slot = a->slots[kBoard];
  for (const std::string& p : players) {
    slot.AddPlayer(p);
    a->stat_players.push_back(p);
    a->stats[p];
  }
  a->unsequenced_ids = ids;
  return a;
}

TEST(PredictReads, TakesEachValueFromTheNewestTransactionHoldingIt) {
  auto older = Done({"a", "b"}, 1000);
  auto newer = Done({"b"}, 1100);
  auto next = Next({"a", "b"}, {"applied-before", "new-id"});
  ASSERT_TRUE(PredictReads({newer.get(), older.get()}, *StreamId::Parse("9-0"),
                           next.get()));
  const BoardSlot& slot = next->slots[kBoard];
  EXPECT_EQ(slot.current.at("a").state->score, 1000);
  EXPECT_EQ(slot.current.at("b").state->score, 1100);
  EXPECT_EQ(next->stats["b"].current["wins"].int_value(), 1100);
  // The cursor the newest writes; ids applied before are seen, others not.
  EXPECT_EQ(*next->cursor, *StreamId::Parse("9-0"));
  EXPECT_TRUE(next->seen_ids.contains("applied-before"));
  EXPECT_FALSE(next->seen_ids.contains("new-id"));
}

TEST(PredictReads, RefusesWhatNoTransactionHeld) {
  auto done = Done({"a"}, 1000);
  EXPECT_FALSE(PredictReads({done.get()}, *StreamId::Parse("9-0"),
                            Next({"a", "stranger"}, {}).get()));
  auto other_board = Next({"a"}, {});
  other_board->slots[{1, "all"}].AddPlayer("a");
  EXPECT_FALSE(
      PredictReads({done.get()}, *StreamId::Parse("9-0"), other_board.get()));
  auto producer = Next({"a"}, {});
  producer->producer_ids = {"unknown-producer"};
  EXPECT_FALSE(
      PredictReads({done.get()}, *StreamId::Parse("9-0"), producer.get()));
  EXPECT_FALSE(
      PredictReads({}, *StreamId::Parse("9-0"), Next({"a"}, {}).get()));
}

TEST(SameInputs, EqualOnlyWhenEveryInputIsBitForBitEqual) {
  auto done = Done({"a", "b"}, 1000);
  auto predicted = Next({"a", "b"}, {"x"});
  ASSERT_TRUE(
      PredictReads({done.get()}, *StreamId::Parse("9-0"), predicted.get()));
  const ReadInputs assumed = InputsOf(*predicted);

  // What the reads would return when nothing else wrote.
  auto read = Next({"a", "b"}, {"x"});
  read->cursor = StreamId::Parse("9-0");
  for (const char* p : {"a", "b"}) {
    read->slots[kBoard].current[p].state = Score(1000);
    read->stats[p].current["wins"] = Int(1000);
  }
  EXPECT_TRUE(SameInputs(InputsOf(*read), assumed));

  auto changed = [&](auto change) {
    auto r = Next({"a", "b"}, {"x"});
    r->cursor = read->cursor;
    for (const char* p : {"a", "b"}) {
      r->slots[kBoard].current[p].state = Score(1000);
      r->stats[p].current["wins"] = Int(1000);
    }
    change(r.get());
    return SameInputs(InputsOf(*r), assumed);
  };
  EXPECT_FALSE(changed([](Attempt* r) {
    r->slots[kBoard].current["b"].state->score = 1000.0000000000001;
  }));
  EXPECT_FALSE(changed([](Attempt* r) {
    r->slots[kBoard].current["b"].state->aux["deviation"] = 350;
  }));
  EXPECT_FALSE(changed([](Attempt* r) {
    r->slots[kBoard].current["a"].state.reset();  // erased meanwhile
  }));
  EXPECT_FALSE(changed([](Attempt* r) {
    v1::StatValue d;
    d.set_double_value(1000);  // same number, other type
    r->stats["a"].current["wins"] = d;
  }));
  EXPECT_FALSE(changed([](Attempt* r) { r->seen_ids.insert("x"); }));
  EXPECT_FALSE(
      changed([](Attempt* r) { r->cursor = StreamId::Parse("10-0"); }));
  EXPECT_TRUE(changed([](Attempt*) {}));
}

TEST(InputsOf, NoEntryAndAnEntryWithoutStateAreTheSame) {
  auto without = Next({"a"}, {});
  auto empty = Next({"a"}, {});
  empty->slots[kBoard].current["a"];  // present, no state
  EXPECT_TRUE(SameInputs(InputsOf(*without), InputsOf(*empty)));
}

}  // namespace
}  // namespace worker
}  // namespace statstracker
