#include "bench/bench_common.h"

#include <spdlog/fmt/fmt.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>

namespace swha::bench {

int OrDefault(int value, int fallback) { return value > 0 ? value : fallback; }

long long ParseInteger(std::string_view s, long long fallback) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end != s.data() ? v : fallback;
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  return v[std::clamp<size_t>(rank, 1, v.size()) - 1];
}

double MsSince(SteadyClock::time_point start) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
}

void Summary(const std::string& bench, const std::string& metric, const std::string& value,
             const std::string& target, const std::string& verdict) {
  fmt::print("SUMMARY\t{}\t{}\t{}\t{}\t{}\n", bench, metric, value, target, verdict);
  std::fflush(stdout);
}

std::string Verdict(bool met) { return met ? "met" : "MISSED"; }

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double ProcessCpuSeconds(pid_t pid) {
  const CpuSplit split = ProcessCpuSplit(pid);
  return split.user + split.system;
}

CpuSplit ProcessCpuSplit(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t paren = stat.rfind(')');
  if (paren == std::string::npos) return {};
  std::istringstream fields(stat.substr(paren + 2));
  std::string field;
  // After "pid (comm) ", field 3 (state) comes first; utime and stime are fields 14 and 15.
  long long utime = 0;
  long long stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = ParseInteger(field, 0);
    if (i == 15) stime = ParseInteger(field, 0);
  }
  const auto ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  return {.user = static_cast<double>(utime) / ticks, .system = static_cast<double>(stime) / ticks};
}

double MachineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;  // "cpu": the sum over all cores
  long long total = 0;
  long long idle = 0;
  long long v = 0;
  for (int i = 0; i < 8 && in >> v; ++i) {  // user nice system idle iowait irq softirq steal
    total += v;
    if (i == 3 || i == 4) idle += v;
  }
  return static_cast<double>(total - idle) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

OtherLoadMeter::OtherLoadMeter(pid_t server)
    : OtherLoadMeter(server > 0 ? std::vector<pid_t>{server} : std::vector<pid_t>{}) {}

OtherLoadMeter::OtherLoadMeter(std::vector<pid_t> servers) : servers_(std::move(servers)) {
  Reset();
}

void OtherLoadMeter::Reset() {
  start_ = SteadyClock::now();
  machine0_ = MachineBusySeconds();
  self0_ = SelfCpuSeconds();
  servers0_ = ServersCpuSeconds();
}

double OtherLoadMeter::ServersCpuSeconds() const {
  double total = 0;
  for (pid_t pid : servers_) total += ProcessCpuSeconds(pid);
  return total;
}

double OtherLoadMeter::OtherCores() const {
  const double wall = MsSince(start_) / 1000.0;
  const double servers = ServersCpuSeconds() - servers0_;
  const double other = (MachineBusySeconds() - machine0_) - (SelfCpuSeconds() - self0_) - servers;
  return std::max(0.0, other / wall);
}

double OtherLoadMeter::ServerCores() const {
  return (ServersCpuSeconds() - servers0_) / (MsSince(start_) / 1000.0);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

void PrintLoad(const char* when) { fmt::print("   load average {}: {}\n", when, LoadAverage()); }

std::map<std::string, long> ProcessMemoryKiB(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::map<std::string, long> out;
  std::string line;
  while (std::getline(in, line)) {
    for (const char* key : {"VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"}) {
      const std::string prefix = std::string(key) + ":";
      if (line.rfind(prefix, 0) == 0)
        out[key] = static_cast<long>(ParseInteger(line.substr(prefix.size()), -1));
    }
  }
  return out;
}

}  // namespace swha::bench
