#include "server/gateway/http_front.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "boost/asio.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "common/logging.h"

namespace statstracker {
namespace gateway {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// File descriptors kept for everything but HTTP connections (Redis, gRPC,
// logs, files).
constexpr size_t kReservedDescriptors = 256;
// Refusals being written at once; beyond it a refused socket is closed
// without an answer.
constexpr int kMaxLingeringRefusals = 256;
// How long a closing connection drains what the client still sends, so the
// answer is not lost to a reset.
constexpr auto kLinger = std::chrono::milliseconds(500);

std::chrono::steady_clock::duration ToChrono(absl::Duration d) {
  return absl::ToChronoNanoseconds(d);
}

const char* ReasonPhrase(int status) {
  return http::obsolete_reason(static_cast<http::status>(status)).data();
}

// A whole response as bytes, for answers written without a connection
// object (refusals at accept).
std::string RawResponse(const HttpResponse& response) {
  std::string out = absl::StrCat("HTTP/1.1 ", response.status, " ",
                                 ReasonPhrase(response.status),
                                 "\r\nContent-Type: ", response.content_type,
                                 "\r\nContent-Length: ", response.body.size(),
                                 "\r\nConnection: close\r\n");
  for (const auto& [k, v] : response.headers) {
    absl::StrAppend(&out, k, ": ", v, "\r\n");
  }
  absl::StrAppend(&out, "\r\n", response.body);
  return out;
}

class Connection;

// What the acceptor and every connection share; outlives both.
struct Shared {
  HttpFrontOptions options;
  HttpHandler handler;
  HttpErrorRenderer render;
  size_t max_connections = 0;

  // Held while an exchange posts to its connection, so the front cannot
  // stop meanwhile; a connection destroyed under it (the exchange held the
  // last reference) takes `mu` below, never this.
  std::mutex stop_mu;
  std::atomic<bool> stopped{false};  // written under stop_mu

  std::mutex mu;
  size_t open = 0;                                      // guarded by mu
  absl::flat_hash_map<std::string, size_t> per_client;  // guarded by mu
  absl::flat_hash_set<Connection*> connections;         // guarded by mu
  std::atomic<int> refusals{0};
};

// Calls `fn(false)` if it was never called: a write whose completion would
// otherwise be lost (connection closed, front stopped) still releases
// whatever the caller holds for it.
class Completion {
 public:
  explicit Completion(std::function<void(bool)> fn) : fn_(std::move(fn)) {}
  Completion(const Completion&) = delete;
  Completion& operator=(const Completion&) = delete;
  ~Completion() { Run(false); }
  void Run(bool ok) {
    if (fn_) {
      auto fn = std::move(fn_);
      fn_ = nullptr;
      fn(ok);
    }
  }

 private:
  std::function<void(bool)> fn_;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<Shared> shared,
             std::string client)
      : socket_(std::move(socket)),
        deadline_(socket_.get_executor()),
        shared_(std::move(shared)),
        client_(std::move(client)) {}

  ~Connection() {
    std::lock_guard<std::mutex> lock(shared_->mu);
    shared_->connections.erase(this);
    --shared_->open;
    auto it = shared_->per_client.find(client_);
    if (it != shared_->per_client.end() && --it->second == 0) {
      shared_->per_client.erase(it);
    }
  }

  void Start() { ReadRequest(/*first=*/true); }

  // From the exchange, already on this connection's I/O thread. `id` is the
  // exchange's; calls from a finished exchange are ignored.
  void Respond(uint64_t id, HttpResponse response);
  void StartStream(uint64_t id, int status, const std::string& content_type,
                   const HttpHeaders& headers);
  void Write(uint64_t id, std::string chunk, std::shared_ptr<Completion> done);
  void End(uint64_t id);
  void OnClientGone(uint64_t id, std::function<void()> callback);

  // Closes the socket; pending work completes with errors.
  void Close();

  net::any_io_executor Executor() { return socket_.get_executor(); }
  // True on the thread running this connection's handlers (its I/O
  // thread's io_context).
  bool OnOwnThread() {
    // get_executor() returns a copy: target() points into it, so keep it.
    const net::any_io_executor executor = socket_.get_executor();
    const auto* context = executor.target<net::io_context::executor_type>();
    return context != nullptr && context->running_in_this_thread();
  }

