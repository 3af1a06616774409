#ifndef STATSTRACKER_PLUGINS_SCORERS_ELO_H_
#define STATSTRACKER_PLUGINS_SCORERS_ELO_H_

// The Elo arithmetic behind scorer "elo" (registered by elo.cc), exposed for
// tests and for other scorers that want it.

#include <vector>

#include "plugins/plugin_util.h"

namespace statstracker {
namespace elo {

// Expected score of a player rated `rating` against `opponent`:
// 1 / (1 + 10^((opponent - rating) / 400)).
double ExpectedScore(double rating, double opponent);

// The rating change of each side of a match. `ratings[i]` is side i's rating
// (the mean of its players' ratings). Two sides: K * (S - E). More sides:
// every pair is scored by result (plugins::PairScore) and the changes are
// summed with K / (sides - 1).
std::vector<double> SideChanges(const std::vector<plugins::MatchSide>& sides,
                                const std::vector<double>& ratings, double k);

}  // namespace elo
}  // namespace statstracker

#endif  // STATSTRACKER_PLUGINS_SCORERS_ELO_H_
