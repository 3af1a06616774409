// The live leaderboard page (server/web/) in Debian's headless Chromium
// against a real stack (redis-server, worker, server with the gateway).
//
// Chromium is driven over the DevTools pipe (tests/devtools_browser.h). The
// page keeps a server-sent-events connection open, so `--dump-dom
// --virtual-time-budget` would never return; instead the test reads the DOM
// with Runtime.evaluate until the tables are filled.
//
// What it checks: the top table's entries and order and the player's
// neighbourhood; that one more event published through the CLI shows up
// without a reload (the same document, updated over SSE); that a phone-width
// viewport (390 CSS px) has no horizontal overflow; on a board with history,
// the selected player's history chart (an SVG drawn by the page: a dot per
// point at the right height, in time order), growing live. Screenshots
// (phone and desktop, and the chart) go to $TEST_UNDECLARED_OUTPUTS_DIR
// (bazel-testlogs/tests/page_test/test.outputs/outputs.zip).

#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/devtools_browser.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"
#include "tests/tools_e2e_common.h"

namespace statstracker {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using testing::Browser;
using testing::Field;
using testing::JsonQuote;
using testing::RunCommand;
using testing::Screenshot;
using testing::SetViewport;

// How long one wait for the page may take before the test gives up (a
// failure deadline, not a performance threshold).
constexpr absl::Duration kPageTimeout = absl::Seconds(20);

// What the page shows, read from its DOM.
struct Row {
  std::string rank, player, score;
  bool me = false;
};
struct PageState {
  std::vector<Row> top, around;
  bool around_hidden = true;
  std::string total, status, error, marker;
  double scroll_width = 0, viewport_width = 0;
  std::string json;  // for failure messages
};

constexpr char kStateScript[] = R"js(
(() => {
  const rows = (id) => [...document.querySelectorAll('#' + id + ' tbody tr')]
      .map((tr) => ({player: tr.dataset.player || '',
                     me: tr.classList.contains('me'),
                     cells: [...tr.cells].map((td) => td.textContent)}));
  const error = document.getElementById('error');
  if (!error) return JSON.stringify({top: [], around: []});  // not loaded yet
  return JSON.stringify({
    top: rows('top-table'),
    around: rows('around-table'),
    aroundHidden: document.getElementById('around-section').hidden,
    total: document.getElementById('total').textContent,
    status: document.getElementById('status').dataset.state,
    error: error.hidden ? '' : error.textContent,
    marker: String(window.pageTestMarker || ''),
    scrollWidth: document.documentElement.scrollWidth,
    viewportWidth: document.documentElement.clientWidth,
  });
})()
)js";

std::vector<Row> ToRows(const Value& list) {
  std::vector<Row> rows;
  for (const Value& v : list.list_value().values()) {
    const Struct& s = v.struct_value();
    Row row;
    row.player = Field(s, "player").string_value();
    row.me = Field(s, "me").bool_value();
    const auto& cells = Field(s, "cells").list_value().values();
    if (cells.size() == 3) {
      row.rank = cells[0].string_value();
      row.score = cells[2].string_value();
    }
    rows.push_back(row);
  }
  return rows;
}

absl::StatusOr<PageState> ReadPage(Browser& browser,
                                   const std::string& session) {
  auto s = browser.EvaluateJson(session, kStateScript);
  if (!s.ok()) return s.status();
  PageState state;
  state.top = ToRows(Field(*s, "top"));
  state.around = ToRows(Field(*s, "around"));
  state.around_hidden = Field(*s, "aroundHidden").bool_value();
  state.total = Field(*s, "total").string_value();
  state.status = Field(*s, "status").string_value();
  state.error = Field(*s, "error").string_value();
  state.marker = Field(*s, "marker").string_value();
  state.scroll_width = Field(*s, "scrollWidth").number_value();
  state.viewport_width = Field(*s, "viewportWidth").number_value();
  (void)google::protobuf::util::MessageToJsonString(*s, &state.json);
  return state;
}

