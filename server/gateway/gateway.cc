#include "server/gateway/gateway.h"

#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/gateway/api_descriptor_set.h"
#include "server/gateway/openapi.h"

namespace statstracker {
namespace gateway {

std::string_view ApiDescriptorSet() { return embedded::ApiDescriptorSet(); }

struct Gateway::Request {
  std::string raw_uri;
  bool started = false;
  bool too_large = false;
  std::string body;
  HeaderList cors_headers;   // added to every response (cors.h)
  int preflight_status = 0;  // a CORS preflight: answer with this status
};

namespace {

using google::protobuf::Message;

constexpr size_t kDefaultMaxRequestBytes = 1 << 20;

int HttpStatusFromCode(grpc::StatusCode code) {
  return HttpStatusFromGrpcCode(static_cast<int>(code));
}

// grpc-gateway's error body, fields in its order.
std::string StatusJson(int code, absl::string_view message) {
  google::protobuf::Value text;
  text.set_string_value(std::string(message));
  std::string quoted;
  (void)google::protobuf::util::MessageToJsonString(text, &quoted);
  return absl::StrCat("{\"code\":", code, ",\"message\":", quoted,
                      ",\"details\":[]}");
}

google::protobuf::util::JsonPrintOptions PrintOptions() {
  // grpc-gateway v2's defaults: lowerCamelCase names, unpopulated fields
  // emitted, enums by name, 64-bit integers as strings.
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  return options;
}

// Fails only for Any payloads of types the binary does not know.
absl::StatusOr<std::string> ToJson(const Message& message) {
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(message, &out,
                                                            PrintOptions());
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("response to JSON: ", std::string(status.message())));
  }
  return out;
}

// The response (or its response_body field) as JSON.
absl::StatusOr<std::string> ResponseJson(const Message& response,
                                         const std::string& response_body) {
  if (response_body.empty()) return ToJson(response);
  const auto* field = response.GetDescriptor()->FindFieldByName(response_body);
  const auto* r = response.GetReflection();
  if (!field->is_repeated() &&
      field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
    return ToJson(r->GetMessage(response, field));
  }
  // Print {"field": value} with only that field kept, then unwrap.
  std::unique_ptr<Message> only(response.New());
  only->CopyFrom(response);
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  only->GetReflection()->ListFields(*only, &fields);
  for (const auto* f : fields) {
    if (f != field) only->GetReflection()->ClearField(only.get(), f);
  }
  absl::StatusOr<std::string> printed = ToJson(*only);
  if (!printed.ok()) return printed;
  std::string json = *std::move(printed);
  std::string prefix = absl::StrCat("{\"", field->json_name(), "\":");
  size_t at = json.find(prefix);
  if (at == std::string::npos) return "null";
  json = json.substr(at + prefix.size());
  return json.substr(0, json.size() - 1);
}

grpc::ByteBuffer Serialize(const Message& message) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string Bytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const auto& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return bytes;
}

// A response's JSON: straight from its bytes, or through a message when
// only its response_body field is returned.
absl::StatusOr<std::string> ResponseBytesToJson(
    const RouteTable& routes, const Route& route,
    const grpc::ByteBuffer& buffer) {
  std::string bytes = Bytes(buffer);
  if (route.response_body.empty()) {
    std::string json;
    absl::Status st = routes.BinaryToJson(route.method->output_type(), bytes,
                                          PrintOptions(), &json);
    if (!st.ok()) return st;
    return json;
  }
  auto message = routes.NewMessage(route.method->output_type());
  if (!message->ParseFromString(bytes)) {
    return absl::InternalError("unparsable response message");
  }
  return ResponseJson(*message, route.response_body);
}

// ---- CORS headers for every response (server/gateway/cors.h) ------------
// Headers the CORS decision adds to each response of the request being
// handled. libmicrohttpd calls Gateway::Handle on the connection's own
// thread (thread per connection) and every response, streams included, is
// queued inside that call, so a slot per thread, set for the call's
// duration, reaches all of them without threading it through every Send.
thread_local const HeaderList* response_headers_for_request = nullptr;

class ResponseHeadersScope {
 public:
  explicit ResponseHeadersScope(const HeaderList* headers) {
    response_headers_for_request = headers;
  }
  ~ResponseHeadersScope() { response_headers_for_request = nullptr; }
};

