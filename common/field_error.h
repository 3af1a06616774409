#ifndef STATSTRACKER_COMMON_FIELD_ERROR_H_
#define STATSTRACKER_COMMON_FIELD_ERROR_H_

// Errors about one field of a client's request or event, and how client
// values appear in messages. A FieldError carries the field's path as a
// status payload, so the RPC edge (server/error_status.h) can send a
// google.rpc.BadRequest naming it beside the message; inside, it is an
// ordinary INVALID_ARGUMENT "<field>: <problem>".

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace statstracker {

// How many characters of a client's value an error message shows.
inline constexpr size_t kShownValueChars = 64;

// `value` as it appears in an error message: at most `max_chars` characters
// (UTF-8 code points), control characters, quotes, backslashes and bytes
// that are not UTF-8 escaped as \xNN, and a longer value cut with "…". A
// message built from it stays one line of bounded length, valid UTF-8 (so it
// prints as JSON), however hostile the value.
std::string ShownValue(absl::string_view value,
                       size_t max_chars = kShownValueChars);

// INVALID_ARGUMENT "<field>: <problem>" recording `field` (a path such as
// "player_ids[3]" or "events[0].match_completed.participants[1].player_id").
absl::Status FieldError(absl::string_view field, absl::string_view problem);

// The field path of an INVALID_ARGUMENT: the one FieldError recorded, else
// the "<field>: " prefix of its message when that looks like a field path;
// empty when there is none.
std::string ErrorField(const absl::Status& status);

// `status` about a field of a part of a larger request: "events[3]" turns
// field "game_id" into "events[3].game_id", in the recorded path and in the
// message. `context` (e.g. "(event_id 'e-1')") follows the path in the
// message only. Keeps the code; statuses without a field get "<prefix>: "
// before their message.
absl::Status PrefixField(const absl::Status& status, absl::string_view prefix,
                         absl::string_view context = "");

// Well-formed UTF-8: no overlong forms, no surrogates, at most U+10FFFF.
bool IsUtf8(absl::string_view s);

// IsUtf8 and no C0/C1 control characters or DEL: text fit for ids.
bool IsCleanUtf8(absl::string_view s);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_FIELD_ERROR_H_
