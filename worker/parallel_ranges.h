#ifndef STATSTRACKER_WORKER_PARALLEL_RANGES_H_
#define STATSTRACKER_WORKER_PARALLEL_RANGES_H_

// Pure per-item work (decoding and validating a read's entries) spread over
// the machine's cores. While the worker decodes, Redis waits for its next
// command, so its core is free: using it shortens the stage in which Redis
// sits idle. One process-wide pool of (cores - 1) threads; the calling thread
// takes parts too, so a call never waits for a part nobody started.

#include <cstddef>
#include <functional>

namespace statstracker {
namespace worker {

// Runs fn(begin, end) over consecutive ranges covering [0, n), each of at
// least `min_per_part` items (one range when n is smaller than two of
// them), in parallel; returns when all are done. `fn` must be safe to run
// concurrently on disjoint ranges.
void ParallelRanges(size_t n, size_t min_per_part,
                    const std::function<void(size_t, size_t)>& fn);

}  // namespace worker
}  // namespace statstracker

#endif  // STATSTRACKER_WORKER_PARALLEL_RANGES_H_
