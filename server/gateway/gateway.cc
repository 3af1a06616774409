#include "server/gateway/gateway.h"

#include <stdlib.h>

#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/field_error.h"
#include "common/wire_check.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/byte_buffer.h"
#include "server/callback_threads.h"
#include "server/error_status.h"
#include "server/gateway/api_descriptor_set.h"
#include "server/gateway/json_errors.h"
#include "server/gateway/openapi.h"
#include "server/gateway/request_target.h"

namespace statstracker {
namespace gateway {

std::string_view ApiDescriptorSet() { return embedded::ApiDescriptorSet(); }

// The gRPC calls in flight: ~Gateway cancels them and waits until each has
// finished, so no completion runs into a destroyed gateway.
class Gateway::Calls {
 public:
  void Add(const std::shared_ptr<grpc::ClientContext>& context) {
    std::lock_guard<std::mutex> lock(mu_);
    contexts_.insert(context.get());
  }
  void Remove(grpc::ClientContext* context) {
    std::lock_guard<std::mutex> lock(mu_);
    contexts_.erase(context);
    if (contexts_.empty() && direct_ == 0) cv_.notify_all();
  }
  // Direct calls (GatewayOptions::direct_unary) cannot be cancelled; they
  // are short and only counted.
  void AddDirect() {
    std::lock_guard<std::mutex> lock(mu_);
    ++direct_;
  }
  void RemoveDirect() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--direct_ == 0 && contexts_.empty()) cv_.notify_all();
  }
  void CancelAllAndWait() {
    std::unique_lock<std::mutex> lock(mu_);
    for (grpc::ClientContext* c : contexts_) c->TryCancel();
    cv_.wait_for(lock, std::chrono::seconds(10),
                 [this] { return contexts_.empty() && direct_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  absl::flat_hash_set<grpc::ClientContext*> contexts_;
  int direct_ = 0;
};

namespace {

using google::protobuf::Message;

constexpr size_t kDefaultMaxRequestBytes = 1 << 20;

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
absl::StatusOr<std::string> ResponseProtoToJson(const RouteTable& routes,
                                                const Route& route,
                                                const std::string& bytes) {
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

absl::StatusOr<std::string> ResponseBytesToJson(
    const RouteTable& routes, const Route& route,
    const grpc::ByteBuffer& buffer) {
  return ResponseProtoToJson(routes, route, Bytes(buffer));
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

// The request's CORS headers (cors.h) on whatever answer it gets: results,
// errors and streams alike.
class CorsExchange final : public HttpExchange {
 public:
  CorsExchange(std::shared_ptr<HttpExchange> inner, HeaderList headers)
      : inner_(std::move(inner)), headers_(std::move(headers)) {}
  void Respond(HttpResponse response) override {
    Add(&response.headers);
    inner_->Respond(std::move(response));
  }
  void StartStream(int status, std::string content_type,
                   HttpHeaders headers) override {
    Add(&headers);
    inner_->StartStream(status, std::move(content_type), std::move(headers));
  }
  void Write(std::string chunk, std::function<void(bool)> done) override {
    inner_->Write(std::move(chunk), std::move(done));
  }
  void End() override { inner_->End(); }
  void OnClientGone(std::function<void()> callback) override {
    inner_->OnClientGone(std::move(callback));
  }

 private:
  void Add(HttpHeaders* headers) const {
    headers->insert(headers->end(), headers_.begin(), headers_.end());
  }
  std::shared_ptr<HttpExchange> inner_;
  HeaderList headers_;
};

// HEAD of a streaming route: the stream's start becomes a whole bodiless
// answer and the first write reports the client gone, which cancels the
// call.
class HeadOfStreamExchange final : public HttpExchange {
 public:
  explicit HeadOfStreamExchange(std::shared_ptr<HttpExchange> inner)
      : inner_(std::move(inner)) {}
  void Respond(HttpResponse response) override {
    inner_->Respond(std::move(response));
  }
  void StartStream(int status, std::string content_type,
                   HttpHeaders headers) override {
    HttpResponse response;
    response.status = status;
    response.content_type = std::move(content_type);
    response.headers = std::move(headers);
    inner_->Respond(std::move(response));
  }
  void Write(std::string, std::function<void(bool)> done) override {
    done(false);
  }
  void End() override {}
  void OnClientGone(std::function<void()> callback) override {
    inner_->OnClientGone(std::move(callback));
  }

 private:
  std::shared_ptr<HttpExchange> inner_;
};

// A JSON response with the API's security headers.
HttpResponse JsonResponse(std::string body) {
  HttpResponse response;
  response.content_type = "application/json";
  response.headers = ApiSecurityHeaders();
  response.body = std::move(body);
  return response;
}

std::string StreamFrame(bool sse, absl::string_view object) {
  return sse ? absl::StrCat("data: ", object, "\n\n")
             : absl::StrCat(object, "\n");
}

// A server-streaming call (WatchLeaderboard) feeding a chunked HTTP response:
// one frame per message, the next message read only once the previous frame
// is written; an error before the first message gets its own HTTP status,
// one after it an {"error": ...} frame. Deletes itself when done.
class StreamCall final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  StreamCall(const RouteTable* routes, const Route* route, bool sse,
             std::shared_ptr<grpc::ClientContext> context,
             std::shared_ptr<HttpExchange> exchange,
             std::shared_ptr<Gateway::Calls> calls,
             const grpc::ByteBuffer& request)
      : routes_(routes),
        route_(route),
        sse_(sse),
        context_(std::move(context)),
        exchange_(std::move(exchange)),
        calls_(std::move(calls)),
        request_(request) {}

  void Start(grpc::GenericStub* stub) {
    stub->PrepareBidiStreamingCall(context_.get(), route_->grpc_path,
                                   grpc::StubOptions(), this);
    StartWrite(&request_);
    StartWritesDone();
    StartRead(&buffer_);
    StartCall();
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the status follows in OnDone
    std::string frame = StreamFrame(sse_, ResultObject());
    if (!started_) StartHttpStream();
    // Hold the call open until the frame is written: then read the next.
    AddHold();
    exchange_->Write(std::move(frame), [this](bool written) {
      if (written) {
        StartRead(&buffer_);
      } else {
        context_->TryCancel();  // the client is gone
      }
      RemoveHold();
    });
  }

  void OnDone(const grpc::Status& status) override {
    if (!started_) {
      if (!status.ok()) {
        exchange_->Respond(GrpcStatusResponse(status));
      } else {
        StartHttpStream();
        exchange_->End();
      }
    } else {
      if (!status.ok()) {
        exchange_->Write(
            StreamFrame(
                sse_, absl::StrCat("{\"error\":", GrpcStatusJson(status), "}")),
            [](bool) {});
      }
      exchange_->End();
    }
    calls_->Remove(context_.get());
    delete this;
  }

 private:
  void StartHttpStream() {
    started_ = true;
    HttpHeaders headers = ApiSecurityHeaders();
    headers.emplace_back("Cache-Control", "no-cache");
    headers.emplace_back("X-Accel-Buffering", "no");
    exchange_->StartStream(200,
                           sse_ ? "text/event-stream" : "application/x-ndjson",
                           std::move(headers));
  }

  // The buffered message as {"result": ...} (or an error object).
  std::string ResultObject() {
    absl::StatusOr<std::string> json =
        ResponseBytesToJson(*routes_, *route_, buffer_);
    if (!json.ok()) {
      return absl::StrCat(
          "{\"error\":", StatusJson(13, "cannot encode the response"), "}");
    }
    return absl::StrCat("{\"result\":", *json, "}");
  }

  const RouteTable* routes_;
  const Route* route_;
  const bool sse_;
  std::shared_ptr<grpc::ClientContext> context_;
  std::shared_ptr<HttpExchange> exchange_;
  std::shared_ptr<Gateway::Calls> calls_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer buffer_;
  bool started_ = false;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Start(
    GatewayOptions options) {
  if (options.channel == nullptr) {
    return absl::InvalidArgumentError("gateway: no gRPC channel given");
  }
  server::PinGrpcCallbackThreads();
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
  gw->calls_ = std::make_shared<Calls>();
  gw->options_ = std::move(options);

  HttpFrontOptions http = gw->options_.http;
  http.address = gw->options_.address;
  http.max_body_bytes = gw->options_.max_request_bytes;
  Gateway* raw = gw.get();
  auto front = HttpFront::Start(
      http,
      [raw](const HttpRequest& request,
            std::shared_ptr<HttpExchange> exchange) {
        raw->Handle(request, std::move(exchange));
      },
      [](int http_status, int code, absl::string_view message) {
        return ErrorResponse(http_status, code, message);
      });
  if (!front.ok()) return front.status();
  gw->front_ = *std::move(front);
  gw->port_ = gw->front_->port();
  const std::string& address = gw->options_.address;
  gw->address_ =
      absl::StrCat(address.substr(0, address.rfind(':')), ":", gw->port_);
  return gw;
}

Gateway::~Gateway() {
  // No new requests, connections closed (late answers are dropped), then
  // the calls still running are cancelled and awaited.
  front_.reset();
  if (calls_ != nullptr) calls_->CancelAllAndWait();
}

void Gateway::Handle(const HttpRequest& request,
                     std::shared_ptr<HttpExchange> exchange) {
  RequestTarget target = ParseRequestTarget(request.target);
  const std::string& path = target.path;
  const std::string& method = request.method;
  // CORS (cors.h): a preflight is answered here; otherwise the decision's
  // headers go on every answer to this request.
  CorsPolicy::Decision cors =
      cors_->Decide(method, request.Header("origin"),
                    request.Header("access-control-request-method"),
                    request.Header("access-control-request-headers"));
  if (cors.preflight) {
    HttpResponse response;
    response.status = cors.status;
    response.content_type.clear();
    response.headers = std::move(cors.headers);
    exchange->Respond(std::move(response));
    return;
  }
  if (!cors.headers.empty()) {
    exchange = std::make_shared<CorsExchange>(std::move(exchange),
                                              std::move(cors.headers));
  }
  // HEAD as GET: the front leaves the body out.
  const bool get = method == "GET" || method == "HEAD";
  if (get && path == "/openapi.json") {
    exchange->Respond(JsonResponse(openapi_));
    return;
  }
  if (get && !options_.web_root.empty() &&
      (path == "/" || absl::StartsWith(path, "/web/"))) {
    ServeStatic(path == "/" ? "index.html" : path.substr(5), exchange.get());
    return;
  }
  std::vector<std::string> allowed;
  auto match = routes_->Find(method, path, &allowed);
  if (absl::IsNotFound(match.status())) {
    exchange->Respond(
        ErrorResponse(404, 5,
                      absl::StrCat("no route for ", ShownValue(method, 16), " ",
                                   ShownValue(path, 128))));
    return;
  }
  if (!match.ok()) {
    HttpResponse response = ErrorResponse(
        405, 12,
        absl::StrCat("method ", ShownValue(method, 16), " not allowed for ",
                     ShownValue(path, 128),
                     "; allowed: ", absl::StrJoin(allowed, ", ")));
    response.headers.emplace_back("Allow", absl::StrJoin(allowed, ", "));
    exchange->Respond(std::move(response));
    return;
  }
  const Route& route = *match->route;

  auto message = routes_->NewMessage(route.method->input_type());
  absl::Status built =
      BuildRequest(route, match->bindings, target.query, request.body,
                   message.get(), options_.binding);
  // Path, query and JSON strings are bytes until here: a value that is not
  // UTF-8 (%ff) is the client's mistake, named before it reaches gRPC.
  if (built.ok()) built = CheckUtf8Strings(*message);
  if (!built.ok()) {
    exchange->Respond(LocalErrorResponse(built));
    return;
  }

  const DirectUnary* direct =
      route.method->server_streaming() || !options_.direct_unary
          ? nullptr
          : options_.direct_unary(route.grpc_path);
  server::CallInfo call;
  auto context = std::make_shared<grpc::ClientContext>();
  for (const auto& [key, value] : request.headers) {
    if (key == "authorization" || key == "grpc-metadata-authorization") {
      call.authorization = value;
    }
    if (absl::StartsWith(key, "grpc-metadata-")) {
      context->AddMetadata(key.substr(14), value);
    } else if (key == "grpc-timeout") {
      std::chrono::nanoseconds timeout;
      if (!ParseGrpcTimeout(value, &timeout)) {
        exchange->Respond(LocalErrorResponse(FieldError(
            "grpc-timeout",
            absl::StrCat("header grpc-timeout: invalid value '",
                         ShownValue(value), "', expected e.g. 5S, 250m, 1M"))));
        return;
      }
      context->set_deadline(std::chrono::system_clock::now() + timeout);
      call.deadline = absl::Now() + absl::FromChrono(timeout);
    } else {
      for (const std::string& allowed_header : options_.forwarded_headers) {
        if (key == allowed_header) context->AddMetadata(key, value);
      }
    }
  }
  if (route.method->server_streaming()) {
    bool sse = absl::StrContains(request.Header("accept"), "text/event-stream");
    if (method == "HEAD") {
      // The stream's status and headers once it starts (or its error), no
      // body; the call ends at its first message.
      exchange = std::make_shared<HeadOfStreamExchange>(std::move(exchange));
    }
    CallStreaming(route, *message, std::move(context), sse,
                  std::move(exchange));
    return;
  }
  if (direct != nullptr) {
    CallDirect(route, *direct, *message, call, exchange);
    return;
  }
  CallUnary(route, *message, std::move(context), exchange);
}

void Gateway::CallDirect(const Route& route, const DirectUnary& method,
                         const Message& request, const server::CallInfo& call,
                         const std::shared_ptr<HttpExchange>& exchange) {
  calls_->AddDirect();
  // The method records the call in the server's RPC metrics.
  method(call, request.SerializeAsString(),
         [this, exchange, &route](absl::StatusOr<server::Answer> answer) {
           if (!answer.ok()) {
             exchange->Respond(
                 GrpcStatusResponse(server::ToGrpcStatus(answer.status())));
           } else {
             // Rendered once per answer: a cached answer keeps its JSON.
             auto json = (*answer)->Json(
                 route.response_body, [this, &route](const std::string& bytes) {
                   return ResponseProtoToJson(*routes_, route, bytes);
                 });
             exchange->Respond(
                 json.ok()
                     ? JsonResponse(**json)
                     : ErrorResponse(500, 13, "cannot encode the response"));
           }
           calls_->RemoveDirect();
         });
}

void Gateway::CallUnary(const Route& route, const Message& request,
                        std::shared_ptr<grpc::ClientContext> context,
                        const std::shared_ptr<HttpExchange>& exchange) {
  struct Call {
    std::shared_ptr<grpc::ClientContext> context;
    grpc::ByteBuffer request;
    grpc::ByteBuffer response;
  };
  auto call = std::make_shared<Call>();
  call->context = std::move(context);
  call->request = Serialize(request);
  calls_->Add(call->context);
  // A client that leaves cancels the call.
  exchange->OnClientGone(
      [weak = std::weak_ptr<grpc::ClientContext>(call->context)] {
        if (auto c = weak.lock()) c->TryCancel();
      });
  stub_->UnaryCall(
      call->context.get(), route.grpc_path, grpc::StubOptions(), &call->request,
      &call->response,
      [call, exchange, &route, routes = routes_.get(),
       calls = calls_](const grpc::Status& status) {
        if (!status.ok()) {
          exchange->Respond(GrpcStatusResponse(status));
        } else {
          absl::StatusOr<std::string> json =
              ResponseBytesToJson(*routes, route, call->response);
          exchange->Respond(
              json.ok() ? JsonResponse(*std::move(json))
                        : ErrorResponse(500, 13, "cannot encode the response"));
        }
        calls->Remove(call->context.get());
      });
}

void Gateway::CallStreaming(const Route& route, const Message& request,
                            std::shared_ptr<grpc::ClientContext> context,
                            bool sse, std::shared_ptr<HttpExchange> exchange) {
  calls_->Add(context);
  exchange->OnClientGone([weak = std::weak_ptr<grpc::ClientContext>(context)] {
    if (auto c = weak.lock()) c->TryCancel();
  });
  auto* call = new StreamCall(routes_.get(), &route, sse, std::move(context),
                              std::move(exchange), calls_, Serialize(request));
  call->Start(stub_.get());
}

void Gateway::ServeStatic(const std::string& name, HttpExchange* exchange) {
  // Only the page's own files, by exact name: nothing else in the
  // directory (its BUILD file, backups) is served.
  bool listed = false;
  for (const std::string& file : options_.web_files) listed |= file == name;
  std::string contents;
  bool found = false;
  if (listed) {
    // The file must still resolve inside web_root (no symlink out of it).
    char* root_real = realpath(options_.web_root.c_str(), nullptr);
    char* file_real =
        realpath(absl::StrCat(options_.web_root, "/", name).c_str(), nullptr);
    const bool inside =
        root_real != nullptr && file_real != nullptr &&
        absl::StartsWith(file_real, absl::StrCat(root_real, "/"));
    const std::string file = file_real != nullptr ? file_real : "";
    free(root_real);
    free(file_real);
    std::ifstream in(file, std::ios::binary);
    std::stringstream read;
    found = inside && in && (read << in.rdbuf());
    contents = read.str();
  }
  if (!found) {
    exchange->Respond(ErrorResponse(
        404, 5, absl::StrCat("no file /web/", ShownValue(name, 128))));
    return;
  }
  HttpResponse response;
  response.content_type = ContentType(name);
  response.headers = PageSecurityHeaders();
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.body = std::move(contents);
  exchange->Respond(std::move(response));
}

}  // namespace gateway
}  // namespace statstracker
