// atmsigd-load: a load generator for two demons back to back in unix-socket
// mode; plays both their kernels (docs/loadgen.md). Only the options here.
#include <CLI/CLI.hpp>

#include <iostream>

#include "atmsigd/loadgen/run.hpp"

int main(int argc, char** argv) {
  atmsigd::loadgen::Options o;
  CLI::App app{"atmsigd-load - calls through two demons back to back, measured"};
  app.add_option("--a", o.a_sock, "unix socket of demon A (user side: calls are placed here)")
      ->required();
  app.add_option("--b", o.b_sock, "unix socket of demon B (network side: calls arrive here)")
      ->required();
  app.add_option("--called", o.called, "ATM address B listens on and A calls")->required();
  app.add_option("--a-pid", o.a_pid, "pid of demon A (CPU, system calls, RSS, left)");
  app.add_option("--b-pid", o.b_pid, "pid of demon B");
  app.add_option("-W,--inflight", o.inflight, "calls in flight")->check(CLI::Range(1U, 1U << 20));
  app.add_option("-K,--held", o.held, "calls set up and held during the measurement");
  app.add_option("-N,--measured", o.measured, "calls measured");
  app.add_option("--qos", o.qos, "QoS of the calls (qos(7))");
  app.add_option("--timeout-ms", o.timeout_ms, "time limit of every expected reply")
      ->check(CLI::Range(1U, 3600U * 1000U));
  app.add_option("--a-dump-dir", o.a_dump_dir, "A's status dump directory (default: its -D)");
  app.add_option("--b-dump-dir", o.b_dump_dir, "B's status dump directory (default: its -D)");
  app.add_flag("--keep-going", o.keep_going,
               "count calls ending with an error (by errno) and go on; exit 0 iff none lost");
  app.add_flag("--reconnect", o.reconnect,
               "a demon that dies ends its calls (-EUNATCH); reconnect when it is back "
               "(implies --keep-going)");
  app.add_option("--after", o.after,
                 "calls placed after the release phase, which must all complete (--keep-going)");
  app.add_option("--gap-us", o.gap_us,
                 "a measured call starts this long after its slot came free (0: at once)")
      ->check(CLI::Range(0U, 60U * 1000U * 1000U));
  app.add_flag("--trace", o.trace, "print every frame to stderr (for small runs)");
  CLI11_PARSE(app, argc, argv);
  return atmsigd::loadgen::run(o, std::cout, std::cerr);
}
