#ifndef STATSTRACKER_TESTS_SERVER_TEST_CONFIG_H_
#define STATSTRACKER_TESTS_SERVER_TEST_CONFIG_H_

// The config the server tests run with (text format of StatsTrackerConfig).

#include <string>

#include "absl/strings/str_replace.h"
#include "google/protobuf/text_format.h"
#include "statstracker/v1/config.pb.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace testing {

inline constexpr char kTestApiKey[] = "test-admin-key-0123456789";

// Game "arcade" (score submissions):
//   high   best_score, higher first, unique, secondary "kills" higher first
//   total  cumulative_points (adds scores), standard ties
//   daily  best_score per UTC day, dense ties
//   laps   best_score, lower first (times), unique
// Game "duel" (matches): wins (win_count, standard), elo; declarative stats
// matches, wins, kills (sum, integer), win_rate (derived ratio).
// Both games admit events of any age (admission.max_age 0): the tools'
// tests publish events with fixed timestamps (tools_e2e_common.h,
// page_test.cc), which must stay admitted whatever day the tests run.
// `extra_server` is appended inside `server { }`.
inline std::string TestConfig(const std::string& extra_server = "") {
  return absl::StrReplaceAll(R"cfg(
stream { key: "statstracker:events" }
worker {
  batch_size: 256
  block { nanos: 100000000 }
  metrics_address: "127.0.0.1:0"
}
server {
  grpc_address: "127.0.0.1:0"
  http_address: "127.0.0.1:0"
  metrics_address: "127.0.0.1:0"
  api_keys: "$KEY"
  watch_min_interval { nanos: 100000000 }
  $EXTRA
}
logging { level: "info" }
games {
  game_id: "arcade"
  display_name: "Arcade"
  admission { max_age {} }
  leaderboards {
    leaderboard_id: "high"
    scorer: "best_score"
    sort_order: SORT_ORDER_DESCENDING
    tie_mode: TIE_MODE_UNIQUE
    secondary { value_key: "kills" sort_order: SORT_ORDER_DESCENDING }
  }
  leaderboards {
    leaderboard_id: "total"
    scorer: "cumulative_points"
    params {
      [type.googleapis.com/statstracker.v1.CumulativePointsParams] {
        add_score: true
      }
    }
    sort_order: SORT_ORDER_DESCENDING
    tie_mode: TIE_MODE_STANDARD
  }
  leaderboards {
    leaderboard_id: "daily"
    scorer: "best_score"
    sort_order: SORT_ORDER_DESCENDING
    tie_mode: TIE_MODE_DENSE
    period { daily {} retention { seconds: 864000 } }
  }
  leaderboards {
    leaderboard_id: "laps"
    scorer: "best_score"
    sort_order: SORT_ORDER_ASCENDING
    tie_mode: TIE_MODE_UNIQUE
  }
}
games {
  game_id: "duel"
  display_name: "Duel"
  admission { max_age {} }
  leaderboards {
    leaderboard_id: "wins"
    scorer: "win_count"
    tie_mode: TIE_MODE_STANDARD
  }
  leaderboards { leaderboard_id: "elo" scorer: "elo" }
  stats {
    handler: "declarative"
    params {
      [type.googleapis.com/statstracker.v1.DeclarativeStatsParams] {
        stats { name: "matches" count {} }
        stats { name: "wins" count { outcome: OUTCOME_WIN } }
        stats {
          name: "kills"
          aggregate { field: "kills" op: OP_SUM integer: true }
        }
        stats {
          name: "win_rate"
          ratio { numerator: "wins" denominator: "matches" }
        }
      }
    }
  }
}
)cfg",
                             {{"$KEY", kTestApiKey}, {"$EXTRA", extra_server}});
}

// The config of board `board_id` of `game_id` in TestConfig(), for tests
// that write entries in the storage layout (which depends on it); an empty
// config with just the id if there is no such board.
inline v1::LeaderboardConfig TestBoard(const std::string& game_id,
                                       const std::string& board_id) {
  // The config's params are Anys of these types: the parser needs them in
  // the generated pool (naming them keeps them linked in).
  (void)v1::CumulativePointsParams::descriptor();
  (void)v1::DeclarativeStatsParams::descriptor();
  v1::StatsTrackerConfig config;
  google::protobuf::TextFormat::ParseFromString(TestConfig(), &config);
  for (const v1::GameConfig& game : config.games()) {
    if (game.game_id() != game_id) continue;
    for (const v1::LeaderboardConfig& board : game.leaderboards()) {
      if (board.leaderboard_id() == board_id) return board;
    }
  }
  v1::LeaderboardConfig missing;
  missing.set_leaderboard_id(board_id);
  return missing;
}

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TESTS_SERVER_TEST_CONFIG_H_
