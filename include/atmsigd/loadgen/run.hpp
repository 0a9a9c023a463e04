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
  // --keep-going: calls ending with an error are counted and the run goes
  // on; exit 0 iff no call is lost and nothing is left.
  bool keep_going = false;
  // --reconnect (implies keep_going): a demon that dies is seen as the kernel
  // sees it (all its sockets end with -EUNATCH); its socket path is polled and
  // the run goes on with it when it is back (B listens again).
  bool reconnect = false;
  // --after N: N calls after the release phase (after the restarts and
  // faults of the run), reported as after_completed / after_failed; with
  // --keep-going the exit status needs every one of them completed.
  std::uint32_t after = 0;
  // --gap-us: a measured call starts this long after its slot came free
  // (0: at once). At W = 1 with a gap longer than a release, each setup
  // is timed alone, not overlapping the last call's release.
  std::uint32_t gap_us = 0;
};

// Runs the load; writes the report to `out` and what went wrong to `err`.
// Returns the exit status: 0 when every call completed and nothing is left.
int run(const Options& o, std::ostream& out, std::ostream& err);

}  // namespace atmsigd::loadgen
