#include "tests/worker_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/board_record.h"
#include "common/keys.h"
#include "common/player_buckets.h"
#include "common/stream_partitions.h"

namespace statstracker {
namespace testing {
namespace {

constexpr char kStream[] = "statstracker:events";
constexpr char kGroup[] = "statstracker-workers";
constexpr char kDead[] = "statstracker:events:dead";

struct BoardInfo {
  const char* game;
  const char* board;
  v1::SortOrder order;
  v1::TieMode tie_mode;
  const char* secondary_key;  // "" for none
  v1::SortOrder secondary_order;
  bool best_score;  // the scorer keeps aux "secondary"
};
constexpr BoardInfo kBoards[] = {
    {"arcade", "high", v1::SORT_ORDER_DESCENDING, v1::TIE_MODE_UNIQUE, "kills",
     v1::SORT_ORDER_DESCENDING, true},
    {"arcade", "total", v1::SORT_ORDER_DESCENDING, v1::TIE_MODE_STANDARD, "",
     v1::SORT_ORDER_UNSPECIFIED, false},
    {"arcade", "daily", v1::SORT_ORDER_DESCENDING, v1::TIE_MODE_DENSE, "",
     v1::SORT_ORDER_UNSPECIFIED, true},
    {"arcade", "laps", v1::SORT_ORDER_ASCENDING, v1::TIE_MODE_UNIQUE, "",
     v1::SORT_ORDER_UNSPECIFIED, true},
    {"duel", "wins", v1::SORT_ORDER_DESCENDING, v1::TIE_MODE_STANDARD, "",
     v1::SORT_ORDER_UNSPECIFIED, false},
    {"duel", "elo", v1::SORT_ORDER_DESCENDING, v1::TIE_MODE_UNIQUE, "",
     v1::SORT_ORDER_UNSPECIFIED, false},
    {"duel", "points", v1::SORT_ORDER_DESCENDING, v1::TIE_MODE_DENSE, "",
     v1::SORT_ORDER_UNSPECIFIED, false},
    {"chess", "elo", v1::SORT_ORDER_DESCENDING, v1::TIE_MODE_UNIQUE, "",
     v1::SORT_ORDER_UNSPECIFIED, false},
};

// The parts of the board's config the storage layout depends on.
v1::LeaderboardConfig ConfigOf(const BoardInfo& info) {
  v1::LeaderboardConfig config;
  config.set_leaderboard_id(info.board);
  config.set_sort_order(info.order);
  config.set_tie_mode(info.tie_mode);
  if (*info.secondary_key != '\0') {
    config.mutable_secondary()->set_value_key(info.secondary_key);
    config.mutable_secondary()->set_sort_order(info.secondary_order);
  }
  return config;
}

const BoardInfo* FindBoard(absl::string_view game, absl::string_view board) {
  for (const BoardInfo& b : kBoards) {
    if (game == b.game && board == b.board) return &b;
  }
  return nullptr;
}

absl::Time EventTime(const v1::GameEvent& e) {
  return absl::FromUnixSeconds(e.occurred_at().seconds()) +
         absl::Nanoseconds(e.occurred_at().nanos());
}

std::string Key(absl::string_view game, absl::string_view board,
                absl::string_view period) {
  return absl::StrCat(game, "/", board, "/", period);
}

std::optional<double> ValueOf(
    const google::protobuf::Map<std::string, double>& m,
    const std::string& key) {
  auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

// Elo exactly as EloParams documents it for two solo sides.
double Expected(double rating, double opponent) {
  return 1.0 / (1.0 + std::pow(10.0, (opponent - rating) / 400.0));
}

double PairScore(v1::Outcome a, v1::Outcome b) {
  auto key = [](v1::Outcome o) {
    return o == v1::OUTCOME_WIN ? 0 : o == v1::OUTCOME_DRAW ? 1 : 2;
  };
  return key(a) < key(b) ? 1.0 : key(a) == key(b) ? 0.5 : 0.0;
}

}  // namespace

std::vector<std::string> KeysMatching(RedisConnection* conn,
                                      const std::string& pattern) {
  std::vector<std::string> out;
  auto replies = conn->OnEveryMaster({"KEYS", pattern});
  if (!replies.ok()) return out;
  for (const RedisReply& reply : *replies) {
    for (const RedisReply& k : reply.elements) out.push_back(k.str);
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

std::map<std::string, std::string> HashOf(const RedisReply& reply) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    out[reply.elements[i].str] = reply.elements[i + 1].str;
  }
  return out;
}

}  // namespace

std::string WorkerTestConfig(const std::string& worker_extra, int batch_size) {
  // Small transactions: a read holds several of a game's, so every worker
  // test runs overlapped transactions (worker/batch_overlap.h).
  const std::string transactions =
      absl::StrContains(worker_extra, "transaction_size")
          ? ""
          : "transaction_size: 16";
  return absl::StrCat(R"cfg(
stream { key: "statstracker:events" }
worker {
  batch_size: )cfg",
                      batch_size, R"cfg(
  )cfg",
                      transactions, R"cfg(
  block { nanos: 100000000 }
  metrics_address: "127.0.0.1:0"
  )cfg",
                      worker_extra, R"cfg(
}
logging { level: "info" }
games {
  game_id: "arcade"
  leaderboards {
    leaderboard_id: "high"
    scorer: "best_score"
    sort_order: SORT_ORDER_DESCENDING
    tie_mode: TIE_MODE_UNIQUE
    secondary { value_key: "kills" sort_order: SORT_ORDER_DESCENDING }
  }
  leaderboards {
    leaderboard_id: "total"
    scorer: "cumulative_points"
    params {
      [type.googleapis.com/statstracker.v1.CumulativePointsParams] {
        add_score: true
      }
    }
    tie_mode: TIE_MODE_STANDARD
  }
  leaderboards {
    leaderboard_id: "daily"
    scorer: "best_score"
    tie_mode: TIE_MODE_DENSE
    period { daily {} retention { seconds: 864000 } }
  }
  leaderboards {
    leaderboard_id: "laps"
    scorer: "best_score"
    sort_order: SORT_ORDER_ASCENDING
  }
}
games {
  game_id: "duel"
  leaderboards { leaderboard_id: "wins" scorer: "win_count" tie_mode: TIE_MODE_STANDARD }
  leaderboards {
    leaderboard_id: "elo"
    scorer: "elo"
    params { [type.googleapis.com/statstracker.v1.EloParams] { k_factor: 32 } }
  }
  leaderboards {
    leaderboard_id: "points"
    scorer: "cumulative_points"
    params {
      [type.googleapis.com/statstracker.v1.CumulativePointsParams] {
        add_score: false
      }
    }
    tie_mode: TIE_MODE_DENSE
  }
  stats {
    handler: "declarative"
    params {
      [type.googleapis.com/statstracker.v1.DeclarativeStatsParams] {
        stats { name: "matches" count {} }
        stats { name: "wins" count { outcome: OUTCOME_WIN } }
        stats { name: "kills" aggregate { field: "kills" op: OP_SUM integer: true } }
        stats { name: "streak" streak { kind: KIND_CURRENT } }
        stats { name: "best_streak" streak { kind: KIND_BEST } }
        stats { name: "win_rate" ratio { numerator: "wins" denominator: "matches" } }
      }
    }
  }
}
games {
  game_id: "chess"
  leaderboards {
    leaderboard_id: "elo"
    scorer: "elo"
    params {
      [type.googleapis.com/statstracker.v1.EloParams] {
        k_factor: 24 initial_rating: 1200
      }
    }
  }
}
)cfg");
}

