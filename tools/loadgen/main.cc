// loadgen: publishes N GameEvents of a configurable mix to the event stream at
// a target (or the maximum) rate and reports the achieved publish rate, the
// processing rate (the consumer group drained: lag and pending 0) and the
// end-to-end lag percentiles: every --probe_every-th event is a score for a
// fresh probe player, and a poller asks the server (GetPlayerRank) until that
// player is visible in the board; lag = visible time - publish time.
//
//   bazel-bin/tools/loadgen/loadgen --events 100000 --server 127.0.0.1:50051

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <deque>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/flags_usage.h"
#include "common/redis_client.h"
#include "common/stream_partitions.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "proto/statstracker/v1/events.pb.h"
#include "proto/statstracker/v1/leaderboard.grpc.pb.h"
#include "tools/cli/progress.h"

ABSL_FLAG(int64_t, events, 10000, "events to publish");
ABSL_FLAG(double, rate, 0, "target events/s; 0 = as fast as possible");
ABSL_FLAG(std::string, score_game, "arcade", "game receiving score events");
ABSL_FLAG(std::string, match_game, "chess", "game receiving match events");
ABSL_FLAG(double, match_ratio, 0.3, "fraction of events that are matches");
ABSL_FLAG(int, players, 10000, "distinct players per game");
ABSL_FLAG(int, batch, 200, "events per XADD pipeline");
ABSL_FLAG(std::string, redis_host, "127.0.0.1", "Redis host");
ABSL_FLAG(int, redis_port, 6390, "Redis port (local stack: 6390)");
ABSL_FLAG(std::string, stream, "statstracker:events", "event stream");
ABSL_FLAG(int, partitions, 1,
          "stream.partitions of the deployment: each event goes to its "
          "game's partition (common/stream_partitions.h)");
ABSL_FLAG(std::string, field, "event", "entry field");
ABSL_FLAG(std::string, group, "statstracker-workers", "consumer group");
ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "gRPC server for the end-to-end lag probes; empty = no probes");
ABSL_FLAG(std::string, score_board, "",
          "board of --score_game the probes watch; default: its first board");
ABSL_FLAG(int, probe_every, 500, "every Nth event is a lag probe");
ABSL_FLAG(int, seed, 1, "random seed (same seed, same events)");
ABSL_FLAG(bool, progress, false, "draw progress even without a TTY");
ABSL_FLAG(int, drain_timeout_s, 300, "give up waiting for the worker after");

namespace statstracker {
namespace {

struct Probe {
  std::string player;
  absl::Time published;
  absl::Duration lag = absl::InfiniteDuration();
};

std::string Percentile(std::vector<double> ms, double p) {
  if (ms.empty()) return "n/a";
  std::sort(ms.begin(), ms.end());
  size_t i =
      std::min(ms.size() - 1,
               static_cast<size_t>(std::llround(p / 100.0 * (ms.size() - 1))));
  return absl::StrFormat("%.1f ms", ms[i]);
}

v1::StreamConfig Stream() {
  v1::StreamConfig stream;
  stream.set_key(absl::GetFlag(FLAGS_stream));
  stream.set_partitions(std::max(1, absl::GetFlag(FLAGS_partitions)));
  return stream;
}

// The stream's last-generated-id (XINFO STREAM), "" if unknown.
std::string LastGeneratedId(RedisConnection* conn, const std::string& stream) {
  auto reply = conn->Command({"XINFO", "STREAM", stream});
  if (!reply.ok() || reply->is_error()) return "";
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    if (reply->elements[i].str == "last-generated-id") {
      return reply->elements[i + 1].str;
    }
  }
  return "";
}

// Whether the group has everything: nothing pending, and either Redis's lag
// is 0 or the group's last-delivered-id is the stream's last id. (Redis 7.0's
// lag counter can stay wrong after a restart from the append-only file,
// e.g. 17,055 with every entry delivered, so it is not trusted alone.)
bool PartitionDrained(RedisConnection* conn, const std::string& stream) {
  auto reply = conn->Command({"XINFO", "GROUPS", stream});
  if (!reply.ok() || reply->is_error()) return false;
  for (const auto& g : reply->elements) {
    std::string name, last_delivered;
    int64_t lag = -1, pending = -1;
    for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
      const std::string& k = g.elements[i].str;
      const RedisReply& v = g.elements[i + 1];
      if (k == "name") name = v.str;
      if (k == "lag") lag = v.is_nil() ? -1 : v.integer;
      if (k == "pending") pending = v.integer;
      if (k == "last-delivered-id") last_delivered = v.str;
    }
    if (name != absl::GetFlag(FLAGS_group)) continue;
    if (pending != 0) return false;
    return lag == 0 || last_delivered == LastGeneratedId(conn, stream);
  }
  return false;
}

bool GroupDrained(RedisConnection* conn) {
  for (const std::string& stream : AllStreamKeys(Stream())) {
    if (!PartitionDrained(conn, stream)) return false;
  }
  return true;
}

