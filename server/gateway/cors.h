#ifndef STATSTRACKER_SERVER_GATEWAY_CORS_H_
#define STATSTRACKER_SERVER_GATEWAY_CORS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace statstracker {
namespace gateway {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Which browser origins may call the gateway (ServerConfig.cors).
struct CorsOptions {
  // Origins as browsers send them ("https://play.example.com"), matched
  // case-insensitively, or "*" for any origin. Empty: CORS off, no headers.
  std::vector<std::string> allowed_origins;
  // Access-Control-Max-Age of a preflight answer.
  absl::Duration max_age = absl::Minutes(10);
};

// Cross-origin resource sharing for the REST gateway, as a pure decision:
// given a request's method and its Origin and Access-Control-Request-*
// headers, what to answer to a preflight and which headers to add to any
// other response. The transport asks once per request and applies the
// answer; nothing here does I/O.
class CorsPolicy {
 public:
  // `methods`: every method the gateway serves (Access-Control-Allow-Methods
  // of a preflight). `request_headers`: lower-case names of the request
  // headers a cross-origin request may send; a name ending in '*' is a
  // prefix ("grpc-metadata-*").
  CorsPolicy(CorsOptions options, std::vector<std::string> methods,
             std::vector<std::string> request_headers);

  struct Decision {
    // True for a preflight (OPTIONS with Origin and
    // Access-Control-Request-Method): answer now with `status` and
    // `headers` and an empty body; the request is not routed.
    bool preflight = false;
    int status = 0;
    // Headers for the response: the preflight answer's, or those to add to
    // the routed request's response (any status, errors included). Empty
    // when CORS is off, the request has no Origin, or (besides Vary) the
    // origin is not allowed.
    HeaderList headers;
  };

  // `origin`, `request_method` and `request_headers` are the values of the
  // Origin, Access-Control-Request-Method and Access-Control-Request-Headers
  // headers ("" when absent).
  Decision Decide(absl::string_view method, absl::string_view origin,
                  absl::string_view request_method,
                  absl::string_view request_headers) const;

  bool enabled() const { return !options_.allowed_origins.empty(); }

 private:
  bool OriginAllowed(absl::string_view origin) const;
  bool HeaderAllowed(absl::string_view name) const;

  CorsOptions options_;
  bool any_origin_ = false;
  std::string allow_methods_;  // "DELETE, GET, HEAD, ..."
  std::vector<std::string> request_headers_;
};

}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_CORS_H_
