#include "server/gateway/path_template.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/field_error.h"

namespace statstracker {
namespace gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status Bad(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("path template \"", ShownValue(text, 256), "\": ", why));
}

// Appends the segments of a variable's or the template's pattern text.
absl::Status ParseSegments(absl::string_view full, absl::string_view text,
                           std::vector<PathTemplate::Segment>* out) {
  for (absl::string_view part : absl::StrSplit(text, '/')) {
    PathTemplate::Segment seg;
    if (part == "*") {
      seg.kind = PathTemplate::Segment::kSingle;
    } else if (part == "**") {
      seg.kind = PathTemplate::Segment::kMulti;
    } else if (part.empty()) {
      return Bad(full, "empty path segment");
    } else if (part.find_first_of("{}*=") != absl::string_view::npos) {
      return Bad(full,
                 absl::StrCat("malformed segment \"", ShownValue(part), "\""));
    } else {
      seg.literal = std::string(part);
    }
    out->push_back(std::move(seg));
  }
  return absl::OkStatus();
}

}  // namespace

std::string PercentDecode(absl::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

absl::StatusOr<PathTemplate> PathTemplate::Parse(absl::string_view text) {
  PathTemplate t;
  t.text_ = std::string(text);
  if (text.empty() || text[0] != '/') return Bad(text, "must start with '/'");
  absl::string_view rest = text.substr(1);
  // The verb: a ':' after the last '/' and outside braces.
  size_t last_slash = rest.rfind('/');
  size_t last_close = rest.rfind('}');
  size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos &&
      (last_slash == absl::string_view::npos || colon > last_slash) &&
      (last_close == absl::string_view::npos || colon > last_close)) {
    t.verb_ = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (t.verb_.empty()) return Bad(text, "empty verb after ':'");
  }
  size_t i = 0;
  while (i <= rest.size()) {
    if (i < rest.size() && rest[i] == '{') {
      size_t close = rest.find('}', i);
      if (close == absl::string_view::npos) return Bad(text, "unclosed '{'");
      absl::string_view inner = rest.substr(i + 1, close - i - 1);
      Variable var;
      size_t eq = inner.find('=');
      var.field_path = std::string(inner.substr(0, eq));
      if (var.field_path.empty()) return Bad(text, "variable without a name");
      var.begin = static_cast<int>(t.segments_.size());
      if (eq == absl::string_view::npos) {
        t.segments_.push_back({Segment::kSingle, ""});
      } else {
        absl::Status s =
            ParseSegments(text, inner.substr(eq + 1), &t.segments_);
        if (!s.ok()) return s;
      }
      var.end = static_cast<int>(t.segments_.size());
      t.variables_.push_back(std::move(var));
      i = close + 1;
      if (i < rest.size() && rest[i] != '/') {
        return Bad(text, "a variable must be a whole segment");
      }
    } else {
      size_t slash = rest.find('/', i);
      if (slash == absl::string_view::npos) slash = rest.size();
      absl::Status s =
          ParseSegments(text, rest.substr(i, slash - i), &t.segments_);
      if (!s.ok()) return s;
      i = slash;
    }
    if (i >= rest.size()) break;
    ++i;  // the '/'
  }
  // google.api.http: `**` must be the last segment (before the verb). It
  // also keeps matching linear: with several, a hostile path would make
  // MatchFrom try exponentially many splits.
  for (size_t s = 0; s + 1 < t.segments_.size(); ++s) {
    if (t.segments_[s].kind == Segment::kMulti) {
      return Bad(text, "'**' must be the last segment");
    }
  }
  return t;
}

bool PathTemplate::MatchFrom(int ti, int pi,
                             const std::vector<absl::string_view>& parts,
                             std::vector<int>* starts) const {
  (*starts)[ti] = pi;
  if (ti == static_cast<int>(segments_.size())) {
    return pi == static_cast<int>(parts.size());
  }
  const Segment& seg = segments_[ti];
  switch (seg.kind) {
    case Segment::kLiteral:
      return pi < static_cast<int>(parts.size()) && parts[pi] == seg.literal &&
             MatchFrom(ti + 1, pi + 1, parts, starts);
    case Segment::kSingle:
      return pi < static_cast<int>(parts.size()) && !parts[pi].empty() &&
             MatchFrom(ti + 1, pi + 1, parts, starts);
    case Segment::kMulti:
      // Greedy, then shorter: `**` is usually last, so this rarely loops.
      for (int end = static_cast<int>(parts.size()); end >= pi; --end) {
        if (MatchFrom(ti + 1, end, parts, starts)) return true;
      }
      return false;
  }
  return false;
}

bool PathTemplate::Match(absl::string_view path, Bindings* bindings) const {
  if (path.empty() || path[0] != '/') return false;
  path.remove_prefix(1);
  if (!verb_.empty()) {
    if (path.size() <= verb_.size() + 1 ||
        path.substr(path.size() - verb_.size() - 1) !=
            absl::StrCat(":", verb_)) {
      return false;
    }
    path.remove_suffix(verb_.size() + 1);
  }
  std::vector<absl::string_view> parts = absl::StrSplit(path, '/');
  if (parts.size() == 1 && parts[0].empty()) parts.clear();
  std::vector<int> starts(segments_.size() + 1, 0);
  if (!MatchFrom(0, 0, parts, &starts)) return false;
  if (bindings != nullptr) {
    bindings->clear();
    for (const Variable& v : variables_) {
      std::vector<std::string> decoded;
      for (int p = starts[v.begin]; p < starts[v.end]; ++p) {
        decoded.push_back(PercentDecode(parts[p], /*plus_is_space=*/false));
      }
      bindings->emplace_back(v.field_path, absl::StrJoin(decoded, "/"));
    }
  }
  return true;
}

bool PathTemplate::MoreSpecificThan(const PathTemplate& other) const {
  size_t n = std::min(segments_.size(), other.segments_.size());
  for (size_t i = 0; i < n; ++i) {
    int a = segments_[i].kind, b = other.segments_[i].kind;
    if (a != b) return a < b;
  }
  if (verb_.empty() != other.verb_.empty()) return !verb_.empty();
  return segments_.size() > other.segments_.size();
}

std::string PathTemplate::OpenApiPath() const {
  std::vector<std::string> parts;
  size_t v = 0;
  for (int i = 0; i < static_cast<int>(segments_.size());) {
    if (v < variables_.size() && variables_[v].begin == i) {
      parts.push_back(absl::StrCat("{", variables_[v].field_path, "}"));
      i = variables_[v].end;
      ++v;
      continue;
    }
    parts.push_back(segments_[i].kind == Segment::kLiteral
                        ? segments_[i].literal
                        : (segments_[i].kind == Segment::kSingle ? "*" : "**"));
    ++i;
  }
  std::string out = absl::StrCat("/", absl::StrJoin(parts, "/"));
  if (!verb_.empty()) absl::StrAppend(&out, ":", verb_);
  return out;
}

}  // namespace gateway
}  // namespace statstracker
