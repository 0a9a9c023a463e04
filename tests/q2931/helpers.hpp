// Shared helpers for the Q.2931 codec tests.
#pragma once

#include <string_view>

#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/q2931/ie.hpp"
#include "atmsigd/q2931/message.hpp"
#include "atmsigd/util/bytes.hpp"

namespace atmsigd::q2931::test {

// "09 03 00" -> bytes; whitespace ignored.
inline Bytes hx(std::string_view s) {
  Bytes out;
  int hi = -1;
  for (char c : s) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(hi << 4 | v));
      hi = -1;
    }
  }
  return out;
}

// The two NSAP addresses of the captured call (ICD format, 20 octets).
inline const Bytes kNsapB = hx("47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00");
inline const Bytes kNsapA = hx("47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 01 00");

inline IeHeader net_coding() {
  return IeHeader{CodingStandard::kNetwork, false, IeAction::kClearCall};
}

inline CalledPartyNumber called_nsap(const Bytes& a = kNsapB) {
  CalledPartyNumber n;
  n.type_of_number = numbering::kTypeUnknown;
  n.plan = numbering::kPlanNsap;
  n.address = a;
  return n;
}
inline CallingPartyNumber calling_nsap(const Bytes& a = kNsapA) {
  CallingPartyNumber n;
  n.plan = numbering::kPlanNsap;
  n.address = a;
  return n;
}
inline ConnectedNumber connected_nsap(const Bytes& a = kNsapB) {
  ConnectedNumber n;
  n.plan = numbering::kPlanNsap;
  n.presentation = PresentationScreening{0, 1};  // allowed, user provided, verified and passed
  n.address = a;
  return n;
}
inline UserUser user_user() {
  UserUser u;
  u.protocol = 0x04;
  u.info = Bytes{'h', 'e', 'l', 'l', 'o'};
  return u;
}
inline ProgressIndicator progress() {
  ProgressIndicator p;
  p.content = {0x82, 0x82};
  return p;
}
inline Cause make_cause(std::uint8_t value, CauseLocation loc = CauseLocation::kUser) {
  Cause c;
  c.location = loc;
  c.value = value;
  return c;
}
inline EndpointReference epref(std::uint16_t v, bool flag = false) {
  EndpointReference e;
  e.value = v;
  e.flag = flag;
  return e;
}

// The SETUP of the original demon (UNI 3.0 default mode, or UNI 4.0 when uni40).
inline Message original_setup(bool uni40) {
  Message m;
  m.type = MessageType::kSetup;
  m.cref = {1, false};
  AalParameters aal;
  aal.aal = Aal5{8192, 8192, uni40 ? std::nullopt : std::optional<std::uint8_t>(1), 0};
  m.add(aal);
  TrafficDescriptor td;
  td.td.fwd_pcr_01 = 353207;
  td.td.bwd_pcr_01 = 353207;
  td.td.best_effort = true;
  m.add(td);
  BroadbandBearerCapability bbc;
  bbc.bearer_class = bearer_class::kBcobX;
  if (!uni40) bbc.transfer_capability = 0;
  m.add(bbc);
  m.add(called_nsap());
  m.add(calling_nsap());
  QosParameter qos;
  if (!uni40) qos.hdr = net_coding();
  m.add(qos);
  return m;
}

}  // namespace atmsigd::q2931::test
