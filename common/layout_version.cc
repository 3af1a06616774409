#include "common/layout_version.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/keys.h"

namespace statstracker {
namespace {

constexpr char kHowToMigrate[] =
    "stop every worker and server, then run `stats migrate --config <this "
    "config file>` (README, Operations, \"Upgrading the storage layout\")";

absl::Status Unavailable(const absl::Status& status) {
  return absl::UnavailableError(
      absl::StrCat("checking the storage layout: ", status.message()));
}

// Keys only layout 1 has, or any game data (layout 2 sets the version key
// before writing anything), per configured game.
std::vector<std::string> DataKeys(const v1::GameConfig& game) {
  const std::string& g = game.game_id();
  std::vector<std::string> out = {"EXISTS", keys::GameTag(g) + ":applied"};
  for (const v1::LeaderboardConfig& board : game.leaderboards()) {
    out.push_back(keys::BoardPeriods(g, board.leaderboard_id()));
    out.push_back(keys::Board(g, board.leaderboard_id(), keys::kAllTimePeriod));
  }
  return out;
}

}  // namespace

absl::Status CheckLayout(RedisConnection* conn,
                         const v1::StatsTrackerConfig& config) {
  const std::string want = absl::StrCat(keys::kLayoutVersion);
  auto version = conn->Command({"GET", keys::LayoutVersion()});
  if (!version.ok()) return Unavailable(version.status());
  if (version->is_error()) {
    return absl::UnavailableError(
        absl::StrCat("checking the storage layout: ", version->str));
  }
  if (!version->is_nil()) {
    if (version->str == want) return absl::OkStatus();
    if (version->str == kLayoutMigrating) {
      return absl::FailedPreconditionError(absl::StrCat(
          "a `stats migrate` of this Redis is running or was interrupted (",
          keys::LayoutVersion(), " is \"", kLayoutMigrating,
          "\"); run `stats migrate` again to completion before starting "
          "workers or servers"));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "Redis holds Stats Tracker data of storage layout \"",
        version->str.substr(0, 20), "\"; this version reads layout ", want,
        " only: run the matching release, or migrate"));
  }
  for (const v1::GameConfig& game : config.games()) {
    auto found = conn->Command(DataKeys(game));
    if (!found.ok()) return Unavailable(found.status());
    if (found->is_error()) {
      return absl::UnavailableError(
          absl::StrCat("checking the storage layout: ", found->str));
    }
    if (found->integer > 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Redis holds Stats Tracker data of storage layout 1 (game '",
          game.game_id(), "', written before ", keys::LayoutVersion(),
          " existed); this version reads layout ", want, ": ", kHowToMigrate));
    }
  }
  // Nothing of ours yet: claim it. NX: a racing worker or server writes the
  // same value.
  auto set = conn->Command({"SET", keys::LayoutVersion(), want, "NX"});
  if (!set.ok()) return Unavailable(set.status());
  if (set->is_error()) {
    return absl::UnavailableError(
        absl::StrCat("recording the storage layout: ", set->str));
  }
  return absl::OkStatus();
}

}  // namespace statstracker
