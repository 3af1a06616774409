#include "common/logging.h"

#include <cstdio>
#include <mutex>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/stubs/logging.h"

namespace statstracker {
namespace {

struct LogState {
  std::mutex mu;  // std::mutex so TSan sees it (see common/metrics.h)
  v1::LoggingConfig::Format format = v1::LoggingConfig::FORMAT_TEXT;
  LogLevel min_level = LogLevel::kInfo;
};

LogState& State() {
  static auto* state = new LogState();
  return *state;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

// JSON string contents (without the quotes) per RFC 8259.
void AppendJsonEscaped(absl::string_view s, std::string* out) {
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\b':
        out->append("\\b");
        break;
      case '\f':
        out->append("\\f");
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
}

// Text values are quoted when they would otherwise be ambiguous to read.
void AppendTextValue(absl::string_view s, std::string* out) {
  bool plain = !s.empty();
  for (unsigned char c : s) {
    if (c <= ' ' || c == '"' || c == '=' || c == 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) {
    out->append(s.data(), s.size());
    return;
  }
  out->push_back('"');
  AppendJsonEscaped(s, out);
  out->push_back('"');
}

}  // namespace

std::string FormatLogLine(v1::LoggingConfig::Format format, absl::Time when,
                          LogLevel level, absl::string_view message,
                          const LogFields& fields) {
  std::string ts =
      absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", when, absl::UTCTimeZone());
  std::string line;
  if (format == v1::LoggingConfig::FORMAT_JSON) {
    absl::StrAppend(&line, "{\"ts\":\"", ts, "\",\"level\":\"",
                    LevelName(level), "\",\"msg\":\"");
    AppendJsonEscaped(message, &line);
    line.push_back('"');
    for (const auto& [key, value] : fields) {
      line.append(",\"");
      AppendJsonEscaped(key, &line);
      line.append("\":\"");
      AppendJsonEscaped(value, &line);
      line.push_back('"');
    }
    line.append("}\n");
  } else {
    absl::StrAppend(&line, ts, " ", absl::AsciiStrToUpper(LevelName(level)),
                    " ");
    // The message stays readable; only line breaks are escaped so that one
    // call is one line.
    for (char c : message) {
      if (c == '\n') {
        line.append("\\n");
      } else if (c == '\r') {
        line.append("\\r");
      } else {
        line.push_back(c);
      }
    }
    for (const auto& [key, value] : fields) {
      absl::StrAppend(&line, " ", key, "=");
      AppendTextValue(value, &line);
    }
    line.push_back('\n');
  }
  return line;
}

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warning") return LogLevel::kWarning;
  if (text == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("logging.level: unknown level \"", text,
                   "\"; accepted: debug, info, warning, error"));
}

namespace {

// libprotobuf's own log lines (e.g. about a string that is not UTF-8) as
// structured lines in the configured format instead of bare stderr text.
void ProtobufLogHandler(google::protobuf::LogLevel level, const char* filename,
                        int line, const std::string& message) {
  LogLevel ours = LogLevel::kError;
  if (level == google::protobuf::LOGLEVEL_INFO) ours = LogLevel::kInfo;
  if (level == google::protobuf::LOGLEVEL_WARNING) ours = LogLevel::kWarning;
  Log(ours, "libprotobuf",
      {{"detail", message},
       {"source",
        absl::StrCat(filename != nullptr ? filename : "?", ":", line)}});
}

}  // namespace

void InitLogging(v1::LoggingConfig::Format format, LogLevel min_level) {
  google::protobuf::SetLogHandler(&ProtobufLogHandler);
  LogState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  state.format = format == v1::LoggingConfig::FORMAT_JSON
                     ? v1::LoggingConfig::FORMAT_JSON
                     : v1::LoggingConfig::FORMAT_TEXT;
  state.min_level = min_level;
}

void Log(LogLevel level, absl::string_view message, const LogFields& fields) {
  LogState& state = State();
  v1::LoggingConfig::Format format;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    if (static_cast<int>(level) < static_cast<int>(state.min_level)) return;
    format = state.format;
  }
  std::string line = FormatLogLine(format, absl::Now(), level, message, fields);
  // One fwrite per line under the lock: lines from threads never interleave.
  std::lock_guard<std::mutex> lock(state.mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace statstracker
