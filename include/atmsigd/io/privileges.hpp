// After start the demon keeps no capability (docs/robustness.md, "Security").
// What it needs privileges for is done by then: socket(PF_ATMSVC) + ioctl
// ATMSIGD_CTRL (CAP_NET_ADMIN and CAP_SYS_RAWIO, net/atm/ioctl.c), binding the
// signaling PVC on a reserved VCI below 32 (CAP_NET_BIND_SERVICE,
// net/atm/common.c __vcc_connect), the unix socket's owner (CAP_CHOWN).
// Nothing later needs one: sending and receiving on those sockets, and
// ATM_GETADDR (net/atm/resources.c checks nothing for it), work without.
#pragma once

#include <string>

namespace atmsigd::io {

struct PrivilegeDrop {
  bool ok = false;
  std::string error;  // when !ok: what failed
  std::string note;   // when ok: one line for the log (what was dropped)
};

// Empties the bounding set (when CAP_SETPCAP allows it; without it the
// process could not have gained anything back anyway), the ambient,
// inheritable, permitted and effective sets, and sets no_new_privs.
// Capabilities belong to a thread: call it while the process has only one
// (it checks, and fails otherwise).
PrivilegeDrop drop_privileges();

}  // namespace atmsigd::io
