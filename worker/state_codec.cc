#include "worker/state_codec.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace statstracker {
namespace worker {
namespace {

std::string FormatDouble(double v) {
  if (v == 0) v = 0;  // no "-0"
  return absl::StrFormat("%.17g", v);
}

absl::Status BadState(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("scorer state '", text, "': ", why,
                   "; expected \"<score>[;<name>=<value>]...\""));
}

}  // namespace

std::string EncodeScorerState(const ScorerState& state) {
  std::string out = FormatDouble(state.score);
  std::vector<std::pair<std::string, double>> aux(state.aux.begin(),
                                                  state.aux.end());
  std::sort(aux.begin(), aux.end());
  for (const auto& [name, value] : aux) {
    absl::StrAppend(&out, ";", name, "=", FormatDouble(value));
  }
  return out;
}

absl::StatusOr<ScorerState> DecodeScorerState(absl::string_view text) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, ';');
  ScorerState state;
  if (!absl::SimpleAtod(parts[0], &state.score)) {
    return BadState(text, "the score is not a number");
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(parts[i], absl::MaxSplits('=', 1));
    double value;
    if (kv.first.empty() || !absl::SimpleAtod(kv.second, &value)) {
      return BadState(text, absl::StrCat("bad aux entry '", parts[i], "'"));
    }
    state.aux[std::string(kv.first)] = value;
  }
  return state;
}

bool SameScorerState(const ScorerState& a, const ScorerState& b) {
  return a.score == b.score && a.aux == b.aux;
}

std::string FormatStatValue(const v1::StatValue& value) {
  switch (value.value_case()) {
    case v1::StatValue::kIntValue:
      return absl::StrFormat("%lld", static_cast<long long>(value.int_value()));
    case v1::StatValue::kDoubleValue:
      return FormatDouble(value.double_value());
    default:
      return "";
  }
}

absl::StatusOr<v1::StatValue> ParseStatValue(absl::string_view text,
                                             StatSpec::Type type) {
  v1::StatValue value;
  if (type == StatSpec::Type::kInt) {
    int64_t i;
    double d;
    if (absl::SimpleAtoi(text, &i)) {
      value.set_int_value(i);
    } else if (absl::SimpleAtod(text, &d)) {
      value.set_int_value(static_cast<int64_t>(d));
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("stored stat value '", text, "' is not an integer"));
    }
  } else {
    double d;
    if (!absl::SimpleAtod(text, &d)) {
      return absl::InvalidArgumentError(
          absl::StrCat("stored stat value '", text, "' is not a number"));
    }
    value.set_double_value(d);
  }
  return value;
}

}  // namespace worker
}  // namespace statstracker
