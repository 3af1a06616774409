#ifndef STATSTRACKER_SERVER_GATEWAY_HTTP_FRONT_H_
#define STATSTRACKER_SERVER_GATEWAY_HTTP_FRONT_H_

// The gateway's HTTP/1.1 transport: connections, parsing, limits, timeouts
// and writing responses, nothing about routes or gRPC. Event-driven: a few
// I/O threads serve every connection (Boost.Asio, HTTP parsing and
// serialization by Boost.Beast, both from Debian), so an idle or half-sent
// connection costs a socket and a buffer, not a thread, and a handler that
// waits for a gRPC call or a stream holds no thread either: it answers
// through its HttpExchange whenever it is ready, from any thread.
//
// Every answer the front makes itself has the gateway's JSON error shape
// (ErrorRenderer): malformed requests (400), a target or header block over
// the limit (414, 431), a body over the limit (413, before reading it when
// Content-Length says so), bad chunked encoding or Content-Length (400), a
// request that does not arrive in time (408), too many connections from one
// client (429) or in total (503).

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace statstracker {
namespace gateway {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpFrontOptions {
  // host:port to listen on; port 0 picks a free port.
  std::string address = "127.0.0.1:8080";
  // I/O threads.
  int threads = 2;
  // Open connections in total; one more is answered 503 and closed. Capped
  // at the process's file descriptor limit (raised to its hard limit at
  // start) less a reserve for everything else.
  size_t max_connections = 10000;
  // Open connections per client address; one more is answered 429 and
  // closed, so one client cannot take the server's connections.
  size_t max_connections_per_client = 64;
  // A new connection's first request line and headers must arrive within
  // this (slow or half-sent requests); 408 when part of one came.
  absl::Duration header_timeout = absl::Seconds(10);
  // A keep-alive connection's next request must arrive within this.
  absl::Duration idle_timeout = absl::Seconds(30);
  // A request body must arrive within this once the headers are in.
  absl::Duration body_timeout = absl::Seconds(30);
  // Writing one response (or one chunk of a stream) must finish within this.
  absl::Duration write_timeout = absl::Seconds(30);
  // Request target: 414 above.
  size_t max_target_bytes = 16 * 1024;
  // Request line and headers together: 414 when the request line alone
  // does not fit, else 431.
  size_t max_header_bytes = 32 * 1024;
  // Request body: 413 above.
  size_t max_body_bytes = 1 << 20;
};

struct HttpRequest {
  std::string method;   // "GET", "POST", ... as sent
  std::string target;   // raw: still percent-encoded, with the query
  HttpHeaders headers;  // names in lower case, in arrival order
  std::string body;     // de-chunked
  std::string client;   // the peer's IP address
  // The first value of a header (name in lower case), or "".
  std::string Header(absl::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  HttpHeaders headers;
  std::string body;
};

// One request's answer. A handler gets it with the request and may call it
// from any thread: Respond once, or StartStream, Write any number of times,
// End. Calls after the client went away are ignored (Write's `done` gets
// false). Thread-safe.
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;
  // A whole response (its body left out for HEAD requests).
  virtual void Respond(HttpResponse response) = 0;
  // A chunked response: status and headers now, the body from Write().
  virtual void StartStream(int status, std::string content_type,
                           HttpHeaders headers) = 0;
  // Queues one chunk; `done(true)` once it is written, `done(false)` if the
  // client is gone. Writing the next chunk from `done` keeps one in flight.
  virtual void Write(std::string chunk, std::function<void(bool)> done) = 0;
  // Ends a stream (the last chunk); the connection goes on if kept alive.
  virtual void End() = 0;
  // `callback` runs once if the client disconnects before the answer is
  // complete (to cancel the work behind it); at once if it already has.
  virtual void OnClientGone(std::function<void()> callback) = 0;
};

using HttpHandler =
    std::function<void(HttpRequest, std::shared_ptr<HttpExchange>)>;

// The error body the front sends for what it refuses itself: HTTP status,
// gRPC code (for the JSON body) and message.
using HttpErrorRenderer = std::function<HttpResponse(
    int http_status, int grpc_code, absl::string_view message)>;

class HttpFront {
 public:
  // Listens and serves until destroyed. `handler` runs on an I/O thread
  // and must not block (hand slow work elsewhere and answer through the
  // exchange). INVALID_ARGUMENT for a bad address, UNAVAILABLE if it cannot
  // be bound.
  static absl::StatusOr<std::unique_ptr<HttpFront>> Start(
      HttpFrontOptions options, HttpHandler handler,
      HttpErrorRenderer render_error);
  // Stops accepting, closes every connection (their exchanges' later calls
  // are ignored) and joins the I/O threads.
  ~HttpFront();

  int port() const;
  // Open connections now (for tests and metrics).
  size_t open_connections() const;
  // The connection cap in force (options.max_connections, lowered to fit the
  // file descriptor limit).
  size_t max_connections() const;

  class Impl;

 private:
  explicit HttpFront(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_HTTP_FRONT_H_
