#ifndef STATSTRACKER_COMMON_STREAM_PARTITIONS_H_
#define STATSTRACKER_COMMON_STREAM_PARTITIONS_H_

// The event stream split into StreamConfig.partitions streams, so ingest
// spreads over the nodes of a Redis Cluster while each game keeps its order
// (all of a game's events go to one partition).
//
// With one partition (the default) the stream is StreamConfig.key and the
// dead letters go to StreamConfig.dead_letter_key, as always. With N > 1,
// partition p is "<key>:{<tag>}" and its dead letters "<dead_letter_key>:
// {<tag>}": the same hash tag, so an entry's dead letter and its
// acknowledgement commit together. The tag "p<p>-<s>" takes the smallest s
// that puts it in the p-th of N equal slot ranges, so on a cluster whose
// masters split the slots evenly the partitions land on different masters.
// A game's partition is the 32-bit FNV-1a hash of its id, mod N: producers
// in other languages compute the same (or ask `stats stream-key GAME`).

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "statstracker/v1/config.pb.h"

namespace statstracker {

// StreamConfig.partitions, at least 1.
int PartitionCount(const v1::StreamConfig& stream);

// The partition of a game: FNV-1a 32 of `game_id`, mod `partitions`.
int PartitionOf(absl::string_view game_id, int partitions);

// The stream key and the dead-letter stream key of partition `p`.
std::string PartitionStreamKey(const v1::StreamConfig& stream, int p);
std::string PartitionDeadLetterKey(const v1::StreamConfig& stream, int p);

// The stream key a game's events go to.
std::string StreamKeyForGame(const v1::StreamConfig& stream,
                             absl::string_view game_id);

// Every partition's stream key / dead-letter key, in partition order.
std::vector<std::string> AllStreamKeys(const v1::StreamConfig& stream);
std::vector<std::string> AllDeadLetterKeys(const v1::StreamConfig& stream);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_STREAM_PARTITIONS_H_
