// Scorer "trueskill": TrueSkill ratings for matches between any number of
// teams of any size. Params: statstracker.v1.TrueSkillParams.
//
// Sides and their finishing order come from plugins::MatchSides, as for Elo
// and Glicko-2: participants sharing a team_id are one team, others teams of
// one; ranks by placement (equal placements drew) in free-for-all matches
// with every placement given, else by outcome (wins before draws before
// losses). trueskill::Rate() does the update. The board ranks by the
// conservative rating mu - k * sigma (ScorerState.score); aux "mu" and
// "sigma" hold the belief, and with inactivity_period set aux "rated_at"
// the event time of the player's last rated match. Season soft reset
// (PeriodConfig.soft_reset) moves mu and sigma toward the initial ones.
//
// An update that leaves double precision (trueskill::Rate's
// FAILED_PRECONDITION, only for ratings hundreds of sigmas apart) keeps
// every player's mu and grows sigma by the dynamics alone, as a match that
// says nothing would; the event is not rejected.

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "plugins/plugin_util.h"
#include "plugins/scorer.h"
#include "plugins/scorers/trueskill.h"
#include "statstracker/v1/plugin_params.pb.h"

namespace statstracker {
namespace trueskill {
namespace {

constexpr char kMu[] = "mu";
constexpr char kSigma[] = "sigma";
constexpr char kRatedAt[] = "rated_at";

struct Settings {
  Rating initial;
  Environment env;
  double conservative_k = 3;
  double inactivity_period = 0;  // seconds; 0 = off
};

class TrueSkillScorer : public Scorer {
 public:
  explicit TrueSkillScorer(const Settings& settings) : settings_(settings) {}

  // Storage order: append new names, never reorder (scorer.h).
  std::vector<std::string> AuxNames() const override {
    return {kMu, kSigma, kRatedAt};
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

    std::vector<Team> teams;
    for (const plugins::MatchSide& side : *sides) {
      Team team;
      team.rank = side.key;
      for (int i : side.participants) {
        auto it = current.find(match.participants(i).player_id());
        team.players.push_back(
            Before(it == current.end() ? nullptr : &it->second, now));
      }
      teams.push_back(std::move(team));
    }
    if (absl::Status status = CheckDraws(match, *sides); !status.ok()) {
      return status;
    }

    absl::StatusOr<std::vector<std::vector<Rating>>> after =
        Rate(teams, settings_.env);
    if (!after.ok() &&
        after.status().code() != absl::StatusCode::kFailedPrecondition) {
      return after.status();
    }
    for (size_t s = 0; s < sides->size(); ++s) {
      const std::vector<int>& members = (*sides)[s].participants;
      for (size_t p = 0; p < members.size(); ++p) {
        const std::string& player = match.participants(members[p]).player_id();
        const Rating rating =
            after.ok() ? (*after)[s][p] : WithDynamics(teams[s].players[p]);
        changes.push_back(Change(player, rating, current, now));
      }
    }
    return changes;
  }

  // Season soft reset: mu and sigma move toward the initial ones (the
  // conservative rating follows); rated_at, for the inactivity growth,
  // stays as it was.
  std::optional<ScorerState> SoftReset(const ScorerState& previous,
                                       double fraction) const override {
    const Rating stored = Stored(previous);
    const Rating next{
        MoveToward(stored.mu, settings_.initial.mu, fraction),
        MoveToward(stored.sigma, settings_.initial.sigma, fraction)};
    ScorerState state = previous;
    state.score = next.mu - settings_.conservative_k * next.sigma;
    state.aux[kMu] = next.mu;
    state.aux[kSigma] = next.sigma;
    return state;
  }

 private:
  // The belief a state holds: its mu and sigma, a new player's where they
  // are missing or unusable.
  Rating Stored(const ScorerState& state) const {
    Rating rating = settings_.initial;
    auto mu = state.aux.find(kMu);
    auto sigma = state.aux.find(kSigma);
    if (mu != state.aux.end() && std::isfinite(mu->second)) {
      rating.mu = mu->second;
    }
    if (sigma != state.aux.end() && sigma->second > 0 &&
        std::isfinite(sigma->second)) {
      rating.sigma = sigma->second;
    }
    return rating;
  }

  // The player's rating going into the match: stored, or a new player's,
  // with sigma grown for the inactivity periods sat out (when configured).
  Rating Before(const ScorerState* state, double now) const {
    if (state == nullptr) return settings_.initial;
    Rating rating = Stored(*state);
    auto rated_at = state->aux.find(kRatedAt);
    if (settings_.inactivity_period > 0 && rated_at != state->aux.end()) {
      const int64_t periods = plugins::PeriodsSatOut(
          rated_at->second, now, settings_.inactivity_period);
      rating.sigma = GrownSigma(rating.sigma, periods);
    }
    return rating;
  }