void AddRequestResponseHeaders(MHD_Response* response) {
  if (response_headers_for_request == nullptr) return;
  for (const auto& [k, v] : *response_headers_for_request) {
    MHD_add_response_header(response, k.c_str(), v.c_str());
  }
}
// ---- end CORS headers ------------------------------------------------------

// `type` empty: no Content-Type (e.g. a 204).
MHD_Result Send(
    MHD_Connection* c, int status, const std::string& type,
    const std::string& body,
    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (!type.empty()) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE,
                            type.c_str());
  }
  for (const auto& [k, v] : headers) {
    MHD_add_response_header(response, k.c_str(), v.c_str());
  }
  AddRequestResponseHeaders(response);
  MHD_Result ret = MHD_queue_response(c, status, response);
  MHD_destroy_response(response);
  return ret;
}

MHD_Result SendError(
    MHD_Connection* c, int http_status, int code, absl::string_view message,
    const std::vector<std::pair<std::string, std::string>>& headers = {}) {
  return Send(c, http_status, "application/json", StatusJson(code, message),
              headers);
}

MHD_Result SendStatus(MHD_Connection* c, const grpc::Status& status) {
  return SendError(c, HttpStatusFromCode(status.error_code()),
                   status.error_code(), status.error_message());
}

std::string Header(MHD_Connection* c, const char* name) {
  const char* v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
  return v == nullptr ? "" : v;
}

MHD_Result CollectHeader(void* cls, MHD_ValueKind, const char* key,
                         const char* value) {
  static_cast<std::vector<std::pair<std::string, std::string>>*>(cls)
      ->emplace_back(absl::AsciiStrToLower(key), value ? value : "");
  return MHD_YES;
}

// A gRPC-style timeout ("5S", "250m", "1H"); false if malformed.
bool ParseGrpcTimeout(absl::string_view v, std::chrono::nanoseconds* out) {
  if (v.size() < 2) return false;
  int64_t n;
  if (!absl::SimpleAtoi(v.substr(0, v.size() - 1), &n) || n < 0) return false;
  switch (v.back()) {
    case 'H':
      *out = std::chrono::hours(n);
      return true;
    case 'M':
      *out = std::chrono::minutes(n);
      return true;
    case 'S':
      *out = std::chrono::seconds(n);
      return true;
    case 'm':
      *out = std::chrono::milliseconds(n);
      return true;
    case 'u':
      *out = std::chrono::microseconds(n);
      return true;
    case 'n':
      *out = std::chrono::nanoseconds(n);
      return true;
  }
  return false;
}

// Whether the peer closed its side: the stream then ends (and its RPC is
// cancelled) without waiting for the next update to fail to write.
bool ClientGone(int fd) {
  if (fd < 0) return false;
  pollfd p{fd, static_cast<short>(POLLIN | POLLRDHUP), 0};
  if (poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) return true;
  if (p.revents & POLLIN) {
    char ch;
    return recv(fd, &ch, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
  }
  return false;
}

const char* ContentType(absl::string_view path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".ico", "image/x-icon"},
      {".webp", "image/webp"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
  };
  for (const auto& [ext, type] : kTypes) {
    if (absl::EndsWithIgnoreCase(path, ext)) return type;
  }
  return "application/octet-stream";
}

// A server-streaming call feeding a chunked HTTP response.
struct Stream {
  std::unique_ptr<grpc::ClientContext> context;
  grpc::CompletionQueue cq;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call;
  grpc::ByteBuffer buffer;
  const RouteTable* routes = nullptr;
  const Route* route = nullptr;
  bool sse = false;
  int fd = -1;
  bool read_pending = false;
  bool finish_done = false;
  bool ended = false;
  std::string pending;
  size_t pending_pos = 0;

  // Waits for the one outstanding operation.
  bool Wait() {
    void* tag;
    bool ok = false;
    if (!cq.Next(&tag, &ok)) return false;
    return ok;
  }
  grpc::Status Finish() {
    grpc::Status status;
    call->Finish(&status, this);
    Wait();
    finish_done = true;
    return status;
  }
  std::string Frame(const std::string& object) const {
    return sse ? absl::StrCat("data: ", object, "\n\n")
               : absl::StrCat(object, "\n");
  }
  // The buffered message as a {"result": ...} frame.
  std::string ResultFrame() {
    absl::StatusOr<std::string> json =
        ResponseBytesToJson(*routes, *route, buffer);
    if (!json.ok()) {
      return Frame(absl::StrCat(
          "{\"error\":", StatusJson(13, json.status().message()), "}"));
    }
    return Frame(absl::StrCat("{\"result\":", *json, "}"));
  }
  std::string ErrorFrame(const grpc::Status& status) const {
    return Frame(absl::StrCat(
        "{\"error\":", StatusJson(status.error_code(), status.error_message()),
        "}"));
  }

