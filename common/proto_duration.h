#ifndef STATSTRACKER_COMMON_PROTO_DURATION_H_
#define STATSTRACKER_COMMON_PROTO_DURATION_H_

// google.protobuf.Duration (config durations) as absl::Duration.

#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"

namespace statstracker {

inline absl::Duration ProtoDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_PROTO_DURATION_H_