  // Ends the self-reference a pending exchange keeps (front shutdown).
  void Release() { self_.reset(); }

 private:
  enum class Phase { kRequest, kBody, kWrite };

  void ReadRequest(bool first);
  void OnHeader(error_code ec);
  void ReadBody();
  void OnBody(error_code ec);
  void Dispatch();
  void WatchForClose();
  void FinishExchange();
  void ReadError(error_code ec);
  // Answers an error the front found itself and closes.
  void Refuse(int http_status, int grpc_code, const std::string& message);
  void WriteWhole(const std::shared_ptr<http::response<http::string_body>>& res,
                  bool last);
  void Pump();
  // The phase's deadline is `d` from now; ClearDeadline ends it.
  void ArmDeadline(absl::Duration d, Phase phase);
  void ClearDeadline() { deadline_active_ = false; }
  void WaitUntil(std::chrono::steady_clock::time_point at);
  void OnDeadline(Phase phase);
  void LingerAndClose();
  void ClientGone();
  bool Current(uint64_t id) const { return handling_ && id == exchange_id_; }

  tcp::socket socket_;
  // Deadlines are kept lazily: one timer wait per connection, re-armed only
  // when a new deadline is earlier than the time it waits for; a wait that
  // ends before the current deadline waits again for it. A request arms a
  // deadline three times (read, write, next read); arming and cancelling
  // the timer each time took a lock on the reactor's timer queue and woke a
  // cancelled handler.
  net::steady_timer deadline_;
  std::chrono::steady_clock::time_point deadline_at_;
  Phase deadline_phase_ = Phase::kRequest;
  bool deadline_active_ = false;
  bool waiting_ = false;  // a timer wait is pending, until wait_until_
  std::chrono::steady_clock::time_point wait_until_;
  uint64_t wait_generation_ = 0;  // tells a superseded wait from the current
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Shared> shared_;
  std::string client_;

  bool closed_ = false;
  bool keep_alive_ = false;
  bool head_ = false;
  bool handling_ = false;  // a request is with the handler
  uint64_t exchange_id_ = 0;
  // Keeps this alive while the handler holds only a weak reference.
  std::shared_ptr<Connection> self_;
  std::function<void()> on_gone_;
  bool refused_ = false;  // an error answer is being written
  // A read that notices the client leaving while the handler works (and
  // collects pipelined bytes); what to do once it is cancelled.
  bool watching_ = false;
  // The handler has answered this exchange with a whole response (a stream
  // keeps the watch: it is how a departed client ends it).
  bool answered_ = false;
  enum class AfterWatch { kNothing, kReadNext, kLingerAndClose };
  AfterWatch after_watch_ = AfterWatch::kNothing;

  // Streaming.
  bool streaming_ = false;
  bool head_sent_ = false;
  bool writing_ = false;
  bool end_requested_ = false;
  std::deque<
      std::pair<std::shared_ptr<std::string>, std::shared_ptr<Completion>>>
      queue_;
};

class Exchange : public HttpExchange {
 public:
  Exchange(std::weak_ptr<Connection> connection, std::shared_ptr<Shared> shared,
           uint64_t id)
      : connection_(std::move(connection)),
        shared_(std::move(shared)),
        id_(id) {}

  void Respond(HttpResponse response) override {
    Post([id = id_, r = std::move(response)](
             Connection* c) mutable { c->Respond(id, std::move(r)); },
         /*inline_on_own_thread=*/true);
  }
  void StartStream(int status, std::string content_type,
                   HttpHeaders headers) override {
    Post([id = id_, status, t = std::move(content_type),
          h = std::move(headers)](Connection* c) mutable {
      c->StartStream(id, status, t, h);
    });
  }
  void Write(std::string chunk, std::function<void(bool)> done) override {
    auto completion = std::make_shared<Completion>(std::move(done));
    Post(
        [id = id_, data = std::move(chunk), completion](Connection* c) mutable {
          c->Write(id, std::move(data), completion);
        });
    // If it was not posted, `completion` runs done(false) when the last
    // reference (this one) goes.
  }
  void End() override {
    Post([id = id_](Connection* c) { c->End(id); });
  }
  void OnClientGone(std::function<void()> callback) override {
    auto shared_callback =
        std::make_shared<std::function<void()>>(std::move(callback));
    if (!Post([id = id_, shared_callback](Connection* c) {
          c->OnClientGone(id, std::move(*shared_callback));
        })) {
      (*shared_callback)();  // already gone
    }
  }

