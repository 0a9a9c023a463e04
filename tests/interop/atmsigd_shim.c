/* LD_PRELOAD shim that lets Debian's atmsigd (linux-atm 2.5.1) run on a
 * machine without kernel ATM, for the interoperability tests.
 *
 * Its signaling PVC (socket(PF_ATMPVC), setsockopt(SOL_ATM, SO_ATMQOS),
 * bind/connect with a struct sockaddr_atmpvc naming a VC) becomes a UDP
 * socket on loopback carrying exactly one SSCOP PDU per datagram, nothing
 * added: the framing of our demon's --udp-local/--udp-peer link. On the
 * network side it reserves the VC of each incoming call as the kernel lets
 * it: a PVC socket bound to ATM_VCI_ANY, then getsockname() for the VCI the
 * kernel chose; the shim gives the next VCI >= 32 not held by another such
 * socket (until its close()), searching on from the last one as the kernel's
 * find_ci() does. Its interface ioctls (ATM_GETADDR, ATM_GETESI,
 * ATM_GETLINKRATE) are answered from the environment. Everything else goes to
 * libc untouched.
 *
 * Environment:
 *   ATMSIGD_SHIM_LOCAL      [HOST:]PORT to bind the UDP socket to (required)
 *   ATMSIGD_SHIM_PEER       [HOST:]PORT of the peer demon (required)
 *   ATMSIGD_SHIM_ADDRESS    the interface's NSAP addresses (text, dots
 *                           allowed, several separated by ',' or blanks)
 *   ATMSIGD_SHIM_ESI        12 hex digits (default: the first address's ESI)
 *   ATMSIGD_SHIM_LINK_RATE  cells/s (default 353207, OC-3)
 *   ATMSIGD_SHIM_TRACE      file: one line per intercepted call
 *
 * Written from the Linux ATM ABI headers (<linux/atm.h>, <linux/atmdev.h>)
 * and from strace/nm of the binary; no linux-atm code. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <linux/atm.h>
#include <linux/atmdev.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

/* Enough for the original's network side holding every VCI of a VPI (one
 * reserved PVC socket per call: scripts/bench.sh holds up to its limit). */
#define MAX_FD (1 << 17)
#define MAX_ADDRS 8

/* What a PF_ATMPVC socket of the program has become. */
enum kind { NOT_OURS = 0, PVC_UNBOUND, PVC_LINK, PVC_RESERVED };
static unsigned char shim_fd[MAX_FD];
static struct sockaddr_atmpvc pvc_of[MAX_FD]; /* PVC_LINK, PVC_RESERVED: its address */
/* VPI.VCI held by a PVC_RESERVED socket, one bit each: a reservation costs no
 * scan of every descriptor. */
static unsigned char vc_bits[(ATM_MAX_VPI + 1) * (ATM_MAX_VCI + 1) / 8];
static struct sockaddr_in peer_addr;
static struct sockaddr_atmsvc addrs[MAX_ADDRS];
static int n_addrs = -1; /* -1: environment not read yet */
static unsigned char esi[ESI_LEN];
static int have_esi;
static int link_rate = ATM_OC3_PCR;

static int (*real_socket)(int, int, int);
static int (*real_setsockopt)(int, int, int, const void*, socklen_t);
static int (*real_getsockopt)(int, int, int, void*, socklen_t*);
static int (*real_bind)(int, const struct sockaddr*, socklen_t);
static int (*real_getsockname)(int, struct sockaddr*, socklen_t*);
static int (*real_connect)(int, const struct sockaddr*, socklen_t);
static int (*real_ioctl)(int, unsigned long, ...);
static ssize_t (*real_read)(int, void*, size_t);
static ssize_t (*real_write)(int, const void*, size_t);
static ssize_t (*real_recv)(int, void*, size_t, int);
static ssize_t (*real_send)(int, const void*, size_t, int);
static ssize_t (*real_recvfrom)(int, void*, size_t, int, struct sockaddr*, socklen_t*);
static ssize_t (*real_sendto)(int, const void*, size_t, int, const struct sockaddr*, socklen_t);
static int (*real_close)(int);

