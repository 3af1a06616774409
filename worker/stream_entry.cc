#include "worker/stream_entry.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace statstracker {
namespace worker {

std::optional<StreamId> StreamId::Parse(absl::string_view text) {
  StreamId id;
  std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits('-', 1));
  if (!absl::SimpleAtoi(parts.first, &id.ms)) return std::nullopt;
  if (!parts.second.empty() && !absl::SimpleAtoi(parts.second, &id.seq)) {
    return std::nullopt;
  }
  return id;
}

std::string StreamId::ToString() const { return absl::StrCat(ms, "-", seq); }

}  // namespace worker
}  // namespace statstracker