 private:
  // Runs `fn` on the connection's I/O thread; false if the connection or the
  // front is gone. The lock keeps the front from stopping meanwhile, and
  // the connection reference is dropped inside it. With `inline_on_own_thread`,
  // a call made on that thread (an answer given while the handler is
  // called, e.g. from the answer cache) runs `fn` at once instead of
  // queueing it; only for work that calls back into no user code.
  template <typename Fn>
  bool Post(Fn fn, bool inline_on_own_thread = false) {
    std::shared_ptr<Connection> c;
    {
      std::lock_guard<std::mutex> lock(shared_->stop_mu);
      if (shared_->stopped) return false;
      c = connection_.lock();
      if (c == nullptr) return false;
      if (!inline_on_own_thread || !c->OnOwnThread()) {
        net::post(c->Executor(),
                  [c, fn = std::move(fn)]() mutable { fn(c.get()); });
        c.reset();  // dropped inside the lock, as said above
        return true;
      }
    }
    // On the connection's I/O thread, which the front joins before it
    // finishes stopping, so the lock is not needed to keep it running.
    fn(c.get());
    return true;
  }

  std::weak_ptr<Connection> connection_;
  std::shared_ptr<Shared> shared_;
  uint64_t id_;
};

void Connection::ArmDeadline(absl::Duration d, Phase phase) {
  deadline_at_ = std::chrono::steady_clock::now() + ToChrono(d);
  deadline_phase_ = phase;
  deadline_active_ = true;
  if (!waiting_ || deadline_at_ < wait_until_) WaitUntil(deadline_at_);
}

void Connection::WaitUntil(std::chrono::steady_clock::time_point at) {
  const uint64_t generation = ++wait_generation_;
  waiting_ = true;
  wait_until_ = at;
  deadline_.expires_at(at);  // ends an earlier wait, as operation_aborted
  deadline_.async_wait([self = shared_from_this(), generation](error_code ec) {
    if (generation != self->wait_generation_) return;  // superseded
    self->waiting_ = false;
    if (ec || self->closed_ || !self->deadline_active_) return;
    if (std::chrono::steady_clock::now() < self->deadline_at_) {
      self->WaitUntil(self->deadline_at_);  // moved later meanwhile
      return;
    }
    self->deadline_active_ = false;
    self->OnDeadline(self->deadline_phase_);
  });
}

void Connection::OnDeadline(Phase phase) {
  if (closed_) return;
  if (phase == Phase::kWrite) {
    Close();  // a client that does not read its answer
    return;
  }
  const bool got_some =
      buffer_.size() > 0 || (parser_.has_value() && parser_->got_some());
  if (!got_some && phase == Phase::kRequest) {
    Close();  // nothing came: an idle connection ends quietly
    return;
  }
  // Part of a request came: say why the connection ends.
  error_code ignored;
  socket_.cancel(ignored);
  Refuse(408, 4,
         phase == Phase::kRequest
             ? "the request line and headers did not arrive in time"
             : "the request body did not arrive in time");
}

void Connection::ReadRequest(bool first) {
  if (closed_) return;
  parser_.emplace();
  parser_->header_limit(
      static_cast<uint32_t>(shared_->options.max_header_bytes));
  parser_->body_limit(shared_->options.max_body_bytes);
  ArmDeadline(
      first ? shared_->options.header_timeout : shared_->options.idle_timeout,
      Phase::kRequest);
  http::async_read_header(socket_, buffer_, *parser_,
                          [self = shared_from_this()](error_code ec, size_t) {
                            self->OnHeader(ec);
                          });
}

void Connection::OnHeader(error_code ec) {
  if (closed_ || refused_) return;
  if (ec) {
    ReadError(ec);
    return;
  }
  const auto& header = parser_->get();
  if (header.target().size() > shared_->options.max_target_bytes) {
    Refuse(414, 3,
           absl::StrCat("request target of ", header.target().size(),
                        " bytes exceeds the limit of ",
                        shared_->options.max_target_bytes, " bytes"));
    return;
  }
  if (parser_->is_done()) {
    ClearDeadline();
    Dispatch();
    return;
  }
  if (absl::EqualsIgnoreCase(std::string(header[http::field::expect]),
                             "100-continue")) {
    // curl waits for this before sending a large body.
    auto interim =
        std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
    ArmDeadline(shared_->options.write_timeout, Phase::kWrite);
    net::async_write(
        socket_, net::buffer(*interim),
        [self = shared_from_this(), interim](error_code ec, size_t) {
          if (self->closed_) return;
          if (ec) {
            self->Close();
            return;
          }
          self->ReadBody();
        });
    return;
  }
  ReadBody();
}

void Connection::ReadBody() {
  ArmDeadline(shared_->options.body_timeout, Phase::kBody);
  http::async_read(
      socket_, buffer_, *parser_,
      [self = shared_from_this()](error_code ec, size_t) { self->OnBody(ec); });
}

void Connection::OnBody(error_code ec) {
  if (closed_ || refused_) return;
  if (ec) {
    ReadError(ec);
    return;
  }
  ClearDeadline();
  Dispatch();
}

void Connection::ReadError(error_code ec) {
  if (ec == http::error::header_limit) {
    // The parser takes the request line as soon as it is complete; if it
    // has no target yet, the request line alone did not fit.
    if (parser_->get().target().empty()) {
      Refuse(414, 3,
             absl::StrCat("request line exceeds the limit of ",
                          shared_->options.max_header_bytes, " bytes"));
    } else {
      Refuse(431, 3,
             absl::StrCat("request headers exceed the limit of ",
                          shared_->options.max_header_bytes, " bytes"));
    }
    return;
  }
  if (ec == http::error::body_limit) {
    const auto& header = parser_->get();
    uint64_t length = 0;
    const std::string declared(header[http::field::content_length]);
    Refuse(413, 8,
           !declared.empty() && absl::SimpleAtoi(declared, &length)
               ? absl::StrCat("request body of ", length,
                              " bytes exceeds the limit of ",
                              shared_->options.max_body_bytes, " bytes")
               : absl::StrCat("request body exceeds the limit of ",
                              shared_->options.max_body_bytes, " bytes"));
    return;
  }
  if (ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == net::error::eof || ec == net::error::operation_aborted ||
      ec == net::error::connection_reset || ec == net::error::broken_pipe ||
      ec == net::error::bad_descriptor) {
    Close();  // the client left (or we closed)
    return;
  }
  std::string what = ec.message();
  if (ec == http::error::bad_content_length) {
    what = "bad Content-Length (expected one non-negative decimal number)";
  } else if (ec == http::error::bad_chunk ||
             ec == http::error::bad_chunk_extension) {
    what = "bad chunked encoding";
  }
  Refuse(400, 3, absl::StrCat("malformed HTTP request: ", what));
}

void Connection::Dispatch() {
  auto& message = parser_->get();
  HttpRequest request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(
        absl::AsciiStrToLower(std::string(field.name_string())),
        std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.client = client_;
  keep_alive_ = message.keep_alive();
  head_ = message.method() == http::verb::head;
  parser_.reset();

  handling_ = true;
  streaming_ = head_sent_ = writing_ = end_requested_ = false;
  queue_.clear();
  on_gone_ = nullptr;
  self_ = shared_from_this();
  auto exchange =
      std::make_shared<Exchange>(weak_from_this(), shared_, ++exchange_id_);
  answered_ = false;
  shared_->handler(std::move(request), std::move(exchange));
  // A handler that answered at once (e.g. from the answer cache) has its
  // answer on its way already (Exchange::Respond runs it inline on the
  // connection's thread), so it needs no watch: one read, one readiness wait
  // and one cancel fewer per request. Others get the watch that notices the
  // client leaving while they work.
  if (handling_ && !answered_ && !closed_) WatchForClose();
}

void Connection::WatchForClose() {
  if (watching_ || closed_ ||
      buffer_.size() >= shared_->options.max_header_bytes) {
    return;
  }
  watching_ = true;
  socket_.async_read_some(buffer_.prepare(4096),
                          [self = shared_from_this()](error_code ec, size_t n) {
                            self->watching_ = false;
                            if (self->closed_) return;
                            const AfterWatch after = self->after_watch_;
                            self->after_watch_ = AfterWatch::kNothing;
                            if (after != AfterWatch::kNothing) {
                              // The answer is out; bytes read meanwhile belong
                              // to the next request (pipelining).
                              if (!ec) self->buffer_.commit(n);
                              if (after == AfterWatch::kReadNext) {
                                self->ReadRequest(/*first=*/false);
                              } else {
                                self->LingerAndClose();
                              }
                              return;
                            }
                            if (ec) {
                              self->ClientGone();
                              return;
                            }
                            self->buffer_.commit(n);
                            if (self->handling_) self->WatchForClose();
                          });
}

void Connection::FinishExchange() {
  handling_ = false;
  streaming_ = false;
  on_gone_ = nullptr;
  self_.reset();
  if (watching_) {
    // The watch's handler continues once it is cancelled.
    after_watch_ =
        keep_alive_ ? AfterWatch::kReadNext : AfterWatch::kLingerAndClose;
    error_code ignored;
    socket_.cancel(ignored);
    return;
  }
  if (keep_alive_) {
    ReadRequest(/*first=*/false);
  } else {
    LingerAndClose();
  }
}

void Connection::Respond(uint64_t id, HttpResponse response) {
  if (closed_ || !Current(id) || streaming_) return;
  answered_ = true;
  auto res = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(response.status), 11);
  // No type for bodiless answers (a CORS preflight's 204).
  if (!response.content_type.empty()) {
    res->set(http::field::content_type, response.content_type);
  }
  for (auto& [k, v] : response.headers) res->insert(k, v);
  res->body() = std::move(response.body);
  res->keep_alive(keep_alive_);
  res->prepare_payload();
  WriteWhole(res, /*last=*/false);
}

void Connection::WriteWhole(
    const std::shared_ptr<http::response<http::string_body>>& res, bool last) {
  ArmDeadline(shared_->options.write_timeout, Phase::kWrite);
  auto on_written = [self = shared_from_this(), res, last](error_code ec,
                                                           size_t) {
    self->ClearDeadline();
    if (self->closed_) return;
    if (ec) {
      self->Close();
      return;
    }
    if (last) {
      self->LingerAndClose();
    } else {
      self->FinishExchange();
    }
  };
  if (head_) {
    // HEAD: the headers a GET would get, no body.
    auto sr =
        std::make_shared<http::response_serializer<http::string_body>>(*res);
    http::async_write_header(socket_, *sr,
                             [sr, on_written](error_code ec, size_t n) mutable {
                               on_written(ec, n);
                             });
    return;
  }
  http::async_write(socket_, *res, std::move(on_written));
}

void Connection::StartStream(uint64_t id, int status,
                             const std::string& content_type,
                             const HttpHeaders& headers) {
  if (closed_ || !Current(id) || streaming_) return;
  streaming_ = true;
  auto res = std::make_shared<http::response<http::empty_body>>(
      static_cast<http::status>(status), 11);
  res->set(http::field::content_type, content_type);
  for (const auto& [k, v] : headers) res->insert(k, v);
  res->keep_alive(keep_alive_);
  res->chunked(true);
  auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*res);
  writing_ = true;
  ArmDeadline(shared_->options.write_timeout, Phase::kWrite);
  http::async_write_header(
      socket_, *sr,
      [self = shared_from_this(), res, sr](error_code ec, size_t) {
        self->ClearDeadline();
        self->writing_ = false;
        if (self->closed_) return;
        if (ec) {
          self->ClientGone();
          return;
        }
        self->head_sent_ = true;
        self->Pump();
      });
}

