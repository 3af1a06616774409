// stats: the command-line client of Stats Tracker. Publishes events (to the
// Redis stream or through the server's AdminService), queries boards and
// stats over gRPC, inspects and requeues the dead-letter stream and shows the
// consumer group's lag. `stats help` lists the commands.

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/config_loader.h"
#include "common/flags_usage.h"
#include "common/game_catalog.h"
#include "common/keys.h"
#include "common/redis_client.h"
#include "common/stream_partitions.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "proto/statstracker/examples/racing/v1/racing.pb.h"
#include "proto/statstracker/v1/admin.grpc.pb.h"
#include "proto/statstracker/v1/leaderboard.grpc.pb.h"
#include "proto/statstracker/v1/plugin_params.pb.h"
#include "proto/statstracker/v1/stats.grpc.pb.h"
#include "tools/cli/dead_letters.h"
#include "tools/cli/event_reader.h"
#include "tools/cli/layout_migration.h"
#include "tools/cli/progress.h"
#include "tools/cli/table.h"

ABSL_FLAG(std::string, redis_host, "127.0.0.1", "Redis host");
ABSL_FLAG(int, redis_port, 6390,
          "Redis port (6390 is the local stack's, tools/stack.sh)");
ABSL_FLAG(std::string, stream, "statstracker:events", "event stream key");
ABSL_FLAG(std::string, field, "event", "stream entry field with the event");
ABSL_FLAG(std::string, group, "statstracker-workers", "consumer group");
ABSL_FLAG(std::string, dead_letter, "statstracker:events:dead",
          "dead-letter stream key");
ABSL_FLAG(int, partitions, 1,
          "stream.partitions of the deployment: publish puts each event on "
          "its game's partition; stream-key, lag and deadletter use them "
          "all");
ABSL_FLAG(std::string, producer_id, "",
          "publish: producer id set on events without one (default "
          "stats-cli-<host>-<pid>); with --producer_epoch, publishing the "
          "same file again counts nothing twice");
ABSL_FLAG(int64_t, producer_epoch, -1,
          "publish: producer epoch (default: now in milliseconds)");
ABSL_FLAG(std::string, server, "",
          "host:port of the gRPC server; publish goes through "
          "AdminService.PublishEvents when set (queries default to "
          "127.0.0.1:50051)");
ABSL_FLAG(std::string, api_key, "", "API key for the admin RPCs");
ABSL_FLAG(bool, json, false, "print JSON instead of tables");
ABSL_FLAG(bool, progress, false, "draw the progress bar even without a TTY");
ABSL_FLAG(std::string, format, "auto", "publish input: auto, json or text");
ABSL_FLAG(int, batch, 500, "events per XADD pipeline / PublishEvents call");
ABSL_FLAG(int, limit, 10, "entries to show (top, deadletter list)");
ABSL_FLAG(std::string, game, "",
          "deadletter list/requeue: only letters of this game");
ABSL_FLAG(std::string, reason, "",
          "deadletter list/requeue: only letters with this reason code, e.g. "
          "unhandled_event_type, outside_admission_window, invalid");
ABSL_FLAG(int, radius, 5, "entries above and below (around)");
ABSL_FLAG(int, points, 0,
          "history: the newest points to show (0 = all the board keeps)");
ABSL_FLAG(std::string, period, "", "period id (default: the current one)");
ABSL_FLAG(std::string, page_token, "", "page token from a previous `top`");
ABSL_FLAG(int, timeout_ms, 10000, "deadline of each RPC");
ABSL_FLAG(std::string, config, "",
          "migrate: the workers' config file (its games and boards)");
ABSL_FLAG(bool, force, false,
          "migrate: even if a stream consumer was active in the last 10 s");

namespace statstracker {
namespace cli {
namespace {

constexpr char kUsage[] = R"(usage: stats <command> [args] [--flags]

publishing
  publish FILE|-                 events, one per line: protobuf JSON (GameEvent)
                                 or protobuf text; XADD to --stream, or through
                                 the server's PublishEvents with --server/--api_key
queries (gRPC, --server, default 127.0.0.1:50051)
  boards GAME                    the game's leaderboards
  top GAME BOARD                 best --limit entries (--page_token, --period)
  around GAME BOARD PLAYER       --radius entries above and below the player
  rank GAME BOARD PLAYER         the player's rank and score
  friends GAME BOARD P1,P2,...   those players' entries with global ranks
  count GAME BOARD               number of ranked players
  history GAME BOARD PLAYER      the player's score after each change, oldest
                                 first (boards with history; --points, --period)
  stats GAME PLAYER [PLAYER...]  player stats (one player, or a batch)
operations (Redis, --redis_host/--redis_port)
  deadletter list                dead-lettered entries with reasons (--limit,
                                 --game, --reason CODE; every partition's
                                 dead letters with --partitions)
  deadletter requeue ID...|all   move entries back to their partition's event
                                 stream; `all` (or no ids) with
                                 --game/--reason: those
  lag                            consumer group lag, pending and consumers
  stream-key GAME                the stream a game's events go to (--partitions)
  migrate --config FILE          convert data of an older storage layout in
                                 place (stop workers and servers first)
--json prints JSON for scripts. Run with --helpfull for every flag.
)";

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// The message in protobuf's JSON mapping. Fails for a google.protobuf.Any
// of a type this binary does not link (e.g. a game's own plugin
// parameters): the printer cannot decode it.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat(
        "cannot print ", message.GetDescriptor()->name(),
        " as JSON: ", std::string(status.message()),
        " (a type inside an Any that the CLI does not link: add its proto "
        "to //tools/cli:stats, as README \"Adding a plugin\" says)"));
  }
  return out;
}

