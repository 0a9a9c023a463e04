// What atmsigd-load prints: one "key value" line per figure, in a fixed
// order (scripts/bench.sh reads them by key); "na" where a figure could not
// be had (no pid given, no permission, ...).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace atmsigd::loadgen {

// Nearest-rank percentile (p in (0, 100]) of `sorted` (ascending); nullopt
// when empty.
std::optional<std::uint32_t> percentile(const std::vector<std::uint32_t>& sorted, double p);

struct Report {
  std::uint32_t w = 0, k = 0, n = 0;
  std::uint64_t completed = 0, failed = 0;
  std::optional<double> elapsed_s, calls_per_s;
  std::optional<std::uint32_t> setup_p50_us, setup_p99_us, setup_p999_us;
  std::optional<double> cpu_us_per_call_a, cpu_us_per_call_b, cpu_us_per_call_load;
  std::optional<double> syscalls_per_call_a, syscalls_per_call_b;
  std::optional<std::uint64_t> rss_kb_idle_a, rss_kb_idle_b, rss_kb_held_a, rss_kb_held_b;
  std::optional<std::int64_t> bytes_per_held_call_a, bytes_per_held_call_b;
  std::optional<std::uint64_t> left_a, left_b, left_kernel;
  // --keep-going only (printed after the keys above, which stay as they are):
  // `lost`, `restarts_a`, `restarts_b`, then `failed_errno_<errno> <count>`
  // per errno the failed calls ended with, in ascending errno order.
  std::optional<std::uint64_t> lost, restarts_a, restarts_b;
  std::optional<std::uint64_t> after_completed, after_failed;  // with --after
  std::map<int, std::uint64_t> failed_errno;
};

// The keys, in output order.
const std::vector<std::string>& report_keys();

std::string format_report(const Report& r);

}  // namespace atmsigd::loadgen
