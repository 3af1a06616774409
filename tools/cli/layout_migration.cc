#include "tools/cli/layout_migration.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/board_record.h"
#include "common/keys.h"
#include "common/layout_version.h"
#include "common/player_buckets.h"
#include "common/proto_duration.h"
#include "worker/dedup.h"
#include "worker/state_codec.h"

namespace statstracker {
namespace cli {
namespace {

using Commands = std::vector<std::vector<std::string>>;

constexpr size_t kLegacyPrefixBytes = 16;
constexpr uint64_t kLegacyNoSecondary = ~0ULL;
// A consumer that touched the stream this recently counts as a running
// worker (they block on XREADGROUP for worker.block, 2 s by default).
constexpr int64_t kActiveConsumerMs = 10000;

absl::Status Failed(absl::string_view what, const RedisReply& reply) {
  return absl::InternalError(
      absl::StrCat(what, ": ", reply.DebugString().substr(0, 300)));
}

// Runs `commands`; any error reply fails.
absl::StatusOr<std::vector<RedisReply>> RunAll(RedisConnection* conn,
                                               const Commands& commands,
                                               absl::string_view what) {
  auto replies = conn->Pipeline(commands);
  if (!replies.ok()) return replies.status();
  for (const RedisReply& r : *replies) {
    if (r.is_error()) return Failed(what, r);
  }
  return replies;
}

// A layout-1 ranking member.
struct LegacyMember {
  std::optional<double> secondary;
  absl::Time reached_at;
};

std::optional<LegacyMember> DecodeLegacyMember(
    const v1::LeaderboardConfig& board, absl::string_view member) {
  if (member.size() < kLegacyPrefixBytes) return std::nullopt;
  auto big_endian = [](absl::string_view s) {
    uint64_t v = 0;
    for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
    return v;
  };
  LegacyMember out;
  uint64_t secondary = big_endian(member.substr(0, 8));
  if (secondary != kLegacyNoSecondary) {
    if (board.secondary().sort_order() != v1::SORT_ORDER_ASCENDING) {
      secondary = ~secondary;  // higher-is-better keys were inverted
    }
    std::string key(8, '\0');
    for (int i = 7; i >= 0; --i) {
      key[i] = static_cast<char>(secondary & 0xFF);
      secondary >>= 8;
    }
    out.secondary = keys::FromOrderedKey(key);
  }
  const uint64_t micros = big_endian(member.substr(8, 8)) ^ (1ULL << 63);
  out.reached_at = absl::FromUnixMicros(static_cast<int64_t>(micros));
  return out;
}

// Refuses while a consumer of the event stream looks alive.
absl::Status CheckNoActiveWorkers(RedisConnection* conn,
                                  const v1::StatsTrackerConfig& config) {
  auto reply = conn->Command(
      {"XINFO", "CONSUMERS", config.stream().key(), config.stream().group()});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return absl::OkStatus();  // no stream or group
  for (const RedisReply& consumer : reply->elements) {
    std::string name;
    int64_t idle = -1;
    for (size_t i = 0; i + 1 < consumer.elements.size(); i += 2) {
      if (consumer.elements[i].str == "name")
        name = consumer.elements[i + 1].str;
      if (consumer.elements[i].str == "idle") {
        idle = consumer.elements[i + 1].integer;
      }
    }
    if (idle >= 0 && idle < kActiveConsumerMs) {
      return absl::FailedPreconditionError(absl::StrCat(
          "consumer '", name, "' of group '", config.stream().group(),
          "' was active ", idle,
          " ms ago: stop every worker (and server) first, or pass --force if "
          "it is gone"));
    }
  }
  return absl::OkStatus();
}

// Moves one board period to layout 2.
class BoardPeriodMigration {
 public:
  BoardPeriodMigration(RedisConnection* conn, const std::string& game_id,
                       const BoardRuntime& board, const std::string& period,
                       int chunk)
      : conn_(conn),
        game_(game_id),
        board_(board),
        period_(period),
        chunk_(chunk),
        id_(board.config.leaderboard_id()),
        ranking_(keys::Board(game_id, id_, period)),
        members_(ranking_ + ":members"),
        state_(ranking_ + ":state"),
        dcount_(ranking_ + ":dcount"),
        distinct_(keys::BoardDistinct(game_id, id_, period)),
        meta_(keys::BoardBuckets(game_id, id_, period)),
        aux_names_(board.scorer->AuxNames()) {}

