#include "worker/dedup.h"

#include <algorithm>
#include <random>
#include <set>

#include "gtest/gtest.h"

namespace statstracker {
namespace worker {
namespace {

// Feeds (epoch, sequence) pairs in order; returns the verdicts.
std::vector<SequenceVerdict> Verdicts(
    const std::vector<std::pair<uint64_t, uint64_t>>& events) {
  std::optional<ProducerState> state;
  std::vector<SequenceVerdict> out;
  for (auto [epoch, seq] : events) {
    SequenceVerdict v = CheckSequence(state, epoch, seq);
    if (v == SequenceVerdict::kApply) state = RecordSequence(state, epoch, seq);
    out.push_back(v);
  }
  return out;
}

constexpr auto kApply = SequenceVerdict::kApply;
constexpr auto kDup = SequenceVerdict::kDuplicate;

TEST(ProducerDedup, RetriesAreDuplicates) {
  EXPECT_EQ(
      Verdicts({{1, 1}, {1, 2}, {1, 2}, {1, 1}, {1, 3}, {1, 3}}),
      (std::vector<SequenceVerdict>{kApply, kApply, kDup, kDup, kApply, kDup}));
}

TEST(ProducerDedup, GapsAreAllowedAndFilledLater) {
  // 5 and 9 arrive first; 6..8 arrive late but within the window.
  EXPECT_EQ(Verdicts({{1, 5}, {1, 9}, {1, 7}, {1, 6}, {1, 8}, {1, 7}, {1, 9}}),
            (std::vector<SequenceVerdict>{kApply, kApply, kApply, kApply,
                                          kApply, kDup, kDup}));
}

TEST(ProducerDedup, OutOfOrderWithinTheWindowOnly) {
  std::optional<ProducerState> state = RecordSequence(std::nullopt, 1, 100);
  EXPECT_EQ(CheckSequence(state, 1, 100 - kSequenceWindow), kApply);
  EXPECT_EQ(CheckSequence(state, 1, 100 - kSequenceWindow - 1),
            SequenceVerdict::kOutsideWindow);
  // A jump of more than the window forgets the old high.
  state = RecordSequence(state, 1, 100 + kSequenceWindow + 1);
  EXPECT_EQ(CheckSequence(state, 1, 100), SequenceVerdict::kOutsideWindow);
  // A jump of exactly the window keeps it as the oldest remembered.
  state = RecordSequence(std::nullopt, 1, 100);
  state = RecordSequence(state, 1, 100 + kSequenceWindow);
  EXPECT_EQ(CheckSequence(state, 1, 100), kDup);
  EXPECT_EQ(CheckSequence(state, 1, 101), kApply);
}

TEST(ProducerDedup, ANewEpochRestartsTheSequence) {
  EXPECT_EQ(Verdicts({{1, 1}, {1, 2}, {1, 3}, {2, 1}, {2, 2}, {2, 1}}),
            (std::vector<SequenceVerdict>{kApply, kApply, kApply, kApply,
                                          kApply, kDup}));
  std::optional<ProducerState> state = RecordSequence(std::nullopt, 5, 10);
  EXPECT_EQ(CheckSequence(state, 4, 11), SequenceVerdict::kStaleEpoch);
}

// Any order of a shuffled run of sequences (displacement below the window)
// applies each exactly once, whatever the retries.
TEST(ProducerDedup, ShuffledRetriedSequencesApplyOnce) {
  std::mt19937 rng(3);
  // Each sequence moves by less than 40 places: sort by s + noise(0..39).
  std::vector<std::pair<uint64_t, uint64_t>> keyed;
  for (uint64_t s = 1; s <= 2000; ++s) keyed.emplace_back(s + rng() % 40, s);
  std::sort(keyed.begin(), keyed.end());
  std::vector<uint64_t> order;
  order.reserve(keyed.size());
  for (const auto& [key, s] : keyed) order.push_back(s);
  std::vector<uint64_t> sent;
  for (uint64_t s : order) {
    sent.push_back(s);
    if (rng() % 4 == 0) sent.push_back(s);  // a retry right after
  }
  std::optional<ProducerState> state;
  std::multiset<uint64_t> applied;
  for (uint64_t s : sent) {
    SequenceVerdict v = CheckSequence(state, 7, s);
    ASSERT_NE(v, SequenceVerdict::kOutsideWindow) << s;
    if (v == kApply) {
      applied.insert(s);
      state = RecordSequence(state, 7, s);
    }
  }
  EXPECT_EQ(applied.size(), 2000u);
  EXPECT_EQ(std::set<uint64_t>(applied.begin(), applied.end()).size(), 2000u);
}

TEST(ProducerDedup, StateTextRoundTrips) {
  ProducerState s{3, 1042, 0xfffffffffffffff0ULL};
  EXPECT_EQ(s.Encode(), "3 1042 fffffffffffffff0");
  auto back = ProducerState::Decode(s.Encode());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, s);
  EXPECT_FALSE(ProducerState::Decode("3 x 0").ok());
  EXPECT_FALSE(ProducerState::Decode("").ok());
}

TEST(DedupBuckets, AnIdIsRememberedForTheWholeWindow) {
  DedupBuckets buckets(absl::Hours(1));
  EXPECT_EQ(buckets.width_seconds(), 450);
  absl::Time t0 = absl::FromUnixSeconds(1795782600);
  int64_t stored = buckets.IndexAt(t0);
  EXPECT_GE(buckets.ExpiryOf(stored), t0 + absl::Hours(1));
  EXPECT_LE(buckets.ExpiryOf(stored), t0 + absl::Hours(1) + absl::Seconds(450));
  for (absl::Duration later :
       {absl::ZeroDuration(), absl::Minutes(30), absl::Hours(1)}) {
    std::vector<int64_t> live = buckets.LiveAt(t0 + later);
    EXPECT_NE(std::find(live.begin(), live.end(), stored), live.end());
    EXPECT_LE(live.size(), 10u);
  }
  DedupBuckets tiny(absl::Seconds(3));
  EXPECT_EQ(tiny.width_seconds(), 1);
  EXPECT_EQ(tiny.IndexAt(absl::FromUnixSeconds(-1)), -1);
}

}  // namespace
}  // namespace worker
}  // namespace statstracker
