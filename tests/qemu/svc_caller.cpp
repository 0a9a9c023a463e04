// A caller of the kernel's SVC socket calls, run inside the test VM
// (tests/qemu): socket(PF_ATMSVC) with a UBR/AAL5 QoS, then one of
//   svc_caller bind ADDR      bind(ADDR)
//   svc_caller listen         listen() on an unbound socket (the kernel lets
//                             the demon pick the address)
//   svc_caller connect ADDR   connect(ADDR)
// ADDR: an NSAP address in hex, dots allowed (47.0005.80...). Statically
// linked, so that the initramfs needs nothing else for it. It says what it is
// about to do and what the call returned; on today's kernel the call never
// returns (docs/kernel.md).
#include <sys/socket.h>
#include <unistd.h>

#include <linux/atm.h>

#include "nsap_text.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace {

int usage() {
  std::fprintf(stderr, "usage: svc_caller bind ADDR | listen | connect ADDR\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage();
  const char* op = argv[1];
  const bool is_listen = std::strcmp(op, "listen") == 0;
  if (!is_listen && std::strcmp(op, "bind") != 0 && std::strcmp(op, "connect") != 0) return usage();
  struct sockaddr_atmsvc addr {};
  if (!is_listen && (argc < 3 || !parse_nsap(argv[2], addr))) return usage();

  const int fd = ::socket(PF_ATMSVC, SOCK_DGRAM, 0);
  if (fd < 0) {
    std::printf("svc_caller %s: socket(PF_ATMSVC): %s\n", op, std::strerror(errno));
    return 1;
  }
  struct atm_qos qos {};
  qos.aal = ATM_AAL5;
  qos.txtp.traffic_class = ATM_UBR;
  qos.txtp.max_sdu = 8192;
  qos.rxtp = qos.txtp;
  if (::setsockopt(fd, SOL_ATM, SO_ATMQOS, &qos, sizeof qos) < 0) {
    std::printf("svc_caller %s: setsockopt(SO_ATMQOS): %s\n", op, std::strerror(errno));
    return 1;
  }
  std::printf("svc_caller %s: calling (pid %d)\n", op, static_cast<int>(::getpid()));
  std::fflush(stdout);
  int r = 0;
  const auto* sa = reinterpret_cast<const struct sockaddr*>(&addr);
  if (is_listen)
    r = ::listen(fd, 5);
  else if (op[0] == 'b')
    r = ::bind(fd, sa, sizeof addr);
  else
    r = ::connect(fd, sa, sizeof addr);
  const int e = errno;
  std::printf("svc_caller %s: returned %d (%s)\n", op, r, r == 0 ? "success" : std::strerror(e));
  return r == 0 ? 0 : 1;
}
