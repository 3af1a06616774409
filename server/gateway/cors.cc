#include "server/gateway/cors.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace statstracker {
namespace gateway {

CorsPolicy::CorsPolicy(CorsOptions options, std::vector<std::string> methods,
                       std::vector<std::string> request_headers)
    : options_(std::move(options)),
      request_headers_(std::move(request_headers)) {
  any_origin_ = std::find(options_.allowed_origins.begin(),
                          options_.allowed_origins.end(),
                          "*") != options_.allowed_origins.end();
  std::set<std::string> sorted(methods.begin(), methods.end());
  allow_methods_ = absl::StrJoin(sorted, ", ");
}

bool CorsPolicy::OriginAllowed(absl::string_view origin) const {
  if (any_origin_) return true;
  for (const std::string& allowed : options_.allowed_origins) {
    // Scheme and host are case-insensitive; browsers send them lower case.
    if (absl::EqualsIgnoreCase(allowed, origin)) return true;
  }
  return false;
}

bool CorsPolicy::HeaderAllowed(absl::string_view name) const {
  for (const std::string& allowed : request_headers_) {
    if (absl::EndsWith(allowed, "*")
            ? absl::StartsWith(name, absl::string_view(allowed).substr(
                                         0, allowed.size() - 1))
            : name == allowed) {
      return true;
    }
  }
  return false;
}

CorsPolicy::Decision CorsPolicy::Decide(
    absl::string_view method, absl::string_view origin,
    absl::string_view request_method, absl::string_view request_headers) const {
  Decision decision;
  if (!enabled() || origin.empty()) return decision;
  decision.preflight = method == "OPTIONS" && !request_method.empty();
  const bool allowed = OriginAllowed(origin);
  // Caches must not serve one origin's answer to another (unless every
  // origin gets the same "*"), nor one preflight's to a different one.
  std::vector<absl::string_view> vary;
  if (!any_origin_) vary.push_back("Origin");
  if (decision.preflight) {
    // No content, whether allowed or not: a browser reads the headers only.
    decision.status = 204;
    vary.push_back("Access-Control-Request-Method");
    vary.push_back("Access-Control-Request-Headers");
  }
  if (!vary.empty()) {
    decision.headers.emplace_back("Vary", absl::StrJoin(vary, ", "));
  }
  if (!allowed) return decision;
  decision.headers.emplace_back("Access-Control-Allow-Origin",
                                any_origin_ ? "*" : std::string(origin));
  if (!decision.preflight) return decision;

  decision.headers.emplace_back("Access-Control-Allow-Methods", allow_methods_);
  // Echo the requested headers we accept; the browser refuses the request
  // if one it needs is missing, which is the answer for the others.
  std::vector<std::string> granted;
  for (absl::string_view name : absl::StrSplit(request_headers, ',')) {
    std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(name));
    if (!lower.empty() && HeaderAllowed(lower)) granted.push_back(lower);
  }
  if (!granted.empty()) {
    decision.headers.emplace_back("Access-Control-Allow-Headers",
                                  absl::StrJoin(granted, ", "));
  }
  decision.headers.emplace_back(
      "Access-Control-Max-Age",
      absl::StrCat(absl::ToInt64Seconds(options_.max_age)));
  return decision;
}

}  // namespace gateway
}  // namespace statstracker
