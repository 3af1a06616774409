// The TrueSkill factor graph for one match (see trueskill.h). Variables and
// factors, with teams sorted by rank (t = 0 finished best) and the players of
// all teams numbered together (i):
//
//   skill_i      prior N(mu_i, sigma_i^2 + tau^2)
//     | likelihood: perf_i = skill_i + noise, noise ~ N(0, beta^2)
//   perf_i
//     | team sum: team_t = sum of perf_i over the team's players
//   team_t
//     | difference: diff_k = team_k - team_{k+1}, k = 0 .. teams - 2
//   diff_k
//     | truncation: diff_k > epsilon (team k won) or |diff_k| <= epsilon (drew)
//
// Every message is a Gaussian kept in natural parameters. A variable's
// marginal is the product of the messages its factors send it; a factor's
// message to one variable uses the other variables' marginals without this
// factor's own messages (the "cavity"), computed here as products of the
// other messages, so no message is ever divided out of a marginal.

#include "plugins/scorers/trueskill.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "absl/strings/str_cat.h"

namespace statstracker {
namespace trueskill {
namespace {

constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))
// The reference schedule: passes over the difference/truncation layer until
// no message moves by more than 1e-4, at most 10 of them (Lee's trueskill;
// Moser's Skills stops at the same 1e-4 and allows up to 100 passes).
constexpr int kMaxIterations = 10;
constexpr double kMinDelta = 1e-4;
// Below this, Phi(x) and phi(x) approach underflow and the tails come from
// the asymptotic series of the Mills ratio instead.
constexpr double kTailStart = -30.0;

// A Gaussian density in natural parameters: pi = 1 / variance (precision)
// and tau = mean * pi. Multiplying densities adds them; pi == 0 is the
// uniform "no information yet" message.
struct Gaussian {
  double pi = 0;
  double tau = 0;