// Reads the page until `done` holds; the last state either way.
absl::StatusOr<PageState> WaitForPage(
    Browser& browser, const std::string& session,
    const std::function<bool(const PageState&)>& done) {
  absl::Time deadline = absl::Now() + kPageTimeout;
  while (true) {
    auto state = ReadPage(browser, session);
    if (!state.ok()) return state.status();
    if (done(*state) || absl::Now() > deadline) return state;
    absl::SleepFor(absl::Milliseconds(50));
  }
}

std::string Players(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const Row& r : rows) out.push_back(absl::StrCat(r.rank, ":", r.player));
  return absl::StrJoin(out, " ");
}

TEST(PageTest, ShowsBoardAndNeighbourhoodAndUpdatesLiveInChromium) {
  auto chromium = testing::FindOnPath("chromium");
  if (!chromium.ok()) {
    GTEST_FAIL() << "chromium not installed: apt-get install chromium "
                    "(tools/install_deps.sh does)";
  }
  if (!testing::HaveBinary("worker/worker")) {
    GTEST_FAIL() << "worker/worker not in the runfiles (data = //worker)";
  }
  auto stack = testing::StartStack(testing::TestConfig());
  ASSERT_TRUE(stack.ok()) << stack.status();
  const std::string grpc = (*stack)->grpc_address;
  const std::string http =
      testing::ReadyField((*stack)->server->ready_line(), "http");
  ASSERT_FALSE(http.empty()) << (*stack)->server->ready_line();

  // 30 arcade players: player-NN scores 100 * (NN + 1), so player-29 leads
  // with 3,000 and player-10 (1,100) is 20th.
  std::string file = ::testing::TempDir() + "/events.jsonl";
  std::ofstream(file) << testing::DemoEventsJson(30);
  auto pub = RunCommand(absl::StrCat("tools/cli/stats publish ", file,
                                     " --server=", grpc,
                                     " --api_key=", testing::kTestApiKey));
  ASSERT_EQ(pub.exit_code, 0) << pub.output;
  bool applied = false;
  for (int i = 0; i < 300 && !applied; ++i) {
    auto count = RunCommand(absl::StrCat(
        "tools/cli/stats count arcade high --json --server=", grpc));
    applied = count.output.find("\"count\":\"30\"") != std::string::npos;
    if (!applied) absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(applied) << "the worker did not apply the events";

  const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  const std::string out_dir = outputs ? outputs : ::testing::TempDir();
  auto browser = Browser::Launch(*chromium, ::testing::TempDir());
  ASSERT_TRUE(browser.ok()) << browser.status();
  Browser& b = **browser;
  auto target = b.Call("Target.createTarget", "{\"url\":\"about:blank\"}");
  ASSERT_TRUE(target.ok()) << target.status();
  auto attached =
      b.Call("Target.attachToTarget",
             absl::StrCat("{\"targetId\":",
                          JsonQuote(Field(*target, "targetId").string_value()),
                          ",\"flatten\":true}"));
  ASSERT_TRUE(attached.ok()) << attached.status();
  const std::string session = Field(*attached, "sessionId").string_value();

  // A phone: 390 x 844 CSS px, mobile layout.
  ASSERT_TRUE(SetViewport(b, session, 390, 844, /*mobile=*/true).ok());
  const std::string url = absl::StrCat(
      "http://", http, "/?game=arcade&board=high&player=player-10");
  auto nav = b.Call("Page.navigate",
                    absl::StrCat("{\"url\":", JsonQuote(url), "}"), session);
  ASSERT_TRUE(nav.ok()) << nav.status();
  ASSERT_FALSE(Field(*nav, "errorText").has_string_value())
      << "navigation failed: " << Field(*nav, "errorText").string_value();

  auto page = WaitForPage(b, session, [](const PageState& p) {
    return p.top.size() == 20 && p.around.size() == 7 && p.status == "live";
  });
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->top.size(), 20u) << page->json;
  ASSERT_EQ(page->around.size(), 7u) << page->json;
  EXPECT_EQ(page->status, "live") << page->json;
  EXPECT_EQ(page->error, "");
  EXPECT_EQ(page->total, "30");
  // The top 20, best first: player-29 (3,000) down to player-10 (1,100).
  for (int i = 0; i < 20; ++i) {
    const Row& row = page->top[i];
    EXPECT_EQ(row.rank, absl::StrCat(i + 1)) << Players(page->top);
    EXPECT_EQ(row.player, absl::StrFormat("player-%02d", 29 - i))
        << Players(page->top);
    EXPECT_EQ(row.me, row.player == "player-10") << row.player;
  }
  EXPECT_EQ(page->top[0].score, "3,000");
  EXPECT_EQ(page->top[19].score, "1,100");
  // player-10's neighbourhood (radius 3): ranks 17..23, itself highlighted.
  EXPECT_FALSE(page->around_hidden);
  for (int i = 0; i < 7; ++i) {
    const Row& row = page->around[i];
    EXPECT_EQ(row.rank, absl::StrCat(17 + i)) << Players(page->around);
    EXPECT_EQ(row.player, absl::StrFormat("player-%02d", 13 - i))
        << Players(page->around);
    EXPECT_EQ(row.me, i == 3) << row.player;
  }
  // Readable on the phone: nothing wider than the screen.
  EXPECT_EQ(page->viewport_width, 390) << page->json;
  EXPECT_LE(page->scroll_width, page->viewport_width)
      << "the page scrolls sideways at 390 px";

  // Live: mark this document, publish two more events through the CLI, and
  // see them arrive in the same document (no reload) over SSE: player-10
  // jumps to first with 5,000 and a new player enters the top 20.
  ASSERT_TRUE(
      b.EvaluateJson(session, "window.pageTestMarker = 'first-load'; '{}'")
          .ok());
  std::string more = ::testing::TempDir() + "/more.jsonl";
  std::ofstream(more)
      << R"({"eventId":"live-1","gameId":"arcade","occurredAt":"2026-11-24T12:05:00Z","scoreSubmitted":{"playerId":"player-10","score":5000}})"
         "\n"
         R"({"eventId":"live-2","gameId":"arcade","occurredAt":"2026-11-24T12:05:01Z","scoreSubmitted":{"playerId":"newcomer","score":2050}})"
         "\n";
  auto live_pub = RunCommand(absl::StrCat("tools/cli/stats publish ", more,
                                          " --server=", grpc,
                                          " --api_key=", testing::kTestApiKey));
  ASSERT_EQ(live_pub.exit_code, 0) << live_pub.output;
  auto live = WaitForPage(b, session, [](const PageState& p) {
    return p.total == "31" && !p.top.empty() &&
           p.top[0].player == "player-10" && !p.around.empty() &&
           p.around[0].player == "player-10";
  });
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_EQ(live->marker, "first-load") << "the page was reloaded";
  EXPECT_EQ(live->total, "31") << live->json;
  ASSERT_EQ(live->top.size(), 20u) << live->json;
  EXPECT_EQ(live->top[0].player, "player-10") << Players(live->top);
  EXPECT_EQ(live->top[0].score, "5,000");
  EXPECT_TRUE(live->top[0].me);
  EXPECT_EQ(live->top[1].player, "player-29") << Players(live->top);
  // 2,050 sits between player-20 (2,100) and player-19 (2,000): rank 12
  // behind player-10 and player-29..player-20.
  EXPECT_EQ(live->top[11].player, "newcomer") << Players(live->top);
  EXPECT_EQ(live->top[11].rank, "12");
  EXPECT_EQ(live->top[19].player, "player-12") << Players(live->top);
  // The neighbourhood at the top of the board: ranks 1..4.
  ASSERT_EQ(live->around.size(), 4u) << Players(live->around);
  EXPECT_EQ(live->around[0].rank, "1");
  EXPECT_TRUE(live->around[0].me);
  EXPECT_EQ(live->around[1].player, "player-29") << Players(live->around);
  EXPECT_EQ(live->around[3].player, "player-27") << Players(live->around);
  EXPECT_EQ(live->status, "live");
  EXPECT_LE(live->scroll_width, live->viewport_width);

  ASSERT_TRUE(Screenshot(b, session, out_dir + "/page-phone.png").ok());

  // The same page on a desktop screen: two columns, still no overflow.
  ASSERT_TRUE(SetViewport(b, session, 1280, 800, /*mobile=*/false).ok());
  auto desktop = WaitForPage(
      b, session, [](const PageState& p) { return p.viewport_width == 1280; });
  ASSERT_TRUE(desktop.ok()) << desktop.status();
  EXPECT_EQ(desktop->viewport_width, 1280) << desktop->json;
  EXPECT_LE(desktop->scroll_width, desktop->viewport_width);
  EXPECT_EQ(desktop->top.size(), 20u);
  absl::Status shot = Screenshot(b, session, out_dir + "/page-desktop.png");
  ASSERT_TRUE(shot.ok()) << shot;
  std::ifstream png(out_dir + "/page-desktop.png", std::ios::binary);
  EXPECT_TRUE(png.good());
}

