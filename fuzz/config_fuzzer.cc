// Config loading from text, the whole start-up check: text-format parsing,
// defaults, validation, and every built-in plugin's factory on its params.
// Properties: nothing crashes or hangs; a config that loads has its
// defaults applied (loading it again as text gives the same result).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "common/config_loader.h"
#include "common/logging.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"

namespace {
using statstracker::fuzz::Check;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool quiet = [] {
    // libprotobuf's parse errors go through our logger; keep them quiet.
    statstracker::InitLogging(statstracker::v1::LoggingConfig::FORMAT_TEXT,
                              statstracker::LogLevel::kError);
    return true;
  }();
  (void)quiet;
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = statstracker::ParseConfigText(text, "fuzz");
  if (!config.ok()) return 0;
  std::string printed;
  Check(google::protobuf::TextFormat::PrintToString(*config, &printed));
  auto again = statstracker::ParseConfigText(printed, "fuzz-again");
  Check(again.ok());
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  Check(differencer.Compare(*config, *again));
  return 0;
}
