#ifndef STATSTRACKER_SERVER_ANSWER_CACHE_H_
#define STATSTRACKER_SERVER_ANSWER_CACHE_H_

// A coherent, memory-bounded cache of encoded query answers, invalidated per
// game (issue 14).
//
// Coherence: every commit of a game announces itself (server/change_feed.h
// hears `PUBLISH st:changes <game>` from the commit's MULTI/EXEC) and the
// server calls Invalidate(game). An answer is stored only if no invalidation
// of its game happened between the start of the read that produced it and
// its completion, so a read that began before a commit is never cached after
// that commit's notification. While the notification subscription is down
// the server calls SetEnabled(false): nothing is served from the cache, and
// every change of state flushes it, so a notification lost meanwhile cannot
// leave a stale answer behind. `max_age` bounds the age of any answer served
// (from the start of the read that produced it), the backstop for a write
// that never notifies.
//
// Serving stale (`serve_stale_for`, off by default): an answer a commit's
// announcement outdated may still be served for that long after the
// announcement, while one read refreshes it; requests meanwhile get the old
// answer at once instead of waiting for Redis. The staleness bound is then
// the notification latency plus serve_stale_for (and never past max_age).
// A lost subscription still flushes everything.
//
// Non-blocking: Fetch never waits. A miss starts the caller's loader and
// returns; a request for a key whose load is in flight queues its callback
// on that load (coalescing: one Redis read serves them all).
//
// Locking: one std::mutex over the whole cache (see common/metrics.h on why
// std::mutex). A hit holds it for two hash lookups, an LRU splice and a
// counter increment, which should suffice at the ~100k Fetches/s issue 14
// aims at on 2 cores (an expectation: there is no cache benchmark yet).
// User callbacks (loaders, completions) are never called with it
// held, so they may call back into the cache.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/metrics.h"

namespace statstracker {

// The encoded bytes of one response message, immutable, plus a memo of its
// JSON renderings for REST. Shared as std::shared_ptr<const EncodedAnswer>.
// Thread-safe.
class EncodedAnswer {
 public:
  // Renders the protobuf bytes as JSON (e.g. one field of the message).
  using JsonRenderer = std::function<absl::StatusOr<std::string>(
      const std::string& proto_bytes)>;

  explicit EncodedAnswer(std::string proto) : proto_(std::move(proto)) {}
  EncodedAnswer(const EncodedAnswer&) = delete;
  EncodedAnswer& operator=(const EncodedAnswer&) = delete;

  // The response message, serialized.
  const std::string& proto() const { return proto_; }

  // The JSON rendering named `variant` (e.g. the route's response_body
  // field, "" for the whole message): rendered by `render` on the first call
  // for that variant, the stored string on every later one, so an answer
  // served to many REST clients is encoded once. Concurrent first calls for
  // one answer wait for each other (the render runs once). A render error is
  // returned and not stored (the next call tries again).
  absl::StatusOr<std::shared_ptr<const std::string>> Json(
      absl::string_view variant, const JsonRenderer& render) const;

  // Bytes held: the proto and every stored JSON rendering with its name.
  size_t bytes() const;

 private:
  friend class AnswerCache;
  // A cache that stores this answer counts its bytes in `*ledger`, JSON
  // renderings added later included, until the matching Uncharge(). Called
  // by AnswerCache under its lock (lock order: cache, then answer). An
  // answer stored under several keys is counted once per key.
  void Charge(std::atomic<int64_t>* ledger) const;
  void Uncharge(std::atomic<int64_t>* ledger) const;

  const std::string proto_;
  mutable std::mutex mu_;
  // Few variants per answer (one per REST route shape): a vector is enough.
  mutable std::vector<
      std::pair<std::string, std::shared_ptr<const std::string>>>
      json_ ABSL_GUARDED_BY(mu_);
  mutable size_t json_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // (ledger, number of entries that store this answer in its cache)
  mutable std::vector<std::pair<std::atomic<int64_t>*, int64_t>> charges_
      ABSL_GUARDED_BY(mu_);
};

class AnswerCache {
 public:
  struct Options {
    // Memory bound: keys, answers (proto + JSON renderings) and a fixed
    // per-entry overhead (kEntryOverhead). 0 disables caching (coalescing
    // of concurrent loads still works while enabled).
    size_t max_bytes = size_t{64} << 20;
    // An entry whose read started longer ago than this is not served, and a
    // load in flight for longer is not joined: the bound for writes that
    // never publish a notification.
    absl::Duration max_age = absl::Seconds(1);
    // How long after its game's invalidation an entry may still be served
    // while a load refreshes it; zero: never (an invalidation drops it).
    absl::Duration serve_stale_for = absl::ZeroDuration();
    // The clock (tests pin it); absl::Now when empty.
    std::function<absl::Time()> now;
  };

  using Answer = std::shared_ptr<const EncodedAnswer>;
  // Receives the answer or the load's error. May be called on any thread:
  // at once in Fetch on a hit, else on the thread that completes the load.
  using Done = std::function<void(absl::StatusOr<Answer>)>;
  // Starts reading the answer; calls `loaded` exactly once, on any thread
  // (inside the Loader too), with the answer or an error.
  using Loader = std::function<void(Done loaded)>;

  // Bookkeeping per entry beyond its key and answer bytes (list and map
  // nodes, shared_ptr control block, the entry record).
  static constexpr size_t kEntryOverhead = 160;