// The history chart as the page drew it.
struct Dot {
  double score = 0, cx = 0, cy = 0;
  std::string event, time;
};
struct ChartState {
  bool hidden = true;
  std::vector<Dot> dots;
  int vertices = 0;
  double width = 0;
  std::string meta, status, json;
  double scroll_width = 0, viewport_width = 0;
};

constexpr char kChartScript[] = R"js(
(() => {
  const section = document.getElementById('history-section');
  if (!section) return JSON.stringify({hidden: true, dots: []});
  const svg = document.querySelector('#history-chart svg');
  const dots = svg ? [...svg.querySelectorAll('circle.point')].map((c) => ({
    score: Number(c.dataset.score), event: c.dataset.event,
    time: c.dataset.time, cx: Number(c.getAttribute('cx')),
    cy: Number(c.getAttribute('cy'))})) : [];
  const line = svg ? svg.querySelector('polyline.line') : null;
  return JSON.stringify({
    hidden: section.hidden,
    dots: dots,
    vertices: line ? line.getAttribute('points').trim().split(/\s+/).length : 0,
    width: svg ? svg.getBoundingClientRect().width : 0,
    meta: document.getElementById('history-meta').textContent,
    status: document.getElementById('status').dataset.state,
    scrollWidth: document.documentElement.scrollWidth,
    viewportWidth: document.documentElement.clientWidth,
  });
})()
)js";