  ssize_t Read(char* out, size_t max) {
    while (true) {
      if (pending_pos < pending.size()) {
        size_t n = std::min(max, pending.size() - pending_pos);
        memcpy(out, pending.data() + pending_pos, n);
        pending_pos += n;
        return static_cast<ssize_t>(n);
      }
      if (ended) return MHD_CONTENT_READER_END_OF_STREAM;
      if (!read_pending) {
        call->Read(&buffer, this);
        read_pending = true;
      }
      void* tag;
      bool ok = false;
      auto deadline =
          std::chrono::system_clock::now() + std::chrono::milliseconds(200);
      auto r = cq.AsyncNext(&tag, &ok, deadline);
      if (r == grpc::CompletionQueue::TIMEOUT) {
        if (ClientGone(fd)) {
          context->TryCancel();
          return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        continue;
      }
      if (r == grpc::CompletionQueue::SHUTDOWN) {
        return MHD_CONTENT_READER_END_WITH_ERROR;
      }
      read_pending = false;
      pending_pos = 0;
      if (ok) {
        pending = ResultFrame();
        continue;
      }
      grpc::Status status = Finish();
      ended = true;
      pending = status.ok() ? "" : ErrorFrame(status);
    }
  }

  ~Stream() {
    if (!finish_done) {
      context->TryCancel();
      if (read_pending) Wait();
      Finish();
    }
    cq.Shutdown();
    void* tag;
    bool ok;
    while (cq.Next(&tag, &ok)) {
    }
  }
};

ssize_t StreamReader(void* cls, uint64_t, char* buf, size_t max) {
  return static_cast<Stream*>(cls)->Read(buf, max);
}
void StreamFree(void* cls) { delete static_cast<Stream*>(cls); }

void* UriLog(void*, const char* uri, MHD_Connection*) {
  auto* request = new Gateway::Request();
  request->raw_uri = uri == nullptr ? "" : uri;
  return request;
}

void Completed(void*, MHD_Connection*, void** con_cls,
               MHD_RequestTerminationCode) {
  delete static_cast<Gateway::Request*>(*con_cls);
  *con_cls = nullptr;
}

MHD_Result Access(void* cls, MHD_Connection* c, const char*, const char* method,
                  const char*, const char* upload_data,
                  size_t* upload_data_size, void** con_cls) {
  return static_cast<MHD_Result>(static_cast<Gateway*>(cls)->Handle(
      c, static_cast<Gateway::Request*>(*con_cls), method, upload_data,
      upload_data_size));
}

}  // namespace

