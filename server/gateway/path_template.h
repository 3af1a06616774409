#ifndef STATSTRACKER_SERVER_GATEWAY_PATH_TEMPLATE_H_
#define STATSTRACKER_SERVER_GATEWAY_PATH_TEMPLATE_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace statstracker {
namespace gateway {

// A google.api.http path template, e.g.
//   "/v1/games/{game_id}/leaderboards/{leaderboard_id}/entries:forPlayers"
//   "/v1/files/{path=**}"   "/v1/{name=shelves/*/books/*}"
// Segments are literals, `*` (one segment) or `**` (zero or more segments);
// variables bind a (possibly dotted) request field to one or more segments;
// an optional `:verb` follows the last segment.
class PathTemplate {
 public:
  struct Segment {
    enum Kind { kLiteral, kSingle, kMulti };
    Kind kind = kLiteral;
    std::string literal;  // kLiteral only
  };
  struct Variable {
    std::string field_path;  // e.g. "nested.name"
    int begin = 0;           // template segment range [begin, end)
    int end = 0;
  };
  // (field path, percent-decoded value) for each variable.
  using Bindings = std::vector<std::pair<std::string, std::string>>;

  // INVALID_ARGUMENT naming the template and the problem.
  static absl::StatusOr<PathTemplate> Parse(absl::string_view text);

  // Matches a request path (raw, still percent-encoded, without the query).
  // On success fills `bindings` (may be null).
  bool Match(absl::string_view path, Bindings* bindings) const;

  // Orders templates for matching: at the first segment where two differ, a
  // literal beats `*`, which beats `**`; then a template with a verb beats
  // one without; then the longer one first. Returns true if *this should be
  // tried before `other`.
  bool MoreSpecificThan(const PathTemplate& other) const;

  // The template in OpenAPI form: "/v1/files/{path}".
  std::string OpenApiPath() const;

  const std::string& text() const { return text_; }
  const std::vector<Segment>& segments() const { return segments_; }
  const std::vector<Variable>& variables() const { return variables_; }
  const std::string& verb() const { return verb_; }

 private:
  bool MatchFrom(int ti, int pi, const std::vector<absl::string_view>& parts,
                 std::vector<int>* starts) const;

  std::string text_;
  std::vector<Segment> segments_;
  std::vector<Variable> variables_;
  std::string verb_;
};

// Percent-decodes `in`; with `plus_is_space`, '+' decodes to ' ' (query
// strings). Malformed escapes are kept as they are.
std::string PercentDecode(absl::string_view in, bool plus_is_space);

}  // namespace gateway
}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_GATEWAY_PATH_TEMPLATE_H_
