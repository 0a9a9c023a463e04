// Issue 14 item 1: a log destination that does not keep up never stalls the
// demon. The user-side demon logs everything (-d) to a stderr pipe nobody
// reads; calls through it (the load generator as both kernels) keep
// completing, it answers SIGUSR1, and once the pipe is read the count of the
// dropped lines appears; SIGTERM while the pipe is stuck ends it within a
// bounded time. Counts and bounds, never times.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include <atomic>
#include <map>
#include <mutex>
#include <regex>

#include "../support/loadgen_report.hpp"
#include "../support/log_writer_probe.hpp"
#include "call_demons.hpp"

namespace atmsigd::test {
namespace {

using namespace std::chrono_literals;

// The user-side demon with stdout and stderr on a pipe that is read only
// when the test says so.
struct PipedDemon {
  std::string sock = temp_path("piped.sock");
  std::string conf = temp_path("piped.conf");
  std::string dump_dir = temp_path("piped.dumps");
  int rd = -1;
  pid_t pid = -1;
  bool exited = false;
  std::thread reader;
  std::mutex m;
  std::string got;

  PipedDemon(int local, int peer) {
    std::filesystem::create_directories(dump_dir);
    std::ofstream(conf) << "\n";
    int p[2];
    EXPECT_EQ(::pipe2(p, O_CLOEXEC), 0);
    rd = p[0];
    const std::vector<std::string> argv{ATMSIGD_BINARY,
                                        "-d",  // everything, with hex dumps: much to write
                                        "-c",
                                        conf,
                                        "-D",
                                        dump_dir,
                                        "-m",
                                        "user",
                                        "-u",
                                        "uni40",
                                        "--local-address",
                                        kUserAddr,
                                        "--udp-local",
                                        "127.0.0.1:" + std::to_string(local),
                                        "--udp-peer",
                                        "127.0.0.1:" + std::to_string(peer),
                                        "0.0.5",
                                        sock};
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, p[1], 2);
    if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) pid = -1;
    posix_spawn_file_actions_destroy(&fa);
    ::close(p[1]);
    EXPECT_TRUE(kemu::wait_for_socket(sock, 5s));
  }
  ~PipedDemon() {
    if (pid > 0 && !exited) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (rd >= 0) ::close(rd);  // the reader ends at EOF (the demon gone)
    if (reader.joinable()) reader.join();
    std::error_code ec;
    std::filesystem::remove(conf, ec);
    std::filesystem::remove(sock, ec);
    std::filesystem::remove_all(dump_dir, ec);
  }
  // Bytes waiting in the pipe.
  int unread() const {
    int n = 0;
    ::ioctl(rd, FIONREAD, &n);
    return n;
  }
  void start_reading() {
    reader = std::thread([this] {
      char buf[65536];
      for (;;) {
        const ssize_t n = ::read(rd, buf, sizeof buf);
        if (n <= 0) break;
        std::lock_guard lk(m);
        got.append(buf, static_cast<std::size_t>(n));
      }
    });
  }
  std::string text() {
    std::lock_guard lk(m);
    return got;
  }
  bool wait_text(const std::string& what, std::chrono::milliseconds timeout) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (text().find(what) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  // Exit status, -1 if it did not exit within `bound`.
  int wait(std::chrono::milliseconds bound) {
    const auto end = std::chrono::steady_clock::now() + bound;
    int st = 0;
    while (std::chrono::steady_clock::now() < end) {
      if (::waitpid(pid, &st, WNOHANG) == pid) {
        exited = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }
  std::size_t dumps() const {
    std::size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dump_dir))
      n += e.path().string().find(".status.") != std::string::npos;
    return n;
  }
  // The status dump (the load generator's own ones it removes).
  std::string status_dump() const {
    for (const auto& e : std::filesystem::directory_iterator(dump_dir)) {
      if (e.path().string().find(".status.") == std::string::npos) continue;
      std::ifstream in(e.path());
      std::stringstream ss;
      ss << in.rdbuf();
      return ss.str();
    }
    return "";
  }
};

struct LogSinkE2e : ::testing::Test {
  int base = port_base();
  std::unique_ptr<PipedDemon> user;
  std::unique_ptr<Side> net;
  void SetUp() override {
    user = std::make_unique<PipedDemon>(base, base + 1);
    net = std::make_unique<Side>("net", "network", kNetAddr, base + 1, base, "uni40",
                                 std::vector<std::string>{"sig level warn"});
    ASSERT_TRUE(net->wait_log("signaling link up")) << net->log();
  }
  // Calls through both demons; the load generator checks every one ended
  // and nothing is left. Once per demon: the first sender on its socket is
  // its kernel for good.
  void calls(int n) {
    const std::string out = temp_path("load.out");
    Process load({ATMSIGD_LOAD_BINARY, "--a", user->sock, "--b", net->sock, "--called", kNetAddr,
                  "--a-pid", std::to_string(user->pid), "--b-pid", std::to_string(net->proc->pid()),
                  "-W", "16", "-N", std::to_string(n), "--timeout-ms", "20000"},
                 out);
    ASSERT_TRUE(load.started());
    const int rc = load.wait(std::chrono::seconds(120));
    const std::string text = load.output();
    EXPECT_EQ(rc, 0) << text << "\n--- net ---\n" << net->log();
    auto kv = report_of(text);
    EXPECT_EQ(kv["completed"], std::to_string(n)) << text;
    EXPECT_EQ(kv["failed"], "0") << text;
    EXPECT_EQ(kv["left_a"], "0") << text;
    EXPECT_EQ(kv["left_b"], "0") << text;
    std::error_code ec;
    std::filesystem::remove(out, ec);
  }
};

TEST_F(LogSinkE2e, AStuckStderrPipeDropsLinesButCallsGoOnAndTheCountIsReportedOnceItReads) {
  calls(1000);
  // The pipe is full: the demon's writer is stuck in writev().
  EXPECT_TRUE(log_writer_blocked(user->pid, 10s));
  EXPECT_GT(user->unread(), 0);
  // The loop still answers signals: SIGUSR1's dump is written.
  ::kill(user->pid, SIGUSR1);
  const auto end = std::chrono::steady_clock::now() + 5s;
  while (user->dumps() == 0 && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(20ms);
  EXPECT_EQ(user->dumps(), 1u);
  // It counts what its log dropped so far.
  std::string dump = user->status_dump();
  for (int i = 0; i < 250 && dump.find("trace buffer:") == std::string::npos; ++i) {
    std::this_thread::sleep_for(20ms);  // the dump thread is still writing it
    dump = user->status_dump();
  }
  std::smatch d;
  ASSERT_TRUE(
      std::regex_search(dump, d, std::regex("\nlog: stderr, ([0-9]+) line\\(s\\) dropped\n")))
      << dump;
  EXPECT_GT(std::stoull(d[1].str()), 0u);

  user->start_reading();
  // Once the queue has room again (and a turn of the loop: SSCOP's timers
  // make one every few seconds), the count of what was lost.
  ASSERT_TRUE(user->wait_text("log line(s) dropped", 20s)) << user->text().substr(0, 2000);
  std::smatch m;
  const std::string text = user->text();
  ASSERT_TRUE(std::regex_search(
      text, m, std::regex("atmsigd:IO: warning: ([0-9]+) log line\\(s\\) dropped: the log")));
  EXPECT_GT(std::stoull(m[1].str()), 0u);
  // Lines written after that: the dump's, and everything at exit.
  ::kill(user->pid, SIGTERM);
  EXPECT_EQ(user->wait(10s), 0);
  EXPECT_TRUE(user->wait_text("shutting down (SIGTERM)", 5s)) << user->text().substr(0, 2000);
  EXPECT_EQ(net->stop(), 0);
}

// SIGTERM while the pipe is stuck: the demon releases its calls and exits
// (status 0) although its last lines cannot be written; the log gives up
// after its bound (2 s).
TEST_F(LogSinkE2e, SigtermWhileTheLogIsStuckStillEndsTheDemon) {
  calls(500);
  ASSERT_TRUE(log_writer_blocked(user->pid, 10s));
  const int unread = user->unread();
  ::kill(user->pid, SIGTERM);
  // A bound, not a measurement: the log's 2 s and a margin for a busy box.
  EXPECT_EQ(user->wait(8s), 0);
  EXPECT_EQ(user->unread(), unread);  // nobody read: the exit did not wait for it
  EXPECT_EQ(net->stop(), 0);
}

}  // namespace
}  // namespace atmsigd::test
