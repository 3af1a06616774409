#ifndef STATSTRACKER_SERVER_GATEWAY_TESTING_HTTP_CLIENT_H_
#define STATSTRACKER_SERVER_GATEWAY_TESTING_HTTP_CLIENT_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace statstracker {
namespace gateway {
namespace testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;                            // de-chunked
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// A minimal HTTP/1.1 client over one keep-alive TCP connection, for tests
// (the machines have no libcurl development package): requests are written
// by hand and responses read with Content-Length or chunked bodies.
class HttpConnection {
 public:
  static absl::StatusOr<std::unique_ptr<HttpConnection>> Connect(
      const std::string& host, int port);
  ~HttpConnection();

  // Sends a request and reads the whole response.
  absl::StatusOr<HttpResponse> Request(const std::string& method,
                                       const std::string& target,
                                       const Headers& headers = {},
                                       const std::string& body = "");

  // Streaming: sends a request and reads only the status and headers...
  absl::StatusOr<HttpResponse> StartStream(const std::string& method,
                                           const std::string& target,
                                           const Headers& headers = {});
  // ...then the body up to and including the next `delimiter` ("\n" for
  // NDJSON, "\n\n" for SSE); NOT_FOUND at the end of the body.
  absl::StatusOr<std::string> ReadStreamUntil(const std::string& delimiter);

  // Writes raw bytes (for malformed or chunked requests).
  absl::Status WriteRaw(const std::string& bytes);
  // Reads one response; `head`: it answers a HEAD request (no body).
  absl::StatusOr<HttpResponse> ReadResponse(bool head = false);

  void Close();

 private:
  HttpConnection() = default;
  absl::Status Fill();  // reads more bytes into buf_
  absl::StatusOr<std::string> ReadLine();
  absl::StatusOr<std::string> ReadN(size_t n);
  absl::StatusOr<HttpResponse> ReadHead();
  // Appends the next chunk's data to body_; false at the last chunk.
  absl::StatusOr<bool> NextChunk();

  int fd_ = -1;
  std::string buf_;
  std::string stream_body_;
  bool stream_chunked_ = false;
  bool stream_done_ = false;
  absl::Duration timeout_ = absl::Seconds(20);
};

// Runs `curl` (Debian's binary) with `args`; returns its stdout.
absl::StatusOr<std::string> RunCurl(const std::vector<std::string>& args);

}  // namespace testing
}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_TESTING_HTTP_CLIENT_H_
