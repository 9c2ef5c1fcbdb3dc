// Metrics in the Prometheus text format (version 0.0.4): counters, histograms and gauges read
// at scrape time, in families with labels. Updating a metric takes no lock: counters and
// histogram buckets are atomics spread over cache lines per thread, so request threads never
// contend for one line; only the first use of a new label combination takes a lock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace swha::metrics {

// Atomics per metric, one per cache line; a thread always adds to the same one.
inline constexpr size_t kShards = 16;

// A monotonically increasing value. Integer units internally (`unit` per step), so that sums of
// seconds keep their precision and adding is one relaxed fetch_add. Thread-safe.
class Counter {
 public:
  explicit Counter(double unit = 1.0) : unit_(unit) {}
  void Add(double amount = 1.0);
  double Value() const;

 private:
  struct alignas(64) Shard {
    std::atomic<uint64_t> value{0};
  };
  const double unit_;
  std::array<Shard, kShards> shards_;
};

// Observations counted into fixed buckets (upper bounds, ascending), with their sum in
// nanounits. Thread-safe.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bucket, then +Inf
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;
  const std::vector<double>& upper_bounds() const { return bounds_; }

 private:
  struct alignas(64) Shard {
    std::unique_ptr<std::atomic<uint64_t>[]> buckets;  // bounds + 1 (+Inf)
    std::atomic<uint64_t> sum_nanos{0};
  };
  std::vector<double> bounds_;
  std::array<Shard, kShards> shards_;
};

// Latency buckets, in seconds: 1 ms to 60 s.
std::vector<double> LatencyBuckets();

enum class Type { kCounter, kHistogram, kGauge };

// One metric name with its label names; a child per combination of label values. Children are
// never removed, so a pointer to one stays valid as long as the registry.
class Family {
 public:
  Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
         std::vector<double> buckets, double unit);

  // The child for `values` (as many as there are label names), made on first use.
  Counter& CounterFor(std::initializer_list<std::string_view> values);
  Histogram& HistogramFor(std::initializer_list<std::string_view> values);

  void Render(std::string* out) const;
  const std::string& name() const { return name_; }

 private:
  struct Child {
    std::vector<std::string> values;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Histogram> histogram;
  };
  Child& ChildFor(std::initializer_list<std::string_view> values);

  const std::string name_;
  const std::string help_;
  const Type type_;
  const std::vector<std::string> label_names_;
  const std::vector<double> buckets_;
  const double unit_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<Child>, std::less<>> children_;  // key: joined values
};

// Every family of the process's metrics. Thread-safe; families are registered at start-up.
class Registry {
 public:
  // `unit`: the smallest step a counter keeps (1 for counts, 1e-9 for seconds).
  Family* AddCounter(std::string name, std::string help, std::vector<std::string> label_names,
                     double unit = 1.0);
  Family* AddHistogram(std::string name, std::string help, std::vector<std::string> label_names,
                       std::vector<double> buckets = LatencyBuckets());
  // A gauge whose value is read when the metrics are scraped.
  void AddGauge(std::string name, std::string help, std::function<double()> read);
  // A gauge with labels, read when the metrics are scraped: one sample per entry `read`
  // returns, each with as many label values as there are label names.
  using GaugeSamples = std::vector<std::pair<std::vector<std::string>, double>>;
  void AddGaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
                      std::function<GaugeSamples()> read);

  // The whole exposition, families in the order they were added.
  std::string Render() const;

 private:
  struct Gauge {
    std::string name;
    std::string help;
    std::vector<std::string> label_names;
    std::function<GaugeSamples()> read;
  };
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<Family>> families_;  // guarded by mu_
  std::vector<Gauge> gauges_;                      // guarded by mu_
};

// Label values escaped for the text format (backslash, double quote, newline).
std::string EscapeLabelValue(std::string_view value);

}  // namespace swha::metrics
