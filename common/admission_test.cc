// The admission check (common/admission.h): the occurred_at window with its
// defaults and its opt-out, and custom types handled, ignored or refused.

#include "common/admission.h"

#include <string>

#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "statstracker/v1/config.pb.h"
#include "statstracker/v1/events.pb.h"

namespace statstracker {
namespace {

using ::testing::HasSubstr;

v1::GameConfig Game(const std::string& text) {
  v1::GameConfig game;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &game))
      << text;
  return game;
}

v1::GameEvent ScoreAt(absl::Time at) {
  v1::GameEvent event;
  event.set_event_id("e");
  event.set_game_id("arcade");
  event.mutable_occurred_at()->set_seconds(absl::ToUnixSeconds(at));
  event.mutable_occurred_at()->set_nanos(
      static_cast<int>(absl::ToInt64Nanoseconds(
          at - absl::FromUnixSeconds(absl::ToUnixSeconds(at)))));
  event.mutable_score_submitted()->set_player_id("ann");
  return event;
}

v1::GameEvent CustomAt(absl::Time at, const std::string& type_url) {
  v1::GameEvent event = ScoreAt(at);
  event.mutable_custom()->set_type_url(type_url);
  return event;
}

const absl::Time kReceived = absl::FromUnixSeconds(1795782600);  // 2026-11-27