  absl::Status Run(MigrationReport* report) {
    auto expiry = conn_->Command({"PEXPIRETIME", ranking_});
    if (!expiry.ok()) return expiry.status();
    absl::Status status = SizeBuckets();
    if (!status.ok()) return status;
    std::string cursor = "0";
    do {
      auto page = conn_->Command(
          {"HSCAN", members_, cursor, "COUNT", absl::StrCat(chunk_)});
      if (!page.ok()) return page.status();
      if (page->is_error() || page->elements.size() != 2) {
        return Failed("HSCAN", *page);
      }
      cursor = page->elements[0].str;
      const auto& fields = page->elements[1].elements;
      std::vector<std::pair<std::string, std::string>> players;
      for (size_t i = 0; i + 1 < fields.size(); i += 2) {
        players.emplace_back(fields[i].str, fields[i + 1].str);
      }
      if (!players.empty()) {
        status = MoveChunk(players, report);
        if (!status.ok()) return status;
      }
    } while (cursor != "0");
    status = RebuildDistinct();
    if (!status.ok()) return status;
    Commands finish = {{"UNLINK", members_, state_, dcount_}};
    if (expiry->integer > 0) {
      // The period's expiry carries over to every layout-2 key of it.
      const std::string at = absl::StrCat(expiry->integer);
      finish.push_back({"PEXPIREAT", ranking_, at});
      finish.push_back({"PEXPIREAT", meta_, at});
      finish.push_back({"PEXPIREAT", distinct_, at});
      for (uint32_t b = 0; b < buckets_.buckets(); ++b) {
        finish.push_back(
            {"PEXPIREAT", keys::BoardRecords(game_, id_, period_, b), at});
      }
    }
    ++report->board_periods;
    return RunAll(conn_, finish, "finishing a board period").status();
  }

 private:
  // The bucket state for the board's final size, chosen before any record
  // is written (or the one a previous, interrupted run chose).
  absl::Status SizeBuckets() {
    auto replies =
        RunAll(conn_, {{"HMGET", meta_, "level", "split"}, {"HLEN", members_}},
               "reading the board's size");
    if (!replies.ok()) return replies.status();
    const RedisReply& st = (*replies)[0];
    if (!st.elements[0].is_nil()) {
      int64_t level = 0, split = 0;
      absl::SimpleAtoi(st.elements[0].str, &level);
      if (!st.elements[1].is_nil())
        absl::SimpleAtoi(st.elements[1].str, &split);
      buckets_.level = static_cast<uint32_t>(level);
      buckets_.split = static_cast<uint32_t>(split);
      return absl::OkStatus();
    }
    const int64_t players = (*replies)[1].integer;
    while (buckets_.NeedsSplit(players)) buckets_ = buckets_.AfterSplit();
    if (buckets_.buckets() == 1) return absl::OkStatus();
    return RunAll(conn_,
                  {{"HSET", meta_, "level", absl::StrCat(buckets_.level),
                    "split", absl::StrCat(buckets_.split)}},
                  "writing the bucket state")
        .status();
  }

