#ifndef STATSTRACKER_PLUGINS_STATS_DECLARATIVE_H_
#define STATSTRACKER_PLUGINS_STATS_DECLARATIVE_H_

// Stats handler "declarative" (registered by declarative.cc): stats defined in
// the config with statstracker.v1.DeclarativeStatsParams. Per event, for each
// match participant (or the player of a score submission):
//
//  count      +1 per event. With an outcome, only matches where the
//             participant's outcome (explicit, else derived from placement,
//             see plugins::MatchOutcomes) is that outcome; score submissions
//             are counted only when the outcome is unspecified. A participant
//             whose outcome cannot be told (no outcome, no placement) counts
//             in no outcome-specific stat. Integer.
//  aggregate  "score" (Participant.score / ScoreSubmitted.score) or a key of
//             the values map; events without the key are skipped. sum, min,
//             max or last (latest processed). Integer (each value rounded
//             half away from zero) when `integer`, else double.
//  streak     consecutive wins: current (reset to 0 by a loss or a draw) or
//             best ever. Matches without a known outcome leave streaks alone.
//             Integer.
//  ratio      numerator / denominator, both stats of this handler that are
//             not ratios; computed at read time by Derive(), 0 when the
//             denominator is 0 or missing. Double, never stored.
//
// A best streak needs the current run. If the handler defines a current
// streak stat, that stored stat is used; otherwise the handler keeps a hidden
// integer stat named kStreakHelperStat, declared in Stats() (so the worker
// stores it) and removed by Derive() (so queries do not show it). That name is
// reserved, so a game can have at most one declarative handler that needs it.
//
// The first event that concerns a stat gives it a value: a loss writes wins
// = 0 and current streak = 0, so a player's stats are complete after one
// match. Values only change when they change (a max that is not beaten is not
// rewritten).
//
// Validation (factory): names 1 to 64 characters of [a-z0-9_], unique, not
// the reserved name; exactly one kind; known enum values; an aggregate field
// of "score" or a valid values key; ratios naming stored stats of this
// handler. Messages read "params.stats[2] \"win_rate\": ratio.numerator ...".

namespace statstracker {
namespace declarative {

// The hidden stat holding the current win streak when none is defined.
inline constexpr char kStreakHelperStat[] = "_streak_current";

}  // namespace declarative
}  // namespace statstracker

#endif  // STATSTRACKER_PLUGINS_STATS_DECLARATIVE_H_
