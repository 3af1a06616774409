#include "tools/cli/table.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace statstracker {
namespace cli {
namespace {

bool LooksNumeric(const std::string& cell) {
  double ignored;
  return !cell.empty() && absl::SimpleAtod(cell, &ignored);
}

}  // namespace

std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], row[i].size());
    }
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& row, bool is_header) {
    std::string line;
    for (size_t i = 0; i < width.size(); ++i) {
      std::string cell = i < row.size() ? row[i] : "";
      std::string pad(width[i] - std::min(width[i], cell.size()), ' ');
      bool right = !is_header && LooksNumeric(cell);
      line += right ? pad + cell : cell + pad;
      if (i + 1 < width.size()) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  };
  emit(header, true);
  std::vector<std::string> rule;
  rule.reserve(width.size());
  for (size_t w : width) rule.push_back(std::string(w, '-'));
  emit(rule, true);
  for (const auto& row : rows) emit(row, false);
  return out;
}

std::string FormatNumber(double value) {
  if (!std::isfinite(value)) return absl::StrFormat("%g", value);
  if (value == std::trunc(value) && std::fabs(value) < 1e15) {
    return absl::StrFormat("%.0f", value);
  }
  // Ratings and other large values with two decimals (1638.60), small ones
  // to six significant digits (83.456, 0.736842); never an exponent.
  if (std::fabs(value) >= 100) return absl::StrFormat("%.2f", value);
  return absl::StrFormat("%.6g", value);
}

}  // namespace cli
}  // namespace statstracker
