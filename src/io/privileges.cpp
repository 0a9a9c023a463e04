#include "atmsigd/io/privileges.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

namespace atmsigd::io {
namespace {

// capget/capset directly (two system calls; libcap's set arithmetic is not
// needed to empty every set).
bool get_caps(__user_cap_data_struct (&data)[2]) {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  return ::syscall(SYS_capget, &hdr, data) == 0;
}

bool has_effective(const __user_cap_data_struct (&data)[2], int cap) {
  return (data[cap / 32].effective & (1U << (cap % 32))) != 0;
}

// read(2), not an ifstream: an iostream sets up libstdc++'s whole locale
// (issue 13, idle RSS).
int last_cap() {
  char buf[16];
  const int fd = ::open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CAP_LAST_CAP;
  const ssize_t len = ::read(fd, buf, sizeof buf);
  ::close(fd);
  int n = -1;
  if (len > 0) std::from_chars(buf, buf + len, n);
  if (n >= 0 && n < 64) return n;
  return CAP_LAST_CAP;
}

std::string failed(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

PrivilegeDrop drop_privileges() {
  PrivilegeDrop r;
  std::error_code ec;
  int threads = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/self/task", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++threads;
  if (threads > 1) {
    r.error = "cannot drop the capabilities: " + std::to_string(threads) +
              " threads already (capabilities are per thread)";
    return r;
  }
  __user_cap_data_struct caps[2]{};
  if (!get_caps(caps)) {
    r.error = failed("cannot drop the capabilities: capget");
    return r;
  }
  // The bounding set first: dropping from it needs CAP_SETPCAP, still held.
  int bounded = 0;
  bool bounding_kept = false;
  for (int c = 0; c <= last_cap(); ++c) {
    if (::prctl(PR_CAPBSET_READ, c, 0, 0, 0) != 1) continue;
    if (!has_effective(caps, CAP_SETPCAP)) {
      bounding_kept = true;
      break;
    }
    if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0) {
      r.error = failed("cannot drop the capabilities: PR_CAPBSET_DROP");
      return r;
    }
    ++bounded;
  }
  // Ambient capabilities: EINVAL on kernels before 4.3, which have none.
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    r.error = failed("cannot drop the capabilities: PR_CAP_AMBIENT_CLEAR_ALL");
    return r;
  }
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    r.error = failed("cannot set no_new_privs");
    return r;
  }
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct none[2]{};
  if (::syscall(SYS_capset, &hdr, none) != 0) {
    r.error = failed("cannot drop the capabilities: capset");
    return r;
  }
  __user_cap_data_struct after[2]{};
  if (!get_caps(after) || after[0].effective != 0 || after[0].permitted != 0 ||
      after[1].effective != 0 || after[1].permitted != 0) {
    r.error = "cannot drop the capabilities: some are still held after capset";
    return r;
  }
  r.ok = true;
  r.note = "capabilities dropped: none kept (effective, permitted, inheritable, ambient";
  r.note += bounding_kept ? "; bounding set unchanged without CAP_SETPCAP)"
                          : ", " + std::to_string(bounded) + " from the bounding set)";
  r.note += ", no_new_privs set";
  return r;
}

}  // namespace atmsigd::io
