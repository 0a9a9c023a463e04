// The floor of the I/O shell (issue 13): what our Asio shell costs per call
// when the engine does nothing but produce the same datagrams.
//
// `shell_floor shell` runs the demon's own transports (io::open_unix_transport,
// io::open_udp_link: recvmmsg drained to EAGAIN, sendmmsg once per turn, one
// io_context with BOOST_ASIO_CONCURRENCY_HINT_UNSAFE, as daemon/main.cpp)
// with a trivial engine in place of engine::Engine: each datagram in is
// answered with the datagrams the user side A sends for that message of a
// call (docs/performance.md, "Datagrams per call"), copied from a template,
// flushed at the end of the turn as Demon::end_turn does. No protocol, no
// log, no trace ring, no timer.
//
// `shell_floor drive` plays the kernel (a unix datagram socket) and the peer
// demon (UDP) with W calls in flight:
//   kernel as_connect -> shell SETUP ; peer CALL PROCEEDING, CONNECT ->
//   shell CONNECT ACKNOWLEDGE + as_okay ; kernel as_close -> shell RELEASE ;
//   peer RELEASE COMPLETE -> shell as_close (the call is done).
// Unix datagrams are 252 octets (struct atmsvc_msg), UDP 64 (a small SD).
//
// The shell prints the CPU time of its process (CLOCK_PROCESS_CPUTIME_ID)
// from its first datagram to the last call's end, per call, and exits after
// N calls; bench/shell/shell_floor.sh runs it under callgrind for the
// instructions per call. A benchmark, never a test.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "atmsigd/io/kernel_transport.hpp"
#include "atmsigd/io/link_transport.hpp"

