// The demo season (tools/demo/generate.py, what tools/stack.sh publishes) is
// accepted everywhere: every line parses as a GameEvent, passes event
// validation for each shipped config, and every board's scorer and every
// stats handler of its game accepts it when the season is replayed through
// the plugins in order, and each game admits it (its time and custom type),
// so no demo event would be refused or dead-lettered. Also
// checks that the generator is deterministic and covers each demo game.

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/admission.h"
#include "common/config_loader.h"
#include "common/event_validation.h"
#include "common/game_catalog.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "statstracker/v1/events.pb.h"

namespace statstracker {
namespace {

// A fixed season end, so the test does not depend on today's date.
constexpr int64_t kSeasonEnd = 1795500000;
constexpr char kCommand[] =
    "python3 tools/demo/generate.py --seed 7 --end 1795500000";

std::string RunGenerator() {
  std::string out;
  FILE* pipe = popen(kCommand, "r");
  if (pipe == nullptr) return out;
  char buffer[65536];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    out.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << kCommand;
  return out;
}

// The season, generated once per test binary (Python starts slowly).
const std::string& Season() {
  static const std::string* season = new std::string(RunGenerator());
  return *season;
}

// Replays events through one game's plugins, keeping state in memory as
// the worker keeps it in Redis.
class Replay {
 public:
  explicit Replay(const GameRuntime* game) : game_(game) {}

  // Empty when every plugin accepted the event; else what refused it.
  std::string Apply(const v1::GameEvent& event) {
    for (const BoardRuntime& board : game_->boards) {
      auto& states = boards_[board.config.leaderboard_id()];
      absl::flat_hash_map<std::string, ScorerState> current;
      for (const std::string& p : board.scorer->PlayersToRead(event)) {
        auto it = states.find(p);
        if (it != states.end()) current[p] = it->second;
      }
      auto changes = board.scorer->Score(event, current);
      if (!changes.ok()) {
        return absl::StrCat("board ", board.config.leaderboard_id(), ": ",
                            changes.status().ToString());
      }
      for (ScoreChange& c : *changes) states[c.player_id] = std::move(c.state);
    }
    for (size_t h = 0; h < game_->handlers.size(); ++h) {
      absl::flat_hash_map<std::string, StatMap> current;
      for (const std::string& p : game_->handlers[h]->PlayersToRead(event)) {
        auto it = stats_.find(p);
        if (it != stats_.end()) current[p] = it->second;
      }
      auto changes = game_->handlers[h]->Apply(event, current);
      if (!changes.ok()) {
        return absl::StrCat("stats[", h, "]: ", changes.status().ToString());
      }
      for (StatChange& c : *changes) {
        for (auto& [name, value] : c.values) stats_[c.player_id][name] = value;
      }
    }
    return "";
  }

  size_t PlayersOn(const std::string& board) const {
    auto it = boards_.find(board);
    return it == boards_.end() ? 0 : it->second.size();
  }

 private:
  const GameRuntime* game_;
  std::map<std::string, absl::flat_hash_map<std::string, ScorerState>> boards_;
  absl::flat_hash_map<std::string, StatMap> stats_;
};

TEST(DemoSeason, IsDeterministic) {
  ASSERT_FALSE(Season().empty());
  EXPECT_EQ(RunGenerator(), Season());
}

class DemoSeasonForMode : public ::testing::TestWithParam<const char*> {};

TEST_P(DemoSeasonForMode, EveryEventIsAcceptedByEveryPlugin) {
  auto config = LoadConfigForMode(GetParam(), "config");
  ASSERT_TRUE(config.ok()) << config.status();
  auto catalog = GameCatalog::Build(*config);
  ASSERT_TRUE(catalog.ok()) << catalog.status();

  std::map<std::string, Replay> replays;
  std::map<std::string, int> per_game;
  int line_number = 0;
  for (absl::string_view line :
       absl::StrSplit(Season(), '\n', absl::SkipEmpty())) {
    ++line_number;
    v1::GameEvent event;
    auto parsed =
        google::protobuf::util::JsonStringToMessage(std::string(line), &event);
    ASSERT_TRUE(parsed.ok()) << "line " << line_number << ": " << parsed;
    absl::Status valid = ValidateEvent(event, **catalog);
    ASSERT_TRUE(valid.ok()) << "line " << line_number << ": " << valid;
    const GameRuntime* game = (*catalog)->FindGame(event.game_id());
    ASSERT_NE(game, nullptr);
    // Admitted when published at the season's end (the stack publishes it
    // right after generating it): in the window, custom types handled.
    auto refusal = CheckAdmission(game->admission, event.game_id(), event,
                                  absl::FromUnixSeconds(kSeasonEnd));
    ASSERT_FALSE(refusal.has_value())
        << "line " << line_number << ": " << refusal->status;
    auto [it, unused] = replays.emplace(event.game_id(), Replay(game));
    const std::string refused = it->second.Apply(event);
    ASSERT_EQ(refused, "") << "line " << line_number << " (" << line << ")";
    ++per_game[event.game_id()];
  }
  EXPECT_EQ(
      per_game,
      (std::map<std::string, int>{
          {"arcade", 600}, {"chess", 400}, {"racing", 300}, {"arena", 300}}));
  // Every arena player (48) ends up rated.
  EXPECT_EQ(replays.at("arena").PlayersOn("trueskill"), 48u);
}

INSTANTIATE_TEST_SUITE_P(Modes, DemoSeasonForMode,
                         ::testing::Values("development", "test",
                                           "production"));

}  // namespace
}  // namespace statstracker