  static Gaussian FromMeanVariance(double mean, double variance) {
    return Gaussian{1.0 / variance, mean / variance};
  }
  double Mean() const { return tau / pi; }
  double Variance() const { return 1.0 / pi; }
};

Gaussian operator*(const Gaussian& a, const Gaussian& b) {
  return Gaussian{a.pi + b.pi, a.tau + b.tau};
}

// The change between two versions of a message, as the reference
// implementations measure it for the convergence test.
double Change(const Gaussian& before, const Gaussian& after) {
  return std::max(std::fabs(after.tau - before.tau),
                  std::sqrt(std::fabs(after.pi - before.pi)));
}

// The message of a linear factor y = sum c_j x_j to y, from the x_j
// messages: mean sum c_j m_j, variance sum c_j^2 v_j. Uniform while any
// input is still uniform (an unknown term leaves the sum unknown).
Gaussian LinearMessage(const std::vector<std::pair<double, Gaussian>>& terms) {
  double mean = 0;
  double variance = 0;
  for (const auto& [coefficient, g] : terms) {
    if (!(g.pi > 0)) return Gaussian{};
    mean += coefficient * g.Mean();
    variance += coefficient * coefficient * g.Variance();
  }
  return Gaussian::FromMeanVariance(mean, variance);
}

// A message with `extra` added to its variance (the likelihood factor).
Gaussian WithAddedVariance(const Gaussian& g, double extra) {
  if (!(g.pi > 0)) return Gaussian{};
  const double a = 1.0 / (1.0 + extra * g.pi);
  return Gaussian{a * g.pi, a * g.tau};
}

double NormalPdf(double x) { return std::exp(-0.5 * x * x - kLogSqrt2Pi); }

// For the far left tail (x < kTailStart, z = -x): phi(x) / Phi(x) is z plus
// delta, the reciprocal of the Mills ratio minus z, from its asymptotic
// series delta = 1/z - 2/z^3 + 10/z^5 - 74/z^7 (relative error below 1e-9
// at z = 30, checked against the continued fraction of the Mills ratio).
double TailDelta(double z) {
  const double z2 = z * z;
  return (1.0 - (2.0 - (10.0 - 74.0 / z2) / z2) / z2) / z;
}

// phi(x) / Phi(x), the mean shift of a standard normal truncated below at
// x, accurate where Phi(x) would underflow.
double PdfOverCdf(double x) {
  if (x > kTailStart) return NormalPdf(x) / NormalCdf(x);
  return -x + TailDelta(-x);
}

// log Phi(x), continued into the far left tail with the same series.
double LogCdf(double x) {
  if (x > kTailStart) return std::log(NormalCdf(x));
  return -0.5 * x * x - kLogSqrt2Pi - std::log(PdfOverCdf(x));
}

// The moments of a standard-normal-scaled difference t (the cavity's mean
// over its standard deviation) truncated to (epsilon, inf) for a win or to
// [-epsilon, epsilon] for a draw: the new mean is t + v and the new variance
// 1 - w, in units of the cavity's standard deviation (Herbrich et al.,
// table 1, the functions v and w). 1 - w is kept as such because far in the
// tail w is within 1e-12 of 1.
struct Truncation {
  double v = 0;
  double one_minus_w = 1;
};

Truncation WinTruncation(double t, double epsilon) {
  const double x = t - epsilon;
  if (x > kTailStart) {
    const double v = PdfOverCdf(x);
    return Truncation{v, 1.0 - v * (v + x)};
  }
  // w = v (v + x) = (z + delta) delta, so 1 - w has the series
  // 1/z^2 - 6/z^4 + 50/z^6 - 518/z^8 (same check as TailDelta).
  const double z = -x;
  const double z2 = z * z;
  return Truncation{z + TailDelta(z),
                    (1.0 - (6.0 - (50.0 - 518.0 / z2) / z2) / z2) / z2};
}

Truncation DrawTruncation(double t, double epsilon) {
  // Symmetric in t: work with |t| and flip the mean shift back.
  const double abs_t = std::fabs(t);
  const double a = epsilon - abs_t;   // upper bound, standardized
  const double b = -epsilon - abs_t;  // lower bound, standardized
  // With r = Phi(b) / Phi(a), everything is expressed relative to Phi(a),
  // which keeps the interval's mass finite far out in the tail.
  const double r = std::exp(LogCdf(b) - LogCdf(a));
  const double mass = 1.0 - r;  // (Phi(a) - Phi(b)) / Phi(a)
  const double pdf_a = PdfOverCdf(a);
  const double pdf_b = PdfOverCdf(b) * r;  // phi(b) / Phi(a)
  const double v = (pdf_b - pdf_a) / mass;
  const double w = v * v + (a * pdf_a - b * pdf_b) / mass;
  return Truncation{t < 0 ? -v : v, 1.0 - w};
}

// The messages of one match's factor graph and the schedule that passes
// them. Index i is a player (all teams' players numbered together), t a
// team, k a difference between teams k and k + 1.
class MatchGraph {
 public:
  MatchGraph(const std::vector<const Team*>& sorted, const Environment& env)
      : beta_squared_(env.beta * env.beta) {
    const int teams = static_cast<int>(sorted.size());
    team_start_.push_back(0);
    for (const Team* team : sorted) {
      for (const Rating& r : team->players) {
        prior_.push_back(Gaussian::FromMeanVariance(
            r.mu, r.sigma * r.sigma + env.tau * env.tau));
      }
      team_start_.push_back(static_cast<int>(prior_.size()));
    }
    const size_t players = prior_.size();
    perf_down_.resize(players);
    perf_up_.resize(players);
    skill_up_.resize(players);
    team_down_.resize(teams);
    diff_to_left_.resize(teams - 1);
    diff_to_right_.resize(teams - 1);
    diff_down_.resize(teams - 1);
    truncation_.resize(teams - 1);
    for (int k = 0; k + 1 < teams; ++k) {
      const int players_in_pair = team_start_[k + 2] - team_start_[k];
      epsilon_.push_back(
          DrawMargin(env.draw_probability, env.beta, players_in_pair));
      draw_.push_back(sorted[k]->rank == sorted[k + 1]->rank);
    }
  }

