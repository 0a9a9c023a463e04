// atmsigd-load's I/O shell: the two unix sockets (batched recvmmsg /
// sendmmsg, non-blocking), the phases of a run with the probes between them,
// and the report. The CLI (daemon/loadgen_main.cpp) only parses options.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <iosfwd>
#include <string>

namespace atmsigd::loadgen {

struct Options {
  std::string a_sock, b_sock;  // the demons' unix socket paths
  std::string called;          // the ATM address B listens on and A calls
  pid_t a_pid = 0, b_pid = 0;  // 0: not given (their figures are "na")
  std::uint32_t inflight = 1, held = 0, measured = 1000;
  std::string qos = "ubr";
  std::uint32_t timeout_ms = 20000;
  // Where our demons write their status dumps (empty: from their -D).
  std::string a_dump_dir, b_dump_dir;
  bool trace = false;  // every frame to `err` (slow: for small runs)
};

// Runs the load; writes the report to `out` and what went wrong to `err`.
// Returns the exit status: 0 when every call completed and nothing is left.
int run(const Options& o, std::ostream& out, std::ostream& err);

}  // namespace atmsigd::loadgen