  absl::Status MoveChunk(
      const std::vector<std::pair<std::string, std::string>>& players,
      MigrationReport* report) {
    Commands reads;
    std::vector<std::string> hmget = {"HMGET", state_};
    for (const auto& [player, member] : players) {
      reads.push_back({"ZSCORE", ranking_, member});
      hmget.push_back(player);
    }
    reads.push_back(std::move(hmget));
    auto got = RunAll(conn_, reads, "reading layout-1 entries");
    if (!got.ok()) return got.status();
    const RedisReply& states = got->back();

    std::vector<std::string> zrem = {"ZREM", ranking_};
    std::vector<std::string> zadd = {"ZADD", ranking_};
    std::map<uint32_t, std::vector<std::string>> hset;
    std::vector<std::string> hdel_members = {"HDEL", members_};
    std::vector<std::string> hdel_state = {"HDEL", state_};
    for (size_t i = 0; i < players.size(); ++i) {
      const auto& [player, member] = players[i];
      hdel_members.push_back(player);
      hdel_state.push_back(player);
      const RedisReply& score = (*got)[i];
      auto legacy = DecodeLegacyMember(board_.config, member);
      if (score.is_nil() || !legacy.has_value()) {
        ++report->entries_without_ranking;
        continue;
      }
      ScorerState state;
      if (i < states.elements.size() && !states.elements[i].is_nil()) {
        auto decoded = worker::DecodeScorerState(states.elements[i].str);
        if (!decoded.ok()) return decoded.status();
        state = *std::move(decoded);
      }
      // Aux values layout 2 keeps: the scorer's declared ones.
      absl::flat_hash_map<std::string, double> aux;
      for (const std::string& name : aux_names_) {
        auto it = state.aux.find(name);
        if (it != state.aux.end()) aux[name] = it->second;
      }
      const std::string prefix = keys::MemberPrefix(
          board_.config,
          keys::HasSecondary(board_.config) ? legacy->secondary : std::nullopt,
          legacy->reached_at);
      auto record = EncodeBoardRecord(prefix, aux_names_, aux);
      if (!record.ok()) return record.status();
      zrem.push_back(member);
      zadd.push_back(score.str);
      zadd.push_back(prefix + player);
      std::vector<std::string>& fields = hset[buckets_.BucketOf(player)];
      fields.push_back(player);
      fields.push_back(*std::move(record));
      ++report->entries;
    }
    Commands tx = {{"MULTI"}};
    if (zrem.size() > 2) tx.push_back(std::move(zrem));
    if (zadd.size() > 2) tx.push_back(std::move(zadd));
    for (auto& [bucket, fields] : hset) {
      std::vector<std::string> cmd = {
          "HSET", keys::BoardRecords(game_, id_, period_, bucket)};
      cmd.insert(cmd.end(), fields.begin(), fields.end());
      tx.push_back(std::move(cmd));
    }
    tx.push_back(std::move(hdel_members));
    tx.push_back(std::move(hdel_state));
    tx.push_back({"EXEC"});
    auto written = RunAll(conn_, tx, "moving a chunk of entries");
    if (!written.ok()) return written.status();
    if (written->back().type != RedisReply::Type::kArray) {
      return Failed("EXEC", written->back());
    }
    return absl::OkStatus();
  }

  // Dense boards: the distinct index anew from the ranking's scores (its
  // members change encoding); other boards: gone.
  absl::Status RebuildDistinct() {
    auto del = RunAll(conn_, {{"UNLINK", distinct_}}, "UNLINK distinct");
    if (!del.ok()) return del.status();
    if (board_.config.tie_mode() != v1::TIE_MODE_DENSE) return absl::OkStatus();
    constexpr int kPage = 5000;
    std::set<double> scores;
    for (int64_t start = 0;; start += kPage) {
      auto page =
          conn_->Command({"ZRANGE", ranking_, absl::StrCat(start),
                          absl::StrCat(start + kPage - 1), "WITHSCORES"});
      if (!page.ok()) return page.status();
      if (page->is_error()) return Failed("ZRANGE", *page);
      for (size_t i = 1; i < page->elements.size(); i += 2) {
        double stored;
        if (absl::SimpleAtod(page->elements[i].str, &stored)) {
          scores.insert(stored);
        }
      }
      if (page->elements.size() < 2 * static_cast<size_t>(kPage)) break;
    }
    std::vector<std::string> zadd = {"ZADD", distinct_};
    Commands commands;
    for (double stored : scores) {
      zadd.push_back(keys::FormatScore(stored));
      zadd.push_back(keys::OrderedKey(stored));
      if (zadd.size() >= 2000) {
        commands.push_back(std::move(zadd));
        zadd = {"ZADD", distinct_};
      }
    }
    if (zadd.size() > 2) commands.push_back(std::move(zadd));
    if (commands.empty()) return absl::OkStatus();
    return RunAll(conn_, commands, "rebuilding the distinct index").status();
  }

