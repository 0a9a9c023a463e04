// The latency floor of a call's setup at W = 1 (issue 13: "setup latency p50
// at most 100 µs"), measured on the machine at hand: the same hops between
// the same three processes over the same kinds of socket, with processes
// that only pass a datagram on. What is left of the demons' setup latency
// above it is theirs; the rest is the machine's wake-ups.
//
// A call's setup, as atmsigd-load times it (as_connect sent to as_okay read
// on A's kernel): L -> A (unix, as_connect), A -> B (UDP, SETUP), B -> L
// (unix, as_indicate), L -> B (unix, as_accept), B -> A (UDP, CONNECT),
// A -> L (unix, as_okay). L plays both kernels, A and B are the demons. Here
// each process waits in epoll_wait (as a demon's loop does: A and B watch
// two sockets each), reads one datagram and sends the next hop's. The unix
// datagrams are 252 octets (struct atmsvc_msg), the UDP ones 64.
//
// Output: `key value` lines (microseconds): wake_chain_p50_us,
// wake_chain_p99_us, wake_chain_p999_us, wake_chain_rounds. A benchmark,
// never a test. Usage: wake_chain [ROUNDS]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace {

constexpr std::size_t kUnixSize = 252;
constexpr std::size_t kUdpSize = 64;

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(2);
}

int udp_socket(sockaddr_in& at) {
  const int s = ::socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0) die("socket");
  at = {};
  at.sin_family = AF_INET;
  at.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) die("bind");
  socklen_t len = sizeof at;
  if (::getsockname(s, reinterpret_cast<sockaddr*>(&at), &len) != 0) die("getsockname");
  return s;
}

// Waits for a datagram on any of `fds` (epoll, as a demon's loop) and
// returns the descriptor it came on; the datagram is read and dropped.
class Waiter {
 public:
  explicit Waiter(std::initializer_list<int> fds) : ep_(::epoll_create1(EPOLL_CLOEXEC)) {
    if (ep_ < 0) die("epoll_create1");
    for (const int fd : fds) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      if (::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev) != 0) die("epoll_ctl");
    }
  }
  int next() {
    for (;;) {
      epoll_event ev{};
      const int n = ::epoll_wait(ep_, &ev, 1, -1);
      if (n < 0) die("epoll_wait");
      if (n == 0) continue;
      std::array<char, 512> buf{};
      if (::recv(ev.data.fd, buf.data(), buf.size(), 0) < 0) die("recv");
      return ev.data.fd;
    }
  }

 private:
  int ep_;
};

void send_unix(int fd) {
  const std::array<char, kUnixSize> m{};
  if (::send(fd, m.data(), m.size(), 0) < 0) die("send unix");
}
void send_udp(int fd, const sockaddr_in& to) {
  const std::array<char, kUdpSize> m{};
  if (::sendto(fd, m.data(), m.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0)
    die("sendto");
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int warmup = std::max(100, rounds / 20);
  int la[2], lb[2];  // L's kernel sockets of A and of B (unix datagram pairs)
  if (::socketpair(AF_UNIX, SOCK_DGRAM, 0, la) != 0 ||
      ::socketpair(AF_UNIX, SOCK_DGRAM, 0, lb) != 0)
    die("socketpair");
  sockaddr_in at_a{}, at_b{};
  const int udp_a = udp_socket(at_a);
  const int udp_b = udp_socket(at_b);

  const pid_t a = ::fork();
  if (a < 0) die("fork");
  if (a == 0) {  // demon A: as_connect -> SETUP; CONNECT -> as_okay
    Waiter w{la[1], udp_a};
    for (;;) {
      if (w.next() == la[1])
        send_udp(udp_a, at_b);
      else
        send_unix(la[1]);
    }
  }
  const pid_t b = ::fork();
  if (b < 0) die("fork");
  if (b == 0) {  // demon B: SETUP -> as_indicate; as_accept -> CONNECT
    Waiter w{lb[1], udp_b};
    for (;;) {
      if (w.next() == udp_b)
        send_unix(lb[1]);
      else
        send_udp(udp_b, at_a);
    }
  }

  // L, both kernels: times as_connect sent to as_okay read.
  Waiter w{la[0], lb[0]};
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(rounds));
  for (int i = 0; i < warmup + rounds; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    send_unix(la[0]);                     // as_connect
    if (w.next() != lb[0]) die("order");  // as_indicate
    send_unix(lb[0]);                     // as_accept
    if (w.next() != la[0]) die("order");  // as_okay
    const auto t1 = std::chrono::steady_clock::now();
    if (i >= warmup) us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  ::kill(a, SIGTERM);
  ::kill(b, SIGTERM);
  ::waitpid(a, nullptr, 0);
  ::waitpid(b, nullptr, 0);
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[static_cast<std::size_t>(q * static_cast<double>(us.size() - 1))];
  };
  std::printf(
      "wake_chain_rounds %d\nwake_chain_p50_us %.1f\nwake_chain_p99_us %.1f\n"
      "wake_chain_p999_us %.1f\n",
      rounds, at(0.5), at(0.99), at(0.999));
  return 0;
}
