#ifndef STATSTRACKER_COMMON_HTTP_ENDPOINT_H_
#define STATSTRACKER_COMMON_HTTP_ENDPOINT_H_

// A small HTTP/1.1 endpoint for /metrics (and other operator pages) on
// libmicrohttpd, Debian's embeddable HTTP server: the same library the REST
// gateway uses, so no hand-written HTTP parsing anywhere.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

struct MHD_Daemon;

namespace statstracker {

struct HttpRequest {
  std::string method;  // "GET", ...
  std::string path;    // without the query string
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

class HttpEndpoint {
 public:
  // Listens on `address` ("host:port"; port 0 picks a free one) and serves
  // every request with `handler` from libmicrohttpd's thread.
  // INVALID_ARGUMENT for a malformed address, UNAVAILABLE if it cannot bind.
  static absl::StatusOr<std::unique_ptr<HttpEndpoint>> Start(
      const std::string& address, HttpHandler handler);
  ~HttpEndpoint();  // stops serving
  HttpEndpoint(const HttpEndpoint&) = delete;
  HttpEndpoint& operator=(const HttpEndpoint&) = delete;

  // The bound port.
  int port() const { return port_; }

 private:
  HttpEndpoint() = default;
  MHD_Daemon* daemon_ = nullptr;
  HttpHandler handler_;
  int port_ = 0;
};

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_HTTP_ENDPOINT_H_
