#ifndef STATSTRACKER_COMMON_EVENT_VALIDATION_H_
#define STATSTRACKER_COMMON_EVENT_VALIDATION_H_

// Checks a GameEvent against the rules in events.proto before it is appended
// (server PublishEvents, CLI) or applied (worker; failures are dead-lettered).
// What a game admits beyond these rules (the occurred_at window, custom
// types) is common/admission.h.

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/game_catalog.h"
#include "statstracker/v1/events.pb.h"

namespace statstracker {

// Whether `id` has the form of a game (or leaderboard) id: 1 to 64
// characters of [a-z0-9_-], starting with a letter or digit.
bool IsValidGameId(absl::string_view id);

// The envelope and payload rules of events.proto that need no config:
// event_id, game_id format, occurred_at set and valid, exactly one payload,
// participant ids present and unique, 1..1000 participants, finite scores
// and values, value keys. INVALID_ARGUMENT naming the field path, the bad
// value and what is accepted, e.g.
//   "match_completed.participants[2].player_id: duplicate player 'ann'".
absl::Status ValidateEventShape(const v1::GameEvent& event);

// ValidateEventShape, then: the game is configured (NOT_FOUND "game_id:
// unknown game 'x'; configured games: a, b"), and a score submission's
// leaderboard_id, when set, is a board of that game (INVALID_ARGUMENT).
absl::Status ValidateEvent(const v1::GameEvent& event,
                           const GameCatalog& catalog);

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_EVENT_VALIDATION_H_
