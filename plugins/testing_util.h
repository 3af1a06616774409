#ifndef STATSTRACKER_PLUGINS_TESTING_UTIL_H_
#define STATSTRACKER_PLUGINS_TESTING_UTIL_H_

// Test helpers for plugins: messages from protobuf text, plugins built through
// the registry exactly as the config loader builds them.

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/message.h"
#include "google/protobuf/text_format.h"
#include "plugins/scorer.h"
#include "plugins/stats_handler.h"

namespace statstracker {
namespace plugin_testing {

// Parses protobuf text into a T; aborts the test binary on a typo.
template <typename T>
T ParseText(const std::string& text) {
  T message;
  if (!google::protobuf::TextFormat::ParseFromString(text, &message)) {
    std::fprintf(stderr, "bad %s text: %s\n",
                 T::descriptor()->full_name().c_str(), text.c_str());
    std::abort();
  }
  return message;
}

// A board config with `params` packed into the Any.
inline v1::LeaderboardConfig BoardWith(
    const google::protobuf::Message& params,
    v1::SortOrder sort_order = v1::SORT_ORDER_DESCENDING) {
  v1::LeaderboardConfig config;
  config.set_leaderboard_id("board");
  config.set_sort_order(sort_order);
  config.mutable_params()->PackFrom(params);
  return config;
}

// The named scorer from the registry, built from `config`.
inline absl::StatusOr<std::unique_ptr<Scorer>> MakeScorer(
    const std::string& name, const v1::LeaderboardConfig& config) {
  const ScorerFactory* factory = ScorerRegistry::Get().Find(name);
  if (factory == nullptr) {
    return absl::NotFoundError(absl::StrCat("no scorer '", name, "'"));
  }
  return (*factory)(config);
}

// The named stats handler from the registry, with `params` packed.
inline absl::StatusOr<std::unique_ptr<StatsHandler>> MakeHandler(
    const std::string& name, const google::protobuf::Message& params) {
  const StatsHandlerFactory* factory = StatsHandlerRegistry::Get().Find(name);
  if (factory == nullptr) {
    return absl::NotFoundError(absl::StrCat("no stats handler '", name, "'"));
  }
  v1::StatsHandlerConfig config;
  config.set_handler(name);
  config.mutable_params()->PackFrom(params);
  return (*factory)(config);
}

}  // namespace plugin_testing
}  // namespace statstracker

#endif  // STATSTRACKER_PLUGINS_TESTING_UTIL_H_