// One line of JSON for --json, or the error saying why not.
absl::Status PrintJson(const google::protobuf::Message& message) {
  absl::StatusOr<std::string> json = ToJson(message);
  if (!json.ok()) return json.status();
  std::cout << *json << "\n";
  return absl::OkStatus();
}

absl::Status FromGrpc(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

absl::StatusOr<std::unique_ptr<RedisConnection>> ConnectRedis() {
  auto conn = RedisConnection::Connect(absl::GetFlag(FLAGS_redis_host),
                                       absl::GetFlag(FLAGS_redis_port),
                                       absl::Seconds(5));
  if (!conn.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "redis ", absl::GetFlag(FLAGS_redis_host), ":",
        absl::GetFlag(FLAGS_redis_port), ": ", conn.status().message(),
        " (start the stack with tools/stack.sh start, or set --redis_port)"));
  }
  return conn;
}

std::shared_ptr<grpc::Channel> Channel() {
  std::string target = absl::GetFlag(FLAGS_server);
  if (target.empty()) target = "127.0.0.1:50051";
  return grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
}

void PrepareContext(grpc::ClientContext* context) {
  context->set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::milliseconds(absl::GetFlag(FLAGS_timeout_ms)));
  std::string key = absl::GetFlag(FLAGS_api_key);
  if (!key.empty()) context->AddMetadata("authorization", "Bearer " + key);
}

