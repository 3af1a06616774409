#include "common/field_error.h"

#include <cstdint>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"

namespace statstracker {
namespace {

// The payload key under which FieldError records the field path.
constexpr char kFieldPayload[] = "statstracker/field";

// The code point starting at s[i] and its length, or nullopt when the bytes
// there are not well-formed UTF-8.
std::optional<std::pair<uint32_t, int>> DecodeUtf8(absl::string_view s,
                                                   size_t i) {
  const unsigned char c = s[i];
  uint32_t cp;
  int extra;
  if (c < 0x80) return std::make_pair(uint32_t{c}, 1);
  if ((c & 0xe0) == 0xc0) {
    cp = c & 0x1f;
    extra = 1;
  } else if ((c & 0xf0) == 0xe0) {
    cp = c & 0x0f;
    extra = 2;
  } else if ((c & 0xf8) == 0xf0) {
    cp = c & 0x07;
    extra = 3;
  } else {
    return std::nullopt;
  }
  if (i + extra >= s.size()) return std::nullopt;  // truncated sequence
  for (int k = 1; k <= extra; ++k) {
    const unsigned char cc = s[i + k];
    if ((cc & 0xc0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (cc & 0x3f);
  }
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return std::nullopt;
  }
  return std::make_pair(cp, extra + 1);
}

bool IsControl(uint32_t cp) {
  return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0);
}

// A field path as this project writes them: identifiers joined by dots,
// each optionally indexed ("participants[2]") or keyed ("values[\"k\"]").
bool LooksLikeFieldPath(absl::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  if (!absl::ascii_isalpha(s[0]) && s[0] != '_') return false;
  for (char c : s) {
    if (!(absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '[' ||
          c == ']' || c == '"' || c == '-')) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ShownValue(absl::string_view value, size_t max_chars) {
  std::string out;
  size_t shown = 0;
  size_t i = 0;
  while (i < value.size()) {
    if (shown == max_chars) {
      out += "…";
      return out;
    }
    auto decoded = DecodeUtf8(value, i);
    if (!decoded.has_value() || IsControl(decoded->first) || value[i] == '\\' ||
        value[i] == '\'' || value[i] == '"') {
      if (decoded.has_value() && !IsControl(decoded->first)) {
        out += '\\';  // a quote or backslash
        out += value[i];
      } else {
        out += absl::StrCat(
            "\\x",
            absl::Hex(static_cast<unsigned char>(value[i]), absl::kZeroPad2));
      }
      ++i;
    } else {
      out.append(value.data() + i, decoded->second);
      i += decoded->second;
    }
    ++shown;
  }
  return out;
}

absl::Status FieldError(absl::string_view field, absl::string_view problem) {
  absl::Status status =
      absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
  status.SetPayload(kFieldPayload, absl::Cord(field));
  return status;
}

std::string ErrorField(const absl::Status& status) {
  if (status.code() != absl::StatusCode::kInvalidArgument) return "";
  if (absl::optional<absl::Cord> field = status.GetPayload(kFieldPayload)) {
    return std::string(*field);
  }
  absl::string_view message = status.message();
  size_t colon = message.find(": ");
  if (colon == absl::string_view::npos) return "";
  absl::string_view head = message.substr(0, colon);
  return LooksLikeFieldPath(head) ? std::string(head) : "";
}

absl::Status PrefixField(const absl::Status& status, absl::string_view prefix,
                         absl::string_view context) {
  if (status.ok()) return status;
  const std::string field = ErrorField(status);
  const std::string shown_context =
      context.empty() ? "" : absl::StrCat(" ", context);
  if (field.empty()) {
    return absl::Status(status.code(), absl::StrCat(prefix, shown_context, ": ",
                                                    status.message()));
  }
  absl::string_view message = status.message();
  absl::string_view rest = message;
  if (absl::StartsWith(message, absl::StrCat(field, ": "))) {
    rest = message.substr(field.size() + 2);
  }
  const std::string path = absl::StrCat(prefix, ".", field);
  absl::Status out(status.code(),
                   absl::StrCat(path, shown_context, ": ", rest));
  out.SetPayload(kFieldPayload, absl::Cord(path));
  return out;
}

bool IsUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto decoded = DecodeUtf8(s, i);
    if (!decoded.has_value()) return false;
    i += decoded->second;
  }
  return true;
}

bool IsCleanUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    // ASCII, most ids, without the decoder: clean unless a control byte.
    const unsigned char c = s[i];
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    auto decoded = DecodeUtf8(s, i);
    if (!decoded.has_value() || IsControl(decoded->first)) return false;
    i += decoded->second;
  }
  return true;
}

}  // namespace statstracker
