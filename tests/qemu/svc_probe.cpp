// A user of real SVC sockets, run inside the test VM (tests/qemu,
// svc_path_vm_test.sh): one process runs a list of operations on SVC
// sockets and prints one line per operation with what the system call
// returned, so the VM's /init can check each against what the socket API
// promises. Statically linked: the initramfs needs nothing else for it.
//
//   svc_probe OP [ARG] OP [ARG] ...
//
// Operations work on a stack of sockets; the top one is "the socket":
//   socket          socket(PF_ATMSVC) with a UBR/AAL5 QoS, pushed
//   bind ADDR       bind(ADDR)
//   listen N        listen(N)
//   connect ADDR    connect(ADDR)
//   accept MS       poll() for an incoming call at most MS ms, then accept():
//                   the new socket is pushed
//   ready MS        poll() at most MS ms until an incoming call is pending on
//                   the listener (readable), without accepting it
//   pvc             getsockopt(SO_ATMPVC): prints "pvc ITF.VPI.VCI"
//   send N          send() N octets
//   hangup MS       poll() at most MS ms until the peer is gone (POLLHUP or
//                   POLLERR), then prints the socket's error (SO_ERROR)
//   close           close() the socket, popped
//   sleep MS        sleep MS ms
//   pid             prints "pid N" (the VM's /init watches its state)
// ADDR: an NSAP address in hex, dots allowed (47.0005.80...).
// Each operation prints "svc_probe OP: <result>" ("0", "-1 <errno name>",
// ...) and the probe stops at the first operation that fails unless it is
// marked as expected to fail with a trailing '!' (e.g. "connect! ADDR":
// the error is printed and the probe goes on). Exit status: 0 when every
// unmarked operation succeeded, 1 otherwise, 2 for a usage error.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/atm.h>

#include "nsap_text.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

const char* errno_name(int e) {
  switch (e) {
    case EINVAL:
      return "EINVAL";
    case EUNATCH:
      return "EUNATCH";
    case ECONNREFUSED:
      return "ECONNREFUSED";
    case ECONNRESET:
      return "ECONNRESET";
    case ENETRESET:
      return "ENETRESET";
    case ENETDOWN:
      return "ENETDOWN";
    case ENETUNREACH:
      return "ENETUNREACH";
    case EHOSTUNREACH:
      return "EHOSTUNREACH";
    case ETIMEDOUT:
      return "ETIMEDOUT";
    case EADDRINUSE:
      return "EADDRINUSE";
    case EADDRNOTAVAIL:
      return "EADDRNOTAVAIL";
    case EAGAIN:
      return "EAGAIN";
    case EBADFD:
      return "EBADFD";
    case EPIPE:
      return "EPIPE";
    case ENOTCONN:
      return "ENOTCONN";
    case EISCONN:
      return "EISCONN";
    case EINTR:
      return "EINTR";
    case EPROTO:
      return "EPROTO";
    case EBUSY:
      return "EBUSY";
    default:
      return "E?";
  }
}

std::vector<int> stack;

int top() {
  return stack.empty() ? -1 : stack.back();
}

void say(const std::string& op, const std::string& what) {
  std::printf("svc_probe %s: %s\n", op.c_str(), what.c_str());
  std::fflush(stdout);
}

std::string result(long r, int e) {
  if (r >= 0) return std::to_string(r);
  return "-1 " + std::string(errno_name(e)) + " (" + std::strerror(e) + ")";
}

int usage() {
  std::fprintf(
      stderr,
      "usage: svc_probe OP [ARG] ...: socket, bind ADDR, listen N, connect ADDR, "
      "accept MS, ready MS, pvc, send N, hangup MS, close, sleep MS, pid (OP! may fail)\n");
  return 2;
}

bool address(const char* text, struct sockaddr_atmsvc& a) {
  return text && parse_nsap(text, a);
}

}  // namespace