void Connection::Write(uint64_t id, std::string chunk,
                       std::shared_ptr<Completion> done) {
  if (closed_ || !Current(id) || !streaming_ || end_requested_) {
    done->Run(false);
    return;
  }
  queue_.emplace_back(std::make_shared<std::string>(std::move(chunk)),
                      std::move(done));
  Pump();
}

void Connection::End(uint64_t id) {
  if (closed_ || !Current(id) || !streaming_) return;
  end_requested_ = true;
  Pump();
}

void Connection::Pump() {
  if (closed_ || writing_ || !head_sent_) return;
  if (queue_.empty()) {
    if (!end_requested_) return;
    writing_ = true;
    ArmDeadline(shared_->options.write_timeout, Phase::kWrite);
    net::async_write(socket_, http::make_chunk_last(),
                     [self = shared_from_this()](error_code ec, size_t) {
                       self->ClearDeadline();
                       self->writing_ = false;
                       if (self->closed_) return;
                       if (ec) {
                         self->ClientGone();
                         return;
                       }
                       self->FinishExchange();
                     });
    return;
  }
  std::shared_ptr<std::string> data = std::move(queue_.front().first);
  std::shared_ptr<Completion> done = std::move(queue_.front().second);
  queue_.pop_front();
  if (data->empty()) {  // an empty chunk would end the body
    done->Run(true);
    Pump();
    return;
  }
  writing_ = true;
  ArmDeadline(shared_->options.write_timeout, Phase::kWrite);
  net::async_write(
      socket_, http::make_chunk(net::buffer(*data)),
      [self = shared_from_this(), data, done](error_code ec, size_t) {
        self->ClearDeadline();
        self->writing_ = false;
        if (self->closed_) {
          done->Run(false);
          return;
        }
        if (ec) {
          done->Run(false);
          self->ClientGone();
          return;
        }
        done->Run(true);
        self->Pump();
      });
}

