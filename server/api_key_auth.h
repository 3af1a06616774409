#ifndef STATSTRACKER_SERVER_API_KEY_AUTH_H_
#define STATSTRACKER_SERVER_API_KEY_AUTH_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "grpcpp/server_context.h"

namespace statstracker {
namespace server {

// Checks `authorization: Bearer <key>` metadata against the configured API
// keys (ServerConfig.api_keys). Keys are compared in constant time and every
// configured key is tried, so timing reveals neither a key's bytes nor which
// key matched. Thread-safe (immutable).
class ApiKeyAuth {
 public:
  explicit ApiKeyAuth(std::vector<std::string> keys) : keys_(std::move(keys)) {}

  // UNAUTHENTICATED if the header is missing or not "Bearer <key>";
  // PERMISSION_DENIED if the key is not one of the configured keys.
  absl::Status CheckHeader(std::optional<absl::string_view> header) const;

  // CheckHeader on the call's `authorization` metadata.
  absl::Status Check(const grpc::ServerContext& context) const;

 private:
  std::vector<std::string> keys_;
};

// Whether a and b are equal, in time that depends only on their lengths.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);

}  // namespace server
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_API_KEY_AUTH_H_
