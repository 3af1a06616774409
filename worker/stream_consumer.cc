#include "worker/stream_consumer.h"

#include <algorithm>
#include <limits>
#include <map>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/admission.h"
#include "common/event_validation.h"
#include "common/logging.h"
#include "common/proto_duration.h"
#include "common/redis_slots.h"
#include "worker/parallel_ranges.h"

namespace statstracker {
namespace worker {
namespace {

constexpr int kPendingScanCount = 10000;
// Entries one thread decodes and checks at least, when a read is split.
constexpr size_t kEntriesPerClassifyPart = 64;

std::string Ms(absl::Duration d) {
  return absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string EventType(const v1::GameEvent& event) {
  switch (event.payload_case()) {
    case v1::GameEvent::kMatchCompleted:
      return "match_completed";
    case v1::GameEvent::kScoreSubmitted:
      return "score_submitted";
    case v1::GameEvent::kCustom:
      return "custom";
    default:
      return "none";
  }
}

// An arena for one decoding pass: a batch of events (a few hundred bytes
// each) fits in a few blocks.
std::shared_ptr<google::protobuf::Arena> NewEventArena() {
  google::protobuf::ArenaOptions options;
  options.start_block_size = size_t{16} * 1024;
  options.max_block_size = size_t{256} * 1024;
  return std::make_shared<google::protobuf::Arena>(options);
}

bool IsArray(const RedisReply& r) { return r.type == RedisReply::Type::kArray; }
bool IsString(const RedisReply& r) {
  return r.type == RedisReply::Type::kString ||
         r.type == RedisReply::Type::kStatus;
}
bool IsNoGroup(const RedisReply& r) {
  return r.is_error() && r.str.find("NOGROUP") != std::string::npos;
}

absl::Status ReplyError(absl::string_view what, const RedisReply& reply) {
  return absl::InternalError(
      absl::StrCat(what, " failed: ", reply.DebugString().substr(0, 300)));
}

// Whether an XPENDING summary ([count, min, max, [[consumer, count] ...]])
// says that `consumer` alone holds pending entries, exactly `held` of them.
bool OnlyConsumer(const RedisReply& summary, const std::string& consumer,
                  size_t held) {
  if (!IsArray(summary) || summary.elements.size() < 4) return false;
  const RedisReply& consumers = summary.elements[3];
  if (!IsArray(consumers) || consumers.elements.size() != 1) return false;
  const RedisReply& only = consumers.elements[0];
  if (!IsArray(only) || only.elements.size() < 2 ||
      only.elements[0].str != consumer) {
    return false;
  }
  uint64_t count = 0;
  return absl::SimpleAtoi(only.elements[1].str, &count) && count == held;
}

}  // namespace

StreamConsumer::StreamConsumer(const v1::StatsTrackerConfig& config,
                               std::string stream, std::string dead_letter_key,
                               const GameCatalog* catalog,
                               const GameBatch* batch, WorkerMetrics* metrics)
    : config_(config),
      stream_(std::move(stream)),
      catalog_(catalog),
      batch_(batch),
      metrics_(metrics) {
  field_ = config_.stream().field();
  group_ = config_.stream().group();
  dead_key_ = std::move(dead_letter_key);
  consumer_ = config_.worker().consumer_name();
  batch_size_ = static_cast<int>(config_.worker().batch_size());
  if (batch_size_ <= 0) batch_size_ = 1024;
  transaction_size_ =
      std::max<uint32_t>(1, config_.worker().transaction_size());
  block_ = ProtoDuration(config_.worker().block());
  claim_idle_ = ProtoDuration(config_.worker().claim_idle());
  if (claim_idle_ <= absl::ZeroDuration()) claim_idle_ = absl::Seconds(60);
  max_deliveries_ = config_.worker().max_deliveries();
  if (max_deliveries_ <= 0) max_deliveries_ = 5;
}

void StreamConsumer::Reset() {
  for (const auto& [id, e] : work_) {
    if (e.deliveries_known && e.deliveries >= 0) {
      carried_deliveries_[id] = e.deliveries;
    }
  }
  work_.clear();
  // A new connection: these entries come back (we reload our pending ones)
  // and are at or below their game's cursor, so they are only acknowledged.
  deferred_.clear();
  summary_.reset();
  ack_debt_ = 0;
  prefetched_ = false;
  reload_own_ = true;
  next_claim_ = absl::InfinitePast();
  next_refresh_ = absl::InfinitePast();
}

absl::Status StreamConsumer::EnsureGroup(RedisConnection* conn) {
  // Id 0: a new group starts with the events already in the stream.
  auto reply =
      conn->Command({"XGROUP", "CREATE", stream_, group_, "0", "MKSTREAM"});
  if (!reply.ok()) return reply.status();
  if (reply->is_error() && reply->str.find("BUSYGROUP") == std::string::npos) {
    return ReplyError("XGROUP CREATE", *reply);
  }
  return absl::OkStatus();
}

absl::Status StreamConsumer::Step(RedisConnection* conn, bool stopping,
                                  bool block, bool* progress) {
  absl::Status status;
  absl::Time now = absl::Now();
  // Entries read ahead during the last step come with the pending summary
  // taken right after their read (ProcessWork).
  const bool prefetched = prefetched_;
  prefetched_ = false;
  if (!prefetched) summary_.reset();
  const bool will_read =
      !stopping && static_cast<int>(work_.size()) < batch_size_;
  const bool checks_pending =
      reload_own_ || (!stopping && now >= next_claim_) || now >= next_refresh_;
  // The deferred acknowledgements go with the read, or the next read ahead,
  // when there is one and nothing else looks at the pending list before.
  if (checks_pending || (!will_read && !prefetched)) {
    status = Flush(conn);
    if (!status.ok()) return status;
  }
  if (checks_pending) summary_.reset();  // what we hold may change
  if (reload_own_) {
    status = LoadOwnPending(conn);
    if (!status.ok()) return status;
  }
  if (!stopping && now >= next_claim_) {
    status = Claim(conn);
    if (!status.ok()) return status;
    next_claim_ = now + std::max(absl::Milliseconds(50), claim_idle_ / 4);
  }
  if (now >= next_refresh_) {
    status = RefreshIdle(conn);
    if (!status.ok()) return status;
    next_refresh_ = now + std::max(absl::Milliseconds(50), claim_idle_ / 4);
  }
  if (!stopping && static_cast<int>(work_.size()) < batch_size_) {
    status = ReadNew(conn, block && work_.empty());
    if (!status.ok()) return status;
  }
  if (work_.empty()) return absl::OkStatus();
  return ProcessWork(conn, stopping, progress);
}

int StreamConsumer::AddEntries(RedisReply* entries, bool fresh) {
  if (!IsArray(*entries)) return 0;
  int already = 0;
  for (RedisReply& e : entries->elements) {
    if (!IsArray(e) || e.elements.empty() || !IsString(e.elements[0])) {
      continue;
    }
    auto id = StreamId::Parse(e.elements[0].str);
    if (!id.has_value()) continue;
    if (work_.count(*id)) {
      ++already;
      continue;
    }
    StreamEntry entry;
    entry.stream = stream_;
    entry.id = *id;
    entry.id_text = e.elements[0].str;
    entry.deliveries_known = fresh;
    entry.received_at = absl::FromUnixMillis(static_cast<int64_t>(
        std::min<uint64_t>(id->ms, std::numeric_limits<int64_t>::max())));
    if (e.elements.size() > 1 && IsArray(e.elements[1])) {
      auto& fields = e.elements[1].elements;
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        const std::string& name = fields[i].str;
        std::string& value = fields[i + 1].str;
        if (name == field_ && !entry.has_field) {
          entry.has_field = true;
          entry.bytes = std::move(value);  // the reply is done with
        } else if (name == "received_at") {
          // Set by `stats deadletter requeue`: the first arrival counts.
          absl::Time t;
          std::string error;
          if (absl::ParseTime(absl::RFC3339_full, value, &t, &error)) {
            entry.received_at = t;
          }
        } else if (name == "first_failed_at") {
          entry.first_failed_at = value.substr(0, 64);
        } else if (name == "requeues") {
          if (!absl::SimpleAtoi(value, &entry.requeues)) entry.requeues = 0;
        }
      }
    } else {
      // A pending entry that was deleted from the stream (XDEL/trim): there
      // is nothing to apply; mark it so it is only acked.
      entry.has_field = false;
      entry.deliveries = -1;
    }
    work_.emplace(*id, std::move(entry));
  }
  return already;
}

absl::Status StreamConsumer::LoadOwnPending(RedisConnection* conn) {
  std::string last = "0";
  while (true) {
    auto reply = conn->Command({"XREADGROUP", "GROUP", group_, consumer_,
                                "COUNT", "1000", "STREAMS", stream_, last});
    if (!reply.ok()) return reply.status();
    if (IsNoGroup(*reply)) {
      absl::Status s = EnsureGroup(conn);
      if (!s.ok()) return s;
      continue;
    }
    if (reply->is_error())
      return ReplyError("XREADGROUP (own pending)", *reply);
    if (!IsArray(*reply) || reply->elements.empty()) break;
    RedisReply& stream = reply->elements[0];
    if (!IsArray(stream) || stream.elements.size() < 2 ||
        !IsArray(stream.elements[1]) || stream.elements[1].elements.empty()) {
      break;
    }
    RedisReply& entries = stream.elements[1];
    AddEntries(&entries, /*fresh=*/false);
    const RedisReply& tail = entries.elements.back();
    if (!IsArray(tail) || tail.elements.empty()) break;
    last = tail.elements[0].str;
  }
  reload_own_ = false;
  return UpdateDeliveries(conn);
}

absl::Status StreamConsumer::UpdateDeliveries(RedisConnection* conn) {
  if (work_.empty()) {
    carried_deliveries_.clear();
    return absl::OkStatus();
  }
  auto reply = conn->Command({"XPENDING", stream_, group_, "-", "+",
                              absl::StrCat(kPendingScanCount), consumer_});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return ReplyError("XPENDING", *reply);
  // count we knew -> ids whose count our own re-read raised above it
  std::map<int64_t, std::vector<std::string>> give_back;
  for (const RedisReply& row : reply->elements) {
    if (!IsArray(row) || row.elements.size() < 4) continue;
    auto id = StreamId::Parse(row.elements[0].str);
    if (!id.has_value()) continue;
    auto it = work_.find(*id);
    if (it == work_.end() || it->second.deliveries < 0) continue;
    StreamEntry& e = it->second;
    const int64_t count = row.elements[3].integer;
    std::optional<int64_t> known;
    if (e.deliveries_known) {
      known = e.deliveries;
    } else if (auto c = carried_deliveries_.find(*id);
               c != carried_deliveries_.end()) {
      known = c->second;
    }
    if (known.has_value() && count > *known) {
      give_back[*known].push_back(e.id_text);
      e.deliveries = *known;
    } else {
      e.deliveries = count;
    }
    e.deliveries_known = true;
  }
  carried_deliveries_.clear();
  return SetDeliveries(conn, give_back);
}

absl::Status StreamConsumer::SetDeliveries(
    RedisConnection* conn,
    const std::map<int64_t, std::vector<std::string>>& ids_by_count) {
  if (ids_by_count.empty()) return absl::OkStatus();
  Commands commands;
  for (const auto& [count, ids] : ids_by_count) {
    std::vector<std::string> cmd = {"XCLAIM", stream_, group_, consumer_, "0"};
    cmd.insert(cmd.end(), ids.begin(), ids.end());
    cmd.insert(cmd.end(), {"RETRYCOUNT", absl::StrCat(count), "JUSTID"});
    commands.push_back(std::move(cmd));
  }
  auto replies = conn->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  for (const RedisReply& reply : *replies) {
    if (reply.is_error()) return ReplyError("XCLAIM RETRYCOUNT", reply);
  }
  return absl::OkStatus();
}

absl::Status StreamConsumer::GiveBack(RedisConnection* conn) {
  std::map<int64_t, std::vector<std::string>> lowered;
  for (const auto& [id, e] : work_) {
    if (e.deliveries >= 1) lowered[e.deliveries - 1].push_back(e.id_text);
  }
  absl::Status status = SetDeliveries(conn, lowered);
  if (status.ok() && !lowered.empty()) {
    Log(LogLevel::kInfo,
        "entries left pending; their next re-read will not count as a "
        "delivery",
        {{"stream", stream_}, {"pending", absl::StrCat(work_.size())}});
  }
  return status;
}

absl::Status StreamConsumer::Claim(RedisConnection* conn) {
  std::string cursor = "0-0";
  bool claimed_any = false;
  bool touched_own = false;
  while (static_cast<int>(work_.size()) < batch_size_ * 4) {
    auto reply = conn->Command({"XAUTOCLAIM", stream_, group_, consumer_,
                                Ms(claim_idle_), cursor, "COUNT",
                                absl::StrCat(batch_size_)});
    if (!reply.ok()) return reply.status();
    if (IsNoGroup(*reply)) return EnsureGroup(conn);
    if (reply->is_error()) return ReplyError("XAUTOCLAIM", *reply);
    if (!IsArray(*reply) || reply->elements.size() < 2) break;
    size_t before = work_.size();
    // Entries we already hold (idle because they waited) are refreshed by
    // the claim itself; AddEntries skips them, and UpdateDeliveries gives
    // back the delivery the claim added to them.
    if (AddEntries(&reply->elements[1], /*fresh=*/false) > 0) {
      touched_own = true;
    }
    if (work_.size() > before) claimed_any = true;
    cursor = reply->elements[0].str;
    if (cursor == "0-0") break;
  }
  if (claimed_any) {
    Log(LogLevel::kInfo, "reclaimed idle entries of other consumers",
        {{"stream", stream_}, {"in_hand", absl::StrCat(work_.size())}});
  }
  if (claimed_any || touched_own) return UpdateDeliveries(conn);
  return absl::OkStatus();
}

absl::Status StreamConsumer::RefreshIdle(RedisConnection* conn) {
  if (work_.empty()) return absl::OkStatus();
  std::vector<std::string> cmd = {"XCLAIM", stream_, group_, consumer_, "0"};
  for (const auto& [id, entry] : work_) cmd.push_back(entry.id_text);
  cmd.push_back("JUSTID");
  auto reply = conn->Command(cmd);
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return ReplyError("XCLAIM", *reply);
  return absl::OkStatus();
}

absl::Status StreamConsumer::Flush(RedisConnection* conn) {
  if (deferred_.empty()) return absl::OkStatus();
  auto replies = AfterDeferred(conn, {});
  return replies.status();
}

absl::StatusOr<std::vector<RedisReply>> StreamConsumer::AfterDeferred(
    RedisConnection* conn, Commands commands) {
  const size_t acks = deferred_.size();
  if (acks > 0) {
    commands.insert(commands.begin(),
                    std::make_move_iterator(deferred_.begin()),
                    std::make_move_iterator(deferred_.end()));
    deferred_.clear();
  }
  auto replies = conn->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  LogFailedAcks(*replies, acks);
  replies->erase(replies->begin(), replies->begin() + acks);
  return replies;
}

void StreamConsumer::LogFailedAcks(const std::vector<RedisReply>& replies,
                                   size_t acks) const {
  for (size_t i = 0; i < acks; ++i) {
    // Left pending; the entries come back and their game's cursor marks
    // them applied.
    if (replies[i].is_error()) {
      Log(LogLevel::kWarning, "XACK after a commit failed",
          {{"stream", stream_}, {"error", replies[i].str}});
    }
  }
}

void StreamConsumer::AddReadEntries(RedisReply* read) {
  RedisReply& stream = read->elements[0];
  if (IsArray(stream) && stream.elements.size() >= 2) {
    AddEntries(&stream.elements[1], /*fresh=*/true);
  }
}

absl::Status StreamConsumer::ReadNew(RedisConnection* conn, bool block) {
  std::vector<std::string> cmd = {
      "XREADGROUP", "GROUP",
      group_,       consumer_,
      "COUNT",      absl::StrCat(batch_size_ - static_cast<int>(work_.size()))};
  if (block && block_ > absl::ZeroDuration()) {
    cmd.push_back("BLOCK");
    cmd.push_back(Ms(block_));
  }
  cmd.insert(cmd.end(), {"STREAMS", stream_, ">"});
  auto replies =
      AfterDeferred(conn, {std::move(cmd), {"XPENDING", stream_, group_}});
  if (!replies.ok()) return replies.status();
  if (replies->size() != 2) {
    return absl::InternalError("XREADGROUP: missing replies");
  }
  if (!(*replies)[1].is_error()) {
    summary_ = std::move((*replies)[1]);
    ack_debt_ = 0;
  }
  RedisReply* reply = &(*replies)[0];
  if (IsNoGroup(*reply)) return EnsureGroup(conn);
  if (reply->is_error()) return ReplyError("XREADGROUP", *reply);
  if (!IsArray(*reply) || reply->elements.empty()) return absl::OkStatus();
  AddReadEntries(reply);
  return absl::OkStatus();
}

absl::Status StreamConsumer::DeadLetter(RedisConnection* conn,
                                        const std::vector<Rejection>& letters) {
  if (letters.empty()) return absl::OkStatus();
  const std::string now = TimeText(absl::Now());
  Commands letters_out;
  std::vector<std::string> ack = {"XACK", stream_, group_};
  for (const Rejection& letter : letters) {
    const StreamEntry& e = *letter.entry;
    if (e.deliveries >= 0) {
      std::vector<std::string> xadd = {
          "XADD",
          dead_key_,
          "*",
          "event",
          e.bytes,
          "reason",
          letter.reason,
          "reason_code",
          letter.category,
          "deliveries",
          absl::StrCat(std::max<int64_t>(e.deliveries, 1)),
          "source_id",
          e.id_text};
      if (!e.game_id.empty()) {
        xadd.insert(xadd.end(), {"game_id", e.game_id});
      }
      xadd.insert(xadd.end(),
                  {"consumer", consumer_, "received_at",
                   TimeText(e.received_at), "first_failed_at",
                   e.first_failed_at.empty() ? now : e.first_failed_at,
                   "last_failed_at", now});
      if (e.requeues > 0) {
        xadd.insert(xadd.end(), {"requeues", absl::StrCat(e.requeues)});
      }
      letters_out.push_back(std::move(xadd));
    }
    // Deleted from the stream (deliveries < 0): nothing to keep, just
    // release it.
    ack.push_back(e.id_text);
  }
  if (!conn->cluster() || KeySlot(dead_key_) == KeySlot(stream_)) {
    // A single Redis, or one slot (partitioned streams): the dead letters
    // and their acknowledgement commit together.
    Commands tx = {{"MULTI"}};
    tx.insert(tx.end(), letters_out.begin(), letters_out.end());
    tx.push_back(ack);
    tx.push_back({"EXEC"});
    auto replies = conn->Pipeline(tx);
    if (!replies.ok()) return replies.status();
    const RedisReply& exec = replies->back();
    if (!IsArray(exec)) return ReplyError("EXEC (dead letters)", exec);
  } else {
    // Two slots (StreamConfig key and dead_letter_key without a shared hash
    // tag, on Redis Cluster): dead letters first, then the acknowledgement;
    // a crash in between dead-letters the entries again, never loses them.
    if (!letters_out.empty()) {
      auto added = conn->Pipeline(letters_out);
      if (!added.ok()) return added.status();
      for (const RedisReply& r : *added) {
        if (r.is_error()) return ReplyError("XADD (dead letter)", r);
      }
    }
    auto acked = conn->Command(ack);
    if (!acked.ok()) return acked.status();
    if (acked->is_error()) return ReplyError("XACK (dead letters)", *acked);
  }
  ack_debt_ += ack.size() - 3;
  for (const Rejection& letter : letters) {
    if (letter.entry->deliveries < 0) continue;
    // Only configured games become label values: a producer sending
    // arbitrary game ids must not grow the metric without bound.
    const std::string& game = letter.entry->game_id;
    metrics_->dead_lettered->Increment(
        {catalog_->FindGame(game) != nullptr ? game : std::string("unknown"),
         letter.category});
    Log(LogLevel::kWarning, "entry dead-lettered",
        {{"id", letter.entry->id_text},
         {"game", game},
         {"reason_code", letter.category},
         {"reason", letter.reason}});
  }
  return absl::OkStatus();
}

absl::Status StreamConsumer::ForeignPending(
    RedisConnection* conn, const StreamId& max_id,
    absl::flat_hash_map<std::string, StreamId>* out,
    std::optional<StreamId>* bound) {
  // The summary first: when we are the only consumer holding entries, and
  // hold exactly those in hand, nothing foreign can precede them, and the
  // per-entry list (a row for each of our own entries) is not needed.
  if (!summary_.has_value()) {
    // After the deferred acknowledgements, so that it counts what we hold.
    auto summary = AfterDeferred(conn, {{"XPENDING", stream_, group_}});
    if (!summary.ok()) return summary.status();
    RedisReply& reply = summary->front();
    if (reply.is_error()) return ReplyError("XPENDING (summary)", reply);
    summary_ = std::move(reply);
    ack_debt_ = 0;
  }
  // Ours in the summary: what we hold, and what was acknowledged (or is
  // still to be) since it was taken.
  if (OnlyConsumer(*summary_, consumer_, work_.size() + ack_debt_)) {
    return absl::OkStatus();
  }
  auto reply =
      conn->Command({"XPENDING", stream_, group_, "-", max_id.ToString(),
                     absl::StrCat(kPendingScanCount)});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return ReplyError("XPENDING", *reply);
  if (!IsArray(*reply)) return absl::OkStatus();
  if (static_cast<int>(reply->elements.size()) >= kPendingScanCount &&
      !reply->elements.empty()) {
    *bound = StreamId::Parse(reply->elements.back().elements[0].str);
  }
  std::vector<std::pair<StreamId, std::string>> unknown;
  for (const RedisReply& row : reply->elements) {
    if (!IsArray(row) || row.elements.size() < 4) continue;
    auto id = StreamId::Parse(row.elements[0].str);
    if (!id.has_value() || work_.count(*id)) continue;
    if (row.elements[1].str == consumer_) reload_own_ = true;
    auto it = game_of_entry_.find(row.elements[0].str);
    if (it == game_of_entry_.end()) {
      unknown.emplace_back(*id, row.elements[0].str);
      continue;
    }
    auto [slot, inserted] = out->emplace(it->second, *id);
    if (!inserted && *id < slot->second) slot->second = *id;
  }
  if (unknown.empty()) return absl::OkStatus();
  Commands commands;
  for (const auto& [id, text] : unknown) {
    commands.push_back({"XRANGE", stream_, text, text});
  }
  auto replies = conn->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  if (game_of_entry_.size() > 200000) game_of_entry_.clear();
  for (size_t i = 0; i < unknown.size(); ++i) {
    std::string game;
    const RedisReply& r = (*replies)[i];
    if (IsArray(r) && !r.elements.empty() && IsArray(r.elements[0]) &&
        r.elements[0].elements.size() >= 2) {
      const auto& fields = r.elements[0].elements[1].elements;
      for (size_t f = 0; f + 1 < fields.size(); f += 2) {
        if (fields[f].str != field_) continue;
        v1::GameEvent event;
        if (event.ParseFromString(fields[f + 1].str)) game = event.game_id();
      }
    }
    game_of_entry_[unknown[i].second] = game;
    auto [slot, inserted] = out->emplace(game, unknown[i].first);
    if (!inserted && unknown[i].first < slot->second) {
      slot->second = unknown[i].first;
    }
  }
  return absl::OkStatus();
}

std::optional<Rejection> StreamConsumer::ClassifyOne(
    StreamEntry* entry,
    const std::shared_ptr<google::protobuf::Arena>& arena) const {
  StreamEntry& e = *entry;
  if (e.deliveries < 0) {
    return Rejection{&e, "deleted from the stream", "deleted"};
  }
  v1::GameEvent& event =
      *google::protobuf::Arena::CreateMessage<v1::GameEvent>(arena.get());
  bool decoded = e.has_field && event.ParseFromString(e.bytes);
  // The game id goes on the dead letter whenever the envelope names one
  // that is configured, or at least well-formed, whatever else is wrong.
  e.game_id.clear();
  if (decoded && (catalog_->FindGame(event.game_id()) != nullptr ||
                  IsValidGameId(event.game_id()))) {
    e.game_id = event.game_id();
  }
  if (e.deliveries > max_deliveries_) {
    return Rejection{&e,
                     absl::StrCat("delivered ", e.deliveries,
                                  " times, more than worker.max_deliveries (",
                                  max_deliveries_, ")"),
                     "max_deliveries"};
  }
  if (!e.has_field) {
    return Rejection{
        &e, absl::StrCat("undecodable: the entry has no field '", field_, "'"),
        "undecodable"};
  }
  if (!decoded) {
    return Rejection{
        &e,
        absl::StrCat("undecodable: field '", field_,
                     "' is not a serialized statstracker.v1.GameEvent (",
                     e.bytes.size(), " bytes)"),
        "undecodable"};
  }
  absl::Status valid = ValidateEvent(event, *catalog_);
  const GameRuntime* game = catalog_->FindGame(event.game_id());
  if (!valid.ok()) {
    // ValidateEvent checks the envelope first, so NOT_FOUND means the
    // event is well-formed but its game is not configured.
    const bool unknown_game = absl::IsNotFound(valid);
    return Rejection{&e,
                     unknown_game
                         ? absl::StrCat("unknown game '", event.game_id(),
                                        "': ", valid.message())
                         : absl::StrCat("invalid: ", valid.message()),
                     unknown_game ? "unknown_game" : "invalid"};
  }
  if (auto refusal = CheckAdmission(game->admission, event.game_id(), event,
                                    e.received_at)) {
    return Rejection{&e, std::string(refusal->status.message()),
                     std::string(refusal->code)};
  }
  e.event = &event;
  e.event_arena = arena;
  return std::nullopt;
}

std::vector<Rejection> StreamConsumer::Classify(bool spread) {
  std::vector<StreamEntry*> fresh;
  for (auto& [id, e] : work_) {
    if (e.event == nullptr) fresh.push_back(&e);
  }
  if (fresh.empty()) return {};
  // The events decoded in this pass share one arena (stream_entry.h; arena
  // allocation is thread-safe); each entry is decoded on its own, so the
  // pass is spread over the cores.
  std::shared_ptr<google::protobuf::Arena> arena = NewEventArena();
  std::vector<std::optional<Rejection>> verdicts(fresh.size());
  auto classify = [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      verdicts[i] = ClassifyOne(fresh[i], arena);
    }
  };
  if (spread) {
    ParallelRanges(fresh.size(), kEntriesPerClassifyPart, classify);
  } else {
    classify(0, fresh.size());
  }
  std::vector<Rejection> letters;
  for (std::optional<Rejection>& v : verdicts) {
    if (v.has_value()) letters.push_back(*std::move(v));
  }
  return letters;
}

absl::Status StreamConsumer::ProcessWork(RedisConnection* conn, bool stopping,
                                         bool* progress) {
  // 1. Everything that cannot be applied is dead-lettered now.
  std::vector<Rejection> letters = Classify(/*spread=*/true);
  if (!letters.empty()) {
    absl::Status status = DeadLetter(conn, letters);
    if (!status.ok()) return status;
    for (const Rejection& letter : letters) {
      const StreamId id = letter.entry->id;
      work_.erase(id);
    }
    summary_.reset();  // they were acknowledged
    *progress = true;
  }
  if (work_.empty()) return absl::OkStatus();

  // 2. Per-game order: hold back entries behind a foreign pending one.
  absl::flat_hash_map<std::string, StreamId> foreign;
  std::optional<StreamId> bound;
  absl::Status status =
      ForeignPending(conn, work_.rbegin()->first, &foreign, &bound);
  if (!status.ok()) return status;
  std::map<std::string, std::vector<StreamEntry*>> by_game;
  absl::flat_hash_set<std::string> blocked;
  for (auto& [id, e] : work_) {
    if (blocked.contains(e.game_id)) continue;
    auto f = foreign.find(e.game_id);
    if ((f != foreign.end() && f->second < id) ||
        (bound.has_value() && *bound < id)) {
      blocked.insert(e.game_id);  // keep stream order: later ones wait too
      continue;
    }
    by_game[e.game_id].push_back(&e);
  }

  // 3. Apply each game's ready entries, reading ahead while Redis commits.
  std::optional<Piggyback> read_ahead;
  if (!stopping && static_cast<int>(work_.size()) >= batch_size_ / 2) {
    read_ahead = ReadAhead();
  }
  for (auto& [game_id, entries] : by_game) {
    const GameRuntime* game = catalog_->FindGame(game_id);
    if (game == nullptr) continue;  // validated above; cannot happen
    status = ApplyGame(conn, *game, std::move(entries),
                       read_ahead.has_value() ? &*read_ahead : nullptr);
    if (!status.ok()) return status;
    *progress = true;
  }
  if (read_ahead.has_value() && !read_ahead->sent) {
    // Its acknowledgements are still to go, before anything else of ours.
    Commands acks(read_ahead->commands.begin(), read_ahead->commands.end() - 2);
    deferred_.insert(deferred_.begin(), std::make_move_iterator(acks.begin()),
                     std::make_move_iterator(acks.end()));
  }
  return absl::OkStatus();
}

Piggyback StreamConsumer::ReadAhead() {
  Piggyback p;
  p.commands = std::move(deferred_);
  deferred_.clear();
  const size_t acks = p.commands.size();
  p.commands.push_back({"XREADGROUP", "GROUP", group_, consumer_, "COUNT",
                        absl::StrCat(batch_size_), "STREAMS", stream_, ">"});
  p.commands.push_back({"XPENDING", stream_, group_});
  p.use = [this, acks](std::vector<RedisReply> replies) {
    LogFailedAcks(replies, std::min(acks, replies.size()));
    if (replies.size() != acks + 2) return;
    RedisReply& read = replies[acks];
    RedisReply& summary = replies[acks + 1];
    // An error (e.g. the group was deleted) leaves it to the next read.
    if (read.is_error() || summary.is_error()) return;
    if (IsArray(read) && !read.elements.empty()) AddReadEntries(&read);
    summary_ = std::move(summary);
    ack_debt_ = 0;
    prefetched_ = true;
    // Decoded now, while Redis runs the commit (one thread: Redis has the
    // other core). Dead letters are found again by the next pass.
    (void)Classify(/*spread=*/false);
  };
  return p;
}

absl::Status StreamConsumer::ApplyGame(RedisConnection* conn,
                                       const GameRuntime& game,
                                       std::vector<StreamEntry*> entries,
                                       Piggyback* read_ahead) {
  const std::string& g = game.config.game_id();
  while (!entries.empty()) {
    std::vector<std::vector<StreamEntry*>> batches;
    for (size_t i = 0; i < entries.size(); i += transaction_size_) {
      const size_t end = std::min(entries.size(), i + transaction_size_);
      batches.emplace_back(entries.begin() + i, entries.begin() + end);
    }
    ChainResult chain = batch_->Apply(conn, game, batches, read_ahead);
    size_t committed = 0;  // entries of `entries` done with
    for (size_t b = 0; b < chain.batches.size(); ++b) {
      GameBatchResult& result = chain.batches[b];
      if (!result.rejected.empty()) {
        // Dead-letter the refused entries first, then apply the rest
        // again: the dead-letter stream is not among the game's keys.
        absl::Status status = DeadLetter(conn, result.rejected);
        if (!status.ok()) return status;
        absl::flat_hash_set<const StreamEntry*> gone;
        for (const Rejection& r : result.rejected) gone.insert(r.entry);
        entries.erase(std::remove_if(entries.begin(), entries.end(),
                                     [&gone](const StreamEntry* e) {
                                       return gone.contains(e);
                                     }),
                      entries.end());
        for (const Rejection& r : result.rejected) {
          const StreamId id = r.entry->id;
          work_.erase(id);
        }
        break;
      }
      Committed(g, &result);
      for (const StreamEntry* e : batches[b]) {
        const StreamId id = e->id;
        work_.erase(id);
      }
      committed += batches[b].size();
    }
    // Rejected entries were removed behind the committed ones, which are
    // first in `entries`.
    entries.erase(entries.begin(), entries.begin() + committed);
    if (!chain.status.ok()) {
      size_t left = 0;
      for (size_t b = chain.batches.size(); b < batches.size(); ++b) {
        left += batches[b].size();
      }
      metrics_->failed->Increment(
          {g, conn->broken() ? "redis_unavailable" : "commit_error"}, left);
      return chain.status;
    }
    if (chain.batches.size() == batches.size() &&
        (chain.batches.empty() || chain.batches.back().rejected.empty())) {
      break;  // every batch committed
    }
  }
  return absl::OkStatus();
}

void StreamConsumer::Committed(const std::string& g, GameBatchResult* result) {
  // Counted per type and batch: one labelled increment each, not one per
  // event.
  std::map<std::string, int> by_type;
  for (const StreamEntry* e : result->applied) ++by_type[EventType(*e->event)];
  for (const auto& [type, n] : by_type) {
    metrics_->processed->Increment({g, type}, n);
  }
  if (!result->duplicates.empty()) {
    metrics_->duplicates->Increment({g}, result->duplicates.size());
  }
  if (!result->redelivered.empty()) {
    metrics_->already_applied->Increment({g}, result->redelivered.size());
  }
  if (!result->ack.empty()) {
    ack_debt_ += result->ack.size() - 3;  // XACK key group ids...
    deferred_.push_back(std::move(result->ack));
  }
}

}  // namespace worker
}  // namespace statstracker