void Connection::OnClientGone(uint64_t id, std::function<void()> callback) {
  if (closed_ || !Current(id)) {
    callback();
    return;
  }
  on_gone_ = std::move(callback);
}

void Connection::ClientGone() { Close(); }

void Connection::Refuse(int http_status, int grpc_code,
                        const std::string& message) {
  refused_ = true;
  HttpResponse body = shared_->render(http_status, grpc_code, message);
  auto res = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(http_status), 11);
  res->set(http::field::content_type, body.content_type);
  for (auto& [k, v] : body.headers) res->insert(k, v);
  res->body() = std::move(body.body);
  res->keep_alive(false);
  res->prepare_payload();
  head_ = false;
  parser_.reset();
  WriteWhole(res, /*last=*/true);
}

void Connection::LingerAndClose() {
  if (closed_) return;
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_send, ignored);
  // Read what the client still sends until it closes or kLinger passes:
  // closing with unread data would reset the connection and could destroy
  // the answer before the client reads it.
  auto scratch = std::make_shared<std::array<char, 4096>>();
  ArmDeadline(absl::FromChrono(kLinger), Phase::kWrite);
  auto drain = std::make_shared<std::function<void(error_code, size_t)>>();
  *drain = [self = shared_from_this(), scratch, drain](error_code ec, size_t) {
    if (ec || self->closed_) {
      self->Close();
      *drain = nullptr;  // break the cycle
      return;
    }
    self->socket_.async_read_some(net::buffer(*scratch), *drain);
  };
  socket_.async_read_some(net::buffer(*scratch), *drain);
}

