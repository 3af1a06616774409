#include "common/metrics.h"

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace statstracker {
namespace {

TEST(MetricsTest, CounterRendersHelpTypeAndSortedSeries) {
  MetricsRegistry registry;
  CounterFamily* events = registry.AddCounter(
      "statstracker_events_total", "Events processed.", {"game", "type"});
  events->Increment({"chess", "match"});
  events->Increment({"arcade", "score"}, 2);
  events->Increment({"chess", "match"}, 0.5);
  EXPECT_EQ(registry.RenderText(),
            "# HELP statstracker_events_total Events processed.\n"
            "# TYPE statstracker_events_total counter\n"
            "statstracker_events_total{game=\"arcade\",type=\"score\"} 2\n"
            "statstracker_events_total{game=\"chess\",type=\"match\"} 1.5\n");
  EXPECT_EQ(events->Value({"chess", "match"}), 1.5);
  EXPECT_EQ(events->Value({"nope", "none"}), 0);
}

TEST(MetricsTest, CounterIgnoresNegativeAndNaNIncrements) {
  CounterFamily c("c_total", "h", {});
  c.Increment({}, 3);
  c.Increment({}, -1);
  c.Increment({}, std::nan(""));
  EXPECT_EQ(c.Value({}), 3);
}

TEST(MetricsTest, FamilyWithoutSeriesStillPrintsHelpAndType) {
  MetricsRegistry registry;
  registry.AddCounter("a_total", "A.", {"x"});
  registry.AddGauge("b", "B.", {});
  registry.AddHistogram("c_seconds", "C.", {"m"}, {1});
  EXPECT_EQ(registry.RenderText(),
            "# HELP a_total A.\n# TYPE a_total counter\n"
            "# HELP b B.\n# TYPE b gauge\n"
            "# HELP c_seconds C.\n# TYPE c_seconds histogram\n");
}

TEST(MetricsTest, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  GaugeFamily* g =
      registry.AddGauge("g", "Line one\nback\\slash \"quoted\"", {"v"});
  g->Set({"a\\b\"c\nd"}, -2.25);
  // HELP escapes backslash and newline only; label values also escape ".
  EXPECT_EQ(registry.RenderText(),
            "# HELP g Line one\\nback\\\\slash \"quoted\"\n"
            "# TYPE g gauge\n"
            "g{v=\"a\\\\b\\\"c\\nd\"} -2.25\n");
}

TEST(MetricsTest, GaugeWithoutLabelsAndSpecialValues) {
  MetricsRegistry registry;
  GaugeFamily* up = registry.AddGauge("up", "Up.", {});
  GaugeFamily* inf = registry.AddGauge("inf", "Inf.", {"s"});
  up->Set({}, 1);
  up->Set({}, 0);
  inf->Set({"pos"}, std::numeric_limits<double>::infinity());
  inf->Set({"neg"}, -std::numeric_limits<double>::infinity());
  inf->Set({"nan"}, std::nan(""));
  inf->Set({"small"}, 0.1);
  inf->Set({"big"}, 12345678901234567890.0);
  EXPECT_EQ(registry.RenderText(),
            "# HELP up Up.\n# TYPE up gauge\nup 0\n"
            "# HELP inf Inf.\n# TYPE inf gauge\n"
            "inf{s=\"big\"} 1.2345678901234567e+19\n"
            "inf{s=\"nan\"} NaN\n"
            "inf{s=\"neg\"} -Inf\n"
            "inf{s=\"pos\"} +Inf\n"
            "inf{s=\"small\"} 0.1\n");
  EXPECT_EQ(up->Value({}), 0);
}

TEST(MetricsTest, HistogramBucketsAreCumulativeWithSumAndCount) {
  MetricsRegistry registry;
  HistogramFamily* h = registry.AddHistogram("latency_seconds", "Latency.",
                                             {"method"}, {0.005, 0.1, 1});
  h->Observe({"Get"}, 0.001);
  h->Observe({"Get"}, 0.005);  // on a bound: counts in that bucket (le)
  h->Observe({"Get"}, 0.05);
  h->Observe({"Get"}, 3);
  h->Observe({"Put"}, 0.5);
  EXPECT_EQ(h->Count({"Get"}), 4u);
  EXPECT_EQ(h->Count({"Put"}), 1u);
  EXPECT_EQ(h->Count({"None"}), 0u);
  EXPECT_EQ(registry.RenderText(),
            "# HELP latency_seconds Latency.\n"
            "# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.005\"} 2\n"
            "latency_seconds_bucket{method=\"Get\",le=\"0.1\"} 3\n"
            "latency_seconds_bucket{method=\"Get\",le=\"1\"} 3\n"
            "latency_seconds_bucket{method=\"Get\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{method=\"Get\"} 3.056\n"
            "latency_seconds_count{method=\"Get\"} 4\n"
            "latency_seconds_bucket{method=\"Put\",le=\"0.005\"} 0\n"
            "latency_seconds_bucket{method=\"Put\",le=\"0.1\"} 0\n"
            "latency_seconds_bucket{method=\"Put\",le=\"1\"} 1\n"
            "latency_seconds_bucket{method=\"Put\",le=\"+Inf\"} 1\n"
            "latency_seconds_sum{method=\"Put\"} 0.5\n"
            "latency_seconds_count{method=\"Put\"} 1\n");
}

TEST(MetricsTest, HistogramWithoutLabels) {
  HistogramFamily h("batch_seconds", "Batch.", {}, {1});
  h.Observe({}, 2);
  std::string out;
  h.Render(&out);
  EXPECT_EQ(out,
            "# HELP batch_seconds Batch.\n# TYPE batch_seconds histogram\n"
            "batch_seconds_bucket{le=\"1\"} 0\n"
            "batch_seconds_bucket{le=\"+Inf\"} 1\n"
            "batch_seconds_sum 2\nbatch_seconds_count 1\n");
}

TEST(MetricsTest, RegistrationOrderAcrossKinds) {
  MetricsRegistry registry;
  registry.AddGauge("z", "Z.", {});
  registry.AddCounter("a_total", "A.", {});
  registry.AddGauge("m", "M.", {});
  std::string text = registry.RenderText();
  size_t z = text.find("# HELP z "), a = text.find("# HELP a_total "),
         m = text.find("# HELP m ");
  ASSERT_NE(z, std::string::npos);
  ASSERT_NE(a, std::string::npos);
  ASSERT_NE(m, std::string::npos);
  EXPECT_LT(z, a);
  EXPECT_LT(a, m);
}

TEST(MetricsTest, CollectorsRunBeforeEveryRender) {
  MetricsRegistry registry;
  GaugeFamily* lag = registry.AddGauge("lag", "Lag.", {});
  int calls = 0;
  registry.AddCollector([&] { lag->Set({}, ++calls * 10); });
  EXPECT_NE(registry.RenderText().find("lag 10\n"), std::string::npos);
  EXPECT_NE(registry.RenderText().find("lag 20\n"), std::string::npos);
  EXPECT_EQ(calls, 2);
}

TEST(MetricsTest, ConcurrentIncrementsAllCount) {
  CounterFamily c("c_total", "C.", {"t"});
  HistogramFamily h("h", "H.", {"t"}, {0.5});
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        c.Increment({t % 2 == 0 ? "even" : "odd"});
        h.Observe({"x"}, i % 2);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.Value({"even"}), 4000);
  EXPECT_EQ(c.Value({"odd"}), 4000);
  EXPECT_EQ(h.Count({"x"}), 8000u);
}

}  // namespace
}  // namespace statstracker
