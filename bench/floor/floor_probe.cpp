// Transport floor: the CPU a demon cannot avoid spending per call to move its
// datagrams, measured on the machine at hand (issue 13, item 2).
//
// For UDP on loopback (unconnected, sendto/recvfrom: what the signaling link
// does) and for unix datagram sockets (bound paths, connected: what the
// unix-socket mode does) it measures the thread CPU time
// (CLOCK_THREAD_CPUTIME_ID) of a sender thread and of a receiver thread per
// datagram, one datagram per system call and in batches (sendmmsg/recvmmsg).
// The two threads take turns: the sender sends a round of --batch datagrams,
// the receiver then reads them from its queue; each side times only its own
// system calls, never the hand-over (an atomic and a futex-free spin with
// sched_yield, outside the timed part). So the figures are a floor: they leave
// out the readiness wait (epoll_wait) and the wake-up of a sleeping reader a
// demon pays at low load.
//
// The floor per call of a side is then
//   udp_out * udp_send + udp_in * udp_recv + unix_out * unix_send + unix_in * unix_recv
// with the datagram counts per call of that side (options; defaults counted
// with bench/floor/count_datagrams.sh, see docs/performance.md).
//
// Output: `key value` lines, CPU in microseconds. A benchmark, never a test.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  int rounds = 4000;            // rounds of `batch` datagrams per measurement
  int batch = 32;               // datagrams per round (and per sendmmsg/recvmmsg)
  int repeat = 5;               // measurements; the median is reported
  std::size_t udp_size = 64;    // an SSCOP SD with a small Q.2931 message
  std::size_t unix_size = 252;  // sizeof(struct atmsvc_msg)
  // Datagrams per call, user side A and network side B (see the head comment).
  double udp_out_a = 3, udp_in_a = 3, unix_out_a = 2, unix_in_a = 2;
  double udp_out_b = 3, udp_in_b = 3, unix_out_b = 3, unix_in_b = 2;
};

double thread_cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "floor_probe: %s: %s\n", what, std::strerror(errno));
  std::exit(2);
}

// A pair of datagram sockets: tx sends to rx.
struct Pair {
  int tx = -1, rx = -1;
  sockaddr_storage to{};
  socklen_t to_len = 0;
  std::string dir;  // unix: the temporary directory of the bound paths
  ~Pair() {
    if (tx >= 0) ::close(tx);
    if (rx >= 0) ::close(rx);
    if (!dir.empty()) {
      ::unlink((dir + "/tx").c_str());
      ::unlink((dir + "/rx").c_str());
      ::rmdir(dir.c_str());
    }
  }
};

