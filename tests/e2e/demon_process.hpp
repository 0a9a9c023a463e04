// Runs the real demon binary as a child process for end-to-end tests.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace atmsigd::test {

inline std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("atmsigd-e2e-" + std::to_string(::getpid()) + "-" + name))
      .string();
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
