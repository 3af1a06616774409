// The live leaderboard page (server/web/) in Debian's headless Chromium
// against a real stack (redis-server, worker, server with the gateway).
//
// Chromium is driven over the DevTools protocol on a pipe
// (--remote-debugging-pipe: the browser reads commands from fd 3 and writes
// replies and events to fd 4, each a JSON object ended by '\0'), so nothing
// but the chromium package is needed. The page keeps a server-sent-events
// connection open, so `--dump-dom --virtual-time-budget` would never return;
// instead the test reads the DOM with Runtime.evaluate until the tables are
// filled.
//
// What it checks: the top table's entries and order and the player's
// neighbourhood; that one more event published through the CLI shows up
// without a reload (the same document, updated over SSE); that a phone-width
// viewport (390 CSS px) has no horizontal overflow. Screenshots (phone and
// desktop) go to $TEST_UNDECLARED_OUTPUTS_DIR
// (bazel-testlogs/tests/page_test/test.outputs/outputs.zip).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "tests/redis_server.h"
#include "tests/server_stack.h"
#include "tests/server_test_config.h"
#include "tests/tools_e2e_common.h"

namespace statstracker {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using testing::RunCommand;

// How long one DevTools command, or one wait for the page, may take before
// the test gives up (a failure deadline, not a performance threshold).
constexpr absl::Duration kCommandTimeout = absl::Seconds(20);
constexpr absl::Duration kPageTimeout = absl::Seconds(20);

std::string JsonQuote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
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
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

absl::StatusOr<Struct> ParseJsonObject(const std::string& json) {
  Struct message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("not a JSON object (", status.ToString(), "): ", json));
  }
  return message;
}

const Value& Field(const Struct& s, const std::string& key) {
  static const Value* const kNull = new Value();
  auto it = s.fields().find(key);
  return it == s.fields().end() ? *kNull : it->second;
}

