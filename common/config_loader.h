#ifndef STATSTRACKER_COMMON_CONFIG_LOADER_H_
#define STATSTRACKER_COMMON_CONFIG_LOADER_H_

// Loading and validating the configuration (config/<mode>.textproto, schema in
// proto/statstracker/v1/config.proto). Every error names the file, the game
// or board where there is one, the field, the bad value and the fix, e.g.
//   config/test.textproto: games[1] "chess": leaderboards[0] "elo":
//   params.k_factor must be > 0 and <= 1000, got -3

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {

// The modes --mode accepts.
inline constexpr const char* kModes[] = {"development", "test", "production"};

// Reads `path` (protobuf text format), applies the defaults and validates the
// whole config, plugins included (it builds a GameCatalog to check plugin
// names and parameters, so link the plugins the binary will use).
// NOT_FOUND if the file is missing, INVALID_ARGUMENT for a parse or
// validation error; the message starts with the path.
absl::StatusOr<v1::StatsTrackerConfig> LoadConfigFile(const std::string& path);

// LoadConfigFile("<config_dir>/<mode>.textproto"). INVALID_ARGUMENT naming
// the accepted modes when `mode` is not one of kModes.
absl::StatusOr<v1::StatsTrackerConfig> LoadConfigForMode(
    absl::string_view mode, const std::string& config_dir = "config");

// What the worker and server start with: LoadConfigFile(`config_path`) if it
// is set, else LoadConfigForMode(`mode`, `config_dir`); then a non-empty
// `redis_host` and a positive `redis_port` override redis.host / redis.port.
absl::StatusOr<v1::StatsTrackerConfig> LoadConfigWithRedisOverrides(
    absl::string_view mode, const std::string& config_dir,
    const std::string& config_path, const std::string& redis_host,
    int redis_port);

// Parses text-format config without reading a file (tests); same checks as
// LoadConfigFile, errors prefixed with `source_name`.
absl::StatusOr<v1::StatsTrackerConfig> ParseConfigText(
    absl::string_view text, absl::string_view source_name = "<config>");

// Fills every unset field that config.proto documents a default for
// (redis host/port/timeout, stream names, worker and server settings, ...).
// Idempotent. A game's admission defaults depend on its boards and are
// applied where they are read (AdmissionPolicyFor, common/admission.h).
void ApplyDefaults(v1::StatsTrackerConfig* config);

// Checks the non-plugin parts of a config with defaults applied: ranges of
// worker/server settings, game and board ids (format, duplicates), periods
// (time zone, anchor date, season bounds and overlaps), secondary scores,
// admission (bounds >= 0, ignored custom types well-formed and distinct),
// API key length. Plugin names and parameters are checked by
// GameCatalog::Build. Messages do not carry the file name (callers add it).
absl::Status ValidateConfig(const v1::StatsTrackerConfig& config);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_CONFIG_LOADER_H_
