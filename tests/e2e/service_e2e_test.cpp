// The demon as a service: dumps on SIGUSR1/SIGUSR2, reload on SIGHUP, -d hex
// dumps, -b with a pid file.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <sstream>
#include <thread>

#include "atmsigd/kernel_emu/script.hpp"
#include "demon_process.hpp"

namespace atmsigd::test {
namespace {

const std::string kA = "47.0005.80ffe1000000f21a26d8.0020ea000ee0.00";
const std::string kB = "47.0005.80ffe1000000f21a26d8.0020ea000ee1.00";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool wait_for_file(const std::string& path, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (std::filesystem::exists(path) && !read_file(path).empty()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

bool wait_for_text(const Process& p, const std::string& text) {
  for (int i = 0; i < 250; ++i) {
    if (p.output().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

struct Service {
  std::string dir = temp_path("dumps");
  std::string sock = temp_path("svc.sock");
  std::string conf = temp_path("svc.conf");
  std::unique_ptr<Process> proc;
  kemu::UnixClient client;
  std::ostringstream trace;
  std::unique_ptr<kemu::ScriptRunner> runner;

  explicit Service(const std::string& config, std::vector<std::string> extra = {}) {
    std::filesystem::create_directories(dir);
    std::ofstream(conf) << config;
    std::vector<std::string> a{ATMSIGD_BINARY,    "-c", conf, "-D", dir, "--network", "loopback",
                               "--local-address", kA};
    a.insert(a.end(), extra.begin(), extra.end());
    a.push_back("0.0.5");
    a.push_back(sock);
    proc = std::make_unique<Process>(a, temp_path("svc.log"));
    EXPECT_TRUE(kemu::wait_for_socket(sock, std::chrono::seconds(5))) << proc->output();
    std::string err;
    EXPECT_TRUE(client.open(sock, err)) << err;
    runner = std::make_unique<kemu::ScriptRunner>(client, trace);
  }
  ~Service() { std::filesystem::remove_all(dir); }
  void run(const std::vector<std::string>& lines) {
    EXPECT_TRUE(runner->run_lines(lines)) << trace.str() << "\n" << proc->output();
  }
  std::string dump(const char* kind, int n = 0) {
    return dir + "/atmsigd." + std::to_string(proc->pid()) + "." + kind + "." + std::to_string(n);
  }
};

TEST(ServiceDumps, Sigusr1WritesTheStatusAndSigusr2TheTrace) {
  Service s("debug trace 50\n");
  s.run({"listen L addr=" + kA, "expect L okay", "connect C to=" + kA, "expect L indicate"});
  s.proc->signal(SIGUSR1);
  ASSERT_TRUE(wait_for_file(s.dump("status"), std::chrono::seconds(5))) << s.proc->output();
  const auto status = read_file(s.dump("status"));
  EXPECT_NE(status.find("atmsigd status, pid " + std::to_string(s.proc->pid())), std::string::npos)
      << status;
  EXPECT_NE(status.find("sockets: 2"), std::string::npos) << status;
  EXPECT_NE(status.find("Listening"), std::string::npos) << status;
  EXPECT_NE(status.find("pending=1"), std::string::npos) << status;
  EXPECT_NE(status.find("Connecting"), std::string::npos) << status;
  EXPECT_NE(status.find("calls held by the network side: 1"), std::string::npos) << status;
  s.proc->signal(SIGUSR2);
  ASSERT_TRUE(wait_for_file(s.dump("trace"), std::chrono::seconds(5))) << s.proc->output();
  const auto trace = read_file(s.dump("trace"));
  EXPECT_NE(trace.find("(buffer 50)"), std::string::npos) << trace;
  EXPECT_NE(trace.find("from kernel: as_listen"), std::string::npos) << trace;
  EXPECT_NE(trace.find("to kernel: as_indicate"), std::string::npos) << trace;
  // A second status dump gets the next number; the demon kept serving.
  s.proc->signal(SIGUSR1);
  EXPECT_TRUE(wait_for_file(s.dump("status", 1), std::chrono::seconds(5)));
  s.run({"accept N L", "expect N okay", "expect C okay"});
  s.proc->signal(SIGTERM);
  EXPECT_EQ(s.proc->wait(), 0);
}

TEST(ServiceDumps, TraceLengthZeroTurnsTracingOff) {
  Service s("", {"-t", "0"});
  s.run({"itf_notify 0", "expect-none within=100"});
  s.proc->signal(SIGUSR2);
  ASSERT_TRUE(wait_for_file(s.dump("trace"), std::chrono::seconds(5)));
  EXPECT_NE(read_file(s.dump("trace")).find("trace: 0 of"), std::string::npos);
  s.proc->signal(SIGTERM);
  EXPECT_EQ(s.proc->wait(), 0);
}

TEST(ServiceReload, GoodFileChangesPolicyBadFileKeepsTheOld) {
  Service s("policy reject to " + kB + "\n");
  s.run({"connect C to=" + kB, "expect C error reply=-13"});
  std::ofstream(s.conf) << "sig level debug\n";  // the rule is gone
  s.proc->signal(SIGHUP);
  ASSERT_TRUE(wait_for_text(*s.proc, "configuration reloaded")) << s.proc->output();
  s.run({"connect D to=" + kB, "expect D error reply=-111"});  // now reaches the network
  std::ofstream(s.conf) << "policy reject to " << kB << "\nsig mode net\n";
  s.proc->signal(SIGHUP);
  ASSERT_TRUE(wait_for_text(*s.proc, "reload failed, keeping the old configuration"))
      << s.proc->output();
  EXPECT_NE(s.proc->output().find(s.conf + ":2: syntax error"), std::string::npos);
  s.run({"connect E to=" + kB, "expect E error reply=-111"});  // old (no rule) still in force
  std::ofstream(s.conf) << "sig mode network\n";
  s.proc->signal(SIGHUP);
  ASSERT_TRUE(wait_for_text(*s.proc, "sig mode changed: it takes effect after a restart"))
      << s.proc->output();
  s.proc->signal(SIGTERM);
  EXPECT_EQ(s.proc->wait(), 0);
}

TEST(ServiceDebug, DashDLogsHexDumpsOfEveryFrame) {
  Service s("", {"-d"});
  s.run({"itf_notify 3", "expect-none within=100"});
  s.proc->signal(SIGTERM);
  EXPECT_EQ(s.proc->wait(), 0);
  // as_itf_notify is type 10: the frame starts 0a 00 00 00.
  EXPECT_NE(s.proc->output().find("from kernel: 0a 00 00 00"), std::string::npos)
      << s.proc->output();
}

// The detached demon of `-b`, reparented to this test (a child subreaper), so
// the test can wait for it and read its exit status like a service manager.
struct Detached {
  std::string pidfile = temp_path("bg.pid");
  std::string sock = temp_path("bg.sock");
  std::string dir = temp_path("bg-dumps");
  pid_t child = -1;
  bool reaped = false;

  Detached() {
    std::filesystem::create_directories(dir);
    EXPECT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    Process p({ATMSIGD_BINARY, "-b", "-c", "/dev/null", "--network", "loopback", "-l",
               temp_path("bg.log"), "-D", dir, "--pid-file", pidfile, "0.0.5", sock},
              temp_path("bg.out"));
    EXPECT_EQ(p.wait(), 0);  // the parent returns once initialized
    if (wait_for_file(pidfile, std::chrono::seconds(5))) child = std::stoi(read_file(pidfile));
    EXPECT_NE(child, p.pid());
  }
  ~Detached() {
    if (child > 0 && !reaped) {
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
    }
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
    std::filesystem::remove_all(dir);
  }
  // Exit status, or -1 if it has not ended within `timeout`.
  int wait(std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      int st = 0;
      if (::waitpid(child, &st, WNOHANG) == child) {
        reaped = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
};

TEST(ServiceBackground, DashBDetachesAndWritesThePidFile) {
  Detached d;
  ASSERT_GT(d.child, 0);
  EXPECT_TRUE(std::filesystem::exists(d.sock));
  EXPECT_EQ(::kill(d.child, SIGTERM), 0);
  EXPECT_EQ(d.wait(std::chrono::seconds(10)), 0);  // the process ended, status 0
  EXPECT_FALSE(std::filesystem::exists(d.pidfile));
  EXPECT_FALSE(std::filesystem::exists(d.sock));
}

// Issue 14: a thread pool made before the fork hung the child's exit in
// pthread_cond_destroy. Dumps (which start the dump thread) and SIGTERM,
// several times: the detached demon ends every time.
TEST(ServiceBackground, DashBEndsOnSigtermAfterDumps) {
  for (int round = 0; round < 5; ++round) {
    Detached d;
    ASSERT_GT(d.child, 0);
    ::kill(d.child, SIGUSR1);
    ::kill(d.child, SIGUSR2);
    const std::string stem = d.dir + "/atmsigd." + std::to_string(d.child) + ".";
    EXPECT_TRUE(wait_for_file(stem + "status.0", std::chrono::seconds(5))) << round;
    EXPECT_TRUE(wait_for_file(stem + "trace.0", std::chrono::seconds(5))) << round;
    EXPECT_EQ(::kill(d.child, SIGTERM), 0);
    EXPECT_EQ(d.wait(std::chrono::seconds(10)), 0) << "round " << round;
  }
}

// SIGTERM at once, as soon as the pid file names the child (as a service
// manager may): the child may not have rebuilt Asio's signal pipe yet; the
// signal must wait (blocked across the fork), not be lost. Ten rounds.
TEST(ServiceBackground, DashBEndsOnSigtermSentTheMomentThePidFileExists) {
  for (int round = 0; round < 10; ++round) {
    Detached d;
    ASSERT_GT(d.child, 0);
    EXPECT_EQ(::kill(d.child, SIGTERM), 0);
    EXPECT_EQ(d.wait(std::chrono::seconds(10)), 0) << "round " << round;
  }
}

// Every foreground mode ends with status 0 soon after SIGTERM, also with a
// signaling link whose peer never answers (the shutdown's waits are bounded).
TEST(ServiceLifecycle, SigtermEndsEveryModeWithStatusZero) {
  const std::vector<std::vector<std::string>> modes = {
      {"--network", "loopback"},
      {"--network", "refuse"},
      {"-m", "user", "--udp-local", "127.0.0.1:0", "--udp-peer", "127.0.0.1:9"},
      {"-m", "network", "--udp-local", "127.0.0.1:0", "--udp-peer", "127.0.0.1:9"},
      {"-m", "switch", "--udp-local", "127.0.0.1:0", "--udp-peer", "127.0.0.1:9"},
  };
  for (const auto& mode : modes) {
    const std::string sock = temp_path("life.sock");
    std::vector<std::string> a{ATMSIGD_BINARY, "-c", "/dev/null", "--local-address", kA};
    a.insert(a.end(), mode.begin(), mode.end());
    a.push_back("0.0.5");
    a.push_back(sock);
    Process p(a, temp_path("life.log"));
    ASSERT_TRUE(kemu::wait_for_socket(sock, std::chrono::seconds(5))) << p.output();
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(std::chrono::seconds(10)), 0) << mode[1] << "\n" << p.output();
    EXPECT_FALSE(std::filesystem::exists(sock)) << mode[1];
  }
}

}  // namespace
}  // namespace atmsigd::test
