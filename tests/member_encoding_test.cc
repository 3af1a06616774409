// The storage contract as an outside tool reads it: ranking members and
// scores written by the real worker (on a real redis-server), decoded with
// only what the comment at the top of common/keys.h says, by this file's
// own few lines (no code of common/keys). Covers a board without a
// secondary score, lower- and higher-is-better secondaries, a negative
// secondary value and a time before 1970.
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "statstracker/v1/events.pb.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/worker_test_util.h"

namespace statstracker {
namespace testing {
namespace {

// Game "decode": three best-score boards, higher is better; "up" and
// "down" break ties by value "k" (higher, lower first). Events of any age
// are admitted (one is from 1969).
constexpr char kConfig[] = R"cfg(
worker { block { nanos: 100000000 } metrics_address: "127.0.0.1:0" }
games {
  game_id: "decode"
  admission { max_age {} }
  leaderboards { leaderboard_id: "plain" scorer: "best_score" }
  leaderboards {
    leaderboard_id: "up"
    scorer: "best_score"
    secondary { value_key: "k" sort_order: SORT_ORDER_DESCENDING }
  }
  leaderboards {
    leaderboard_id: "down"
    scorer: "best_score"
    secondary { value_key: "k" sort_order: SORT_ORDER_ASCENDING }
  }
}
)cfg";

// ---- decoding by the header alone ----

// `n` bytes big-endian.
uint64_t BigEndian(const std::string& bytes, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  }
  return v;
}

struct Member {
  double secondary = 0;  // when the board has one
  int64_t micros = 0;    // since 1970-01-01T00:00:00Z
  std::string player;
};

// "[secondary: 8 bytes] [time: 7 bytes] [player id]". Secondary: an
// order-preserving key, inverted (~key) on higher-is-better secondaries;
// the key of v is b | 2^63 for v >= 0, ~b for v < 0 (b = IEEE 754 bits).
// Time: microseconds since the epoch plus 2^55.
Member Decode(const std::string& m, bool has_secondary, bool higher_first) {
  Member out;
  size_t at = 0;
  if (has_secondary) {
    uint64_t key = BigEndian(m, 0, 8);
    if (higher_first) key = ~key;
    const uint64_t top = uint64_t{1} << 63;
    const uint64_t bits = (key & top) != 0 ? key & ~top : ~key;
    std::memcpy(&out.secondary, &bits, sizeof bits);
    at = 8;
  }
  out.micros = static_cast<int64_t>(BigEndian(m, at, 7)) - (int64_t{1} << 55);
  out.player = m.substr(at + 7);
  return out;
}

// ---- the events ----

v1::GameEvent Submission(const std::string& id, const std::string& player,
                         double score, double k, absl::Time at) {
  v1::GameEvent e;
  e.set_event_id(id);
  e.set_game_id("decode");
  const int64_t micros = absl::ToUnixMicros(at);
  const int64_t seconds =
      micros >= 0 ? micros / 1000000 : -((-micros + 999999) / 1000000);
  e.mutable_occurred_at()->set_seconds(seconds);
  e.mutable_occurred_at()->set_nanos(
      static_cast<int>((micros - seconds * 1000000) * 1000));
  e.mutable_score_submitted()->set_player_id(player);
  e.mutable_score_submitted()->set_score(score);
  (*e.mutable_score_submitted()->mutable_values())["k"] = k;
  return e;
}

TEST(MemberEncoding, MembersTheWorkerWritesDecodeByTheHeaderAlone) {
  ASSERT_TRUE(HaveBinary("worker/worker"));
  auto redis = RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto conn = (*redis)->Connect();
  ASSERT_TRUE(conn.ok()) << conn.status();
  auto path = WriteTempFile("member-encoding.textproto", kConfig);
  ASSERT_TRUE(path.ok());
  auto worker = StartWorker(**redis, *path, "decode");
  ASSERT_TRUE(worker.ok()) << worker.status();

  // 1969-07-20T20:17:40.123456Z, and a moment ago to the microsecond.
  const absl::Time moon = absl::FromUnixMicros(-14182939876544);
  const absl::Time recent =
      absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()) - 1234567);
  for (const v1::GameEvent& e :
       {Submission("m1", "ann", 42, -2.5, moon),
        Submission("m2", "b\xc3\xb6", 7, 1234.5, recent)}) {
    ASSERT_TRUE((*conn)
                    ->CommandOk({"XADD", "statstracker:events", "*", "event",
                                 e.SerializeAsString()})
                    .ok());
  }
  ASSERT_TRUE(WaitDrained(conn->get(), absl::Seconds(30)).ok())
      << (*worker)->Output();

  struct Board {
    const char* id;
    bool has_secondary;
    bool higher_first;
  };
  for (const Board& board :
       {Board{"plain", false, false}, Board{"up", true, true},
        Board{"down", true, false}}) {
    // The key as the header spells it: st:{g}:lb:<board>:<period>.
    auto zset = (*conn)->Command(
        {"ZRANGE", absl::StrCat("st:{decode}:lb:", board.id, ":all"), "0", "-1",
         "WITHSCORES"});
    ASSERT_TRUE(zset.ok());
    ASSERT_EQ(zset->elements.size(), 4u) << board.id;
    // Ascending order is best first; higher-is-better scores are stored
    // negated.
    Member first =
        Decode(zset->elements[0].str, board.has_secondary, board.higher_first);
    Member second =
        Decode(zset->elements[2].str, board.has_secondary, board.higher_first);
    EXPECT_EQ(first.player, "ann") << board.id;
    EXPECT_EQ(zset->elements[1].str, "-42") << board.id;
    EXPECT_EQ(first.micros, absl::ToUnixMicros(moon)) << board.id;
    EXPECT_EQ(second.player, "b\xc3\xb6") << board.id;
    EXPECT_EQ(zset->elements[3].str, "-7") << board.id;
    EXPECT_EQ(second.micros, absl::ToUnixMicros(recent)) << board.id;
    if (board.has_secondary) {
      EXPECT_EQ(first.secondary, -2.5) << board.id;
      EXPECT_EQ(second.secondary, 1234.5) << board.id;
    }
    EXPECT_EQ(zset->elements[0].str.size(),
              (board.has_secondary ? 8u : 0u) + 7u + 3u);
  }
  EXPECT_EQ((*worker)->Stop(), 0);
}

}  // namespace
}  // namespace testing
}  // namespace statstracker
