#include "common/keys.h"

#include <algorithm>
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

void PutBigEndian(uint64_t v, size_t bytes, std::string* out) {
  for (int shift = static_cast<int>(bytes - 1) * 8; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
  }
}

uint64_t GetBigEndian(absl::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<unsigned char>(c);
  return v;
}

constexpr uint64_t kNoSecondary = ~0ULL;
constexpr int64_t kTimeOffset = int64_t{1} << 55;
constexpr uint64_t kTimeKeyMax = (uint64_t{1} << 56) - 1;

}  // namespace

std::string LayoutVersion() { return "st:layout"; }

std::string GameTag(absl::string_view game_id) {
  return absl::StrCat("st:{", game_id, "}");
}

std::string Board(absl::string_view game_id, absl::string_view board_id,
                  absl::string_view period) {
  return absl::StrCat(GameTag(game_id), ":lb:", board_id, ":", period);
}
std::string BoardBuckets(absl::string_view game_id, absl::string_view board_id,
                         absl::string_view period) {
  return absl::StrCat(Board(game_id, board_id, period), ":buckets");
}
std::string BoardRecordPrefix(absl::string_view game_id,
                              absl::string_view board_id,
                              absl::string_view period) {
  return absl::StrCat(Board(game_id, board_id, period), ":p:");
}
std::string BoardRecords(absl::string_view game_id, absl::string_view board_id,
                         absl::string_view period, uint32_t bucket) {
  return absl::StrCat(BoardRecordPrefix(game_id, board_id, period), bucket);
}
std::string BoardDistinct(absl::string_view game_id, absl::string_view board_id,
                          absl::string_view period) {
  return absl::StrCat(Board(game_id, board_id, period), ":distinct");
}
std::string BoardPeriods(absl::string_view game_id,
                         absl::string_view board_id) {
  return absl::StrCat(GameTag(game_id), ":periods:", board_id);
}
std::string BoardHistoryPrefix(absl::string_view game_id,
                               absl::string_view board_id,
                               absl::string_view period) {
  return absl::StrCat(Board(game_id, board_id, period), ":h:");
}
std::string BoardHistory(absl::string_view game_id, absl::string_view board_id,
                         absl::string_view period,
                         absl::string_view player_id) {
  return absl::StrCat(BoardHistoryPrefix(game_id, board_id, period), player_id);
}
std::string BoardHistoryMarker(absl::string_view game_id,
                               absl::string_view board_id,
                               absl::string_view period) {
  return absl::StrCat(Board(game_id, board_id, period), ":history");
}
std::string PlayerStats(absl::string_view game_id,
                        absl::string_view player_id) {
  return absl::StrCat(GameTag(game_id), ":stats:", player_id);
}
std::string DedupBucket(absl::string_view game_id, int64_t width_seconds,
                        int64_t index) {
  return absl::StrCat(GameTag(game_id), ":dedup:", width_seconds, ":", index);
}
std::string Producer(absl::string_view game_id, absl::string_view producer_id) {
  return absl::StrCat(GameTag(game_id), ":producer:", producer_id);
}
std::string Cursor(absl::string_view game_id) {
  return absl::StrCat(GameTag(game_id), ":cursor");
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

std::string OrderedKey(double value) {
  std::string out;
  PutBigEndian(OrderedBits(value), 8, &out);
  return out;
}

double FromOrderedKey(absl::string_view key) {
  return FromOrderedBits(GetBigEndian(key.substr(0, 8)));
}

bool HasSecondary(const v1::LeaderboardConfig& board) {
  return board.has_secondary() && !board.secondary().value_key().empty();
}

size_t MemberPrefixBytes(const v1::LeaderboardConfig& board) {
  return kTimeKeyBytes + (HasSecondary(board) ? kSecondaryKeyBytes : 0);
}

std::string MemberPrefix(const v1::LeaderboardConfig& board,
                         std::optional<double> secondary,
                         absl::Time reached_at) {
  std::string out;
  out.reserve(MemberPrefixBytes(board));
  if (HasSecondary(board)) {
    uint64_t key = kNoSecondary;
    if (secondary.has_value()) {
      key = OrderedBits(*secondary);
      // Better must sort first: invert for higher-is-better secondaries.
      // Keep the key below kNoSecondary so "has a secondary" ranks first.
      if (Descending(board.secondary().sort_order())) key = ~key;
      if (key == kNoSecondary) key = kNoSecondary - 1;
    }
    PutBigEndian(key, kSecondaryKeyBytes, &out);
  }
  out += TimeKey(reached_at);
  return out;
}

std::string TimeKey(absl::Time t) {
  int64_t micros = absl::ToUnixMicros(t);
  micros = std::max(micros, -kTimeOffset);
  uint64_t time_key =
      std::min(static_cast<uint64_t>(micros + kTimeOffset), kTimeKeyMax);
  std::string out;
  PutBigEndian(time_key, kTimeKeyBytes, &out);
  return out;
}

absl::Time FromTimeKey(absl::string_view key) {
  int64_t time_key =
      static_cast<int64_t>(GetBigEndian(key.substr(0, kTimeKeyBytes)));
  return absl::FromUnixMicros(time_key - kTimeOffset);
}

std::string EncodeMember(const v1::LeaderboardConfig& board,
                         absl::string_view player_id,
                         std::optional<double> secondary,
                         absl::Time reached_at) {
  std::string out = MemberPrefix(board, secondary, reached_at);
  out.append(player_id.data(), player_id.size());
  return out;
}

std::optional<DecodedMember> DecodeMember(const v1::LeaderboardConfig& board,
                                          absl::string_view member) {
  const size_t prefix = MemberPrefixBytes(board);
  if (member.size() < prefix) return std::nullopt;
  DecodedMember out;
  size_t pos = 0;
  if (HasSecondary(board)) {
    uint64_t key = GetBigEndian(member.substr(0, kSecondaryKeyBytes));
    if (key != kNoSecondary) {
      if (Descending(board.secondary().sort_order())) key = ~key;
      out.secondary = FromOrderedBits(key);
    }
    pos = kSecondaryKeyBytes;
  }
  out.reached_at = FromTimeKey(member.substr(pos, kTimeKeyBytes));
  out.player_id = std::string(member.substr(prefix));
  return out;
}

}  // namespace keys
}  // namespace statstracker
