#include "server/answer_cache.h"

#include <algorithm>
#include <iterator>

#include "absl/time/clock.h"

namespace statstracker {

// ---- EncodedAnswer ----

absl::StatusOr<std::shared_ptr<const std::string>> EncodedAnswer::Json(
    absl::string_view variant, const JsonRenderer& render) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, json] : json_) {
    if (name == variant) return json;
  }
  // Rendered under the lock so that concurrent first requests render once.
  absl::StatusOr<std::string> rendered = render(proto_);
  if (!rendered.ok()) return rendered.status();
  auto json = std::make_shared<const std::string>(std::move(*rendered));
  const size_t added = variant.size() + json->size();
  json_.emplace_back(std::string(variant), json);
  json_bytes_ += added;
  for (const auto& [ledger, count] : charges_) {
    ledger->fetch_add(static_cast<int64_t>(added) * count);
  }
  return json;
}

size_t EncodedAnswer::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return proto_.size() + json_bytes_;
}

void EncodedAnswer::Charge(std::atomic<int64_t>* ledger) const {
  std::lock_guard<std::mutex> lock(mu_);
  ledger->fetch_add(static_cast<int64_t>(proto_.size() + json_bytes_));
  for (auto& [charged, count] : charges_) {
    if (charged == ledger) {
      ++count;
      return;
    }
  }
  charges_.emplace_back(ledger, 1);
}

void EncodedAnswer::Uncharge(std::atomic<int64_t>* ledger) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = charges_.begin(); it != charges_.end(); ++it) {
    if (it->first != ledger) continue;
    ledger->fetch_sub(static_cast<int64_t>(proto_.size() + json_bytes_));
    if (--it->second == 0) charges_.erase(it);
    return;
  }
}

// ---- AnswerCache ----

// One load in flight, shared by the requests that wait for it.
struct AnswerCache::Flight {
  std::string game;
  std::string key;
  uint64_t generation = 0;  // the game's generation when the load started
  uint64_t epoch = 0;       // the cache's epoch when the load started
  absl::Time started;
  std::vector<Done> waiters;
};

struct AnswerCache::Entry {
  std::string game;
  std::string key;
  Answer answer;
  absl::Time read_at;      // when the load that produced it started
  size_t entry_bytes = 0;  // key, game and overhead; the answer is charged
  // When its game's invalidation outdated it (serve_stale_for only).
  absl::Time outdated_at = absl::InfiniteFuture();
};

struct AnswerCache::GameState {
  uint64_t generation = 0;
  absl::flat_hash_map<std::string, Lru::iterator> entries;
  // Loads requests may still join; a load leaves this map when it
  // completes, when the game is invalidated, or when it grows too old.
  absl::flat_hash_map<std::string, std::shared_ptr<Flight>> flights;
};

AnswerCache::AnswerCache(Options options, bool start_enabled,
                         MetricsRegistry* metrics)
    : options_(std::move(options)), enabled_(start_enabled) {
  if (metrics == nullptr) return;
  hits_metric_ =
      metrics->AddCounter("statstracker_server_cache_hits_total",
                          "Query answers served from the answer cache.", {});
  stale_hits_metric_ = metrics->AddCounter(
      "statstracker_server_cache_stale_hits_total",
      "Query answers served from the answer cache after a commit outdated "
      "them, within serve_stale_for, while a read refreshed them.",
      {});
  misses_metric_ = metrics->AddCounter(
      "statstracker_server_cache_misses_total",
      "Query answers read from Redis (not cached, expired, or cache "
      "disabled).",
      {});
  coalesced_metric_ = metrics->AddCounter(
      "statstracker_server_cache_coalesced_total",
      "Requests that waited for a read of the same answer already in flight.",
      {});
  evictions_metric_ = metrics->AddCounter(
      "statstracker_server_cache_evictions_total",
      "Cached answers evicted to stay within the memory bound.", {});
  invalidations_metric_ = metrics->AddCounter(
      "statstracker_server_cache_invalidations_total",
      "Change notifications and flushes applied to the answer cache.", {});
  bytes_metric_ = metrics->AddGauge(
      "statstracker_server_cache_bytes",
      "Bytes held by the answer cache (keys, answers, JSON, overhead).", {});
  entries_metric_ = metrics->AddGauge("statstracker_server_cache_entries",
                                      "Answers in the answer cache.", {});
  // Every series shows from the start, at 0.
  for (CounterFamily* counter :
       {hits_metric_, stale_hits_metric_, misses_metric_, coalesced_metric_,
        evictions_metric_, invalidations_metric_}) {
    counter->Increment({}, 0);
  }
  std::lock_guard<std::mutex> lock(mu_);
  PublishSize();
}

