#ifndef STATSTRACKER_TOOLS_CLI_TABLE_H_
#define STATSTRACKER_TOOLS_CLI_TABLE_H_

#include <string>
#include <vector>

namespace statstracker {
namespace cli {

// Left-aligned columns separated by two spaces; numeric-looking cells are
// right-aligned. The header row is followed by a rule of dashes.
std::string FormatTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

// Shortest text that round-trips a score, e.g. "1520" or "12.5".
std::string FormatNumber(double value);

}  // namespace cli
}  // namespace statstracker

#endif  // STATSTRACKER_TOOLS_CLI_TABLE_H_
