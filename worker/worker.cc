#include "worker/worker.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/event_validation.h"
#include "common/keys.h"
#include "common/logging.h"
#include "common/periods.h"
#include "worker/state_codec.h"

// How the guarantees of worker.h are met.
//
// Atomicity. All effects of the events of one game in hand (boards, stats,
// "seen" markers, the st:{g}:applied log, dead letters of entries a plugin
// rejected) and the XACK of those entries are queued in one MULTI/EXEC. A
// crash before EXEC leaves the entries pending (redelivered or reclaimed
// later); a crash after it leaves nothing to redo. Every key of a game
// carries the game's hash tag, so the transaction stays in one slot.
//
// Duplicates. st:{g}:seen:<event_id> is SET (PX dedup_window) in the same
// transaction; an event whose id is seen, in Redis or earlier in the batch,
// only gets acked.
//
// Concurrency (optimistic). Before reading, the worker WATCHes every key it
// reads: the seen keys of the batch's events, the :state, :members and
// :dcount hashes of each board period touched, and the stats hashes of the
// players involved. If another worker (or an admin reset/erase) writes one
// of them before our EXEC, EXEC returns nil and the batch is recomputed from
// fresh reads, so no read-modify-write update (Elo, Glicko-2, streaks) is
// lost.
//
// Per-game stream order. WATCH alone prevents lost updates but not
// reordering: two workers could commit two Elo matches of one game in the
// opposite of stream order. So a worker applies an entry of game g only when
// no entry of g with a smaller id is pending on another consumer. Entries
// are delivered in stream order (XREADGROUP ">"), so every smaller id was
// already delivered to someone; if it is not pending any more it has been
// applied (or dead-lettered). The check reads XPENDING up to our largest id
// and looks up the game of foreign entries (XRANGE, cached). The smallest
// pending entry of a game is never blocked, so some worker always makes
// progress; entries of a crashed consumer unblock once XAUTOCLAIM reclaims
// them after claim_idle. Held-back entries keep their idle time fresh with
// XCLAIM JUSTID so others do not reclaim them. Result: per game, effects
// equal a sequential replay in stream order, whatever the number of workers
// and crashes. Games are independent and proceed in parallel.
//
// In-batch composition. Events of one game in a batch are applied one after
// the other on in-memory copies of the states read; only the final state of
// each player is written (ZREM of the member read, ZADD of the final one),
// and the distinct-score counts change by the net difference.