  // `start_enabled`: whether the cache serves and stores from the start (the
  // server enables it once its change subscription is confirmed).
  // `metrics` (optional, must outlive the cache) gets
  // statstracker_server_cache_{hits,stale_hits,misses,coalesced,evictions,
  // invalidations}_total and the gauges statstracker_server_cache_{bytes,
  // entries}.
  AnswerCache(Options options, bool start_enabled,
              MetricsRegistry* metrics = nullptr);
  // Every load's completion must have run before the cache is destroyed.
  ~AnswerCache();
  AnswerCache(const AnswerCache&) = delete;
  AnswerCache& operator=(const AnswerCache&) = delete;

  // The answer for `key` of `game` (keys are per game: the same key in two
  // games names two entries).
  //  - A stored entry of the game's current generation, read less than
  //    max_age ago: `done` is called at once with it (a hit).
  //  - With serve_stale_for, an entry its game's invalidation outdated less
  //    than serve_stale_for ago (and read less than max_age ago): `done` is
  //    called at once with it (a stale hit), and `load` is called to
  //    refresh it unless a refresh of the key is in flight already.
  //  - Else, a load of this key in flight, started after the game's last
  //    invalidation and less than max_age ago: `done` waits for its result
  //    (coalesced).
  //  - Else `load` is called (a miss); when it completes every waiting
  //    `done` gets the result, and a successful answer is stored unless the
  //    game was invalidated (or the cache flushed) since the load started.
  // Errors are delivered, never stored. While disabled every Fetch loads
  // and nothing is stored or coalesced.
  void Fetch(absl::string_view game, std::string key, const Loader& load,
             Done done);

  // A commit of `game` was announced: its entries are dropped (with
  // serve_stale_for: marked outdated, from now), and loads of it in flight
  // neither store their answer nor take new waiters (requests already
  // waiting still get their result: they arrived before the announcement).
  void Invalidate(absl::string_view game);
  // Invalidate() for every game.
  void InvalidateAll();
  // Disabled: nothing served, stored or coalesced. A change of state flushes
  // the cache (InvalidateAll).
  void SetEnabled(bool enabled);
  bool enabled() const;

  // Counts since construction, and the current size; for tests and logs.
  struct Stats {
    uint64_t hits = 0;
    uint64_t stale_hits = 0;
    uint64_t misses = 0;
    uint64_t coalesced = 0;
    uint64_t evictions = 0;
    uint64_t invalidations = 0;
    size_t bytes = 0;
    size_t entries = 0;
  };
  Stats stats() const;

 private:
  struct Flight;
  struct Entry;
  struct GameState;
  using Lru = std::list<Entry>;

  absl::Time Now() const;
  // The game's state, created (with a fresh generation) if absent.
  GameState& StateOf(absl::string_view game) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the state of `game` if it holds no entry and no load.
  void MaybeForget(absl::string_view game) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnLoaded(const std::shared_ptr<Flight>& flight,
                const absl::StatusOr<Answer>& result);
  void Store(GameState& state, const Flight& flight, const Answer& answer)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Erase(Lru::iterator entry) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Drops the game's entries, or with `keep_stale` marks them outdated;
  // detaches its loads either way.
  void InvalidateGame(GameState& state, bool keep_stale)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Starts a load of `key` for the game's current generation (a miss or a
  // refresh); the lock is released before `load` is called.
  void StartLoad(std::unique_lock<std::mutex>& lock, GameState& state,
                 absl::string_view game, std::string key, absl::Time now,
                 const Loader& load, Done done)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void InvalidateAllLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Evicts least recently used entries until the cache fits max_bytes.
  void EvictToFit() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  size_t BytesLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishSize() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Count(CounterFamily* family, uint64_t* counter)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const Options options_;

  mutable std::mutex mu_;
  bool enabled_ ABSL_GUARDED_BY(mu_);
  // Bumped by InvalidateAll and SetEnabled; a load stores only if unchanged.
  uint64_t epoch_ ABSL_GUARDED_BY(mu_) = 0;
  // Source of game generations; never reused, so a game whose state was
  // forgotten and made again cannot match an old load's generation.
  uint64_t next_generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::flat_hash_map<std::string, std::unique_ptr<GameState>> games_
      ABSL_GUARDED_BY(mu_);
  Lru lru_ ABSL_GUARDED_BY(mu_);  // most recently used first
  // Keys and per-entry overhead; answer bytes are in answer_bytes_.
  size_t entry_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  // Answer bytes of stored entries, JSON renderings added after storing
  // included (EncodedAnswer::Charge).
  std::atomic<int64_t> answer_bytes_{0};
  Stats stats_ ABSL_GUARDED_BY(mu_);

  CounterFamily* hits_metric_ = nullptr;
  CounterFamily* stale_hits_metric_ = nullptr;
  CounterFamily* misses_metric_ = nullptr;
  CounterFamily* coalesced_metric_ = nullptr;
  CounterFamily* evictions_metric_ = nullptr;
  CounterFamily* invalidations_metric_ = nullptr;
  GaugeFamily* bytes_metric_ = nullptr;
  GaugeFamily* entries_metric_ = nullptr;
};

}  // namespace statstracker

#endif  // STATSTRACKER_SERVER_ANSWER_CACHE_H_
