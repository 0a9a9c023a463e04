// atmsigd-load's report: percentiles, the output format scripts/bench.sh
// reads, and the status dump figures of our demon.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <thread>

#include "atmsigd/loadgen/probe.hpp"
#include "atmsigd/loadgen/report.hpp"

namespace atmsigd::loadgen {
namespace {

TEST(LoadgenReport, NearestRankPercentile) {
  std::vector<std::uint32_t> v;
  for (std::uint32_t i = 1; i <= 1000; ++i) v.push_back(i);
  EXPECT_EQ(percentile(v, 50), 500u);
  EXPECT_EQ(percentile(v, 99), 990u);
  EXPECT_EQ(percentile(v, 99.9), 999u);
  EXPECT_EQ(percentile(v, 100), 1000u);
  EXPECT_EQ(percentile({7}, 50), 7u);
  EXPECT_EQ(percentile({7}, 99.9), 7u);
  EXPECT_EQ(percentile({1, 2}, 50), 1u);
  EXPECT_EQ(percentile({1, 2}, 51), 2u);
  EXPECT_FALSE(percentile({}, 50).has_value());
}

TEST(LoadgenReport, EveryKeyOnceInOrderWithNaForWhatIsMissing) {
  Report r;
  r.w = 64;
  r.k = 500;
  r.n = 3000;
  r.completed = 3000;
  r.elapsed_s = 1.23456;
  r.calls_per_s = 2430.04;
  r.setup_p50_us = 120;
  r.cpu_us_per_call_a = 42.25;
  r.syscalls_per_call_b = 3.5;
  r.rss_kb_idle_a = 2100;
  r.bytes_per_held_call_a = -16;
  r.left_kernel = 0;
  std::istringstream in(format_report(r));
  std::vector<std::string> keys;
  std::map<std::string, std::string> kv;
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::string k, v, extra;
    ASSERT_TRUE(ls >> k >> v) << line;
    EXPECT_FALSE(ls >> extra) << line;
    keys.push_back(k);
    kv[k] = v;
  }
  const std::vector<std::string> want{
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
  EXPECT_EQ(keys, want);
  EXPECT_EQ(report_keys(), want);
  EXPECT_EQ(kv["W"], "64");
  EXPECT_EQ(kv["K"], "500");
  EXPECT_EQ(kv["N"], "3000");
  EXPECT_EQ(kv["completed"], "3000");
  EXPECT_EQ(kv["failed"], "0");
  EXPECT_EQ(kv["elapsed_s"], "1.235");
  EXPECT_EQ(kv["calls_per_s"], "2430.0");
  EXPECT_EQ(kv["setup_p50_us"], "120");
  EXPECT_EQ(kv["setup_p99_us"], "na");
  EXPECT_EQ(kv["cpu_us_per_call_a"], "42.2");
  EXPECT_EQ(kv["cpu_us_per_call_b"], "na");
  EXPECT_EQ(kv["syscalls_per_call_b"], "3.50");
  EXPECT_EQ(kv["rss_kb_idle_a"], "2100");
  EXPECT_EQ(kv["bytes_per_held_call_a"], "-16");
  EXPECT_EQ(kv["left_a"], "na");
  EXPECT_EQ(kv["left_kernel"], "0");
}

TEST(LoadgenReport, StatusDumpFigures) {
  const std::string dump =
      "atmsigd status, pid 42, up 3 s\n"
      "mode network, UNI 4.0, signaling VC 0.0.5\n"
      "calls held by the network side: 12\n"
      "sockets: 3\n"
      "  0x1 #1 Listening sap=47.0005 pending=0\n"
      "trace buffer: 10/1000 entries\n";
  const auto h = parse_status(dump);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(h->calls, 12u);
  EXPECT_EQ(h->sockets, 3u);
  EXPECT_FALSE(parse_status("sockets: 3\n").has_value());
}

TEST(LoadgenProbe, OwnProcessFigures) {
  // Some CPU time, then a sleep: the kernel accounts it when the task is
  // switched out.
  volatile std::uint64_t x = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(5);
  while (std::chrono::steady_clock::now() < end) x = x + 1;
  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const auto cpu = cpu_ns(0);
  ASSERT_TRUE(cpu.has_value());
  EXPECT_GT(*cpu, 0u);
  const auto rss = rss_kb(0);
  ASSERT_TRUE(rss.has_value());
  EXPECT_GT(*rss, 0u);
  EXPECT_FALSE(rss_kb(-1).has_value());
}

}  // namespace
}  // namespace atmsigd::loadgen
