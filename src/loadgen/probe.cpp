#include "atmsigd/loadgen/probe.hpp"

#include <linux/perf_event.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace atmsigd::loadgen {
namespace {

std::string proc_dir(pid_t pid) {
  return pid == 0 ? std::string("/proc/self") : "/proc/" + std::to_string(pid);
}

std::optional<std::string> slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::optional<std::uint64_t> cpu_ns(pid_t pid) {
  std::error_code ec;
  std::uint64_t sum = 0;
  bool any = false;
  for (const auto& t : std::filesystem::directory_iterator(proc_dir(pid) + "/task", ec)) {
    std::ifstream in(t.path() / "schedstat");
    std::uint64_t ns = 0;
    if (in >> ns) {
      sum += ns;
      any = true;
    }
  }
  if (ec || !any) return std::nullopt;
  return sum;
}

std::optional<std::uint64_t> rss_kb(pid_t pid) {
  std::ifstream in(proc_dir(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream ls(line.substr(6));
    std::uint64_t kb = 0;
    if (ls >> kb) return kb;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> sys_enter_tracepoint_id() {
  for (const char* p : {"/sys/kernel/tracing/events/raw_syscalls/sys_enter/id",
                        "/sys/kernel/debug/tracing/events/raw_syscalls/sys_enter/id"}) {
    std::ifstream in(p);
    std::uint64_t id = 0;
    if (in >> id) return id;
  }
  return std::nullopt;
}

SyscallCounter::~SyscallCounter() {
  for (int fd : fds_) ::close(fd);
}

bool SyscallCounter::open(pid_t pid, std::string& error) {
  const auto id = sys_enter_tracepoint_id();
  if (!id) {
    error = "no tracepoint raw_syscalls:sys_enter (tracefs not mounted?)";
    return false;
  }
  // One counter per existing thread; inherit covers threads created later.
  std::error_code ec;
  for (const auto& t : std::filesystem::directory_iterator(proc_dir(pid) + "/task", ec)) {
    struct perf_event_attr attr;
    std::memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_TRACEPOINT;
    attr.config = *id;
    attr.disabled = 1;
    attr.inherit = 1;
    const pid_t tid = static_cast<pid_t>(std::stol(t.path().filename().string()));
    const int fd = static_cast<int>(::syscall(SYS_perf_event_open, &attr, tid, -1, -1, 0));
    if (fd < 0) {
      error = std::string("perf_event_open: ") + std::strerror(errno);
      for (int f : fds_) ::close(f);
      fds_.clear();
      return false;
    }
    fds_.push_back(fd);
  }
  if (ec || fds_.empty()) {
    error = "no threads of pid " + std::to_string(pid);
    return false;
  }
  return true;
}

void SyscallCounter::enable() {
  for (int fd : fds_) ::ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
}

void SyscallCounter::disable() {
  for (int fd : fds_) ::ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
}

std::optional<std::uint64_t> SyscallCounter::read() const {
  if (fds_.empty()) return std::nullopt;
  std::uint64_t sum = 0;
  for (int fd : fds_) {
    std::uint64_t v = 0;
    if (::read(fd, &v, sizeof v) != static_cast<ssize_t>(sizeof v)) return std::nullopt;
    sum += v;
  }
  return sum;
}

std::optional<Held> parse_status(const std::string& dump) {
  static const std::string kSockets = "\nsockets: ";
  static const std::string kCalls = "\ncalls held by the network side: ";
  const auto s = dump.find(kSockets);
  const auto c = dump.find(kCalls);
  if (s == std::string::npos || c == std::string::npos) return std::nullopt;
  Held h;
  h.sockets = std::stoull(dump.substr(s + kSockets.size()));
  h.calls = std::stoull(dump.substr(c + kCalls.size()));
  return h;
}

bool is_original_demon(pid_t pid) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink(proc_dir(pid) + "/exe", ec);
  return !ec && exe == "/usr/sbin/atmsigd";
}

std::string dump_dir_of(pid_t pid) {
  const auto cmdline = slurp(proc_dir(pid) + "/cmdline");
  if (cmdline) {
    std::vector<std::string> args;
    std::string cur;
    for (char ch : *cmdline) {
      if (ch == '\0') {
        args.push_back(cur);
        cur.clear();
      } else {
        cur += ch;
      }
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (args[i] == "-D" && i + 1 < args.size()) return args[i + 1];
      if (args[i].rfind("-D", 0) == 0 && args[i].size() > 2) return args[i].substr(2);
    }
  }
  return "/var/tmp";
}

std::optional<std::string> status_dump(pid_t pid, const std::string& dir,
                                       std::chrono::milliseconds timeout) {
  // The demon numbers its dumps; the new one is the name not there before
  // (each one read is removed, so the directory does not fill up).
  const std::string prefix = "atmsigd." + std::to_string(pid) + ".status.";
  auto names = [&] {
    std::vector<std::string> v;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      std::string name = e.path().filename().string();
      if (name.rfind(prefix, 0) == 0) v.push_back(std::move(name));
    }
    return v;
  };
  const std::vector<std::string> before = names();
  if (::kill(pid, SIGUSR1) != 0) return std::nullopt;
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    for (const auto& name : names()) {
      if (std::find(before.begin(), before.end(), name) != before.end()) continue;
      // Written by the demon's dump thread: complete once its last line is.
      const std::string path = dir + "/" + name;
      if (auto text = slurp(path); text && text->ends_with(" entries\n")) {
        std::error_code ec;
        std::filesystem::remove(path, ec);
        return text;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return std::nullopt;
}

}  // namespace atmsigd::loadgen