int main(int argc, char** argv) {
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    std::string op = argv[i];
    const bool may_fail = !op.empty() && op.back() == '!';
    if (may_fail) op.pop_back();
    const char* arg = i + 1 < argc ? argv[i + 1] : nullptr;
    long r = 0;
    int e = 0;
    std::string extra;
    if (op == "socket") {
      r = ::socket(PF_ATMSVC, SOCK_DGRAM, 0);
      e = errno;
      if (r >= 0) {
        struct atm_qos qos {};
        qos.aal = ATM_AAL5;
        qos.txtp.traffic_class = ATM_UBR;
        qos.txtp.max_sdu = 8192;
        qos.rxtp = qos.txtp;
        if (::setsockopt(static_cast<int>(r), SOL_ATM, SO_ATMQOS, &qos, sizeof qos) < 0) {
          e = errno;
          ::close(static_cast<int>(r));
          r = -1;
        } else {
          stack.push_back(static_cast<int>(r));
          r = 0;
        }
      }
    } else if (op == "bind" || op == "connect") {
      struct sockaddr_atmsvc a {};
      if (!address(arg, a)) return usage();
      ++i;
      const auto* sa = reinterpret_cast<const struct sockaddr*>(&a);
      r = op == "bind" ? ::bind(top(), sa, sizeof a) : ::connect(top(), sa, sizeof a);
      e = errno;
    } else if (op == "listen") {
      if (!arg) return usage();
      ++i;
      r = ::listen(top(), std::atoi(arg));
      e = errno;
    } else if (op == "accept") {
      if (!arg) return usage();
      ++i;
      struct pollfd p {
        top(), POLLIN, 0
      };
      r = ::poll(&p, 1, std::atoi(arg));
      e = errno;
      if (r == 0) {
        r = -1;
        e = ETIMEDOUT;
      } else if (r > 0) {
        r = ::accept(top(), nullptr, nullptr);
        e = errno;
        if (r >= 0) {
          stack.push_back(static_cast<int>(r));
          r = 0;
        }
      }
    } else if (op == "ready") {
      if (!arg) return usage();
      ++i;
      struct pollfd p {
        top(), POLLIN, 0
      };
      r = ::poll(&p, 1, std::atoi(arg));
      e = errno;
      if (r == 0) {
        r = -1;
        e = ETIMEDOUT;
      } else if (r > 0) {
        r = 0;
      }
    } else if (op == "pvc") {
      struct sockaddr_atmpvc pvc {};
      socklen_t len = sizeof pvc;
      r = ::getsockopt(top(), SOL_ATM, SO_ATMPVC, &pvc, &len);
      e = errno;
      if (r == 0)
        extra = " pvc " + std::to_string(pvc.sap_addr.itf) + "." +
                std::to_string(pvc.sap_addr.vpi) + "." + std::to_string(pvc.sap_addr.vci);
    } else if (op == "send") {
      if (!arg) return usage();
      ++i;
      std::vector<char> data(static_cast<std::size_t>(std::atoi(arg)), 'x');
      r = ::send(top(), data.data(), data.size(), 0);
      e = errno;
    } else if (op == "hangup") {
      if (!arg) return usage();
      ++i;
      struct pollfd p {
        top(), 0, 0
      };
      r = ::poll(&p, 1, std::atoi(arg));
      e = errno;
      if (r == 0) {
        r = -1;
        e = ETIMEDOUT;
      } else if (r > 0) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(top(), SOL_SOCKET, SO_ERROR, &err, &len);
        extra = std::string(" revents") + ((p.revents & POLLHUP) ? " HUP" : "") +
                ((p.revents & POLLERR) ? " ERR" : "") + " so_error " +
                (err != 0 ? errno_name(err) : "0");
        r = 0;
      }
    } else if (op == "close") {
      r = ::close(top());
      e = errno;
      if (!stack.empty()) stack.pop_back();
    } else if (op == "sleep") {
      if (!arg) return usage();
      ++i;
      ::usleep(static_cast<useconds_t>(std::atoi(arg)) * 1000);
    } else if (op == "pid") {
      extra = " pid " + std::to_string(::getpid());
    } else {
      return usage();
    }
    say(op + (may_fail ? "!" : ""), result(r, e) + extra);
    if (r < 0 && !may_fail) {
      status = 1;
      break;
    }
  }
  return status;
}