int HttpStatusFromGrpcCode(int code) {
  switch (code) {
    case 0:
      return 200;  // OK
    case 1:
      return 499;  // CANCELLED
    case 2:
      return 500;  // UNKNOWN
    case 3:
      return 400;  // INVALID_ARGUMENT
    case 4:
      return 504;  // DEADLINE_EXCEEDED
    case 5:
      return 404;  // NOT_FOUND
    case 6:
      return 409;  // ALREADY_EXISTS
    case 7:
      return 403;  // PERMISSION_DENIED
    case 8:
      return 429;  // RESOURCE_EXHAUSTED
    case 9:
      return 400;  // FAILED_PRECONDITION
    case 10:
      return 409;  // ABORTED
    case 11:
      return 400;  // OUT_OF_RANGE
    case 12:
      return 501;  // UNIMPLEMENTED
    case 13:
      return 500;  // INTERNAL
    case 14:
      return 503;  // UNAVAILABLE
    case 15:
      return 500;  // DATA_LOSS
    case 16:
      return 401;  // UNAUTHENTICATED
  }
  return 500;
}

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(
    GatewayOptions options) {
  if (options.channel == nullptr) {
    return absl::InvalidArgumentError("gateway: no gRPC channel given");
  }
  if (options.descriptor_sets.empty()) {
    options.descriptor_sets.push_back(std::string(ApiDescriptorSet()));
  }
  if (options.max_request_bytes == 0) {
    options.max_request_bytes = kDefaultMaxRequestBytes;
  }
  std::unique_ptr<Gateway> gw(new Gateway());
  auto routes = RouteTable::Build(options.descriptor_sets);
  if (!routes.ok()) return routes.status();
  gw->routes_ = *std::move(routes);
  OpenApiOptions openapi;
  openapi.title = options.title;
  openapi.version = options.version;
  openapi.authenticated_services = options.authenticated_services;
  gw->openapi_ = BuildOpenApiJson(*gw->routes_, openapi);
  // CORS: every method served (static files and /openapi.json are GET and
  // HEAD) and the request headers the gateway reads.
  std::vector<std::string> methods = gw->routes_->Methods();
  methods.insert(methods.end(), {"GET", "HEAD"});
  std::vector<std::string> request_headers = options.forwarded_headers;
  request_headers.insert(
      request_headers.end(),
      {"accept", "content-type", "grpc-timeout", "grpc-metadata-*"});
  gw->cors_ = std::make_unique<CorsPolicy>(options.cors, std::move(methods),
                                           std::move(request_headers));
  gw->stub_ = std::make_unique<grpc::GenericStub>(options.channel);
  gw->options_ = std::move(options);

  // host:port, host possibly "[v6]".
  const std::string& address = gw->options_.address;
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("http_address '", address,
                     "': expected host:port, e.g. 127.0.0.1:8080"));
  }
  std::string host = address.substr(0, colon);
  std::string port = address.substr(colon + 1);
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (int rc = getaddrinfo(host.empty() ? nullptr : host.c_str(), port.c_str(),
                           &hints, &found);
      rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("http_address '", address, "': ", gai_strerror(rc)));
  }
  bool v6 = found->ai_family == AF_INET6;
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD |
                       MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL |
                       MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
  gw->daemon_ = MHD_start_daemon(
      flags, 0, nullptr, nullptr, &Access, gw.get(), MHD_OPTION_SOCK_ADDR,
      found->ai_addr, MHD_OPTION_URI_LOG_CALLBACK, &UriLog, gw.get(),
      MHD_OPTION_NOTIFY_COMPLETED, &Completed, gw.get(),
      MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
      MHD_OPTION_END);
  freeaddrinfo(found);
  if (gw->daemon_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("gateway: cannot listen on ", address));
  }
  const MHD_DaemonInfo* info =
      MHD_get_daemon_info(gw->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  gw->port_ = info ? info->port : 0;
  gw->address_ =
      absl::StrCat(v6 ? absl::StrCat("[", host, "]") : host, ":", gw->port_);
  return gw;
}

Gateway::~Gateway() {
  if (daemon_ != nullptr) MHD_stop_daemon(daemon_);
}

