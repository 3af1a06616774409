#ifndef STATSTRACKER_COMMON_BOARD_RECORD_H_
#define STATSTRACKER_COMMON_BOARD_RECORD_H_

// A player's record on a board (the value in a "B:p:<n>" bucket hash,
// common/keys.h): what the board keeps about the player besides the ranking
// entry's score.
//
//   [member prefix]  keys::MemberPrefixBytes(board) bytes: the tie-break
//                    prefix of the player's ranking member, so the member is
//                    prefix + player id
//   [aux mask]       1 byte, only if the scorer keeps aux values
//                    (Scorer::AuxNames() non-empty): bit i set when the
//                    i-th aux name has a value
//   [aux values]     8 bytes each, for the set bits in name order: the
//                    double's IEEE 754 bits, big-endian
//
// The score itself is the ranking entry's score (keys::ScoreFromStored), not
// repeated here.

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace statstracker {

// At most this many aux names per scorer (one mask byte).
inline constexpr size_t kMaxAuxValues = 8;

// Builds a record from the member prefix and the aux values named in
// `aux_names`. INVALID_ARGUMENT if `aux` holds a name not in `aux_names` (a
// scorer breaking its AuxNames() contract) or there are too many names.
absl::StatusOr<std::string> EncodeBoardRecord(
    absl::string_view member_prefix, const std::vector<std::string>& aux_names,
    const absl::flat_hash_map<std::string, double>& aux);

struct BoardRecord {
  std::string member_prefix;
  absl::flat_hash_map<std::string, double> aux;
};

// Inverse of EncodeBoardRecord for a board whose member prefix is
// `prefix_bytes` long. INVALID_ARGUMENT (with the record's length) for a
// record of the wrong shape.
absl::StatusOr<BoardRecord> DecodeBoardRecord(
    absl::string_view record, size_t prefix_bytes,
    const std::vector<std::string>& aux_names);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_BOARD_RECORD_H_