  // Runs the whole schedule: down to the differences, the difference and
  // truncation layer until it converges, and back up to the skills.
  void Run(Details* details) {
    PerformancesDown();
    TeamsDown();
    const int diffs = static_cast<int>(diff_down_.size());
    int iteration = 0;
    double delta = 0;
    while (iteration < kMaxIterations) {
      ++iteration;
      delta = 0;
      if (diffs == 1) {
        DiffDown(0);
        delta = Truncate(0);
      } else {
        // Forward then backward along the chain of differences, each
        // difference passing what it learnt on to the next team.
        for (int k = 0; k < diffs - 1; ++k) {
          DiffDown(k);
          delta = std::max(delta, Truncate(k));
          DiffUpToRight(k);
        }
        for (int k = diffs - 1; k > 0; --k) {
          DiffDown(k);
          delta = std::max(delta, Truncate(k));
          DiffUpToLeft(k);
        }
      }
      if (delta <= kMinDelta) break;
    }
    DiffUpToLeft(0);
    DiffUpToRight(diffs - 1);
    TeamsUp();
    SkillsUp();
    if (details != nullptr) {
      details->iterations = iteration;
      details->delta = delta;
    }
  }

  // Whether a truncation step left double precision (see Rate()).
  bool Failed() const { return failed_; }

  // Player i's skill after the match: prior times the match's evidence.
  Rating Posterior(int i) const {
    const Gaussian g = prior_[i] * skill_up_[i];
    return Rating{g.Mean(), std::sqrt(g.Variance())};
  }

 private:
  // Likelihood factors, down: a performance is the skill plus noise.
  void PerformancesDown() {
    for (size_t i = 0; i < prior_.size(); ++i) {
      perf_down_[i] = WithAddedVariance(prior_[i], beta_squared_);
    }
  }

  // Team sum factors, down: a team performs as the sum of its players.
  void TeamsDown() {
    for (size_t t = 0; t < team_down_.size(); ++t) {
      std::vector<std::pair<double, Gaussian>> terms;
      for (int i = team_start_[t]; i < team_start_[t + 1]; ++i) {
        terms.emplace_back(1.0, perf_down_[i]);
      }
      team_down_[t] = LinearMessage(terms);
    }
  }

  // Team t's marginal without the message of difference factor `skip`
  // (-1: without the team sum factor's message instead).
  Gaussian TeamCavity(int t, int skip) const {
    Gaussian g = skip == -1 ? Gaussian{} : team_down_[t];
    if (t > 0 && t - 1 != skip) g = g * diff_to_right_[t - 1];
    if (t < static_cast<int>(diff_to_left_.size()) && t != skip) {
      g = g * diff_to_left_[t];
    }
    return g;
  }

  // Difference factor k, down: diff_k = team_k - team_{k+1}.
  void DiffDown(int k) {
    diff_down_[k] =
        LinearMessage({{1.0, TeamCavity(k, k)}, {-1.0, TeamCavity(k + 1, k)}});
  }

  // Difference factor k, up to team k: team_k = diff_k + team_{k+1}.
  void DiffUpToLeft(int k) {
    diff_to_left_[k] =
        LinearMessage({{1.0, truncation_[k]}, {1.0, TeamCavity(k + 1, k)}});
  }

  // Difference factor k, up to team k + 1: team_{k+1} = team_k - diff_k.
  void DiffUpToRight(int k) {
    diff_to_right_[k] =
        LinearMessage({{1.0, TeamCavity(k, k)}, {-1.0, truncation_[k]}});
  }

  // Truncation factor k: replaces the difference's marginal by the moments
  // of its cavity truncated to the observed result, and keeps the quotient
  // as its message. Returns how far the marginal moved.
  double Truncate(int k) {
    const Gaussian cavity = diff_down_[k];
    if (!(cavity.pi > 0)) {
      // Only when a prior's variance overflowed to infinity.
      failed_ = true;
      return 0;
    }
    const double sqrt_pi = std::sqrt(cavity.pi);
    const double t = cavity.tau / sqrt_pi;
    const double epsilon = epsilon_[k] * sqrt_pi;
    const Truncation m =
        draw_[k] ? DrawTruncation(t, epsilon) : WinTruncation(t, epsilon);
    const double denominator = m.one_minus_w;
    if (!(denominator > 0) || !std::isfinite(m.v) ||
        !std::isfinite(denominator)) {
      // Only outside double precision (w < 1 in exact arithmetic).
      failed_ = true;
      return 0;
    }
    const Gaussian marginal{cavity.pi / denominator,
                            (cavity.tau + sqrt_pi * m.v) / denominator};
    const Gaussian before = cavity * truncation_[k];
    truncation_[k] =
        Gaussian{marginal.pi - cavity.pi, marginal.tau - cavity.tau};
    return Change(before, marginal);
  }