void big_buffers(int fd) {
  const int size = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

void make_udp(Pair& p) {
  p.tx = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  p.rx = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (p.tx < 0 || p.rx < 0) die("socket(AF_INET)");
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(p.tx, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 ||
      ::bind(p.rx, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0)
    die("bind(127.0.0.1)");
  socklen_t len = sizeof sin;
  if (::getsockname(p.rx, reinterpret_cast<sockaddr*>(&sin), &len) != 0) die("getsockname");
  std::memcpy(&p.to, &sin, sizeof sin);
  p.to_len = sizeof sin;
  big_buffers(p.tx);
  big_buffers(p.rx);
}

void make_unix(Pair& p) {
  char tmpl[] = "/tmp/atmsigd-floor.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) die("mkdtemp");
  p.dir = tmpl;
  auto bound = [&](const std::string& name) {
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    if (fd < 0) die("socket(AF_UNIX)");
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::snprintf(sun.sun_path, sizeof sun.sun_path, "%s/%s", p.dir.c_str(), name.c_str());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) die("bind(unix)");
    big_buffers(fd);
    return std::pair{fd, sun};
  };
  auto [tx, tx_addr] = bound("tx");
  auto [rx, rx_addr] = bound("rx");
  p.tx = tx;
  p.rx = rx;
  // Connected both ways, as the demon and its kernel (emulated) are.
  if (::connect(tx, reinterpret_cast<sockaddr*>(&rx_addr), sizeof rx_addr) != 0 ||
      ::connect(rx, reinterpret_cast<sockaddr*>(&tx_addr), sizeof tx_addr) != 0)
    die("connect(unix)");
  p.to_len = 0;  // send() on the connected socket
}

struct Result {
  double send_us = 0, recv_us = 0;  // CPU per datagram
};

// One measurement: `rounds` rounds of `batch` datagrams, the threads in turn.
Result measure(bool udp, bool batched, const Options& o) {
  Pair p;
  if (udp)
    make_udp(p);
  else
    make_unix(p);
  const std::size_t size = udp ? o.udp_size : o.unix_size;
  const int b = o.batch;
  std::atomic<int> sent{0};   // rounds sent; the receiver reads round i after sent > i
  std::atomic<int> taken{0};  // rounds read
  double tx_cpu = 0, rx_cpu = 0;
  long lost = 0;

  std::thread sender([&] {
    std::vector<char> buf(size, 'x');
    std::vector<mmsghdr> msgs(static_cast<std::size_t>(b));
    std::vector<iovec> iov(static_cast<std::size_t>(b));
    for (int i = 0; i < b; ++i) {
      iov[static_cast<std::size_t>(i)] = {buf.data(), size};
      msghdr& h = msgs[static_cast<std::size_t>(i)].msg_hdr;
      h = msghdr{};
      h.msg_iov = &iov[static_cast<std::size_t>(i)];
      h.msg_iovlen = 1;
      if (p.to_len != 0) {
        h.msg_name = &p.to;
        h.msg_namelen = p.to_len;
      }
    }
    for (int r = 0; r < o.rounds; ++r) {
      while (taken.load(std::memory_order_acquire) < r) sched_yield();
      const double t0 = thread_cpu_us();
      if (batched) {
        int done = 0;
        while (done < b) {
          const int n = ::sendmmsg(p.tx, msgs.data() + done, static_cast<unsigned>(b - done), 0);
          if (n < 0) die("sendmmsg");
          done += n;
        }
      } else {
        for (int i = 0; i < b; ++i) {
          const ssize_t n = p.to_len != 0 ? ::sendto(p.tx, buf.data(), size, 0,
                                                     reinterpret_cast<sockaddr*>(&p.to), p.to_len)
                                          : ::send(p.tx, buf.data(), size, 0);
          if (n < 0) die("send");
        }
      }
      tx_cpu += thread_cpu_us() - t0;
      sent.store(r + 1, std::memory_order_release);
    }
  });

  std::thread receiver([&] {
    std::vector<char> bufs(static_cast<std::size_t>(b) * 2048);
    std::vector<mmsghdr> msgs(static_cast<std::size_t>(b));
    std::vector<iovec> iov(static_cast<std::size_t>(b));
    std::vector<sockaddr_storage> from(static_cast<std::size_t>(b));
    for (int r = 0; r < o.rounds; ++r) {
      while (sent.load(std::memory_order_acquire) <= r) sched_yield();
      for (int i = 0; i < b; ++i) {
        const auto u = static_cast<std::size_t>(i);
        iov[u] = {bufs.data() + u * 2048, 2048};
        msghdr& h = msgs[u].msg_hdr;
        h = msghdr{};
        h.msg_iov = &iov[u];
        h.msg_iovlen = 1;
        h.msg_name = &from[u];
        h.msg_namelen = sizeof(sockaddr_storage);
      }
      const double t0 = thread_cpu_us();
      int got = 0;
      if (batched) {
        while (got < b) {
          const int n = ::recvmmsg(p.rx, msgs.data() + got, static_cast<unsigned>(b - got),
                                   MSG_DONTWAIT, nullptr);
          if (n < 0) break;  // EAGAIN: a datagram was lost
          got += n;
        }
      } else {
        for (; got < b; ++got) {
          sockaddr_storage f{};
          socklen_t fl = sizeof f;
          if (::recvfrom(p.rx, bufs.data(), 2048, MSG_DONTWAIT, reinterpret_cast<sockaddr*>(&f),
                         &fl) < 0)
            break;
        }
      }
      rx_cpu += thread_cpu_us() - t0;
      lost += b - got;
      taken.store(r + 1, std::memory_order_release);
    }
  });
  sender.join();
  receiver.join();
  if (lost > 0) std::fprintf(stderr, "floor_probe: %ld datagrams lost (receiver queue)\n", lost);
  const double n = static_cast<double>(o.rounds) * b;
  return {tx_cpu / n, rx_cpu / n};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

Result median_of(bool udp, bool batched, const Options& o) {
  std::vector<double> s, r;
  for (int i = 0; i < o.repeat; ++i) {
    const Result x = measure(udp, batched, o);
    s.push_back(x.send_us);
    r.push_back(x.recv_us);
  }
  return {median(s), median(r)};
}

void usage() {
  std::fprintf(
      stderr,
      "usage: floor_probe [--rounds N] [--batch N] [--repeat N] [--udp-size BYTES]\n"
      "  [--unix-size BYTES] [--udp-out-a N] [--udp-in-a N] [--unix-out-a N]\n"
      "  [--unix-in-a N] [--udp-out-b N] [--udp-in-b N] [--unix-out-b N] [--unix-in-b N]\n"
      "Datagrams per call default to A: UDP 3 out 3 in, unix 2 out 2 in;\n"
      "B: UDP 3 out 3 in, unix 3 out 2 in (docs/performance.md says how they were counted).\n");
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  const std::map<std::string, double*> counts{
      {"--udp-out-a", &o.udp_out_a},   {"--udp-in-a", &o.udp_in_a},
      {"--unix-out-a", &o.unix_out_a}, {"--unix-in-a", &o.unix_in_a},
      {"--udp-out-b", &o.udp_out_b},   {"--udp-in-b", &o.udp_in_b},
      {"--unix-out-b", &o.unix_out_b}, {"--unix-in-b", &o.unix_in_b}};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage();
      return 0;
    }
    if (i + 1 >= argc) {
      usage();
      return 2;
    }
    const char* v = argv[++i];
    if (auto it = counts.find(a); it != counts.end())
      *it->second = std::atof(v);
    else if (a == "--rounds")
      o.rounds = std::max(1, std::atoi(v));
    else if (a == "--batch")
      o.batch = std::clamp(std::atoi(v), 1, 1024);
    else if (a == "--repeat")
      o.repeat = std::max(1, std::atoi(v));
    else if (a == "--udp-size")
      o.udp_size = static_cast<std::size_t>(std::clamp(std::atoi(v), 1, 2048));
    else if (a == "--unix-size")
      o.unix_size = static_cast<std::size_t>(std::clamp(std::atoi(v), 1, 2048));
    else {
      usage();
      return 2;
    }
  }
  const Result udp1 = median_of(true, false, o), udpb = median_of(true, true, o);
  const Result unx1 = median_of(false, false, o), unxb = median_of(false, true, o);
  auto floor = [](const Result& u, const Result& x, double uo, double ui, double xo, double xi) {
    return uo * u.send_us + ui * u.recv_us + xo * x.send_us + xi * x.recv_us;
  };
  std::printf("batch %d\nudp_size %zu\nunix_size %zu\n", o.batch, o.udp_size, o.unix_size);
  std::printf("udp_send_us %.3f\nudp_recv_us %.3f\n", udp1.send_us, udp1.recv_us);
  std::printf("udp_send_batched_us %.3f\nudp_recv_batched_us %.3f\n", udpb.send_us, udpb.recv_us);
  std::printf("unix_send_us %.3f\nunix_recv_us %.3f\n", unx1.send_us, unx1.recv_us);
  std::printf("unix_send_batched_us %.3f\nunix_recv_batched_us %.3f\n", unxb.send_us, unxb.recv_us);
  std::printf("datagrams_a udp_out=%g udp_in=%g unix_out=%g unix_in=%g\n", o.udp_out_a, o.udp_in_a,
              o.unix_out_a, o.unix_in_a);
  std::printf("datagrams_b udp_out=%g udp_in=%g unix_out=%g unix_in=%g\n", o.udp_out_b, o.udp_in_b,
              o.unix_out_b, o.unix_in_b);
  std::printf("floor_us_per_call_a %.2f\n",
              floor(udp1, unx1, o.udp_out_a, o.udp_in_a, o.unix_out_a, o.unix_in_a));
  std::printf("floor_batched_us_per_call_a %.2f\n",
              floor(udpb, unxb, o.udp_out_a, o.udp_in_a, o.unix_out_a, o.unix_in_a));
  std::printf("floor_us_per_call_b %.2f\n",
              floor(udp1, unx1, o.udp_out_b, o.udp_in_b, o.unix_out_b, o.unix_in_b));
  std::printf("floor_batched_us_per_call_b %.2f\n",
              floor(udpb, unxb, o.udp_out_b, o.udp_in_b, o.unix_out_b, o.unix_in_b));
  return 0;
}
