#ifndef STATSTRACKER_COMMON_LOGGING_H_
#define STATSTRACKER_COMMON_LOGGING_H_

// Structured logs on stderr: text lines in development and test, one JSON
// object per line in production (LoggingConfig). Thread-safe.
//   text: 2026-11-25T21:50:01.123Z INFO worker ready consumer=h-12 stream=...
//   json: {"ts":"2026-11-25T21:50:01.123Z","level":"info","msg":"worker ready",
//          "consumer":"h-12",...}

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

using LogFields = std::vector<std::pair<std::string, std::string>>;

// "debug", "info", "warning" or "error"; INVALID_ARGUMENT naming
// logging.level, the value and the accepted ones otherwise.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text);

// Sets the format and the lowest level logged. Before it is called, text
// format at info level.
void InitLogging(v1::LoggingConfig::Format format, LogLevel min_level);

// Writes one line if `level` is at least the configured level.
void Log(LogLevel level, absl::string_view message,
         const LogFields& fields = {});

// The line Log() writes (with its trailing newline), for tests.
std::string FormatLogLine(v1::LoggingConfig::Format format, absl::Time when,
                          LogLevel level, absl::string_view message,
                          const LogFields& fields);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_LOGGING_H_
