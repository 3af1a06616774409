#ifndef STATSTRACKER_TOOLS_CLI_EVENT_READER_H_
#define STATSTRACKER_TOOLS_CLI_EVENT_READER_H_

#include <istream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/statstracker/v1/events.pb.h"

namespace statstracker {
namespace cli {

// Input formats of `stats publish`.
enum class EventFormat {
  kAuto,  // per line: '{' starts JSON, anything else is protobuf text
  kJson,  // protobuf JSON mapping of GameEvent, one object per line
  kText,  // protobuf text format of GameEvent, one message per line
};

// "auto", "json" or "text"; INVALID_ARGUMENT naming the accepted values.
absl::StatusOr<EventFormat> ParseEventFormat(absl::string_view name);

// Parses one line into an event. Errors say the line number, the format and
// the parser's message (which names the field), e.g.
//   "line 3 (json): invalid JSON: ... score_submitted.score ..."
// Also checks the few things a producer most often gets wrong before the
// worker would dead-letter the event: event_id, game_id, occurred_at and a
// payload must be set.
absl::StatusOr<v1::GameEvent> ParseEventLine(absl::string_view line,
                                             int line_number,
                                             EventFormat format);

// Reads every non-blank, non-comment ('#') line of `in`. Stops at the first
// bad line and returns its error (nothing is published from a bad file).
absl::StatusOr<std::vector<v1::GameEvent>> ReadEvents(std::istream& in,
                                                      EventFormat format);

}  // namespace cli
}  // namespace statstracker

#endif  // STATSTRACKER_TOOLS_CLI_EVENT_READER_H_
