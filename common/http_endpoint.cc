#include "common/http_endpoint.h"

#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace statstracker {
namespace {

MHD_Result Access(void* cls, MHD_Connection* connection, const char* url,
                  const char* method, const char* /*version*/,
                  const char* /*upload_data*/, size_t* upload_data_size,
                  void** con_cls) {
  // First call per request: headers only. Answer on the second so that a
  // request body (none expected) is drained by libmicrohttpd first.
  if (*con_cls == nullptr) {
    static int marker;
    *con_cls = &marker;
    return MHD_YES;
  }
  if (*upload_data_size != 0) {
    *upload_data_size = 0;  // bodies are ignored
    return MHD_YES;
  }
  const auto* handler = static_cast<const HttpHandler*>(cls);
  HttpRequest request;
  request.method = method == nullptr ? "" : method;
  // libmicrohttpd passes the path without the query string already; strip
  // one defensively.
  std::string path = url == nullptr ? "/" : url;
  size_t q = path.find('?');
  if (q != std::string::npos) path.resize(q);
  request.path = std::move(path);

  HttpResponse response;
  try {
    response = (*handler)(request);
  } catch (...) {
    response.status = 500;
    response.body = "internal error\n";
  }
  MHD_Response* r = MHD_create_response_from_buffer(
      response.body.size(), const_cast<char*>(response.body.data()),
      MHD_RESPMEM_MUST_COPY);
  if (r == nullptr) return MHD_NO;
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                          response.content_type.c_str());
  MHD_Result ret =
      MHD_queue_response(connection, static_cast<unsigned>(response.status), r);
  MHD_destroy_response(r);
  return ret;
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpEndpoint>> HttpEndpoint::Start(
    const std::string& address, HttpHandler handler) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon + 1 == address.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "address '", address, "': expected host:port, e.g. 127.0.0.1:9464"));
  }
  std::string host = address.substr(0, colon);
  std::string port_text = address.substr(colon + 1);
  int port_number = 0;
  if (!absl::SimpleAtoi(port_text, &port_number) || port_number < 0 ||
      port_number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("address '", address, "': port '", port_text,
                     "' is not a number from 0 to 65535"));
  }
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(),
                           port_text.c_str(), &hints, &found);
      rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("address '", address, "': ", gai_strerror(rc)));
  }
  std::unique_ptr<HttpEndpoint> endpoint(new HttpEndpoint());
  endpoint->handler_ = std::move(handler);
  const bool v6 = found->ai_family == AF_INET6;
  unsigned int flags =
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | (v6 ? MHD_USE_IPv6 : 0);
  endpoint->daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &Access, &endpoint->handler_,
      MHD_OPTION_SOCK_ADDR, found->ai_addr, MHD_OPTION_CONNECTION_LIMIT, 256u,
      MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
  freeaddrinfo(found);
  if (endpoint->daemon_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on '", address,
                     "'; is the port in use? Use port 0 to pick a free one"));
  }
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(endpoint->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  endpoint->port_ = info != nullptr ? info->port : port_number;
  return endpoint;
}

HttpEndpoint::~HttpEndpoint() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

}  // namespace statstracker
