#include "common/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace statstracker {
namespace {

// Shortest text that reads back as the same double; Prometheus spellings for
// the special values.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return absl::StrFormat("%.0f", v);
  }
  for (int precision = 15; precision <= 17; ++precision) {
    std::string s = absl::StrFormat("%.*g", precision, v);
    if (std::strtod(s.c_str(), nullptr) == v) return s;
  }
  return absl::StrFormat("%.17g", v);
}

std::string EscapeHelp(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string EscapeLabelValue(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// `{a="x",b="y"}` (empty when there are no labels), plus an optional extra
// label (histogram "le") last.
std::string LabelSet(const std::vector<std::string>& names,
                     const std::vector<std::string>& values,
                     const std::string& extra_name = "",
                     const std::string& extra_value = "") {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    absl::StrAppend(&out, out.empty() ? "" : ",", names[i], "=\"",
                    EscapeLabelValue(i < values.size() ? values[i] : ""), "\"");
  }
  if (!extra_name.empty()) {
    absl::StrAppend(&out, out.empty() ? "" : ",", extra_name, "=\"",
                    EscapeLabelValue(extra_value), "\"");
  }
  return out.empty() ? out : absl::StrCat("{", out, "}");
}

void RenderHeader(const std::string& name, const std::string& help,
                  const char* type, std::string* out) {
  absl::StrAppend(out, "# HELP ", name, " ", EscapeHelp(help), "\n", "# TYPE ",
                  name, " ", type, "\n");
}

// Label values normalised to the family's label count, so a caller's
// mistake cannot produce malformed output.
std::vector<std::string> Normalize(const std::vector<std::string>& values,
                                   size_t n) {
  std::vector<std::string> out = values;
  out.resize(n);
  return out;
}

}  // namespace

CounterFamily::CounterFamily(std::string name, std::string help,
                             std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)) {}

void CounterFamily::Increment(const std::vector<std::string>& label_values,
                              double by) {
  if (!(by >= 0)) return;  // counters only go up; also drops NaN
  std::lock_guard<std::mutex> lock(mu_);
  values_[Normalize(label_values, label_names_.size())] += by;
}

double CounterFamily::Value(
    const std::vector<std::string>& label_values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(Normalize(label_values, label_names_.size()));
  return it == values_.end() ? 0 : it->second;
}

void CounterFamily::Render(std::string* out) const {
  RenderHeader(name_, help_, "counter", out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [labels, value] : values_) {
    absl::StrAppend(out, name_, LabelSet(label_names_, labels), " ",
                    FormatValue(value), "\n");
  }
}

GaugeFamily::GaugeFamily(std::string name, std::string help,
                         std::vector<std::string> label_names)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)) {}

void GaugeFamily::Set(const std::vector<std::string>& label_values,
                      double value) {
  std::lock_guard<std::mutex> lock(mu_);
  values_[Normalize(label_values, label_names_.size())] = value;
}

double GaugeFamily::Value(const std::vector<std::string>& label_values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = values_.find(Normalize(label_values, label_names_.size()));
  return it == values_.end() ? 0 : it->second;
}

void GaugeFamily::Render(std::string* out) const {
  RenderHeader(name_, help_, "gauge", out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [labels, value] : values_) {
    absl::StrAppend(out, name_, LabelSet(label_names_, labels), " ",
                    FormatValue(value), "\n");
  }
}

HistogramFamily::HistogramFamily(std::string name, std::string help,
                                 std::vector<std::string> label_names,
                                 std::vector<double> bounds)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      bounds_(std::move(bounds)) {}

void HistogramFamily::Observe(const std::vector<std::string>& label_values,
                              double value) {
  std::lock_guard<std::mutex> lock(mu_);
  Series& s = series_[Normalize(label_values, label_names_.size())];
  if (s.buckets.empty()) s.buckets.assign(bounds_.size() + 1, 0);
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  ++s.buckets[i];
  s.sum += value;
  ++s.count;
}

uint64_t HistogramFamily::Count(
    const std::vector<std::string>& label_values) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = series_.find(Normalize(label_values, label_names_.size()));
  return it == series_.end() ? 0 : it->second.count;
}

void HistogramFamily::Render(std::string* out) const {
  RenderHeader(name_, help_, "histogram", out);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [labels, s] : series_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      cumulative += s.buckets[i];
      std::string le = i < bounds_.size() ? FormatValue(bounds_[i]) : "+Inf";
      absl::StrAppend(out, name_, "_bucket",
                      LabelSet(label_names_, labels, "le", le), " ", cumulative,
                      "\n");
    }
    absl::StrAppend(out, name_, "_sum", LabelSet(label_names_, labels), " ",
                    FormatValue(s.sum), "\n");
    absl::StrAppend(out, name_, "_count", LabelSet(label_names_, labels), " ",
                    s.count, "\n");
  }
}

CounterFamily* MetricsRegistry::AddCounter(
    const std::string& name, const std::string& help,
    const std::vector<std::string>& label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  counters_.push_back(std::make_unique<CounterFamily>(name, help, label_names));
  order_.emplace_back(0, counters_.size() - 1);
  return counters_.back().get();
}

GaugeFamily* MetricsRegistry::AddGauge(
    const std::string& name, const std::string& help,
    const std::vector<std::string>& label_names) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_.push_back(std::make_unique<GaugeFamily>(name, help, label_names));
  order_.emplace_back(1, gauges_.size() - 1);
  return gauges_.back().get();
}

HistogramFamily* MetricsRegistry::AddHistogram(
    const std::string& name, const std::string& help,
    const std::vector<std::string>& label_names,
    const std::vector<double>& bounds) {
  std::lock_guard<std::mutex> lock(mu_);
  histograms_.push_back(
      std::make_unique<HistogramFamily>(name, help, label_names, bounds));
  order_.emplace_back(2, histograms_.size() - 1);
  return histograms_.back().get();
}

void MetricsRegistry::AddCollector(std::function<void()> collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string MetricsRegistry::RenderText() {
  std::vector<std::function<void()>> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    collectors = collectors_;
  }
  // Collectors run without the registry lock: they update families, which
  // have their own locks, and may take time (a Redis round trip).
  for (const auto& collect : collectors) collect();
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [kind, index] : order_) {
    switch (kind) {
      case 0:
        counters_[index]->Render(&out);
        break;
      case 1:
        gauges_[index]->Render(&out);
        break;
      default:
        histograms_[index]->Render(&out);
    }
  }
  return out;
}

}  // namespace statstracker