absl::Status NeedArgs(const std::vector<std::string>& args, size_t n,
                      absl::string_view usage) {
  if (args.size() < n) {
    return absl::InvalidArgumentError(absl::StrCat("usage: stats ", usage));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- publish

// The stream names the flags give (--stream, --dead_letter, --partitions).
v1::StreamConfig StreamFromFlags() {
  v1::StreamConfig stream;
  stream.set_key(absl::GetFlag(FLAGS_stream));
  stream.set_dead_letter_key(absl::GetFlag(FLAGS_dead_letter));
  stream.set_partitions(std::max(1, absl::GetFlag(FLAGS_partitions)));
  return stream;
}

// `stats stream-key GAME`: where a producer XADDs the game's events.
absl::Status StreamKey(const std::vector<std::string>& args) {
  auto status = NeedArgs(args, 1, "stream-key GAME");
  if (!status.ok()) return status;
  std::cout << StreamKeyForGame(StreamFromFlags(), args[0]) << "\n";
  return absl::OkStatus();
}

// The CLI is an idempotent producer (events.proto, ProducerSequence):
// events without producer fields get --producer_id, --producer_epoch and
// their 1-based position in the input as sequence.
void NumberAsProducer(std::vector<v1::GameEvent>* events) {
  std::string id = absl::GetFlag(FLAGS_producer_id);
  if (id.empty()) {
    char host[256] = {0};
    gethostname(host, sizeof(host) - 1);
    id = absl::StrCat("stats-cli-", host, "-", getpid());
  }
  int64_t epoch = absl::GetFlag(FLAGS_producer_epoch);
  if (epoch < 0) epoch = absl::ToUnixMillis(absl::Now());
  for (size_t i = 0; i < events->size(); ++i) {
    v1::GameEvent& event = (*events)[i];
    if (event.has_producer()) continue;
    event.mutable_producer()->set_producer_id(id);
    event.mutable_producer()->set_epoch(static_cast<uint64_t>(epoch));
    event.mutable_producer()->set_sequence(i + 1);
  }
}

absl::Status Publish(const std::vector<std::string>& args) {
  auto status = NeedArgs(args, 1, "publish FILE|-");
  if (!status.ok()) return status;
  auto format = ParseEventFormat(absl::GetFlag(FLAGS_format));
  if (!format.ok()) return format.status();
  absl::StatusOr<std::vector<v1::GameEvent>> events;
  if (args[0] == "-") {
    events = ReadEvents(std::cin, *format);
  } else {
    std::ifstream in(args[0]);
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("cannot open '", args[0], "' for reading"));
    }
    events = ReadEvents(in, *format);
  }
  if (!events.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        args[0] == "-" ? "stdin" : args[0], ": ", events.status().message()));
  }
  NumberAsProducer(&*events);
  const int batch = std::max(1, absl::GetFlag(FLAGS_batch));
  ProgressBar bar("publish", events->size(), absl::GetFlag(FLAGS_progress));
  std::vector<std::string> ids;
  ids.reserve(events->size());
  absl::Time start = absl::Now();
  if (!absl::GetFlag(FLAGS_server).empty()) {
    auto stub = v1::AdminService::NewStub(Channel());
    for (size_t i = 0; i < events->size(); i += batch) {
      v1::PublishEventsRequest request;
      for (size_t j = i; j < std::min(events->size(), i + batch); ++j) {
        *request.add_events() = (*events)[j];
      }
      v1::PublishEventsResponse response;
      grpc::ClientContext context;
      PrepareContext(&context);
      auto s = FromGrpc(
          stub->PublishEvents(&context, request, &response),
          absl::StrCat("PublishEvents (the batch starting at event #", i + 1,
                       "; ", ids.size(), " events before it were published)"));
      if (!s.ok()) return s;
      for (const auto& id : response.stream_ids()) ids.push_back(id);
      bar.Update(ids.size());
    }
  } else {
    auto conn = ConnectRedis();
    if (!conn.ok()) return conn.status();
    const v1::StreamConfig stream = StreamFromFlags();
    for (size_t i = 0; i < events->size(); i += batch) {
      std::vector<std::vector<std::string>> commands;
      for (size_t j = i; j < std::min(events->size(), i + batch); ++j) {
        commands.push_back(
            {"XADD", StreamKeyForGame(stream, (*events)[j].game_id()), "*",
             absl::GetFlag(FLAGS_field), (*events)[j].SerializeAsString()});
      }
      auto replies = (*conn)->Pipeline(commands);
      if (!replies.ok()) return replies.status();
      for (const auto& reply : *replies) {
        if (reply.is_error()) {
          return absl::InternalError(absl::StrCat("XADD: ", reply.str));
        }
        ids.push_back(reply.str);
      }
      bar.Update(ids.size());
    }
  }
  bar.Finish();
  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (absl::GetFlag(FLAGS_json)) {
    std::vector<std::string> quoted;
    quoted.reserve(ids.size());
    for (const auto& id : ids) quoted.push_back(JsonString(id));
    std::cout << "{\"published\":" << ids.size() << ",\"streamIds\":["
              << absl::StrJoin(quoted, ",") << "]}\n";
  } else {
    std::cout << "published " << ids.size()
              << (ids.size() == 1 ? " event" : " events")
              << (ids.empty() ? ""
                              : absl::StrCat(" (", ids.front(), " .. ",
                                             ids.back(), ")"))
              << " in " << absl::StrFormat("%.2f", seconds) << "s\n";
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------- queries

// " (period 2026-W48)" for a periodic board, "" for an all-time one.
std::string PeriodText(const std::string& period) {
  if (period.empty() || period == "all") return "";
  return absl::StrCat(" (period ", period, ")");
}

std::string Updated(const v1::LeaderboardEntry& e) {
  if (!e.has_updated_at()) return "";
  return google::protobuf::util::TimeUtil::ToString(e.updated_at());
}

void PrintEntries(
    const google::protobuf::RepeatedPtrField<v1::LeaderboardEntry>& entries,
    const std::string& highlight) {
  std::vector<std::vector<std::string>> rows;
  bool any_secondary = false;
  for (const auto& e : entries) any_secondary |= e.has_secondary_score();
  for (const auto& e : entries) {
    std::vector<std::string> row = {
        absl::StrCat(e.rank()),
        e.player_id() == highlight && !highlight.empty() ? "> " + e.player_id()
                                                         : e.player_id(),
        FormatNumber(e.score())};
    if (any_secondary) {
      row.push_back(e.has_secondary_score() ? FormatNumber(e.secondary_score())
                                            : "");
    }
    row.push_back(Updated(e));
    rows.push_back(std::move(row));
  }
  std::vector<std::string> header = {"RANK", "PLAYER", "SCORE"};
  if (any_secondary) header.push_back("SECONDARY");
  header.push_back("UPDATED");
  std::cout << FormatTable(header, rows);
}

// SORT_ORDER_DESCENDING -> descending.
std::string EnumText(const std::string& name, absl::string_view prefix) {
  std::string text = absl::AsciiStrToLower(
      absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name);
  return text;
}

absl::Status Boards(const std::vector<std::string>& args) {
  auto s = NeedArgs(args, 1, "boards GAME");
  if (!s.ok()) return s;
  auto stub = v1::LeaderboardService::NewStub(Channel());
  v1::ListLeaderboardsRequest request;
  request.set_game_id(args[0]);
  v1::ListLeaderboardsResponse response;
  grpc::ClientContext context;
  PrepareContext(&context);
  s = FromGrpc(stub->ListLeaderboards(&context, request, &response),
               "ListLeaderboards");
  if (!s.ok()) return s;
  if (absl::GetFlag(FLAGS_json)) {
    return PrintJson(response);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& info : response.leaderboards()) {
    const auto& c = info.config();
    rows.push_back({c.leaderboard_id(), c.scorer(),
                    EnumText(v1::SortOrder_Name(c.sort_order()), "SORT_ORDER_"),
                    EnumText(v1::TieMode_Name(c.tie_mode()), "TIE_MODE_"),
                    info.current_period()});
  }
  std::cout << FormatTable({"BOARD", "SCORER", "ORDER", "TIES", "PERIOD"},
                           rows);
  return absl::OkStatus();
}

absl::Status Top(const std::vector<std::string>& args) {
  auto s = NeedArgs(args, 2, "top GAME BOARD");
  if (!s.ok()) return s;
  auto stub = v1::LeaderboardService::NewStub(Channel());
  v1::ListEntriesRequest request;
  request.set_game_id(args[0]);
  request.set_leaderboard_id(args[1]);
  request.set_period(absl::GetFlag(FLAGS_period));
  request.set_page_size(absl::GetFlag(FLAGS_limit));
  request.set_page_token(absl::GetFlag(FLAGS_page_token));
  v1::ListEntriesResponse response;
  grpc::ClientContext context;
  PrepareContext(&context);
  s = FromGrpc(stub->ListEntries(&context, request, &response), "ListEntries");
  if (!s.ok()) return s;
  if (absl::GetFlag(FLAGS_json)) {
    return PrintJson(response);
  }
  std::cout << args[0] << "/" << args[1] << PeriodText(response.period())
            << "\n";
  PrintEntries(response.entries(), "");
  if (!response.next_page_token().empty()) {
    std::cout << "next page: --page_token=" << response.next_page_token()
              << "\n";
  }
  return absl::OkStatus();
}

absl::Status Around(const std::vector<std::string>& args) {
  auto s = NeedArgs(args, 3, "around GAME BOARD PLAYER");
  if (!s.ok()) return s;
  auto stub = v1::LeaderboardService::NewStub(Channel());
  v1::ListEntriesAroundPlayerRequest request;
  request.set_game_id(args[0]);
  request.set_leaderboard_id(args[1]);
  request.set_player_id(args[2]);
  request.set_period(absl::GetFlag(FLAGS_period));
  request.set_radius(absl::GetFlag(FLAGS_radius));
  v1::ListEntriesAroundPlayerResponse response;
  grpc::ClientContext context;
  PrepareContext(&context);
  s = FromGrpc(stub->ListEntriesAroundPlayer(&context, request, &response),
               "ListEntriesAroundPlayer");
  if (!s.ok()) return s;
  if (absl::GetFlag(FLAGS_json)) {
    return PrintJson(response);
  }
  PrintEntries(response.entries(), args[2]);
  return absl::OkStatus();
}

absl::Status Rank(const std::vector<std::string>& args) {
  auto s = NeedArgs(args, 3, "rank GAME BOARD PLAYER");
  if (!s.ok()) return s;
  auto stub = v1::LeaderboardService::NewStub(Channel());
  v1::GetPlayerRankRequest request;
  request.set_game_id(args[0]);
  request.set_leaderboard_id(args[1]);
  request.set_player_id(args[2]);
  request.set_period(absl::GetFlag(FLAGS_period));
  v1::GetPlayerRankResponse response;
  grpc::ClientContext context;
  PrepareContext(&context);
  s = FromGrpc(stub->GetPlayerRank(&context, request, &response),
               "GetPlayerRank");
  if (!s.ok()) return s;
  if (absl::GetFlag(FLAGS_json)) {
    return PrintJson(response);
  }
  google::protobuf::RepeatedPtrField<v1::LeaderboardEntry> one;
  *one.Add() = response.entry();
  PrintEntries(one, "");
  std::cout << "of " << response.total_count() << " ranked players\n";
  return absl::OkStatus();
}

absl::Status Friends(const std::vector<std::string>& args) {
  auto s = NeedArgs(args, 3, "friends GAME BOARD P1,P2,...");
  if (!s.ok()) return s;
  auto stub = v1::LeaderboardService::NewStub(Channel());
  v1::ListEntriesForPlayersRequest request;
  request.set_game_id(args[0]);
  request.set_leaderboard_id(args[1]);
  for (size_t i = 2; i < args.size(); ++i) {
    for (absl::string_view p :
         absl::StrSplit(args[i], ',', absl::SkipEmpty())) {
      request.add_player_ids(std::string(p));
    }
  }
  request.set_period(absl::GetFlag(FLAGS_period));
  v1::ListEntriesForPlayersResponse response;
  grpc::ClientContext context;
  PrepareContext(&context);
  s = FromGrpc(stub->ListEntriesForPlayers(&context, request, &response),
               "ListEntriesForPlayers");
  if (!s.ok()) return s;
  if (absl::GetFlag(FLAGS_json)) {
    return PrintJson(response);
  }
  PrintEntries(response.entries(), "");
  if (response.missing_player_ids_size() > 0) {
    std::cout << "not ranked: "
              << absl::StrJoin(response.missing_player_ids(), ", ") << "\n";
  }
  return absl::OkStatus();
}

absl::Status Count(const std::vector<std::string>& args) {
  auto s = NeedArgs(args, 2, "count GAME BOARD");
  if (!s.ok()) return s;
  auto stub = v1::LeaderboardService::NewStub(Channel());
  v1::CountEntriesRequest request;
  request.set_game_id(args[0]);
  request.set_leaderboard_id(args[1]);
  request.set_period(absl::GetFlag(FLAGS_period));
  v1::CountEntriesResponse response;
  grpc::ClientContext context;
  PrepareContext(&context);
  s = FromGrpc(stub->CountEntries(&context, request, &response),
               "CountEntries");
  if (!s.ok()) return s;
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::cout << response.count() << " ranked players"
            << PeriodText(response.period()) << "\n";
  return absl::OkStatus();
}

absl::Status History(const std::vector<std::string>& args) {
  auto s = NeedArgs(args, 3, "history GAME BOARD PLAYER");
  if (!s.ok()) return s;
  auto stub = v1::LeaderboardService::NewStub(Channel());
  v1::GetPlayerHistoryRequest request;
  request.set_game_id(args[0]);
  request.set_leaderboard_id(args[1]);
  request.set_player_id(args[2]);
  request.set_period(absl::GetFlag(FLAGS_period));
  request.set_max_points(absl::GetFlag(FLAGS_points));
  v1::GetPlayerHistoryResponse response;
  grpc::ClientContext context;
  PrepareContext(&context);
  s = FromGrpc(stub->GetPlayerHistory(&context, request, &response),
               "GetPlayerHistory");
  if (!s.ok()) return s;
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::cout << args[0] << "/" << args[1] << " " << args[2]
            << PeriodText(response.period()) << "\n";
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < response.points_size(); ++i) {
    const v1::HistoryPoint& p = response.points(i);
    std::string change;
    if (i > 0) {
      const double d = p.score() - response.points(i - 1).score();
      change = absl::StrCat(d >= 0 ? "+" : "-", FormatNumber(std::abs(d)));
    }
    rows.push_back({google::protobuf::util::TimeUtil::ToString(p.occurred_at()),
                    FormatNumber(p.score()), change, p.event_id()});
  }
  std::cout << FormatTable({"TIME", "SCORE", "CHANGE", "EVENT"}, rows);
  return absl::OkStatus();
}