std::vector<StreamItem> GenerateEvents(const GeneratorOptions& options) {
  std::mt19937 rng(options.seed);
  auto uniform = [&rng](int lo, int hi) {
    return std::uniform_int_distribution<int>(lo, hi)(rng);
  };
  auto chance = [&rng](double p) {
    return std::uniform_real_distribution<double>(0, 1)(rng) < p;
  };
  const int total_weight = options.arcade_submissions + options.arcade_matches +
                           options.duel + options.chess;
  // Each event gets up to an hour of jitter: start an hour earlier, so the
  // last ones are not in the future (past the admission window's skew).
  absl::Time start = absl::Now() - options.span - absl::Hours(1);
  std::vector<StreamItem> items;
  std::vector<size_t> valid;  // indexes of applicable events, for duplicates
  int serial = 0;
  for (int i = 0; i < options.events; ++i) {
    StreamItem item;
    if (!valid.empty() && chance(options.duplicate_fraction)) {
      item = items[valid[uniform(0, static_cast<int>(valid.size()) - 1)]];
      item.kind = StreamItem::Kind::kDuplicate;
      items.push_back(item);
      continue;
    }
    if (chance(options.garbage_fraction)) {
      item.kind = StreamItem::Kind::kGarbage;
      v1::GameEvent e;
      switch (uniform(0, 3)) {
        case 0:  // field 0 with wire type 7: never parses
          item.bytes = "\x07garbage-";
          for (int b = 0; b < 16; ++b) item.bytes.push_back(uniform(0, 255));
          item.expect_reason = "undecodable";
          break;
        case 1:
          item.field = "payload";
          item.bytes = "not in the event field";
          item.expect_reason = "has no field 'event'";
          break;
        case 2:  // no event_id
          e.set_game_id("duel");
          e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(start));
          e.mutable_score_submitted()->set_player_id("x");
          item.bytes = e.SerializeAsString();
          item.expect_reason = "invalid";
          break;
        default:
          e.set_event_id(absl::StrCat("ghost-", i));
          e.set_game_id("ghost");
          e.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(start));
          e.mutable_score_submitted()->set_player_id("x");
          e.mutable_score_submitted()->set_score(1);
          item.bytes = e.SerializeAsString();
          item.expect_reason = "unknown game 'ghost'";
          break;
      }
      items.push_back(item);
      continue;
    }
    v1::GameEvent e;
    e.set_event_id(absl::StrCat("ev-", options.seed, "-", ++serial));
    absl::Time t = start + options.span * i / options.events +
                   absl::Seconds(uniform(0, 3600));
    int64_t micros = absl::ToUnixMicros(t);
    e.mutable_occurred_at()->set_seconds(micros / 1000000);
    e.mutable_occurred_at()->set_nanos(static_cast<int>(micros % 1000000) *
                                       1000);
    int pick = uniform(0, total_weight - 1);
    bool rejected = false;
    if (pick < options.arcade_submissions) {
      e.set_game_id("arcade");
      auto* s = e.mutable_score_submitted();
      s->set_player_id(absl::StrCat("a", uniform(0, 199)));
      s->set_score(uniform(0, 500));
      if (chance(0.8)) (*s->mutable_values())["kills"] = uniform(0, 10);
      if (chance(0.05)) s->set_leaderboard_id("laps");
    } else if (pick < options.arcade_submissions + options.arcade_matches) {
      e.set_game_id("arcade");
      auto* m = e.mutable_match_completed();
      int n = uniform(2, 4);
      std::set<int> used;
      while (static_cast<int>(used.size()) < n) used.insert(uniform(0, 199));
      for (int p : used) {
        auto* part = m->add_participants();
        part->set_player_id(absl::StrCat("a", p));
        part->set_score(uniform(0, 500));
        if (chance(0.8)) (*part->mutable_values())["kills"] = uniform(0, 10);
      }
    } else {
      bool duel = pick < options.arcade_submissions + options.arcade_matches +
                             options.duel;
      e.set_game_id(duel ? "duel" : "chess");
      int players = duel ? 60 : 40;
      int a = uniform(0, players - 1);
      int b = uniform(0, players - 2);
      if (b >= a) ++b;
      auto* m = e.mutable_match_completed();
      auto* pa = m->add_participants();
      auto* pb = m->add_participants();
      pa->set_player_id(absl::StrCat(duel ? "d" : "c", a));
      pb->set_player_id(absl::StrCat(duel ? "d" : "c", b));
      pa->set_score(uniform(0, 30));
      pb->set_score(uniform(0, 30));
      (*pa->mutable_values())["kills"] = uniform(0, 12);
      (*pb->mutable_values())["kills"] = uniform(0, 12);
      rejected = chance(
          options.rejected_fraction /
          (static_cast<double>(options.duel + options.chess) / total_weight));
      if (!rejected) {
        int r = uniform(0, 9);
        if (r < 2) {
          pa->set_outcome(v1::OUTCOME_DRAW);
          pb->set_outcome(v1::OUTCOME_DRAW);
        } else if (r < 6) {
          pa->set_outcome(v1::OUTCOME_WIN);
          pb->set_outcome(v1::OUTCOME_LOSS);
        } else {
          pa->set_outcome(v1::OUTCOME_LOSS);
          pb->set_outcome(v1::OUTCOME_WIN);
        }
      }
    }
    item.bytes = e.SerializeAsString();
    if (!rejected) valid.push_back(items.size());
    items.push_back(item);
  }
  return items;
}