absl::StatusOr<ChartState> ReadChart(Browser& browser,
                                     const std::string& session) {
  auto s = browser.EvaluateJson(session, kChartScript);
  if (!s.ok()) return s.status();
  ChartState chart;
  chart.hidden = Field(*s, "hidden").bool_value();
  for (const Value& v : Field(*s, "dots").list_value().values()) {
    const Struct& d = v.struct_value();
    chart.dots.push_back(
        {Field(d, "score").number_value(), Field(d, "cx").number_value(),
         Field(d, "cy").number_value(), Field(d, "event").string_value(),
         Field(d, "time").string_value()});
  }
  chart.vertices = static_cast<int>(Field(*s, "vertices").number_value());
  chart.width = Field(*s, "width").number_value();
  chart.meta = Field(*s, "meta").string_value();
  chart.status = Field(*s, "status").string_value();
  chart.scroll_width = Field(*s, "scrollWidth").number_value();
  chart.viewport_width = Field(*s, "viewportWidth").number_value();
  (void)google::protobuf::util::MessageToJsonString(*s, &chart.json);
  return chart;
}

absl::StatusOr<ChartState> WaitForChart(
    Browser& browser, const std::string& session,
    const std::function<bool(const ChartState&)>& done) {
  absl::Time deadline = absl::Now() + kPageTimeout;
  while (true) {
    auto chart = ReadChart(browser, session);
    if (!chart.ok()) return chart.status();
    if (done(*chart) || absl::Now() > deadline) return chart;
    absl::SleepFor(absl::Milliseconds(50));
  }
}

// The history the API gives for `player` (via the CLI): event id -> score,
// in order.
std::vector<std::pair<std::string, double>> ApiHistory(
    const std::string& grpc, const std::string& player) {
  auto out = RunCommand(absl::StrCat("tools/cli/stats history duel elo ",
                                     player, " --json --server=", grpc),
                        /*merge_stderr=*/false);
  EXPECT_EQ(out.exit_code, 0) << out.output;
  Struct response;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(out.output, &response).ok())
      << out.output;
  std::vector<std::pair<std::string, double>> points;
  for (const Value& v : Field(response, "points").list_value().values()) {
    points.emplace_back(Field(v.struct_value(), "eventId").string_value(),
                        Field(v.struct_value(), "score").number_value());
  }
  return points;
}