std::string StatText(const v1::StatValue& v) {
  if (v.value_case() == v1::StatValue::kDoubleValue) {
    return FormatNumber(v.double_value());
  }
  std::string json = ToJson(v).value_or("");  // no Any: always printable
  // {"intValue":"3"} -> 3 : the table shows just the value.
  size_t colon = json.find(':');
  if (colon == std::string::npos) return json;
  std::string value = json.substr(colon + 1);
  if (!value.empty() && value.back() == '}') value.pop_back();
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
    value = value.substr(1, value.size() - 2);
  }
  return value;
}

absl::Status Stats(const std::vector<std::string>& args) {
  auto s = NeedArgs(args, 2, "stats GAME PLAYER [PLAYER...]");
  if (!s.ok()) return s;
  auto stub = v1::PlayerStatsService::NewStub(Channel());
  if (args.size() == 2 && args[1].find(',') == std::string::npos) {
    // One player: GetPlayerStats, NOT_FOUND naming the player if none.
    v1::GetPlayerStatsRequest one;
    one.set_game_id(args[0]);
    one.set_player_id(args[1]);
    v1::GetPlayerStatsResponse response;
    grpc::ClientContext context;
    PrepareContext(&context);
    s = FromGrpc(stub->GetPlayerStats(&context, one, &response),
                 "GetPlayerStats");
    if (!s.ok()) return s;
    if (absl::GetFlag(FLAGS_json)) {
      return PrintJson(response);
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, value] : response.stats().stats()) {
      rows.push_back({response.stats().player_id(), name, StatText(value)});
    }
    std::sort(rows.begin(), rows.end());
    std::cout << FormatTable({"PLAYER", "STAT", "VALUE"}, rows);
    return absl::OkStatus();
  }
  v1::BatchGetPlayerStatsRequest request;
  request.set_game_id(args[0]);
  for (size_t i = 1; i < args.size(); ++i) {
    for (absl::string_view p :
         absl::StrSplit(args[i], ',', absl::SkipEmpty())) {
      request.add_player_ids(std::string(p));
    }
  }
  v1::BatchGetPlayerStatsResponse response;
  grpc::ClientContext context;
  PrepareContext(&context);
  s = FromGrpc(stub->BatchGetPlayerStats(&context, request, &response),
               "BatchGetPlayerStats");
  if (!s.ok()) return s;
  if (absl::GetFlag(FLAGS_json)) {
    return PrintJson(response);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& player : response.players()) {
    std::vector<std::pair<std::string, std::string>> sorted;
    for (const auto& [name, value] : player.stats()) {
      sorted.emplace_back(name, StatText(value));
    }
    std::sort(sorted.begin(), sorted.end());
    for (const auto& [name, value] : sorted) {
      rows.push_back({player.player_id(), name, value});
    }
  }
  std::cout << FormatTable({"PLAYER", "STAT", "VALUE"}, rows);
  if (response.missing_player_ids_size() > 0) {
    std::cout << "no stats: "
              << absl::StrJoin(response.missing_player_ids(), ", ") << "\n";
  }
  return absl::OkStatus();
}