namespace statstracker {
namespace worker {
namespace {

using Commands = std::vector<std::vector<std::string>>;

constexpr absl::Duration kMaxBackoff = absl::Seconds(5);
constexpr absl::Duration kMinBackoff = absl::Milliseconds(100);
constexpr int kMaxConflictRetries = 200;
constexpr int kPendingScanCount = 10000;
constexpr int64_t kAppliedMaxLen = 100000;

std::string Ms(absl::Duration d) {
  return absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

absl::Duration FromProto(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

absl::Time EventTime(const v1::GameEvent& event) {
  return absl::FromUnixSeconds(event.occurred_at().seconds()) +
         absl::Nanoseconds(event.occurred_at().nanos());
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

// The event's value `key` for `player`: the participant's or the
// submission's values map.
std::optional<double> PlayerValue(const v1::GameEvent& event,
                                  const std::string& player,
                                  const std::string& key) {
  if (event.has_score_submitted()) {
    const auto& s = event.score_submitted();
    if (s.player_id() != player) return std::nullopt;
    auto it = s.values().find(key);
    if (it == s.values().end()) return std::nullopt;
    return it->second;
  }
  if (event.has_match_completed()) {
    for (const auto& p : event.match_completed().participants()) {
      if (p.player_id() != player) continue;
      auto it = p.values().find(key);
      if (it == p.values().end()) return std::nullopt;
      return it->second;
    }
  }
  return std::nullopt;
}

bool IsArray(const RedisReply& r) { return r.type == RedisReply::Type::kArray; }
bool IsString(const RedisReply& r) {
  return r.type == RedisReply::Type::kString ||
         r.type == RedisReply::Type::kStatus;
}

absl::Status ReplyError(absl::string_view what, const RedisReply& reply) {
  return absl::InternalError(
      absl::StrCat(what, " failed: ", reply.DebugString()));
}

// One board period the events of a batch touch.
struct PlayerSlot {
  std::optional<ScorerState> original;  // as read
  std::string original_member;          // empty when none
  std::optional<ScorerState> current;   // after the events so far
  bool changed = false;
  std::optional<double> secondary;
  absl::Time reached_at;
};
struct BoardSlot {
  const BoardRuntime* board = nullptr;
  std::string period;
  std::optional<Period> period_info;
  std::vector<std::string> players;  // to read, unique
  absl::flat_hash_set<std::string> player_set;
  absl::flat_hash_map<std::string, PlayerSlot> entries;
};
struct StatsSlot {
  StatMap original;
  StatMap current;
  std::set<std::string> changed;
};

}  // namespace

std::optional<StreamId> StreamId::Parse(absl::string_view text) {
  StreamId id;
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits('-', 1));
  if (!absl::SimpleAtoi(parts.first, &id.ms)) return std::nullopt;
  if (!parts.second.empty() && !absl::SimpleAtoi(parts.second, &id.seq)) {
    return std::nullopt;
  }
  return id;
}

std::string StreamId::ToString() const { return absl::StrCat(ms, "-", seq); }

WorkerMetrics::WorkerMetrics(MetricsRegistry* registry) {
  processed = registry->AddCounter(
      "statstracker_worker_events_processed_total",
      "Events applied to boards and stats, by game and payload type.",
      {"game", "type"});
  duplicates = registry->AddCounter(
      "statstracker_worker_events_duplicate_total",
      "Events dropped because their event_id was already applied.", {"game"});
  dead_lettered = registry->AddCounter(
      "statstracker_worker_events_dead_lettered_total",
      "Entries moved to the dead-letter stream, by game and reason.",
      {"game", "reason"});
  failed = registry->AddCounter(
      "statstracker_worker_events_failed_total",
      "Events whose commit failed (they stay pending and are retried).",
      {"game", "reason"});
  conflicts = registry->AddCounter(
      "statstracker_worker_transaction_conflicts_total",
      "Transactions aborted by a concurrent write to a WATCHed key.", {"game"});
  batch_seconds = registry->AddHistogram(
      "statstracker_worker_batch_duration_seconds",
      "Time to apply and commit one batch of entries.", {},
      {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5});
  lag = registry->AddGauge(
      "statstracker_worker_consumer_lag",
      "Stream entries not yet delivered to the group (XINFO GROUPS lag).",
      {"stream", "group"});
  pending = registry->AddGauge(
      "statstracker_worker_pending_entries",
      "Entries delivered to the group but not yet acknowledged.",
      {"stream", "group"});
  redis_up =
      registry->AddGauge("statstracker_worker_redis_up",
                         "1 while the worker is connected to Redis.", {});
}

Worker::Worker(const v1::StatsTrackerConfig& config, const GameCatalog* catalog,
               WorkerMetrics* metrics)
    : config_(config), catalog_(catalog), metrics_(metrics) {
  stream_ = config_.stream().key();
  field_ = config_.stream().field();
  group_ = config_.stream().group();
  dead_key_ = config_.stream().dead_letter_key();
  consumer_ = config_.worker().consumer_name();
  batch_size_ = static_cast<int>(config_.worker().batch_size());
  if (batch_size_ <= 0) batch_size_ = 256;
  block_ = FromProto(config_.worker().block());
  claim_idle_ = FromProto(config_.worker().claim_idle());
  if (claim_idle_ <= absl::ZeroDuration()) claim_idle_ = absl::Seconds(60);
  dedup_window_ = FromProto(config_.worker().dedup_window());
  if (dedup_window_ <= absl::ZeroDuration()) dedup_window_ = absl::Hours(168);
  max_deliveries_ = config_.worker().max_deliveries();
  if (max_deliveries_ <= 0) max_deliveries_ = 5;
}

Worker::~Worker() = default;

absl::Status Worker::Connect() {
  conn_.reset();
  absl::Duration timeout = FromProto(config_.redis().timeout());
  if (timeout <= absl::ZeroDuration()) timeout = absl::Seconds(2);
  // XREADGROUP blocks for `block_`; the command timeout must outlast it.
  auto conn = RedisConnection::Connect(
      config_.redis().host(), config_.redis().port(),
      timeout + block_ + absl::Seconds(1), config_.redis().password());
  if (!conn.ok()) return conn.status();
  conn_ = *std::move(conn);
  // After a reconnect Redis may have lost or changed anything: start over
  // from what the group says we hold.
  work_.clear();
  reload_own_ = true;
  next_claim_ = absl::InfinitePast();
  return EnsureGroup();
}

absl::Status Worker::EnsureGroup() {
  // Id 0: a new group starts with the events already in the stream.
  auto reply =
      conn_->Command({"XGROUP", "CREATE", stream_, group_, "0", "MKSTREAM"});
  if (!reply.ok()) return reply.status();
  if (reply->is_error() && reply->str.find("BUSYGROUP") == std::string::npos) {
    return ReplyError("XGROUP CREATE", *reply);
  }
  return absl::OkStatus();
}

void Worker::Run(const std::atomic<bool>& stop) {
  absl::Duration backoff = kMinBackoff;
  absl::Time stop_deadline = absl::InfiniteFuture();
  while (true) {
    bool stopping = stop.load();
    if (stopping && stop_deadline == absl::InfiniteFuture()) {
      stop_deadline = absl::Now() + absl::Seconds(5);
      Log(LogLevel::kInfo, "worker stopping: finishing the entries in hand",
          {{"in_hand", absl::StrCat(work_.size())}});
    }
    if (conn_ == nullptr || conn_->broken()) {
      if (stopping) break;  // nothing in hand can commit without Redis
      absl::Status status = Connect();
      if (!status.ok()) {
        metrics_->redis_up->Set({}, 0);
        if (!redis_down_) {
          redis_down_ = true;
          Log(LogLevel::kWarning, "redis unavailable; retrying with backoff",
              {{"error", std::string(status.message())}});
        }
        conn_.reset();
        absl::SleepFor(backoff);
        backoff = std::min(backoff * 2, kMaxBackoff);
        continue;
      }
      metrics_->redis_up->Set({}, 1);
      backoff = kMinBackoff;
      if (redis_down_) {
        redis_down_ = false;
        Log(LogLevel::kInfo, "redis connection restored");
      }
    }
    absl::Status status = Step(stopping);
    if (!status.ok()) {
      if (conn_ != nullptr && !conn_->broken()) {
        Log(LogLevel::kError, "worker step failed",
            {{"error", std::string(status.message())}});
        absl::SleepFor(absl::Milliseconds(100));
      }
      // A broken connection is handled at the top of the loop.
      continue;
    }
    if (stopping && (work_.empty() || absl::Now() > stop_deadline)) break;
  }
  if (!work_.empty()) {
    Log(LogLevel::kWarning, "worker stopped with entries left pending",
        {{"pending", absl::StrCat(work_.size())}});
  }
}

absl::Status Worker::Step(bool stopping) {
  absl::Status status;
  if (reload_own_) {
    status = LoadOwnPending();
    if (!status.ok()) return status;
  }
  absl::Time now = absl::Now();
  if (!stopping && now >= next_claim_) {
    status = Claim();
    if (!status.ok()) return status;
    next_claim_ = now + std::max(absl::Milliseconds(50), claim_idle_ / 4);
  }
  if (now >= next_refresh_) {
    status = RefreshIdle();
    if (!status.ok()) return status;
    next_refresh_ = now + std::max(absl::Milliseconds(50), claim_idle_ / 4);
  }
  if (!stopping && static_cast<int>(work_.size()) < batch_size_) {
    status = ReadNew(/*block=*/work_.empty());
    if (!status.ok()) return status;
  }
  if (work_.empty()) {
    // Without a blocking read (block 0) do not spin on an empty stream.
    if (block_ <= absl::ZeroDuration()) absl::SleepFor(absl::Milliseconds(10));
    return absl::OkStatus();
  }
  bool progress = false;
  absl::Time start = absl::Now();
  status = ProcessWork(&progress);
  if (!status.ok()) return status;
  if (progress) {
    metrics_->batch_seconds->Observe(
        {}, absl::ToDoubleSeconds(absl::Now() - start));
  } else {
    // Everything in hand waits for another worker's earlier entries.
    absl::SleepFor(absl::Milliseconds(5));
  }
  return absl::OkStatus();
}

void Worker::AddEntries(const RedisReply& entries) {
  if (!IsArray(entries)) return;
  for (const RedisReply& e : entries.elements) {
    if (!IsArray(e) || e.elements.empty() || !IsString(e.elements[0])) {
      continue;
    }
    auto id = StreamId::Parse(e.elements[0].str);
    if (!id.has_value()) continue;
    if (work_.count(*id)) continue;
    Entry entry;
    entry.id = *id;
    entry.id_text = e.elements[0].str;
    if (e.elements.size() > 1 && IsArray(e.elements[1])) {
      const auto& fields = e.elements[1].elements;
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        if (fields[i].str == field_) {
          entry.has_field = true;
          entry.bytes = fields[i + 1].str;
          break;
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
}

absl::Status Worker::LoadOwnPending() {
  std::string last = "0";
  while (true) {
    auto reply = conn_->Command({"XREADGROUP", "GROUP", group_, consumer_,
                                 "COUNT", "1000", "STREAMS", stream_, last});
    if (!reply.ok()) return reply.status();
    if (reply->is_error()) {
      if (reply->str.find("NOGROUP") != std::string::npos) {
        absl::Status s = EnsureGroup();
        if (!s.ok()) return s;
        continue;
      }
      return ReplyError("XREADGROUP (own pending)", *reply);
    }
    if (!IsArray(*reply) || reply->elements.empty()) break;
    const RedisReply& stream = reply->elements[0];
    if (!IsArray(stream) || stream.elements.size() < 2 ||
        !IsArray(stream.elements[1]) || stream.elements[1].elements.empty()) {
      break;
    }
    const RedisReply& entries = stream.elements[1];
    AddEntries(entries);
    const RedisReply& tail = entries.elements.back();
    if (!IsArray(tail) || tail.elements.empty()) break;
    last = tail.elements[0].str;
  }
  reload_own_ = false;
  return UpdateDeliveries();
}

absl::Status Worker::UpdateDeliveries() {
  if (work_.empty()) return absl::OkStatus();
  auto reply = conn_->Command({"XPENDING", stream_, group_, "-", "+",
                               absl::StrCat(kPendingScanCount), consumer_});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return ReplyError("XPENDING", *reply);
  for (const RedisReply& row : reply->elements) {
    if (!IsArray(row) || row.elements.size() < 4) continue;
    auto id = StreamId::Parse(row.elements[0].str);
    if (!id.has_value()) continue;
    auto it = work_.find(*id);
    if (it != work_.end() && it->second.deliveries >= 0) {
      it->second.deliveries = row.elements[3].integer;
    }
  }
  return absl::OkStatus();
}

absl::Status Worker::Claim() {
  std::string cursor = "0-0";
  bool claimed_any = false;
  while (static_cast<int>(work_.size()) < batch_size_ * 4) {
    auto reply = conn_->Command({"XAUTOCLAIM", stream_, group_, consumer_,
                                 Ms(claim_idle_), cursor, "COUNT",
                                 absl::StrCat(batch_size_)});
    if (!reply.ok()) return reply.status();
    if (reply->is_error()) {
      if (reply->str.find("NOGROUP") != std::string::npos) {
        return EnsureGroup();
      }
      return ReplyError("XAUTOCLAIM", *reply);
    }
    if (!IsArray(*reply) || reply->elements.size() < 2) break;
    size_t before = work_.size();
    // Entries we already hold (idle because they waited) are refreshed by
    // the claim itself; AddEntries skips them.
    AddEntries(reply->elements[1]);
    if (work_.size() > before) claimed_any = true;
    cursor = reply->elements[0].str;
    if (cursor == "0-0") break;
  }
  if (claimed_any) {
    Log(LogLevel::kInfo, "reclaimed idle entries of other consumers",
        {{"in_hand", absl::StrCat(work_.size())}});
    return UpdateDeliveries();
  }
  return absl::OkStatus();
}

absl::Status Worker::RefreshIdle() {
  if (work_.empty()) return absl::OkStatus();
  std::vector<std::string> cmd = {"XCLAIM", stream_, group_, consumer_, "0"};
  for (const auto& [id, entry] : work_) cmd.push_back(entry.id_text);
  cmd.push_back("JUSTID");
  auto reply = conn_->Command(cmd);
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return ReplyError("XCLAIM", *reply);
  return absl::OkStatus();
}

absl::Status Worker::ReadNew(bool block) {
  std::vector<std::string> cmd = {
      "XREADGROUP", "GROUP",
      group_,       consumer_,
      "COUNT",      absl::StrCat(batch_size_ - static_cast<int>(work_.size()))};
  if (block && block_ > absl::ZeroDuration()) {
    cmd.push_back("BLOCK");
    cmd.push_back(Ms(block_));
  }
  cmd.insert(cmd.end(), {"STREAMS", stream_, ">"});
  auto reply = conn_->Command(cmd);
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) {
    if (reply->str.find("NOGROUP") != std::string::npos) return EnsureGroup();
    return ReplyError("XREADGROUP", *reply);
  }
  if (!IsArray(*reply) || reply->elements.empty()) return absl::OkStatus();
  const RedisReply& stream = reply->elements[0];
  if (IsArray(stream) && stream.elements.size() >= 2) {
    AddEntries(stream.elements[1]);
  }
  return absl::OkStatus();
}

void Worker::AddDeadLetterCommands(const DeadLetter& letter,
                                   Commands* commands) {
  const Entry& e = *letter.entry;
  std::vector<std::string> xadd = {
      "XADD",
      dead_key_,
      "*",
      "event",
      e.bytes,
      "reason",
      letter.reason,
      "deliveries",
      absl::StrCat(std::max<int64_t>(e.deliveries, 1)),
      "source_id",
      e.id_text};
  if (!e.game_id.empty()) {
    xadd.push_back("game_id");
    xadd.push_back(e.game_id);
  }
  xadd.push_back("consumer");
  xadd.push_back(consumer_);
  commands->push_back(std::move(xadd));
  commands->push_back({"XACK", stream_, group_, e.id_text});
}

absl::Status Worker::DeadLetterEntries(const std::vector<DeadLetter>& letters) {
  if (letters.empty()) return absl::OkStatus();
  Commands commands = {{"MULTI"}};
  for (const DeadLetter& letter : letters) {
    if (letter.entry->deliveries < 0) {
      // Deleted from the stream: nothing to keep, just release it.
      commands.push_back({"XACK", stream_, group_, letter.entry->id_text});
    } else {
      AddDeadLetterCommands(letter, &commands);
    }
  }
  commands.push_back({"EXEC"});
  auto replies = conn_->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  const RedisReply& exec = replies->back();
  if (!IsArray(exec)) return ReplyError("EXEC (dead letters)", exec);
  for (const DeadLetter& letter : letters) {
    if (letter.entry->deliveries < 0) continue;
    metrics_->dead_lettered->Increment(
        {letter.entry->game_id.empty() ? "unknown" : letter.entry->game_id,
         letter.category});
    Log(LogLevel::kWarning, "entry dead-lettered",
        {{"id", letter.entry->id_text},
         {"game", letter.entry->game_id},
         {"reason", letter.reason}});
  }
  return absl::OkStatus();
}

absl::Status Worker::ForeignPending(
    const StreamId& max_id, absl::flat_hash_map<std::string, StreamId>* out,
    std::optional<StreamId>* bound) {
  auto reply =
      conn_->Command({"XPENDING", stream_, group_, "-", max_id.ToString(),
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
  auto replies = conn_->Pipeline(commands);
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

absl::Status Worker::ProcessWork(bool* progress) {
  // 1. Classify: everything that cannot be applied is dead-lettered now.
  std::vector<DeadLetter> letters;
  for (auto& [id, e] : work_) {
    if (e.event.has_value()) continue;
    if (e.deliveries < 0) {
      letters.push_back({&e, "deleted from the stream", "deleted"});
      continue;
    }
    v1::GameEvent event;
    bool decoded = e.has_field && event.ParseFromString(e.bytes);
    if (decoded) e.game_id = event.game_id();
    if (e.deliveries > max_deliveries_) {
      letters.push_back(
          {&e,
           absl::StrCat("delivered ", e.deliveries,
                        " times, more than worker.max_deliveries (",
                        max_deliveries_, ")"),
           "max_deliveries"});
      continue;
    }
    if (!e.has_field) {
      letters.push_back(
          {&e,
           absl::StrCat("undecodable: the entry has no field '", field_, "'"),
           "undecodable"});
      continue;
    }
    if (!decoded) {
      letters.push_back(
          {&e,
           absl::StrCat("undecodable: field '", field_,
                        "' is not a serialized statstracker.v1.GameEvent (",
                        e.bytes.size(), " bytes)"),
           "undecodable"});
      continue;
    }
    absl::Status valid = ValidateEventShape(event);
    if (!valid.ok()) {
      e.game_id.clear();  // not a trustworthy id (and not a metrics label)
      letters.push_back(
          {&e, absl::StrCat("invalid: ", valid.message()), "invalid"});
      continue;
    }
    valid = ValidateEvent(event, *catalog_);
    if (!valid.ok()) {
      bool unknown_game = catalog_->FindGame(event.game_id()) == nullptr;
      letters.push_back({&e,
                         unknown_game
                             ? absl::StrCat("unknown game '", event.game_id(),
                                            "': ", valid.message())
                             : absl::StrCat("invalid: ", valid.message()),
                         unknown_game ? "unknown_game" : "invalid"});
      continue;
    }
    e.event = std::move(event);
  }
  if (!letters.empty()) {
    absl::Status status = DeadLetterEntries(letters);
    if (!status.ok()) return status;
    for (const DeadLetter& letter : letters) work_.erase(letter.entry->id);
    *progress = true;
  }
  if (work_.empty()) return absl::OkStatus();

  // 2. Per-game order: hold back entries behind a foreign pending one.
  absl::flat_hash_map<std::string, StreamId> foreign;
  std::optional<StreamId> bound;
  absl::Status status = ForeignPending(work_.rbegin()->first, &foreign, &bound);
  if (!status.ok()) return status;
  std::map<std::string, std::vector<Entry*>> by_game;
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

  // 3. Apply each game's ready entries in one transaction.
  for (const auto& [game_id, entries] : by_game) {
    const GameRuntime* game = catalog_->FindGame(game_id);
    if (game == nullptr) continue;  // validated above; cannot happen
    status = ApplyGame(*game, entries);
    if (!status.ok()) {
      metrics_->failed->Increment(
          {game_id, conn_->broken() ? "redis_unavailable" : "commit_error"},
          entries.size());
      return status;
    }
    for (Entry* e : entries) work_.erase(e->id);
    *progress = true;
  }
  return absl::OkStatus();
}

absl::Status Worker::ApplyGame(const GameRuntime& game,
                               const std::vector<Entry*>& entries) {
  const std::string& g = game.config.game_id();
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    // Which board periods and players each event touches. Plugins say whom
    // they need from the event alone, so this is known before any read.
    std::map<std::pair<size_t, std::string>, BoardSlot> slots;
    std::vector<std::vector<BoardSlot*>> event_slots(entries.size());
    std::vector<std::string> stat_players;
    absl::flat_hash_map<std::string, StatsSlot> stats;
    for (size_t i = 0; i < entries.size(); ++i) {
      const v1::GameEvent& event = *entries[i]->event;
      for (size_t b = 0; b < game.boards.size(); ++b) {
        const BoardRuntime& board = game.boards[b];
        if (event.has_score_submitted() &&
            !event.score_submitted().leaderboard_id().empty() &&
            event.score_submitted().leaderboard_id() !=
                board.config.leaderboard_id()) {
          continue;
        }
        std::string period(keys::kAllTimePeriod);
        std::optional<Period> info;
        if (board.config.has_period()) {
          auto p = PeriodAt(board.config, EventTime(event));
          if (!p.ok()) continue;  // outside every season: counts in none
          std::optional<absl::Time> expiry = PeriodExpiry(board.config, *p);
          // A period already past its retention would be written only to
          // expire at once (and leave its id in the periods index).
          if (expiry.has_value() && *expiry <= absl::Now()) continue;
          period = p->id;
          info = *std::move(p);
        }
        BoardSlot& slot = slots[{b, period}];
        if (slot.board == nullptr) {
          slot.board = &board;
          slot.period = period;
          slot.period_info = info;
        }
        for (std::string& p : board.scorer->PlayersToRead(event)) {
          if (slot.player_set.insert(p).second) {
            slot.players.push_back(std::move(p));
          }
        }
        event_slots[i].push_back(&slot);
      }
      for (const auto& handler : game.handlers) {
        for (std::string& p : handler->PlayersToRead(event)) {
          if (!stats.contains(p)) {
            stats[p];
            stat_players.push_back(std::move(p));
          }
        }
      }
    }

    // WATCH, then read, in one round trip.
    std::vector<std::string> watch = {"WATCH"};
    Commands reads;
    for (Entry* e : entries) {
      std::string seen = keys::Seen(g, e->event->event_id());
      watch.push_back(seen);
      reads.push_back({"EXISTS", seen});
    }
    for (auto& [key, slot] : slots) {
      const std::string& board_id = slot.board->config.leaderboard_id();
      std::string state = keys::BoardState(g, board_id, slot.period);
      std::string members = keys::BoardMembers(g, board_id, slot.period);
      watch.push_back(state);
      watch.push_back(members);
      watch.push_back(keys::BoardDistinctCount(g, board_id, slot.period));
      if (slot.players.empty()) {
        reads.push_back({"PING"});
        reads.push_back({"PING"});
        continue;
      }
      std::vector<std::string> hs = {"HMGET", state};
      std::vector<std::string> hm = {"HMGET", members};
      hs.insert(hs.end(), slot.players.begin(), slot.players.end());
      hm.insert(hm.end(), slot.players.begin(), slot.players.end());
      reads.push_back(std::move(hs));
      reads.push_back(std::move(hm));
    }
    for (const std::string& p : stat_players) {
      std::string key = keys::PlayerStats(g, p);
      watch.push_back(key);
      reads.push_back({"HGETALL", key});
    }
    reads.insert(reads.begin(), watch);
    auto replies = conn_->Pipeline(reads);
    if (!replies.ok()) return replies.status();
    for (const RedisReply& r : *replies) {
      if (r.is_error()) return ReplyError("reading a batch's state", r);
    }
    size_t pos = 1;
    absl::flat_hash_set<std::string> seen;
    for (Entry* e : entries) {
      if ((*replies)[pos++].integer > 0) seen.insert(e->event->event_id());
    }
    for (auto& [key, slot] : slots) {
      const RedisReply& hs = (*replies)[pos++];
      const RedisReply& hm = (*replies)[pos++];
      for (size_t i = 0; i < slot.players.size(); ++i) {
        PlayerSlot& ps = slot.entries[slot.players[i]];
        if (i < hs.elements.size() && IsString(hs.elements[i])) {
          auto state = DecodeScorerState(hs.elements[i].str);
          if (state.ok()) {
            ps.original = *state;
            ps.current = *std::move(state);
          } else {
            Log(LogLevel::kWarning, "ignoring a malformed scorer state",
                {{"game", g},
                 {"error", std::string(state.status().message())}});
          }
        }
        if (i < hm.elements.size() && IsString(hm.elements[i])) {
          ps.original_member = hm.elements[i].str;
        }
      }
    }
    for (const std::string& p : stat_players) {
      const RedisReply& h = (*replies)[pos++];
      StatsSlot& slot = stats[p];
      for (size_t i = 0; i + 1 < h.elements.size(); i += 2) {
        for (const StatSpec& spec : game.stats) {
          if (spec.name != h.elements[i].str || spec.derived) continue;
          auto value = ParseStatValue(h.elements[i + 1].str, spec.type);
          if (value.ok()) slot.original[spec.name] = *value;
          break;
        }
      }
      slot.current = slot.original;
    }

    // Apply the events one after the other on the in-memory copies.
    std::vector<DeadLetter> rejected;
    std::vector<Entry*> applied;
    int duplicates = 0;
    for (size_t i = 0; i < entries.size(); ++i) {
      Entry* e = entries[i];
      const v1::GameEvent& event = *e->event;
      if (seen.contains(event.event_id())) {
        ++duplicates;
        continue;
      }
      std::vector<std::pair<BoardSlot*, ScoreChange>> board_changes;
      std::vector<StatChange> stat_changes;
      std::string reject;
      for (BoardSlot* slot : event_slots[i]) {
        absl::flat_hash_map<std::string, ScorerState> current;
        for (const std::string& p : slot->board->scorer->PlayersToRead(event)) {
          const PlayerSlot& ps = slot->entries[p];
          if (ps.current.has_value()) current[p] = *ps.current;
        }
        auto changes = slot->board->scorer->Score(event, current);
        if (!changes.ok()) {
          reject =
              absl::StrCat("rejected by scorer '", slot->board->config.scorer(),
                           "' of board '", slot->board->config.leaderboard_id(),
                           "': ", changes.status().message());
          break;
        }
        for (ScoreChange& c : *changes) {
          board_changes.emplace_back(slot, std::move(c));
        }
      }
      // Stats changes of this event, visible to later handlers of the same
      // event, merged only if no plugin rejects the event.
      absl::flat_hash_map<std::string, StatMap> overlay;
      for (size_t h = 0; reject.empty() && h < game.handlers.size(); ++h) {
        absl::flat_hash_map<std::string, StatMap> current;
        for (const std::string& p : game.handlers[h]->PlayersToRead(event)) {
          StatMap merged;
          auto it = stats.find(p);
          if (it != stats.end()) merged = it->second.current;
          auto o = overlay.find(p);
          if (o != overlay.end()) {
            for (const auto& [name, value] : o->second) merged[name] = value;
          }
          if (!merged.empty()) current[p] = std::move(merged);
        }
        auto changes = game.handlers[h]->Apply(event, current);
        if (!changes.ok()) {
          reject = absl::StrCat("rejected by stats handler '",
                                game.config.stats(h).handler(),
                                "': ", changes.status().message());
          break;
        }
        for (const StatChange& c : *changes) {
          for (const auto& [name, value] : c.values) {
            overlay[c.player_id][name] = value;
          }
        }
      }
      if (!reject.empty()) {
        rejected.push_back({e, reject, "rejected"});
        continue;
      }
      for (auto& [player, values] : overlay) {
        auto found = stats.find(player);
        if (found == stats.end()) {
          Log(LogLevel::kWarning,
              "stats handler changed a player it did not read",
              {{"game", g}, {"player", player}});
          continue;
        }
        StatsSlot& slot = found->second;
        for (auto& [name, value] : values) {
          slot.current[name] = value;
          slot.changed.insert(name);
        }
      }
      for (auto& [slot, change] : board_changes) {
        if (!slot->player_set.contains(change.player_id)) {
          // The scorer contract: only players from PlayersToRead change.
          Log(LogLevel::kWarning, "scorer changed a player it did not read",
              {{"board", slot->board->config.leaderboard_id()},
               {"player", change.player_id}});
          continue;
        }
        PlayerSlot& ps = slot->entries[change.player_id];
        if (ps.current.has_value() &&
            SameScorerState(*ps.current, change.state)) {
          continue;  // unchanged: keep when the score was reached
        }
        ps.current = std::move(change.state);
        ps.changed = true;
        const auto& secondary = slot->board->config.secondary();
        ps.secondary =
            secondary.value_key().empty()
                ? std::nullopt
                : PlayerValue(event, change.player_id, secondary.value_key());
        ps.reached_at = EventTime(event);
      }
      seen.insert(event.event_id());
      applied.push_back(e);
    }

    // The writes: final state per player, net distinct-score counts.
    Commands tx = {{"MULTI"}};
    struct CountFix {
      std::string dcount, distinct, field;
      double stored;
      int64_t net;
    };
    std::vector<CountFix> decrements;
    for (auto& [key, slot] : slots) {
      const v1::LeaderboardConfig& cfg = slot.board->config;
      const std::string& board_id = cfg.leaderboard_id();
      std::string board_key = keys::Board(g, board_id, slot.period);
      std::string members = keys::BoardMembers(g, board_id, slot.period);
      std::string state = keys::BoardState(g, board_id, slot.period);
      std::string distinct = keys::BoardDistinct(g, board_id, slot.period);
      std::string dcount = keys::BoardDistinctCount(g, board_id, slot.period);
      std::map<std::string, std::pair<double, int64_t>>
          net;  // field -> (stored, n)
      bool wrote = false;
      for (const std::string& player : slot.players) {
        const PlayerSlot& ps = slot.entries[player];
        if (!ps.changed) continue;
        wrote = true;
        if (!ps.original_member.empty()) {
          tx.push_back({"ZREM", board_key, ps.original_member});
          if (ps.original.has_value()) {
            double old_stored =
                keys::StoredScore(ps.original->score, cfg.sort_order());
            auto& n = net[keys::FormatScore(old_stored)];
            n.first = old_stored;
            n.second -= 1;
          }
        }
        double stored = keys::StoredScore(ps.current->score, cfg.sort_order());
        std::string member = keys::EncodeMember(
            player, ps.secondary, cfg.secondary().sort_order(), ps.reached_at);
        tx.push_back({"ZADD", board_key, keys::FormatScore(stored), member});
        tx.push_back({"HSET", members, player, member});
        tx.push_back({"HSET", state, player, EncodeScorerState(*ps.current)});
        auto& n = net[keys::FormatScore(stored)];
        n.first = stored;
        n.second += 1;
      }
      for (const auto& [field, n] : net) {
        if (n.second > 0) {
          tx.push_back({"HINCRBY", dcount, field, absl::StrCat(n.second)});
          tx.push_back({"ZADD", distinct, keys::FormatScore(n.first), field});
        } else if (n.second < 0) {
          decrements.push_back({dcount, distinct, field, n.first, n.second});
        }
      }
      if (wrote && slot.period_info.has_value()) {
        tx.push_back(
            {"ZADD", keys::BoardPeriods(g, board_id),
             absl::StrCat(absl::ToUnixSeconds(slot.period_info->start)),
             slot.period});
        std::optional<absl::Time> expiry = PeriodExpiry(cfg, *slot.period_info);
        if (expiry.has_value()) {
          std::string at = absl::StrCat(absl::ToUnixMillis(*expiry));
          for (const std::string& k :
               {board_key, members, state, distinct, dcount}) {
            tx.push_back({"PEXPIREAT", k, at});
          }
        }
      }
    }
    if (!decrements.empty()) {
      // Whether a count reaches zero needs its current value; the dcount
      // hashes are WATCHed, so this read is part of the same snapshot.
      Commands counts;
      for (const CountFix& fix : decrements) {
        counts.push_back({"HGET", fix.dcount, fix.field});
      }
      auto values = conn_->Pipeline(counts);
      if (!values.ok()) return values.status();
      for (size_t i = 0; i < decrements.size(); ++i) {
        const CountFix& fix = decrements[i];
        int64_t have = 0;
        if (IsString((*values)[i])) {
          absl::SimpleAtoi((*values)[i].str, &have);
        }
        if (have + fix.net > 0) {
          tx.push_back(
              {"HINCRBY", fix.dcount, fix.field, absl::StrCat(fix.net)});
        } else {
          tx.push_back({"HDEL", fix.dcount, fix.field});
          tx.push_back({"ZREM", fix.distinct, fix.field});
        }
      }
    }
    for (auto& [player, slot] : stats) {
      if (slot.changed.empty()) continue;
      std::vector<std::string> hset = {"HSET", keys::PlayerStats(g, player)};
      for (const std::string& name : slot.changed) {
        hset.push_back(name);
        hset.push_back(FormatStatValue(slot.current[name]));
      }
      tx.push_back(std::move(hset));
    }
    std::string window = Ms(dedup_window_);
    for (Entry* e : applied) {
      tx.push_back({"SET", keys::Seen(g, e->event->event_id()), e->id_text,
                    "PX", window});
      tx.push_back({"XADD", keys::Applied(g), "MAXLEN", "~",
                    absl::StrCat(kAppliedMaxLen), "*", "event_id",
                    e->event->event_id(), "source_id", e->id_text});
    }
    for (const DeadLetter& letter : rejected) {
      AddDeadLetterCommands(letter, &tx);
    }
    std::vector<std::string> ack = {"XACK", stream_, group_};
    for (Entry* e : entries) ack.push_back(e->id_text);
    tx.push_back(std::move(ack));
    tx.push_back({"EXEC"});
    auto result = conn_->Pipeline(tx);
    if (!result.ok()) return result.status();
    for (size_t i = 0; i + 1 < result->size(); ++i) {
      if ((*result)[i].is_error()) {
        return ReplyError("queueing the batch transaction", (*result)[i]);
      }
    }
    const RedisReply& exec = result->back();
    if (exec.is_nil()) {
      // A WATCHed key changed: recompute from fresh reads.
      metrics_->conflicts->Increment({g});
      absl::SleepFor(absl::Microseconds(200 * (attempt + 1)));
      continue;
    }
    if (!IsArray(exec)) return ReplyError("EXEC", exec);
    for (const RedisReply& r : exec.elements) {
      if (r.is_error()) {
        Log(LogLevel::kError, "a command in the batch transaction failed",
            {{"game", g}, {"error", r.str}});
      }
    }
    for (Entry* e : applied) {
      metrics_->processed->Increment({g, EventType(*e->event)});
    }
    if (duplicates > 0) metrics_->duplicates->Increment({g}, duplicates);
    for (const DeadLetter& letter : rejected) {
      metrics_->dead_lettered->Increment({g, letter.category});
      Log(LogLevel::kWarning, "entry dead-lettered",
          {{"id", letter.entry->id_text},
           {"game", g},
           {"reason", letter.reason}});
    }
    return absl::OkStatus();
  }
  return absl::AbortedError("too many transaction conflicts");
}

void Worker::CollectGauges() {
  std::lock_guard<std::mutex> lock(gauge_mu_);
  if (gauge_conn_ == nullptr || gauge_conn_->broken()) {
    absl::Duration timeout = FromProto(config_.redis().timeout());
    if (timeout <= absl::ZeroDuration()) timeout = absl::Seconds(2);
    auto conn =
        RedisConnection::Connect(config_.redis().host(), config_.redis().port(),
                                 timeout, config_.redis().password());
    if (!conn.ok()) return;
    gauge_conn_ = *std::move(conn);
  }
  auto replies = gauge_conn_->Pipeline(
      {{"XINFO", "GROUPS", stream_}, {"XINFO", "STREAM", stream_}});
  if (!replies.ok() || !IsArray((*replies)[0])) return;
  std::string last_generated;
  const auto& s = (*replies)[1].elements;
  for (size_t i = 0; i + 1 < s.size(); i += 2) {
    if (s[i].str == "last-generated-id") last_generated = s[i + 1].str;
  }
  for (const RedisReply& group : (*replies)[0].elements) {
    if (!IsArray(group)) continue;
    const auto& f = group.elements;
    bool ours = false;
    for (size_t i = 0; i + 1 < f.size(); i += 2) {
      if (f[i].str == "name" && f[i + 1].str == group_) ours = true;
    }
    if (!ours) continue;
    for (size_t i = 0; i + 1 < f.size(); i += 2) {
      if (f[i].str == "pending") {
        metrics_->pending->Set({stream_, group_}, f[i + 1].integer);
      } else if (f[i].str == "last-delivered-id" &&
                 f[i + 1].str == last_generated) {
        // Everything was delivered. Redis 7.0's "lag" counter can be wrong
        // (or nil) after an AOF restart; this case is unambiguous.
        metrics_->lag->Set({stream_, group_}, 0);
        break;
      } else if (f[i].str == "lag" &&
                 f[i + 1].type == RedisReply::Type::kInteger) {
        metrics_->lag->Set({stream_, group_}, f[i + 1].integer);
      }
    }
  }
}

}  // namespace worker
}  // namespace statstracker
