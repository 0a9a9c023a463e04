// drop_privileges() in a child process (it changes the whole process).
#include "atmsigd/io/privileges.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace atmsigd::io {
namespace {

std::string status_field(const std::string& name) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(name + ":", 0) == 0)
      return line.substr(line.find_first_not_of(" \t", name.size() + 1));
  return "";
}

// Runs `body` in a child; its exit status (0: every check held).
template <class F>
int in_child(F body) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(body());
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

TEST(Privileges, NothingIsKeptAndNoNewPrivsIsSet) {
  const bool privileged = status_field("CapEff") != "0000000000000000";
  EXPECT_EQ(in_child([privileged] {
              const auto d = drop_privileges();
              if (!d.ok) return 1;
              if (d.note.find("none kept") == std::string::npos) return 2;
              for (const char* f : {"CapEff", "CapPrm", "CapInh", "CapAmb"})
                if (status_field(f) != "0000000000000000") return 3;
              // Emptying the bounding set needs CAP_SETPCAP: only a privileged run has it.
              if (privileged && status_field("CapBnd") != "0000000000000000") return 4;
              if (status_field("NoNewPrivs") != "1") return 5;
              // Gone for good: a second drop finds nothing to do and still succeeds.
              return drop_privileges().ok ? 0 : 6;
            }),
            0);
}

TEST(Privileges, RefusedOnceASecondThreadExists) {
  // Capabilities are per thread: a thread made before the drop would keep them.
  EXPECT_EQ(in_child([] {
              bool stop = false;
              std::thread t([&stop] {
                while (!__atomic_load_n(&stop, __ATOMIC_SEQ_CST)) ::usleep(1000);
              });
              const auto d = drop_privileges();
              __atomic_store_n(&stop, true, __ATOMIC_SEQ_CST);
              t.join();
              if (d.ok) return 1;
              if (d.error.find("2 threads") == std::string::npos) return 2;
              return status_field("NoNewPrivs") == "0" ? 0 : 3;  // nothing was changed
            }),
            0);
}

}  // namespace
}  // namespace atmsigd::io
