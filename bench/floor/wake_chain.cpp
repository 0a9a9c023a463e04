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
// The whole call (call_chain_*): a call at W = 1 is more than those six
// hops. Every datagram the demons and the load generator exchange for one
// call, in the order and sizes they send them (read off `strace` of a W = 1
// run of our pair, docs/performance.md), with the same processes that do no
// work: B answers SETUP with as_indicate then CALL PROCEEDING, as_accept
// with as_okay then CONNECT; A answers CONNECT with as_okay then CONNECT
// ACKNOWLEDGE; then the release (as_close both ways, RELEASE, RELEASE
// COMPLETE), and L starts the next call as the load generator does, when
// both halves are closed, before it acknowledges B's as_close. The wake-ups
// off the six hops (A woken for CALL PROCEEDING, L for B's as_okay, the last
// call's release still under way) fall on the next hops' processors. Left
// out: SSCOP's POLL and STAT (0.2 a call). The setup is timed as in the six
// hops; the difference from our demons is their own work.
//
// The same for the original's datagrams (original_chain_*): its pattern
// differs (whole_call below), and so does its floor.
//
// Isolated calls (isolated_chain_*): our datagrams with 1 ms between calls
// (atmsigd-load --gap-us 1000), so that no release is under way when a
// setup starts, and every process is asleep when it does.
//
// Output: `key value` lines (microseconds): wake_chain_p50_us,
// wake_chain_p99_us, wake_chain_p999_us, wake_chain_rounds, and the same
// for call_chain_, original_chain_ (with their calls a second,
// call_chain_calls_per_s: one call at a time, as at W = 1) and
// isolated_chain_. A benchmark, never a test. Usage:
// wake_chain [ROUNDS]
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
#include <ctime>
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

// What came: the descriptor and the datagram's first octet (the whole call
// names its messages by it; the six hops send zeros).
struct Got {
  int fd;
  unsigned char what;
};

// Waits for a datagram on any of `fds` (epoll, as a demon's loop) and
// returns where it came and its first octet; the rest is dropped.
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
  Got next() {
    for (;;) {
      epoll_event ev{};
      const int n = ::epoll_wait(ep_, &ev, 1, -1);
      if (n < 0) die("epoll_wait");
      if (n == 0) continue;
      std::array<unsigned char, 512> buf{};
      if (::recv(ev.data.fd, buf.data(), buf.size(), 0) < 0) die("recv");
      return Got{ev.data.fd, buf[0]};
    }
  }

 private:
  int ep_;
};

void send_unix(int fd, unsigned char what = 0) {
  std::array<unsigned char, kUnixSize> m{};
  m[0] = what;
  if (::send(fd, m.data(), m.size(), 0) < 0) die("send unix");
}
void send_udp(int fd, const sockaddr_in& to, unsigned char what = 0, std::size_t size = kUdpSize) {
  std::array<unsigned char, 128> m{};
  m[0] = what;
  if (::sendto(fd, m.data(), size, 0, reinterpret_cast<const sockaddr*>(&to), sizeof to) < 0)
    die("sendto");
}

// The sockets of one run: L's kernel sockets of A and of B (unix datagram
// pairs: [0] L's end, [1] the demon's) and the demons' UDP sockets.
struct Sockets {
  int la[2];
  int lb[2];
  sockaddr_in at_a{}, at_b{};
  int udp_a;
  int udp_b;
  Sockets() {
    if (::socketpair(AF_UNIX, SOCK_DGRAM, 0, la) != 0 ||
        ::socketpair(AF_UNIX, SOCK_DGRAM, 0, lb) != 0)
      die("socketpair");
    udp_a = udp_socket(at_a);
    udp_b = udp_socket(at_b);
  }
  ~Sockets() {
    for (const int fd : {la[0], la[1], lb[0], lb[1], udp_a, udp_b}) ::close(fd);
  }
  Sockets(const Sockets&) = delete;
  Sockets& operator=(const Sockets&) = delete;
};

template <typename F>
pid_t spawn(F&& loop) {
  const pid_t p = ::fork();
  if (p < 0) die("fork");
  if (p == 0) {
    loop();
    std::_Exit(0);
  }
  return p;
}

void reap(pid_t a, pid_t b) {
  ::kill(a, SIGTERM);
  ::kill(b, SIGTERM);
  ::waitpid(a, nullptr, 0);
  ::waitpid(b, nullptr, 0);
}

