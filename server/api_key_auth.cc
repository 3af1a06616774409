#include "server/api_key_auth.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace statstracker {
namespace server {

bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  // Walk the presented key's length whatever the stored key's length, and
  // fold every byte difference in, so no early exit depends on the content.
  uint8_t diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < b.size(); ++i) {
    uint8_t x = a.empty() ? 0 : static_cast<uint8_t>(a[i % a.size()]);
    diff |= x ^ static_cast<uint8_t>(b[i]);
  }
  return diff == 0;
}

absl::Status ApiKeyAuth::CheckHeader(
    std::optional<absl::string_view> header) const {
  if (!header.has_value()) {
    return absl::UnauthenticatedError(
        "missing API key: send metadata `authorization: Bearer <api key>` "
        "with a key from server.api_keys");
  }
  absl::string_view value = absl::StripAsciiWhitespace(*header);
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() ||
      !absl::StartsWithIgnoreCase(value, kScheme)) {
    return absl::UnauthenticatedError(
        "malformed authorization metadata: expected `Bearer <api key>`");
  }
  absl::string_view key =
      absl::StripLeadingAsciiWhitespace(value.substr(kScheme.size()));
  bool match = false;
  for (const std::string& configured : keys_) {
    match |= ConstantTimeEquals(configured, key);
  }
  if (!match) {
    return absl::PermissionDeniedError("API key not accepted");
  }
  return absl::OkStatus();
}

absl::Status ApiKeyAuth::Check(const grpc::ServerContext& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return CheckHeader(std::nullopt);
  return CheckHeader(absl::string_view(it->second.data(), it->second.size()));
}

}  // namespace server
}  // namespace statstracker
