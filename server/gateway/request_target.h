#ifndef STATSTRACKER_SERVER_GATEWAY_REQUEST_TARGET_H_
#define STATSTRACKER_SERVER_GATEWAY_REQUEST_TARGET_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace statstracker {
namespace gateway {

// An HTTP request target split the way the gateway routes it: the raw path
// (still percent-encoded, fragment dropped; PathTemplate::Match decodes its
// variables) and the query parameters, percent-decoded with '+' as space,
// in order ("a=1&b" gives ("a","1"), ("b","")).
struct RequestTarget {
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};

RequestTarget ParseRequestTarget(absl::string_view target);

}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_REQUEST_TARGET_H_
