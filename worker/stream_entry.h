#ifndef STATSTRACKER_WORKER_STREAM_ENTRY_H_
#define STATSTRACKER_WORKER_STREAM_ENTRY_H_

// A stream entry as the worker holds it between reading and acknowledging.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/arena.h"
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
  // Deliveries that count toward worker.max_deliveries (XPENDING's count,
  // less the re-reads StreamConsumer gave back); -1 when the entry was
  // deleted from the stream while pending (nothing to apply, only to
  // acknowledge).
  int64_t deliveries = 1;
  // Whether `deliveries` is this process's own count (set when the entry
  // was read new or its count was first taken from Redis).
  bool deliveries_known = false;
  // What the admission window is measured from: when the event entered the
  // stream (the id's milliseconds), or for an entry put back by `stats
  // deadletter requeue`, when it first did (field "received_at").
  absl::Time received_at;
  // Carried by a requeued entry: when it was first dead-lettered (RFC 3339,
  // field "first_failed_at") and how often it was requeued ("requeues").
  std::string first_failed_at;
  int64_t requeues = 0;
  // Once decoded and valid: the event, allocated on `event_arena`, which
  // the entries decoded together share (one arena per decoding pass, freed
  // with the last of them: parsing is bump allocation and freeing an event
  // costs nothing, instead of a malloc and free per string and map node).
  const v1::GameEvent* event = nullptr;
  std::shared_ptr<google::protobuf::Arena> event_arena;
  std::string game_id;  // once known (see Classify)
};

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_STREAM_ENTRY_H_