void Connection::Close() {
  if (closed_) return;
  closed_ = true;
  ClearDeadline();
  deadline_.cancel();  // the pending wait holds a reference to this
  error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  for (auto& [data, done] : queue_) done->Run(false);
  queue_.clear();
  if (on_gone_) {
    auto callback = std::move(on_gone_);
    on_gone_ = nullptr;
    callback();
  }
  self_.reset();
}

// "host:port", host possibly "[v6]".
absl::StatusOr<tcp::endpoint> ParseEndpoint(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("http_address '", address,
                     "': expected host:port, e.g. 127.0.0.1:8080"));
  }
  std::string host = address.substr(0, colon);
  int port;
  if (!absl::SimpleAtoi(address.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat(
        "http_address '", address, "': the port must be 0 to 65535"));
  }
  if (absl::StartsWith(host, "[") && absl::EndsWith(host, "]")) {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  error_code ec;
  net::ip::address ip = net::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "http_address '", address, "': the host must be an IP address"));
  }
  return tcp::endpoint(ip, static_cast<uint16_t>(port));
}

// Raises the soft file descriptor limit to the hard one; returns it.
size_t RaiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? 1 << 20
                                         : static_cast<size_t>(limit.rlim_cur);
}

}  // namespace

std::string HttpRequest::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

