#include "server/answer_cache.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/metrics.h"
#include "gtest/gtest.h"
#include "server/answer_cache_testing.h"

namespace statstracker {
namespace {

using Answer = AnswerCache::Answer;

using testing::MakeAnswer;
using testing::PendingLoads;
using testing::Received;

// A loader that answers at once with `proto` and counts its calls.
AnswerCache::Loader Immediate(std::string proto, int* calls) {
  return [proto = std::move(proto), calls](const AnswerCache::Done& loaded) {
    ++*calls;
    loaded(MakeAnswer(proto));
  };
}

std::string FetchNow(AnswerCache& cache, absl::string_view game,
                     const std::string& key, const std::string& proto,
                     int* loads) {
  Received got;
  cache.Fetch(game, key, Immediate(proto, loads), got.Done());
  EXPECT_EQ(got.calls, 1);
  return got.Proto();
}

TEST(AnswerCacheTest, MissLoadsThenHitServesTheStoredAnswer) {
  AnswerCache cache({}, /*start_enabled=*/true);
  int loads = 0;
  EXPECT_EQ(FetchNow(cache, "g", "top", "v1", &loads), "v1");
  EXPECT_EQ(FetchNow(cache, "g", "top", "v2", &loads), "v1");
  EXPECT_EQ(loads, 1);
  // The same key in another game is another entry.
  EXPECT_EQ(FetchNow(cache, "h", "top", "h1", &loads), "h1");
  EXPECT_EQ(loads, 2);
  AnswerCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.entries, 2u);
  EXPECT_GT(stats.bytes, 2 * AnswerCache::kEntryOverhead);
}

TEST(AnswerCacheTest, ConcurrentRequestsShareOneLoad) {
  AnswerCache cache({}, true);
  PendingLoads loads;
  Received a, b;
  cache.Fetch("g", "top", loads.Loader(), a.Done());
  cache.Fetch("g", "top", loads.Loader(), b.Done());
  EXPECT_EQ(loads.Started(), 1u);
  EXPECT_EQ(a.calls, 0);
  loads.Complete(MakeAnswer("v1"));
  EXPECT_EQ(a.Proto(), "v1");
  EXPECT_EQ(b.Proto(), "v1");
  EXPECT_EQ(*a.result, *b.result);  // the same shared answer
  EXPECT_EQ(cache.stats().coalesced, 1u);
  EXPECT_EQ(cache.stats().misses, 1u);
}

TEST(AnswerCacheTest, LoadStartedBeforeAnInvalidationIsNotStored) {
  AnswerCache cache({}, true);
  PendingLoads loads;
  Received before, after;
  cache.Fetch("g", "top", loads.Loader(), before.Done());
  cache.Invalidate("g");  // a commit announced while the read runs
  // A request after the announcement does not join the old read.
  cache.Fetch("g", "top", loads.Loader(), after.Done());
  EXPECT_EQ(loads.Started(), 2u);
  loads.Complete(MakeAnswer("old"));
  EXPECT_EQ(before.Proto(), "old");  // it asked before the announcement
  EXPECT_EQ(after.calls, 0);
  EXPECT_EQ(cache.stats().entries, 0u);  // not stored
  loads.Complete(MakeAnswer("new"));
  EXPECT_EQ(after.Proto(), "new");
  int more = 0;
  EXPECT_EQ(FetchNow(cache, "g", "top", "unused", &more), "new");
  EXPECT_EQ(more, 0);
}

TEST(AnswerCacheTest, InvalidatedEntryIsLoadedAgain) {
  AnswerCache cache({}, true);
  int loads = 0;
  EXPECT_EQ(FetchNow(cache, "g", "top", "v1", &loads), "v1");
  cache.Invalidate("g");
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(FetchNow(cache, "g", "top", "v2", &loads), "v2");
  EXPECT_EQ(loads, 2);
}

TEST(AnswerCacheTest, InvalidatingOneGameKeepsTheOthers) {
  AnswerCache cache({}, true);
  int loads = 0;
  FetchNow(cache, "a", "top", "a1", &loads);
  FetchNow(cache, "b", "top", "b1", &loads);
  cache.Invalidate("a");
  cache.Invalidate("no_such_game");
  EXPECT_EQ(FetchNow(cache, "b", "top", "b2", &loads), "b1");
  EXPECT_EQ(FetchNow(cache, "a", "top", "a2", &loads), "a2");
  EXPECT_EQ(loads, 3);
  EXPECT_EQ(cache.stats().invalidations, 2u);
}

TEST(AnswerCacheTest, InvalidateAllDropsEveryGame) {
  AnswerCache cache({}, true);
  int loads = 0;
  FetchNow(cache, "a", "top", "a1", &loads);
  FetchNow(cache, "b", "top", "b1", &loads);
  cache.InvalidateAll();
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(cache.stats().bytes, 0u);
  EXPECT_EQ(FetchNow(cache, "a", "top", "a2", &loads), "a2");
  EXPECT_EQ(FetchNow(cache, "b", "top", "b2", &loads), "b2");
}

TEST(AnswerCacheTest, EntriesOlderThanMaxAgeAreNotServed) {
  absl::Time now = absl::FromUnixSeconds(1000);
  AnswerCache::Options options;
  options.max_age = absl::Seconds(1);
  options.now = [&now] { return now; };
  AnswerCache cache(options, true);
  int loads = 0;
  EXPECT_EQ(FetchNow(cache, "g", "top", "v1", &loads), "v1");
  now += absl::Milliseconds(1000);
  EXPECT_EQ(FetchNow(cache, "g", "top", "v2", &loads), "v1");  // exactly 1 s
  now += absl::Milliseconds(1);
  EXPECT_EQ(FetchNow(cache, "g", "top", "v3", &loads), "v3");
  EXPECT_EQ(loads, 2);
  // Age counts from the start of the read, not from its completion.
  PendingLoads pending;
  Received first, joined, late;
  now += absl::Seconds(5);
  cache.Fetch("g", "slow", pending.Loader(), first.Done());
  now += absl::Milliseconds(600);
  cache.Fetch("g", "slow", pending.Loader(), joined.Done());
  EXPECT_EQ(pending.Started(), 1u);
  now += absl::Milliseconds(600);  // the read started 1.2 s ago
  cache.Fetch("g", "slow", pending.Loader(), late.Done());
  EXPECT_EQ(pending.Started(), 2u);  // too old to join
  pending.Complete(MakeAnswer("s1"));
  EXPECT_EQ(joined.Proto(), "s1");
  EXPECT_EQ(late.calls, 0);
  pending.Complete(MakeAnswer("s2"));
  EXPECT_EQ(late.Proto(), "s2");
  EXPECT_EQ(FetchNow(cache, "g", "slow", "s3", &loads), "s2");
}

TEST(AnswerCacheTest, EvictsLeastRecentlyUsedToStayWithinMaxBytes) {
  const std::string proto(100, 'x');
  const size_t per_entry =
      AnswerCache::kEntryOverhead + 1 /*game*/ + 2 /*key*/ + proto.size();
  AnswerCache::Options options;
  options.max_bytes = 3 * per_entry;
  AnswerCache cache(options, true);
  int loads = 0;
  for (const char* key : {"k1", "k2", "k3"}) {
    FetchNow(cache, "g", key, proto, &loads);
  }
  EXPECT_EQ(cache.stats().entries, 3u);
  EXPECT_EQ(cache.stats().bytes, 3 * per_entry);
  FetchNow(cache, "g", "k1", proto, &loads);  // k1 is now most recent
  FetchNow(cache, "g", "k4", proto, &loads);  // evicts k2
  EXPECT_EQ(loads, 4);
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_LE(cache.stats().bytes, options.max_bytes);
  FetchNow(cache, "g", "k1", proto, &loads);
  FetchNow(cache, "g", "k3", proto, &loads);
  EXPECT_EQ(loads, 4);
  FetchNow(cache, "g", "k2", proto, &loads);
  EXPECT_EQ(loads, 5);
  // An answer larger than the whole bound is delivered, not stored.
  EXPECT_EQ(
      FetchNow(cache, "g", "big", std::string(options.max_bytes, 'y'), &loads)
          .size(),
      options.max_bytes);
  EXPECT_EQ(cache.stats().entries, 3u);
}

TEST(AnswerCacheTest, JsonRenderedAfterStoringCountsTowardTheBound) {
  const std::string proto(100, 'x');
  const size_t per_entry = AnswerCache::kEntryOverhead + 1 + 2 + proto.size();
  AnswerCache::Options options;
  options.max_bytes = 2 * per_entry + 500;
  AnswerCache cache(options, true);
  int loads = 0;
  Received got;
  cache.Fetch("g", "k1", Immediate(proto, &loads), got.Done());
  FetchNow(cache, "g", "k2", proto, &loads);
  EXPECT_EQ(cache.stats().bytes, 2 * per_entry);
  auto json = (*got.result)->Json("", [](const std::string&) {
    return std::string(1000, 'j');
  });
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(cache.stats().bytes, 2 * per_entry + 1000);
  // The next Fetch brings the cache back under its bound: k1 (least
  // recently used, and now the big one) goes.
  FetchNow(cache, "g", "k2", proto, &loads);
  EXPECT_EQ(cache.stats().evictions, 1u);
  EXPECT_EQ(cache.stats().bytes, per_entry);
  // An answer no longer stored no longer counts.
  auto json2 = (*got.result)->Json("entries", [](const std::string&) {
    return std::string(1000, 'j');
  });
  ASSERT_TRUE(json2.ok());
  EXPECT_EQ(cache.stats().bytes, per_entry);
}

TEST(AnswerCacheTest, ZeroMaxBytesStoresNothingButStillCoalesces) {
  AnswerCache::Options options;
  options.max_bytes = 0;
  AnswerCache cache(options, true);
  PendingLoads loads;
  Received a, b;
  cache.Fetch("g", "top", loads.Loader(), a.Done());
  cache.Fetch("g", "top", loads.Loader(), b.Done());
  EXPECT_EQ(loads.Started(), 1u);
  loads.Complete(MakeAnswer("v1"));
  EXPECT_EQ(b.Proto(), "v1");
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(AnswerCacheTest, DisabledCacheNeitherServesStoresNorCoalesces) {
  AnswerCache cache({}, /*start_enabled=*/false);
  EXPECT_FALSE(cache.enabled());
  PendingLoads loads;
  Received a, b;
  cache.Fetch("g", "top", loads.Loader(), a.Done());
  cache.Fetch("g", "top", loads.Loader(), b.Done());
  EXPECT_EQ(loads.Started(), 2u);
  loads.Complete(MakeAnswer("v1"));
  loads.Complete(MakeAnswer("v2"));
  EXPECT_EQ(a.Proto(), "v1");
  EXPECT_EQ(b.Proto(), "v2");
  EXPECT_EQ(cache.stats().entries, 0u);

  cache.SetEnabled(true);
  int count = 0;
  EXPECT_EQ(FetchNow(cache, "g", "top", "v3", &count), "v3");
  EXPECT_EQ(FetchNow(cache, "g", "top", "v4", &count), "v3");
  // Disabling flushes; a load in flight across the change is not stored.
  Received c;
  cache.Fetch("g", "other", loads.Loader(), c.Done());
  cache.SetEnabled(false);
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(FetchNow(cache, "g", "top", "v5", &count), "v5");
  cache.SetEnabled(true);
  loads.Complete(MakeAnswer("o1"));
  EXPECT_EQ(c.Proto(), "o1");
  EXPECT_EQ(cache.stats().entries, 0u);
  EXPECT_EQ(FetchNow(cache, "g", "other", "o2", &count), "o2");
}

TEST(AnswerCacheTest, ErrorsAreDeliveredToEveryWaiterAndNotStored) {
  AnswerCache cache({}, true);
  PendingLoads loads;
  Received a, b;
  cache.Fetch("g", "top", loads.Loader(), a.Done());
  cache.Fetch("g", "top", loads.Loader(), b.Done());
  loads.Complete(absl::UnavailableError("redis down"));
  EXPECT_EQ(a.result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(b.result.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(cache.stats().entries, 0u);
  int count = 0;
  EXPECT_EQ(FetchNow(cache, "g", "top", "v1", &count), "v1");
  EXPECT_EQ(count, 1);
}

TEST(AnswerCacheTest, CallbacksMayCallBackIntoTheCache) {
  AnswerCache cache({}, true);
  int loads = 0;
  Received inner;
  // The loader and the completion both run without the cache's lock held.
  cache.Fetch(
      "g", "a",
      [&](const AnswerCache::Done& loaded) {
        cache.Invalidate("other");
        loaded(MakeAnswer("a1"));
      },
      [&](const absl::StatusOr<Answer>&) {
        cache.Fetch("g", "b", Immediate("b1", &loads), inner.Done());
      });
  EXPECT_EQ(inner.Proto(), "b1");
}

TEST(AnswerCacheTest, MetricsCountHitsMissesAndSize) {
  MetricsRegistry registry;
  AnswerCache cache({}, true, &registry);
  int loads = 0;
  FetchNow(cache, "g", "top", "v1", &loads);
  FetchNow(cache, "g", "top", "v1", &loads);
  cache.Invalidate("g");
  const std::string text = registry.RenderText();
  EXPECT_NE(text.find("statstracker_server_cache_hits_total 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("statstracker_server_cache_misses_total 1"),
            std::string::npos);
  EXPECT_NE(text.find("statstracker_server_cache_invalidations_total 1"),
            std::string::npos);
  EXPECT_NE(text.find("statstracker_server_cache_entries 0"),
            std::string::npos);
  EXPECT_NE(text.find("statstracker_server_cache_coalesced_total 0"),
            std::string::npos);
}

TEST(EncodedAnswerTest, JsonIsRenderedOncePerVariant) {
  EncodedAnswer answer("proto");
  int renders = 0;
  auto render =
      [&renders](const std::string& proto) -> absl::StatusOr<std::string> {
    ++renders;
    return absl::StrCat("{\"p\":\"", proto, "\",\"n\":", renders, "}");
  };
  auto whole = answer.Json("", render);
  ASSERT_TRUE(whole.ok());
  auto again = answer.Json("", render);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*whole, *again);  // the same stored string
  EXPECT_EQ(renders, 1);
  auto field = answer.Json("entries", render);
  ASSERT_TRUE(field.ok());
  EXPECT_EQ(renders, 2);
  EXPECT_EQ(**field, "{\"p\":\"proto\",\"n\":2}");
  EXPECT_EQ(answer.bytes(),
            5 + (**whole).size() + 7 /*"entries"*/ + (**field).size());
}

TEST(EncodedAnswerTest, RenderErrorsAreNotStored) {
  EncodedAnswer answer("proto");
  int renders = 0;
  auto failing = [&renders](const std::string&) -> absl::StatusOr<std::string> {
    ++renders;
    return absl::InternalError("cannot render");
  };
  EXPECT_FALSE(answer.Json("", failing).ok());
  EXPECT_FALSE(answer.Json("", failing).ok());
  EXPECT_EQ(renders, 2);
  EXPECT_EQ(answer.bytes(), 5u);
}

TEST(EncodedAnswerTest, ConcurrentFirstCallsRenderOnce) {
  EncodedAnswer answer("proto");
  std::atomic<int> renders{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  std::vector<std::shared_ptr<const std::string>> got(8);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto json = answer.Json("", [&renders](const std::string& p) {
        renders.fetch_add(1);
        return absl::StatusOr<std::string>(p + "!");
      });
      if (json.ok()) got[i] = *json;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(renders.load(), 1);
  for (const auto& json : got) EXPECT_EQ(json, got[0]);
}

// Several threads fetch while another commits (bumps a game's version, then
// invalidates) and loads complete on other threads, reading the version
// when they run. No answer may be older than the last commit announced
// before its Fetch began.
TEST(AnswerCacheStressTest, NeverServesAnAnswerOlderThanAnAnnouncedCommit) {
  constexpr int kGames = 2;
  constexpr int kKeys = 8;
  constexpr int kFetchThreads = 3;
  constexpr int kFetchesPerThread = 20000;
  AnswerCache::Options options;
  options.max_age = absl::Hours(1);  // only invalidation keeps it coherent
  options.max_bytes = 4 * (AnswerCache::kEntryOverhead + 16);  // evicts too
  AnswerCache cache(options, true);

  std::atomic<uint64_t> version[kGames] = {};    // the "database"
  std::atomic<uint64_t> announced[kGames] = {};  // invalidated up to here

  // Loads complete on two completer threads.
  std::mutex jobs_mu;
  std::condition_variable jobs_cv;
  std::deque<std::pair<int, AnswerCache::Done>> jobs;
  bool stop = false;
  auto completer = [&] {
    std::mt19937 rng(std::random_device{}());
    while (true) {
      std::pair<int, AnswerCache::Done> job;
      {
        std::unique_lock<std::mutex> lock(jobs_mu);
        jobs_cv.wait(lock, [&] { return stop || !jobs.empty(); });
        if (jobs.empty()) return;
        job = std::move(jobs.front());
        jobs.pop_front();
      }
      // Read the database, then (like a reply on its way back) sometimes
      // let commits happen before the completion arrives.
      Answer answer = MakeAnswer(absl::StrCat(version[job.first].load()));
      if (rng() % 4 == 0) {
        std::this_thread::sleep_for(std::chrono::microseconds(rng() % 200));
      }
      if (rng() % 50 == 0) {
        job.second(absl::UnavailableError("transient"));
      } else {
        job.second(std::move(answer));
      }
    }
  };
  std::vector<std::thread> completers;
  completers.reserve(2);
  for (int i = 0; i < 2; ++i) completers.emplace_back(completer);

  std::atomic<bool> fetching{true};
  std::thread committer([&] {
    std::mt19937 rng(std::random_device{}());
    for (uint64_t n = 0; fetching.load(); ++n) {
      const int g = static_cast<int>(rng() % kGames);
      const uint64_t v = version[g].fetch_add(1) + 1;
      cache.Invalidate(absl::StrCat("game", g));
      announced[g].store(v);
      // Now and then the subscription drops for a few commits.
      if (n % 200 == 100) cache.SetEnabled(false);
      if (n % 200 == 110) cache.SetEnabled(true);
      if (n % 300 == 299) cache.InvalidateAll();
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
  });

  std::atomic<int> outstanding{0};
  std::atomic<int> stale{0};
  std::atomic<int> answered{0};
  std::vector<std::thread> fetchers;
  fetchers.reserve(kFetchThreads);
  for (int t = 0; t < kFetchThreads; ++t) {
    fetchers.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < kFetchesPerThread; ++i) {
        const int g = static_cast<int>(rng() % kGames);
        const std::string key = absl::StrCat("k", rng() % kKeys);
        const uint64_t floor = announced[g].load();
        const bool inline_load = rng() % 8 == 0;
        outstanding.fetch_add(1);
        cache.Fetch(
            absl::StrCat("game", g), key,
            [&, g, inline_load](AnswerCache::Done loaded) {
              if (inline_load) {
                loaded(MakeAnswer(absl::StrCat(version[g].load())));
                return;
              }
              std::lock_guard<std::mutex> lock(jobs_mu);
              jobs.emplace_back(g, std::move(loaded));
              jobs_cv.notify_one();
            },
            [&, floor](absl::StatusOr<Answer> result) {
              if (result.ok()) {
                uint64_t v = 0;
                if (!absl::SimpleAtoi((*result)->proto(), &v) || v < floor) {
                  stale.fetch_add(1);
                }
                answered.fetch_add(1);
              }
              outstanding.fetch_sub(1);
            });
      }
    });
  }
  for (auto& t : fetchers) t.join();
  fetching.store(false);
  committer.join();
  {
    std::lock_guard<std::mutex> lock(jobs_mu);
    stop = true;
    jobs_cv.notify_all();
  }
  for (auto& t : completers) t.join();

  EXPECT_EQ(outstanding.load(), 0);
  EXPECT_EQ(stale.load(), 0);
  AnswerCache::Stats stats = cache.stats();
  EXPECT_GT(answered.load(), kFetchThreads * kFetchesPerThread / 2);
  // The run exercised every path, not just loads.
  EXPECT_GT(stats.hits, 0u);
  EXPECT_GT(stats.misses, 0u);
  EXPECT_GT(stats.invalidations, 0u);
  std::printf(
      "stress: %llu hits, %llu misses, %llu coalesced, %llu evictions\n",
      static_cast<unsigned long long>(stats.hits),
      static_cast<unsigned long long>(stats.misses),
      static_cast<unsigned long long>(stats.coalesced),
      static_cast<unsigned long long>(stats.evictions));
}

}  // namespace
}  // namespace statstracker
