#include "common/redis_script.h"

#include <openssl/sha.h>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace statstracker {
namespace {

std::vector<std::string> ScriptCommand(const std::string& verb,
                                       const std::string& script_or_sha,
                                       const std::vector<std::string>& keys,
                                       const std::vector<std::string>& args) {
  std::vector<std::string> cmd;
  cmd.reserve(3 + keys.size() + args.size());
  cmd.push_back(verb);
  cmd.push_back(script_or_sha);
  cmd.push_back(absl::StrCat(keys.size()));
  cmd.insert(cmd.end(), keys.begin(), keys.end());
  cmd.insert(cmd.end(), args.begin(), args.end());
  return cmd;
}

}  // namespace

absl::Status CheckReply(const RedisReply& reply, absl::string_view command) {
  if (!reply.is_error()) return absl::OkStatus();
  // Transient states of a Redis that is starting up or overloaded: the
  // client may retry, so they map to UNAVAILABLE like a lost connection.
  for (absl::string_view prefix :
       {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"}) {
    if (absl::StartsWith(reply.str, prefix)) {
      return absl::UnavailableError(
          absl::StrCat("redis ", command, ": ", reply.str));
    }
  }
  return absl::InternalError(absl::StrCat("redis ", command, ": ", reply.str));
}

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(source_.data()), source_.size(),
       digest);
  sha1_ = absl::BytesToHexString(absl::string_view(
      reinterpret_cast<const char*>(digest), SHA_DIGEST_LENGTH));
}

std::vector<std::string> RedisScript::EvalShaCommand(
    const std::vector<std::string>& keys,
    const std::vector<std::string>& args) const {
  return ScriptCommand("EVALSHA", sha1_, keys, args);
}

std::vector<std::string> RedisScript::EvalCommand(
    const std::vector<std::string>& keys,
    const std::vector<std::string>& args) const {
  return ScriptCommand("EVAL", source_, keys, args);
}

absl::Status RedisScript::Load(RedisConnection* conn) const {
  auto reply = conn->Command({"SCRIPT", "LOAD", source_});
  if (!reply.ok()) return reply.status();
  return CheckReply(*reply, "SCRIPT LOAD");
}

absl::StatusOr<RedisReply> RedisScript::Run(
    RedisConnection* conn, const std::vector<std::string>& keys,
    const std::vector<std::string>& args) const {
  auto reply = conn->Command(ScriptCommand("EVALSHA", sha1_, keys, args));
  if (!reply.ok()) return reply.status();
  if (reply->is_error() && absl::StartsWith(reply->str, "NOSCRIPT")) {
    reply = conn->Command(ScriptCommand("EVAL", source_, keys, args));
    if (!reply.ok()) return reply.status();
  }
  absl::Status status = CheckReply(*reply, "script");
  if (!status.ok()) return status;
  return reply;
}

}  // namespace statstracker
