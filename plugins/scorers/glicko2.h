#ifndef STATSTRACKER_PLUGINS_SCORERS_GLICKO2_H_
#define STATSTRACKER_PLUGINS_SCORERS_GLICKO2_H_

// The Glicko-2 rating-period update (Mark Glickman, "Example of the Glicko-2
// system", 2013) behind scorer "glicko2" (registered by glicko2.cc).

#include <cstdint>
#include <vector>

namespace statstracker {
namespace glicko2 {

// Converts between the Glicko scale (1500 +- 350) and Glicko-2's internal one.
inline constexpr double kScale = 173.7178;

// A player's rating on the Glicko scale.
struct Rating {
  double rating = 1500;
  double deviation = 350;    // RD
  double volatility = 0.06;  // sigma
};

// One game of the rating period against one opponent.
struct Game {
  double opponent_rating = 1500;
  double opponent_deviation = 350;
  double score = 0;  // 1 win, 0.5 draw, 0 loss
};

// Intermediate values of an update (the paper's steps 2 to 4), for tests.
struct Details {
  double mu = 0;       // step 2
  double phi = 0;      // step 2
  double v = 0;        // step 3, estimated variance
  double delta = 0;    // step 4, estimated improvement
  int iterations = 0;  // step 5, Illinois iterations run
};

// The player's rating after one rating period with `games` (steps 1 to 8 of
// the paper). No games: only the deviation grows, by the volatility.
// `tau` constrains the volatility change; the volatility is found with the
// Illinois algorithm to within `epsilon`. Fills `details` when not null.
Rating Update(const Rating& player, const std::vector<Game>& games, double tau,
              double epsilon = 0.000001, Details* details = nullptr);

// The rating after `periods` rating periods without games: the paper's step
// for a player who does not compete, phi' = sqrt(phi^2 + sigma^2), once per
// period (rating and volatility unchanged). The deviation grows at most to
// `max_deviation` (a player is never less certain than a new one) and
// never shrinks.
Rating AfterInactivity(const Rating& player, int64_t periods,
                       double max_deviation);

}  // namespace glicko2
}  // namespace statstracker

#endif  // STATSTRACKER_PLUGINS_SCORERS_GLICKO2_H_