v1::StreamConfig DefaultStream(int partitions) {
  v1::StreamConfig stream;
  stream.set_key(kStream);
  stream.set_dead_letter_key(kDead);
  stream.set_partitions(partitions);
  return stream;
}

// With partitions, stream ids are only unique per partition: they are
// reported as "<partition>/<id>".
std::string QualifiedId(int partitions, int p, const std::string& id) {
  return partitions <= 1 ? id : absl::StrCat(p, "/", id);
}

absl::StatusOr<std::vector<std::string>> Publish(
    RedisConnection* conn, const std::vector<StreamItem>& items,
    int partitions) {
  const v1::StreamConfig stream = DefaultStream(partitions);
  std::vector<std::string> ids;
  for (size_t i = 0; i < items.size(); i += 500) {
    std::vector<std::vector<std::string>> commands;
    std::vector<int> partition_of;
    for (size_t j = i; j < std::min(items.size(), i + 500); ++j) {
      v1::GameEvent event;
      int p = 0;  // garbage goes to the first partition
      if (event.ParseFromString(items[j].bytes)) {
        p = PartitionOf(event.game_id(), PartitionCount(stream));
      }
      partition_of.push_back(p);
      commands.push_back({"XADD", PartitionStreamKey(stream, p), "*",
                          items[j].field, items[j].bytes});
    }
    auto replies = conn->Pipeline(commands);
    if (!replies.ok()) return replies.status();
    for (size_t k = 0; k < replies->size(); ++k) {
      const RedisReply& r = (*replies)[k];
      if (r.is_error()) return absl::InternalError(r.str);
      ids.push_back(QualifiedId(partitions, partition_of[k], r.str));
    }
  }
  return ids;
}