  // sigma after `periods` periods of tau each (added as variances), no
  // higher than a new player's sigma (or the current one, if higher).
  double GrownSigma(double sigma, int64_t periods) const {
    if (periods <= 0) return sigma;
    const double tau = settings_.env.tau;
    const double grown =
        std::sqrt(sigma * sigma + static_cast<double>(periods) * tau * tau);
    return std::min(grown, std::max(sigma, settings_.initial.sigma));
  }

  // A match that says nothing: only the dynamics' uncertainty is added.
  Rating WithDynamics(const Rating& r) const {
    return Rating{r.mu, std::hypot(r.sigma, settings_.env.tau)};
  }

  // Draws need a non-zero draw probability: name the drawn participants.
  absl::Status CheckDraws(const v1::MatchCompleted& match,
                          const std::vector<plugins::MatchSide>& sides) const {
    if (settings_.env.draw_probability > 0) return absl::OkStatus();
    for (size_t a = 0; a < sides.size(); ++a) {
      for (size_t b = a + 1; b < sides.size(); ++b) {
        if (sides[a].key != sides[b].key) continue;
        const int i = sides[a].participants.front();
        const int j = sides[b].participants.front();
        return absl::InvalidArgumentError(absl::StrCat(
            "match_completed.participants[", j, "] (player '",
            match.participants(j).player_id(), "') drew with participants[", i,
            "] (player '", match.participants(i).player_id(),
            "'), but this board's params.draw_probability is 0, so TrueSkill "
            "cannot rate a draw; set draw_probability > 0 or report a winner"));
      }
    }
    return absl::OkStatus();
  }

  ScoreChange Change(
      const std::string& player, const Rating& rating,
      const absl::flat_hash_map<std::string, ScorerState>& current,
      double now) const {
    ScoreChange change;
    change.player_id = player;
    change.state.score = rating.mu - settings_.conservative_k * rating.sigma;
    change.state.aux[kMu] = rating.mu;
    change.state.aux[kSigma] = rating.sigma;
    if (settings_.inactivity_period > 0) {
      // The latest match by event time: a late older event does not make
      // the player look inactive since then.
      double rated_at = now;
      auto it = current.find(player);
      if (it != current.end()) {
        auto stored = it->second.aux.find(kRatedAt);
        if (stored != it->second.aux.end()) {
          rated_at = std::max(rated_at, stored->second);
        }
      }
      change.state.aux[kRatedAt] = rated_at;
    }
    return change;
  }

  Settings settings_;
};

// INVALID_ARGUMENT "params.<field> must be <range>, got <value>" unless ok.
absl::Status CheckParam(bool ok, const char* field, const char* range,
                        double value) {
  if (ok) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("params.", field, " must be ", range, ", got ", value));
}

absl::StatusOr<std::unique_ptr<Scorer>> CreateTrueSkillScorer(
    const v1::LeaderboardConfig& config) {
  v1::TrueSkillParams params;
  absl::Status status = plugins::UnpackParams(config.params(), &params);
  if (!status.ok()) return status;
  Settings s;
  if (params.has_initial_mu()) s.initial.mu = params.initial_mu();
  if (params.has_initial_sigma()) s.initial.sigma = params.initial_sigma();
  if (params.has_beta()) s.env.beta = params.beta();
  if (params.has_tau()) s.env.tau = params.tau();
  if (params.has_draw_probability()) {
    s.env.draw_probability = params.draw_probability();
  }
  if (params.has_conservative_k()) s.conservative_k = params.conservative_k();
  // The comparisons are written so that NaN fails every one of them.
  for (const absl::Status& check : {
           CheckParam(std::isfinite(s.initial.mu), "initial_mu", "finite",
                      s.initial.mu),
           CheckParam(s.initial.sigma > 0 && std::isfinite(s.initial.sigma),
                      "initial_sigma", "> 0 and finite", s.initial.sigma),
           CheckParam(s.env.beta > 0 && std::isfinite(s.env.beta), "beta",
                      "> 0 and finite", s.env.beta),
           CheckParam(s.env.tau >= 0 && std::isfinite(s.env.tau), "tau",
                      ">= 0 and finite", s.env.tau),
           CheckParam(s.env.draw_probability >= 0 && s.env.draw_probability < 1,
                      "draw_probability", ">= 0 and < 1",
                      s.env.draw_probability),
           CheckParam(s.conservative_k >= 0 && s.conservative_k <= 10,
                      "conservative_k", ">= 0 and <= 10", s.conservative_k),
       }) {
    if (!check.ok()) return check;
  }
  absl::StatusOr<double> period = plugins::PeriodSecondsParam(
      "params.inactivity_period", params.has_inactivity_period(),
      params.inactivity_period());
  if (!period.ok()) return period.status();
  s.inactivity_period = *period;
  return std::unique_ptr<Scorer>(new TrueSkillScorer(s));
}

const ScorerRegistration kTrueSkill("trueskill", &CreateTrueSkillScorer);

}  // namespace
}  // namespace trueskill
}  // namespace statstracker
