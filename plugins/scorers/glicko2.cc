// Scorer "glicko2": Glicko-2 ratings. Params: statstracker.v1.Glicko2Params.
// The board ranks by rating (ScorerState.score); aux "deviation" holds the
// rating deviation and aux "volatility" the volatility, both on the Glicko
// scale. Every match is one rating period for its participants: each player
// is rated against every player of the other sides (teammates are not
// opponents), all from their ratings before the match, with results from
// plugins::MatchSides (outcome, or placement in free-for-all).
//
// Inactivity: without params.rating_period a player's deviation does not
// grow between matches. With it, aux "rated_at" keeps the event time of the
// player's last match, and before the next one the deviation grows once for
// every whole period (counted from the Unix epoch, in event time) strictly
// between the two matches' periods: AfterInactivity(), the paper's step for
// players who did not compete. Players are still only touched by their own
// matches; the growth is applied when they next play.
//
// Season soft reset (PeriodConfig.soft_reset): rating and deviation move
// toward the initial ones; volatility and rated_at are kept.

#include "plugins/scorers/glicko2.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "plugins/plugin_util.h"
#include "plugins/scorer.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace glicko2 {
namespace {

constexpr double kPi = 3.14159265358979323846;
// Guards against endless loops on extreme inputs; the paper's example needs
// a handful of iterations.
constexpr int kMaxIterations = 1000;

double G(double phi) {
  return 1.0 / std::sqrt(1.0 + 3.0 * phi * phi / (kPi * kPi));
}

double E(double mu, double mu_j, double phi_j) {
  return 1.0 / (1.0 + std::exp(-G(phi_j) * (mu - mu_j)));
}

}  // namespace

Rating Update(const Rating& player, const std::vector<Game>& games, double tau,
              double epsilon, Details* details) {
  // Step 2: to the Glicko-2 scale.
  const double mu = (player.rating - 1500.0) / kScale;
  const double phi = player.deviation / kScale;
  const double sigma = player.volatility;
  if (details != nullptr) {
    details->mu = mu;
    details->phi = phi;
  }
  if (games.empty()) {
    Rating out = player;
    out.deviation = std::sqrt(phi * phi + sigma * sigma) * kScale;
    return out;
  }

  // Steps 3 and 4: estimated variance and improvement.
  double v_inverse = 0;
  double sum = 0;  // sum of g(phi_j) * (s_j - E)
  for (const Game& game : games) {
    const double mu_j = (game.opponent_rating - 1500.0) / kScale;
    const double phi_j = game.opponent_deviation / kScale;
    const double g = G(phi_j);
    const double e = E(mu, mu_j, phi_j);
    v_inverse += g * g * e * (1.0 - e);
    sum += g * (game.score - e);
  }
  if (!(v_inverse > 0) || !std::isfinite(v_inverse) || !std::isfinite(sum)) {
    // Opponents so far apart that the games carry no information (E is 0 or
    // 1 in double precision): rate the period as one without games rather
    // than divide by zero.
    return Update(player, {}, tau, epsilon, details);
  }
  const double v = 1.0 / v_inverse;
  const double delta = v * sum;

  // Step 5: the new volatility, by the Illinois algorithm.
  const double a = std::log(sigma * sigma);
  const double phi2 = phi * phi;
  auto f = [&](double x) {
    const double ex = std::exp(x);
    const double d = phi2 + v + ex;
    return ex * (delta * delta - phi2 - v - ex) / (2.0 * d * d) -
           (x - a) / (tau * tau);
  };
  double big_a = a;
  double big_b;
  if (delta * delta > phi2 + v) {
    big_b = std::log(delta * delta - phi2 - v);
  } else {
    int k = 1;
    while (f(a - k * tau) < 0 && k < kMaxIterations) ++k;
    big_b = a - k * tau;
  }
  double f_a = f(big_a);
  double f_b = f(big_b);
  int iterations = 0;
  while (std::fabs(big_b - big_a) > epsilon && iterations < kMaxIterations) {
    ++iterations;
    const double big_c = big_a + (big_a - big_b) * f_a / (f_b - f_a);
    const double f_c = f(big_c);
    if (f_c * f_b <= 0) {
      big_a = big_b;
      f_a = f_b;
    } else {
      f_a /= 2.0;
    }
    big_b = big_c;
    f_b = f_c;
  }
  const double sigma_new = std::exp(big_a / 2.0);

  // Steps 6 to 8: new deviation and rating, back to the Glicko scale.
  const double phi_star = std::sqrt(phi2 + sigma_new * sigma_new);
  const double phi_new = 1.0 / std::sqrt(1.0 / (phi_star * phi_star) + 1.0 / v);
  const double mu_new = mu + phi_new * phi_new * sum;
  if (details != nullptr) {
    details->v = v;
    details->delta = delta;
    details->iterations = iterations;
  }
  return Rating{kScale * mu_new + 1500.0, kScale * phi_new, sigma_new};
}

Rating AfterInactivity(const Rating& player, int64_t periods,
                       double max_deviation) {
  if (periods <= 0) return player;
  const double phi = player.deviation / kScale;
  const double sigma = player.volatility;
  const double grown =
      std::sqrt(phi * phi + static_cast<double>(periods) * sigma * sigma) *
      kScale;
  Rating out = player;
  out.deviation = std::min(grown, std::max(player.deviation, max_deviation));
  return out;
}

namespace {

constexpr char kDeviation[] = "deviation";
constexpr char kVolatility[] = "volatility";
constexpr char kRatedAt[] = "rated_at";

class Glicko2Scorer : public Scorer {
 public:
  Glicko2Scorer(const Rating& initial, double tau, double rating_period)
      : initial_(initial), tau_(tau), rating_period_(rating_period) {}