AnswerCache::~AnswerCache() {
  std::lock_guard<std::mutex> lock(mu_);
  // Stored answers may outlive the cache (held by responses being written):
  // stop them counting into this cache's ledger.
  for (Entry& entry : lru_) entry.answer->Uncharge(&answer_bytes_);
}

absl::Time AnswerCache::Now() const {
  return options_.now ? options_.now() : absl::Now();
}

void AnswerCache::Fetch(absl::string_view game, std::string key,
                        const Loader& load, Done done) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!enabled_) {
    Count(misses_metric_, &stats_.misses);
    lock.unlock();
    load(std::move(done));
    return;
  }
  EvictToFit();  // JSON renderings may have grown the stored answers
  const absl::Time now = Now();
  GameState& state = StateOf(game);
  if (auto found = state.entries.find(key); found != state.entries.end()) {
    Lru::iterator entry = found->second;
    const bool young = now - entry->read_at <= options_.max_age;
    if (young && entry->outdated_at == absl::InfiniteFuture()) {
      Count(hits_metric_, &stats_.hits);
      lru_.splice(lru_.begin(), lru_, entry);
      Answer answer = entry->answer;
      lock.unlock();
      done(std::move(answer));
      return;
    }
    if (young && now - entry->outdated_at <= options_.serve_stale_for) {
      // Outdated but within the window: answer with it now, and refresh it
      // once (the refresh replaces it when it completes).
      Count(stale_hits_metric_, &stats_.stale_hits);
      lru_.splice(lru_.begin(), lru_, entry);
      Answer answer = entry->answer;
      const auto flight = state.flights.find(key);
      if (flight == state.flights.end() ||
          now - flight->second->started > options_.max_age) {
        StartLoad(lock, state, game, std::move(key), now, load, nullptr);
      } else {
        lock.unlock();
      }
      done(std::move(answer));
      return;
    }
    Erase(entry);  // too old to serve
    PublishSize();
  }
  std::shared_ptr<Flight>& slot = state.flights[key];
  if (slot != nullptr && now - slot->started <= options_.max_age) {
    Count(coalesced_metric_, &stats_.coalesced);
    slot->waiters.push_back(std::move(done));
    return;
  }
  StartLoad(lock, state, game, std::move(key), now, load, std::move(done));
}

void AnswerCache::StartLoad(std::unique_lock<std::mutex>& lock,
                            GameState& state, absl::string_view game,
                            std::string key, absl::Time now, const Loader& load,
                            Done done) {
  // One too old to join (if any) is detached and runs on for the requests
  // already waiting for it.
  auto flight = std::make_shared<Flight>();
  flight->game = std::string(game);
  flight->key = std::move(key);
  flight->generation = state.generation;
  flight->epoch = epoch_;
  flight->started = now;
  if (done) flight->waiters.push_back(std::move(done));
  state.flights[flight->key] = flight;
  Count(misses_metric_, &stats_.misses);
  lock.unlock();
  load([this, flight](const absl::StatusOr<Answer>& result) {
    OnLoaded(flight, result);
  });
}

void AnswerCache::OnLoaded(const std::shared_ptr<Flight>& flight,
                           const absl::StatusOr<Answer>& result) {
  std::vector<Done> waiters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto game = games_.find(flight->game);
    // Absent: the game was invalidated (or the cache flushed) and had
    // nothing left, so this load is detached and its answer outdated.
    if (game != games_.end()) {
      GameState& state = *game->second;
      auto slot = state.flights.find(flight->key);
      if (slot != state.flights.end() && slot->second == flight) {
        state.flights.erase(slot);
      }
      // The fill race: store only if no invalidation happened since the
      // load started, so an answer read before a commit is never cached
      // after the commit's notification.
      if (result.ok() && *result != nullptr && enabled_ &&
          flight->epoch == epoch_ && flight->generation == state.generation) {
        Store(state, *flight, *result);
      }
      MaybeForget(flight->game);
    }
    waiters.swap(flight->waiters);
  }
  for (Done& done : waiters) done(result);
}