// Headless Chromium with a DevTools pipe.
class Browser {
 public:
  static absl::StatusOr<std::unique_ptr<Browser>> Launch(
      const std::string& chromium, const std::string& work_dir) {
    signal(SIGPIPE, SIG_IGN);  // a dead browser is an error, not a signal
    int to_browser[2], from_browser[2];
    if (pipe2(to_browser, O_CLOEXEC) != 0 ||
        pipe2(from_browser, O_CLOEXEC) != 0) {
      return absl::InternalError("pipe2 failed");
    }
    std::unique_ptr<Browser> browser(new Browser());
    browser->log_path_ = work_dir + "/chromium.log";
    int log =
        open(browser->log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (log < 0) return absl::InternalError("cannot create chromium.log");
    std::vector<std::string> argv = {
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--hide-scrollbars",
        "--remote-debugging-pipe",
        "--user-data-dir=" + work_dir + "/chromium-profile",
        "about:blank"};
    pid_t pid = fork();
    if (pid < 0) return absl::InternalError("fork failed");
    if (pid == 0) {
      setpgid(0, 0);  // its renderer and helper processes die with it
      // Move the pipe ends out of the way first: they may be fd 3 or 4.
      int in = fcntl(to_browser[0], F_DUPFD, 10);
      int out = fcntl(from_browser[1], F_DUPFD, 10);
      dup2(in, 3);
      dup2(out, 4);
      dup2(log, 1);
      dup2(log, 2);
      std::vector<char*> args;
      args.reserve(argv.size() + 1);
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    close(log);
    close(to_browser[0]);
    close(from_browser[1]);
    browser->pid_ = pid;
    browser->to_browser_ = to_browser[1];
    browser->from_browser_ = from_browser[0];
    return browser;
  }

  ~Browser() {
    if (pid_ > 0) {
      (void)Send("Browser.close", "{}", "");
      absl::Time deadline = absl::Now() + absl::Seconds(5);
      int status = 0;
      while (waitpid(pid_, &status, WNOHANG) == 0 && absl::Now() < deadline) {
        absl::SleepFor(absl::Milliseconds(20));
      }
      kill(-pid_, SIGKILL);
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
    }
    if (to_browser_ >= 0) close(to_browser_);
    if (from_browser_ >= 0) close(from_browser_);
  }

  std::string Log() const {
    std::ifstream in(log_path_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // Sends a command (params: a JSON object) and returns its "result".
  absl::StatusOr<Struct> Call(const std::string& method,
                              const std::string& params,
                              const std::string& session = "") {
    auto id = Send(method, params, session);
    if (!id.ok()) return id.status();
    absl::Time deadline = absl::Now() + kCommandTimeout;
    while (true) {
      size_t end;
      while ((end = buffer_.find('\0')) != std::string::npos) {
        std::string text = buffer_.substr(0, end);
        buffer_.erase(0, end + 1);
        auto message = ParseJsonObject(text);
        if (!message.ok()) return message.status();
        const Value& got = Field(*message, "id");
        if (got.kind_case() != Value::kNumberValue ||
            got.number_value() != *id) {
          continue;  // an event, or the reply to an earlier command
        }
        const Value& error = Field(*message, "error");
        if (error.has_struct_value()) {
          return absl::InternalError(absl::StrCat(method, " failed: ", text));
        }
        return Field(*message, "result").struct_value();
      }
      int wait_ms =
          static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
      if (wait_ms <= 0) {
        return absl::DeadlineExceededError(
            absl::StrCat("no reply to ", method, " within ",
                         absl::FormatDuration(kCommandTimeout)));
      }
      pollfd p{from_browser_, POLLIN, 0};
      if (poll(&p, 1, wait_ms) <= 0) continue;
      char chunk[65536];
      ssize_t n = read(from_browser_, chunk, sizeof chunk);
      if (n <= 0) {
        return absl::UnavailableError(
            absl::StrCat("chromium closed the DevTools pipe during ", method,
                         "; log:\n", Log()));
      }
      buffer_.append(chunk, n);
    }
  }

  // Evaluates a JavaScript expression whose value is a JSON string and
  // returns that JSON parsed.
  absl::StatusOr<Struct> EvaluateJson(const std::string& session,
                                      const std::string& expression) {
    auto result = Call("Runtime.evaluate",
                       absl::StrCat("{\"expression\":", JsonQuote(expression),
                                    ",\"returnByValue\":true}"),
                       session);
    if (!result.ok()) return result.status();
    const Value& exception = Field(*result, "exceptionDetails");
    if (exception.has_struct_value()) {
      std::string text;
      (void)google::protobuf::util::MessageToJsonString(
          exception.struct_value(), &text);
      return absl::InternalError(absl::StrCat("page script threw: ", text));
    }
    const Value& value =
        Field(Field(*result, "result").struct_value(), "value");
    return ParseJsonObject(value.string_value());
  }

 private:
  Browser() = default;

  absl::StatusOr<int> Send(const std::string& method, const std::string& params,
                           const std::string& session) {
    int id = ++next_id_;
    std::string message =
        absl::StrCat("{\"id\":", id, ",\"method\":", JsonQuote(method),
                     ",\"params\":", params);
    if (!session.empty()) {
      absl::StrAppend(&message, ",\"sessionId\":", JsonQuote(session));
    }
    message += "}";
    message.push_back('\0');
    size_t done = 0;
    while (done < message.size()) {
      ssize_t n =
          write(to_browser_, message.data() + done, message.size() - done);
      if (n <= 0) {
        return absl::UnavailableError(absl::StrCat(
            "cannot send ", method, " to chromium; log:\n", Log()));
      }
      done += n;
    }
    return id;
  }

  pid_t pid_ = -1;
  int to_browser_ = -1;
  int from_browser_ = -1;
  int next_id_ = 0;
  std::string buffer_;
  std::string log_path_;
};

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

// Sets the viewport (CSS px; `mobile` applies the page's meta viewport) and
// saves a full-page PNG screenshot to `path`.
absl::Status SetViewport(Browser& browser, const std::string& session,
                         int width, int height, bool mobile) {
  return browser
      .Call("Emulation.setDeviceMetricsOverride",
            absl::StrFormat("{\"width\":%d,\"height\":%d,"
                            "\"deviceScaleFactor\":1,\"mobile\":%s}",
                            width, height, mobile ? "true" : "false"),
            session)
      .status();
}

absl::Status Screenshot(Browser& browser, const std::string& session,
                        const std::string& path) {
  auto metrics = browser.Call("Page.getLayoutMetrics", "{}", session);
  if (!metrics.ok()) return metrics.status();
  const Struct& size = Field(*metrics, "cssContentSize").struct_value();
  auto shot = browser.Call(
      "Page.captureScreenshot",
      absl::StrFormat("{\"format\":\"png\",\"captureBeyondViewport\":true,"
                      "\"clip\":{\"x\":0,\"y\":0,\"width\":%f,\"height\":%f,"
                      "\"scale\":1}}",
                      Field(size, "width").number_value(),
                      Field(size, "height").number_value()),
      session);
  if (!shot.ok()) return shot.status();
  std::string png;
  if (!absl::Base64Unescape(Field(*shot, "data").string_value(), &png)) {
    return absl::InternalError("the screenshot is not base64");
  }
  if (png.substr(0, 8) != "\x89PNG\r\n\x1a\n") {
    return absl::InternalError("the screenshot is not a PNG");
  }
  std::ofstream(path, std::ios::binary) << png;
  return absl::OkStatus();
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

}  // namespace
}  // namespace statstracker
