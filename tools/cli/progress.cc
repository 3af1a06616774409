#include "tools/cli/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

#include "absl/strings/str_format.h"

namespace statstracker {
namespace cli {
namespace {

std::string Rate(double per_second) {
  if (per_second >= 1e6) return absl::StrFormat("%.1fM/s", per_second / 1e6);
  if (per_second >= 1e3) return absl::StrFormat("%.1fk/s", per_second / 1e3);
  return absl::StrFormat("%.0f/s", per_second);
}

std::string Clock(double seconds) {
  int64_t s = std::llround(seconds);
  return absl::StrFormat("%d:%02d", s / 60, s % 60);
}

}  // namespace

ProgressBar::ProgressBar(std::string label, int64_t total, bool force)
    : label_(std::move(label)),
      total_(total),
      enabled_(force || isatty(STDERR_FILENO)) {}

ProgressBar::~ProgressBar() { Finish(); }

std::string ProgressBar::Render(const std::string& label, int64_t done,
                                int64_t total, absl::Duration elapsed) {
  constexpr int kWidth = 30;
  double fraction = total > 0 ? static_cast<double>(done) / total : 1.0;
  if (fraction > 1) fraction = 1;
  int filled = static_cast<int>(fraction * kWidth);
  double seconds = absl::ToDoubleSeconds(elapsed);
  double rate = seconds > 0 ? done / seconds : 0;
  std::string eta =
      rate > 0 && done < total ? Clock((total - done) / rate) : "0:00";
  return absl::StrFormat("%s [%s%s] %d/%d %3.0f%% %s ETA %s", label,
                         std::string(filled, '#'),
                         std::string(kWidth - filled, '.'), done, total,
                         fraction * 100, Rate(rate), eta);
}

void ProgressBar::Update(int64_t done) {
  done_ = done;
  if (!enabled_ || finished_) return;
  absl::Time now = absl::Now();
  if (now - last_draw_ < absl::Milliseconds(100) || done >= total_) return;
  last_draw_ = now;
  std::fprintf(stderr, "\r%s\033[K",
               Render(label_, done, total_, now - start_).c_str());
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  std::fprintf(stderr, "\r%s\033[K\n",
               Render(label_, done_, total_, absl::Now() - start_).c_str());
}

}  // namespace cli
}  // namespace statstracker
