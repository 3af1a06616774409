#ifndef STATSTRACKER_COMMON_METRICS_H_
#define STATSTRACKER_COMMON_METRICS_H_

// Prometheus metrics in the text exposition format (version 0.0.4). Families
// are registered once at start-up; updating a series is thread-safe. Label
// values are passed in the order of the family's label names.
//
// Locking: the project's own code uses std::mutex (pthreads underneath), not
// absl::Mutex. Debian's libabsl is not built with -fsanitize=thread, so
// ThreadSanitizer cannot see absl::Mutex lock/unlock and reports false races
// on the data it guards; pthread mutexes are intercepted by TSan, which keeps
// `bazel test --config=tsan //...` meaningful. ABSL_GUARDED_BY stays as
// documentation (it compiles with any lockable).

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"

namespace statstracker {

class CounterFamily {
 public:
  CounterFamily(std::string name, std::string help,
                std::vector<std::string> label_names);
  // Adds `by` (>= 0) to the series with these label values.
  void Increment(const std::vector<std::string>& label_values, double by = 1);
  // The series' current value (0 if never incremented); for tests.
  double Value(const std::vector<std::string>& label_values) const;
  void Render(std::string* out) const;

 private:
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, double> values_ ABSL_GUARDED_BY(mu_);
};

class GaugeFamily {
 public:
  GaugeFamily(std::string name, std::string help,
              std::vector<std::string> label_names);
  void Set(const std::vector<std::string>& label_values, double value);
  double Value(const std::vector<std::string>& label_values) const;
  void Render(std::string* out) const;

 private:
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, double> values_ ABSL_GUARDED_BY(mu_);
};

class HistogramFamily {
 public:
  // `bounds`: the upper bounds of the buckets, ascending; +Inf is implied.
  HistogramFamily(std::string name, std::string help,
                  std::vector<std::string> label_names,
                  std::vector<double> bounds);
  void Observe(const std::vector<std::string>& label_values, double value);
  // Number of observations of the series; for tests.
  uint64_t Count(const std::vector<std::string>& label_values) const;
  void Render(std::string* out) const;

 private:
  struct Series {
    std::vector<uint64_t> buckets;  // per bound, not cumulative; +Inf last
    double sum = 0;
    uint64_t count = 0;
  };
  const std::string name_, help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, Series> series_ ABSL_GUARDED_BY(mu_);
};

class MetricsRegistry {
 public:
  // The returned families live as long as the registry.
  CounterFamily* AddCounter(const std::string& name, const std::string& help,
                            const std::vector<std::string>& label_names);
  GaugeFamily* AddGauge(const std::string& name, const std::string& help,
                        const std::vector<std::string>& label_names);
  HistogramFamily* AddHistogram(const std::string& name,
                                const std::string& help,
                                const std::vector<std::string>& label_names,
                                const std::vector<double>& bounds);
  // Runs before every RenderText(), e.g. to set a lag gauge from Redis.
  void AddCollector(std::function<void()> collector);

  // Every family in registration order, in the text exposition format.
  std::string RenderText();

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<CounterFamily>> counters_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<GaugeFamily>> gauges_ ABSL_GUARDED_BY(mu_);
  std::vector<std::unique_ptr<HistogramFamily>> histograms_
      ABSL_GUARDED_BY(mu_);
  // Render order: (kind, index) in registration order.
  std::vector<std::pair<int, size_t>> order_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> collectors_ ABSL_GUARDED_BY(mu_);
};

}  // namespace statstracker

#endif  // STATSTRACKER_COMMON_METRICS_H_