TEST(Admission, DefaultWindowIsThirtyDaysBackAndFiveMinutesAhead) {
  AdmissionPolicy policy = AdmissionPolicyFor(Game("game_id: 'arcade'"));
  EXPECT_EQ(policy.max_age, absl::Hours(24 * 30));
  EXPECT_EQ(policy.max_future_skew, absl::Minutes(5));
  for (absl::Duration offset : {-absl::Hours(24 * 30), -absl::Hours(1),
                                absl::ZeroDuration(), absl::Minutes(5)}) {
    EXPECT_FALSE(
        CheckAdmission(policy, "arcade", ScoreAt(kReceived + offset), kReceived)
            .has_value())
        << offset;
  }
  for (absl::Duration offset :
       {-absl::Hours(24 * 30) - absl::Nanoseconds(1),
        absl::Minutes(5) + absl::Nanoseconds(1), absl::Hours(24 * 365)}) {
    auto refusal = CheckAdmission(policy, "arcade", ScoreAt(kReceived + offset),
                                  kReceived);
    ASSERT_TRUE(refusal.has_value()) << offset;
    EXPECT_EQ(refusal->code, kOutsideAdmissionWindow);
    EXPECT_EQ(refusal->status.code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(Admission, RefusalNamesTheFieldTheValueAndTheWindow) {
  AdmissionPolicy policy = AdmissionPolicyFor(Game("game_id: 'arcade'"));
  auto refusal =
      CheckAdmission(policy, "arcade", ScoreAt(absl::UnixEpoch()), kReceived);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status.message(),
            "occurred_at: 1970-01-01T00:00:00Z is outside the admission "
            "window of game 'arcade': 2026-10-28T12:30:00Z to "
            "2026-11-27T12:35:00Z (at most 30d before and at most 5m after "
            "it was received, 2026-11-27T12:30:00Z); send the time the event "
            "happened (a google.protobuf.Timestamp {seconds, nanos}), or "
            "widen games.admission (max_age, max_future_skew; 0 turns a "
            "bound off)");
}

TEST(Admission, ExplicitBoundsAndZeroTurningThemOff) {
  AdmissionPolicy policy = AdmissionPolicyFor(
      Game("game_id: 'g' admission { max_age { seconds: 3600 } "
           "max_future_skew { seconds: 10 } }"));
  EXPECT_EQ(policy.max_age, absl::Hours(1));
  EXPECT_EQ(policy.max_future_skew, absl::Seconds(10));
  EXPECT_TRUE(CheckAdmission(policy, "g", ScoreAt(kReceived - absl::Hours(2)),
                             kReceived)
                  .has_value());
  EXPECT_TRUE(CheckAdmission(policy, "g",
                             ScoreAt(kReceived + absl::Seconds(11)), kReceived)
                  .has_value());

  AdmissionPolicy open = AdmissionPolicyFor(
      Game("game_id: 'g' admission { max_age {} max_future_skew {} }"));
  EXPECT_EQ(open.max_age, absl::InfiniteDuration());
  EXPECT_EQ(open.max_future_skew, absl::InfiniteDuration());
  for (absl::Time at : {absl::UnixEpoch(), absl::FromUnixSeconds(-62135596800),
                        absl::FromUnixSeconds(253402300799)}) {
    EXPECT_FALSE(CheckAdmission(open, "g", ScoreAt(at), kReceived).has_value())
        << at;
  }
  // One bound off, the other default.
  AdmissionPolicy past =
      AdmissionPolicyFor(Game("game_id: 'g' admission { max_age {} }"));
  EXPECT_FALSE(CheckAdmission(past, "g", ScoreAt(absl::UnixEpoch()), kReceived)
                   .has_value());
  auto future =
      CheckAdmission(past, "g", ScoreAt(kReceived + absl::Hours(1)), kReceived);
  ASSERT_TRUE(future.has_value());
  EXPECT_THAT(future->status.message(),
              HasSubstr("any time to 2026-11-27T12:35:00Z (any time before "
                        "and at most 5m after"));
}

TEST(Admission, DefaultMaxAgeCoversPeriodsStillKept) {
  // No retention (or retention 0 = forever): the plain default.
  EXPECT_EQ(DefaultMaxAge(Game(R"(game_id: "g"
      leaderboards { leaderboard_id: "a" scorer: "best_score" }
      leaderboards { leaderboard_id: "m" scorer: "best_score"
                     period { monthly {} } })")),
            absl::Hours(24 * 30));
  // A short retention does not shorten it.
  EXPECT_EQ(DefaultMaxAge(Game(R"(game_id: "g"
      leaderboards { leaderboard_id: "d" scorer: "best_score"
                     period { daily {} retention { seconds: 864000 } } })")),
            absl::Hours(24 * 30));
  // Monthly periods kept 90 days: a late event of the oldest month kept.
  EXPECT_EQ(DefaultMaxAge(Game(R"(game_id: "g"
      leaderboards { leaderboard_id: "m" scorer: "best_score"
                     period { monthly {} retention { seconds: 7776000 } } })")),
            absl::Hours(24 * 31) + absl::Hours(1) + absl::Hours(24 * 90));
  // Seasons: the longest season plus the retention.
  EXPECT_EQ(DefaultMaxAge(Game(R"(game_id: "g"
      leaderboards { leaderboard_id: "s" scorer: "best_score"
        period {
          seasons {
            seasons { season_id: "s1" start: "2026-01-01" end: "2026-03-02" }
            seasons { season_id: "s2" start: "2026-04-01" end: "2026-04-11" }
          }
          retention { seconds: 86400 }
        } })")),
            absl::Hours(24 * 60) + absl::Hours(24));
  // The policy uses it when max_age is unset.
  EXPECT_EQ(AdmissionPolicyFor(Game(R"(game_id: "g"
      leaderboards { leaderboard_id: "w" scorer: "best_score"
                     period { weekly {} retention { seconds: 31536000 } } })"))
                .max_age,
            absl::Hours(24 * 7 + 1) + absl::Hours(24 * 365));
}

TEST(Admission, CustomTypesHandledIgnoredOrRefused) {
  AdmissionPolicy policy = AdmissionPolicyFor(Game(R"(game_id: "racer"
      admission {
        ignored_custom_types: "type.googleapis.com/acme.v1.Emote"
        ignored_custom_types: "acme.v1.Wave"
      })"));
  policy.handled_custom_types.insert("acme.v1.Lap");
  for (const char* type :
       {"type.googleapis.com/acme.v1.Lap", "example.com/x/acme.v1.Lap",
        "acme.v1.Lap", "type.googleapis.com/acme.v1.Emote",
        "type.googleapis.com/acme.v1.Wave"}) {
    EXPECT_FALSE(
        CheckAdmission(policy, "racer", CustomAt(kReceived, type), kReceived)
            .has_value())
        << type;
  }
  auto refusal = CheckAdmission(
      policy, "racer", CustomAt(kReceived, "type.googleapis.com/acme.Unknown"),
      kReceived);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->code, kUnhandledEventType);
  EXPECT_EQ(refusal->status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(
      refusal->status.message(),
      HasSubstr("custom.type_url: no plugin of game 'racer' handles "
                "'acme.Unknown' (its plugins handle acme.v1.Lap); deploy"));
  EXPECT_THAT(refusal->status.message(), HasSubstr("ignored_custom_types"));
  // The window comes first; core payloads need no plugin to claim them.
  auto old = CheckAdmission(
      policy, "racer",
      CustomAt(absl::UnixEpoch(), "type.googleapis.com/acme.Unknown"),
      kReceived);
  ASSERT_TRUE(old.has_value());
  EXPECT_EQ(old->code, kOutsideAdmissionWindow);
  EXPECT_FALSE(CheckAdmission(policy, "racer", ScoreAt(kReceived), kReceived)
                   .has_value());
  // A hostile type name is shown bounded and printable.
  auto hostile = CheckAdmission(
      AdmissionPolicy(), "g",
      CustomAt(kReceived, std::string("x/\n\x01") + std::string(500, 'a')),
      kReceived);
  ASSERT_TRUE(hostile.has_value());
  EXPECT_LT(hostile->status.message().size(), 600u);
  EXPECT_THAT(hostile->status.message(), HasSubstr("'??aaa"));
}

TEST(Admission, CustomTypeNameIsWhatFollowsTheLastSlash) {
  EXPECT_EQ(CustomTypeName("type.googleapis.com/a.b.C"), "a.b.C");
  EXPECT_EQ(CustomTypeName("a.b.C"), "a.b.C");
  EXPECT_EQ(CustomTypeName("x/y/a.C"), "a.C");
  EXPECT_EQ(CustomTypeName("x/"), "");
}

}  // namespace
}  // namespace statstracker
