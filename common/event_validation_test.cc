#include "common/event_validation.h"

#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "plugins/scorer.h"

namespace statstracker {
namespace {

v1::GameEvent Event(const std::string& text) {
  v1::GameEvent event;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &event))
      << text;
  return event;
}

constexpr char kMatch[] = R"(
  event_id: "e-1" game_id: "chess" occurred_at { seconds: 1795500000 }
  match_completed {
    match_id: "m-1"
    participants { player_id: "ann" outcome: OUTCOME_WIN values { key: "kills" value: 3 } }
    participants { player_id: "bob" outcome: OUTCOME_LOSS }
  })";

constexpr char kScore[] = R"(
  event_id: "e-2" game_id: "arcade" occurred_at { seconds: 1795500000 nanos: 5 }
  score_submitted { player_id: "J\303\274rgen" score: 1200 values { key: "time_ms" value: 81234 } })";

void ExpectInvalid(const v1::GameEvent& event, const std::string& expected) {
  absl::Status s = ValidateEventShape(event);
  ASSERT_FALSE(s.ok()) << event.DebugString();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(s.message(), expected))
      << "expected prefix: " << expected << "\n  got: " << s.message();
}

TEST(EventValidationTest, AcceptsWellFormedEvents) {
  EXPECT_TRUE(ValidateEventShape(Event(kMatch)).ok());
  EXPECT_TRUE(ValidateEventShape(Event(kScore)).ok());
  v1::GameEvent custom = Event(R"(
    event_id: "e-3" game_id: "racing" occurred_at { seconds: 0 }
    custom { type_url: "type.googleapis.com/statstracker.examples.racing.v1.LapCompleted" })");
  EXPECT_TRUE(ValidateEventShape(custom).ok());
  // 128-byte event id, 64-char game id, 128-byte player id, 1000 players.
  v1::GameEvent big = Event(kMatch);
  big.set_event_id(std::string(128, '~'));
  big.set_game_id("g" + std::string(63, '-'));
  big.mutable_match_completed()->clear_participants();
  for (int i = 0; i < 1000; ++i) {
    big.mutable_match_completed()->add_participants()->set_player_id(
        std::to_string(i) + std::string(128 - std::to_string(i).size(), 'p'));
  }
  EXPECT_TRUE(ValidateEventShape(big).ok()) << ValidateEventShape(big);
}

TEST(EventValidationTest, ProducerSequence) {
  v1::GameEvent e = Event(kMatch);
  e.mutable_producer()->set_producer_id("match-server-eu-7");
  e.mutable_producer()->set_epoch(0);
  e.mutable_producer()->set_sequence(1);
  EXPECT_TRUE(ValidateEventShape(e).ok()) << ValidateEventShape(e);
  e.mutable_producer()->set_sequence(0);
  ExpectInvalid(e, "producer.sequence: 0; sequences start at 1");
  e.mutable_producer()->set_sequence(7);
  e.mutable_producer()->clear_producer_id();
  ExpectInvalid(e, "producer.producer_id: missing");
  e.mutable_producer()->set_producer_id("two words");
  ExpectInvalid(e, "producer.producer_id: 'two words' has a space");
  e.mutable_producer()->set_producer_id(std::string(129, 'p'));
  ExpectInvalid(e, "producer.producer_id: '");
}

TEST(EventValidationTest, Envelope) {
  v1::GameEvent e = Event(kMatch);
  e.clear_event_id();
  ExpectInvalid(e, "event_id: missing");
  e.set_event_id(std::string(129, 'x'));
  ExpectInvalid(e, "event_id: '");
  e.set_event_id("has space");
  ExpectInvalid(e, "event_id: 'has space' has a space");
  e.set_event_id("tab\there");
  ExpectInvalid(e, "event_id: 'tab\\x09here' has a space");

  e = Event(kMatch);
  e.clear_game_id();
  ExpectInvalid(e, "game_id: '' is not a game id");
  for (const char* bad : {"Chess", "-chess", "ch ess", "chess!"}) {
    e.set_game_id(bad);
    ExpectInvalid(e, "game_id: '");
  }
  e.set_game_id(std::string(65, 'a'));
  ExpectInvalid(e, "game_id: ");

  e = Event(kMatch);
  e.clear_occurred_at();
  ExpectInvalid(e, "occurred_at: missing");
  e.mutable_occurred_at()->set_nanos(-1);
  ExpectInvalid(e, "occurred_at: {seconds: 0 nanos: -1} is not a valid");
  e.mutable_occurred_at()->set_nanos(0);
  e.mutable_occurred_at()->set_seconds(253402300800);  // year 10000
  ExpectInvalid(e, "occurred_at: ");

  e = Event(kMatch);
  e.clear_match_completed();
  ExpectInvalid(e,
                "payload: missing; set exactly one of match_completed, "
                "score_submitted or custom");
}