using Clock = std::chrono::steady_clock;
double micros(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::micro>(t1 - t0).count();
}

// The six hops: each process passes a datagram on.
std::vector<double> six_hops(int rounds, int warmup) {
  Sockets s;
  const pid_t a = spawn([&] {  // demon A: as_connect -> SETUP; CONNECT -> as_okay
    Waiter w{s.la[1], s.udp_a};
    for (;;) {
      if (w.next().fd == s.la[1])
        send_udp(s.udp_a, s.at_b);
      else
        send_unix(s.la[1]);
    }
  });
  const pid_t b = spawn([&] {  // demon B: SETUP -> as_indicate; as_accept -> CONNECT
    Waiter w{s.lb[1], s.udp_b};
    for (;;) {
      if (w.next().fd == s.udp_b)
        send_unix(s.lb[1]);
      else
        send_udp(s.udp_b, s.at_a);
    }
  });
  // L, both kernels: times as_connect sent to as_okay read.
  Waiter w{s.la[0], s.lb[0]};
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(rounds));
  for (int i = 0; i < warmup + rounds; ++i) {
    const auto t0 = Clock::now();
    send_unix(s.la[0]);                        // as_connect
    if (w.next().fd != s.lb[0]) die("order");  // as_indicate
    send_unix(s.lb[0]);                        // as_accept
    if (w.next().fd != s.la[0]) die("order");  // as_okay
    const auto t1 = Clock::now();
    if (i >= warmup) us.push_back(micros(t0, t1));
  }
  reap(a, b);
  return us;
}

// The whole call's messages, named by their first octet. The sizes of the
// UDP ones are our SSCOP SD PDUs' (UNI 3.1, the pair's QoS).
enum Msg : unsigned char {
  kAsConnect = 1,
  kSetup,
  kAsIndicate,
  kCallProceeding,
  kAsAccept,
  kAsOkayB,
  kConnect,
  kAsOkayA,
  kConnectAck,
  kAsCloseA,     // L -> A: the caller closes
  kAsCloseAckA,  // A -> L
  kRelease,
  kAsCloseB,  // B -> L: released by the network
  kReleaseComplete,
  kAsCloseAckB,  // L -> B
};
constexpr std::size_t kCallProceedingSize = 24, kConnectSize = 28, kConnectAckSize = 16,
                      kReleaseSize = 20, kReleaseCompleteSize = 16;

// Whose datagrams: ours, or the original's (Debian's atmsigd, read off
// `strace` of its pair the same way). The original's B sends CALL
// PROCEEDING before as_indicate and its as_okay only on CONNECT
// ACKNOWLEDGE; its A sends CONNECT ACKNOWLEDGE before as_okay, and answers
// the kernel's as_close only on RELEASE COMPLETE; its B sends RELEASE
// COMPLETE only once the kernel has answered its as_close. So its next call
// starts when the last one's release is over; ours while it is under way
// (the kernel's close answered at once, docs/atmsvc.md).
enum class Pattern { kOurs, kOriginal };

// The setups' latencies, and the calls a second (one call at a time).
struct Calls {
  std::vector<double> us;
  double per_s;
};