  // Team sum factors, up: perf_i = team_t - the other players' perf.
  void TeamsUp() {
    for (size_t t = 0; t < team_down_.size(); ++t) {
      const Gaussian team = TeamCavity(static_cast<int>(t), -1);
      for (int i = team_start_[t]; i < team_start_[t + 1]; ++i) {
        std::vector<std::pair<double, Gaussian>> terms = {{1.0, team}};
        for (int j = team_start_[t]; j < team_start_[t + 1]; ++j) {
          if (j != i) terms.emplace_back(-1.0, perf_down_[j]);
        }
        perf_up_[i] = LinearMessage(terms);
      }
    }
  }

  // Likelihood factors, up: the skill is the performance minus noise.
  void SkillsUp() {
    for (size_t i = 0; i < prior_.size(); ++i) {
      skill_up_[i] = WithAddedVariance(perf_up_[i], beta_squared_);
    }
  }

  double beta_squared_;
  bool failed_ = false;
  std::vector<int> team_start_;  // team t's players: [start[t], start[t+1])
  std::vector<double> epsilon_;  // draw margin of difference k
  std::vector<bool> draw_;       // difference k is a draw
  std::vector<Gaussian> prior_, perf_down_, perf_up_, skill_up_;
  std::vector<Gaussian> team_down_;
  std::vector<Gaussian> diff_to_left_, diff_to_right_, diff_down_;
  std::vector<Gaussian> truncation_;
};

}  // namespace

double NormalCdf(double x) { return 0.5 * std::erfc(-x / kSqrt2); }

double NormalQuantile(double p) {
  // Bisection: Phi is monotone and this runs once per match, so plain
  // halving to the last representable digit is fast enough and exact.
  double lo = -40;
  double hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (mid == lo || mid == hi) break;
    (NormalCdf(mid) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

double DrawMargin(double draw_probability, double beta, int players) {
  if (!(draw_probability > 0)) return 0;
  return NormalQuantile(0.5 * (draw_probability + 1.0)) *
         std::sqrt(static_cast<double>(players)) * beta;
}

absl::StatusOr<std::vector<std::vector<Rating>>> Rate(
    const std::vector<Team>& teams, const Environment& env, Details* details) {
  if (teams.size() < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "a TrueSkill match needs at least 2 teams, got ", teams.size()));
  }
  for (size_t t = 0; t < teams.size(); ++t) {
    if (teams[t].players.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("team ", t, " has no players"));
    }
    for (size_t p = 0; p < teams[t].players.size(); ++p) {
      const Rating& r = teams[t].players[p];
      if (!std::isfinite(r.mu) || !(r.sigma > 0) || !std::isfinite(r.sigma)) {
        return absl::InvalidArgumentError(
            absl::StrCat("team ", t, " player ", p,
                         ": mu must be finite and sigma > 0 and "
                         "finite, got mu ",
                         r.mu, " sigma ", r.sigma));
      }
    }
  }
  // The graph wants teams in finishing order; a stable sort keeps the
  // given order among teams that drew.
  std::vector<int> order(teams.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return teams[a].rank < teams[b].rank; });
  std::vector<const Team*> sorted;
  sorted.reserve(order.size());
  for (int t : order) sorted.push_back(&teams[t]);
  for (size_t k = 0; k + 1 < sorted.size(); ++k) {
    if (sorted[k]->rank == sorted[k + 1]->rank && env.draw_probability <= 0) {
      return absl::InvalidArgumentError(
          "a draw, but draw_probability is 0 (the model gives draws no "
          "chance)");
    }
  }

  MatchGraph graph(sorted, env);
  graph.Run(details);
  const absl::Status not_finite = absl::FailedPreconditionError(
      "the TrueSkill update is not finite in double precision (ratings too "
      "far apart for the result to say anything)");
  if (graph.Failed()) return not_finite;

  std::vector<std::vector<Rating>> out(teams.size());
  int i = 0;
  for (int t : order) {
    for (size_t p = 0; p < teams[t].players.size(); ++p, ++i) {
      const Rating r = graph.Posterior(i);
      if (!std::isfinite(r.mu) || !(r.sigma > 0) || !std::isfinite(r.sigma)) {
        return not_finite;
      }
      out[t].push_back(r);
    }
  }
  return out;
}

}  // namespace trueskill
}  // namespace statstracker
