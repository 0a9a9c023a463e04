// Whether a demon's log writer thread is stuck: shared by the log path's unit
// and e2e tests.
#pragma once

#include <sys/syscall.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>

namespace atmsigd::test {

// True once the log's writer thread (named atmsigd-log) of process `pid` is
// blocked in writev(): the destination is stuck, not merely slow.
inline bool log_writer_blocked(pid_t pid, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  const std::string task_dir = "/proc/" + std::to_string(pid) + "/task";
  do {
    std::error_code ec;
    for (const auto& t : std::filesystem::directory_iterator(task_dir, ec)) {
      std::string comm, call;
      std::ifstream(t.path() / "comm") >> comm;
      if (comm != "atmsigd-log") continue;
      std::ifstream(t.path() / "syscall") >> call;
      if (call == std::to_string(SYS_writev)) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < end);
  return false;
}

}  // namespace atmsigd::test