// ------------------------------------------------------------- operations

// The dead-letter streams `deadletter` reads: one per stream partition
// (--partitions, common/stream_partitions.h).
std::vector<std::string> DeadLetterKeys() {
  return AllDeadLetterKeys(StreamFromFlags());
}

// The event stream a letter of dead-letter stream `dead_key` goes back to:
// the stream of the same partition (it shares the hash tag, so the requeue
// stays one transaction on a Redis Cluster).
std::string RequeueStreamFor(const std::string& dead_key) {
  const v1::StreamConfig stream = StreamFromFlags();
  const std::vector<std::string> dead = AllDeadLetterKeys(stream);
  const std::vector<std::string> keys = AllStreamKeys(stream);
  for (size_t p = 0; p < dead.size(); ++p) {
    if (dead[p] == dead_key) return keys[p];
  }
  return keys[0];
}

DeadLetterFilter FilterFromFlags() {
  return {absl::GetFlag(FLAGS_game), absl::GetFlag(FLAGS_reason)};
}

// `stats deadletter list`: a table (or JSON) of the letters matching
// --game/--reason, at most --limit.
absl::Status DeadLetterList(RedisConnection* conn) {
  const std::vector<std::string> keys = DeadLetterKeys();
  const std::string field = absl::GetFlag(FLAGS_field);
  const DeadLetterFilter filter = FilterFromFlags();
  int64_t total = 0;
  auto letters = ListDeadLetters(
      conn, keys, field, filter,
      static_cast<size_t>(std::max(0, absl::GetFlag(FLAGS_limit))), &total);
  if (!letters.ok()) return letters.status();
  if (absl::GetFlag(FLAGS_json)) {
    std::vector<std::string> items;
    for (const DeadLetter& e : *letters) {
      std::vector<std::string> parts = {"\"id\":" + JsonString(e.id),
                                        "\"stream\":" + JsonString(e.key)};
      if (e.Field("game_id") == nullptr && !e.game_id.empty()) {
        parts.push_back("\"game_id\":" + JsonString(e.game_id));
      }
      for (const auto& [k, v] : e.fields) {
        if (k == field) continue;  // raw bytes; decoded below when possible
        parts.push_back(JsonString(k) + ":" + JsonString(v));
      }
      v1::GameEvent event;
      if (const std::string* raw = e.Field(field);
          raw && event.ParseFromString(*raw)) {
        // Left out when its custom payload is of a type the CLI lacks.
        if (auto json = ToJson(event); json.ok()) {
          parts.push_back("\"event\":" + *json);
        }
      }
      items.push_back("{" + absl::StrJoin(parts, ",") + "}");
    }
    std::cout << "{\"total\":" << total << ",\"entries\":["
              << absl::StrJoin(items, ",") << "]}\n";
    return absl::OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const DeadLetter& e : *letters) {
    std::string reason, deliveries, last_failed, event_id = "(undecodable)";
    for (const auto& [k, v] : e.fields) {
      if (k == "reason" || k == "error") reason = v;
      if (k == "deliveries" || k == "delivery_count") deliveries = v;
      if (k == "last_failed_at") last_failed = v;
    }
    v1::GameEvent event;
    if (const std::string* raw = e.Field(field);
        raw && event.ParseFromString(*raw)) {
      event_id = event.event_id();
    }
    rows.push_back({e.id, e.game_id.empty() ? "?" : e.game_id, event_id,
                    e.ReasonCode(), deliveries, last_failed, reason});
  }
  std::cout << FormatTable(
      {"ID", "GAME", "EVENT", "CODE", "DELIVERIES", "LAST FAILED", "REASON"},
      rows);
  std::cout << (filter.empty() ? ""
                               : absl::StrCat(letters->size(), " shown (",
                                              filter.Describe(), ") of "))
            << total << (total == 1 ? " entry" : " entries") << " in "
            << absl::StrJoin(keys, ", ") << "\n";
  return absl::OkStatus();
}

