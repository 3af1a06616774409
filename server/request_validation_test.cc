#include "server/request_validation.h"

#include <string>

#include "common/field_error.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace statstracker {
namespace server {
namespace {

using ::testing::HasSubstr;

// The field a failed check names, or "" when the request passed.
template <typename Request>
std::string BadField(const Request& request) {
  absl::Status status = ValidateRequest(request);
  if (status.ok()) return "";
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return ErrorField(status);
}

v1::ListEntriesRequest Entries() {
  v1::ListEntriesRequest request;
  request.set_game_id("arcade");
  request.set_leaderboard_id("high");
  return request;
}

TEST(RequestValidation, GoodRequestsPass) {
  EXPECT_EQ(BadField(Entries()), "");
  v1::GetPlayerRankRequest rank;
  rank.set_game_id("chess");
  rank.set_leaderboard_id("elo");
  rank.set_player_id("Ann Ö 🎮");
  EXPECT_EQ(BadField(rank), "");
}

TEST(RequestValidation, IdsAreBoundedAndFormatted) {
  v1::ListEntriesRequest request = Entries();
  request.set_game_id(std::string(10240, 'a'));
  absl::Status status = ValidateRequest(request);
  EXPECT_EQ(ErrorField(status), "game_id");
  // The 10 KB value is shown cut, so the message stays small.
  EXPECT_LT(status.message().size(), 300u);
  EXPECT_THAT(std::string(status.message()), HasSubstr("…"));

  request = Entries();
  request.set_leaderboard_id("High");
  EXPECT_EQ(BadField(request), "leaderboard_id");
  request.set_leaderboard_id("");
  EXPECT_EQ(BadField(request), "leaderboard_id");
  request = Entries();
  request.set_period("\xff\xfe");
  EXPECT_EQ(BadField(request), "period");
  request = Entries();
  request.set_page_token(std::string(513, 'A'));
  EXPECT_EQ(BadField(request), "page_token");
  request = Entries();
  request.set_page_size(1001);
  EXPECT_EQ(BadField(request), "page_size");
  request.set_page_size(-1);
  EXPECT_EQ(BadField(request), "page_size");
}

TEST(RequestValidation, PlayerIds) {
  v1::GetPlayerRankRequest rank;
  rank.set_game_id("chess");
  rank.set_leaderboard_id("elo");
  rank.set_player_id(std::string(129, 'p'));
  EXPECT_EQ(BadField(rank), "player_id");
  rank.set_player_id("tab\there");
  EXPECT_EQ(BadField(rank), "player_id");

  v1::ListEntriesForPlayersRequest friends;
  friends.set_game_id("chess");
  friends.set_leaderboard_id("elo");
  EXPECT_EQ(BadField(friends), "player_ids");
  friends.add_player_ids("a");
  friends.add_player_ids("\xc0\xaf");
  EXPECT_EQ(BadField(friends), "player_ids[1]");
  friends.clear_player_ids();
  for (int i = 0; i <= kMaxPlayerIds; ++i) friends.add_player_ids("p");
  EXPECT_EQ(BadField(friends), "player_ids");

  v1::WatchLeaderboardRequest watch;
  watch.set_game_id("chess");
  watch.set_leaderboard_id("elo");
  EXPECT_EQ(BadField(watch), "");  // player_id is optional here
  watch.set_player_id(std::string(200, 'x'));
  EXPECT_EQ(BadField(watch), "player_id");
  watch.set_player_id("");
  watch.set_top_n(101);
  EXPECT_EQ(BadField(watch), "top_n");
}

TEST(RequestValidation, StatNames) {
  v1::GetPlayerStatsRequest stats;
  stats.set_game_id("chess");
  stats.set_player_id("ann");
  stats.add_stat_names("wins");
  EXPECT_EQ(BadField(stats), "");
  stats.add_stat_names(std::string(65, 's'));
  EXPECT_EQ(BadField(stats), "stat_names[1]");
  stats.clear_stat_names();
  for (int i = 0; i <= kMaxStatNames; ++i) stats.add_stat_names("wins");
  EXPECT_EQ(BadField(stats), "stat_names");
}

TEST(RequestValidation, EventsAreCheckedWithTheirIndex) {
  v1::PublishEventsRequest publish;
  EXPECT_EQ(BadField(publish), "events");
  v1::GameEvent* good = publish.add_events();
  good->set_event_id("e-1");
  good->set_game_id("arcade");
  good->mutable_occurred_at()->set_seconds(1795500000);
  good->mutable_score_submitted()->set_player_id("ann");
  EXPECT_EQ(BadField(publish), "");
  v1::GameEvent* bad = publish.add_events();
  *bad = *good;
  bad->set_event_id("e-2");
  bad->mutable_score_submitted()->set_player_id(std::string(300, 'z'));
  absl::Status status = ValidateRequest(publish);
  EXPECT_EQ(ErrorField(status), "events[1].score_submitted.player_id");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("events[1].score_submitted.player_id (event_id "
                        "'e-2'): "));
}

TEST(RequestValidation, ResetAndErase) {
  v1::ResetLeaderboardRequest reset;
  reset.set_game_id("arcade");
  reset.set_leaderboard_id("daily");
  reset.set_all_periods(true);
  reset.set_period("2026-11-24");
  EXPECT_EQ(BadField(reset), "period");
  v1::ErasePlayerRequest erase;
  erase.set_game_id("arcade");
  EXPECT_EQ(BadField(erase), "player_id");
}

}  // namespace
}  // namespace server
}  // namespace statstracker
