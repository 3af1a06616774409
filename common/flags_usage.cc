#include "common/flags_usage.h"

#include <string>

#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"

namespace statstracker {

void SetUpHelp(absl::string_view usage, absl::string_view main_file) {
  absl::SetProgramUsageMessage(usage);
  absl::FlagsUsageConfig config;
  std::string file(main_file);
  // Flags record the __FILE__ of their definition; compare the tails so a
  // build that passes absolute paths matches too.
  auto own_flags = [file](absl::string_view defined_in) {
    return absl::EndsWith(defined_in, file);
  };
  config.contains_help_flags = own_flags;
  config.contains_helpshort_flags = own_flags;
  absl::SetFlagsUsageConfig(config);
}

}  // namespace statstracker
