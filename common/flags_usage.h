#ifndef STATSTRACKER_COMMON_FLAGS_USAGE_H_
#define STATSTRACKER_COMMON_FLAGS_USAGE_H_

#include "absl/strings/string_view.h"

namespace statstracker {

// Makes a binary's --help useful: Abseil prints `usage` (what the program
// does and how to call it) and then only the flags defined in `main_file`
// (pass __FILE__ from the file that defines the binary's ABSL_FLAGs; by
// default Abseil shows none of a file named main.cc, hence "No flags
// matched"). --helpfull still lists every flag, libraries' included. Call
// before absl::ParseCommandLine.
void SetUpHelp(absl::string_view usage, absl::string_view main_file);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_FLAGS_USAGE_H_
