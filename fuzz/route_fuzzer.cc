// The gateway's request building: routes of the statstracker.v1 API and of
// the test-only echo service (every field kind), a request line and a body
// from the input ("<METHOD> <target>\n<body>"), then path variables, query
// binding and the JSON body into the request message, as Gateway::Handle
// does before it calls gRPC. Properties: nothing crashes; errors are
// INVALID_ARGUMENT (or the route lookup's NOT_FOUND / FAILED_PRECONDITION);
// and a request the gateway would send is one the server decodes: it
// serializes and passes the edge's wire check (common/wire_check.h).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/wire_check.h"
#include "fuzz/api_routes.h"
#include "fuzz/fuzz_check.h"
#include "server/gateway/request_target.h"
#include "server/gateway/route_table.h"

namespace {

using statstracker::fuzz::Check;

using statstracker::fuzz::ApiAndEchoRoutes;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace statstracker::gateway;  // NOLINT: a fuzzer's one function
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::string_view line = input, body;
  if (size_t nl = input.find('\n'); nl != absl::string_view::npos) {
    line = input.substr(0, nl);
    body = input.substr(nl + 1);
  }
  size_t space = line.find(' ');
  if (space == absl::string_view::npos) return 0;
  const std::string method(line.substr(0, space));
  RequestTarget target = ParseRequestTarget(line.substr(space + 1));
  std::vector<std::string> allowed;
  auto match = ApiAndEchoRoutes().Find(method, target.path, &allowed);
  if (!match.ok()) return 0;
  auto message =
      ApiAndEchoRoutes().NewMessage(match->route->method->input_type());
  absl::Status built = BuildRequest(*match->route, match->bindings,
                                    target.query, body, message.get());
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
