#include "server/change_feed.h"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/keys.h"
#include "common/logging.h"

namespace statstracker {
namespace {

constexpr absl::Duration kFirstBackoff = absl::Milliseconds(50);
constexpr absl::Duration kMaxBackoff = absl::Seconds(1);

struct ContextDeleter {
  void operator()(redisContext* ctx) const { redisFree(ctx); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

void AppendArgv(redisContext* ctx, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lens.push_back(arg.size());
  }
  redisAppendCommandArgv(ctx, static_cast<int>(args.size()), argv.data(),
                         lens.data());
}

// Milliseconds for poll(), rounded up so a deadline is not polled early.
int PollMillis(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(d + absl::Milliseconds(1) -
                                                  absl::Nanoseconds(1)),
                        60000));
}

bool IsArrayNamed(const redisReply* reply, absl::string_view kind) {
  return reply->type == REDIS_REPLY_ARRAY && reply->elements >= 1 &&
         reply->element[0]->type == REDIS_REPLY_STRING &&
         absl::EqualsIgnoreCase(
             absl::string_view(reply->element[0]->str, reply->element[0]->len),
             kind);
}

}  // namespace

// One connection's life: connect, AUTH, SUBSCRIBE, then read messages and
// keep it alive with PINGs until it fails or the feed stops.
class ChangeFeed::Session {
 public:
  Session(ChangeFeed* feed, NodeAddress address)
      : feed_(feed), address_(std::move(address)) {}

  // Returns why the session ended: CANCELLED when the feed stops, else
  // UNAVAILABLE (or PERMISSION_DENIED for a rejected AUTH) naming the node.
  absl::Status Run() {
    absl::Status status = Connect();
    if (!status.ok()) return status;
    return Listen();
  }

 private:
  absl::Status Connect() {
    const timeval tv = absl::ToTimeval(feed_->target_.timeout);
    ctx_.reset(
        redisConnectWithTimeout(address_.host.c_str(), address_.port, tv));
    if (ctx_ == nullptr) return Lost("cannot allocate a context");
    if (ctx_->err != 0) return Lost(ctx_->errstr);
    redisSetTimeout(ctx_.get(), tv);  // bounds the writes below
    if (!feed_->target_.password.empty()) {
      AppendArgv(ctx_.get(), {"AUTH", feed_->target_.password});
      void* raw = nullptr;
      if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) {
        return Lost(ctx_->errstr);
      }
      Reply reply(static_cast<redisReply*>(raw));
      if (reply->type == REDIS_REPLY_ERROR) {
        return absl::PermissionDeniedError(
            absl::StrCat("change feed: redis ", address_.ToString(),
                         " rejected AUTH: ", reply->str));
      }
    }
    AppendArgv(ctx_.get(), {"SUBSCRIBE", std::string(keys::kChangesChannel)});
    return Flush();
  }

  // Reads until the connection fails or the feed stops.
  absl::Status Listen() {
    const absl::Duration ping = feed_->ping_interval_;
    const absl::Time started = absl::Now();
    const absl::Time confirm_by = started + feed_->target_.timeout;
    absl::Time last_heard = started;
    absl::Time last_ping = started;
    while (true) {
      absl::Status handled = HandleParsedReplies();
      if (!handled.ok()) return handled;
      const absl::Time now = absl::Now();
      absl::Time wake;
      if (!confirmed_) {
        if (now > confirm_by) return Lost("no SUBSCRIBE confirmation");
        wake = confirm_by;
      } else {
        if (now - last_heard > 2 * ping) {
          return Lost(absl::StrCat("nothing received for ",
                                   absl::FormatDuration(now - last_heard),
                                   " (no reply to PING)"));
        }
        if (now - last_heard >= ping && now - last_ping >= ping) {
          AppendArgv(ctx_.get(), {"PING"});
          absl::Status flushed = Flush();
          if (!flushed.ok()) return flushed;
          last_ping = now;
        }
        wake = std::min(last_heard + 2 * ping,
                        std::max(last_heard, last_ping) + ping);
        // A little past the deadline, so the check above sees it expired.
        wake += absl::Milliseconds(1);
      }
      pollfd fds[2] = {{ctx_->fd, POLLIN, 0}, {feed_->wake_read_, POLLIN, 0}};
      if (poll(fds, 2, PollMillis(wake - now)) < 0 && errno != EINTR) {
        return Lost("poll failed");
      }
      if (feed_->stopping_.load()) return absl::CancelledError("stopping");
      if (fds[0].revents != 0) {
        if (redisBufferRead(ctx_.get()) != REDIS_OK) {
          return Lost(ctx_->err == REDIS_ERR_EOF ? "connection closed"
                                                 : ctx_->errstr);
        }
        last_heard = absl::Now();
      }
    }
  }

  // Handles every complete reply already read.
  absl::Status HandleParsedReplies() {
    while (true) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(ctx_.get(), &raw) != REDIS_OK) {
        return Lost(absl::StrCat("protocol error: ", ctx_->errstr));
      }
      if (raw == nullptr) return absl::OkStatus();
      Reply reply(static_cast<redisReply*>(raw));
      absl::Status handled = Handle(*reply);
      if (!handled.ok()) return handled;
    }
  }

  absl::Status Handle(const redisReply& reply) {
    if (reply.type == REDIS_REPLY_ERROR) {
      return Lost(absl::StrCat("error reply: ", reply.str));
    }
    if (IsArrayNamed(&reply, "message") && reply.elements == 3 &&
        reply.element[2]->type == REDIS_REPLY_STRING) {
      if (feed_->callbacks_.changed) {
        feed_->callbacks_.changed(
            absl::string_view(reply.element[2]->str, reply.element[2]->len));
      }
    } else if (IsArrayNamed(&reply, "subscribe") && !confirmed_) {
      confirmed_ = true;
      feed_->Report(true);
    }
    // Anything else (["pong", ""]) only proves the connection is alive.
    return absl::OkStatus();
  }

  // Writes what was appended.
  absl::Status Flush() {
    int done = 0;
    while (done == 0) {
      if (redisBufferWrite(ctx_.get(), &done) != REDIS_OK) {
        return Lost(ctx_->errstr);
      }
    }
    return absl::OkStatus();
  }

  absl::Status Lost(absl::string_view why) const {
    return absl::UnavailableError(
        absl::StrCat("change feed: redis ", address_.ToString(), ": ", why));
  }

  ChangeFeed* const feed_;
  const NodeAddress address_;
  Context ctx_;
  bool confirmed_ = false;
};

