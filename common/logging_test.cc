#include "common/logging.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace {

const absl::Time kWhen =
    absl::FromCivil(absl::CivilSecond(2026, 11, 25, 21, 50, 1),
                    absl::UTCTimeZone()) +
    absl::Milliseconds(123);

TEST(LoggingTest, ParsesLevels) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("info"), LogLevel::kInfo);
  EXPECT_EQ(*ParseLogLevel("warning"), LogLevel::kWarning);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  absl::StatusOr<LogLevel> bad = ParseLogLevel("verbose");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(),
            "logging.level: unknown level \"verbose\"; accepted: debug, info, "
            "warning, error");
}

TEST(LoggingTest, TextLine) {
  EXPECT_EQ(FormatLogLine(v1::LoggingConfig::FORMAT_TEXT, kWhen,
                          LogLevel::kInfo, "worker ready",
                          {{"consumer", "h-12"}, {"stream", "s:events"}}),
            "2026-11-25T21:50:01.123Z INFO worker ready consumer=h-12 "
            "stream=s:events\n");
}

TEST(LoggingTest, TextQuotesValuesWithSpacesAndKeepsOneLine) {
  EXPECT_EQ(
      FormatLogLine(v1::LoggingConfig::FORMAT_TEXT, kWhen, LogLevel::kWarning,
                    "two\nlines", {{"reason", "bad \"event\""}, {"empty", ""}}),
      "2026-11-25T21:50:01.123Z WARNING two\\nlines "
      "reason=\"bad \\\"event\\\"\" empty=\"\"\n");
}

TEST(LoggingTest, JsonLineEscapes) {
  EXPECT_EQ(
      FormatLogLine(v1::LoggingConfig::FORMAT_JSON, kWhen, LogLevel::kError,
                    "say \"hi\"\\\n", {{"k\"ey", std::string("a\x01\tb", 4)}}),
      "{\"ts\":\"2026-11-25T21:50:01.123Z\",\"level\":\"error\","
      "\"msg\":\"say \\\"hi\\\"\\\\\\n\",\"k\\\"ey\":\"a\\u0001\\tb\"}\n");
}

// Every byte a message or field may carry gives a line that a JSON parser
// accepts, with the original text back.
TEST(LoggingTest, JsonLinesParseBack) {
  std::string nasty;
  for (int c = 1; c < 0x80; ++c) nasty.push_back(static_cast<char>(c));
  nasty += "\xC3\xBC\xE2\x82\xAC";  // ü €
  std::string line =
      FormatLogLine(v1::LoggingConfig::FORMAT_JSON, kWhen, LogLevel::kInfo,
                    nasty, {{"field", nasty}, {"quote\"key", "v"}});
  ASSERT_EQ(line.back(), '\n');
  line.pop_back();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  google::protobuf::Struct parsed;
  auto status = google::protobuf::util::JsonStringToMessage(line, &parsed);
  ASSERT_TRUE(status.ok()) << status << "\n" << line;
  const auto& fields = parsed.fields();
  EXPECT_EQ(fields.at("ts").string_value(), "2026-11-25T21:50:01.123Z");
  EXPECT_EQ(fields.at("level").string_value(), "info");
  EXPECT_EQ(fields.at("msg").string_value(), nasty);
  EXPECT_EQ(fields.at("field").string_value(), nasty);
  EXPECT_EQ(fields.at("quote\"key").string_value(), "v");
}

TEST(LoggingTest, JsonKeepsUtf8) {
  EXPECT_EQ(FormatLogLine(v1::LoggingConfig::FORMAT_JSON, kWhen,
                          LogLevel::kDebug, "J\xC3\xBCrgen", {}),
            "{\"ts\":\"2026-11-25T21:50:01.123Z\",\"level\":\"debug\","
            "\"msg\":\"J\xC3\xBCrgen\"}\n");
}

// Runs `body` with stderr redirected to a file and returns what it wrote.
template <typename F>
std::string CaptureStderr(F body) {
  std::string path = absl::StrCat(::testing::TempDir(), "/stderr-", getpid(),
                                  "-", rand(), ".txt");
  std::fflush(stderr);
  int saved = dup(2);
  FILE* f = std::fopen(path.c_str(), "w");
  dup2(fileno(f), 2);
  body();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  std::fclose(f);
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(path.c_str());
  return ss.str();
}

TEST(LoggingTest, LogFiltersByLevelAndUsesFormat) {
  std::string out = CaptureStderr([] {
    InitLogging(v1::LoggingConfig::FORMAT_JSON, LogLevel::kWarning);
    Log(LogLevel::kInfo, "hidden");
    Log(LogLevel::kWarning, "shown", {{"n", "1"}});
    Log(LogLevel::kError, "also shown");
  });
  InitLogging(v1::LoggingConfig::FORMAT_TEXT, LogLevel::kInfo);
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u) << out;
  EXPECT_NE(
      lines[0].find("\"level\":\"warning\",\"msg\":\"shown\",\"n\":\"1\"}"),
      std::string::npos)
      << lines[0];
  EXPECT_EQ(lines[0].front(), '{');
  EXPECT_NE(lines[1].find("\"msg\":\"also shown\""), std::string::npos);
  EXPECT_EQ(out.find("hidden"), std::string::npos);
}

TEST(LoggingTest, ConcurrentLinesNeverInterleave) {
  constexpr int kThreads = 8, kLines = 200;
  std::string out = CaptureStderr([] {
    InitLogging(v1::LoggingConfig::FORMAT_TEXT, LogLevel::kInfo);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        for (int i = 0; i < kLines; ++i) {
          Log(LogLevel::kInfo, "line",
              {{"t", absl::StrCat(t)}, {"pad", std::string(200, 'x')}});
        }
      });
    }
    for (auto& th : threads) th.join();
  });
  std::vector<std::string> lines = absl::StrSplit(out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kLines));
  for (const std::string& line : lines) {
    EXPECT_NE(line.find(" INFO line t="), std::string::npos) << line;
    EXPECT_EQ(line.substr(line.size() - 204), "pad=" + std::string(200, 'x'));
  }
}

}  // namespace
}  // namespace statstracker
