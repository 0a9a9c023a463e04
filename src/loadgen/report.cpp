#include "atmsigd/loadgen/report.hpp"

#include <cmath>
#include <cstdio>

namespace atmsigd::loadgen {

std::optional<std::uint32_t> percentile(const std::vector<std::uint32_t>& sorted, double p) {
  if (sorted.empty() || p <= 0) return std::nullopt;
  // The small slack keeps 99.9 % of 1000 at rank 999 despite rounding.
  const double rank = std::ceil(p * static_cast<double>(sorted.size()) / 100.0 - 1e-9);
  std::size_t i = rank < 1 ? 0 : static_cast<std::size_t>(rank) - 1;
  if (i >= sorted.size()) i = sorted.size() - 1;
  return sorted[i];
}

const std::vector<std::string>& report_keys() {
  static const std::vector<std::string> keys{
      "W",
      "K",
      "N",
      "completed",
      "failed",
      "elapsed_s",
      "calls_per_s",
      "setup_p50_us",
      "setup_p99_us",
      "setup_p999_us",
      "cpu_us_per_call_a",
      "cpu_us_per_call_b",
      "cpu_us_per_call_load",
      "syscalls_per_call_a",
      "syscalls_per_call_b",
      "rss_kb_idle_a",
      "rss_kb_idle_b",
      "rss_kb_held_a",
      "rss_kb_held_b",
      "bytes_per_held_call_a",
      "bytes_per_held_call_b",
      "left_a",
      "left_b",
      "left_kernel",
  };
  return keys;
}

namespace {

template <typename T>
std::string text(const std::optional<T>& v) {
  if (!v) return "na";
  return std::to_string(*v);
}

std::string text(const std::optional<double>& v, int decimals) {
  if (!v || !std::isfinite(*v)) return "na";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, *v);
  return buf;
}

}  // namespace

std::string format_report(const Report& r) {
  const std::vector<std::string> values{
      std::to_string(r.w),
      std::to_string(r.k),
      std::to_string(r.n),
      std::to_string(r.completed),
      std::to_string(r.failed),
      text(r.elapsed_s, 3),
      text(r.calls_per_s, 1),
      text(r.setup_p50_us),
      text(r.setup_p99_us),
      text(r.setup_p999_us),
      text(r.cpu_us_per_call_a, 1),
      text(r.cpu_us_per_call_b, 1),
      text(r.cpu_us_per_call_load, 1),
      text(r.syscalls_per_call_a, 2),
      text(r.syscalls_per_call_b, 2),
      text(r.rss_kb_idle_a),
      text(r.rss_kb_idle_b),
      text(r.rss_kb_held_a),
      text(r.rss_kb_held_b),
      text(r.bytes_per_held_call_a),
      text(r.bytes_per_held_call_b),
      text(r.left_a),
      text(r.left_b),
      text(r.left_kernel),
  };
  std::string s;
  const auto& keys = report_keys();
  for (std::size_t i = 0; i < keys.size(); ++i) s += keys[i] + " " + values[i] + "\n";
  if (r.lost) {
    s += "lost " + text(r.lost) + "\n";
    s += "restarts_a " + text(r.restarts_a) + "\n";
    s += "restarts_b " + text(r.restarts_b) + "\n";
    s += "after_completed " + text(r.after_completed) + "\n";
    s += "after_failed " + text(r.after_failed) + "\n";
    for (const auto& [e, n] : r.failed_errno)
      s += "failed_errno_" + std::to_string(e) + " " + std::to_string(n) + "\n";
  }
  return s;
}

}  // namespace atmsigd::loadgen