void ExpectedState::Offer(const std::string& key, const std::string& player,
                          double score, std::optional<double> secondary,
                          absl::Time at) {
  auto& board = boards_[key];
  auto it = board.find(player);
  if (it != board.end() && it->second.score == score) return;
  board[player] = Entry{score, secondary, at};
}

void ExpectedState::Add(const StreamItem& item, const std::string& stream_id) {
  if (item.kind == StreamItem::Kind::kGarbage) {
    dead_letters_[stream_id] = item.expect_reason;
    return;
  }
  v1::GameEvent e;
  e.ParseFromString(item.bytes);
  const std::string& g = e.game_id();
  if (g != "arcade" && g != "duel" && g != "chess") {
    dead_letters_[stream_id] = absl::StrCat("unknown game '", g, "'");
    return;
  }
  if (!seen_.insert(absl::StrCat(g, "\n", e.event_id())).second) {
    ++duplicates_;
    return;
  }
  absl::Time t = EventTime(e);
  if (e.has_match_completed() && g != "arcade") {
    for (const auto& p : e.match_completed().participants()) {
      if (p.outcome() == v1::OUTCOME_UNSPECIFIED && p.placement() == 0) {
        // win_count / elo need an outcome: the worker dead-letters it and
        // does not remember the id.
        seen_.erase(absl::StrCat(g, "\n", e.event_id()));
        dead_letters_[stream_id] = "rejected by";
        return;
      }
    }
  }
  ++applied_;
  order_[g].push_back(e.event_id());
  std::string day = absl::FormatTime("%Y-%m-%d", t, absl::UTCTimeZone());

  if (g == "arcade") {
    struct Score {
      std::string player;
      double score;
      std::optional<double> kills;
    };
    std::vector<Score> scores;
    bool laps_only = false;
    if (e.has_score_submitted()) {
      const auto& s = e.score_submitted();
      scores.push_back(
          {s.player_id(), s.score(), ValueOf(s.values(), "kills")});
      laps_only = s.leaderboard_id() == "laps";
    } else {
      for (const auto& p : e.match_completed().participants()) {
        scores.push_back(
            {p.player_id(), p.score(), ValueOf(p.values(), "kills")});
      }
    }
    for (const Score& s : scores) {
      auto best = [&](const std::string& key, bool lower) {
        auto& board = boards_[key];
        auto it = board.find(s.player);
        bool high = key == Key("arcade", "high", "all");
        bool better = it == board.end() || (lower ? s.score < it->second.score
                                                  : s.score > it->second.score);
        // On a board with a secondary score ("high": kills, higher first)
        // an equal score with a better secondary value also improves.
        if (!better && high && s.score == it->second.score &&
            s.kills.has_value()) {
          better = !it->second.secondary.has_value() ||
                   *s.kills > *it->second.secondary;
        }
        if (better) {
          board[s.player] = Entry{
              s.score,
              key == Key("arcade", "high", "all") ? s.kills : std::nullopt, t};
        }
      };
      best(Key("arcade", "laps", "all"), true);
      if (laps_only) continue;
      best(Key("arcade", "high", "all"), false);
      // The daily board keeps a day for 10 days after it ends; older
      // events count on no daily board.
      absl::CivilDay civil = absl::ToCivilDay(t, absl::UTCTimeZone());
      if (absl::FromCivil(civil + 1, absl::UTCTimeZone()) +
              absl::Seconds(864000) >
          absl::Now()) {
        best(Key("arcade", "daily", day), false);
      }
      std::string total = Key("arcade", "total", "all");
      auto it = boards_[total].find(s.player);
      if (it == boards_[total].end()) {
        Offer(total, s.player, s.score, std::nullopt, t);
      } else if (s.score != 0) {
        Offer(total, s.player, it->second.score + s.score, std::nullopt, t);
      }
    }
    return;
  }

  // duel / chess: 1v1 matches with outcomes.
  const auto& a = e.match_completed().participants(0);
  const auto& b = e.match_completed().participants(1);
  double k = g == "duel" ? 32 : 24;
  double initial = g == "duel" ? 1500 : 1200;
  std::string elo = Key(g, "elo", "all");
  auto rating = [&](const std::string& player) {
    auto it = boards_[elo].find(player);
    return it == boards_[elo].end() ? initial : it->second.score;
  };
  double ra = rating(a.player_id()), rb = rating(b.player_id());
  double na =
      ra + (0.0 + k * (PairScore(a.outcome(), b.outcome()) - Expected(ra, rb)));
  double nb =
      rb + (0.0 + k * (PairScore(b.outcome(), a.outcome()) - Expected(rb, ra)));
  auto offer_new = [&](const std::string& key, const std::string& player,
                       double score) {
    auto& board = boards_[key];
    if (board.find(player) == board.end()) {
      board[player] = Entry{score, std::nullopt, t};
    } else {
      Offer(key, player, score, std::nullopt, t);
    }
  };
  offer_new(elo, a.player_id(), na);
  offer_new(elo, b.player_id(), nb);
  if (g != "duel") return;
  for (const auto* p : {&a, &b}) {
    const bool won = p->outcome() == v1::OUTCOME_WIN;
    std::string wins = Key(g, "wins", "all");
    auto it = boards_[wins].find(p->player_id());
    if (it == boards_[wins].end()) {
      boards_[wins][p->player_id()] = Entry{won ? 1.0 : 0.0, std::nullopt, t};
    } else if (won) {
      it->second = Entry{it->second.score + 1, std::nullopt, t};
    }
    double points = won ? 3 : p->outcome() == v1::OUTCOME_DRAW ? 1 : 0;
    std::string pts = Key(g, "points", "all");
    it = boards_[pts].find(p->player_id());
    if (it == boards_[pts].end()) {
      boards_[pts][p->player_id()] = Entry{points, std::nullopt, t};
    } else if (points != 0) {
      it->second = Entry{it->second.score + points, std::nullopt, t};
    }
  }
  ApplyMatchStats(e);
}

