#ifndef STATSTRACKER_COMMON_ADMISSION_H_
#define STATSTRACKER_COMMON_ADMISSION_H_

// Which events a game takes in, beyond the envelope rules of
// common/event_validation.h (AdmissionConfig in config.proto): occurred_at
// within a window around the time the event was received, and a custom
// payload only of a type a plugin of the game handles or that the game
// ignores on purpose. One check for both doors: AdminService.PublishEvents
// refuses with it, the worker dead-letters with it (StreamConsumer). Pure:
// no clock, no I/O; the caller says when the event was received.

#include <optional>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "statstracker/v1/config.pb.h"
#include "statstracker/v1/events.pb.h"

namespace statstracker {

// Dead-letter reason codes (and metric labels) of refused events.
inline constexpr absl::string_view kOutsideAdmissionWindow =
    "outside_admission_window";
inline constexpr absl::string_view kUnhandledEventType = "unhandled_event_type";

// Defaults of AdmissionConfig.
inline constexpr absl::Duration kDefaultMaxAge = absl::Hours(24 * 30);
inline constexpr absl::Duration kDefaultMaxFutureSkew = absl::Minutes(5);

// A game's admission rules, defaults applied.
struct AdmissionPolicy {
  // How long before / after its receipt an event may have occurred;
  // absl::InfiniteDuration() means no bound.
  absl::Duration max_age = absl::InfiniteDuration();
  absl::Duration max_future_skew = absl::InfiniteDuration();
  // Custom message types by full name (what follows the type URL's last
  // '/'): those some plugin of the game handles, and those it ignores.
  absl::flat_hash_set<std::string> handled_custom_types;
  absl::flat_hash_set<std::string> ignored_custom_types;
};

// The policy `game.admission` describes, defaults applied (DefaultMaxAge,
// kDefaultMaxFutureSkew; an explicit 0 is no bound). handled_custom_types
// is left empty: the plugins fill it (GameCatalog).
AdmissionPolicy AdmissionPolicyFor(const v1::GameConfig& game);

// max_age when the config leaves it unset: kDefaultMaxAge, or the longest
// period plus retention of the game's periodic boards that have a
// retention, if that is longer (so a late event for a period still kept is
// admitted).
absl::Duration DefaultMaxAge(const v1::GameConfig& game);

// The message name a type URL names: what follows its last '/' (all of it
// when there is none), as google.protobuf.Any reads it.
absl::string_view CustomTypeName(absl::string_view type_url);

// Why an event is refused.
struct AdmissionRefusal {
  absl::string_view code;  // kOutsideAdmissionWindow or kUnhandledEventType
  // INVALID_ARGUMENT naming the field, the value and what game `game_id`
  // accepts, e.g. "occurred_at: 1970-01-01T00:00:00Z is outside the
  // admission window of game 'arcade': 2026-10-28T20:00:00Z to
  // 2026-11-27T20:05:00Z (at most 30d before and 5m after it was received,
  // 2026-11-27T20:00:00Z); ...".
  absl::Status status;
};

// nullopt when `event` (already valid by ValidateEventShape) is admitted by
// `policy` when received at `received_at`; else the refusal. The window is
// checked first.
std::optional<AdmissionRefusal> CheckAdmission(const AdmissionPolicy& policy,
                                               absl::string_view game_id,
                                               const v1::GameEvent& event,
                                               absl::Time received_at);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_ADMISSION_H_
