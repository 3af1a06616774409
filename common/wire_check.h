#ifndef STATSTRACKER_COMMON_WIRE_CHECK_H_
#define STATSTRACKER_COMMON_WIRE_CHECK_H_

// Decoding protobuf messages that come from clients. protobuf's own parser
// answers a truncated message or a proto3 string that is not UTF-8 with a
// bare "false" (and logs a line of its own); these checks say which field is
// broken, so the RPC edge can answer INVALID_ARGUMENT naming it.

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace statstracker {

// Whether `bytes` are a well-formed encoding of a `type` message: every tag,
// varint and length complete and in range, groups closed, proto3 string
// fields (at any depth, map keys and values included) valid UTF-8, nesting at
// most 100 deep. Unknown fields are allowed (newer clients). On failure an
// INVALID_ARGUMENT FieldError naming the innermost field known, e.g.
// "player_ids[2]: not valid UTF-8 ..." or "page_token: truncated ...";
// "request" when the damage is before any field.
absl::Status CheckWireFormat(absl::string_view bytes,
                             const google::protobuf::Descriptor* type);

// CheckWireFormat, then parses `bytes` into `message` (cleared first).
absl::Status DecodeMessage(absl::string_view bytes,
                           google::protobuf::Message* message);

// Whether every proto3 string field of `message` (at any depth) is valid
// UTF-8; else INVALID_ARGUMENT naming the first bad one. For messages built
// from other input (JSON, URL parameters) before they are serialized.
absl::Status CheckUtf8Strings(const google::protobuf::Message& message);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_WIRE_CHECK_H_