// `n` duel matches ann vs bob, an hour apart from `first`, as JSON lines;
// ann wins unless the match number is a multiple of 3.
std::string DuelMatches(int first, int n) {
  std::string out;
  for (int i = first; i < first + n; ++i) {
    const bool ann = i % 3 != 0;
    absl::StrAppendFormat(
        &out,
        R"({"eventId":"h-%d","gameId":"duel","occurredAt":"2026-11-20T%02d:00:00Z","matchCompleted":{"participants":[{"playerId":"%s","outcome":"OUTCOME_WIN"},{"playerId":"%s","outcome":"OUTCOME_LOSS"}]}})"
        "\n",
        i, i, ann ? "ann" : "bob", ann ? "bob" : "ann");
  }
  return out;
}

// Checks the chart against the API's points: a dot per point with its
// score, in time order (x grows), higher scores drawn higher (smaller y).
void ExpectChartShows(const ChartState& chart,
                      const std::vector<std::pair<std::string, double>>& api) {
  ASSERT_EQ(chart.dots.size(), api.size()) << chart.json;
  EXPECT_EQ(chart.vertices, static_cast<int>(api.size())) << chart.json;
  for (size_t i = 0; i < api.size(); ++i) {
    EXPECT_EQ(chart.dots[i].event, api[i].first) << chart.json;
    EXPECT_DOUBLE_EQ(chart.dots[i].score, api[i].second) << chart.json;
    if (i > 0) EXPECT_GT(chart.dots[i].cx, chart.dots[i - 1].cx) << i;
    for (size_t j = 0; j < api.size(); ++j) {
      if (api[i].second > api[j].second) {
        EXPECT_LT(chart.dots[i].cy, chart.dots[j].cy) << i << " vs " << j;
      }
    }
  }
}

