// The demon as a service: dumps on SIGUSR1/SIGUSR2, reload on SIGHUP, -d hex
// dumps, -b with a pid file.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <map>
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
    // A demon of an earlier test of this process that was killed (not
    // stopped) left its socket here: wait_for_socket() would take it for
    // the new demon's and the client would be refused (seen running the
    // binary whole: ServiceDebug.DashDLogsHexDumpsOfEveryFrame after a
    // test that kills its demon).
    std::error_code ec;
    std::filesystem::remove(sock, ec);
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
  ~Service() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::remove(sock, ec);
    std::filesystem::remove(conf, ec);
  }
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

// logrotate's "postrotate kill -HUP": the log file (-l) renamed, SIGHUP makes
// the demon write to a new file of the same name; the renamed one stops
// growing.
bool wait_for_text_in(const std::string& path, const std::string& text) {
  for (int i = 0; i < 250; ++i) {
    if (read_file(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

TEST(ServiceReload, SighupReopensTheLogFileForLogrotate) {
  const std::string log = temp_path("rotated.log");
  const std::string old = log + ".1";
  std::filesystem::remove(log);
  std::filesystem::remove(old);
  Service s("\n", {"-l", log});
  ASSERT_TRUE(wait_for_text_in(log, "capabilities dropped")) << read_file(log);
  std::filesystem::rename(log, old);
  const std::string before = read_file(old);
  s.proc->signal(SIGHUP);
  ASSERT_TRUE(wait_for_text_in(log, "configuration reloaded")) << read_file(old);
  EXPECT_NE(read_file(log).find("SIGHUP: reopening the log file " + log), std::string::npos);
  // Something logged after the reopen (a status dump) goes to the new file.
  s.proc->signal(SIGUSR1);
  ASSERT_TRUE(wait_for_text_in(log, "dump written to")) << read_file(log);
  EXPECT_EQ(read_file(old), before);  // the renamed file did not grow
  EXPECT_EQ(read_file(log).find("capabilities dropped"), std::string::npos);
  std::filesystem::remove(log);
  std::filesystem::remove(old);
}

TEST(ServiceDebug, DashDLogsHexDumpsOfEveryFrame) {
  Service s("", {"-d"});
  s.run({"itf_notify 3", "expect-none within=100"});
  // The dump is written when the demon has read the frame: wait for it
  // rather than for a fixed time (a SIGTERM first may end the demon before
  // it reads the frame at all on a loaded machine).
  EXPECT_TRUE(wait_for_text(*s.proc, "from kernel: 0a 00 00 00")) << s.proc->output();
  s.proc->signal(SIGTERM);
  EXPECT_EQ(s.proc->wait(), 0);
  // as_itf_notify is type 10: the frame starts 0a 00 00 00.
  EXPECT_NE(s.proc->output().find("from kernel: 0a 00 00 00"), std::string::npos)
      << s.proc->output();
}

// Security (docs/robustness.md): the capabilities after start, the socket's
// access, dumps never following a planted name.
std::map<std::string, std::string> proc_status(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::map<std::string, std::string> m;
  std::string line;
  while (std::getline(in, line)) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto v = line.find_first_not_of(" \t", colon + 1);
    m[line.substr(0, colon)] = v == std::string::npos ? "" : line.substr(v);
  }
  return m;
}

TEST(ServiceSecurity, NoCapabilityIsKeptAfterStartAndNoNewPrivsIsSet) {
  // Started as root here (the test runs as root), so it had them all.
  Service s("");
  ASSERT_TRUE(wait_for_text(*s.proc, "capabilities dropped: none kept")) << s.proc->output();
  const auto st = proc_status(s.proc->pid());
  EXPECT_EQ(st.at("CapEff"), "0000000000000000");
  EXPECT_EQ(st.at("CapPrm"), "0000000000000000");
  EXPECT_EQ(st.at("CapInh"), "0000000000000000");
  EXPECT_EQ(st.at("CapAmb"), "0000000000000000");
  EXPECT_EQ(st.at("NoNewPrivs"), "1");
  // Emptying the bounding set needs CAP_SETPCAP, which only a privileged test run has.
  if (proc_status(::getpid()).at("CapEff") != "0000000000000000") {
    EXPECT_EQ(st.at("CapBnd"), "0000000000000000");
  }
  // Without any, it still serves (and writes a dump, from its dump thread).
  s.run({"listen L addr=" + kA, "expect L okay", "connect C to=" + kA, "expect L indicate"});
  s.proc->signal(SIGUSR1);
  EXPECT_TRUE(wait_for_file(s.dump("status"), std::chrono::seconds(5))) << s.proc->output();
  s.proc->signal(SIGTERM);
  EXPECT_EQ(s.proc->wait(), 0);
  EXPECT_FALSE(std::filesystem::exists(s.sock));  // removed without a capability
}

TEST(ServiceSecurity, TheSocketIsMode0600ByDefault) {
  Service s("");
  ASSERT_TRUE(wait_for_text(*s.proc, "capabilities dropped")) << s.proc->output();
  struct stat st {};
  ASSERT_EQ(::lstat(s.sock.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_NE(s.proc->output().find("(mode 0600)"), std::string::npos) << s.proc->output();
  s.proc->signal(SIGTERM);
  EXPECT_EQ(s.proc->wait(), 0);
}

TEST(ServiceSecurity, SocketGroupAndModeFromTheConfiguration) {
  // A group other than ours, if the system has one: "daemon" on Debian.
  const struct group* g = ::getgrnam("daemon");
  const std::string group = g != nullptr ? "daemon" : "root";
  const gid_t gid = g != nullptr ? g->gr_gid : 0;
  Service s("io { socket group " + group + " socket mode 0660 }\n");
  ASSERT_TRUE(wait_for_text(*s.proc, "capabilities dropped")) << s.proc->output();
  struct stat st {};
  ASSERT_EQ(::lstat(s.sock.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_gid, gid);
  EXPECT_NE(s.proc->output().find("(mode 0660, group " + group + ")"), std::string::npos)
      << s.proc->output();
  s.run({"listen L addr=" + kA, "expect L okay"});  // the user of signaling still gets in
  // Changed on SIGHUP: the socket file is made once, at start.
  std::ofstream(s.conf) << "io socket mode 0640\n";
  s.proc->signal(SIGHUP);
  EXPECT_TRUE(wait_for_text(*s.proc,
                            "io socket (owner, group, mode) changed: it takes effect "
                            "after a restart"))
      << s.proc->output();
  ASSERT_EQ(::lstat(s.sock.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  s.proc->signal(SIGTERM);
  EXPECT_EQ(s.proc->wait(), 0);
}

TEST(ServiceSecurity, AWorldWritableSocketIsRefusedAtStart) {
  const std::string conf = temp_path("world.conf");
  std::ofstream(conf) << "io level info\nio socket mode 0666\n";
  Process p({ATMSIGD_BINARY, "-c", conf, "--network", "loopback", "0.0.5", temp_path("w.sock")},
            temp_path("world.log"));
  EXPECT_EQ(p.wait(), 1);
  EXPECT_NE(p.output().find(conf + ":2: mode gives access to other users"), std::string::npos)
      << p.output();
  EXPECT_FALSE(std::filesystem::exists(temp_path("w.sock")));
  std::filesystem::remove(conf);
}

// A symbolic link planted under the next dump's name in a shared dump
// directory (as /var/tmp is): the demon does not follow it, and the dump goes
// to the next free name in the dump directory.
TEST(ServiceSecurity, ADumpNeverFollowsAPlantedSymlink) {
  Service s("");
  ASSERT_TRUE(wait_for_text(*s.proc, "capabilities dropped")) << s.proc->output();
  const std::string victim = temp_path("victim");
  std::filesystem::remove(victim);
  std::filesystem::create_symlink(victim, s.dump("status", 0));
  const std::string existing = s.dump("trace", 0);
  std::ofstream(existing) << "not the demon's\n";
  s.proc->signal(SIGUSR1);
  s.proc->signal(SIGUSR2);
  ASSERT_TRUE(wait_for_file(s.dump("status", 1), std::chrono::seconds(5))) << s.proc->output();
  ASSERT_TRUE(wait_for_file(s.dump("trace", 1), std::chrono::seconds(5))) << s.proc->output();
  EXPECT_FALSE(std::filesystem::exists(victim));                  // the link was not followed
  EXPECT_TRUE(std::filesystem::is_symlink(s.dump("status", 0)));  // nor replaced
  EXPECT_EQ(read_file(existing), "not the demon's\n");            // nor a file truncated
  EXPECT_NE(read_file(s.dump("status", 1)).find("atmsigd status"), std::string::npos);
  EXPECT_NE(s.proc->output().find("exists already, not touched"), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::lstat(s.dump("status", 1).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  s.proc->signal(SIGTERM);
  EXPECT_EQ(s.proc->wait(), 0);
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
