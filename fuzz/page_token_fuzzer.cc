// Page tokens as clients send them back: any bytes, any board scope.
// Properties: decoding never crashes and fails only with INVALID_ARGUMENT
// naming page_token; a token that decodes re-encodes to the same cursor; an
// encoded cursor decodes to itself for its scope and not for another.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/keys.h"
#include "fuzz/fuzz_check.h"
#include "server/page_token.h"

namespace {
using statstracker::fuzz::Check;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using statstracker::server::DecodePageToken;
  using statstracker::server::EncodePageToken;
  using statstracker::server::PageCursor;
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  // "<scope>\n<token>"; without a newline the whole input is the token.
  absl::string_view scope = "arcade/high/all";
  absl::string_view token = input;
  if (size_t nl = input.find('\n'); nl != absl::string_view::npos) {
    scope = input.substr(0, nl);
    token = input.substr(nl + 1);
  }
  auto cursor = DecodePageToken(token, scope);
  if (!cursor.ok()) {
    Check(cursor.status().code() == absl::StatusCode::kInvalidArgument);
    Check(absl::StartsWith(cursor.status().message(), "page_token: "));
  } else {
    Check(!std::isnan(cursor->stored_score));
    auto again = DecodePageToken(EncodePageToken(*cursor, scope), scope);
    Check(again.ok() && again->member == cursor->member &&
          std::memcmp(&again->stored_score, &cursor->stored_score,
                      sizeof(double)) == 0);
  }
  // The input as a cursor's member (8 bytes of score first): encode, decode
  // for the same scope. Members are a 7- or 15-byte prefix and a player id
  // of 1 to 128 bytes (common/keys.h, layout 2).
  constexpr size_t kMinMember = statstracker::keys::kTimeKeyBytes + 1;
  constexpr size_t kMaxMember = statstracker::keys::kTimeKeyBytes +
                                statstracker::keys::kSecondaryKeyBytes + 128;
  if (size >= 8 + kMinMember && size <= 8 + kMaxMember) {
    PageCursor made;
    std::memcpy(&made.stored_score, data, sizeof(double));
    if (std::isnan(made.stored_score)) return 0;
    made.member = std::string(input.substr(8));
    auto back = DecodePageToken(EncodePageToken(made, scope), scope);
    Check(back.ok() && back->member == made.member);
  }
  return 0;
}