class HttpFront::Impl {
 public:
  Impl(HttpFrontOptions options, HttpHandler handler, HttpErrorRenderer render)
      : shared_(std::make_shared<Shared>()),
        iocs_(MakeContexts(std::max(1, options.threads))),
        acceptor_(*iocs_.front()) {
    shared_->options = std::move(options);
    shared_->handler = std::move(handler);
    shared_->render = std::move(render);
  }

  absl::Status Listen() {
    auto endpoint = ParseEndpoint(shared_->options.address);
    if (!endpoint.ok()) return endpoint.status();
    const size_t fd_limit = RaiseDescriptorLimit();
    shared_->max_connections = std::min(shared_->options.max_connections,
                                        fd_limit > 2 * kReservedDescriptors
                                            ? fd_limit - kReservedDescriptors
                                            : fd_limit / 2);
    error_code ec;
    acceptor_.open(endpoint->protocol(), ec);
    if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(*endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      return absl::UnavailableError(absl::StrCat("gateway: cannot listen on ",
                                                 shared_->options.address, ": ",
                                                 ec.message()));
    }
    port_ = acceptor_.local_endpoint().port();
    spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
    Accept();
    for (auto& ioc : iocs_) {
      net::io_context* context = ioc.get();
      // Runs until stopped, also while it has no connection.
      work_.push_back(net::make_work_guard(*context));
      threads_.emplace_back([context] { context->run(); });
    }
    return absl::OkStatus();
  }

  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(shared_->stop_mu);
      shared_->stopped = true;
    }
    net::post(acceptor_.get_executor(), [this] {
      error_code ignored;
      acceptor_.close(ignored);
    });
    for (auto& ioc : iocs_) ioc->stop();
    for (auto& t : threads_) t.join();
    // No thread runs handlers now: drop the self-references of connections
    // whose handler never answered, so destroying the io_context (with the
    // handlers it still holds) destroys them.
    std::vector<Connection*> open;
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      open.assign(shared_->connections.begin(), shared_->connections.end());
    }
    std::vector<std::shared_ptr<Connection>> alive;
    for (Connection* c : open) {
      if (auto locked = c->weak_from_this().lock()) alive.push_back(locked);
    }
    for (auto& c : alive) {
      c->Close();
      c->Release();
    }
    alive.clear();
    if (spare_fd_ >= 0) close(spare_fd_);
  }

  int Port() const { return port_; }
  size_t OpenConnections() const {
    std::lock_guard<std::mutex> lock(shared_->mu);
    return shared_->open;
  }
  size_t MaxConnections() const { return shared_->max_connections; }

 private:
  void Accept() {
    // Connections go to the I/O threads in turn.
    net::io_context& next = *iocs_[next_context_++ % iocs_.size()];
    acceptor_.async_accept(
        next.get_executor(), [this](error_code ec, tcp::socket socket) {
          if (ec == net::error::operation_aborted || !acceptor_.is_open()) {
            return;
          }
          if (ec == net::error::no_descriptors) {
            RefuseWithSpareDescriptor();
          } else if (!ec) {
            Admit(std::move(socket));
          }
          Accept();
        });
  }

  // Out of file descriptors: free the spare one, take the waiting
  // connection, answer 503, close, and keep the spare again.
  void RefuseWithSpareDescriptor() {
    if (spare_fd_ >= 0) {
      close(spare_fd_);
      spare_fd_ = -1;
    }
    int fd = accept4(acceptor_.native_handle(), nullptr, nullptr,
                     SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      const std::string answer = RawResponse(shared_->render(
          503, 14, "the server has too many open connections; retry later"));
      (void)!send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
      close(fd);
    } else {
      // Nothing to free; wait a moment instead of spinning on the error.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    spare_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  }

  void Admit(tcp::socket socket) {
    error_code ec;
    tcp::endpoint peer = socket.remote_endpoint(ec);
    if (ec) return;  // already gone
    socket.set_option(tcp::no_delay(true), ec);
    std::string client = peer.address().to_string();
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      if (shared_->stopped) return;
      if (shared_->open >= shared_->max_connections) {
        Refuse(std::move(socket), 503, 14,
               "the server has too many open connections; retry later");
        return;
      }
      size_t& mine = shared_->per_client[client];
      if (mine >= shared_->options.max_connections_per_client) {
        if (mine == 0) shared_->per_client.erase(client);
        Refuse(std::move(socket), 429, 8,
               absl::StrCat("too many open connections from ", client,
                            " (at most ",
                            shared_->options.max_connections_per_client,
                            "); reuse a keep-alive connection"));
        return;
      }
      ++mine;
      ++shared_->open;
    }
    auto connection =
        std::make_shared<Connection>(std::move(socket), shared_, client);
    {
      std::lock_guard<std::mutex> lock(shared_->mu);
      shared_->connections.insert(connection.get());
    }
    net::post(connection->Executor(), [connection] { connection->Start(); });
  }

  // Answers a connection over a limit and closes it, draining briefly what
  // the client already sent so the answer is not lost to a reset. Bounded:
  // past kMaxLingeringRefusals the socket is just closed.
  void Refuse(tcp::socket socket, int http_status, int grpc_code,
              const std::string& message) {
    if (shared_->refusals.load() >= kMaxLingeringRefusals) return;
    ++shared_->refusals;
    struct Refusal {
      explicit Refusal(tcp::socket s, std::shared_ptr<Shared> sh)
          : socket(std::move(s)),
            timer(socket.get_executor()),
            shared(std::move(sh)) {}
      ~Refusal() { --shared->refusals; }
      tcp::socket socket;
      net::steady_timer timer;
      std::shared_ptr<Shared> shared;
      std::string answer;
      std::array<char, 1024> scratch;
    };
    auto r = std::make_shared<Refusal>(std::move(socket), shared_);
    r->answer = RawResponse(shared_->render(http_status, grpc_code, message));
    r->timer.expires_after(kLinger);
    r->timer.async_wait([r](error_code ec) {
      if (ec) return;
      error_code ignored;
      r->socket.close(ignored);
    });
    net::async_write(
        r->socket, net::buffer(r->answer), [r](error_code ec, size_t) {
          if (ec) return;
          error_code ignored;
          r->socket.shutdown(tcp::socket::shutdown_send, ignored);
          auto drain =
              std::make_shared<std::function<void(error_code, size_t)>>();
          *drain = [r, drain](error_code ec, size_t) {
            if (ec) {
              r->timer.cancel();
              *drain = nullptr;
              return;
            }
            r->socket.async_read_some(net::buffer(r->scratch), *drain);
          };
          r->socket.async_read_some(net::buffer(r->scratch), *drain);
        });
  }

  // One io_context per I/O thread, each run by that thread alone: a
  // connection's handlers run one at a time on its thread without a strand
  // (a strand on one context shared by all threads cost a lock per handler
  // and moved connections between threads).
  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(int n) {
    std::vector<std::unique_ptr<net::io_context>> contexts;
    contexts.reserve(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
      contexts.push_back(std::make_unique<net::io_context>(1));
    }
    return contexts;
  }

  std::shared_ptr<Shared> shared_;
  std::vector<std::unique_ptr<net::io_context>> iocs_;
  std::vector<net::executor_work_guard<net::io_context::executor_type>> work_;
  size_t next_context_ = 0;  // accept handlers run on one thread only
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
  int port_ = 0;
  int spare_fd_ = -1;
};

absl::StatusOr<std::unique_ptr<HttpFront>> HttpFront::Start(
    HttpFrontOptions options, HttpHandler handler,
    HttpErrorRenderer render_error) {
  auto impl = std::make_unique<Impl>(std::move(options), std::move(handler),
                                     std::move(render_error));
  absl::Status listening = impl->Listen();
  if (!listening.ok()) return listening;
  return std::unique_ptr<HttpFront>(new HttpFront(std::move(impl)));
}

HttpFront::HttpFront(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpFront::~HttpFront() = default;
int HttpFront::port() const { return impl_->Port(); }
size_t HttpFront::open_connections() const { return impl_->OpenConnections(); }
size_t HttpFront::max_connections() const { return impl_->MaxConnections(); }

}  // namespace gateway
}  // namespace statstracker