namespace {

// Octet 0 of every datagram: what it stands for; octets 1-4: the call.
enum Kind : std::uint8_t {
  kConnect = 1,  // kernel -> shell
  kClose,        // kernel -> shell
  kCallProc,     // peer -> shell
  kPeerConnect,  // peer -> shell
  kRelComp,      // peer -> shell
  kSetup,        // shell -> peer
  kConnAck,      // shell -> peer
  kRelease,      // shell -> peer
  kOkay,         // shell -> kernel
  kClosed,       // shell -> kernel
};
constexpr std::size_t kUnixSize = 252;
constexpr std::size_t kUdpSize = 64;

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

int usage() {
  std::fprintf(stderr,
               "usage: shell_floor shell UNIX_PATH UDP_PORT PEER_PORT N\n"
               "       shell_floor drive UNIX_PATH DRIVER_PATH UDP_PORT SHELL_PORT N W\n");
  return 2;
}

int run_shell(const std::string& path, unsigned short port, unsigned short peer_port,
              unsigned long n) {
  boost::asio::io_context io(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE);
  std::string error;
  auto kernel = atmsigd::io::open_unix_transport(io, path, {}, {}, error);
  if (!kernel) {
    std::fprintf(stderr, "shell_floor: %s\n", error.c_str());
    return 1;
  }
  auto link = atmsigd::io::open_udp_link(io, {"127.0.0.1", port}, {"127.0.0.1", peer_port}, error);
  if (!link) {
    std::fprintf(stderr, "shell_floor: %s\n", error.c_str());
    return 1;
  }
  std::array<std::uint8_t, kUnixSize> to_kernel{};
  std::array<std::uint8_t, kUdpSize> to_peer{};
  unsigned long done = 0;
  double cpu_start = -1;
  // The trivial engine: the datagrams A sends for each message of a call.
  auto out = [&](auto& frame, Kind k, atmsigd::ByteView in, auto& transport) {
    frame[0] = k;
    std::memcpy(&frame[1], &in[1], 4);
    transport->queue(atmsigd::ByteView(frame));
  };
  auto on_input = [&](atmsigd::ByteView in) {
    if (in.size() < 5) return;
    if (cpu_start < 0) cpu_start = cpu_now();
    switch (in[0]) {
      case kConnect:
        out(to_peer, kSetup, in, link);
        break;
      case kPeerConnect:
        out(to_peer, kConnAck, in, link);
        out(to_kernel, kOkay, in, kernel);
        break;
      case kClose:
        out(to_peer, kRelease, in, link);
        break;
      case kRelComp:
        out(to_kernel, kClosed, in, kernel);
        ++done;
        break;
      default:
        break;  // CALL PROCEEDING: nothing to send
    }
  };
  // The end of a turn, as Demon::end_turn: every queue flushed once.
  auto on_turn = [&] {
    kernel->flush();
    link->flush();
    if (done >= n) io.stop();
  };
  auto on_error = [](const std::string& what) {
    std::fprintf(stderr, "shell_floor: %s\n", what.c_str());
  };
  kernel->start(
      on_input, on_error, [](atmsigd::ByteView) {}, on_turn);
  link->start(on_input, on_error, on_turn);
  io.run();
  const double cpu = cpu_now() - cpu_start;
  const auto ks = kernel->stats();
  const auto ls = link->stats();
  std::printf(
      "calls %lu\ncpu_us_per_call %.2f\nrecv_calls_per_call %.2f\nsend_calls_per_call %.2f\n", done,
      cpu * 1e6 / double(done), double(ks.recv_calls + ls.recv_calls) / double(done),
      double(ks.send_calls + ls.send_calls) / double(done));
  kernel->close();
  link->close();
  return 0;
}

void send_kind(int fd, const sockaddr* to, socklen_t to_len, Kind k, std::uint32_t id,
               std::size_t size) {
  std::array<std::uint8_t, kUnixSize> b{};
  b[0] = k;
  std::memcpy(&b[1], &id, 4);
  if (::sendto(fd, b.data(), size, 0, to, to_len) < 0) {
    std::perror("shell_floor drive: send");
    std::exit(1);
  }
}

int run_driver(const std::string& path, const std::string& own_path, unsigned short port,
               unsigned short shell_port, unsigned long n, unsigned long w) {
  const int ufd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un own{}, shell{};
  own.sun_family = shell.sun_family = AF_UNIX;
  std::snprintf(own.sun_path, sizeof own.sun_path, "%s", own_path.c_str());
  std::snprintf(shell.sun_path, sizeof shell.sun_path, "%s", path.c_str());
  ::unlink(own_path.c_str());
  if (::bind(ufd, reinterpret_cast<sockaddr*>(&own), sizeof own) < 0 ||
      ::connect(ufd, reinterpret_cast<sockaddr*>(&shell), sizeof shell) < 0) {
    std::perror("shell_floor drive: unix socket");
    return 1;
  }
  const int dfd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in me{}, peer{};
  me.sin_family = peer.sin_family = AF_INET;
  me.sin_addr.s_addr = peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  me.sin_port = htons(port);
  peer.sin_port = htons(shell_port);
  if (::bind(dfd, reinterpret_cast<sockaddr*>(&me), sizeof me) < 0) {
    std::perror("shell_floor drive: udp socket");
    return 1;
  }
  const auto* to_shell = reinterpret_cast<const sockaddr*>(&peer);
  auto to_kernel_side = [&](Kind k, std::uint32_t id) {
    send_kind(ufd, nullptr, 0, k, id, kUnixSize);
  };
  auto to_link_side = [&](Kind k, std::uint32_t id) {
    send_kind(dfd, to_shell, sizeof peer, k, id, kUdpSize);
  };
  std::vector<std::uint8_t> got(n, 0);  // bit 0: CONNECT ACK, bit 1: as_okay
  unsigned long started = 0, finished = 0;
  while (started < n && started < w) to_kernel_side(kConnect, std::uint32_t(started++));
  std::array<std::uint8_t, kUnixSize> b{};
  while (finished < n) {
    pollfd p[2] = {{ufd, POLLIN, 0}, {dfd, POLLIN, 0}};
    if (::poll(p, 2, 10000) <= 0) {
      std::fprintf(stderr, "shell_floor drive: no answer (%lu of %lu calls done)\n", finished, n);
      return 1;
    }
    for (const pollfd& q : p) {
      if (!(q.revents & POLLIN)) continue;
      for (;;) {
        const ssize_t r = ::recv(q.fd, b.data(), b.size(), MSG_DONTWAIT);
        if (r < 5) break;
        std::uint32_t id;
        std::memcpy(&id, &b[1], 4);
        if (id >= n) continue;
        switch (b[0]) {
          case kSetup:
            to_link_side(kCallProc, id);
            to_link_side(kPeerConnect, id);
            break;
          case kConnAck:
          case kOkay:
            got[id] |= b[0] == kConnAck ? 1 : 2;
            if (got[id] == 3) to_kernel_side(kClose, id);
            break;
          case kRelease:
            to_link_side(kRelComp, id);
            break;
          case kClosed:
            ++finished;
            if (started < n) to_kernel_side(kConnect, std::uint32_t(started++));
            break;
          default:
            break;
        }
      }
    }
  }
  ::unlink(own_path.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "shell")
    return run_shell(argv[2], static_cast<unsigned short>(std::atoi(argv[3])),
                     static_cast<unsigned short>(std::atoi(argv[4])),
                     std::strtoul(argv[5], nullptr, 10));
  if (argc == 8 && std::string(argv[1]) == "drive")
    return run_driver(argv[2], argv[3], static_cast<unsigned short>(std::atoi(argv[4])),
                      static_cast<unsigned short>(std::atoi(argv[5])),
                      std::strtoul(argv[6], nullptr, 10), std::strtoul(argv[7], nullptr, 10));
  return usage();
}
