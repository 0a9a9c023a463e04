// Issue 13 item 7: a short run of atmsigd-load in the test command. Two of
// our demons back to back over UDP loopback (the fixture of tests/e2e), the
// load generator as both their kernels; every call must complete and nothing
// may be left in either demon or either kernel. Counts only, never times.
#include <gtest/gtest.h>

#include <map>

#include "../e2e/call_demons.hpp"
#include "../support/loadgen_report.hpp"

namespace atmsigd::test {
namespace {

TEST(LoadgenE2e, ThousandsOfCallsWithSomeHeldAllCompleteAndNothingIsLeft) {
  const int base = port_base();
  // Warnings only from call control: the run is about calls, not their log.
  Side user("user", "user", kUserAddr, base, base + 1, "uni40", {"sig level warn"});
  Side net("net", "network", kNetAddr, base + 1, base, "uni40", {"sig level warn"});
  ASSERT_TRUE(user.wait_log("signaling link up")) << user.log();
  ASSERT_TRUE(net.wait_log("signaling link up")) << net.log();

  // The fixture's own kernel clients never send: the first sender, the load
  // generator, becomes each demon's kernel.
  const std::string out = temp_path("load.out");
  Process load(
      {ATMSIGD_LOAD_BINARY, "--a", user.sock, "--b", net.sock, "--called", kNetAddr, "--a-pid",
       std::to_string(user.proc->pid()), "--b-pid", std::to_string(net.proc->pid()), "-W", "64",
       "-K", "500", "-N", "3000", "--timeout-ms", "20000"},
      out);
  ASSERT_TRUE(load.started());
  const int rc = load.wait(std::chrono::seconds(120));
  const std::string text = load.output();
  EXPECT_EQ(rc, 0) << text << "\n--- user ---\n" << user.log() << "\n--- net ---\n" << net.log();
  auto kv = report_of(text);
  std::cout << text;  // the figures, for whoever reads the test log
  EXPECT_EQ(kv["W"], "64") << text;
  EXPECT_EQ(kv["K"], "500");
  EXPECT_EQ(kv["N"], "3000");
  EXPECT_EQ(kv["completed"], "3000");
  EXPECT_EQ(kv["failed"], "0");
  EXPECT_EQ(kv["left_a"], "0");
  EXPECT_EQ(kv["left_b"], "0");
  EXPECT_EQ(kv["left_kernel"], "0");
  // Figures were had (their values are not checked: times and sizes vary).
  for (const char* k : {"setup_p50_us", "cpu_us_per_call_a", "cpu_us_per_call_b", "rss_kb_held_a",
                        "rss_kb_held_b", "bytes_per_held_call_a"})
    EXPECT_NE(kv[k], "na") << k;
  std::error_code ec;
  std::filesystem::remove(out, ec);

  EXPECT_EQ(user.stop(), 0);
  EXPECT_EQ(net.stop(), 0);
}

}  // namespace
}  // namespace atmsigd::test
