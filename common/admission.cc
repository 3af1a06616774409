#include "common/admission.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/periods.h"
#include "common/proto_duration.h"

namespace statstracker {
namespace {

// An explicit 0 turns a bound off; unset means `fallback`.
absl::Duration Bound(bool set, const google::protobuf::Duration& d,
                     absl::Duration fallback) {
  if (!set) return fallback;
  absl::Duration value = ProtoDuration(d);
  return value <= absl::ZeroDuration() ? absl::InfiniteDuration() : value;
}

// The longest a period of `period` can last. Calendar periods get an hour
// more for a daylight-saving change inside them.
absl::Duration LongestPeriod(const v1::LeaderboardConfig& board) {
  const v1::PeriodConfig& period = board.period();
  const absl::Duration dst = absl::Hours(1);
  switch (period.kind_case()) {
    case v1::PeriodConfig::kDaily:
      return absl::Hours(24) + dst;
    case v1::PeriodConfig::kWeekly:
      return absl::Hours(24 * 7) + dst;
    case v1::PeriodConfig::kMonthly:
      return absl::Hours(24 * 31) + dst;
    case v1::PeriodConfig::kEveryN:
      return absl::Hours(24) * period.every_n().days() + dst;
    case v1::PeriodConfig::kSeasons: {
      absl::Duration longest = absl::ZeroDuration();
      for (const auto& season : period.seasons().seasons()) {
        absl::StatusOr<Period> p = ParsePeriodId(board, season.season_id());
        if (p.ok()) longest = std::max(longest, p->end - p->start);
      }
      return longest;
    }
    case v1::PeriodConfig::KIND_NOT_SET:
      break;
  }
  return absl::ZeroDuration();
}

// A type name for a message: printable ASCII, at most 200 characters.
std::string Shown(absl::string_view type) {
  std::string out;
  for (char c : type.substr(0, 200)) {
    out.push_back(c > 0x20 && c < 0x7f ? c : '?');
  }
  if (type.size() > 200) out += "...";
  return out;
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

// "30d" for whole days, else absl's form ("5m", "1h30m").
std::string DurationText(absl::Duration d) {
  const absl::Duration day = absl::Hours(24);
  if (d >= day && d % day == absl::ZeroDuration()) {
    return absl::StrCat(d / day, "d");
  }
  return absl::FormatDuration(d);
}

std::optional<AdmissionRefusal> CheckWindow(const AdmissionPolicy& policy,
                                            absl::string_view game_id,
                                            absl::Time occurred,
                                            absl::Time received_at) {
  const bool too_old = policy.max_age != absl::InfiniteDuration() &&
                       occurred < received_at - policy.max_age;
  const bool too_new = policy.max_future_skew != absl::InfiniteDuration() &&
                       occurred > received_at + policy.max_future_skew;
  if (!too_old && !too_new) return std::nullopt;
  const bool old_bound = policy.max_age != absl::InfiniteDuration();
  const bool new_bound = policy.max_future_skew != absl::InfiniteDuration();
  const std::string from =
      old_bound ? TimeText(received_at - policy.max_age) : "any time";
  const std::string to =
      new_bound ? TimeText(received_at + policy.max_future_skew) : "any time";
  const std::string before =
      old_bound ? absl::StrCat("at most ", DurationText(policy.max_age))
                : "any time";
  const std::string after =
      new_bound ? absl::StrCat("at most ", DurationText(policy.max_future_skew))
                : "any time";
  return AdmissionRefusal{
      kOutsideAdmissionWindow,
      absl::InvalidArgumentError(absl::StrCat(
          "occurred_at: ", TimeText(occurred),
          " is outside the admission window of game '", game_id, "': ", from,
          " to ", to, " (", before, " before and ", after,
          " after it was received, ", TimeText(received_at),
          "); send the time the event happened (a google.protobuf.Timestamp "
          "{seconds, nanos}), or widen games.admission (max_age, "
          "max_future_skew; 0 turns a bound off)"))};
}

}  // namespace

absl::Duration DefaultMaxAge(const v1::GameConfig& game) {
  absl::Duration age = kDefaultMaxAge;
  for (const v1::LeaderboardConfig& board : game.leaderboards()) {
    if (!board.has_period()) continue;
    const absl::Duration retention = ProtoDuration(board.period().retention());
    if (retention <= absl::ZeroDuration()) continue;  // kept forever
    age = std::max(age, LongestPeriod(board) + retention);
  }
  return age;
}

AdmissionPolicy AdmissionPolicyFor(const v1::GameConfig& game) {
  const v1::AdmissionConfig& config = game.admission();
  AdmissionPolicy policy;
  policy.max_age =
      Bound(config.has_max_age(), config.max_age(), DefaultMaxAge(game));
  policy.max_future_skew =
      Bound(config.has_max_future_skew(), config.max_future_skew(),
            kDefaultMaxFutureSkew);
  for (const std::string& type : config.ignored_custom_types()) {
    policy.ignored_custom_types.insert(std::string(CustomTypeName(type)));
  }
  return policy;
}

absl::string_view CustomTypeName(absl::string_view type_url) {
  const size_t slash = type_url.rfind('/');
  return slash == absl::string_view::npos ? type_url
                                          : type_url.substr(slash + 1);
}

std::optional<AdmissionRefusal> CheckAdmission(const AdmissionPolicy& policy,
                                               absl::string_view game_id,
                                               const v1::GameEvent& event,
                                               absl::Time received_at) {
  const absl::Time occurred =
      absl::FromUnixSeconds(event.occurred_at().seconds()) +
      absl::Nanoseconds(event.occurred_at().nanos());
  if (auto refusal = CheckWindow(policy, game_id, occurred, received_at)) {
    return refusal;
  }
  if (!event.has_custom()) return std::nullopt;
  const absl::string_view type = CustomTypeName(event.custom().type_url());
  if (policy.handled_custom_types.contains(type) ||
      policy.ignored_custom_types.contains(type)) {
    return std::nullopt;
  }
  std::vector<std::string> handled(policy.handled_custom_types.begin(),
                                   policy.handled_custom_types.end());
  std::sort(handled.begin(), handled.end());
  return AdmissionRefusal{
      kUnhandledEventType,
      absl::InvalidArgumentError(absl::StrCat(
          "custom.type_url: no plugin of game '", game_id, "' handles '",
          Shown(type), "' (its plugins handle ",
          handled.empty() ? "no custom types" : absl::StrJoin(handled, ", "),
          "); deploy the plugin that does and requeue, or list the type in "
          "games.admission.ignored_custom_types to drop such events on "
          "purpose"))};
}

}  // namespace statstracker
