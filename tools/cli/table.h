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

// A score or stat for a table: integers exactly ("1520"), other values from
// 100 up with two decimals ("1638.60"), smaller ones to six significant
// digits ("83.456", "0.736842"). --json output keeps every digit.
std::string FormatNumber(double value);

}  // namespace cli
}  // namespace statstracker

#endif  // STATSTRACKER_TOOLS_CLI_TABLE_H_