// `stats deadletter requeue ID...|all`: moves letters back to the event
// stream (tools/cli/dead_letters.h, Requeue); `all` and a bare `requeue`
// take the letters matching --game/--reason.
absl::Status DeadLetterRequeue(RedisConnection* conn,
                               const std::vector<std::string>& ids_or_all) {
  const std::vector<std::string> keys = DeadLetterKeys();
  const std::string field = absl::GetFlag(FLAGS_field);
  const DeadLetterFilter filter = FilterFromFlags();
  const bool all =
      ids_or_all.empty() || (ids_or_all.size() == 1 && ids_or_all[0] == "all");
  if (all && ids_or_all.empty() && filter.empty()) {
    return absl::InvalidArgumentError(
        "usage: stats deadletter requeue ID...|all [--game G] [--reason R]");
  }
  if (!all && !filter.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "requeue: ", filter.Describe(),
        " selects letters, so give `all` (or no ids) instead of ids"));
  }
  std::vector<std::vector<std::string>> rows;
  auto move = [&](const DeadLetter& letter) -> absl::Status {
    auto id = Requeue(conn, letter, RequeueStreamFor(letter.key), field);
    if (!id.ok()) return id.status();
    rows.push_back({letter.id, *id});
    return absl::OkStatus();
  };
  if (all) {
    absl::Status status = ForEachDeadLetter(conn, keys, field, filter, move);
    if (!status.ok()) return status;
  } else {
    auto letters = FindDeadLetters(conn, keys, field, ids_or_all);
    if (!letters.ok()) return letters.status();
    ProgressBar bar("requeue", letters->size(), absl::GetFlag(FLAGS_progress));
    for (const DeadLetter& letter : *letters) {
      absl::Status status = move(letter);
      if (!status.ok()) return status;
      bar.Update(static_cast<int64_t>(rows.size()));
    }
    bar.Finish();
  }
  const size_t moved = rows.size();
  if (absl::GetFlag(FLAGS_json)) {
    std::vector<std::string> items;
    items.reserve(rows.size());
    for (const auto& r : rows) {
      items.push_back("{\"deadLetterId\":" + JsonString(r[0]) +
                      ",\"streamId\":" + JsonString(r[1]) + "}");
    }
    std::cout << "{\"requeued\":[" << absl::StrJoin(items, ",") << "]}\n";
  } else {
    std::cout << FormatTable({"DEAD-LETTER ID", "NEW STREAM ID"}, rows);
    std::cout << "requeued " << moved << (moved == 1 ? " entry" : " entries")
              << " to " << absl::StrJoin(AllStreamKeys(StreamFromFlags()), ", ")
              << "\n";
  }
  return absl::OkStatus();
}