int Gateway::Handle(void* connection, Request* request, const char* method,
                    const char* upload_data, size_t* upload_data_size) {
  auto* c = static_cast<MHD_Connection*>(connection);
  if (request == nullptr) return MHD_NO;
  // CORS (cors.h): decided once per request from its headers; they go on
  // every response, and a preflight is answered below once it is read.
  ResponseHeadersScope cors_scope(&request->cors_headers);
  if (!request->started) {
    request->started = true;
    CorsPolicy::Decision cors = cors_->Decide(
        method, Header(c, "Origin"), Header(c, "Access-Control-Request-Method"),
        Header(c, "Access-Control-Request-Headers"));
    request->cors_headers = std::move(cors.headers);
    if (cors.preflight) request->preflight_status = cors.status;
    uint64_t length = 0;
    std::string cl = Header(c, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (!cl.empty() && absl::SimpleAtoi(cl, &length) &&
        length > options_.max_request_bytes) {
      // Answered before reading the body; libmicrohttpd then closes the
      // connection instead of reading the rest.
      request->too_large = true;
      return SendError(c, MHD_HTTP_PAYLOAD_TOO_LARGE, 8,
                       absl::StrCat("request body of ", length,
                                    " bytes exceeds the limit of ",
                                    options_.max_request_bytes, " bytes"));
    }
    return MHD_YES;
  }
  if (*upload_data_size > 0) {
    if (request->body.size() + *upload_data_size > options_.max_request_bytes) {
      request->too_large = true;  // chunked body: keep reading, answer 413
    } else if (!request->too_large) {
      request->body.append(upload_data, *upload_data_size);
    }
    *upload_data_size = 0;
    return MHD_YES;
  }
  if (request->too_large) {
    return SendError(c, MHD_HTTP_PAYLOAD_TOO_LARGE, 8,
                     absl::StrCat("request body exceeds the limit of ",
                                  options_.max_request_bytes, " bytes"));
  }
  // Answered once the request is read, so the connection stays open.
  if (request->preflight_status != 0) {
    return Send(c, request->preflight_status, "", "");
  }
  return Dispatch(c, request, method);
}

int Gateway::Dispatch(void* connection, Request* request,
                      const std::string& method) {
  auto* c = static_cast<MHD_Connection*>(connection);
  absl::string_view uri = request->raw_uri;
  absl::string_view path = uri, query;
  if (size_t q = uri.find('?'); q != absl::string_view::npos) {
    path = uri.substr(0, q);
    query = uri.substr(q + 1);
  }
  if (size_t h = path.find('#'); h != absl::string_view::npos) {
    path = path.substr(0, h);
  }
  // HEAD as GET: libmicrohttpd sends the headers and leaves out the body.
  const bool get = method == "GET" || method == "HEAD";
  if (get && path == "/openapi.json") {
    return Send(c, 200, "application/json", openapi_);
  }
  if (get && !options_.web_root.empty() &&
      (path == "/" || absl::StartsWith(path, "/web/"))) {
    return ServeStatic(
        c, path == "/" ? "index.html" : std::string(path.substr(5)));
  }
  std::vector<std::string> allowed;
  auto match = routes_->Find(method, path, &allowed);
  if (absl::IsNotFound(match.status())) {
    return SendError(c, 404, 5, match.status().message());
  }
  if (!match.ok()) {
    return SendError(c, 405, 12, match.status().message(),
                     {{"Allow", absl::StrJoin(allowed, ", ")}});
  }
  const Route& route = *match->route;

  std::vector<std::pair<std::string, std::string>> params;
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    size_t eq = part.find('=');
    absl::string_view key = part.substr(0, eq);
    absl::string_view value =
        eq == absl::string_view::npos ? "" : part.substr(eq + 1);
    params.emplace_back(PercentDecode(key, true), PercentDecode(value, true));
  }
  auto message = routes_->NewMessage(route.method->input_type());
  if (absl::Status st =
          BuildRequest(route, match->bindings, params, request->body,
                       message.get(), options_.binding);
      !st.ok()) {
    return SendError(c, 400, 3, st.message());
  }

  auto context = std::make_unique<grpc::ClientContext>();
  std::vector<std::pair<std::string, std::string>> headers;
  MHD_get_connection_values(c, MHD_HEADER_KIND, &CollectHeader, &headers);
  for (const auto& [key, value] : headers) {
    if (absl::StartsWith(key, "grpc-metadata-")) {
      context->AddMetadata(key.substr(14), value);
    } else if (key == "grpc-timeout") {
      std::chrono::nanoseconds timeout;
      if (!ParseGrpcTimeout(value, &timeout)) {
        return SendError(c, 400, 3,
                         absl::StrCat("header grpc-timeout: invalid value '",
                                      value, "', expected e.g. 5S, 250m, 1M"));
      }
      context->set_deadline(std::chrono::system_clock::now() + timeout);
    } else {
      for (const std::string& allowed_header : options_.forwarded_headers) {
        if (key == allowed_header) context->AddMetadata(key, value);
      }
    }
  }
  if (route.method->server_streaming()) {
    bool sse = absl::StrContains(Header(c, MHD_HTTP_HEADER_ACCEPT),
                                 "text/event-stream");
    return CallStreaming(c, route, *message, std::move(context), sse,
                         /*head=*/method == "HEAD");
  }
  return CallUnary(c, route, *message, context.get());
}

