#ifndef STATSTRACKER_WORKER_BATCH_OVERLAP_H_
#define STATSTRACKER_WORKER_BATCH_OVERLAP_H_

// Overlapping a game's consecutive transactions (worker/game_batch.h).
// Batch N+1's WATCH and reads go in the pipeline of batch N's commit; while
// Redis runs them, the worker computes N+1 on what N is about to write
// (PredictReads, then ApplyEvents). When N+1's reads arrive, that result is
// kept only if what was read equals what was assumed (InputsOf on both):
// ApplyEvents is a function of the events and these inputs alone, so the
// kept result is the one the reads would have given, and the EXEC is
// guarded by the WATCH sent before the reads as always. Anything else
// (another writer, a guess about dedup state that was wrong, N aborted)
// means N+1 is computed again from its reads: a lost overlap, never a
// different result.

#include <optional>
#include <string>
#include <vector>

#include "plugins/scorer.h"
#include "plugins/stats_handler.h"
#include "worker/batch_stages.h"
#include "worker/dedup.h"
#include "worker/stream_entry.h"

namespace statstracker {
namespace worker {

// Everything ApplyEvents takes from an attempt's reads, in plan order.
struct ReadInputs {
  std::optional<StreamId> cursor;
  std::vector<std::optional<ProducerState>> producers;  // per producer_ids
  std::vector<bool> seen;                               // per unsequenced_ids
  std::vector<std::optional<ScorerState>> states;       // per slot, per player
  std::vector<StatMap> stats;                           // per stat_players
};

// The inputs of `a` (read, or predicted, and not yet applied).
ReadInputs InputsOf(const Attempt& a);

// Exact equality (scores and stat values compared bit for bit).
bool SameInputs(const ReadInputs& x, const ReadInputs& y);

// Fills `next` (planned, not read) with what its reads will return if the
// chain's transactions before it commit and nobody else writes in between:
// `done` holds them newest first (after ApplyEvents), the newest ending at
// entry `done_last`. Each state, stats and producer state comes from the
// newest that holds it; the cursor is the one the newest writes; an id is
// seen when one of them read it as seen or applied it (other ids: not
// seen). False when `next` needs a board period, player, stats or producer
// none of them held; then it waits for its reads.
bool PredictReads(const std::vector<const Attempt*>& done,
                  const StreamId& done_last, Attempt* next);

// Gives `predicted` (planned like `read`, same entries and clock) the board
// snapshots of `read`, which the write stage needs.
void TakeSnapshots(Attempt* read, Attempt* predicted);

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_BATCH_OVERLAP_H_
