#include "common/board_record.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace statstracker {
namespace {

void PutDouble(double v, std::string* out) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  for (int shift = 56; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((bits >> shift) & 0xFF));
  }
}

double GetDouble(absl::string_view s) {
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = (bits << 8) | static_cast<uint8_t>(s[i]);
  double v;
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

}  // namespace

absl::StatusOr<std::string> EncodeBoardRecord(
    absl::string_view member_prefix, const std::vector<std::string>& aux_names,
    const absl::flat_hash_map<std::string, double>& aux) {
  if (aux_names.size() > kMaxAuxValues) {
    return absl::InvalidArgumentError(
        absl::StrCat("a scorer may keep at most ", kMaxAuxValues,
                     " aux values, got ", aux_names.size()));
  }
  std::string out(member_prefix);
  if (aux_names.empty()) {
    if (!aux.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("aux value '", aux.begin()->first,
                       "' returned by a scorer that declares no AuxNames()"));
    }
    return out;
  }
  size_t mask_pos = out.size();
  out.push_back('\0');
  uint8_t mask = 0;
  size_t found = 0;
  for (size_t i = 0; i < aux_names.size(); ++i) {
    auto it = aux.find(aux_names[i]);
    if (it == aux.end()) continue;
    mask |= static_cast<uint8_t>(1u << i);
    PutDouble(it->second, &out);
    ++found;
  }
  if (found != aux.size()) {
    for (const auto& [name, value] : aux) {
      if (std::find(aux_names.begin(), aux_names.end(), name) ==
          aux_names.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("aux value '", name, "' is not among the scorer's ",
                         "AuxNames() (", absl::StrJoin(aux_names, ", "), ")"));
      }
    }
  }
  out[mask_pos] = static_cast<char>(mask);
  return out;
}

absl::StatusOr<BoardRecord> DecodeBoardRecord(
    absl::string_view record, size_t prefix_bytes,
    const std::vector<std::string>& aux_names) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "board record of ", record.size(), " bytes: ", why, " (prefix ",
        prefix_bytes, " bytes, ", aux_names.size(), " aux names)"));
  };
  if (record.size() < prefix_bytes) return bad("shorter than the prefix");
  BoardRecord out;
  out.member_prefix = std::string(record.substr(0, prefix_bytes));
  absl::string_view rest = record.substr(prefix_bytes);
  if (aux_names.empty()) {
    if (!rest.empty()) return bad("trailing bytes");
    return out;
  }
  if (rest.empty()) return bad("no aux mask");
  uint8_t mask = static_cast<uint8_t>(rest[0]);
  rest.remove_prefix(1);
  for (size_t i = 0; i < kMaxAuxValues; ++i) {
    if ((mask & (1u << i)) == 0) continue;
    if (i >= aux_names.size()) return bad("mask names an unknown aux value");
    if (rest.size() < 8) return bad("truncated aux values");
    out.aux[aux_names[i]] = GetDouble(rest.substr(0, 8));
    rest.remove_prefix(8);
  }
  if (!rest.empty()) return bad("trailing bytes");
  return out;
}

}  // namespace statstracker