  // Storage order: append new names, never reorder (scorer.h).
  std::vector<std::string> AuxNames() const override {
    return {kDeviation, kVolatility, kRatedAt};
  }

  std::vector<std::string> PlayersToRead(
      const v1::GameEvent& event) const override {
    return plugins::MatchPlayerIds(event);
  }

  absl::StatusOr<std::vector<ScoreChange>> Score(
      const v1::GameEvent& event,
      const absl::flat_hash_map<std::string, ScorerState>& current)
      const override {
    std::vector<ScoreChange> changes;
    if (!event.has_match_completed()) return changes;
    const auto& match = event.match_completed();
    absl::StatusOr<std::vector<plugins::MatchSide>> sides =
        plugins::MatchSides(match);
    if (!sides.ok()) return sides.status();

    const double now = plugins::EventSeconds(event);
    std::vector<Rating> before(match.participants_size(), initial_);
    std::vector<double> rated_at(match.participants_size(), now);
    for (int i = 0; i < match.participants_size(); ++i) {
      auto it = current.find(match.participants(i).player_id());
      if (it == current.end()) continue;
      before[i].rating = it->second.score;
      auto dev = it->second.aux.find(kDeviation);
      if (dev != it->second.aux.end()) before[i].deviation = dev->second;
      auto vol = it->second.aux.find(kVolatility);
      if (vol != it->second.aux.end()) before[i].volatility = vol->second;
      auto last = it->second.aux.find(kRatedAt);
      if (rating_period_ > 0 && last != it->second.aux.end()) {
        before[i] = AfterInactivity(
            before[i],
            plugins::PeriodsSatOut(last->second, now, rating_period_),
            initial_.deviation);
        // A late older event does not move the last match back in time.
        rated_at[i] = std::max(now, last->second);
      }
    }
    for (const plugins::MatchSide& side : *sides) {
      for (int i : side.participants) {
        std::vector<Game> games;
        for (const plugins::MatchSide& other : *sides) {
          if (&other == &side) continue;
          const double score = plugins::PairScore(side, other);
          for (int j : other.participants) {
            games.push_back(Game{before[j].rating, before[j].deviation, score});
          }
        }
        const Rating after = Update(before[i], games, tau_);
        // Extreme stored values (a rating near the largest double) must not
        // turn into infinity or NaN on the board.
        for (double value : {after.rating, after.deviation, after.volatility}) {
          absl::Status finite =
              plugins::CheckFinite(absl::StrCat("match_completed.participants[",
                                                i, "]: the new rating"),
                                   value);
          if (!finite.ok()) return finite;
        }
        ScoreChange change;
        change.player_id = match.participants(i).player_id();
        change.state.score = after.rating;
        change.state.aux[kDeviation] = after.deviation;
        change.state.aux[kVolatility] = after.volatility;
        if (rating_period_ > 0) change.state.aux[kRatedAt] = rated_at[i];
        changes.push_back(std::move(change));
      }
    }
    return changes;
  }

  // Season soft reset: rating and deviation move toward the initial ones;
  // the volatility and the time of the last match (rated_at, for the
  // inactivity growth) stay as they were.
  std::optional<ScorerState> SoftReset(const ScorerState& previous,
                                       double fraction) const override {
    ScorerState next = previous;
    next.score = MoveToward(previous.score, initial_.rating, fraction);
    auto dev = previous.aux.find(kDeviation);
    const double deviation =
        dev == previous.aux.end() ? initial_.deviation : dev->second;
    next.aux[kDeviation] = MoveToward(deviation, initial_.deviation, fraction);
    if (!next.aux.contains(kVolatility)) {
      next.aux[kVolatility] = initial_.volatility;
    }
    return next;
  }

 private:
  Rating initial_;
  double tau_;
  double rating_period_;  // seconds; 0 = each match is its own period
};

absl::StatusOr<std::unique_ptr<Scorer>> CreateGlicko2Scorer(
    const v1::LeaderboardConfig& config) {
  v1::Glicko2Params params;
  absl::Status status = plugins::UnpackParams(config.params(), &params);
  if (!status.ok()) return status;
  Rating initial;
  if (params.has_initial_rating()) initial.rating = params.initial_rating();
  if (params.has_initial_deviation()) {
    initial.deviation = params.initial_deviation();
  }
  if (params.has_initial_volatility()) {
    initial.volatility = params.initial_volatility();
  }
  const double tau = params.has_tau() ? params.tau() : 0.5;
  status = plugins::CheckFinite("params.initial_rating", initial.rating);
  if (!status.ok()) return status;
  if (!(initial.deviation > 0 && std::isfinite(initial.deviation))) {
    return absl::InvalidArgumentError(
        absl::StrCat("params.initial_deviation must be > 0 and finite, got ",
                     initial.deviation));
  }
  if (!(initial.volatility > 0 && std::isfinite(initial.volatility))) {
    return absl::InvalidArgumentError(
        absl::StrCat("params.initial_volatility must be > 0 and finite, got ",
                     initial.volatility));
  }
  if (!(tau >= 0.2 && tau <= 1.2)) {
    return absl::InvalidArgumentError(
        absl::StrCat("params.tau must be >= 0.2 and <= 1.2, got ", tau));
  }
  absl::StatusOr<double> period = plugins::PeriodSecondsParam(
      "params.rating_period", params.has_rating_period(),
      params.rating_period());
  if (!period.ok()) return period.status();
  return std::unique_ptr<Scorer>(new Glicko2Scorer(initial, tau, *period));
}

const ScorerRegistration kGlicko2("glicko2", &CreateGlicko2Scorer);

}  // namespace
}  // namespace glicko2
}  // namespace statstracker