void ExpectedState::ApplyMatchStats(const v1::GameEvent& e) {
  for (const auto& p : e.match_completed().participants()) {
    auto& s = stats_[absl::StrCat(e.game_id(), "\n", p.player_id())];
    const bool won = p.outcome() == v1::OUTCOME_WIN;
    s["matches"] += 1;
    s["wins"] += won ? 1 : 0;
    auto kills = ValueOf(p.values(), "kills");
    if (kills.has_value()) s["kills"] += std::llround(*kills);
    s["streak"] = won ? s["streak"] + 1 : 0;
    s["best_streak"] = std::max(s["best_streak"], s["streak"]);
  }
}

std::vector<std::string> ExpectedState::Compare(RedisConnection* conn) const {
  std::vector<std::string> diffs;
  auto fail = [&diffs](std::string s) {
    if (diffs.size() < 40) diffs.push_back(std::move(s));
  };
  std::set<std::string> expected_keys;
  for (const auto& [key, players] : boards_) {
    std::vector<std::string> parts = absl::StrSplit(key, '/');
    const BoardInfo* info = FindBoard(parts[0], parts[1]);
    if (info == nullptr) {
      fail(absl::StrCat("no board info for ", key));
      continue;
    }
    const v1::LeaderboardConfig config = ConfigOf(*info);
    const std::string &g = parts[0], &b = parts[1], &period = parts[2];
    const bool dense = info->tie_mode == v1::TIE_MODE_DENSE;
    expected_keys.insert(keys::Board(g, b, period));
    expected_keys.insert(keys::BoardBuckets(g, b, period));
    if (dense) expected_keys.insert(keys::BoardDistinct(g, b, period));
    auto replies = conn->Pipeline(
        {{"ZRANGE", keys::Board(g, b, period), "0", "-1", "WITHSCORES"},
         {"HMGET", keys::BoardBuckets(g, b, period), "level", "split"},
         {"ZRANGE", keys::BoardDistinct(g, b, period), "0", "-1", "WITHSCORES"},
         {"KEYS", keys::BoardRecordPrefix(g, b, period) + "*"}});
    if (!replies.ok()) {
      fail(std::string(replies.status().message()));
      return diffs;
    }
    const RedisReply& zset = (*replies)[0];
    BucketState buckets;
    int64_t level = 0, split = 0;
    const RedisReply& st = (*replies)[1];
    if (st.elements.size() == 2 && !st.elements[0].is_nil()) {
      absl::SimpleAtoi(st.elements[0].str, &level);
    }
    if (st.elements.size() == 2 && !st.elements[1].is_nil()) {
      absl::SimpleAtoi(st.elements[1].str, &split);
    }
    buckets.level = static_cast<uint32_t>(level);
    buckets.split = static_cast<uint32_t>(split);
    std::map<std::string, std::string> distinct = HashOf((*replies)[2]);
    // Every record in every bucket key of the board.
    std::map<std::string, std::string> records;  // player -> record
    std::map<std::string, std::string> bucket_of;
    for (const RedisReply& k : (*replies)[3].elements) {
      expected_keys.insert(k.str);
      auto h = conn->Command({"HGETALL", k.str});
      if (!h.ok()) continue;
      for (const auto& [player, record] : HashOf(*h)) {
        records[player] = record;
        bucket_of[player] = k.str;
      }
    }
    if (zset.elements.size() / 2 != players.size()) {
      fail(absl::StrCat(key, ": ", zset.elements.size() / 2,
                        " entries, expected ", players.size()));
    }
    if (records.size() != players.size()) {
      fail(absl::StrCat(key, ": ", records.size(), " records for ",
                        players.size(), " players"));
    }
    std::set<double> want_distinct;
    const std::vector<std::string> aux_names =
        info->best_score ? std::vector<std::string>{"secondary"}
                         : std::vector<std::string>{};
    for (const auto& [player, entry] : players) {
      double stored = keys::StoredScore(entry.score, info->order);
      want_distinct.insert(stored);
      std::string want_member =
          keys::EncodeMember(config, player, entry.secondary, entry.reached_at);
      bool found = false;
      for (size_t i = 0; i + 1 < zset.elements.size(); i += 2) {
        if (zset.elements[i].str != want_member) continue;
        found = true;
        double got;
        if (!absl::SimpleAtod(zset.elements[i + 1].str, &got) ||
            got != stored) {
          fail(absl::StrCat(key, ": player ", player, " stored score ",
                            zset.elements[i + 1].str, ", expected ",
                            keys::FormatScore(stored)));
        }
      }
      if (!found) {
        std::string got_member;
        for (size_t i = 0; i + 1 < zset.elements.size(); i += 2) {
          const std::string& m = zset.elements[i].str;
          if (absl::EndsWith(m, player) &&
              m.size() == keys::MemberPrefixBytes(config) + player.size()) {
            got_member = m;
          }
        }
        auto got = keys::DecodeMember(config, got_member);
        fail(absl::StrCat(
            key, ": player ", player,
            " has no ranking entry with the expected member (score ",
            entry.score, "); found secondary ",
            got && got->secondary ? absl::StrCat(*got->secondary) : "none",
            " vs ", entry.secondary ? absl::StrCat(*entry.secondary) : "none",
            ", reached ",
            got ? absl::FormatTime(got->reached_at) : std::string("?"), " vs ",
            absl::FormatTime(entry.reached_at)));
      }
      auto r = records.find(player);
      if (r == records.end()) {
        fail(absl::StrCat(key, ": player ", player, " has no record"));
        continue;
      }
      if (bucket_of[player] !=
          keys::BoardRecords(g, b, period, buckets.BucketOf(player))) {
        fail(absl::StrCat(key, ": player ", player, " record in ",
                          bucket_of[player], ", expected bucket ",
                          buckets.BucketOf(player)));
      }
      auto record = DecodeBoardRecord(
          r->second, keys::MemberPrefixBytes(config), aux_names);
      if (!record.ok()) {
        fail(absl::StrCat(key, ": player ", player,
                          " record: ", record.status().message()));
      } else if (record->member_prefix + player != want_member) {
        fail(absl::StrCat(key, ": player ", player,
                          " record's member prefix differs"));
      }
    }
    if (!dense) {
      if (!distinct.empty()) {
        fail(absl::StrCat(key, ": a distinct index on a non-dense board"));
      }
    } else {
      std::set<double> got;
      for (const auto& [member, score] : distinct) {
        double d;
        if (!absl::SimpleAtod(score, &d) || member != keys::OrderedKey(d)) {
          fail(absl::StrCat(key, ": distinct member for ", score,
                            " is not its ordered key"));
        }
        got.insert(d);
      }
      if (got != want_distinct) {
        fail(absl::StrCat(key, ": ", got.size(), " distinct scores, expected ",
                          want_distinct.size()));
      }
    }
  }
  // No other board keys.
  for (const char* g : {"arcade", "duel", "chess"}) {
    for (const std::string& k :
         KeysMatching(conn, absl::StrCat("st:{", g, "}:lb:*"))) {
      if (!expected_keys.count(k)) {
        fail(absl::StrCat("unexpected board key ", k));
      }
    }
  }
  // Stats.
  std::set<std::string> stat_keys;
  for (const auto& [who, values] : stats_) {
    std::vector<std::string> parts = absl::StrSplit(who, '\n');
    std::string key = keys::PlayerStats(parts[0], parts[1]);
    stat_keys.insert(key);
    auto reply = conn->Command({"HGETALL", key});
    if (!reply.ok()) continue;
    std::map<std::string, std::string> got = HashOf(*reply);
    std::map<std::string, std::string> want;
    for (const auto& [name, v] : values) want[name] = absl::StrCat(v);
    if (got != want) {
      std::string g_text, w_text;
      for (const auto& [n, v] : got) absl::StrAppend(&g_text, n, "=", v, " ");
      for (const auto& [n, v] : want) absl::StrAppend(&w_text, n, "=", v, " ");
      fail(absl::StrCat(key, ": stats {", g_text, "} expected {", w_text, "}"));
    }
  }
  for (const char* g : {"arcade", "duel", "chess"}) {
    for (const std::string& k :
         KeysMatching(conn, absl::StrCat("st:{", g, "}:stats:*"))) {
      if (!stat_keys.count(k)) fail(absl::StrCat("unexpected ", k));
    }
  }
  return diffs;
}

