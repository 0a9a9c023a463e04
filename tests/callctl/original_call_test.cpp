// The call of orig-call.pcapng (two original demons, UNI 3.0, A -m user, B -m
// network), replayed against each of our sides: every Q.2931 message we send
// must be octet for octet what the original sent in the same place.
#include <gtest/gtest.h>

#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

Bytes hex(const std::string& h) {
  Bytes b;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    b.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return b;
}

// Q.2931 messages of the capture (SSCOP SD payloads), in order.
const std::string kSetup =
    "09030000010580005b5880000b058c20008120008301840059800009840563b7850563b7be5e800003108080708000"
    "158247000580ffe1000000f21a26d80020ea000002006c8000158247000580ffe1000000f21a26d80020ea000001"
    "005ce000020000";                                                             // A -> B
const std::string kCallProceeding = "0903800001028000095a8000058800000020";       // B -> A
const std::string kConnect = "09038000010780000f5880000b058c200081200083018400";  // B -> A
const std::string kConnectAck = "09030000010f800000";                             // A -> B
const std::string kRelease = "09030000014d80000608800002809f";                    // A -> B
const std::string kReleaseComplete = "09038000015a800000";                        // B -> A

std::string next_hex(RawEnd& peer) {
  EXPECT_FALSE(peer.inbox.empty());
  if (peer.inbox.empty()) return {};
  Bytes b = peer.inbox.front();
  peer.inbox.pop_front();
  std::string s;
  char buf[3];
  for (auto x : b) {
    std::snprintf(buf, sizeof buf, "%02x", x);
    s += buf;
  }
  return s;
}

TEST(OriginalCall, UserSide_SendsWhatTheOriginalUserSent) {
  UniParams p = UniParams::defaults(Side::kUser, Version::kUni30);
  p.local_addresses.push_back(nsap(1));  // 47.0005.80ffe1000000f21a26d8.0020ea000001.00
  Fixture f(p, Version::kUni30);
  auto req = connect_req(1, 2);
  req.qos.txtp.max_pcr = ATM_MAX_PCR;
  req.qos.rxtp.max_pcr = ATM_MAX_PCR;
  f.req(req);
  EXPECT_EQ(next_hex(f.peer), kSetup);
  f.peer.send_bytes(hex(kCallProceeding), f.link.now);
  f.peer.send_bytes(hex(kConnect), f.link.now);
  f.link.pump();
  EXPECT_EQ(next_hex(f.peer), kConnectAck);
  auto est = events_of<CcEstablished>(f.take());
  ASSERT_EQ(est.size(), 1u);
  EXPECT_EQ(est[0].pvc.sap_addr.itf, 0);
  EXPECT_EQ(est[0].pvc.sap_addr.vpi, 0);
  EXPECT_EQ(est[0].pvc.sap_addr.vci, 32);  // pvc 0.0.32 as in the capture
  f.req(CcRelease{1});
  EXPECT_EQ(next_hex(f.peer), kRelease);
  f.peer.send_bytes(hex(kReleaseComplete), f.link.now);
  f.link.pump();
  EXPECT_EQ(f.uni().call_count(), 0u);
  EXPECT_TRUE(f.ev().empty());
}

TEST(OriginalCall, NetworkSide_SendsWhatTheOriginalNetworkSent) {
  Fixture f(Side::kNetwork, Version::kUni30);
  f.peer.send_bytes(hex(kSetup), f.link.now);
  f.link.pump();
  EXPECT_EQ(next_hex(f.peer), kCallProceeding);
  auto inc = events_of<CcIncoming>(f.take());
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].pvc.sap_addr.vci, 32);  // "indicate (pvc 0.0.32, caller A's NSAP)"
  EXPECT_EQ(inc[0].calling.sas_addr.prv[18], 1);
  f.req(CcAccept{inc[0].call, 100});
  EXPECT_EQ(next_hex(f.peer), kConnect);
  EXPECT_EQ(events_of<CcEstablished>(f.take()).size(), 1u);
  f.peer.send_bytes(hex(kConnectAck), f.link.now);
  f.peer.send_bytes(hex(kRelease), f.link.now);
  f.link.pump();
  EXPECT_EQ(next_hex(f.peer), kReleaseComplete);
  auto rel = events_of<CcReleased>(f.take());
  ASSERT_EQ(rel.size(), 1u);
  EXPECT_EQ(rel[0].err, 0);  // "A close -> B close (reply 0)"
  EXPECT_EQ(f.uni().call_count(), 0u);
}

}  // namespace
}  // namespace atmsigd::callctl::test
