// Runs the real demon binary as a child process for end-to-end tests.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace atmsigd::test {

// A name in the temporary folder that is this process's alone. The pid is
// not enough: pid_max is 32768 here and test runs leave files behind (a
// killed demon its socket), so a later process with the same pid found a
// stale socket at "its" path, took it for the demon's, and was refused
// (ServiceDebug.DashDLogsHexDumpsOfEveryFrame's flakiness). A random tag
// drawn once per process makes the name unique per run of the process.
inline std::string temp_path(const std::string& name) {
  static const std::string tag = [] {
    std::random_device rd;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(rd()));
    return std::to_string(::getpid()) + "-" + buf;
  }();
  return (std::filesystem::temp_directory_path() / ("atmsigd-e2e-" + tag + "-" + name)).string();
}

// `n` consecutive UDP ports free on 127.0.0.1 now, the first one picked by
// the kernel (a random ephemeral port), the others checked by binding them.
// The ports used to be derived from the pid (30000 + pid % 4000 * 2): with
// pid_max 32768 two test processes running at once, in this tree or
// another's, met on the same ports about once in 4000 pairs, and their
// demons talked to each other's SSCOP (TwoDemons.DefaultLevelLogsTwoLinesPerCall
// then counted the warnings). -1 when none are found.
inline int free_udp_ports(int n) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::vector<int> fds;
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    int first = -1;
    bool ok = true;
    for (int i = 0; i < n && ok; ++i) {
      const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
      if (fd < 0) {
        ok = false;
        break;
      }
      fds.push_back(fd);
      sin.sin_port = htons(static_cast<std::uint16_t>(i == 0 ? 0 : first + i));
      ok = (i == 0 || first + i <= 65535) &&
           ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0;
      if (ok && i == 0) {
        ok = ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &len) == 0;
        first = ntohs(sin.sin_port);
      }
    }
    for (const int fd : fds) ::close(fd);
    if (ok) return first;
  }
  return -1;
}

class Process {
 public:
  // Starts `argv` with stdout and stderr going to `log_file`.
  Process(const std::vector<std::string>& argv, const std::string& log_file) : log_(log_file) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    if (posix_spawn(&pid_, args[0], &fa, nullptr, args.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&fa);
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  void signal(int sig) { ::kill(pid_, sig); }
  // Exit status, or -1 if it did not exit in time (then it is killed).
  int wait(std::chrono::milliseconds timeout = std::chrono::milliseconds(5000)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    int st = 0;
    while (std::chrono::steady_clock::now() < end) {
      const pid_t r = ::waitpid(pid_, &st, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  // The demon writes its log from a thread of its own, a few milliseconds
  // after the event (io/logging.hpp): read once the file stopped growing.
  std::string output() const {
    if (pid_ > 0 && !exited_) {
      std::error_code ec;
      auto size = std::filesystem::file_size(log_, ec);
      auto stable_since = std::chrono::steady_clock::now();
      const auto end = stable_since + std::chrono::seconds(2);
      while (std::chrono::steady_clock::now() < end &&
             std::chrono::steady_clock::now() - stable_since < std::chrono::milliseconds(50)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        const auto now_size = std::filesystem::file_size(log_, ec);
        if (now_size != size) {
          size = now_size;
          stable_since = std::chrono::steady_clock::now();
        }
      }
    }
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string log_;
};

}  // namespace atmsigd::test