absl::StatusOr<std::unique_ptr<ChildProcess>> StartWorker(
    const RedisServer& redis, const std::string& config_path,
    const std::string& consumer_name, const std::string& ready_marker) {
  return ChildProcess::Start(
      {"worker/worker", "--config", config_path, "--redis_host", redis.host(),
       "--redis_port", absl::StrCat(redis.port()), "--metrics_address",
       "127.0.0.1:0", "--consumer_name", consumer_name},
      ready_marker);
}

absl::StatusOr<int64_t> PendingCount(RedisConnection* conn, int partitions) {
  int64_t total = 0;
  for (const std::string& key : AllStreamKeys(DefaultStream(partitions))) {
    auto reply = conn->Command({"XPENDING", key, kGroup});
    if (!reply.ok()) return reply.status();
    if (reply->is_error() || reply->elements.empty()) {
      return absl::InternalError(reply->DebugString());
    }
    total += reply->elements[0].integer;
  }
  return total;
}

namespace {

// Whether the group has delivered every entry of `stream` and holds none
// pending; `last` gets the group's XINFO row for the error message.
absl::StatusOr<bool> Drained(RedisConnection* conn, const std::string& stream,
                             std::string* last) {
  auto reply = conn->Command({"XINFO", "GROUPS", stream});
  if (!reply.ok()) return reply.status();
  auto info = conn->Command({"XINFO", "STREAM", stream});
  if (!info.ok()) return info.status();
  std::string last_generated;
  for (size_t i = 0; i + 1 < info->elements.size(); i += 2) {
    if (info->elements[i].str == "last-generated-id") {
      last_generated = info->elements[i + 1].str;
    }
  }
  for (const RedisReply& group : reply->elements) {
    std::map<std::string, const RedisReply*> f;
    for (size_t i = 0; i + 1 < group.elements.size(); i += 2) {
      f[group.elements[i].str] = &group.elements[i + 1];
    }
    if (f.count("name") == 0 || f["name"]->str != kGroup) continue;
    // Drained: nothing pending and every entry delivered. Redis 7.0's
    // "lag" can stay wrong after an AOF restart, so the last delivered id
    // equal to the stream's last id also counts.
    bool delivered =
        (f.count("lag") && f["lag"]->type == RedisReply::Type::kInteger &&
         f["lag"]->integer == 0) ||
        (f.count("last-delivered-id") &&
         f["last-delivered-id"]->str == last_generated);
    *last = absl::StrCat(stream, ": ", group.DebugString());
    return f.count("pending") && f["pending"]->integer == 0 && delivered;
  }
  *last = absl::StrCat(stream, ": no group");
  return false;
}

}  // namespace

