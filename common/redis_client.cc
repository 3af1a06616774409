#include "common/redis_client.h"

#include <sys/time.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace statstracker {
namespace {

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r->elements);
      for (size_t i = 0; i < r->elements; ++i) {
        out.elements.push_back(Convert(r->element[i]));
      }
      break;
    default:
      out.type = RedisReply::Type::kNil;
  }
  return out;
}

void AppendArgv(redisContext* ctx, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(ctx, static_cast<int>(args.size()), argv.data(),
                         lens.data());
}

}  // namespace

std::string RedisReply::DebugString() const {
  switch (type) {
    case Type::kNil:
      return "(nil)";
    case Type::kString:
    case Type::kStatus:
      return str;
    case Type::kError:
      return absl::StrCat("(error) ", str);
    case Type::kInteger:
      return absl::StrCat(integer);
    case Type::kArray: {
      std::vector<std::string> parts;
      for (const auto& e : elements) parts.push_back(e.DebugString());
      return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
    }
  }
  return "";
}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const std::string& host, int port, absl::Duration timeout,
    const std::string& password) {
  timeval tv = absl::ToTimeval(timeout);
  redisContext* ctx = redisConnectWithTimeout(host.c_str(), port, tv);
  if (ctx == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("redis ", host, ":", port, ": cannot allocate context"));
  }
  if (ctx->err != 0) {
    std::string msg =
        absl::StrCat("redis ", host, ":", port, " unreachable: ", ctx->errstr);
    redisFree(ctx);
    return absl::UnavailableError(msg);
  }
  redisSetTimeout(ctx, tv);
  std::unique_ptr<RedisConnection> conn(new RedisConnection(ctx));
  if (!password.empty()) {
    auto reply = conn->Command({"AUTH", password});
    if (!reply.ok()) return reply.status();
    if (reply->is_error()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "redis ", host, ":", port, " rejected AUTH: ", reply->str));
    }
  }
  return conn;
}

RedisConnection::~RedisConnection() { redisFree(ctx_); }

absl::Status RedisConnection::IoError(absl::string_view what) {
  broken_ = true;
  return absl::UnavailableError(absl::StrCat(
      "redis ", what,
      " failed: ", ctx_->errstr[0] != '\0' ? ctx_->errstr : "connection lost"));
}

absl::StatusOr<RedisReply> RedisConnection::Command(
    const std::vector<std::string>& args) {
  if (broken_) return absl::UnavailableError("redis connection is broken");
  AppendArgv(ctx_, args);
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
    return IoError(args.empty() ? "command" : args[0]);
  }
  auto* reply = static_cast<redisReply*>(raw);
  RedisReply out = Convert(reply);
  freeReplyObject(reply);
  return out;
}

absl::StatusOr<std::vector<RedisReply>> RedisConnection::Pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (broken_) return absl::UnavailableError("redis connection is broken");
  for (const auto& args : commands) AppendArgv(ctx_, args);
  std::vector<RedisReply> out;
  out.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(ctx_, &raw) != REDIS_OK || raw == nullptr) {
      return IoError("pipeline");
    }
    auto* reply = static_cast<redisReply*>(raw);
    out.push_back(Convert(reply));
    freeReplyObject(reply);
  }
  return out;
}

absl::StatusOr<RedisReply> RedisConnection::CommandOk(
    const std::vector<std::string>& args) {
  auto reply = Command(args);
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    return absl::InternalError(
        absl::StrCat("redis ", args.empty() ? "" : args[0], ": ", reply->str));
  }
  return reply;
}

}  // namespace statstracker
