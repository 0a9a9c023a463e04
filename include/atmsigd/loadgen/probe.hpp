// What the load generator reads about the two demons (and itself) from the
// kernel: CPU time (/proc/PID/task/*/schedstat), resident memory
// (/proc/PID/status), system calls (perf tracepoint raw_syscalls:sys_enter)
// and, from our demon only, what it still holds (its SIGUSR1 status dump).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace atmsigd::loadgen {

// Nanoseconds on CPU of all threads of `pid` (0: this process).
std::optional<std::uint64_t> cpu_ns(pid_t pid);
// VmRSS in kB.
std::optional<std::uint64_t> rss_kb(pid_t pid);

// Counts system calls entered by every thread of a process (threads created
// later included) while enabled. Needs perf_event_open on a tracepoint: root
// or perf_event_paranoid permitting.
class SyscallCounter {
 public:
  SyscallCounter() = default;
  ~SyscallCounter();
  SyscallCounter(const SyscallCounter&) = delete;
  SyscallCounter& operator=(const SyscallCounter&) = delete;

  // False (and `error` says why) when the counter cannot be had.
  bool open(pid_t pid, std::string& error);
  void enable();
  void disable();
  std::optional<std::uint64_t> read() const;

 private:
  std::vector<int> fds_;
};

// The tracepoint id of raw_syscalls:sys_enter (tracefs or debugfs).
std::optional<std::uint64_t> sys_enter_tracepoint_id();

// The figures of our demon's status dump that say what it holds.
struct Held {
  std::uint64_t sockets = 0, calls = 0;
};
// Parses "sockets: N" and "calls held by the network side: N".
std::optional<Held> parse_status(const std::string& dump);

// True when `pid` runs Debian's original demon (no status dump to ask for).
bool is_original_demon(pid_t pid);
// The dump directory of our demon: its -D/--dump-dir argument, else the
// default /var/tmp (a dump directory set only in the config file is not seen:
// pass it explicitly).
std::string dump_dir_of(pid_t pid);
// Sends SIGUSR1 and reads the status dump it writes to `dir`; nullopt when
// none comes within `timeout`.
std::optional<std::string> status_dump(pid_t pid, const std::string& dir,
                                       std::chrono::milliseconds timeout);

}  // namespace atmsigd::loadgen