// The lag report of one stream partition.
absl::Status LagOf(RedisConnection* conn, const std::string& stream,
                   const std::string& dead_letters) {
  auto len = conn->Command({"XLEN", stream});
  if (!len.ok()) return len.status();
  auto dead_len = conn->Command({"XLEN", dead_letters});
  if (!dead_len.ok()) return dead_len.status();
  auto groups = conn->Command({"XINFO", "GROUPS", stream});
  if (!groups.ok()) return groups.status();
  // The stream's last id: a group that has delivered it has no lag, whatever
  // Redis's lag counter says (Redis 7.0's can stay wrong after a restart
  // from the append-only file).
  std::string last_generated;
  auto info = conn->Command({"XINFO", "STREAM", stream});
  if (info.ok() && !info->is_error()) {
    for (size_t i = 0; i + 1 < info->elements.size(); i += 2) {
      if (info->elements[i].str == "last-generated-id") {
        last_generated = info->elements[i + 1].str;
      }
    }
  }
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> json_groups;
  if (!groups->is_error()) {
    for (const auto& g : groups->elements) {
      std::string name, consumers, pending, last, lag = "?";
      for (size_t i = 0; i + 1 < g.elements.size(); i += 2) {
        const std::string& k = g.elements[i].str;
        const RedisReply& v = g.elements[i + 1];
        std::string text = v.type == RedisReply::Type::kInteger
                               ? absl::StrCat(v.integer)
                               : v.str;
        if (k == "name") name = text;
        if (k == "consumers") consumers = text;
        if (k == "pending") pending = text;
        if (k == "last-delivered-id") last = text;
        if (k == "lag") lag = v.is_nil() ? "?" : text;
      }
      if (!last.empty() && last == last_generated) lag = "0";
      rows.push_back({name, consumers, pending, lag, last});
      json_groups.push_back(absl::StrCat(
          "{\"name\":", JsonString(name), ",\"consumers\":", consumers,
          ",\"pending\":", pending, ",\"lag\":", lag == "?" ? "null" : lag,
          ",\"lastDeliveredId\":", JsonString(last), "}"));
    }
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::cout << "{\"stream\":" << JsonString(stream)
              << ",\"length\":" << len->integer
              << ",\"deadLetters\":" << dead_len->integer << ",\"groups\":["
              << absl::StrJoin(json_groups, ",") << "]}\n";
    return absl::OkStatus();
  }
  std::cout << "stream " << stream << ": " << len->integer << " entries, "
            << dead_len->integer << " dead-lettered\n";
  if (rows.empty()) {
    std::cout << "no consumer group yet (the worker creates '"
              << absl::GetFlag(FLAGS_group) << "' on start)\n";
  } else {
    std::cout << FormatTable(
        {"GROUP", "CONSUMERS", "PENDING", "LAG", "LAST DELIVERED"}, rows);
  }
  return absl::OkStatus();
}