absl::Status WaitDrained(RedisConnection* conn, absl::Duration timeout,
                         int partitions) {
  const absl::Time deadline = absl::Now() + timeout;
  std::string last;
  const std::vector<std::string> streams =
      AllStreamKeys(DefaultStream(partitions));
  while (absl::Now() < deadline) {
    bool all = true;
    for (const std::string& stream : streams) {
      auto drained = Drained(conn, stream, &last);
      if (!drained.ok()) {
        // A cluster in failover answers errors for a while; keep waiting.
        last = std::string(drained.status().message());
        all = false;
        break;
      }
      if (!*drained) {
        all = false;
        break;
      }
    }
    if (all) return absl::OkStatus();
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(
      absl::StrCat("the group did not drain; last XINFO GROUPS: ", last));
}

absl::StatusOr<std::map<std::string, std::map<std::string, std::string>>>
ReadDeadLetters(RedisConnection* conn, int partitions) {
  std::map<std::string, std::map<std::string, std::string>> out;
  const std::vector<std::string> keys =
      AllDeadLetterKeys(DefaultStream(partitions));
  for (size_t p = 0; p < keys.size(); ++p) {
    auto reply = conn->Command({"XRANGE", keys[p], "-", "+"});
    if (!reply.ok()) return reply.status();
    for (const RedisReply& e : reply->elements) {
      if (e.elements.size() < 2) continue;
      std::map<std::string, std::string> fields = HashOf(e.elements[1]);
      std::string source =
          QualifiedId(partitions, static_cast<int>(p), fields["source_id"]);
      if (out.count(source)) fields["duplicate"] = "yes";
      out[source] = fields;
    }
  }
  return out;
}

std::vector<std::string> CompareDeadLetters(
    RedisConnection* conn, const std::map<std::string, std::string>& expected,
    const std::map<std::string, std::string>& bytes_by_id, int partitions) {
  std::vector<std::string> diffs;
  auto got = ReadDeadLetters(conn, partitions);
  if (!got.ok()) return {std::string(got.status().message())};
  for (const auto& [id, reason] : expected) {
    auto it = got->find(id);
    if (it == got->end()) {
      diffs.push_back(absl::StrCat("entry ", id, " (", reason,
                                   ") is not in the dead-letter stream"));
      continue;
    }
    if (!absl::StrContains(it->second.at("reason"), reason)) {
      diffs.push_back(absl::StrCat("entry ", id, ": reason '",
                                   it->second.at("reason"),
                                   "' does not contain '", reason, "'"));
    }
    auto b = bytes_by_id.find(id);
    if (b != bytes_by_id.end() && it->second["event"] != b->second &&
        !absl::StrContains(reason, "has no field")) {
      diffs.push_back(absl::StrCat("entry ", id, ": original bytes differ"));
    }
    if (it->second["deliveries"].empty() || it->second["consumer"].empty()) {
      diffs.push_back(absl::StrCat("entry ", id, ": no deliveries/consumer"));
    }
    if (it->second.count("duplicate")) {
      diffs.push_back(absl::StrCat("entry ", id, " dead-lettered twice"));
    }
  }
  for (const auto& [id, fields] : *got) {
    if (!expected.count(id)) {
      diffs.push_back(absl::StrCat("unexpected dead letter ", id, ": ",
                                   fields.at("reason")));
    }
  }
  return diffs;
}

double MetricSum(const std::string& text, const std::string& name,
                 const std::vector<std::string>& label_filter) {
  double sum = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    if (!absl::StartsWith(line, name)) continue;
    absl::string_view rest = line.substr(name.size());
    if (!rest.empty() && rest[0] != '{' && rest[0] != ' ') continue;
    bool match = true;
    for (const std::string& f : label_filter) {
      match &= absl::StrContains(rest.substr(0, rest.rfind(' ')), f);
    }
    if (!match) continue;
    double v;
    if (absl::SimpleAtod(rest.substr(rest.rfind(' ') + 1), &v)) sum += v;
  }
  return sum;
}

}  // namespace testing
}  // namespace statstracker
