#include "common/history_point.h"

#include <cmath>
#include <limits>

#include "absl/strings/escaping.h"
#include "common/keys.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace {

TEST(HistoryPoint, LayoutIsTimeKeyScoreBitsThenEventId) {
  HistoryPoint point;
  point.occurred_at = absl::FromUnixMicros(1795782600000250);
  point.score = 1516.5;  // 0x4097B20000000000
  point.event_id = "e-1";
  const std::string bytes = EncodeHistoryPoint(point);
  EXPECT_EQ(absl::BytesToHexString(bytes),
            "86614137f782fa"    // the time key of keys.h's example
            "4097b20000000000"  // 1516.5
            "652d31");          // "e-1"
  EXPECT_EQ(bytes.size(), kHistoryPointFixedBytes + 3);
}

TEST(HistoryPoint, RoundTripsScoresTimesAndBinaryIds) {
  for (double score : {0.0, -0.0, -1234.25, 1e300, -1e-300,
                       std::numeric_limits<double>::infinity()}) {
    HistoryPoint point;
    point.occurred_at = absl::FromUnixSeconds(-3600) + absl::Microseconds(7);
    point.score = score;
    point.event_id = std::string("id\0with\xff", 8);
    auto back = DecodeHistoryPoint(EncodeHistoryPoint(point));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->occurred_at, point.occurred_at);
    EXPECT_EQ(back->score, score);
    EXPECT_EQ(std::signbit(back->score), std::signbit(score));
    EXPECT_EQ(back->event_id, point.event_id);
  }
}

TEST(HistoryPoint, ShortInputIsAnErrorNotACrash) {
  for (size_t n = 0; n < kHistoryPointFixedBytes; ++n) {
    auto decoded = DecodeHistoryPoint(std::string(n, 'x'));
    ASSERT_FALSE(decoded.ok()) << n;
    EXPECT_EQ(decoded.status().code(), absl::StatusCode::kInvalidArgument);
  }
  // The fixed part alone is a point with an empty event id.
  auto empty = DecodeHistoryPoint(std::string(kHistoryPointFixedBytes, '\0'));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->event_id, "");
}

}  // namespace
}  // namespace statstracker
