// Two demons back to back over SSCOP/UDP on loopback, one user side and one
// network side, each with its emulated kernel: the fixture of the call tests
// (call_e2e_test.cpp, call_fault_e2e_test.cpp).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "atmsigd/kernel_emu/script.hpp"
#include "demon_process.hpp"

namespace atmsigd::test {

inline const std::string kUserAddr = "47.0005.80ffe1000000f21a26d8.0020ea000ee0.00";
inline const std::string kNetAddr = "47.0005.80ffe1000000f21a26d8.0020ea000ee1.00";

inline std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

// One demon and its emulated kernel. launch() (again after kill()) starts a
// fresh demon on the same ports and socket path with a fresh kernel.
struct Side {
  std::string name, mode, addr, uni, sock, conf, dump_dir;
  int local = 0, peer = 0;
  int launches = 0;
  std::unique_ptr<Process> proc;
  std::unique_ptr<kemu::UnixClient> client;
  std::ostringstream trace;
  std::unique_ptr<kemu::ScriptRunner> runner;

  // `config` lines go to the demon's atmsigd.conf (our timer keywords).
  Side(std::string n, std::string m, std::string a, int l, int p, std::string u,
       const std::vector<std::string>& config = {})
      : name(std::move(n)),
        mode(std::move(m)),
        addr(std::move(a)),
        uni(std::move(u)),
        local(l),
        peer(p) {
    sock = temp_path(name + ".sock");
    conf = temp_path(name + ".conf");
    dump_dir = temp_path(name + ".dumps");
    std::filesystem::create_directories(dump_dir);
    std::ofstream f(conf, std::ios::trunc);
    // The tests follow call control's decisions (T309 started, STATUS ...),
    // which are logged at debug.
    f << "sig level debug\n";
    for (const auto& line : config) f << line << "\n";
    f.close();
    launch();
  }
  ~Side() {
    std::error_code ec;
    std::filesystem::remove(conf, ec);
    std::filesystem::remove_all(dump_dir, ec);
  }
  std::string log_path() const { return temp_path(name + "." + std::to_string(launches) + ".log"); }
  void launch() {
    runner.reset();
    client.reset();
    std::error_code ec;
    std::filesystem::remove(sock, ec);  // a killed demon leaves it behind
    ++launches;
    proc = std::make_unique<Process>(
        std::vector<std::string>{ATMSIGD_BINARY, "-c", conf, "-D", dump_dir, "-m", mode, "-u", uni,
                                 "--local-address", addr, "--udp-local",
                                 "127.0.0.1:" + std::to_string(local), "--udp-peer",
                                 "127.0.0.1:" + std::to_string(peer), "0.0.5", sock},
        log_path());
    EXPECT_TRUE(kemu::wait_for_socket(sock, std::chrono::seconds(5))) << proc->output();
    client = std::make_unique<kemu::UnixClient>();
    std::string err;
    EXPECT_TRUE(client->open(sock, err)) << err;
    trace.str("");
    runner = std::make_unique<kemu::ScriptRunner>(*client, trace);
    runner->default_timeout = std::chrono::milliseconds(5000);
  }
  void kill() {
    proc->signal(SIGKILL);
    proc->wait();
  }
  std::string log() const { return proc->output(); }
  bool run(const std::vector<std::string>& lines) {
    const bool ok = runner->run_lines(lines);
    EXPECT_TRUE(ok) << name << " kernel:\n"
                    << trace.str() << "\n--- " << name << " demon log ---\n"
                    << log();
    return ok;
  }
  // Waits until the demon's log holds `text` `times` times.
  bool wait_log(const std::string& text, std::size_t times = 1,
                std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      if (count_of(log(), text) >= times) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // The SIGUSR1 status dump (the demon writes it off its loop).
  std::string status() {
    static const std::string kWritten = "dump written to ";
    const std::size_t before = count_of(log(), kWritten);
    proc->signal(SIGUSR1);
    if (!wait_log(kWritten, before + 1)) return "no status dump";
    for (const auto& e : std::filesystem::directory_iterator(dump_dir)) {
      const std::string p = e.path().string();
      if (p.find(".status." + std::to_string(before)) == std::string::npos) continue;
      if (p.find("." + std::to_string(proc->pid()) + ".") == std::string::npos) continue;
      std::ifstream in(p);
      std::stringstream ss;
      ss << in.rdbuf();
      return ss.str();
    }
    return "status dump not found";
  }
  // Polls the status dump until it holds every line of `want` (the demon may
  // still be finishing what its kernel already saw); returns the last dump.
  std::string wait_status(const std::vector<std::string>& want,
                          std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    std::string st;
    do {
      st = status();
      bool all = true;
      for (const auto& w : want) all = all && st.find(w + "\n") != std::string::npos;
      if (all) return st;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (std::chrono::steady_clock::now() < end);
    return st;
  }
  // True when the status dump comes to hold every line of `want`.
  bool status_has(const std::vector<std::string>& want) {
    const std::string st = wait_status(want);
    for (const auto& w : want)
      if (st.find(w + "\n") == std::string::npos) {
        ADD_FAILURE() << name << ": no \"" << w << "\" in the status dump:\n" << st;
        return false;
      }
    return true;
  }
  int stop() {
    proc->signal(SIGTERM);
    return proc->wait();
  }
};

// Four consecutive UDP ports for one test process (each ctest case is its
// own process), picked on the first call and the same after (a test that
// relaunches its demons finds them on the same ports).
inline int port_base() {
  static const int base = free_udp_ports(4);
  return base;
}

}  // namespace atmsigd::test
