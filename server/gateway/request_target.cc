#include "server/gateway/request_target.h"

#include "absl/strings/str_split.h"
#include "server/gateway/path_template.h"

namespace statstracker {
namespace gateway {

RequestTarget ParseRequestTarget(absl::string_view target) {
  absl::string_view path = target, query;
  if (size_t q = target.find('?'); q != absl::string_view::npos) {
    path = target.substr(0, q);
    query = target.substr(q + 1);
  }
  if (size_t h = path.find('#'); h != absl::string_view::npos) {
    path = path.substr(0, h);
  }
  if (size_t h = query.find('#'); h != absl::string_view::npos) {
    query = query.substr(0, h);
  }
  RequestTarget out;
  out.path = std::string(path);
  for (absl::string_view part : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    size_t eq = part.find('=');
    absl::string_view key = part.substr(0, eq);
    absl::string_view value =
        eq == absl::string_view::npos ? "" : part.substr(eq + 1);
    out.query.emplace_back(PercentDecode(key, true),
                           PercentDecode(value, true));
  }
  return out;
}

}  // namespace gateway
}  // namespace statstracker