// `stats lag`: every partition (one JSON object per line with --json).
absl::Status Lag(RedisConnection* conn) {
  const v1::StreamConfig stream = StreamFromFlags();
  const std::vector<std::string> keys = AllStreamKeys(stream);
  const std::vector<std::string> dead = AllDeadLetterKeys(stream);
  for (size_t p = 0; p < keys.size(); ++p) {
    absl::Status status = LagOf(conn, keys[p], dead[p]);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// `stats migrate`: tools/cli/layout_migration.h.
absl::Status Migrate() {
  const std::string path = absl::GetFlag(FLAGS_config);
  if (path.empty()) {
    return absl::InvalidArgumentError(
        "migrate needs --config FILE: the workers' config (its games and "
        "boards decide the layout)");
  }
  auto config = LoadConfigFile(path);
  if (!config.ok()) return config.status();
  auto catalog = GameCatalog::Build(*config);
  if (!catalog.ok()) return catalog.status();
  auto conn = ConnectRedis();
  if (!conn.ok()) return conn.status();
  MigrationOptions options;
  options.force = absl::GetFlag(FLAGS_force);
  auto report = MigrateToCurrentLayout(conn->get(), *config, **catalog, options,
                                       std::cerr);
  if (!report.ok()) return report.status();
  if (report->already_current) {
    std::cout << "already at storage layout " << keys::kLayoutVersion
              << "; nothing to do\n";
    return absl::OkStatus();
  }
  std::cout << "migrated to storage layout " << keys::kLayoutVersion << ": "
            << report->board_periods << " board periods, " << report->entries
            << " entries, " << report->dedup_ids << " dedup event ids\n";
  if (report->entries_without_ranking > 0) {
    std::cout
        << "skipped " << report->entries_without_ranking
        << " index entries without a ranking entry (layout-1 leftovers)\n";
  }
  if (!report->unconfigured_games.empty()) {
    std::cout << "left alone (not in the config): "
              << absl::StrJoin(report->unconfigured_games, ", ") << "\n";
  }
  return absl::OkStatus();
}

absl::Status Run(const std::vector<std::string>& argv) {
  if (argv.empty() || argv[0] == "help") {
    std::cout << kUsage;
    return argv.empty() ? absl::InvalidArgumentError("no command given")
                        : absl::OkStatus();
  }
  const std::string& command = argv[0];
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  if (command == "publish") return Publish(args);
  if (command == "boards") return Boards(args);
  if (command == "top") return Top(args);
  if (command == "around") return Around(args);
  if (command == "rank") return Rank(args);
  if (command == "friends") return Friends(args);
  if (command == "count") return Count(args);
  if (command == "history") return History(args);
  if (command == "stats") return Stats(args);
  if (command == "migrate") return Migrate();
  if (command == "stream-key") return StreamKey(args);
  if (command == "deadletter" || command == "lag") {
    auto conn = ConnectRedis();
    if (!conn.ok()) return conn.status();
    if (command == "lag") return Lag(conn->get());
    if (args.empty() || args[0] == "list") return DeadLetterList(conn->get());
    if (args[0] == "requeue") {
      return DeadLetterRequeue(conn->get(), {args.begin() + 1, args.end()});
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "deadletter: unknown subcommand '", args[0], "'; use list or requeue"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown command '", command, "'; run `stats help` for the list"));
}

}  // namespace
}  // namespace cli
}  // namespace statstracker

int main(int argc, char** argv) {
  // Message types inside an Any that the CLI reads or prints as JSON:
  // GameEvent.custom for `publish`, LeaderboardConfig.params for `boards
  // --json`. Referencing one message of a file keeps the linker from
  // dropping that file's descriptors. Add a game's own types here.
  const google::protobuf::Message* custom_event_types[] = {
      &statstracker::examples::racing::v1::LapCompleted::default_instance(),
      &statstracker::v1::BestScoreParams::default_instance(),
  };
  (void)custom_event_types;
  statstracker::SetUpHelp(statstracker::cli::kUsage, __FILE__);
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  std::vector<std::string> args(positional.begin() + 1, positional.end());
  absl::Status status = statstracker::cli::Run(args);
  if (!status.ok()) {
    std::cerr << "stats: " << status.message() << "\n";
    return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
  }
  return 0;
}