Calls whole_call(int rounds, int warmup, Pattern pattern,
                 std::chrono::microseconds gap = std::chrono::microseconds{0}) {
  const bool ours = pattern == Pattern::kOurs;
  const std::size_t setup_size = ours ? 104 : 96;
  Sockets s;
  const pid_t a = spawn([&] {
    Waiter w{s.la[1], s.udp_a};
    for (;;) {
      switch (w.next().what) {
        case kAsConnect:
          send_udp(s.udp_a, s.at_b, kSetup, setup_size);
          break;
        case kConnect:
          if (ours) send_unix(s.la[1], kAsOkayA);
          send_udp(s.udp_a, s.at_b, kConnectAck, kConnectAckSize);
          if (!ours) send_unix(s.la[1], kAsOkayA);
          break;
        case kAsCloseA:
          if (ours) send_unix(s.la[1], kAsCloseAckA);
          send_udp(s.udp_a, s.at_b, kRelease, kReleaseSize);
          break;
        case kReleaseComplete:
          if (!ours) send_unix(s.la[1], kAsCloseAckA);
          break;
        case kCallProceeding:
          break;
        default:
          die("A: unexpected");
      }
    }
  });
  const pid_t b = spawn([&] {
    Waiter w{s.lb[1], s.udp_b};
    for (;;) {
      switch (w.next().what) {
        case kSetup:
          if (ours) send_unix(s.lb[1], kAsIndicate);
          send_udp(s.udp_b, s.at_a, kCallProceeding, kCallProceedingSize);
          if (!ours) send_unix(s.lb[1], kAsIndicate);
          break;
        case kAsAccept:
          if (ours) send_unix(s.lb[1], kAsOkayB);
          send_udp(s.udp_b, s.at_a, kConnect, kConnectSize);
          break;
        case kConnectAck:
          if (!ours) send_unix(s.lb[1], kAsOkayB);
          break;
        case kRelease:
          send_unix(s.lb[1], kAsCloseB);
          if (ours) send_udp(s.udp_b, s.at_a, kReleaseComplete, kReleaseCompleteSize);
          break;
        case kAsCloseAckB:
          if (!ours) send_udp(s.udp_b, s.at_a, kReleaseComplete, kReleaseCompleteSize);
          break;
        default:
          die("B: unexpected");
      }
    }
  });
  // L, both kernels, as atmsigd-load plays them at W = 1: the next call
  // when both halves are closed, B's as_close answered at once (after the
  // next as_connect when that goes in the same round: it flushes A's queue
  // before B's).
  Waiter w{s.la[0], s.lb[0]};
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(rounds));
  int done = 0;
  auto t0 = Clock::now();
  Clock::time_point measured_from = t0;
  send_unix(s.la[0], kAsConnect);
  bool a_closed = false, b_closed = false;
  while (done < warmup + rounds) {
    bool ack_b = false;
    switch (w.next().what) {
      case kAsIndicate:
        send_unix(s.lb[0], kAsAccept);
        break;
      case kAsOkayB:
        break;
      case kAsOkayA:
        if (done >= warmup) us.push_back(micros(t0, Clock::now()));
        send_unix(s.la[0], kAsCloseA);
        break;
      case kAsCloseAckA:
        a_closed = true;
        break;
      case kAsCloseB:
        b_closed = true;
        ack_b = true;
        break;
      default:
        die("L: unexpected");
    }
    if (a_closed && b_closed && gap.count() > 0) {
      // atmsigd-load --gap-us: B's close answered now, the next call after
      // the gap, asleep as the generator is in its poll.
      if (ack_b) send_unix(s.lb[0], kAsCloseAckB);
      ack_b = false;
      const timespec ts{0, static_cast<long>(gap.count()) * 1000};
      ::nanosleep(&ts, nullptr);
    }
    if (a_closed && b_closed) {
      a_closed = b_closed = false;
      ++done;
      t0 = Clock::now();
      if (done == warmup) measured_from = t0;
      if (done < warmup + rounds) send_unix(s.la[0], kAsConnect);
    }
    if (ack_b) send_unix(s.lb[0], kAsCloseAckB);
  }
  const double s_total = micros(measured_from, Clock::now()) / 1e6;
  reap(a, b);
  return Calls{std::move(us), static_cast<double>(rounds) / s_total};
}

void print(const char* name, std::vector<double> us, int rounds) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) {
    return us[static_cast<std::size_t>(q * static_cast<double>(us.size() - 1))];
  };
  std::printf("%s_rounds %d\n%s_p50_us %.1f\n%s_p99_us %.1f\n%s_p999_us %.1f\n", name, rounds, name,
              at(0.5), name, at(0.99), name, at(0.999));
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (rounds < 1) {
    std::fprintf(stderr, "usage: wake_chain [ROUNDS]\n");
    return 2;
  }
  const int warmup = std::max(100, rounds / 20);
  print("wake_chain", six_hops(rounds, warmup), rounds);
  for (const auto& [name, pattern] :
       {std::pair{"call_chain", Pattern::kOurs}, std::pair{"original_chain", Pattern::kOriginal}}) {
    Calls c = whole_call(rounds, warmup, pattern);
    print(name, std::move(c.us), rounds);
    std::printf("%s_calls_per_s %.0f\n", name, c.per_s);
  }
  // Calls one at a time with 1 ms between them (atmsigd-load --gap-us
  // 1000): each setup alone, the last call's release over; fewer rounds, as
  // each takes the gap.
  const int isolated = std::max(1, rounds / 10);
  print("isolated_chain",
        whole_call(isolated, std::max(20, isolated / 20), Pattern::kOurs,
                   std::chrono::microseconds{1000})
            .us,
        isolated);
  return 0;
}
