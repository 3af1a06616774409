#include "server/gateway/testing/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace statstracker {
namespace gateway {
namespace testing {

absl::StatusOr<std::unique_ptr<HttpConnection>> HttpConnection::Connect(
    const std::string& host, int port) {
  std::unique_ptr<HttpConnection> c(new HttpConnection());
  c->fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host.c_str(),
            &addr.sin_addr);
  if (connect(c->fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return absl::UnavailableError(absl::StrCat("connect ", host, ":", port));
  }
  int one = 1;
  setsockopt(c->fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return c;
}

HttpConnection::~HttpConnection() { Close(); }

void HttpConnection::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

absl::Status HttpConnection::WriteRaw(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n =
        send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return absl::UnavailableError("send failed");
    done += n;
  }
  return absl::OkStatus();
}

absl::Status HttpConnection::Fill() {
  pollfd p{fd_, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout_))) <= 0) {
    return absl::DeadlineExceededError("no response within the timeout");
  }
  char tmp[16384];
  ssize_t n = recv(fd_, tmp, sizeof(tmp), 0);
  if (n <= 0) return absl::UnavailableError("connection closed");
  buf_.append(tmp, n);
  return absl::OkStatus();
}

absl::StatusOr<std::string> HttpConnection::ReadLine() {
  while (true) {
    size_t at = buf_.find("\r\n");
    if (at != std::string::npos) {
      std::string line = buf_.substr(0, at);
      buf_.erase(0, at + 2);
      return line;
    }
    if (auto st = Fill(); !st.ok()) return st;
  }
}

absl::StatusOr<std::string> HttpConnection::ReadN(size_t n) {
  while (buf_.size() < n) {
    if (auto st = Fill(); !st.ok()) return st;
  }
  std::string out = buf_.substr(0, n);
  buf_.erase(0, n);
  return out;
}

absl::StatusOr<HttpResponse> HttpConnection::ReadHead() {
  HttpResponse r;
  auto status_line = ReadLine();
  if (!status_line.ok()) return status_line.status();
  std::vector<std::string> parts = absl::StrSplit(*status_line, ' ');
  if (parts.size() < 2 || !absl::SimpleAtoi(parts[1], &r.status)) {
    return absl::InternalError(absl::StrCat("bad status line: ", *status_line));
  }
  while (true) {
    auto line = ReadLine();
    if (!line.ok()) return line.status();
    if (line->empty()) break;
    size_t colon = line->find(':');
    r.headers[absl::AsciiStrToLower(line->substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line->substr(colon + 1)));
  }
  return r;
}

absl::StatusOr<bool> HttpConnection::NextChunk() {
  auto size_line = ReadLine();
  if (!size_line.ok()) return size_line.status();
  size_t size = 0;
  std::string hex(
      absl::StripAsciiWhitespace(size_line->substr(0, size_line->find(';'))));
  if (!absl::SimpleHexAtoi(hex, &size)) {
    return absl::InternalError(absl::StrCat("bad chunk size: ", *size_line));
  }
  if (size == 0) {
    while (true) {  // trailers
      auto line = ReadLine();
      if (!line.ok()) return line.status();
      if (line->empty()) break;
    }
    return false;
  }
  auto data = ReadN(size + 2);
  if (!data.ok()) return data.status();
  stream_body_.append(data->substr(0, size));
  return true;
}

absl::StatusOr<HttpResponse> HttpConnection::ReadResponse(bool head) {
  auto r = ReadHead();
  if (!r.ok()) return r;
  // No body after a HEAD request, a 204 or a 304 (RFC 9112 6.3), whatever
  // Content-Length or Transfer-Encoding say.
  if (head || r->status == 204 || r->status == 304) return r;
  if (r->header("transfer-encoding") == "chunked") {
    stream_body_.clear();
    while (true) {
      auto more = NextChunk();
      if (!more.ok()) return more.status();
      if (!*more) break;
    }
    r->body = std::move(stream_body_);
    stream_body_.clear();
  } else if (!r->header("content-length").empty()) {
    size_t n = 0;
    absl::SimpleAtoi(r->header("content-length"), &n);
    auto body = ReadN(n);
    if (!body.ok()) return body.status();
    r->body = *body;
  } else {
    while (Fill().ok()) {
    }
    r->body = std::move(buf_);
    buf_.clear();
  }
  return r;
}

absl::StatusOr<HttpResponse> HttpConnection::Request(const std::string& method,
                                                     const std::string& target,
                                                     const Headers& headers,
                                                     const std::string& body) {
  std::string req =
      absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    absl::StrAppend(&req, k, ": ", v, "\r\n");
    if (absl::EqualsIgnoreCase(k, "content-type")) has_type = true;
  }
  if (!body.empty() || method == "POST" || method == "PUT" ||
      method == "PATCH") {
    if (!has_type) absl::StrAppend(&req, "Content-Type: application/json\r\n");
    absl::StrAppend(&req, "Content-Length: ", body.size(), "\r\n");
  }
  absl::StrAppend(&req, "\r\n", body);
  if (auto st = WriteRaw(req); !st.ok()) return st;
  return ReadResponse(/*head=*/method == "HEAD");
}

absl::StatusOr<HttpResponse> HttpConnection::StartStream(
    const std::string& method, const std::string& target,
    const Headers& headers) {
  std::string req =
      absl::StrCat(method, " ", target, " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (const auto& [k, v] : headers) absl::StrAppend(&req, k, ": ", v, "\r\n");
  absl::StrAppend(&req, "\r\n");
  if (auto st = WriteRaw(req); !st.ok()) return st;
  auto r = ReadHead();
  if (!r.ok()) return r;
  stream_chunked_ = r->header("transfer-encoding") == "chunked";
  stream_done_ = false;
  stream_body_.clear();
  return r;
}

absl::StatusOr<std::string> HttpConnection::ReadStreamUntil(
    const std::string& delimiter) {
  while (true) {
    size_t at = stream_body_.find(delimiter);
    if (at != std::string::npos) {
      std::string out = stream_body_.substr(0, at + delimiter.size());
      stream_body_.erase(0, at + delimiter.size());
      return out;
    }
    if (stream_done_) return absl::NotFoundError("end of stream");
    if (!stream_chunked_) return absl::InternalError("stream is not chunked");
    auto more = NextChunk();
    if (!more.ok()) return more.status();
    if (!*more) stream_done_ = true;
  }
}

absl::StatusOr<std::string> RunCurl(const std::vector<std::string>& args) {
  std::string cmd = "curl -sS";
  for (const std::string& a : args) {
    std::string quoted = "'";
    for (char ch : a) {
      if (ch == '\'') {
        quoted += "'\\''";
      } else {
        quoted += ch;
      }
    }
    absl::StrAppend(&cmd, " ", quoted, "'");
  }
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return absl::InternalError("popen curl failed");
  std::string out;
  char tmp[4096];
  size_t n;
  while ((n = fread(tmp, 1, sizeof(tmp), p)) > 0) out.append(tmp, n);
  int rc = pclose(p);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("`", cmd, "` exited ", rc));
  }
  return out;
}

}  // namespace testing
}  // namespace gateway
}  // namespace statstracker
