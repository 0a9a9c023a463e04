// atmsigd-relay: a fault-injecting relay between two demons' SSCOP/UDP links
// (issue 14). Demon A's --udp-peer is the relay's A port, demon B's is its B
// port; what A sends reaches B from the B port and back, through a seeded
// FaultLink (loss, duplication, reordering, corruption, delay, outages).
// Loopback only. SIGUSR1 starts an outage, SIGUSR2 ends it; SIGTERM/SIGINT
// (or the parent's death, or --exit-after) end the relay, which then prints
// its counters as `key value` lines.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "atmsigd/relay/fault_link.hpp"

namespace {

using namespace atmsigd;
using namespace atmsigd::relay;

volatile std::sig_atomic_t g_stop = 0;
volatile std::sig_atomic_t g_down = 0;
volatile std::sig_atomic_t g_up = 0;

struct sockaddr_in loopback(int port) {
  struct sockaddr_in a {};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

int open_udp(int port, std::string& err) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const struct sockaddr_in a = loopback(port);
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0) {
    err = "cannot bind 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

// An outage "AT:LEN" in ms after start.
struct Outage {
  int at_ms = 0;
  int len_ms = 0;
};

void print_stats(const FaultStats& s) {
  std::printf(
      "received %llu\ndelivered %llu\nlost %llu\nlost_in_outage %llu\nduplicated %llu\n"
      "reordered %llu\ncorrupted %llu\n",
      static_cast<unsigned long long>(s.received), static_cast<unsigned long long>(s.delivered),
      static_cast<unsigned long long>(s.lost), static_cast<unsigned long long>(s.lost_in_outage),
      static_cast<unsigned long long>(s.duplicated), static_cast<unsigned long long>(s.reordered),
      static_cast<unsigned long long>(s.corrupted));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"atmsigd-relay - fault-injecting SSCOP/UDP relay between two demons (loopback)"};
  int a_port = 0, b_port = 0, a_listen = 0, b_listen = 0, delay_ms = 0, jitter_ms = 0;
  int exit_after = 3600;
  std::uint64_t seed = 1;
  Faults f;
  std::vector<std::string> outages;
  app.add_option("--a", a_port, "demon A's --udp-local port")->required();
  app.add_option("--b", b_port, "demon B's --udp-local port")->required();
  app.add_option("--a-listen", a_listen, "the relay's port for A (A's --udp-peer)")->required();
  app.add_option("--b-listen", b_listen, "the relay's port for B (B's --udp-peer)")->required();
  app.add_option("--seed", seed, "seed of the fault plan");
  app.add_option("--loss", f.loss, "probability a datagram is lost")->check(CLI::Range(0.0, 1.0));
  app.add_option("--dup", f.dup, "probability a datagram is duplicated")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--reorder", f.reorder, "probability a datagram is overtaken by the next")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--corrupt", f.corrupt, "probability one bit of a datagram is flipped")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--delay", delay_ms, "delay of every datagram, ms")->check(CLI::Range(0, 60000));
  app.add_option("--jitter", jitter_ms, "extra random delay up to this, ms")
      ->check(CLI::Range(0, 60000));
  app.add_option("--outage", outages, "AT:LEN an outage of LEN ms at AT ms after start");
  app.add_option("--exit-after", exit_after, "end by itself after this many seconds")
      ->check(CLI::Range(1, 86400));
  CLI11_PARSE(app, argc, argv);
  f.delay = std::chrono::milliseconds(delay_ms);
  f.jitter = std::chrono::milliseconds(jitter_ms);
  std::vector<Outage> plan;
  for (const auto& o : outages) {
    Outage x;
    if (std::sscanf(o.c_str(), "%d:%d", &x.at_ms, &x.len_ms) != 2 || x.at_ms < 0 || x.len_ms <= 0) {
      std::cerr << "atmsigd-relay: --outage " << o << ": expected AT:LEN in ms\n";
      return 2;
    }
    plan.push_back(x);
  }

  ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // never outlives the test that started it
  struct sigaction sa {};
  sa.sa_handler = [](int sig) {
    if (sig == SIGUSR1)
      g_down = 1;
    else if (sig == SIGUSR2)
      g_up = 1;
    else
      g_stop = 1;
  };
  for (int sig : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2}) ::sigaction(sig, &sa, nullptr);

  std::string err;
  const int fd_a = open_udp(a_listen, err);
  const int fd_b = fd_a < 0 ? -1 : open_udp(b_listen, err);
  if (fd_a < 0 || fd_b < 0) {
    std::cerr << "atmsigd-relay: " << err << "\n";
    return 1;
  }
  const struct sockaddr_in to_a = loopback(a_port), to_b = loopback(b_port);
  FaultLink link(seed, f);
  const TimePoint start = Clock::now();
  const TimePoint end = start + std::chrono::seconds(exit_after);
  std::vector<Delivery> out;
  std::array<std::uint8_t, 65536> buf{};
  auto deliver = [&] {
    for (const auto& d : out) {
      // A->B leaves from the B port (B's peer), B->A from the A port.
      const bool to_b_side = d.dir == Dir::kAtoB;
      const auto& to = to_b_side ? to_b : to_a;
      (void)::sendto(to_b_side ? fd_b : fd_a, d.bytes.data(), d.bytes.size(), 0,
                     reinterpret_cast<const sockaddr*>(&to), sizeof to);
    }
    out.clear();
  };
  while (g_stop == 0) {
    TimePoint now = Clock::now();
    if (now >= end) break;
    if (g_down != 0) {
      g_down = 0;
      link.set_outage(TimePoint::max());
    }
    if (g_up != 0) {
      g_up = 0;
      link.set_outage(std::nullopt);
    }
    for (const auto& o : plan)
      if (now >= start + std::chrono::milliseconds(o.at_ms) &&
          now < start + std::chrono::milliseconds(o.at_ms + o.len_ms))
        link.set_outage(start + std::chrono::milliseconds(o.at_ms + o.len_ms));
    link.handle_timeouts(now, out);
    deliver();
    auto next = link.next_deadline();
    int timeout_ms = 100;  // signals and the outage plan are looked at this often
    if (next) {
      const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*next - now).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(ms, 0, timeout_ms));
    }
    std::array<pollfd, 2> fds{pollfd{fd_a, POLLIN, 0}, pollfd{fd_b, POLLIN, 0}};
    if (::poll(fds.data(), fds.size(), timeout_ms) <= 0) continue;
    now = Clock::now();
    for (int i = 0; i < 2; ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      const struct sockaddr_in& expected = i == 0 ? to_a : to_b;
      for (;;) {
        struct sockaddr_in from {};
        socklen_t len = sizeof from;
        const ssize_t n = ::recvfrom(fds[i].fd, buf.data(), buf.size(), 0,
                                     reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 0) break;
        // Only the demon this port serves is relayed.
        if (from.sin_port != expected.sin_port || from.sin_addr.s_addr != expected.sin_addr.s_addr)
          continue;
        link.handle(i == 0 ? Dir::kAtoB : Dir::kBtoA,
                    ByteView(buf.data(), static_cast<std::size_t>(n)), now, out);
        deliver();
      }
    }
  }
  print_stats(link.stats());
  ::close(fd_a);
  ::close(fd_b);
  return 0;
}
