#include "common/event_validation.h"

#include <cmath>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/field_error.h"

namespace statstracker {
namespace {

constexpr size_t kMaxEventIdBytes = 128;
constexpr size_t kMaxPlayerIdBytes = 128;
constexpr size_t kMaxMatchIdBytes = 128;
constexpr int kMaxParticipants = 1000;
// Timestamp bounds of google.protobuf.Timestamp: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59Z.
constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return FieldError(field, problem);
}

// Client values in messages: bounded and escaped (common/field_error.h).
std::string Shown(absl::string_view value) { return ShownValue(value); }

absl::Status CheckPlayerId(absl::string_view field, absl::string_view id) {
  if (id.empty()) {
    return Invalid(field, "missing; every player needs an id");
  }
  if (id.size() > kMaxPlayerIdBytes) {
    return Invalid(field, absl::StrCat("'", Shown(id), "' is ", id.size(),
                                       " bytes; at most 128 are accepted"));
  }
  if (!IsCleanUtf8(id)) {
    return Invalid(field, absl::StrCat("'", Shown(id),
                                       "' is not UTF-8 text without control "
                                       "characters"));
  }
  return absl::OkStatus();
}

absl::Status CheckValues(absl::string_view field,
                         const google::protobuf::Map<std::string, double>& m) {
  for (const auto& [key, value] : m) {
    bool ok = !key.empty() && key.size() <= 64;
    for (char c : key) {
      if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_')) {
        ok = false;
      }
    }
    if (!ok) {
      return Invalid(field, absl::StrCat("key '", Shown(key),
                                         "' is not 1 to 64 characters of "
                                         "[a-z0-9_]"));
    }
    if (!std::isfinite(value)) {
      return Invalid(absl::StrCat(field, "[\"", key, "\"]"),
                     absl::StrCat("value ", value, " is not a finite number"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckScore(absl::string_view field, double score) {
  if (!std::isfinite(score)) {
    return Invalid(field, absl::StrCat(score, " is not a finite number"));
  }
  return absl::OkStatus();
}

absl::Status CheckMatch(const v1::MatchCompleted& match) {
  if (match.match_id().size() > kMaxMatchIdBytes) {
    return Invalid("match_completed.match_id",
                   absl::StrCat(match.match_id().size(),
                                " bytes; at most 128 are accepted"));
  }
  const int n = match.participants_size();
  if (n < 1 || n > kMaxParticipants) {
    return Invalid("match_completed.participants",
                   absl::StrCat(n, " participants; 1 to 1000 are accepted"));
  }
  absl::flat_hash_set<absl::string_view> seen;
  seen.reserve(n);
  for (int i = 0; i < n; ++i) {
    const v1::Participant& p = match.participants(i);
    // Runs `check` with no field name and, only when it fails, again with
    // the participant's field name: valid events build no names.
    auto named = [i](absl::string_view leaf, const auto& check) {
      absl::Status s = check("");
      if (s.ok()) return s;
      return check(absl::StrCat("match_completed.participants[", i, "]", leaf));
    };
    if (absl::Status s = named(".player_id",
                               [&](absl::string_view field) {
                                 return CheckPlayerId(field, p.player_id());
                               });
        !s.ok()) {
      return s;
    }
    if (!seen.insert(p.player_id()).second) {
      return Invalid(
          absl::StrCat("match_completed.participants[", i, "].player_id"),
          absl::StrCat("duplicate player '", Shown(p.player_id()),
                       "'; each player appears at most once per match"));
    }
    if (p.team_id().size() > kMaxPlayerIdBytes || !IsCleanUtf8(p.team_id())) {
      return Invalid(
          absl::StrCat("match_completed.participants[", i, "].team_id"),
          absl::StrCat("'", Shown(p.team_id()),
                       "' must be at most 128 bytes of UTF-8 "
                       "without control characters"));
    }
    if (absl::Status s = named(".score",
                               [&](absl::string_view field) {
                                 return CheckScore(field, p.score());
                               });
        !s.ok()) {
      return s;
    }
    if (!v1::Outcome_IsValid(p.outcome())) {
      return Invalid(
          absl::StrCat("match_completed.participants[", i, "].outcome"),
          absl::StrCat("unknown outcome ", p.outcome(),
                       "; use OUTCOME_WIN, OUTCOME_LOSS, "
                       "OUTCOME_DRAW or leave it unspecified"));
    }
    if (absl::Status s = named(".values",
                               [&](absl::string_view field) {
                                 return CheckValues(field, p.values());
                               });
        !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

// An id of printable ASCII without spaces, 1 to 128 bytes (event ids and
// producer ids).
absl::Status CheckAsciiId(absl::string_view field, absl::string_view id,
                          absl::string_view missing) {
  if (id.empty()) return Invalid(field, missing);
  if (id.size() > kMaxEventIdBytes) {
    return Invalid(field, absl::StrCat("'", Shown(id), "' is ", id.size(),
                                       " bytes; at most 128 are accepted"));
  }
  for (unsigned char c : id) {
    if (c <= 0x20 || c >= 0x7f) {
      return Invalid(field, absl::StrCat("'", Shown(id),
                                         "' has a space or a non-printable "
                                         "character; use printable ASCII "
                                         "without spaces"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckProducer(const v1::GameEvent& event) {
  if (!event.has_producer()) return absl::OkStatus();
  const v1::ProducerSequence& p = event.producer();
  if (absl::Status s = CheckAsciiId(
          "producer.producer_id", p.producer_id(),
          "missing; name the producer, or leave producer unset to dedup by "
          "event_id");
      !s.ok()) {
    return s;
  }
  if (p.sequence() == 0) {
    return Invalid("producer.sequence",
                   "0; sequences start at 1 within each epoch");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsValidGameId(absl::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  if (!(absl::ascii_islower(id[0]) || absl::ascii_isdigit(id[0]))) {
    return false;
  }
  for (char c : id) {
    if (!(absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_' ||
          c == '-')) {
      return false;
    }
  }
  return true;
}

absl::Status ValidateEventShape(const v1::GameEvent& event) {
  if (absl::Status s =
          CheckAsciiId("event_id", event.event_id(),
                       "missing; set a unique id per event (a UUID works)");
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckProducer(event); !s.ok()) return s;
  if (!IsValidGameId(event.game_id())) {
    return Invalid("game_id",
                   absl::StrCat("'", Shown(event.game_id()),
                                "' is not a game id; use 1 to 64 characters "
                                "of [a-z0-9_-] starting with a letter or "
                                "digit"));
  }
  if (!event.has_occurred_at()) {
    return Invalid("occurred_at", "missing; set when the event happened");
  }
  const auto& ts = event.occurred_at();
  if (ts.seconds() < kMinTimestampSeconds ||
      ts.seconds() > kMaxTimestampSeconds || ts.nanos() < 0 ||
      ts.nanos() > 999999999) {
    return Invalid(
        "occurred_at",
        absl::StrCat("{seconds: ", ts.seconds(), " nanos: ", ts.nanos(),
                     "} is not a valid timestamp (years 0001 to "
                     "9999, nanos 0 to 999999999)"));
  }
  switch (event.payload_case()) {
    case v1::GameEvent::kMatchCompleted:
      return CheckMatch(event.match_completed());
    case v1::GameEvent::kScoreSubmitted: {
      const v1::ScoreSubmitted& s = event.score_submitted();
      if (absl::Status st =
              CheckPlayerId("score_submitted.player_id", s.player_id());
          !st.ok()) {
        return st;
      }
      if (absl::Status st = CheckScore("score_submitted.score", s.score());
          !st.ok()) {
        return st;
      }
      if (!s.leaderboard_id().empty() && !IsValidGameId(s.leaderboard_id())) {
        return Invalid("score_submitted.leaderboard_id",
                       absl::StrCat("'", Shown(s.leaderboard_id()),
                                    "' is not a leaderboard id; use 1 to 64 "
                                    "characters of [a-z0-9_-], or leave it "
                                    "empty for every board"));
      }
      return CheckValues("score_submitted.values", s.values());
    }
    case v1::GameEvent::kCustom:
      if (event.custom().type_url().empty()) {
        return Invalid("custom.type_url",
                       "missing; pack the game's message into the Any, e.g. "
                       "type.googleapis.com/statstracker.examples.racing.v1."
                       "LapCompleted");
      }
      return absl::OkStatus();
    case v1::GameEvent::PAYLOAD_NOT_SET:
      break;
  }
  return Invalid("payload",
                 "missing; set exactly one of match_completed, "
                 "score_submitted or custom");
}

absl::Status ValidateEvent(const v1::GameEvent& event,
                           const GameCatalog& catalog) {
  if (absl::Status s = ValidateEventShape(event); !s.ok()) return s;
  const GameRuntime* game = catalog.FindGame(event.game_id());
  if (game == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "game_id: unknown game '", Shown(event.game_id()),
        "'; configured games: ", absl::StrJoin(catalog.GameIds(), ", ")));
  }
  if (event.has_score_submitted() &&
      !event.score_submitted().leaderboard_id().empty() &&
      game->FindBoard(event.score_submitted().leaderboard_id()) == nullptr) {
    std::vector<std::string> boards;
    for (const BoardRuntime& b : game->boards) {
      boards.push_back(b.config.leaderboard_id());
    }
    return Invalid(
        "score_submitted.leaderboard_id",
        absl::StrCat("unknown leaderboard '",
                     Shown(event.score_submitted().leaderboard_id()),
                     "' of game '", event.game_id(),
                     "'; its leaderboards: ", absl::StrJoin(boards, ", ")));
  }
  return absl::OkStatus();
}

}  // namespace statstracker