  RedisConnection* conn_;
  const std::string game_;
  const BoardRuntime& board_;
  const std::string period_;
  const int chunk_;
  const std::string id_;
  const std::string ranking_, members_, state_, dcount_, distinct_, meta_;
  const std::vector<std::string> aux_names_;
  BucketState buckets_;
};

// The board's periods with data: "all", or those in its periods index.
absl::StatusOr<std::vector<std::string>> PeriodsOf(RedisConnection* conn,
                                                   const std::string& game_id,
                                                   const BoardRuntime& board) {
  if (!board.config.has_period()) {
    return std::vector<std::string>{std::string(keys::kAllTimePeriod)};
  }
  auto reply = conn->Command(
      {"ZRANGE", keys::BoardPeriods(game_id, board.config.leaderboard_id()),
       "0", "-1"});
  if (!reply.ok()) return reply.status();
  if (reply->is_error()) return Failed("ZRANGE periods", *reply);
  std::vector<std::string> out;
  for (const RedisReply& p : reply->elements) out.push_back(p.str);
  return out;
}

// Moves st:{g}:seen:<id> markers into the time-bucketed dedup sets.
absl::Status MigrateDedup(RedisConnection* conn, const std::string& game_id,
                          const worker::DedupBuckets& buckets,
                          absl::Duration window, MigrationReport* report) {
  const std::string prefix = keys::GameTag(game_id) + ":seen:";
  const absl::Time now = absl::Now();
  std::string cursor = "0";
  do {
    auto page =
        conn->Command({"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"});
    if (!page.ok()) return page.status();
    if (page->is_error() || page->elements.size() != 2) {
      return Failed("SCAN", *page);
    }
    cursor = page->elements[0].str;
    const auto& names = page->elements[1].elements;
    if (names.empty()) continue;
    Commands ttls;
    for (const RedisReply& name : names) ttls.push_back({"PTTL", name.str});
    auto got = RunAll(conn, ttls, "PTTL");
    if (!got.ok()) return got.status();
    std::map<int64_t, std::vector<std::string>> by_bucket;
    std::vector<std::string> del = {"UNLINK"};
    for (size_t i = 0; i < names.size(); ++i) {
      const int64_t ttl_ms = (*got)[i].integer;
      if (ttl_ms == -2) continue;  // expired meanwhile
      // Remembered for what is left of it, at most the new window.
      absl::Duration left =
          ttl_ms < 0 ? window : std::min(window, absl::Milliseconds(ttl_ms));
      const int64_t index =
          std::min(buckets.IndexAt(now + left - window), buckets.IndexAt(now));
      by_bucket[index].push_back(names[i].str.substr(prefix.size()));
      del.push_back(names[i].str);
      ++report->dedup_ids;
    }
    Commands writes;
    for (auto& [index, ids] : by_bucket) {
      const std::string key =
          keys::DedupBucket(game_id, buckets.width_seconds(), index);
      std::vector<std::string> sadd = {"SADD", key};
      sadd.insert(sadd.end(), ids.begin(), ids.end());
      writes.push_back(std::move(sadd));
      writes.push_back(
          {"PEXPIREAT", key,
           absl::StrCat(absl::ToUnixMillis(buckets.ExpiryOf(index)))});
    }
    if (del.size() > 1) writes.push_back(std::move(del));
    if (!writes.empty()) {
      auto written = RunAll(conn, writes, "moving dedup markers");
      if (!written.ok()) return written.status();
    }
  } while (cursor != "0");
  return absl::OkStatus();
}

// Games with layout-1 data that the config does not name.
absl::StatusOr<std::vector<std::string>> UnconfiguredGames(
    RedisConnection* conn, const GameCatalog& catalog) {
  std::set<std::string> found;
  std::string cursor = "0";
  do {
    auto page = conn->Command(
        {"SCAN", cursor, "MATCH", "st:{*}:applied", "COUNT", "1000"});
    if (!page.ok()) return page.status();
    if (page->is_error() || page->elements.size() != 2) {
      return Failed("SCAN", *page);
    }
    cursor = page->elements[0].str;
    for (const RedisReply& name : page->elements[1].elements) {
      const std::string& key = name.str;
      size_t open = key.find('{'), close = key.find('}');
      if (open == std::string::npos || close == std::string::npos) continue;
      std::string game = key.substr(open + 1, close - open - 1);
      if (catalog.FindGame(game) == nullptr) found.insert(game);
    }
  } while (cursor != "0");
  return std::vector<std::string>(found.begin(), found.end());
}

}  // namespace

absl::StatusOr<MigrationReport> MigrateToCurrentLayout(
    RedisConnection* conn, const v1::StatsTrackerConfig& config,
    const GameCatalog& catalog, const MigrationOptions& options,
    std::ostream& log) {
  MigrationReport report;
  auto version = conn->Command({"GET", keys::LayoutVersion()});
  if (!version.ok()) return version.status();
  if (version->is_error()) return Failed("GET", *version);
  const std::string current = absl::StrCat(keys::kLayoutVersion);
  if (!version->is_nil() && version->str == current) {
    report.already_current = true;
    return report;
  }
  if (!version->is_nil() && version->str != kLayoutMigrating) {
    return absl::FailedPreconditionError(absl::StrCat(
        "Redis holds storage layout \"", version->str.substr(0, 20),
        "\", which this version cannot migrate from"));
  }
  if (!options.force) {
    absl::Status idle = CheckNoActiveWorkers(conn, config);
    if (!idle.ok()) return idle;
  }
  auto unconfigured = UnconfiguredGames(conn, catalog);
  if (!unconfigured.ok()) return unconfigured.status();
  report.unconfigured_games = *std::move(unconfigured);
  auto marked = conn->Command({"SET", keys::LayoutVersion(), kLayoutMigrating});
  if (!marked.ok()) return marked.status();

  const absl::Duration window = ProtoDuration(config.worker().dedup_window());
  const worker::DedupBuckets dedup(window);
  for (const std::string& game_id : catalog.GameIds()) {
    const GameRuntime& game = *catalog.FindGame(game_id);
    for (const BoardRuntime& board : game.boards) {
      auto periods = PeriodsOf(conn, game_id, board);
      if (!periods.ok()) return periods.status();
      for (const std::string& period : *periods) {
        const int64_t before = report.entries;
        BoardPeriodMigration migration(conn, game_id, board, period,
                                       std::max(1, options.chunk));
        absl::Status status = migration.Run(&report);
        if (!status.ok()) {
          return absl::Status(
              status.code(),
              absl::StrCat(game_id, "/", board.config.leaderboard_id(), "/",
                           period, ": ", status.message()));
        }
        log << "migrated " << game_id << "/" << board.config.leaderboard_id()
            << "/" << period << ": " << (report.entries - before)
            << " entries\n";
      }
    }
    const int64_t ids_before = report.dedup_ids;
    absl::Status status = MigrateDedup(conn, game_id, dedup, window, &report);
    if (!status.ok()) return status;
    auto dropped =
        conn->Command({"UNLINK", keys::GameTag(game_id) + ":applied"});
    if (!dropped.ok()) return dropped.status();
    log << "migrated " << game_id
        << " dedup: " << (report.dedup_ids - ids_before) << " event ids\n";
  }
  auto done = conn->Command({"SET", keys::LayoutVersion(), current});
  if (!done.ok()) return done.status();
  if (done->is_error()) return Failed("SET", *done);
  return report;
}

}  // namespace cli
}  // namespace statstracker
