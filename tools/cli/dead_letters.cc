#include "tools/cli/dead_letters.h"

#include <optional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/redis_slots.h"
#include "statstracker/v1/events.pb.h"

namespace statstracker {
namespace cli {
namespace {

constexpr int kPage = 500;

absl::Status ReplyError(absl::string_view what, const RedisReply& reply) {
  return absl::InternalError(
      absl::StrCat(what, " failed: ", reply.DebugString().substr(0, 300)));
}

std::vector<DeadLetter> ParseLetters(const std::string& key,
                                     absl::string_view event_field,
                                     const RedisReply& reply) {
  std::vector<DeadLetter> out;
  for (const RedisReply& item : reply.elements) {
    if (item.elements.size() != 2) continue;
    DeadLetter letter;
    letter.key = key;
    letter.id = item.elements[0].str;
    const auto& kv = item.elements[1].elements;
    for (size_t i = 0; i + 1 < kv.size(); i += 2) {
      letter.fields.emplace_back(kv[i].str, kv[i + 1].str);
    }
    if (const std::string* game = letter.Field("game_id")) {
      letter.game_id = *game;
    } else if (const std::string* raw = letter.Field(event_field)) {
      v1::GameEvent event;
      if (event.ParseFromString(*raw)) letter.game_id = event.game_id();
    }
    out.push_back(std::move(letter));
  }
  return out;
}

// One page of XRANGE key start end.
absl::StatusOr<std::vector<DeadLetter>> Page(RedisConnection* conn,
                                             const std::string& key,
                                             absl::string_view event_field,
                                             const std::string& start,
                                             const std::string& end) {
  auto reply =
      conn->Command({"XRANGE", key, start, end, "COUNT", absl::StrCat(kPage)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return ReplyError("XRANGE", *reply);
  return ParseLetters(key, event_field, *reply);
}

// The time in a stream id "<ms>-<seq>", if it has one.
std::optional<absl::Time> IdTime(absl::string_view id) {
  int64_t ms;
  if (!absl::SimpleAtoi(id.substr(0, id.find('-')), &ms)) return std::nullopt;
  return absl::FromUnixMillis(ms);
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

}  // namespace

const std::string* DeadLetter::Field(absl::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string DeadLetter::ReasonCode() const {
  const std::string* code = Field("reason_code");
  return code == nullptr ? std::string() : *code;
}

bool DeadLetterFilter::Matches(const DeadLetter& letter) const {
  return (game.empty() || letter.game_id == game) &&
         (reason_code.empty() || letter.ReasonCode() == reason_code);
}

std::string DeadLetterFilter::Describe() const {
  std::vector<std::string> parts;
  if (!game.empty()) parts.push_back(absl::StrCat("--game ", game));
  if (!reason_code.empty()) {
    parts.push_back(absl::StrCat("--reason ", reason_code));
  }
  return absl::StrJoin(parts, " ");
}

absl::StatusOr<std::vector<DeadLetter>> ListDeadLetters(
    RedisConnection* conn, const std::vector<std::string>& keys,
    absl::string_view event_field, const DeadLetterFilter& filter, size_t limit,
    int64_t* total) {
  std::vector<DeadLetter> out;
  *total = 0;
  for (const std::string& key : keys) {
    auto len = conn->Command({"XLEN", key});
    if (!len.ok()) return len.status();
    if (len->is_error()) return ReplyError("XLEN", *len);
    *total += len->integer;
    std::string start = "-";
    while (out.size() < limit) {
      auto page = Page(conn, key, event_field, start, "+");
      if (!page.ok()) return page.status();
      for (DeadLetter& letter : *page) {
        if (out.size() < limit && filter.Matches(letter)) {
          out.push_back(std::move(letter));
        }
      }
      if (page->size() < static_cast<size_t>(kPage)) break;
      start = absl::StrCat("(", page->back().id);
    }
  }
  return out;
}

absl::StatusOr<std::vector<DeadLetter>> FindDeadLetters(
    RedisConnection* conn, const std::vector<std::string>& keys,
    absl::string_view event_field, const std::vector<std::string>& ids) {
  std::vector<DeadLetter> out;
  for (const std::string& id : ids) {
    bool found = false;
    for (const std::string& key : keys) {
      auto reply = conn->Command({"XRANGE", key, id, id});
      if (!reply.ok()) return reply.status();
      if (reply->is_error()) {
        return absl::InvalidArgumentError(
            absl::StrCat("id '", id.substr(0, 64), "': ", reply->str));
      }
      std::vector<DeadLetter> letters = ParseLetters(key, event_field, *reply);
      if (!letters.empty()) {
        out.push_back(std::move(letters[0]));
        found = true;
        break;
      }
    }
    if (!found) {
      return absl::NotFoundError(absl::StrCat(
          "id '", id.substr(0, 64), "': not in ", absl::StrJoin(keys, ", "),
          "; see `stats deadletter list`"));
    }
  }
  return out;
}

absl::Status ForEachDeadLetter(
    RedisConnection* conn, const std::vector<std::string>& keys,
    absl::string_view event_field, const DeadLetterFilter& filter,
    const std::function<absl::Status(const DeadLetter&)>& visit) {
  for (const std::string& key : keys) {
    auto last = conn->Command({"XREVRANGE", key, "+", "-", "COUNT", "1"});
    if (!last.ok()) return last.status();
    if (last->is_error()) return ReplyError("XREVRANGE", *last);
    if (last->elements.empty() || last->elements[0].elements.empty()) continue;
    const std::string end = last->elements[0].elements[0].str;
    std::string start = "-";
    while (true) {
      auto page = Page(conn, key, event_field, start, end);
      if (!page.ok()) return page.status();
      for (const DeadLetter& letter : *page) {
        if (!filter.Matches(letter)) continue;
        absl::Status status = visit(letter);
        if (!status.ok()) return status;
      }
      if (page->size() < static_cast<size_t>(kPage)) break;
      start = absl::StrCat("(", page->back().id);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Requeue(RedisConnection* conn,
                                    const DeadLetter& letter,
                                    absl::string_view stream,
                                    absl::string_view event_field) {
  const std::string* raw = letter.Field(event_field);
  if (raw == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("dead letter ", letter.id, " has no field '", event_field,
                     "' (--field) to requeue"));
  }
  std::vector<std::string> xadd = {"XADD", std::string(stream), "*",
                                   std::string(event_field), *raw};
  // When the event first arrived: the worker measures the admission window
  // from it, so a requeue days later is judged as the event was.
  std::optional<absl::Time> received;
  if (const std::string* at = letter.Field("received_at")) {
    absl::Time t;
    std::string error;
    if (absl::ParseTime(absl::RFC3339_full, *at, &t, &error)) received = t;
  }
  if (!received.has_value()) {
    if (const std::string* source = letter.Field("source_id")) {
      received = IdTime(*source);
    }
  }
  if (received.has_value()) {
    xadd.insert(xadd.end(), {"received_at", TimeText(*received)});
  }
  std::string first_failed;
  if (const std::string* first = letter.Field("first_failed_at")) {
    first_failed = *first;
  } else if (auto at = IdTime(letter.id)) {
    first_failed = TimeText(*at);  // written when it was dead-lettered
  }
  if (!first_failed.empty()) {
    xadd.insert(xadd.end(), {"first_failed_at", first_failed});
  }
  int64_t requeues = 0;
  if (const std::string* n = letter.Field("requeues")) {
    if (!absl::SimpleAtoi(*n, &requeues)) requeues = 0;
  }
  xadd.insert(xadd.end(), {"requeues", absl::StrCat(requeues + 1),
                           "requeued_from", letter.id});
  if (conn->cluster() && KeySlot(stream) != KeySlot(letter.key)) {
    // Two slots (an unpartitioned stream on Redis Cluster): no transaction
    // spans them. Add first, then delete: a crash in between leaves the
    // letter requeued and still listed, never lost; the event's producer
    // sequence or event_id makes a second requeue count once.
    auto added = conn->Command(xadd);
    if (!added.ok()) return added.status();
    if (added->is_error()) return ReplyError("XADD (requeue)", *added);
    auto deleted = conn->Command({"XDEL", letter.key, letter.id});
    if (!deleted.ok()) return deleted.status();
    if (deleted->is_error()) return ReplyError("XDEL (requeue)", *deleted);
    return added->str;
  }
  auto replies = conn->Pipeline(
      {{"MULTI"}, std::move(xadd), {"XDEL", letter.key, letter.id}, {"EXEC"}});
  if (!replies.ok()) return replies.status();
  const RedisReply& exec = replies->back();
  if (exec.is_error() || exec.elements.size() != 2 ||
      exec.elements[0].is_error()) {
    return absl::InternalError(absl::StrCat("requeue of ", letter.id,
                                            " failed: ", exec.DebugString()));
  }
  return exec.elements[0].str;
}

}  // namespace cli
}  // namespace statstracker