ChangeFeed::ChangeFeed(RedisTarget target, Callbacks callbacks,
                       absl::Duration ping_interval)
    : target_(std::move(target)),
      callbacks_(std::move(callbacks)),
      ping_interval_(ping_interval) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == 0) {
    wake_read_ = fds[0];
    wake_write_ = fds[1];
  }
}

ChangeFeed::~ChangeFeed() {
  stopping_.store(true);
  if (wake_write_ >= 0) {
    const char byte = 0;
    (void)!write(wake_write_, &byte, 1);
  }
  if (thread_.joinable()) thread_.join();
  if (wake_read_ >= 0) close(wake_read_);
  if (wake_write_ >= 0) close(wake_write_);
}

void ChangeFeed::Start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void ChangeFeed::Run() {
  absl::Duration backoff = kFirstBackoff;
  size_t next_seed = 0;
  absl::Status last_failure;
  while (!stopping_.load()) {
    if (target_.seeds.empty()) {
      Log(LogLevel::kError, "change feed: no Redis seeds");
      return;
    }
    const NodeAddress& seed = target_.seeds[next_seed % target_.seeds.size()];
    ++next_seed;
    Session session(this, seed);
    absl::Status ended = session.Run();
    const bool was_subscribed = subscribed_.load();
    if (was_subscribed) Report(false);
    if (stopping_.load()) return;
    if (was_subscribed) {
      backoff = kFirstBackoff;
      Log(LogLevel::kWarning,
          "change feed lost; answer cache off until it is back",
          {{"error", std::string(ended.message())}});
    } else if (ended.message() != last_failure.message()) {
      // Logged once per kind of failure, not on every retry.
      Log(LogLevel::kWarning, "change feed cannot subscribe",
          {{"error", std::string(ended.message())}});
    }
    last_failure = ended;
    if (!Sleep(backoff)) return;
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
}

bool ChangeFeed::Sleep(absl::Duration delay) {
  pollfd fd = {wake_read_, POLLIN, 0};
  const absl::Time until = absl::Now() + delay;
  while (!stopping_.load()) {
    const absl::Duration left = until - absl::Now();
    if (left <= absl::ZeroDuration()) return true;
    poll(&fd, 1, PollMillis(left));
  }
  return false;
}

void ChangeFeed::Report(bool subscribed) {
  if (subscribed_.exchange(subscribed) == subscribed) return;
  if (callbacks_.subscription) callbacks_.subscription(subscribed);
}

}  // namespace statstracker