TEST(EventValidationTest, MatchParticipants) {
  v1::GameEvent e = Event(kMatch);
  e.mutable_match_completed()->clear_participants();
  ExpectInvalid(e, "match_completed.participants: 0 participants; 1 to 1000");
  for (int i = 0; i < 1001; ++i) {
    e.mutable_match_completed()->add_participants()->set_player_id(
        std::to_string(i));
  }
  ExpectInvalid(e, "match_completed.participants: 1001 participants");

  e = Event(kMatch);
  e.mutable_match_completed()->add_participants()->set_player_id("ann");
  ExpectInvalid(e,
                "match_completed.participants[2].player_id: duplicate "
                "player 'ann'");

  e = Event(kMatch);
  e.mutable_match_completed()->mutable_participants(1)->clear_player_id();
  ExpectInvalid(e, "match_completed.participants[1].player_id: missing");

  e = Event(kMatch);
  e.mutable_match_completed()->mutable_participants(1)->set_player_id(
      std::string(129, 'b'));
  ExpectInvalid(e, "match_completed.participants[1].player_id: '");

  for (const std::string& bad :
       {std::string("a\nb"), std::string("\xff\xfe"), std::string("\xc3"),
        std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
        std::string("a\x7f"), std::string("\xc2\x85")}) {
    e = Event(kMatch);
    e.mutable_match_completed()->mutable_participants(0)->set_player_id(bad);
    ExpectInvalid(e, "match_completed.participants[0].player_id: '");
  }

  e = Event(kMatch);
  e.mutable_match_completed()->mutable_participants(0)->set_score(
      std::numeric_limits<double>::infinity());
  ExpectInvalid(e,
                "match_completed.participants[0].score: inf is not a "
                "finite number");
  e.mutable_match_completed()->mutable_participants(0)->set_score(std::nan(""));
  ExpectInvalid(e, "match_completed.participants[0].score: nan is not");

  e = Event(kMatch);
  e.mutable_match_completed()->mutable_participants(0)->set_outcome(
      static_cast<v1::Outcome>(7));
  ExpectInvalid(e,
                "match_completed.participants[0].outcome: unknown outcome 7");

  e = Event(kMatch);
  (*e.mutable_match_completed()
        ->mutable_participants(0)
        ->mutable_values())["Kills"] = 1;
  ExpectInvalid(e,
                "match_completed.participants[0].values: key 'Kills' is "
                "not 1 to 64 characters of [a-z0-9_]");
  e = Event(kMatch);
  (*e.mutable_match_completed()
        ->mutable_participants(0)
        ->mutable_values())["kills"] = std::nan("");
  ExpectInvalid(e,
                "match_completed.participants[0].values[\"kills\"]: value "
                "nan is not a finite number");

  e = Event(kMatch);
  e.mutable_match_completed()->set_match_id(std::string(129, 'm'));
  ExpectInvalid(e, "match_completed.match_id: 129 bytes");
}

TEST(EventValidationTest, ScoreSubmission) {
  v1::GameEvent e = Event(kScore);
  e.mutable_score_submitted()->clear_player_id();
  ExpectInvalid(e, "score_submitted.player_id: missing");
  e = Event(kScore);
  e.mutable_score_submitted()->set_score(
      -std::numeric_limits<double>::infinity());
  ExpectInvalid(e, "score_submitted.score: -inf is not a finite number");
  e = Event(kScore);
  e.mutable_score_submitted()->set_leaderboard_id("High Scores");
  ExpectInvalid(e,
                "score_submitted.leaderboard_id: 'High Scores' is not a "
                "leaderboard id");
  e = Event(kScore);
  (*e.mutable_score_submitted()->mutable_values())[""] = 1;
  ExpectInvalid(e, "score_submitted.values: key '' is not");
}

TEST(EventValidationTest, CustomNeedsTypeUrl) {
  v1::GameEvent e = Event(kMatch);
  e.mutable_custom();  // replaces the match payload
  ExpectInvalid(e, "custom.type_url: missing");
}

class FakeScorer : public Scorer {
 public:
  std::vector<std::string> PlayersToRead(const v1::GameEvent&) const override {
    return {};
  }
  absl::StatusOr<std::vector<ScoreChange>> Score(
      const v1::GameEvent&,
      const absl::flat_hash_map<std::string, ScorerState>&) const override {
    return std::vector<ScoreChange>{};
  }
};

TEST(EventValidationTest, AgainstCatalog) {
  ScorerRegistry::ScopedOverride fake(
      "fake",
      [](const v1::LeaderboardConfig&)
          -> absl::StatusOr<std::unique_ptr<Scorer>> {
        return std::make_unique<FakeScorer>();
      });
  v1::StatsTrackerConfig config;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      R"(games { game_id: "arcade"
           leaderboards { leaderboard_id: "high" scorer: "fake" }
           leaderboards { leaderboard_id: "daily" scorer: "fake" } }
         games { game_id: "chess" })",
      &config));
  auto catalog = GameCatalog::Build(config);
  ASSERT_TRUE(catalog.ok()) << catalog.status();

  EXPECT_TRUE(ValidateEvent(Event(kMatch), **catalog).ok());
  EXPECT_TRUE(ValidateEvent(Event(kScore), **catalog).ok());

  v1::GameEvent e = Event(kScore);
  e.set_game_id("go");
  absl::Status s = ValidateEvent(e, **catalog);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(),
            "game_id: unknown game 'go'; configured games: arcade, chess");

  e = Event(kScore);
  e.mutable_score_submitted()->set_leaderboard_id("daily");
  EXPECT_TRUE(ValidateEvent(e, **catalog).ok());
  e.mutable_score_submitted()->set_leaderboard_id("weekly");
  s = ValidateEvent(e, **catalog);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "score_submitted.leaderboard_id: unknown leaderboard 'weekly' of "
            "game 'arcade'; its leaderboards: high, daily");

  // Shape errors come first, even for an unknown game.
  e = Event(kScore);
  e.set_game_id("go");
  e.clear_event_id();
  EXPECT_EQ(ValidateEvent(e, **catalog).code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace statstracker