int Main() {
  const int64_t total = absl::GetFlag(FLAGS_events);
  const double rate = absl::GetFlag(FLAGS_rate);
  const int batch = std::max(1, absl::GetFlag(FLAGS_batch));
  const int players = std::max(2, absl::GetFlag(FLAGS_players));
  const int probe_every = absl::GetFlag(FLAGS_probe_every);
  auto conn = RedisConnection::Connect(absl::GetFlag(FLAGS_redis_host),
                                       absl::GetFlag(FLAGS_redis_port),
                                       absl::Seconds(10));
  if (!conn.ok()) {
    std::cerr << "loadgen: redis: " << conn.status() << "\n";
    return 1;
  }

  std::unique_ptr<v1::LeaderboardService::Stub> stub;
  std::string board = absl::GetFlag(FLAGS_score_board);
  if (!absl::GetFlag(FLAGS_server).empty() && probe_every > 0) {
    stub = v1::LeaderboardService::NewStub(grpc::CreateChannel(
        absl::GetFlag(FLAGS_server), grpc::InsecureChannelCredentials()));
    if (board.empty()) {
      v1::ListLeaderboardsRequest req;
      req.set_game_id(absl::GetFlag(FLAGS_score_game));
      v1::ListLeaderboardsResponse resp;
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
      grpc::Status s = stub->ListLeaderboards(&ctx, req, &resp);
      if (!s.ok() || resp.leaderboards_size() == 0) {
        std::cerr << "loadgen: cannot list boards of '"
                  << absl::GetFlag(FLAGS_score_game) << "' on "
                  << absl::GetFlag(FLAGS_server) << ": " << s.error_message()
                  << "; lag probes disabled\n";
        stub.reset();
      } else {
        board = resp.leaderboards(0).config().leaderboard_id();
      }
    }
  }

  std::mt19937_64 rng(absl::GetFlag(FLAGS_seed));
  std::uniform_real_distribution<double> unit(0, 1);
  const std::string run = absl::StrCat(absl::ToUnixMillis(absl::Now()));
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  const std::string producer_id = absl::StrCat("loadgen-", host, "-", getpid());
  const uint64_t epoch = static_cast<uint64_t>(absl::ToUnixMillis(absl::Now()));
  std::mutex mu;
  std::deque<Probe> outstanding;  // guarded by mu
  std::vector<Probe> done;        // guarded by mu
  std::atomic<bool> publishing{true};

  // The poller: asks for each outstanding probe's rank until it is visible.
  std::thread poller([&] {
    if (!stub) return;
    while (true) {
      std::vector<Probe> batch_probes;
      {
        std::lock_guard<std::mutex> lock(mu);
        batch_probes.assign(outstanding.begin(), outstanding.end());
      }
      if (batch_probes.empty()) {
        if (!publishing) return;
        absl::SleepFor(absl::Milliseconds(1));
        continue;
      }
      for (const Probe& p : batch_probes) {
        v1::GetPlayerRankRequest req;
        req.set_game_id(absl::GetFlag(FLAGS_score_game));
        req.set_leaderboard_id(board);
        req.set_player_id(p.player);
        v1::GetPlayerRankResponse resp;
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
        if (stub->GetPlayerRank(&ctx, req, &resp).ok()) {
          absl::Time seen = absl::Now();
          std::lock_guard<std::mutex> lock(mu);
          for (auto it = outstanding.begin(); it != outstanding.end(); ++it) {
            if (it->player == p.player) {
              Probe finished = *it;
              finished.lag = seen - finished.published;
              done.push_back(finished);
              outstanding.erase(it);
              break;
            }
          }
        }
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
  });

  cli::ProgressBar bar("loadgen", total, absl::GetFlag(FLAGS_progress));
  const absl::Time start = absl::Now();
  int64_t sent = 0;
  int64_t probes = 0;
  google::protobuf::Timestamp now_ts;
  while (sent < total) {
    std::vector<std::vector<std::string>> commands;
    std::vector<Probe> batch_probes;
    now_ts = google::protobuf::util::TimeUtil::GetCurrentTime();
    for (int i = 0; i < batch && sent + i < total; ++i) {
      int64_t n = sent + i;
      v1::GameEvent event;
      event.set_event_id(absl::StrCat("lg-", run, "-", n));
      // An idempotent producer (events.proto): dedup state per producer, not
      // per event.
      event.mutable_producer()->set_producer_id(producer_id);
      event.mutable_producer()->set_epoch(epoch);
      event.mutable_producer()->set_sequence(static_cast<uint64_t>(n) + 1);
      *event.mutable_occurred_at() = now_ts;
      if (stub && probe_every > 0 && n % probe_every == 0) {
        std::string player = absl::StrCat("probe-", run, "-", probes++);
        event.set_game_id(absl::GetFlag(FLAGS_score_game));
        event.mutable_score_submitted()->set_player_id(player);
        event.mutable_score_submitted()->set_score(1);
        batch_probes.push_back({player, absl::Time()});
      } else if (unit(rng) < absl::GetFlag(FLAGS_match_ratio)) {
        event.set_game_id(absl::GetFlag(FLAGS_match_game));
        auto* match = event.mutable_match_completed();
        match->set_match_id(absl::StrCat("lg-m-", run, "-", n));
        int a = rng() % players, b = rng() % (players - 1);
        if (b >= a) ++b;
        bool a_wins = unit(rng) < 0.5;
        auto* pa = match->add_participants();
        pa->set_player_id(absl::StrCat("player-", a));
        pa->set_outcome(a_wins ? v1::OUTCOME_WIN : v1::OUTCOME_LOSS);
        auto* pb = match->add_participants();
        pb->set_player_id(absl::StrCat("player-", b));
        pb->set_outcome(a_wins ? v1::OUTCOME_LOSS : v1::OUTCOME_WIN);
      } else {
        event.set_game_id(absl::GetFlag(FLAGS_score_game));
        event.mutable_score_submitted()->set_player_id(
            absl::StrCat("player-", rng() % players));
        event.mutable_score_submitted()->set_score(
            static_cast<double>(rng() % 100000));
      }
      commands.push_back({"XADD", StreamKeyForGame(Stream(), event.game_id()), "*",
                          absl::GetFlag(FLAGS_field),
                          event.SerializeAsString()});
    }
    if (rate > 0) {  // pace: batch k may start at start + k*batch/rate
      absl::Time due = start + absl::Seconds(sent / rate);
      absl::Time t = absl::Now();
      if (due > t) absl::SleepFor(due - t);
    }
    auto replies = (*conn)->Pipeline(commands);
    absl::Time published = absl::Now();
    if (!replies.ok()) {
      std::cerr << "loadgen: XADD: " << replies.status() << "\n";
      return 1;
    }
    if (!batch_probes.empty()) {
      std::lock_guard<std::mutex> lock(mu);
      for (Probe& p : batch_probes) {
        p.published = published;
        outstanding.push_back(p);
      }
    }
    sent += commands.size();
    bar.Update(sent);
  }
  bar.Finish();
  const absl::Duration publish_time = absl::Now() - start;

  // Wait for the group to drain: everything delivered and acknowledged.
  absl::Time drained = absl::InfiniteFuture();
  const absl::Time give_up =
      absl::Now() + absl::Seconds(absl::GetFlag(FLAGS_drain_timeout_s));
  while (absl::Now() < give_up) {
    if (GroupDrained(conn->get())) {
      drained = absl::Now();
      break;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  // Give the last probes a moment to become visible through the server.
  for (int i = 0; i < 2000; ++i) {
    bool empty;
    {
      std::lock_guard<std::mutex> lock(mu);
      empty = outstanding.empty();
    }
    if (empty) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  publishing = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    outstanding.clear();
  }
  poller.join();

  std::vector<double> lags;
  lags.reserve(done.size());
  for (const Probe& p : done) lags.push_back(absl::ToDoubleMilliseconds(p.lag));
  double publish_s = absl::ToDoubleSeconds(publish_time);
  std::cout << absl::StrFormat(
      "events            %d (%.0f%% matches in '%s', "
      "scores in '%s', %d players per game)\n",
      total, absl::GetFlag(FLAGS_match_ratio) * 100,
      absl::GetFlag(FLAGS_match_game), absl::GetFlag(FLAGS_score_game),
      players);
  std::cout << absl::StrFormat(
      "publish           %.2f s, %.0f events/s (target %s)\n", publish_s,
      total / publish_s, rate > 0 ? absl::StrCat(rate, "/s") : "max");
  if (drained == absl::InfiniteFuture()) {
    std::cout << "processing        the group did not drain within "
              << absl::GetFlag(FLAGS_drain_timeout_s)
              << " s (is the worker running?)\n";
  } else {
    double processed_s = absl::ToDoubleSeconds(drained - start);
    std::cout << absl::StrFormat(
        "processing        %.2f s from first publish to drained, %.0f "
        "events/s\n",
        processed_s, total / processed_s);
  }
  if (stub) {
    std::cout << absl::StrFormat(
        "end-to-end lag    %d probes visible of %d (board %s/%s): p50 %s, "
        "p90 %s, p99 %s, max %s\n",
        lags.size(), probes, absl::GetFlag(FLAGS_score_game), board,
        Percentile(lags, 50), Percentile(lags, 90), Percentile(lags, 99),
        Percentile(lags, 100));
  } else {
    std::cout << "end-to-end lag    not measured (no --server)\n";
  }
  return 0;
}

}  // namespace
}  // namespace statstracker

constexpr char kUsage[] =
    R"(publishes --events GameEvents (scores to --score_game, matches
to --match_game, --match_ratio of them) to the Redis event stream at --rate
(0: as fast as possible), then reports the publish rate, the processing rate
(until the consumer group has drained) and, with --server, end-to-end lag
percentiles from probe players polled with GetPlayerRank.

usage: loadgen [--events N] [--rate EVENTS_PER_S] [--players N]
               [--redis_port PORT] [--server HOST:PORT] [--seed N]

Run it against a second local stack to keep the demo boards clean
(README "Load generator"; figures in BENCHMARKS.md).)";

int main(int argc, char** argv) {
  statstracker::SetUpHelp(kUsage, __FILE__);
  absl::ParseCommandLine(argc, argv);
  return statstracker::Main();
}
