// Path templates from HTTP rules and request paths matched against them.
// Input: "<template>\n<path>". Properties: parsing never crashes; a parsed
// template matches without crashing, binds only its own variables, orders
// against itself consistently, and percent-decoding of any path returns.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "fuzz/fuzz_check.h"
#include "server/gateway/path_template.h"
#include "server/gateway/request_target.h"

namespace {
using statstracker::fuzz::Check;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using statstracker::gateway::PathTemplate;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::string_view text = input;
  absl::string_view path = "/v1/games/arcade/leaderboards/high/entries";
  if (size_t nl = input.find('\n'); nl != absl::string_view::npos) {
    text = input.substr(0, nl);
    path = input.substr(nl + 1);
  }
  (void)statstracker::gateway::PercentDecode(path, true);
  (void)statstracker::gateway::ParseRequestTarget(path);
  auto parsed = PathTemplate::Parse(text);
  if (!parsed.ok()) {
    Check(parsed.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  Check(!parsed->MoreSpecificThan(*parsed));
  (void)parsed->OpenApiPath();
  PathTemplate::Bindings bindings;
  if (parsed->Match(path, &bindings)) {
    Check(bindings.size() == parsed->variables().size());
    for (size_t i = 0; i < bindings.size(); ++i) {
      Check(bindings[i].first == parsed->variables()[i].field_path);
    }
  }
  return 0;
}
