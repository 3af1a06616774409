#include "tools/cli/event_reader.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace statstracker {
namespace cli {
namespace {

// Collects text-format parse errors with their column so the message can
// point at the field.
class CollectingErrors : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int /*line*/, int column, const std::string& message) override {
    if (!text_.empty()) text_ += "; ";
    absl::StrAppend(&text_, "column ", column + 1, ": ", message);
  }
  void AddWarning(int line, int column, const std::string& message) override {}
  const std::string& Text() const { return text_; }

 private:
  std::string text_;
};

absl::Status CheckRequired(const v1::GameEvent& event) {
  if (event.event_id().empty()) {
    return absl::InvalidArgumentError("event_id: must not be empty");
  }
  if (event.game_id().empty()) {
    return absl::InvalidArgumentError("game_id: must not be empty");
  }
  if (!event.has_occurred_at()) {
    return absl::InvalidArgumentError(
        "occurred_at: must be set (JSON: \"occurredAt\": "
        "\"2026-11-24T12:00:00Z\"; text: occurred_at { seconds: ... })");
  }
  if (event.payload_case() == v1::GameEvent::PAYLOAD_NOT_SET) {
    return absl::InvalidArgumentError(
        "payload: set one of match_completed, score_submitted, custom");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<EventFormat> ParseEventFormat(absl::string_view name) {
  if (name == "auto") return EventFormat::kAuto;
  if (name == "json") return EventFormat::kJson;
  if (name == "text") return EventFormat::kText;
  return absl::InvalidArgumentError(absl::StrCat(
      "--format: unknown format '", name, "'; use auto, json or text"));
}

absl::StatusOr<v1::GameEvent> ParseEventLine(absl::string_view line,
                                             int line_number,
                                             EventFormat format) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(line);
  if (format == EventFormat::kAuto) {
    format = !trimmed.empty() && trimmed[0] == '{' ? EventFormat::kJson
                                                   : EventFormat::kText;
  }
  v1::GameEvent event;
  if (format == EventFormat::kJson) {
    google::protobuf::util::JsonParseOptions options;
    auto status = google::protobuf::util::JsonStringToMessage(
        std::string(trimmed), &event, options);
    if (!status.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", line_number, " (json): ", std::string(status.message()),
          " (fields use the protobuf JSON names, e.g. "
          "\"eventId\", \"scoreSubmitted\")"));
    }
  } else {
    google::protobuf::TextFormat::Parser parser;
    CollectingErrors errors;
    parser.RecordErrorsTo(&errors);
    if (!parser.ParseFromString(std::string(trimmed), &event)) {
      return absl::InvalidArgumentError(
          absl::StrCat("line ", line_number, " (text): ", errors.Text()));
    }
  }
  absl::Status required = CheckRequired(event);
  if (!required.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("line ", line_number, ": ", required.message()));
  }
  return event;
}

absl::StatusOr<std::vector<v1::GameEvent>> ReadEvents(std::istream& in,
                                                      EventFormat format) {
  std::vector<v1::GameEvent> events;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    absl::string_view trimmed = absl::StripAsciiWhitespace(line);
    if (trimmed.empty() || trimmed[0] == '#') continue;
    auto event = ParseEventLine(trimmed, number, format);
    if (!event.ok()) return event.status();
    events.push_back(*std::move(event));
  }
  return events;
}

}  // namespace cli
}  // namespace statstracker
