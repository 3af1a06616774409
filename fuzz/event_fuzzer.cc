// Event decode + validation: the bytes of a stream entry or of one event in
// PublishEvents, as the worker and the server's edge read them.
// Properties: nothing crashes; the wire check accepts exactly what protobuf
// parses (it must never pass bytes that would then fail, nor reject bytes
// protobuf takes without complaint); a decoded event re-encodes and decodes
// to the same message; validation of any decoded event returns (OK or
// INVALID_ARGUMENT with a bounded, UTF-8 message).
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "common/event_validation.h"
#include "common/field_error.h"
#include "common/wire_check.h"
#include "fuzz/fuzz_check.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/util/field_comparator.h"
#include "google/protobuf/util/message_differencer.h"
#include "statstracker/v1/events.pb.h"

namespace {
using statstracker::fuzz::Check;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // protobuf logs each string that is not UTF-8; the check below is the
  // point, the log lines only slow the run.
  static const bool quiet = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)quiet;
  using statstracker::v1::GameEvent;
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  GameEvent event;
  absl::Status decoded = statstracker::DecodeMessage(bytes, &event);
  GameEvent reference;
  const bool protobuf_parses =
      reference.ParseFromArray(data, static_cast<int>(size));
  // Agreement with protobuf's parser, both ways.
  Check(decoded.ok() == protobuf_parses);
  if (!decoded.ok()) {
    Check(decoded.code() == absl::StatusCode::kInvalidArgument);
    Check(statstracker::IsUtf8(decoded.message()));
    Check(!statstracker::ErrorField(decoded).empty());
    return 0;
  }
  std::string again;
  Check(event.SerializeToString(&again));
  GameEvent round_trip;
  Check(statstracker::DecodeMessage(again, &round_trip).ok());
  // Events may carry NaN (validation rejects it); NaN equals NaN here.
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  Check(differencer.Compare(event, round_trip));

  absl::Status valid = statstracker::ValidateEventShape(event);
  if (!valid.ok()) {
    Check(valid.code() == absl::StatusCode::kInvalidArgument);
    Check(statstracker::IsUtf8(valid.message()));
    Check(valid.message().size() < 2048);
  }
  return 0;
}
