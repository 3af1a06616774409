#ifndef STATSTRACKER_TESTS_WORKER_TEST_UTIL_H_
#define STATSTRACKER_TESTS_WORKER_TEST_UTIL_H_

// Shared pieces of the worker tests (tests/worker_*_test.cc): the config the
// worker runs with, a random event generator with duplicates, garbage and
// plugin-rejected events, an independent in-memory computation of the boards
// and stats those events must produce, and comparison against what the
// worker wrote to Redis.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/redis_client.h"
#include "statstracker/v1/events.pb.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"

namespace statstracker {
namespace testing {

// Games:
//  "arcade" (score submissions and a few matches)
//     high   best_score, higher first, secondary "kills" higher first
//     total  cumulative_points adding scores, standard ties
//     daily  best_score per UTC day, dense ties, retention 10 days
//     laps   best_score, lower first (submissions may target it alone)
//  "duel"  (1v1 matches) wins (win_count), elo (K 32), points
//          (cumulative_points 3/1/0); declarative stats matches, wins,
//          kills (sum, integer), streak, best_streak, win_rate (ratio)
//  "chess" (1v1 matches) elo (K 24, initial 1200)
// `worker_extra` goes inside `worker { }`; unless it sets transaction_size,
// transactions hold 16 entries, so a read runs several overlapped ones.
std::string WorkerTestConfig(const std::string& worker_extra = "",
                             int batch_size = 256);

// One stream entry to publish.
struct StreamItem {
  enum class Kind { kValid, kDuplicate, kGarbage };
  Kind kind = Kind::kValid;
  std::string field = "event";  // the entry's field name
  std::string bytes;            // its value
  // What the dead-letter reason must contain for garbage ("" otherwise).
  std::string expect_reason;
};

struct GeneratorOptions {
  int events = 10000;
  double duplicate_fraction = 0.05;
  double garbage_fraction = 0.01;
  double rejected_fraction = 0.003;  // matches without outcomes
  // Relative weights of event kinds.
  int arcade_submissions = 45, arcade_matches = 5, duel = 30, chess = 20;
  uint32_t seed = 1;
  // Event times are spread over [now - span, now).
  absl::Duration span = absl::Hours(72);
};

// Random events in publishing order.
std::vector<StreamItem> GenerateEvents(const GeneratorOptions& options);

// XADDs `items` to "statstracker:events" (pipelined); returns the entry ids.
// With `partitions` > 1 each event goes to its game's partition
// (common/stream_partitions.h; garbage to the first) and the ids are
// "<partition>/<id>" (ids are unique per partition only), as
// ReadDeadLetters reports sources.
absl::StatusOr<std::vector<std::string>> Publish(
    RedisConnection* conn, const std::vector<StreamItem>& items,
    int partitions = 1);

// The independent computation: applies events in stream order with the
// documented semantics of each board and stat, by hand (not through the
// plugins), and the worker's rules (first event_id wins; a change that
// leaves a player's state equal keeps the entry's time).
class ExpectedState {
 public:
  struct Entry {
    double score = 0;
    std::optional<double> secondary;
    absl::Time reached_at;
  };
  // Feeds one published entry (with its stream id).
  void Add(const StreamItem& item, const std::string& stream_id);

  // Dead letters expected: stream id -> reason substring.
  const std::map<std::string, std::string>& dead_letters() const {
    return dead_letters_;
  }
  int applied() const { return applied_; }
  int duplicates() const { return duplicates_; }
  // game/board/period -> player -> entry.
  const std::map<std::string, std::map<std::string, Entry>>& boards() const {
    return boards_;
  }
  // Event ids applied per game, in order.
  const std::map<std::string, std::vector<std::string>>& order() const {
    return order_;
  }

  // Compares every board period (ranking members and scores, members,
  // state, distinct/dcount), the set of board keys, and every player's
  // stats with what is in Redis; returns the differences (empty = equal).
  std::vector<std::string> Compare(RedisConnection* conn) const;

 private:
  void Offer(const std::string& key, const std::string& player, double score,
             std::optional<double> secondary, absl::Time at);
  void ApplyMatchStats(const v1::GameEvent& event);

  std::set<std::string> seen_;  // game + '\n' + event_id
  std::map<std::string, std::map<std::string, Entry>> boards_;
  // game + '\n' + player -> stat -> stored text
  std::map<std::string, std::map<std::string, int64_t>> stats_;
  std::map<std::string, std::string> dead_letters_;
  std::map<std::string, std::vector<std::string>> order_;
  int applied_ = 0;
  int duplicates_ = 0;
};

// Starts worker/worker on `redis` with `config_path` and waits for a line
// containing `ready_marker`. The "worker ready" line has
// "metrics=host:port"; with Redis down, wait for "waiting for redis".
absl::StatusOr<std::unique_ptr<ChildProcess>> StartWorker(
    const RedisServer& redis, const std::string& config_path,
    const std::string& consumer_name,
    const std::string& ready_marker = "worker ready");

// Waits until the group has read every entry of every partition and nothing
// is pending.
absl::Status WaitDrained(RedisConnection* conn, absl::Duration timeout,
                         int partitions = 1);

// The group's pending count (XPENDING summary), over the partitions.
absl::StatusOr<int64_t> PendingCount(RedisConnection* conn, int partitions = 1);

// Dead-letter streams: source_id (qualified as Publish's ids) -> fields.
absl::StatusOr<std::map<std::string, std::map<std::string, std::string>>>
ReadDeadLetters(RedisConnection* conn, int partitions = 1);

// Checks the dead-letter stream against `expected` (source id -> reason
// substring): same ids, reasons containing the substring, original bytes.
std::vector<std::string> CompareDeadLetters(
    RedisConnection* conn, const std::map<std::string, std::string>& expected,
    const std::map<std::string, std::string>& bytes_by_id, int partitions = 1);

// Keys matching `pattern` on every master (KEYS; a single Redis or a
// cluster), sorted.
std::vector<std::string> KeysMatching(RedisConnection* conn,
                                      const std::string& pattern);

// Sum of a Prometheus metric's series in `text` whose labels contain every
// `label_filter` ("game=\"duel\""); 0 if none.
double MetricSum(const std::string& text, const std::string& name,
                 const std::vector<std::string>& label_filter = {});

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TESTS_WORKER_TEST_UTIL_H_
