#include "metrics/registry.h"

#include <charconv>
#include <cmath>
#include <mutex>

namespace swha::metrics {
namespace {

// The shard a thread adds to: threads take shards in turn as they first touch a metric.
size_t ThreadShard() {
  static std::atomic<size_t> next{0};
  thread_local const size_t shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

void AppendNumber(double v, std::string* out) {
  if (std::isinf(v)) {
    out->append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  if (std::isnan(v)) {
    out->append("NaN");
    return;
  }
  std::array<char, 32> buf{};
  const auto [end, error] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out->append(buf.data(), error == std::errc() ? end : buf.data());
}

// {a="x",b="y"} (with `extra` appended inside, e.g. le="0.5"); "" without any label.
std::string Labels(const std::vector<std::string>& names, const std::vector<std::string>& values,
                   std::string_view extra = "") {
  if (names.empty() && extra.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (!extra.empty()) {
    if (!names.empty()) out += ',';
    out += extra;
  }
  return out + "}";
}

void AppendHeader(const std::string& name, const std::string& help, std::string_view type,
                  std::string* out) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
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

void Counter::Add(double amount) {
  if (!(amount > 0)) return;  // counters only go up
  const auto steps = static_cast<uint64_t>(std::llround(amount / unit_));
  shards_[ThreadShard()].value.fetch_add(steps, std::memory_order_relaxed);
}

double Counter::Value() const {
  uint64_t total = 0;
  for (const Shard& s : shards_) total += s.value.load(std::memory_order_relaxed);
  // A fractional unit divides by its inverse, which is exact for 1e-9 and alike.
  if (unit_ < 1) return static_cast<double>(total) / std::round(1 / unit_);
  return static_cast<double>(total) * unit_;
}

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  for (Shard& s : shards_) {
    s.buckets = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  }
}

void Histogram::Observe(double value) {
  size_t bucket = 0;
  while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
  Shard& s = shards_[ThreadShard()];
  s.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  if (value > 0) {
    s.sum_nanos.fetch_add(static_cast<uint64_t>(std::llround(value * 1e9)),
                          std::memory_order_relaxed);
  }
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snap;
  snap.cumulative.assign(bounds_.size() + 1, 0);
  uint64_t sum_nanos = 0;
  for (const Shard& s : shards_) {
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      snap.cumulative[i] += s.buckets[i].load(std::memory_order_relaxed);
    }
    sum_nanos += s.sum_nanos.load(std::memory_order_relaxed);
  }
  for (size_t i = 1; i < snap.cumulative.size(); ++i) snap.cumulative[i] += snap.cumulative[i - 1];
  snap.count = snap.cumulative.back();
  snap.sum = static_cast<double>(sum_nanos) / 1e9;  // dividing keeps 3.15 as 3.15
  return snap;
}

std::vector<double> LatencyBuckets() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
}

Family::Family(std::string name, std::string help, Type type, std::vector<std::string> label_names,
               std::vector<double> buckets, double unit)
    : name_(std::move(name)),
      help_(std::move(help)),
      type_(type),
      label_names_(std::move(label_names)),
      buckets_(std::move(buckets)),
      unit_(unit) {
  // A family without labels has one child, present (at zero) from the start.
  if (label_names_.empty()) ChildFor({});
}

Family::Child& Family::ChildFor(std::initializer_list<std::string_view> values) {
  std::string key;
  for (std::string_view v : values) key.append(v).push_back('\x1f');
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = children_.find(key);
    if (it != children_.end()) return *it->second;
  }
  std::unique_lock<std::shared_mutex> lock(mu_);
  auto& slot = children_[key];
  if (!slot) {
    slot = std::make_unique<Child>();
    for (std::string_view v : values) slot->values.emplace_back(v);
    slot->values.resize(label_names_.size());
    if (type_ == Type::kHistogram) {
      slot->histogram = std::make_unique<Histogram>(buckets_);
    } else {
      slot->counter = std::make_unique<Counter>(unit_);
    }
  }
  return *slot;
}

Counter& Family::CounterFor(std::initializer_list<std::string_view> values) {
  return *ChildFor(values).counter;
}

Histogram& Family::HistogramFor(std::initializer_list<std::string_view> values) {
  return *ChildFor(values).histogram;
}

void Family::Render(std::string* out) const {
  AppendHeader(name_, help_, type_ == Type::kHistogram ? "histogram" : "counter", out);
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (const auto& [key, child] : children_) {
    if (type_ != Type::kHistogram) {
      out->append(name_).append(Labels(label_names_, child->values)).append(" ");
      AppendNumber(child->counter->Value(), out);
      out->append("\n");
      continue;
    }
    const Histogram::Snapshot snap = child->histogram->Read();
    for (size_t i = 0; i <= buckets_.size(); ++i) {
      std::string le = "le=\"";
      if (i < buckets_.size()) {
        AppendNumber(buckets_[i], &le);
      } else {
        le += "+Inf";
      }
      le += "\"";
      out->append(name_).append("_bucket").append(Labels(label_names_, child->values, le));
      out->append(" ").append(std::to_string(snap.cumulative[i])).append("\n");
    }
    out->append(name_).append("_sum").append(Labels(label_names_, child->values)).append(" ");
    AppendNumber(snap.sum, out);
    out->append("\n");
    out->append(name_).append("_count").append(Labels(label_names_, child->values));
    out->append(" ").append(std::to_string(snap.count)).append("\n");
  }
}

Family* Registry::AddCounter(std::string name, std::string help,
                             std::vector<std::string> label_names, double unit) {
  std::lock_guard<std::mutex> lock(mu_);
  families_.push_back(std::make_unique<Family>(std::move(name), std::move(help), Type::kCounter,
                                               std::move(label_names), std::vector<double>{},
                                               unit));
  return families_.back().get();
}

Family* Registry::AddHistogram(std::string name, std::string help,
                               std::vector<std::string> label_names, std::vector<double> buckets) {
  std::lock_guard<std::mutex> lock(mu_);
  families_.push_back(std::make_unique<Family>(std::move(name), std::move(help), Type::kHistogram,
                                               std::move(label_names), std::move(buckets), 1.0));
  return families_.back().get();
}

void Registry::AddGauge(std::string name, std::string help, std::function<double()> read) {
  AddGaugeFamily(std::move(name), std::move(help), {}, [read = std::move(read)] {
    return GaugeSamples{{{}, read()}};
  });
}

void Registry::AddGaugeFamily(std::string name, std::string help,
                              std::vector<std::string> label_names,
                              std::function<GaugeSamples()> read) {
  std::lock_guard<std::mutex> lock(mu_);
  gauges_.push_back({std::move(name), std::move(help), std::move(label_names), std::move(read)});
}

std::string Registry::Render() const {
  std::vector<Gauge> gauges;
  std::string out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& family : families_) family->Render(&out);
    gauges = gauges_;
  }
  // Read without the lock: a gauge may ask the catalog, and a slow answer must not hold up
  // the registry.
  for (const Gauge& g : gauges) {
    AppendHeader(g.name, g.help, "gauge", &out);
    for (const auto& [values, value] : g.read()) {
      out.append(g.name).append(Labels(g.label_names, values)).append(" ");
      AppendNumber(value, &out);
      out.append("\n");
    }
  }
  return out;
}

}  // namespace swha::metrics
