#ifndef STATSTRACKER_TESTS_TOOLS_E2E_COMMON_H_
#define STATSTRACKER_TESTS_TOOLS_E2E_COMMON_H_

// Helpers of the tools' end-to-end tests: run a binary from the runfiles and
// capture its output, and a few events in JSON lines for the test config's
// games (tests/server_test_config.h: "arcade" board "high", "duel" "elo").

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace testing {

struct CommandResult {
  int exit_code;
  std::string output;  // stdout (stderr too when merge_stderr)
};

inline CommandResult RunCommand(const std::string& command,
                                bool merge_stderr = true) {
  std::string full = command + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = popen(full.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// `players` arcade scores ("player-NN", score 100 * (NN + 1)) and duel
// matches, one GameEvent per line in the JSON mapping.
inline std::string DemoEventsJson(int players) {
  std::string out;
  for (int i = 0; i < players; ++i) {
    absl::StrAppendFormat(
        &out,
        R"({"eventId":"t-a-%d","gameId":"arcade","occurredAt":"2026-11-24T12:00:%02dZ","scoreSubmitted":{"playerId":"player-%02d","score":%d}})"
        "\n",
        i, i % 60, i, 100 * (i + 1));
  }
  for (int i = 0; i + 1 < players; i += 2) {
    absl::StrAppendFormat(
        &out,
        R"({"eventId":"t-d-%d","gameId":"duel","occurredAt":"2026-11-24T12:01:00Z","matchCompleted":{"matchId":"m%d","participants":[{"playerId":"player-%02d","outcome":"OUTCOME_WIN"},{"playerId":"player-%02d","outcome":"OUTCOME_LOSS"}]}})"
        "\n",
        i, i, i + 1, i);
  }
  return out;
}

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TESTS_TOOLS_E2E_COMMON_H_