int Gateway::CallUnary(void* connection, const Route& route,
                       const Message& request, grpc::ClientContext* context) {
  auto* c = static_cast<MHD_Connection*>(connection);
  grpc::ByteBuffer request_buffer = Serialize(request);
  grpc::ByteBuffer response_buffer;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub_->UnaryCall(context, route.grpc_path, grpc::StubOptions(),
                   &request_buffer, &response_buffer, [&](grpc::Status s) {
                     std::lock_guard<std::mutex> lock(mu);
                     status = std::move(s);
                     done = true;
                     cv.notify_one();
                   });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done; });
  }
  if (!status.ok()) return SendStatus(c, status);
  absl::StatusOr<std::string> json =
      ResponseBytesToJson(*routes_, route, response_buffer);
  if (!json.ok()) return SendError(c, 500, 13, json.status().message());
  return Send(c, 200, "application/json", *json);
}

int Gateway::CallStreaming(void* connection, const Route& route,
                           const Message& request,
                           std::unique_ptr<grpc::ClientContext> context,
                           bool sse, bool head) {
  auto* c = static_cast<MHD_Connection*>(connection);
  auto stream = std::make_unique<Stream>();
  stream->context = std::move(context);
  stream->routes = routes_.get();
  stream->route = &route;
  stream->sse = sse;
  const MHD_ConnectionInfo* info =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  stream->fd = info ? info->connect_fd : -1;
  stream->call =
      stub_->PrepareCall(stream->context.get(), route.grpc_path, &stream->cq);
  // Start, send the one request and half-close, then wait for the first
  // message, so an immediate error (bad argument, unknown board) gets its
  // own HTTP status instead of a 200 with an error line.
  stream->call->StartCall(stream.get());
  bool ok = stream->Wait();
  grpc::ByteBuffer request_buffer = Serialize(request);
  if (ok) {
    stream->call->Write(request_buffer, stream.get());
    ok = stream->Wait();
  }
  if (ok) {
    stream->call->WritesDone(stream.get());
    ok = stream->Wait();
  }
  if (ok) {
    stream->call->Read(&stream->buffer, stream.get());
    ok = stream->Wait();
  }
  if (!ok) {
    grpc::Status status = stream->Finish();
    if (!status.ok()) return SendStatus(c, status);
    stream->ended = true;
  } else {
    stream->pending = stream->ResultFrame();
  }
  const char* type = sse ? "text/event-stream" : "application/x-ndjson";
  if (head) {
    // HEAD: the stream's status and headers once it started, no body; the
    // RPC is cancelled with `stream`. (libmicrohttpd 0.9.75 would still send
    // a chunked terminator after a HEAD answered from a callback.)
    return Send(c, 200, type, "",
                {{MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache"}});
  }
  MHD_Response* response = MHD_create_response_from_callback(
      MHD_SIZE_UNKNOWN, size_t{16} * 1024, &StreamReader, stream.release(),
      &StreamFree);
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, type);
  MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
  MHD_add_response_header(response, "X-Accel-Buffering", "no");
  AddRequestResponseHeaders(response);
  MHD_Result ret = MHD_queue_response(c, 200, response);
  MHD_destroy_response(response);
  return ret;
}

int Gateway::ServeStatic(void* connection, const std::string& raw) {
  auto* c = static_cast<MHD_Connection*>(connection);
  std::string rel = PercentDecode(raw, false);
  for (absl::string_view part : absl::StrSplit(rel, '/')) {
    if (part.empty() || part == "." || part == ".." ||
        absl::StrContains(part, '\\') || absl::StrContains(part, '\0')) {
      return SendError(c, 404, 5, absl::StrCat("no file /web/", raw));
    }
  }
  // Resolve symlinks too: the file must stay inside web_root.
  char* root_real = realpath(options_.web_root.c_str(), nullptr);
  char* file_real =
      realpath(absl::StrCat(options_.web_root, "/", rel).c_str(), nullptr);
  bool inside = root_real != nullptr && file_real != nullptr &&
                absl::StartsWith(file_real, absl::StrCat(root_real, "/"));
  std::string file = file_real ? file_real : "";
  free(root_real);
  free(file_real);
  std::ifstream in(file, std::ios::binary);
  std::stringstream contents;
  if (!inside || !in || !(contents << in.rdbuf())) {
    return SendError(c, 404, 5, absl::StrCat("no file ", raw));
  }
  return Send(c, 200, ContentType(file), contents.str(),
              {{"Cache-Control", "no-cache"}});
}

}  // namespace gateway
}  // namespace statstracker
