#ifndef STATSTRACKER_TESTS_DEVTOOLS_BROWSER_H_
#define STATSTRACKER_TESTS_DEVTOOLS_BROWSER_H_

// Debian's headless Chromium driven over the DevTools protocol on a pipe, for
// the live page's tests (tests/page_test.cc). --remote-debugging-pipe: the
// browser reads commands from fd 3 and writes replies and events to fd 4,
// each a JSON object ended by '\0', so nothing but the chromium package is
// needed. JSON is handled as google.protobuf.Struct.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace statstracker {
namespace testing {

using google::protobuf::Struct;
using google::protobuf::Value;

// How long one DevTools command may take before the test gives up (a
// failure deadline, not a performance threshold).
inline constexpr absl::Duration kCommandTimeout = absl::Seconds(20);

inline std::string JsonQuote(const std::string& text) {
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

inline absl::StatusOr<Struct> ParseJsonObject(const std::string& json) {
  Struct message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("not a JSON object (", status.ToString(), "): ", json));
  }
  return message;
}

inline const Value& Field(const Struct& s, const std::string& key) {
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

// Sets the viewport (CSS px; `mobile` applies the page's meta viewport).
inline absl::Status SetViewport(Browser& browser, const std::string& session,
                                int width, int height, bool mobile) {
  return browser
      .Call("Emulation.setDeviceMetricsOverride",
            absl::StrFormat("{\"width\":%d,\"height\":%d,"
                            "\"deviceScaleFactor\":1,\"mobile\":%s}",
                            width, height, mobile ? "true" : "false"),
            session)
      .status();
}

// Saves a full-page PNG screenshot to `path`.
inline absl::Status Screenshot(Browser& browser, const std::string& session,
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

}  // namespace testing
}  // namespace statstracker

#endif  // STATSTRACKER_TESTS_DEVTOOLS_BROWSER_H_
