#include "server/page_token.h"

#include <cmath>
#include <cstdint>
#include <cstring>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/keys.h"

namespace statstracker {
namespace server {
namespace {

constexpr char kVersion = 1;
constexpr size_t kHeaderBytes = 1 + 4 + 8;
// Members are a 7- or 15-byte tie-break prefix plus a player id of 1 to 128
// bytes (common/keys.h).
constexpr size_t kMinMemberBytes = keys::kTimeKeyBytes + 1;
constexpr size_t kMaxMemberBytes =
    keys::kTimeKeyBytes + keys::kSecondaryKeyBytes + 128;

// FNV-1a: stable across processes and builds, unlike absl::Hash, so a token
// stays valid when another server replica answers the next page.
uint32_t Fingerprint(absl::string_view scope) {
  uint32_t h = 2166136261u;
  for (unsigned char c : scope) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

void PutBigEndian(uint64_t v, int bytes, std::string* out) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xFF));
  }
}

uint64_t GetBigEndian(absl::string_view s) {
  uint64_t v = 0;
  for (unsigned char c : s) v = (v << 8) | c;
  return v;
}

absl::Status Malformed(absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(
      "page_token: ", why,
      "; pass the next_page_token of the previous response unchanged, or an "
      "empty token for the first page"));
}

}  // namespace

std::string EncodePageToken(const PageCursor& cursor, absl::string_view scope) {
  std::string raw;
  raw.reserve(kHeaderBytes + cursor.member.size());
  raw.push_back(kVersion);
  PutBigEndian(Fingerprint(scope), 4, &raw);
  uint64_t bits;
  std::memcpy(&bits, &cursor.stored_score, sizeof(bits));
  PutBigEndian(bits, 8, &raw);
  raw.append(cursor.member);
  return absl::WebSafeBase64Escape(raw);
}

absl::StatusOr<PageCursor> DecodePageToken(absl::string_view token,
                                           absl::string_view scope) {
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) {
    return Malformed("not a token made by this server (bad encoding)");
  }
  if (raw.size() < kHeaderBytes + kMinMemberBytes ||
      raw.size() > kHeaderBytes + kMaxMemberBytes || raw[0] != kVersion) {
    return Malformed("not a token made by this server");
  }
  if (GetBigEndian(absl::string_view(raw).substr(1, 4)) != Fingerprint(scope)) {
    return Malformed(
        "the token belongs to another leaderboard or period than the one "
        "requested");
  }
  PageCursor cursor;
  uint64_t bits = GetBigEndian(absl::string_view(raw).substr(5, 8));
  std::memcpy(&cursor.stored_score, &bits, sizeof(bits));
  if (std::isnan(cursor.stored_score)) {
    return Malformed("not a token made by this server (bad score)");
  }
  cursor.member = raw.substr(kHeaderBytes);
  return cursor;
}

}  // namespace server
}  // namespace statstracker