void AnswerCache::Store(GameState& state, const Flight& flight,
                        const Answer& answer) {
  const size_t entry_bytes =
      flight.key.size() + flight.game.size() + kEntryOverhead;
  if (entry_bytes + answer->bytes() > options_.max_bytes) return;
  if (auto found = state.entries.find(flight.key);
      found != state.entries.end()) {
    // Keep a newer read (a load that replaced an old one finished first).
    if (found->second->read_at > flight.started) return;
    Erase(found->second);
  }
  lru_.push_front(
      Entry{flight.game, flight.key, answer, flight.started, entry_bytes});
  state.entries[flight.key] = lru_.begin();
  entry_bytes_ += entry_bytes;
  answer->Charge(&answer_bytes_);
  EvictToFit();
  PublishSize();
}

void AnswerCache::Erase(Lru::iterator entry) {
  auto game = games_.find(entry->game);
  if (game != games_.end()) game->second->entries.erase(entry->key);
  entry_bytes_ -= entry->entry_bytes;
  entry->answer->Uncharge(&answer_bytes_);
  lru_.erase(entry);
}

void AnswerCache::EvictToFit() {
  bool evicted = false;
  while (!lru_.empty() && BytesLocked() > options_.max_bytes) {
    const std::string game = lru_.back().game;
    Erase(std::prev(lru_.end()));
    Count(evictions_metric_, &stats_.evictions);
    MaybeForget(game);
    evicted = true;
  }
  if (evicted) PublishSize();
}

void AnswerCache::Invalidate(absl::string_view game) {
  std::lock_guard<std::mutex> lock(mu_);
  Count(invalidations_metric_, &stats_.invalidations);
  auto found = games_.find(game);
  // A game without state has nothing cached and no load to detach.
  if (found == games_.end()) return;
  InvalidateGame(
      *found->second,
      /*keep_stale=*/options_.serve_stale_for > absl::ZeroDuration());
  MaybeForget(game);
  PublishSize();
}

void AnswerCache::InvalidateGame(GameState& state, bool keep_stale) {
  if (keep_stale) {
    const absl::Time now = Now();
    for (auto& [key, entry] : state.entries) {
      // The window runs from the first announcement after the read.
      entry->outdated_at = std::min(entry->outdated_at, now);
    }
  } else {
    for (auto& [key, entry] : state.entries) {
      entry_bytes_ -= entry->entry_bytes;
      entry->answer->Uncharge(&answer_bytes_);
      lru_.erase(entry);
    }
    state.entries.clear();
  }
  state.flights.clear();  // detached: no new waiters, their answer unstored
  state.generation = ++next_generation_;
}

void AnswerCache::InvalidateAll() {
  std::lock_guard<std::mutex> lock(mu_);
  InvalidateAllLocked();
}

void AnswerCache::InvalidateAllLocked() {
  Count(invalidations_metric_, &stats_.invalidations);
  // No stale answers here: a flush follows a lost subscription, whose
  // missed announcements have no time to count a window from.
  for (auto& [game, state] : games_) InvalidateGame(*state, false);
  games_.clear();  // every state is empty now
  ++epoch_;
  PublishSize();
}

void AnswerCache::SetEnabled(bool enabled) {
  std::lock_guard<std::mutex> lock(mu_);
  if (enabled == enabled_) return;
  enabled_ = enabled;
  InvalidateAllLocked();
}

bool AnswerCache::enabled() const {
  std::lock_guard<std::mutex> lock(mu_);
  return enabled_;
}

AnswerCache::Stats AnswerCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  Stats out = stats_;
  out.bytes = BytesLocked();
  out.entries = lru_.size();
  return out;
}

AnswerCache::GameState& AnswerCache::StateOf(absl::string_view game) {
  std::unique_ptr<GameState>& state = games_[game];
  if (state == nullptr) {
    state = std::make_unique<GameState>();
    state->generation = ++next_generation_;
  }
  return *state;
}

void AnswerCache::MaybeForget(absl::string_view game) {
  auto found = games_.find(game);
  if (found == games_.end()) return;
  if (found->second->entries.empty() && found->second->flights.empty()) {
    games_.erase(found);
  }
}

size_t AnswerCache::BytesLocked() const {
  const int64_t answers = answer_bytes_.load();
  return entry_bytes_ + static_cast<size_t>(std::max<int64_t>(answers, 0));
}

void AnswerCache::PublishSize() {
  if (bytes_metric_ == nullptr) return;
  bytes_metric_->Set({}, static_cast<double>(BytesLocked()));
  entries_metric_->Set({}, static_cast<double>(lru_.size()));
}

void AnswerCache::Count(CounterFamily* family, uint64_t* counter) {
  ++*counter;
  if (family != nullptr) family->Increment({});
}

}  // namespace statstracker
