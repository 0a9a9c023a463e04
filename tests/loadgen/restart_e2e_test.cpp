// Issue 14 item 5: restarts under load. Two of our demons back to back, the
// load generator as both their kernels in --reconnect mode (a demon's death
// ends its side's sockets with -EUNATCH, as net/atm/signaling.c sigd_close
// does), thousands of calls; during the run one demon is killed (SIGKILL) or
// stopped (SIGTERM) and started again. Every call must end in both kernels
// (none lost), nothing may be left in either demon, the demons serve calls
// afterwards (--after: all complete), and the long-lived demon's memory
// returns to its idle level. Counts only, never times.
#include <gtest/gtest.h>

#include <map>

#include "../e2e/call_demons.hpp"
#include "../support/loadgen_report.hpp"

namespace atmsigd::test {
namespace {

// The restart must fall inside the measured run (400 ms in): the run after
// it (--after) starts when the measured run ends, and a restart during that
// one fails its calls in flight, as it should, against after_failed == 0
// below. Session 11's demons placed 20 000 calls in 0.39 s here (50 000 a
// second), so the run is sized for well over a second at that rate.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kCalls = 20000;  // ASan: about 5 times slower
#else
constexpr int kCalls = 100000;
#endif
constexpr int kAfter = 500;
// Memory of the long-lived demon after the run may exceed its idle level by
// this much (allocator caches, the status dump's buffers), not by calls.
constexpr long kRssSlackKb = 2048;

long rss_kb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

enum class Event { kKillB, kTermA, kKillA };

void restart_under_load(Event ev) {
  const int base = port_base();
  Side user("user", "user", kUserAddr, base, base + 1, "uni40", {"sig level warn"});
  Side net("net", "network", kNetAddr, base + 1, base, "uni40", {"sig level warn"});
  ASSERT_TRUE(user.wait_log("signaling link up")) << user.log();
  ASSERT_TRUE(net.wait_log("signaling link up")) << net.log();
  Side& survivor = ev == Event::kKillB ? user : net;
  Side& victim = ev == Event::kKillB ? net : user;
  const long idle_kb = rss_kb(survivor.proc->pid());

  const std::string out = temp_path("load.out");
  Process load({ATMSIGD_LOAD_BINARY, "--a", user.sock, "--b", net.sock, "--called", kNetAddr,
                "--reconnect", "-W", "64", "-N", std::to_string(kCalls), "--after",
                std::to_string(kAfter), "--timeout-ms", "20000"},
               out);
  ASSERT_TRUE(load.started());
  // Some way into the measured run (kCalls above); the counts below hold
  // wherever in it the restart falls.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  if (ev == Event::kTermA) {
    victim.proc->signal(SIGTERM);
    EXPECT_EQ(victim.proc->wait(std::chrono::seconds(10)), 0) << victim.log();
  } else {
    victim.kill();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  victim.launch();

  const int rc = load.wait(std::chrono::seconds(180));
  const std::string text = load.output();
  std::cout << text;  // the figures, for whoever reads the test log
  EXPECT_EQ(rc, 0) << text << "\n--- user ---\n" << user.log() << "\n--- net ---\n" << net.log();
  auto kv = report_of(text);
  EXPECT_EQ(kv["lost"], "0") << text;
  EXPECT_EQ(kv["left_kernel"], "0");
  EXPECT_EQ(kv[ev == Event::kKillB ? "restarts_b" : "restarts_a"], "1") << text;
  // Every call placed ended: completed or failed with an errno.
  ASSERT_FALSE(kv["completed"].empty());
  EXPECT_EQ(std::stoul(kv["completed"]) + std::stoul(kv["failed"]),
            static_cast<unsigned long>(kCalls + kAfter))
      << text;
  EXPECT_EQ(kv["after_completed"], std::to_string(kAfter)) << text;
  EXPECT_EQ(kv["after_failed"], "0");

  // Nothing left in either demon (the listener is closed too).
  EXPECT_TRUE(user.status_has({"calls held by the network side: 0", "sockets: 0"}));
  EXPECT_TRUE(net.status_has({"calls held by the network side: 0", "sockets: 0"}));
  const long after_kb = rss_kb(survivor.proc->pid());
  std::cout << "rss_kb_idle_survivor " << idle_kb << "\nrss_kb_after_survivor " << after_kb << "\n";
  EXPECT_GT(idle_kb, 0);
#if !defined(__SANITIZE_ADDRESS__)
  EXPECT_LE(after_kb, idle_kb + kRssSlackKb) << "idle " << idle_kb << " kB, after " << after_kb;
#else
  // ASan keeps freed memory in its quarantine (up to 256 MB): RSS says
  // nothing of the demon's own memory there (LeakSanitizer checks leaks).
#endif
  std::error_code ec;
  std::filesystem::remove(out, ec);
  EXPECT_EQ(user.stop(), 0);
  EXPECT_EQ(net.stop(), 0);
}

TEST(RestartUnderLoad, PeerDemonKilledAndRestarted_NoCallLostNothingLeft) {
  restart_under_load(Event::kKillB);
}

TEST(RestartUnderLoad, DemonSigtermThenStartedAgain_NoCallLostNothingLeft) {
  restart_under_load(Event::kTermA);
}

TEST(RestartUnderLoad, DemonKilledThenRestarted_NoCallLostNothingLeft) {
  restart_under_load(Event::kKillA);
}

}  // namespace
}  // namespace atmsigd::test
