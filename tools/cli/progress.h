#ifndef STATSTRACKER_TOOLS_CLI_PROGRESS_H_
#define STATSTRACKER_TOOLS_CLI_PROGRESS_H_

#include <cstdint>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace statstracker {
namespace cli {

// A one-line progress bar on stderr: "label [#####.....] 512/1000 51% 1.2k/s
// ETA 0:03". Draws only when enabled (stderr is a TTY, or forced), at most
// ten times a second; Finish() ends the line.
class ProgressBar {
 public:
  // `force`: draw even when stderr is not a terminal (--progress).
  ProgressBar(std::string label, int64_t total, bool force);
  ~ProgressBar();
  void Update(int64_t done);
  void Finish();
  bool enabled() const { return enabled_; }

  // The line drawn for `done` of `total` after `elapsed` (for tests).
  static std::string Render(const std::string& label, int64_t done,
                            int64_t total, absl::Duration elapsed);

 private:
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool finished_ = false;
  int64_t done_ = 0;
  absl::Time start_ = absl::Now();
  absl::Time last_draw_ = absl::InfinitePast();
};

}  // namespace cli
}  // namespace statstracker

#endif  // STATSTRACKER_TOOLS_CLI_PROGRESS_H_
