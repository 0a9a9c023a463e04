// Builders for call control's inputs and for the Q.2931 messages a scripted
// peer sends: shared by the call-control tests (tests/callctl/harness.hpp) and
// the call-control and engine fuzzers (fuzz/), so it must not need GoogleTest.
#pragma once

#include <sys/socket.h>

#include <linux/atm.h>

#include <cstdint>
#include <cstring>
#include <optional>

#include "atmsigd/q2931/message.hpp"

namespace atmsigd::testkit {

// An NSAP address of the test network; `last` tells the ends apart.
inline struct sockaddr_atmsvc nsap(std::uint8_t last) {
  struct sockaddr_atmsvc a;
  std::memset(&a, 0, sizeof a);
  a.sas_family = AF_ATMSVC;
  const std::uint8_t p[20] = {0x47, 0x00, 0x05, 0x80, 0xff, 0xe1, 0x00, 0x00, 0x00, 0xf2,
                              0x1a, 0x26, 0xd8, 0x00, 0x20, 0xea, 0x00, 0x00, 0x02, 0x00};
  std::memcpy(a.sas_addr.prv, p, 20);
  a.sas_addr.prv[18] = last;
  return a;
}

inline struct atm_qos ubr(int sdu = 8192) {
  struct atm_qos q;
  std::memset(&q, 0, sizeof q);
  q.aal = ATM_AAL5;
  q.txtp.traffic_class = ATM_UBR;
  q.rxtp.traffic_class = ATM_UBR;
  q.txtp.max_sdu = sdu;
  q.rxtp.max_sdu = sdu;
  return q;
}

inline q2931::Message msg(q2931::MessageType t, std::uint32_t cref, bool flag) {
  q2931::Message m;
  m.type = t;
  m.cref = {cref, flag};
  return m;
}

inline q2931::Cause cause_ie(std::uint8_t v) {
  q2931::Cause c;
  c.value = v;
  return c;
}

inline q2931::ConnectionIdentifier conn_id(std::uint16_t vpci, std::uint16_t vci) {
  q2931::ConnectionIdentifier c;
  c.vp_associated = 1;
  c.exclusivity = 0;
  c.vpci = vpci;
  c.vci = vci;
  return c;
}

// The peer's RESTART (its own global call reference, flag 0) of class
// `cls`; classes 0 and 1 name their connection identifier.
inline q2931::Message restart_msg(std::uint8_t cls,
                                  std::optional<q2931::ConnectionIdentifier> ci = std::nullopt) {
  q2931::Message r = msg(q2931::MessageType::kRestart, 0, false);
  if (ci) r.add(*ci);
  q2931::RestartIndicator ri;
  ri.restart_class = cls;
  r.add(ri);
  return r;
}

}  // namespace atmsigd::testkit