TEST(PageTest, DrawsThePlayersHistoryChartAndUpdatesItLive) {
  auto chromium = testing::FindOnPath("chromium");
  if (!chromium.ok()) {
    GTEST_FAIL() << "chromium not installed: apt-get install chromium "
                    "(tools/install_deps.sh does)";
  }
  if (!testing::HaveBinary("worker/worker")) {
    GTEST_FAIL() << "worker/worker not in the runfiles (data = //worker)";
  }
  // The test config with a history of 8 points on duel/elo.
  const std::string plain =
      R"(leaderboards { leaderboard_id: "elo" scorer: "elo" })";
  std::string config = testing::TestConfig();
  ASSERT_NE(config.find(plain), std::string::npos);
  config = absl::StrReplaceAll(
      config, {{plain, R"(leaderboards { leaderboard_id: "elo" scorer: "elo"
                         history { max_points: 8 } })"}});
  auto stack = testing::StartStack(config);
  ASSERT_TRUE(stack.ok()) << stack.status();
  const std::string grpc = (*stack)->grpc_address;
  const std::string http =
      testing::ReadyField((*stack)->server->ready_line(), "http");

  auto publish = [&](const std::string& lines, const std::string& name) {
    const std::string file = ::testing::TempDir() + "/" + name;
    std::ofstream(file) << lines;
    auto pub = RunCommand(absl::StrCat("tools/cli/stats publish ", file,
                                       " --server=", grpc,
                                       " --api_key=", testing::kTestApiKey));
    ASSERT_EQ(pub.exit_code, 0) << pub.output;
  };
  // Ten matches: ann has ten changes, the board keeps the last eight.
  publish(DuelMatches(1, 10), "duel.jsonl");
  std::vector<std::pair<std::string, double>> api;
  for (int i = 0; i < 300 && api.size() != 8u; ++i) {
    api = ApiHistory(grpc, "ann");
    if (api.size() != 8u || api.back().first != "h-10") {
      api.clear();
      absl::SleepFor(absl::Milliseconds(100));
    }
  }
  ASSERT_EQ(api.size(), 8u) << "the worker did not apply the matches";
  EXPECT_EQ(api.front().first, "h-3");

  const char* outputs = std::getenv("TEST_UNDECLARED_OUTPUTS_DIR");
  const std::string out_dir = outputs ? outputs : ::testing::TempDir();
  auto browser = Browser::Launch(*chromium, ::testing::TempDir());
  ASSERT_TRUE(browser.ok()) << browser.status();
  Browser& b = **browser;
  auto target = b.Call("Target.createTarget", "{\"url\":\"about:blank\"}");
  ASSERT_TRUE(target.ok()) << target.status();
  auto attached =
      b.Call("Target.attachToTarget",
             absl::StrCat("{\"targetId\":",
                          JsonQuote(Field(*target, "targetId").string_value()),
                          ",\"flatten\":true}"));
  ASSERT_TRUE(attached.ok()) << attached.status();
  const std::string session = Field(*attached, "sessionId").string_value();
  ASSERT_TRUE(SetViewport(b, session, 1280, 800, /*mobile=*/false).ok());
  auto go = [&](const std::string& query) {
    auto nav =
        b.Call("Page.navigate",
               absl::StrCat(
                   "{\"url\":", JsonQuote("http://" + http + "/" + query), "}"),
               session);
    ASSERT_TRUE(nav.ok()) << nav.status();
  };

  go("?game=duel&board=elo&player=ann");
  auto chart = WaitForChart(b, session, [](const ChartState& c) {
    return !c.hidden && c.dots.size() == 8 && c.status == "live";
  });
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_FALSE(chart->hidden) << chart->json;
  ExpectChartShows(*chart, api);
  EXPECT_EQ(chart->dots.front().time, "2026-11-20T03:00:00.000Z");
  EXPECT_EQ(chart->meta, "8 changes (the board keeps the last 8)");
  EXPECT_GT(chart->width, 600) << "the chart spans the page on a desktop";
  EXPECT_LE(chart->scroll_width, chart->viewport_width);
  ASSERT_TRUE(b.EvaluateJson(session, "window.pageTestMarker = 1; '{}'").ok());
  absl::Status shot = Screenshot(b, session, out_dir + "/page-history.png");
  ASSERT_TRUE(shot.ok()) << shot;

  // Live: ann's next match arrives over SSE and the chart moves on by one
  // (still eight points), without a reload.
  publish(DuelMatches(11, 1), "more.jsonl");
  auto live = WaitForChart(b, session, [](const ChartState& c) {
    return c.dots.size() == 8 && c.dots.back().event == "h-11";
  });
  ASSERT_TRUE(live.ok()) << live.status();
  ExpectChartShows(*live, ApiHistory(grpc, "ann"));
  EXPECT_EQ(live->dots.front().event, "h-4") << live->json;
  auto marker = b.EvaluateJson(
      session, "JSON.stringify({m: String(window.pageTestMarker || '')})");
  ASSERT_TRUE(marker.ok());
  EXPECT_EQ(Field(*marker, "m").string_value(), "1") << "the page reloaded";

  // A phone: the chart shrinks with the screen, nothing scrolls sideways.
  ASSERT_TRUE(SetViewport(b, session, 390, 844, /*mobile=*/true).ok());
  auto phone = WaitForChart(
      b, session, [](const ChartState& c) { return c.viewport_width == 390; });
  ASSERT_TRUE(phone.ok()) << phone.status();
  EXPECT_EQ(phone->dots.size(), 8u);
  EXPECT_GT(phone->width, 300) << phone->json;
  EXPECT_LE(phone->scroll_width, phone->viewport_width) << phone->json;
  shot = Screenshot(b, session, out_dir + "/page-history-phone.png");
  ASSERT_TRUE(shot.ok()) << shot;

  // A board without history shows no chart.
  go("?game=duel&board=wins&player=ann");
  auto wins = WaitForChart(
      b, session, [](const ChartState& c) { return c.status == "live"; });
  ASSERT_TRUE(wins.ok()) << wins.status();
  EXPECT_TRUE(wins->hidden) << wins->json;
}

}  // namespace
}  // namespace statstracker
