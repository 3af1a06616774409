#ifndef STATSTRACKER_WORKER_STREAM_ENTRY_H_
#define STATSTRACKER_WORKER_STREAM_ENTRY_H_

// A stream entry as the worker holds it between reading and acknowledging.

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "statstracker/v1/events.pb.h"

namespace statstracker {
namespace worker {

// A stream entry id "<ms>-<seq>", ordered as Redis orders them.
struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;
  // Parses "<ms>-<seq>" (or "<ms>"); nullopt otherwise.
  static std::optional<StreamId> Parse(absl::string_view text);
  std::string ToString() const;
  bool operator<(const StreamId& o) const {
    return ms != o.ms ? ms < o.ms : seq < o.seq;
  }
  bool operator==(const StreamId& o) const {
    return ms == o.ms && seq == o.seq;
  }
  bool operator<=(const StreamId& o) const { return !(o < *this); }
};

struct StreamEntry {
  std::string stream;  // the stream key it was read from
  StreamId id;
  std::string id_text;
  bool has_field = false;
  std::string bytes;  // the original field value
  // Times delivered (XPENDING); -1 when the entry was deleted from the
  // stream while pending (nothing to apply, only to acknowledge).
  int64_t deliveries = 1;
  std::optional<v1::GameEvent> event;  // once decoded and valid
  std::string game_id;                 // once known
};

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_STREAM_ENTRY_H_
