#ifndef STATSTRACKER_PLUGINS_SCORERS_TRUESKILL_H_
#define STATSTRACKER_PLUGINS_SCORERS_TRUESKILL_H_

// The TrueSkill update for one match between any number of teams of any size
// (Herbrich, Minka, Graepel, "TrueSkill(TM): A Bayesian Skill Rating System",
// NIPS 2006; the message schedule of Jeff Moser, "Computing Your Skill",
// 2010), behind scorer "trueskill" (registered by trueskill_scorer.cc).
//
// Each player's skill is a Gaussian N(mu, sigma^2). A match is a factor
// graph: skill -> performance (noise beta^2) -> team performance (sum of its
// players') -> differences of neighbouring teams in finishing order ->
// "greater than the draw margin" (a win) or "within it" (a draw). Gaussian
// messages are passed down the graph, the difference/truncation layer is
// iterated to convergence (expectation propagation), and messages are passed
// back up to the skills.

#include <vector>

#include "absl/status/statusor.h"

namespace statstracker {
namespace trueskill {

// A player's skill belief.
struct Rating {
  double mu = 25.0;
  double sigma = 25.0 / 3.0;
};

// The model's constants (the TrueSkill "environment").
struct Environment {
  double beta = 25.0 / 6.0;   // performance noise
  double tau = 25.0 / 300.0;  // dynamics: added to sigma^2 before a match
  double draw_probability = 0.10;
};

// One team of a match: its players' ratings before the match and its rank.
// Lower ranks finished better; equal ranks drew.
struct Team {
  std::vector<Rating> players;
  double rank = 0;
};

// How the iterative part of an update went, for tests.
struct Details {
  int iterations = 0;  // passes over the difference/truncation layer
  double delta = 0;    // the last pass's largest change
};

// The players' ratings after the match, in the shape of `teams` (team by
// team, player by player, in the order given; teams need not be sorted).
// INVALID_ARGUMENT for fewer than two teams or an empty team, or for a draw
// when env.draw_probability is 0 (the model then gives a draw no chance).
// FAILED_PRECONDITION when the update is not finite in double precision
// (ratings so far apart that the result says nothing, e.g. an upset of
// hundreds of sigmas); callers keep the ratings as they were. Fills
// `details` when not null.
absl::StatusOr<std::vector<std::vector<Rating>>> Rate(
    const std::vector<Team>& teams, const Environment& env,
    Details* details = nullptr);

// The draw margin epsilon for a comparison between two teams with
// `players` players in total: the performance difference below which a
// match is a draw, so that two evenly matched teams draw with
// `draw_probability` (Herbrich et al., section 2.1):
// epsilon = Phi^-1((draw_probability + 1) / 2) * sqrt(players) * beta.
double DrawMargin(double draw_probability, double beta, int players);

// The standard normal distribution function Phi and its inverse, as used
// above (exposed for tests). NormalQuantile needs p in (0, 1).
double NormalCdf(double x);
double NormalQuantile(double p);

}  // namespace trueskill
}  // namespace statstracker

#endif  // STATSTRACKER_PLUGINS_SCORERS_TRUESKILL_H_