#define RESOLVE(name)                                                    \
  do {                                                                   \
    if (!real_##name) *(void**)(&real_##name) = dlsym(RTLD_NEXT, #name); \
  } while (0)

static void trace(const char* fmt, ...) {
  const char* path = getenv("ATMSIGD_SHIM_TRACE");
  if (!path || !*path) return;
  FILE* f = fopen(path, "a");
  if (!f) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(f, "atmsigd-shim[%d]: ", (int)getpid());
  vfprintf(f, fmt, ap);
  fputc('\n', f);
  va_end(ap);
  fclose(f);
}

static void die(const char* what) {
  fprintf(stderr, "atmsigd-shim: %s\n", what);
  trace("fatal: %s", what);
  _exit(97);
}

static int is_shim(int fd) {
  return fd >= 0 && fd < MAX_FD && shim_fd[fd] != NOT_OURS;
}
static int is_link(int fd) {
  return fd >= 0 && fd < MAX_FD && shim_fd[fd] == PVC_LINK;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Parses hex digits (dots ignored) up to a separator; returns the number of
 * octets or -1. */
static int parse_hex(const char** p, unsigned char* out, int max) {
  int n = 0, half = -1;
  for (; **p && **p != ',' && **p != ' ' && **p != '\t'; ++*p) {
    if (**p == '.') continue;
    const int v = hexval(**p);
    if (v < 0) return -1;
    if (half < 0) {
      half = v;
    } else {
      if (n == max) return -1;
      out[n++] = (unsigned char)(half << 4 | v);
      half = -1;
    }
  }
  return half < 0 ? n : -1;
}

static void parse_endpoint(const char* var, struct sockaddr_in* sin) {
  const char* s = getenv(var);
  char msg[200];
  if (!s || !*s) {
    snprintf(msg, sizeof msg, "%s is not set", var);
    die(msg);
  }
  char host[64] = "127.0.0.1";
  const char* colon = strrchr(s, ':');
  const char* port = s;
  if (colon) {
    const size_t len = (size_t)(colon - s);
    if (len == 0 || len >= sizeof host) die("bad host in endpoint");
    memcpy(host, s, len);
    host[len] = 0;
    port = colon + 1;
  }
  char* end = NULL;
  const long p = strtol(port, &end, 10);
  memset(sin, 0, sizeof *sin);
  sin->sin_family = AF_INET;
  sin->sin_port = htons((unsigned short)p);
  if (*end || p <= 0 || p > 65535 || inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
    snprintf(msg, sizeof msg, "%s=\"%s\" is not [IPv4:]PORT", var, s);
    die(msg);
  }
}

static void read_env(void) {
  if (n_addrs >= 0) return;
  n_addrs = 0;
  const char* a = getenv("ATMSIGD_SHIM_ADDRESS");
  while (a && *a) {
    while (*a == ',' || *a == ' ' || *a == '\t') ++a;
    if (!*a) break;
    if (n_addrs == MAX_ADDRS) die("too many addresses in ATMSIGD_SHIM_ADDRESS");
    struct sockaddr_atmsvc* sa = &addrs[n_addrs];
    memset(sa, 0, sizeof *sa);
    sa->sas_family = AF_ATMSVC;
    if (parse_hex(&a, sa->sas_addr.prv, ATM_ESA_LEN) != ATM_ESA_LEN)
      die("ATMSIGD_SHIM_ADDRESS: an address is not 20 octets of hex");
    ++n_addrs;
  }
  const char* e = getenv("ATMSIGD_SHIM_ESI");
  if (e && *e) {
    if (parse_hex(&e, esi, ESI_LEN) != ESI_LEN) die("ATMSIGD_SHIM_ESI is not 6 octets of hex");
    have_esi = 1;
  } else if (n_addrs > 0) {
    memcpy(esi, addrs[0].sas_addr.prv + ATM_ESA_LEN - ESI_LEN - 1, ESI_LEN);
    have_esi = 1;
  }
  const char* r = getenv("ATMSIGD_SHIM_LINK_RATE");
  if (r && *r) link_rate = atoi(r);
}

int socket(int domain, int type, int protocol) {
  RESOLVE(socket);
  if (domain != PF_ATMPVC) return real_socket(domain, type, protocol);
  read_env();
  /* A real descriptor (select() works on it); what it is decides bind(). */
  const int fd = real_socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) return fd;
  if (fd >= MAX_FD) die("fd out of range");
  shim_fd[fd] = PVC_UNBOUND;
  trace("socket(PF_ATMPVC, %d, %d) = %d", type, protocol, fd);
  return fd;
}

/* The signaling link: the UDP socket gets its local port. */
static int open_link(int fd, const struct sockaddr_atmpvc* pvc) {
  struct sockaddr_in local;
  parse_endpoint("ATMSIGD_SHIM_LOCAL", &local);
  parse_endpoint("ATMSIGD_SHIM_PEER", &peer_addr);
  /* No SO_REUSEADDR: two processes on one port would share its datagrams
   * silently; a collision must fail (the original then exits). */
  RESOLVE(bind);
  if (real_bind(fd, (const struct sockaddr*)&local, sizeof local) < 0) {
    const int err = errno;
    trace("PVC %d.%d.%d: bind of UDP port %d failed: %s", pvc->sap_addr.itf, pvc->sap_addr.vpi,
          pvc->sap_addr.vci, ntohs(local.sin_port), strerror(err));
    errno = err;
    return -1;
  }
  shim_fd[fd] = PVC_LINK;
  pvc_of[fd] = *pvc;
  trace("PVC %d.%d.%d on fd %d is the signaling link: UDP %d -> %d", pvc->sap_addr.itf,
        pvc->sap_addr.vpi, pvc->sap_addr.vci, fd, ntohs(local.sin_port), ntohs(peer_addr.sin_port));
  return 0;
}

static int vc_held(int vpi, int vci) {
  const unsigned bit = (unsigned)vpi * (ATM_MAX_VCI + 1) + (unsigned)vci;
  return vpi >= 0 && vpi <= ATM_MAX_VPI && (vc_bits[bit / 8] >> (bit % 8) & 1);
}
static void vc_mark(int vpi, int vci, int held) {
  if (vpi < 0 || vpi > ATM_MAX_VPI || vci < 0 || vci > ATM_MAX_VCI) return;
  const unsigned bit = (unsigned)vpi * (ATM_MAX_VCI + 1) + (unsigned)vci;
  if (held)
    vc_bits[bit / 8] |= (unsigned char)(1u << (bit % 8));
  else
    vc_bits[bit / 8] &= (unsigned char)~(1u << (bit % 8));
}

/* A VC reserved for a call: ATM_VPI_ANY / ATM_VCI_ANY are chosen here. */
static int reserve_vc(int fd, const struct sockaddr_atmpvc* pvc) {
  struct sockaddr_atmpvc a = *pvc;
  if (a.sap_addr.itf == ATM_ITF_ANY) a.sap_addr.itf = 0;
  if (a.sap_addr.vpi == ATM_VPI_ANY) a.sap_addr.vpi = 0;
  if (a.sap_addr.vci == ATM_VCI_ANY) {
    /* As the kernel's find_ci(): the search goes on from where the last one
     * ended, wrapping, not from 32 each time. The original, whose network
     * side checks the VCI against its own calls and asks again while it
     * collides, then asks about twice per call, as on a real kernel; from
     * 32 each time it would ask once per call it holds. */
    static int cursor = ATM_NOT_RSV_VCI;
    int vci = cursor, tried = 0;
    while (vc_held(a.sap_addr.vpi, vci) && tried++ <= ATM_MAX_VCI)
      vci = vci >= ATM_MAX_VCI ? ATM_NOT_RSV_VCI : vci + 1;
    if (vc_held(a.sap_addr.vpi, vci)) {
      trace("PVC reservation on fd %d: no VCI left", fd);
      errno = EADDRINUSE;
      return -1;
    }
    a.sap_addr.vci = vci;
    cursor = vci;
  } else if (vc_held(a.sap_addr.vpi, a.sap_addr.vci)) {
    errno = EADDRINUSE;
    return -1;
  }
  shim_fd[fd] = PVC_RESERVED;
  pvc_of[fd] = a;
  vc_mark(a.sap_addr.vpi, a.sap_addr.vci, 1);
  trace("PVC %d.%d.%d reserved on fd %d", a.sap_addr.itf, a.sap_addr.vpi, a.sap_addr.vci, fd);
  return 0;
}

int setsockopt(int fd, int level, int name, const void* val, socklen_t len) {
  RESOLVE(setsockopt);
  if (!is_shim(fd) || level != SOL_ATM) return real_setsockopt(fd, level, name, val, len);
  if (name == SO_ATMQOS && len == sizeof(struct atm_qos)) {
    const struct atm_qos* q = val;
    trace(
        "setsockopt(%d, SOL_ATM, SO_ATMQOS): aal %d tx class %d max_sdu %d rx class %d "
        "max_sdu %d",
        fd, q->aal, q->txtp.traffic_class, q->txtp.max_sdu, q->rxtp.traffic_class, q->rxtp.max_sdu);
  } else {
    trace("setsockopt(%d, SOL_ATM, 0x%x, len %u): accepted", fd, (unsigned)name, (unsigned)len);
  }
  return 0;
}

int getsockopt(int fd, int level, int name, void* val, socklen_t* len) {
  RESOLVE(getsockopt);
  if (!is_shim(fd) || level != SOL_ATM) return real_getsockopt(fd, level, name, val, len);
  trace("getsockopt(%d, SOL_ATM, 0x%x): not supported", fd, (unsigned)name);
  errno = ENOPROTOOPT;
  return -1;
}

static int pvc_address(int fd, const char* op, const struct sockaddr* sa, socklen_t len) {
  if (!sa || len < sizeof(struct sockaddr_atmpvc) || sa->sa_family != AF_ATMPVC) {
    trace("%s(%d): not a struct sockaddr_atmpvc", op, fd);
    errno = EINVAL;
    return -1;
  }
  const struct sockaddr_atmpvc* pvc = (const struct sockaddr_atmpvc*)sa;
  trace("%s(%d, %d.%d.%d)", op, fd, pvc->sap_addr.itf, pvc->sap_addr.vpi, pvc->sap_addr.vci);
  if (shim_fd[fd] != PVC_UNBOUND) {
    errno = EISCONN;
    return -1;
  }
  /* The first PVC naming a VC is the signaling link; wildcards reserve. */
  const int any = pvc->sap_addr.vpi == ATM_VPI_ANY || pvc->sap_addr.vci == ATM_VCI_ANY;
  static int have_link;
  if (!any && !have_link) {
    if (open_link(fd, pvc) < 0) return -1;
    have_link = 1;
    return 0;
  }
  return reserve_vc(fd, pvc);
}

int bind(int fd, const struct sockaddr* sa, socklen_t len) {
  RESOLVE(bind);
  if (!is_shim(fd)) return real_bind(fd, sa, len);
  return pvc_address(fd, "bind", sa, len);
}

int connect(int fd, const struct sockaddr* sa, socklen_t len) {
  RESOLVE(connect);
  if (!is_shim(fd)) return real_connect(fd, sa, len);
  return pvc_address(fd, "connect", sa, len);
}

int getsockname(int fd, struct sockaddr* sa, socklen_t* len) {
  RESOLVE(getsockname);
  if (!is_shim(fd)) return real_getsockname(fd, sa, len);
  if (shim_fd[fd] == PVC_UNBOUND || !len || *len < sizeof(struct sockaddr_atmpvc)) {
    trace("getsockname(%d): unbound or short buffer", fd);
    errno = EINVAL;
    return -1;
  }
  memcpy(sa, &pvc_of[fd], sizeof(struct sockaddr_atmpvc));
  *len = sizeof(struct sockaddr_atmpvc);
  return 0;
}

/* Fills an atmif_sioc answer: `len` octets at `src`, length written back. */
static int sioc_reply(struct atmif_sioc* s, const void* src, int len, const char* what) {
  if (s->length < len) {
    trace("ioctl %s(itf %d): buffer of %d < %d", what, s->number, s->length, len);
    errno = EINVAL;
    return -1;
  }
  if (len) memcpy(s->arg, src, (size_t)len);
  s->length = len;
  trace("ioctl %s(itf %d): %d octets", what, s->number, len);
  return 0;
}

int ioctl(int fd, unsigned long req, ...) {
  va_list ap;
  va_start(ap, req);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  RESOLVE(ioctl);
  switch (req) {
    case ATM_GETADDR:
      read_env();
      return sioc_reply(arg, addrs, n_addrs * (int)sizeof(struct sockaddr_atmsvc), "ATM_GETADDR");
    case ATM_GETESI:
      read_env();
      if (!have_esi) {
        trace("ioctl ATM_GETESI: no ESI (ATMSIGD_SHIM_ESI / ATMSIGD_SHIM_ADDRESS unset)");
        errno = EINVAL;
        return -1;
      }
      return sioc_reply(arg, esi, ESI_LEN, "ATM_GETESI");
    case ATM_GETLINKRATE:
      read_env();
      return sioc_reply(arg, &link_rate, (int)sizeof link_rate, "ATM_GETLINKRATE");
    default:
      break;
  }
  if (_IOC_TYPE(req) == 'a') {
    trace("ioctl(%d, 0x%lx): not emulated, EINVAL", fd, req);
    errno = EINVAL;
    return -1;
  }
  return real_ioctl(fd, req, arg);
}

/* One datagram from the peer; datagrams from anyone else are dropped. */
static ssize_t shim_recv(int fd, void* buf, size_t len, int flags) {
  RESOLVE(recvfrom);
  for (;;) {
    struct sockaddr_in from;
    socklen_t flen = sizeof from;
    const ssize_t n = real_recvfrom(fd, buf, len, flags, (struct sockaddr*)&from, &flen);
    if (n < 0 && errno == ECONNREFUSED) continue; /* ICMP from an earlier send */
    if (n < 0) return n;
    if (from.sin_port == peer_addr.sin_port && from.sin_addr.s_addr == peer_addr.sin_addr.s_addr)
      return n;
    trace("recv(%d): %zd octets from port %d, not the peer: dropped", fd, n, ntohs(from.sin_port));
  }
}

static ssize_t shim_send(int fd, const void* buf, size_t len, int flags) {
  RESOLVE(sendto);
  const ssize_t n =
      real_sendto(fd, buf, len, flags, (const struct sockaddr*)&peer_addr, sizeof peer_addr);
  /* A peer not (yet) there: the PDU is lost, as on a dead link. */
  if (n < 0 && errno == ECONNREFUSED) return (ssize_t)len;
  return n;
}

ssize_t read(int fd, void* buf, size_t len) {
  RESOLVE(read);
  if (!is_link(fd)) return real_read(fd, buf, len);
  return shim_recv(fd, buf, len, 0);
}

ssize_t write(int fd, const void* buf, size_t len) {
  RESOLVE(write);
  if (!is_link(fd)) return real_write(fd, buf, len);
  return shim_send(fd, buf, len, 0);
}

ssize_t recv(int fd, void* buf, size_t len, int flags) {
  RESOLVE(recv);
  if (!is_link(fd)) return real_recv(fd, buf, len, flags);
  return shim_recv(fd, buf, len, flags);
}

ssize_t send(int fd, const void* buf, size_t len, int flags) {
  RESOLVE(send);
  if (!is_link(fd)) return real_send(fd, buf, len, flags);
  return shim_send(fd, buf, len, flags);
}

ssize_t recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* from, socklen_t* flen) {
  RESOLVE(recvfrom);
  if (!is_link(fd)) return real_recvfrom(fd, buf, len, flags, from, flen);
  if (flen) *flen = 0;
  return shim_recv(fd, buf, len, flags);
}

ssize_t sendto(int fd, const void* buf, size_t len, int flags, const struct sockaddr* to,
               socklen_t tlen) {
  RESOLVE(sendto);
  if (!is_link(fd)) return real_sendto(fd, buf, len, flags, to, tlen);
  return shim_send(fd, buf, len, flags);
}

int close(int fd) {
  RESOLVE(close);
  if (is_shim(fd)) {
    if (shim_fd[fd] == PVC_RESERVED) vc_mark(pvc_of[fd].sap_addr.vpi, pvc_of[fd].sap_addr.vci, 0);
    if (shim_fd[fd] == PVC_RESERVED)
      trace("close(%d): PVC %d.%d.%d released", fd, pvc_of[fd].sap_addr.itf,
            pvc_of[fd].sap_addr.vpi, pvc_of[fd].sap_addr.vci);
    else
      trace("close(%d)", fd);
    shim_fd[fd] = NOT_OURS;
  }
  return real_close(fd);
}
