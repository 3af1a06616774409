#include "common/keys.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace statstracker {
namespace keys {
namespace {

bool Descending(v1::SortOrder order) {
  return order != v1::SORT_ORDER_ASCENDING;
}

// Maps a double to a uint64 whose unsigned order equals the double's order
// (IEEE 754 trick: flip all bits of negatives, only the sign bit otherwise).
uint64_t OrderedBits(double v) {
  if (v == 0) v = 0;  // -0.0 and 0.0 tie
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  return (bits & (1ULL << 63)) ? ~bits : bits | (1ULL << 63);
}

double FromOrderedBits(uint64_t key) {
  uint64_t bits = (key & (1ULL << 63)) ? key & ~(1ULL << 63) : ~key;
  double v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

void PutBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
  }
}

uint64_t GetBigEndian(absl::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

constexpr uint64_t kNoSecondary = ~0ULL;

}  // namespace

std::string GameTag(absl::string_view game_id) {
  return absl::StrCat("st:{", game_id, "}");
}

std::string Board(absl::string_view game_id, absl::string_view board_id,
                  absl::string_view period) {
  return absl::StrCat(GameTag(game_id), ":lb:", board_id, ":", period);
}
std::string BoardMembers(absl::string_view game_id, absl::string_view board_id,
                         absl::string_view period) {
  return absl::StrCat(Board(game_id, board_id, period), ":members");
}
std::string BoardState(absl::string_view game_id, absl::string_view board_id,
                       absl::string_view period) {
  return absl::StrCat(Board(game_id, board_id, period), ":state");
}
std::string BoardDistinct(absl::string_view game_id, absl::string_view board_id,
                          absl::string_view period) {
  return absl::StrCat(Board(game_id, board_id, period), ":distinct");
}
std::string BoardDistinctCount(absl::string_view game_id,
                               absl::string_view board_id,
                               absl::string_view period) {
  return absl::StrCat(Board(game_id, board_id, period), ":dcount");
}
std::string BoardPeriods(absl::string_view game_id,
                         absl::string_view board_id) {
  return absl::StrCat(GameTag(game_id), ":periods:", board_id);
}
std::string PlayerStats(absl::string_view game_id,
                        absl::string_view player_id) {
  return absl::StrCat(GameTag(game_id), ":stats:", player_id);
}
std::string Seen(absl::string_view game_id, absl::string_view event_id) {
  return absl::StrCat(GameTag(game_id), ":seen:", event_id);
}
std::string Applied(absl::string_view game_id) {
  return absl::StrCat(GameTag(game_id), ":applied");
}

double StoredScore(double score, v1::SortOrder order) {
  double stored = Descending(order) ? -score : score;
  return stored == 0 ? 0.0 : stored;
}

double ScoreFromStored(double stored, v1::SortOrder order) {
  double score = Descending(order) ? -stored : stored;
  return score == 0 ? 0.0 : score;
}

std::string FormatScore(double value) {
  if (value == 0) value = 0;
  return absl::StrFormat("%.17g", value);
}

std::string EncodeMember(absl::string_view player_id,
                         std::optional<double> secondary,
                         v1::SortOrder secondary_order, absl::Time reached_at) {
  std::string out;
  out.reserve(kMemberPrefixBytes + player_id.size());
  uint64_t secondary_key = kNoSecondary;
  if (secondary.has_value()) {
    secondary_key = OrderedBits(*secondary);
    // Better must sort first: invert for higher-is-better secondaries. Keep
    // the key below kNoSecondary so "has a secondary" always ranks first.
    if (Descending(secondary_order)) secondary_key = ~secondary_key;
    if (secondary_key == kNoSecondary) secondary_key = kNoSecondary - 1;
  }
  PutBigEndian(secondary_key, &out);
  int64_t micros = absl::ToUnixMicros(reached_at);
  // Offset so times before 1970 still order correctly as unsigned.
  PutBigEndian(static_cast<uint64_t>(micros) ^ (1ULL << 63), &out);
  out.append(player_id.data(), player_id.size());
  return out;
}

std::optional<DecodedMember> DecodeMember(absl::string_view member,
                                          v1::SortOrder secondary_order) {
  if (member.size() < kMemberPrefixBytes) return std::nullopt;
  DecodedMember out;
  uint64_t secondary_key = GetBigEndian(member.substr(0, 8));
  if (secondary_key != kNoSecondary) {
    if (Descending(secondary_order)) secondary_key = ~secondary_key;
    out.secondary = FromOrderedBits(secondary_key);
  }
  uint64_t micros = GetBigEndian(member.substr(8, 8)) ^ (1ULL << 63);
  out.reached_at = absl::FromUnixMicros(static_cast<int64_t>(micros));
  out.player_id = std::string(member.substr(kMemberPrefixBytes));
  return out;
}

}  // namespace keys
}  // namespace statstracker
