// JSON request bodies, the gateway's JSON -> proto step: the whole input is
// the body of one of the API's body routes (PublishEvents, the friends
// list, BatchGetPlayerStats, ResetLeaderboard) or of the echo service's
// named-body routes, picked by the first byte. Properties as route_fuzzer:
// no crash, only INVALID_ARGUMENT, and what is accepted decodes at the edge.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/wire_check.h"
#include "fuzz/api_routes.h"
#include "fuzz/fuzz_check.h"
#include "server/gateway/route_table.h"

namespace {

using statstracker::fuzz::Check;

struct Target {
  const char* method;
  const char* path;
};
constexpr Target kTargets[] = {
    {"POST", "/v1/events:publish"},
    {"POST", "/v1/games/arcade/leaderboards/high/entries:forPlayers"},
    {"POST", "/v1/games/arcade/stats:batchGet"},
    {"POST", "/v1/games/arcade/leaderboards/high:reset"},
    {"POST", "/v1/echo"},
    {"PUT", "/v1/echo/u1"},
    {"PATCH", "/v1/echo/p1/note"},
};

using statstracker::fuzz::ApiAndEchoRoutes;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statstracker::gateway;  // NOLINT: a fuzzer's one function
  if (size == 0) return 0;
  const Target& t = kTargets[data[0] % (sizeof(kTargets) / sizeof(Target))];
  const absl::string_view body(reinterpret_cast<const char*>(data) + 1,
                               size - 1);
  std::vector<std::string> allowed;
  auto match = ApiAndEchoRoutes().Find(t.method, t.path, &allowed);
  Check(match.ok());
  auto message =
      ApiAndEchoRoutes().NewMessage(match->route->method->input_type());
  absl::Status built =
      BuildRequest(*match->route, match->bindings, {}, body, message.get());
  if (built.ok()) built = statstracker::CheckUtf8Strings(*message);
  if (!built.ok()) {
    Check(built.code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  std::string bytes;
  Check(message->SerializeToString(&bytes));
  auto decoded =
      ApiAndEchoRoutes().NewMessage(match->route->method->input_type());
  Check(statstracker::DecodeMessage(bytes, decoded.get()).ok());
  return 0;
}
