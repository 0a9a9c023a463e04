// Kernel view <-> Q.2931 IEs, checked against what the original demon sends
// (atmsigd-observed.md, orig-call.pcapng).
#include "atmsigd/callctl/mapping.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "atmsigd/q2931/codec.hpp"
#include "harness.hpp"

namespace atmsigd::callctl::test {
namespace {

Bytes from_hex(const std::string& h) {
  Bytes b;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2)
    b.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return b;
}

// The SETUP the original (UNI 3.0, -m user) sent in orig-call.pcapng.
const char* kOriginalSetupUni30 =
    "09030000010580005b5880000b058c20008120008301840059800009840563b7850563b7be5e800003108080708000"
    "158247000580ffe1000000f21a26d80020ea000002006c8000158247000580ffe1000000f21a26d80020ea000001"
    "005ce000020000";

Message our_setup(Version v, struct atm_qos qos = ubr(8192)) {
  Message m;
  m.type = MessageType::kSetup;
  m.cref = {1, false};
  struct sockaddr_atmsvc called = nsap(2);
  struct sockaddr_atmsvc calling = nsap(1);
  struct atm_sap sap;
  std::memset(&sap, 0, sizeof sap);
  EXPECT_FALSE(add_setup_ies(m, called, calling, sap, qos, v, kDefaultLinkRate, nullptr));
  return m;
}

TEST(SetupMapping, Uni30Ubr_IsByteForByteTheOriginalsSetup) {
  struct atm_qos q = ubr(8192);
  q.txtp.max_pcr = ATM_MAX_PCR;
  q.rxtp.max_pcr = ATM_MAX_PCR;
  EXPECT_EQ(to_hex(q2931::encode(our_setup(Version::kUni30, q), Version::kUni30), 200),
            to_hex(from_hex(kOriginalSetupUni30), 200));
}

// Issue 13: a usual SETUP's IEs stay in the message's inline room (no heap
// block per SETUP; a reserve for the largest SETUP used to take one).
TEST(SetupMapping, UsualSetup_StaysInTheInlineIeList) {
  for (Version v : {Version::kUni30, Version::kUni31, Version::kUni40}) {
    const Message m = our_setup(v);
    EXPECT_GE(m.ies.size(), 6u);  // AAL, traffic, bearer, called, calling, QoS
    EXPECT_EQ(m.ies.capacity(), q2931::IeList::inline_capacity()) << static_cast<int>(v);
  }
}

TEST(SetupMapping, Uni30Ubr_FieldByField) {
  const Bytes wire = q2931::encode(our_setup(Version::kUni30), Version::kUni30);
  const auto res = q2931::decode(wire, Version::kUni30);
  ASSERT_TRUE(res.ok());
  const Message& m = *res.message;
  const auto* aal = m.find<q2931::AalParameters>();
  ASSERT_NE(aal, nullptr);
  const auto& a5 = std::get<q2931::Aal5>(aal->aal);
  EXPECT_EQ(a5.fwd_max_sdu, 8192);
  EXPECT_EQ(a5.bwd_max_sdu, 8192);
  EXPECT_EQ(a5.mode, 1);  // message mode
  EXPECT_EQ(a5.sscs, 0);  // null
  const auto* td = m.find<q2931::TrafficDescriptor>();
  ASSERT_NE(td, nullptr);
  EXPECT_EQ(td->td.fwd_pcr_01, 353207u);
  EXPECT_EQ(td->td.bwd_pcr_01, 353207u);
  EXPECT_TRUE(td->td.best_effort);
  const auto* bc = m.find<q2931::BroadbandBearerCapability>();
  ASSERT_NE(bc, nullptr);
  EXPECT_EQ(bc->bearer_class, q2931::bearer_class::kBcobX);
  EXPECT_EQ(bc->transfer_capability, 0);  // octet 5a 0x80
  EXPECT_EQ(bc->up_config, 0);
  const auto* cd = m.find<q2931::CalledPartyNumber>();
  ASSERT_NE(cd, nullptr);
  EXPECT_EQ(cd->plan, q2931::numbering::kPlanNsap);
  EXPECT_EQ(cd->address.size(), 20u);
  const auto* cg = m.find<q2931::CallingPartyNumber>();
  ASSERT_NE(cg, nullptr);
  EXPECT_FALSE(cg->presentation.has_value());
  const auto* qp = m.find<q2931::QosParameter>();
  ASSERT_NE(qp, nullptr);
  EXPECT_EQ(qp->hdr.coding, q2931::CodingStandard::kNetwork);
  EXPECT_EQ(qp->fwd_class, 0);
  EXPECT_EQ(qp->bwd_class, 0);
  EXPECT_EQ(m.find<q2931::ConnectionIdentifier>(), nullptr);  // user side: none
}

TEST(SetupMapping, Uni40_NoAalMode_TwoOctetBbc_ItuQos) {
  const Bytes wire = q2931::encode(our_setup(Version::kUni40), Version::kUni40);
  const auto res = q2931::decode(wire, Version::kUni40);
  ASSERT_TRUE(res.ok());
  const Message& m = *res.message;
  EXPECT_FALSE(std::get<q2931::Aal5>(m.find<q2931::AalParameters>()->aal).mode.has_value());
  EXPECT_FALSE(m.find<q2931::BroadbandBearerCapability>()->transfer_capability.has_value());
  EXPECT_EQ(m.find<q2931::QosParameter>()->hdr.coding, q2931::CodingStandard::kItuT);
  // The AAL IE is 9 octets long, the B-BC is 0x90 0x80 on the wire.
  const std::string hex = to_hex(wire, 200);
  EXPECT_NE(hex.find("58 80 00 09 05 8c 20 00 81 20 00 84 00"), std::string::npos) << hex;
  EXPECT_NE(hex.find("5e 80 00 02 90 80"), std::string::npos) << hex;
}

TEST(SetupMapping, Cbr_TransferCapability5_NoBestEffort_Pcr) {
  struct atm_qos q = ubr();
  q.txtp.traffic_class = ATM_CBR;
  q.txtp.max_pcr = 10000;
  q.rxtp.traffic_class = ATM_NONE;
  const Message m = our_setup(Version::kUni31, q);
  EXPECT_EQ(m.find<q2931::BroadbandBearerCapability>()->transfer_capability, 5);
  const auto* td = m.find<q2931::TrafficDescriptor>();
  EXPECT_FALSE(td->td.best_effort);
  EXPECT_EQ(td->td.fwd_pcr_01, 10000u);
  EXPECT_EQ(td->td.bwd_pcr_01, 0u);
}

TEST(SetupMapping, PcrSelection_IsSelectTopPcr) {
  struct atm_trafprm tp;
  std::memset(&tp, 0, sizeof tp);
  tp.traffic_class = ATM_UBR;
  EXPECT_EQ(signalled_pcr(tp, 1000), 1000);  // nothing given: the link rate
  tp.min_pcr = 5;
  EXPECT_EQ(signalled_pcr(tp, 1000), 5);
  tp.max_pcr = 50;
  EXPECT_EQ(signalled_pcr(tp, 1000), 50);
  tp.pcr = 20;
  EXPECT_EQ(signalled_pcr(tp, 1000), 20);
  tp.traffic_class = ATM_NONE;
  EXPECT_EQ(signalled_pcr(tp, 1000), 0);
}

TEST(SetupMapping, MaxSduZero_Defaults8192) {
  const Message m = our_setup(Version::kUni31, ubr(0));
  const auto& a5 = std::get<q2931::Aal5>(m.find<q2931::AalParameters>()->aal);
  EXPECT_EQ(a5.fwd_max_sdu, 8192);
  EXPECT_FALSE(a5.mode.has_value());  // only UNI 3.0 has Mode (as the original)
}

TEST(SetupMapping, VbrOrNoAddress_Refused) {
  Message m;
  struct sockaddr_atmsvc none;
  std::memset(&none, 0, sizeof none);
  struct atm_sap sap;
  std::memset(&sap, 0, sizeof sap);
  auto e = add_setup_ies(m, none, none, sap, ubr(), Version::kUni30, 1, nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->err, -EDESTADDRREQ);
  struct atm_qos q = ubr();
  q.txtp.traffic_class = ATM_VBR;
  e = add_setup_ies(m, nsap(1), none, sap, q, Version::kUni30, 1, nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->err, -EINVAL);
}

TEST(SetupMapping, E164WithNsap_NumberAndSubaddress_RoundTrip) {
  struct sockaddr_atmsvc a = nsap(7);
  std::strcpy(a.sas_addr.pub, "41216041111");
  Message m;
  struct atm_sap sap;
  std::memset(&sap, 0, sizeof sap);
  ASSERT_FALSE(add_setup_ies(m, a, a, sap, ubr(), Version::kUni31, 1, nullptr));
  const auto* cd = m.find<q2931::CalledPartyNumber>();
  EXPECT_EQ(cd->plan, q2931::numbering::kPlanE164);
  EXPECT_EQ(cd->type_of_number, q2931::numbering::kTypeInternational);
  ASSERT_NE(m.find<q2931::CalledPartySubaddress>(), nullptr);
  const auto back = decode_party(m, true);
  EXPECT_STREQ(back.sas_addr.pub, "41216041111");
  EXPECT_EQ(std::memcmp(back.sas_addr.prv, a.sas_addr.prv, 20), 0);
  const auto back2 = decode_party(m, false);
  EXPECT_STREQ(back2.sas_addr.pub, "41216041111");
}

TEST(SetupMapping, Sap_BhliAndThreeBllis_RoundTripThroughTheWire) {
  struct atm_sap sap;
  std::memset(&sap, 0, sizeof sap);
  sap.bhli.hl_type = ATM_HL_VENDOR;
  sap.bhli.hl_length = 7;
  const unsigned char v[7] = {0x00, 0x60, 0xd7, 0x01, 0x00, 0x00, 0x01};
  std::memcpy(sap.bhli.hl_info, v, 7);
  sap.blli[0].l2_proto = ATM_L2_ISO8802;
  sap.blli[1].l3_proto = ATM_L3_TR9577;
  sap.blli[1].l3.tr9577.ipi = 0x80;
  const unsigned char snap[5] = {0x00, 0x00, 0x00, 0x08, 0x00};
  std::memcpy(sap.blli[1].l3.tr9577.snap, snap, 5);
  sap.blli[2].l2_proto = ATM_L2_X25_LL;
  sap.blli[2].l2.itu.mode = ATM_IMD_NORMAL;
  sap.blli[2].l2.itu.window = 7;
  Message m;
  m.type = MessageType::kSetup;
  m.cref = {5, false};
  ASSERT_FALSE(add_setup_ies(m, nsap(1), nsap(2), sap, ubr(), Version::kUni31, 1, nullptr));
  EXPECT_NE(m.find<q2931::BroadbandRepeatIndicator>(), nullptr);
  const auto res = q2931::decode(q2931::encode(m, Version::kUni31), Version::kUni31);
  ASSERT_TRUE(res.ok());
  IncomingSetup in;
  ASSERT_FALSE(decode_setup(*res.message, Version::kUni31, in));
  EXPECT_EQ(in.sap.bhli.hl_type, ATM_HL_VENDOR);
  EXPECT_EQ(in.sap.bhli.hl_length, 7);
  EXPECT_EQ(std::memcmp(in.sap.bhli.hl_info, v, 7), 0);
  EXPECT_EQ(in.sap.blli[0].l2_proto, ATM_L2_ISO8802);
  EXPECT_EQ(in.sap.blli[1].l3_proto, ATM_L3_TR9577);
  EXPECT_EQ(in.sap.blli[1].l3.tr9577.ipi, 0x80);
  EXPECT_EQ(std::memcmp(in.sap.blli[1].l3.tr9577.snap, snap, 5), 0);
  EXPECT_EQ(in.sap.blli[2].l2.itu.mode, ATM_IMD_NORMAL);
  EXPECT_EQ(in.sap.blli[2].l2.itu.window, 7);
}

TEST(SetupMapping, IncomingQos_IsTheCalleesView) {
  const Message s = network_setup(3, 40, Version::kUni30);
  IncomingSetup in;
  ASSERT_FALSE(decode_setup(s, Version::kUni30, in));
  EXPECT_EQ(in.qos.aal, ATM_AAL5);
  EXPECT_EQ(in.qos.rxtp.traffic_class, ATM_UBR);
  EXPECT_EQ(in.qos.rxtp.max_pcr, 1000);  // forward = what the callee receives
  EXPECT_EQ(in.qos.txtp.max_pcr, 2000);
  EXPECT_EQ(in.qos.rxtp.max_sdu, 9180);
  EXPECT_EQ(in.qos.txtp.max_sdu, 4470);
  ASSERT_TRUE(in.conn_id);
  EXPECT_EQ(in.conn_id->vci, 40);
  EXPECT_EQ(std::memcmp(in.calling.sas_addr.prv, nsap(9).sas_addr.prv, 20), 0);
}

// The call control looks for a SETUP's endpoint reference (Q.2971 leaf) and
// leaf sequence number (UNI 4.0 §6 join) only when decode_setup() saw them in
// its one walk of the IEs.
TEST(SetupMapping, IncomingSetup_SaysWhetherP2mpIesArePresent) {
  Message s = network_setup(3, 40, Version::kUni40);
  IncomingSetup in;
  ASSERT_FALSE(decode_setup(s, Version::kUni40, in));
  EXPECT_FALSE(in.has_endpoint_ref);
  EXPECT_FALSE(in.has_leaf_seq);
  q2931::EndpointReference ep;
  ep.value = 7;
  s.add(ep);
  IncomingSetup with_ep;
  ASSERT_FALSE(decode_setup(s, Version::kUni40, with_ep));
  EXPECT_TRUE(with_ep.has_endpoint_ref);
  EXPECT_FALSE(with_ep.has_leaf_seq);
  q2931::LeafSequenceNumber seq;
  seq.value = 3;
  s.add(seq);
  IncomingSetup with_both;
  ASSERT_FALSE(decode_setup(s, Version::kUni40, with_both));
  EXPECT_TRUE(with_both.has_endpoint_ref);
  EXPECT_TRUE(with_both.has_leaf_seq);
}

TEST(SetupMapping, IncomingAal1_RefusedWithCause93InUni30And78Else) {
  Message s = network_setup(3, 40, Version::kUni30);
  for (auto& ie : s.ies)
    if (auto* a = std::get_if<q2931::AalParameters>(&ie)) a->aal = q2931::Aal1{};
  IncomingSetup in;
  auto p = decode_setup(s, Version::kUni30, in);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->cause, 93);
  p = decode_setup(s, Version::kUni31, in);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->cause, 78);
}

TEST(SetupMapping, ConnectAal_ForwardIsTheCalleesReceiveSize) {
  struct atm_qos q = ubr();
  q.rxtp.max_sdu = 9180;
  q.txtp.max_sdu = 1500;
  const auto aal = connect_aal(q, Version::kUni30);
  const auto& a5 = std::get<q2931::Aal5>(aal.aal);
  EXPECT_EQ(a5.fwd_max_sdu, 9180);
  EXPECT_EQ(a5.bwd_max_sdu, 1500);
  EXPECT_EQ(a5.mode, 1);
  struct atm_qos caller = ubr(0);
  Message c;
  c.add(aal);
  apply_connect(c, caller);
  EXPECT_EQ(caller.txtp.max_sdu, 9180);
  EXPECT_EQ(caller.rxtp.max_sdu, 1500);
}

}  // namespace
}  // namespace atmsigd::callctl::test

namespace atmsigd::callctl::test {
namespace {

struct atm_qos abr_qos() {
  struct atm_qos q = ubr();
  q.txtp.traffic_class = ATM_ABR;
  q.rxtp.traffic_class = ATM_ABR;
  q.txtp.max_pcr = 100000;
  q.txtp.min_pcr = 1000;
  q.rxtp.max_pcr = 50000;
  q.txtp.icr = 20000;
  q.txtp.tbe = 4096;
  q.txtp.rif = 9;
  q.txtp.rdf = 12;
  return q;
}

TEST(SetupMapping, AbrUni40_TransferCapabilityMcrAndAbrSetupParameters_RoundTrip) {
  Message m;
  m.type = MessageType::kSetup;
  m.cref = {9, false};
  struct atm_sap sap;
  std::memset(&sap, 0, sizeof sap);
  ASSERT_FALSE(add_setup_ies(m, nsap(1), nsap(2), sap, abr_qos(), Version::kUni40, kDefaultLinkRate,
                             nullptr));
  EXPECT_EQ(m.find<q2931::BroadbandBearerCapability>()->transfer_capability, 0x0c);
  const auto* td = m.find<q2931::TrafficDescriptor>();
  EXPECT_EQ(td->td.fwd_pcr_01, 100000u);
  EXPECT_EQ(td->td.fwd_mcr_01, 1000u);
  EXPECT_FALSE(td->td.best_effort);
  const auto* p = m.find<q2931::AbrSetupParameters>();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->fwd_icr, 20000u);
  EXPECT_EQ(p->bwd_icr, 50000u);  // default ICR = PCR
  const auto res = q2931::decode(q2931::encode(m, Version::kUni40), Version::kUni40);
  ASSERT_TRUE(res.ok());
  IncomingSetup in;
  ASSERT_FALSE(decode_setup(*res.message, Version::kUni40, in));
  EXPECT_EQ(in.qos.rxtp.traffic_class, ATM_ABR);  // the callee receives the forward ABR flow
  EXPECT_EQ(in.qos.rxtp.max_pcr, 100000);
  EXPECT_EQ(in.qos.rxtp.min_pcr, 1000);
  EXPECT_EQ(in.qos.rxtp.icr, 20000u);
  EXPECT_EQ(in.qos.rxtp.tbe, 4096u);
  EXPECT_EQ(in.qos.rxtp.rif, 9u);
  EXPECT_EQ(in.qos.rxtp.rdf, 12u);
  EXPECT_EQ(in.qos.txtp.max_pcr, 50000);
}

TEST(SetupMapping, AbrInUni3x_Refused) {
  Message m;
  struct atm_sap sap;
  std::memset(&sap, 0, sizeof sap);
  auto e = add_setup_ies(m, nsap(1), nsap(2), sap, abr_qos(), Version::kUni31, 1, nullptr);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->err, -EINVAL);
}

// --- traffic negotiation (issue 15, UNI 4.0 §9) ------------------------------

struct atm_qos cbr_range() {
  struct atm_qos q = ubr(4000);
  q.txtp.traffic_class = ATM_CBR;
  q.rxtp.traffic_class = ATM_CBR;
  q.txtp.max_pcr = 5000;
  q.txtp.min_pcr = 1000;
  q.rxtp.max_pcr = 3000;  // no range backward
  return q;
}

IncomingSetup round_trip(const Message& m, Version v) {
  const auto res = q2931::decode(q2931::encode(m, v), v);
  EXPECT_TRUE(res.ok());
  IncomingSetup in;
  EXPECT_FALSE(decode_setup(*res.message, v, in));
  return in;
}

Message setup_for(const struct atm_qos& q, Version v) {
  Message m;
  m.type = MessageType::kSetup;
  m.cref = {9, false};
  struct atm_sap sap;
  std::memset(&sap, 0, sizeof sap);
  EXPECT_FALSE(add_setup_ies(m, nsap(1), nsap(2), sap, q, v, kDefaultLinkRate, nullptr));
  return m;
}

TEST(TrafficMapping, CbrRangeUni40_MinimumAcceptableDescriptor_RoundTrip) {
  const Message m = setup_for(cbr_range(), Version::kUni40);
  EXPECT_EQ(m.find<q2931::TrafficDescriptor>()->td.fwd_pcr_01, 5000u);
  const auto* min = m.find<q2931::MinimumTrafficDescriptor>();
  ASSERT_NE(min, nullptr);
  EXPECT_EQ(min->td.fwd_pcr_01, 1000u);
  EXPECT_FALSE(min->td.bwd_pcr_01);
  const IncomingSetup in = round_trip(m, Version::kUni40);
  EXPECT_EQ(in.qos.rxtp.traffic_class, ATM_CBR);
  EXPECT_EQ(in.qos.rxtp.max_pcr, 5000);
  EXPECT_EQ(in.qos.rxtp.min_pcr, 1000);
  EXPECT_EQ(in.qos.txtp.min_pcr, 0);
  // The callee grants the full PCR, and says so in CONNECT.
  const auto td = connect_traffic(in.qos, Version::kUni40);
  ASSERT_TRUE(td);
  EXPECT_EQ(td->td.fwd_pcr_01, 5000u);
  EXPECT_EQ(td->td.bwd_pcr_01, 3000u);
  // Without a range, CONNECT carries no traffic descriptor (as before).
  EXPECT_FALSE(connect_traffic(
      round_trip(setup_for(ubr(4000), Version::kUni40), Version::kUni40).qos, Version::kUni40));
}

TEST(TrafficMapping, CbrRangeUni3x_OnlyThePcr) {
  for (const Version v : {Version::kUni30, Version::kUni31}) {
    const Message m = setup_for(cbr_range(), v);
    EXPECT_EQ(m.find<q2931::MinimumTrafficDescriptor>(), nullptr);
    EXPECT_EQ(m.find<q2931::TrafficDescriptor>()->td.fwd_pcr_01, 5000u);
    EXPECT_EQ(round_trip(m, v).qos.rxtp.min_pcr, 0);
  }
}

TEST(TrafficMapping, MaxCdvUni40_ExtendedQos_RoundTrip) {
  struct atm_qos q = cbr_range();
  q.txtp.max_cdv = 250;
  q.rxtp.max_cdv = 400;
  const Message m = setup_for(q, Version::kUni40);
  const auto* e = m.find<q2931::ExtendedQosParameters>();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->origin, 0);
  EXPECT_EQ(e->fwd_acceptable_cdv, 250u);
  EXPECT_EQ(e->bwd_acceptable_cdv, 400u);
  EXPECT_EQ(m.find<q2931::QosParameter>()->fwd_class, 0);
  const IncomingSetup in = round_trip(m, Version::kUni40);
  EXPECT_EQ(in.qos.rxtp.max_cdv, 250);
  EXPECT_EQ(in.qos.txtp.max_cdv, 400);
  EXPECT_EQ(setup_for(q, Version::kUni31).find<q2931::ExtendedQosParameters>(), nullptr);
}

// VBR as the original offers it: CBR at the PCR CLP=0+1 (SCR and MBS are not
// in struct atm_qos); alternative descriptors and CLR ignored.
TEST(TrafficMapping, VbrSetup_OfferedAsCbrAtItsPcr_AlternativeIgnored) {
  Message m = setup_for(ubr(4000), Version::kUni40);
  for (auto& ie : m.ies) {
    if (auto* td = std::get_if<q2931::TrafficDescriptor>(&ie)) {
      td->td = {};
      td->td.fwd_pcr_01 = 8000;
      td->td.bwd_pcr_01 = 6000;
      td->td.fwd_scr_01 = 2000;
      td->td.bwd_scr_01 = 1000;
      td->td.fwd_mbs_01 = 100;
      td->td.bwd_mbs_01 = 100;
    }
    if (auto* bc = std::get_if<q2931::BroadbandBearerCapability>(&ie))
      bc->transfer_capability = 0x0a;  // VBR non-real time
  }
  q2931::AlternativeTrafficDescriptor alt;
  alt.td.fwd_pcr_01 = 100;
  alt.td.bwd_pcr_01 = 100;
  m.add(alt);
  q2931::ExtendedQosParameters e;
  e.fwd_acceptable_clr = 8;
  m.add(e);
  const IncomingSetup in = round_trip(m, Version::kUni40);
  EXPECT_EQ(in.qos.rxtp.traffic_class, ATM_CBR);
  EXPECT_EQ(in.qos.txtp.traffic_class, ATM_CBR);
  EXPECT_EQ(in.qos.rxtp.max_pcr, 8000);
  EXPECT_EQ(in.qos.txtp.max_pcr, 6000);
  EXPECT_EQ(in.qos.rxtp.min_pcr, 0);
  EXPECT_EQ(in.qos.rxtp.max_cdv, 0);
}

// A CBR SETUP with a minimum acceptable descriptor: the kernel sees the range,
// CONNECT grants the full PCRs.
TEST(TrafficMapping, AcceptOfACbrRange_ConnectCarriesTheTrafficDescriptor) {
  Fixture u(Side::kUser, Version::kUni40);
  Message setup = network_setup(77, 40, Version::kUni40);
  for (auto& ie : setup.ies)
    if (auto* td = std::get_if<q2931::TrafficDescriptor>(&ie)) td->td.best_effort = false;
  q2931::MinimumTrafficDescriptor min;
  min.td.fwd_pcr_01 = 500;
  setup.add(min);
  u.send(setup);
  auto inc = events_of<CcIncoming>(u.take());
  ASSERT_EQ(inc.size(), 1u);
  EXPECT_EQ(inc[0].qos.rxtp.traffic_class, ATM_CBR);
  EXPECT_EQ(inc[0].qos.rxtp.max_pcr, 1000);
  EXPECT_EQ(inc[0].qos.rxtp.min_pcr, 500);
  u.req(CcAccept{inc[0].call, 5});
  const Message c = u.peer.expect(MessageType::kConnect);
  const auto* td = c.find<q2931::TrafficDescriptor>();
  ASSERT_NE(td, nullptr);
  EXPECT_EQ(td->td.fwd_pcr_01, 1000u);
  EXPECT_EQ(td->td.bwd_pcr_01, 2000u);
}

// --- Traffic and QoS struct atm_qos cannot present (docs/callctl.md,
// "Traffic and QoS refused"): refused with the cause, the rest offered as the
// original offers it. Each row: a SETUP's traffic IEs and the verdict.
struct TrafficRow {
  const char* what;
  Version v;
  bool abr;  // ATM transfer capability ABR in the B-BC
  q2931::TrafficParams td;
  std::optional<q2931::ExtendedQosParameters> exqos;
  std::optional<std::uint8_t> cause;  // none: offered
};

q2931::TrafficParams tp(std::initializer_list<std::pair<int, std::uint32_t>> fields,
                        bool best_effort = false) {
  q2931::TrafficParams t;
  t.best_effort = best_effort;
  for (const auto& [id, v] : fields) {
    switch (id) {
      case 0x82:
        t.fwd_pcr_0 = v;
        break;
      case 0x83:
        t.bwd_pcr_0 = v;
        break;
      case 0x84:
        t.fwd_pcr_01 = v;
        break;
      case 0x85:
        t.bwd_pcr_01 = v;
        break;
      case 0x88:
        t.fwd_scr_0 = v;
        break;
      case 0x89:
        t.bwd_scr_0 = v;
        break;
      case 0x90:
        t.fwd_scr_01 = v;
        break;
      case 0x91:
        t.bwd_scr_01 = v;
        break;
      case 0x92:
        t.fwd_mcr_01 = v;
        break;
      case 0x93:
        t.bwd_mcr_01 = v;
        break;
      case 0xa0:
        t.fwd_mbs_0 = v;
        break;
      case 0xa1:
        t.bwd_mbs_0 = v;
        break;
      case 0xb0:
        t.fwd_mbs_01 = v;
        break;
      case 0xb1:
        t.bwd_mbs_01 = v;
        break;
      default:
        ADD_FAILURE() << "no traffic subfield " << id;
    }
  }
  return t;
}

q2931::ExtendedQosParameters cdv(std::uint32_t acceptable, std::uint32_t cumulative) {
  q2931::ExtendedQosParameters e;
  e.origin = 1;
  e.fwd_acceptable_cdv = acceptable;
  e.fwd_cumulative_cdv = cumulative;
  return e;
}

const TrafficRow kTrafficRows[] = {
    {"UBR", Version::kUni31, false, tp({{0x84, 1000}, {0x85, 1000}}, true), {}, {}},
    {"CBR", Version::kUni31, false, tp({{0x84, 1000}, {0x85, 2000}}), {}, {}},
    {"CBR one way (PCR 0 backward)", Version::kUni31, false, tp({{0x84, 1000}, {0x85, 0}}), {}, {}},
    {"CBR.2: PCR CLP=0 and CLP=0+1",
     Version::kUni31,
     false,
     tp({{0x82, 900}, {0x84, 1000}, {0x83, 900}, {0x85, 1000}}),
     {},
     {}},
    {"VBR: offered as CBR at the PCR",
     Version::kUni31,
     false,
     tp({{0x84, 1000}, {0x85, 1000}, {0x88, 500}, {0x89, 500}, {0xa0, 50}, {0xa1, 50}}),
     {},
     {}},
    {"forward SCR without forward PCR CLP=0+1",
     Version::kUni31,
     false,
     tp({{0x88, 500}, {0xa0, 50}, {0x85, 1000}}),
     {},
     73},
    {"backward PCR CLP=0 only", Version::kUni40, false, tp({{0x84, 1000}, {0x83, 1000}}), {}, 73},
    {"UNI 3.0 too", Version::kUni30, false, tp({{0x82, 1000}, {0x85, 1000}}), {}, 73},
    {"ABR, MCR below the PCR",
     Version::kUni40,
     true,
     tp({{0x84, 1000}, {0x85, 1000}, {0x92, 100}, {0x93, 1000}}),
     {},
     {}},
    {"ABR, MCR above the PCR",
     Version::kUni40,
     true,
     tp({{0x84, 1000}, {0x85, 1000}, {0x92, 100}, {0x93, 2000}}),
     {},
     73},
    {"cumulative CDV within the acceptable",
     Version::kUni40,
     false,
     tp({{0x84, 1000}, {0x85, 1000}}),
     cdv(500, 400),
     {}},
    {"cumulative CDV above the acceptable", Version::kUni40, false,
     tp({{0x84, 1000}, {0x85, 1000}}), cdv(500, 600), 49},
};

TEST(TrafficRefused, Table) {
  for (const auto& row : kTrafficRows) {
    SCOPED_TRACE(row.what);
    Message m = setup_for(ubr(4000), row.v);
    for (auto& ie : m.ies) {
      if (auto* td = std::get_if<q2931::TrafficDescriptor>(&ie)) td->td = row.td;
      if (auto* bc = std::get_if<q2931::BroadbandBearerCapability>(&ie))
        bc->transfer_capability = row.abr ? 0x0c : (row.v == Version::kUni30 ? 0 : 0x05);
    }
    if (row.exqos) m.add(*row.exqos);
    const auto res = q2931::decode(q2931::encode(m, row.v), row.v);
    ASSERT_TRUE(res.message.has_value());
    IncomingSetup in;
    const auto prob = decode_setup(*res.message, row.v, in);
    EXPECT_EQ(prob.has_value(), row.cause.has_value());
    if (prob && row.cause) {
      EXPECT_EQ(prob->cause, *row.cause);
      EXPECT_FALSE(prob->ie.has_value());  // causes 73 and 49 carry no diagnostic
    }
    if (!prob && !row.cause) {  // offered: every direction with cells has its PCR
      EXPECT_EQ(in.qos.rxtp.max_pcr, static_cast<int>(row.td.fwd_pcr_01.value_or(0)));
      EXPECT_EQ(in.qos.txtp.max_pcr, static_cast<int>(row.td.bwd_pcr_01.value_or(0)));
    }
  }
}

// End to end through call control: RELEASE COMPLETE with the cause, nothing
// offered to the kernel.
TEST(TrafficRefused, SetupWithoutPcrClp01_ReleaseComplete73) {
  Fixture u(Side::kUser, Version::kUni40);
  Message setup = network_setup(77, 40, Version::kUni40);
  for (auto& ie : setup.ies)
    if (auto* td = std::get_if<q2931::TrafficDescriptor>(&ie))
      td->td = tp({{0x84, 1000}, {0x83, 1000}, {0x89, 500}});
  u.send(setup);
  const Message rc = u.peer.expect(MessageType::kReleaseComplete);
  EXPECT_EQ(cause_of(rc), 73);
  EXPECT_TRUE(events_of<CcIncoming>(u.take()).empty());
}

// --- B-LLI negotiation (issue 15) ----------------------------------------------

// A window (octet 6a) needs octet 6, which carries the mode: "normal" when the
// kernel gave none, as the original codes it; a mode field of 0 is decoded as
// "normal", as the original takes it (tests/interop "Negotiation").
TEST(BlliMapping, WindowWithoutModeIsNormalMode) {
  Message m;
  struct atm_sap sap;
  std::memset(&sap, 0, sizeof sap);
  sap.blli[0].l2_proto = ATM_L2_X25_LL;
  sap.blli[0].l2.itu.window = 3;
  sap.blli[1].l2_proto = ATM_L2_HDLC_ABM;
  sap.blli[1].l3_proto = ATM_L3_X25;
  sap.blli[1].l3.itu.window = 5;
  ASSERT_FALSE(add_setup_ies(m, nsap(1), nsap(2), sap, ubr(8192), Version::kUni31, 1, nullptr));
  const auto bllis = m.all<q2931::BroadbandLowLayerInfo>();
  ASSERT_EQ(bllis.size(), 2u);
  EXPECT_EQ(bllis[0]->l2->mode, ATM_IMD_NORMAL);
  EXPECT_EQ(bllis[0]->l2->window_size, 3);
  EXPECT_FALSE(bllis[1]->l2->mode);  // no window: no octet 6
  EXPECT_EQ(bllis[1]->l3->mode, ATM_IMD_NORMAL);
  // Decoded: a mode field of 0 is normal mode too.
  Message in;
  in.type = MessageType::kSetup;
  q2931::BroadbandLowLayerInfo b;
  q2931::BlliLayer2 l2;
  l2.protocol = ATM_L2_X25_LL;
  l2.mode = 0;
  l2.window_size = 7;
  b.l2 = l2;
  in.add(b);
  q2931::CalledPartyNumber cd;
  cd.plan = q2931::numbering::kPlanNsap;
  const auto called = nsap(2);
  cd.address.assign(called.sas_addr.prv, called.sas_addr.prv + ATM_ESA_LEN);
  in.add(cd);
  IncomingSetup out;
  ASSERT_FALSE(decode_setup(in, Version::kUni31, out));
  EXPECT_EQ(out.sap.blli[0].l2.itu.mode, ATM_IMD_NORMAL);
  EXPECT_EQ(out.sap.blli[0].l2.itu.window, 7);
}

// decode_setup walks the IE list once: of a repeated IE the first counts, of
// the B-LLIs the first ATM_MAX_BLLI, wherever they stand in the list (a
// subaddress before its number too); what a reused IncomingSetup held goes.
TEST(SetupMapping, DecodeTakesTheFirstOfEachIeAndTheFirstThreeBllis) {
  Message in;
  in.type = MessageType::kSetup;
  q2931::CalledPartySubaddress sub;
  const auto sub_addr = nsap(7);
  sub.address.assign(sub_addr.sas_addr.prv, sub_addr.sas_addr.prv + ATM_ESA_LEN);
  in.add(sub);
  q2931::CalledPartyNumber e164;
  e164.plan = q2931::numbering::kPlanE164;
  const std::string digits = "4930123";
  e164.address.assign(digits.begin(), digits.end());
  in.add(e164);
  q2931::CalledPartyNumber second;  // a repeat: not taken
  second.plan = q2931::numbering::kPlanNsap;
  const auto other = nsap(2);
  second.address.assign(other.sas_addr.prv, other.sas_addr.prv + ATM_ESA_LEN);
  in.add(second);
  const unsigned char protos[] = {ATM_L2_ISO8802, ATM_L2_X25_LL, ATM_L2_Q922, ATM_L2_ISO1745};
  for (const unsigned char proto : protos) {
    q2931::BroadbandLowLayerInfo b;
    q2931::BlliLayer2 l2;
    l2.protocol = proto;
    b.l2 = l2;
    in.add(b);
  }
  q2931::ConnectionIdentifier ci;
  ci.vpci = 0;
  ci.vci = 33;
  in.add(ci);
  ci.vci = 34;  // a repeat: not taken
  in.add(ci);
  IncomingSetup out;
  std::memset(&out.called, 0xaa, sizeof out.called);
  std::memset(&out.calling, 0xaa, sizeof out.calling);
  std::memset(&out.sap, 0xaa, sizeof out.sap);
  ASSERT_FALSE(decode_setup(in, Version::kUni31, out));
  EXPECT_EQ(std::string(out.called.sas_addr.pub), digits);
  EXPECT_EQ(std::memcmp(out.called.sas_addr.prv, sub_addr.sas_addr.prv, ATM_ESA_LEN), 0);
  struct sockaddr_atmsvc zero;
  std::memset(&zero, 0, sizeof zero);
  EXPECT_EQ(std::memcmp(&out.calling, &zero, sizeof zero), 0);  // none in the SETUP
  EXPECT_EQ(out.sap.bhli.hl_type, ATM_HL_NONE);
  EXPECT_EQ(out.sap.blli[0].l2_proto, ATM_L2_ISO8802);
  EXPECT_EQ(out.sap.blli[1].l2_proto, ATM_L2_X25_LL);
  EXPECT_EQ(out.sap.blli[2].l2_proto, ATM_L2_Q922);
  ASSERT_TRUE(out.conn_id);
  EXPECT_EQ(out.conn_id->vci, 33);
}

TEST(BlliMapping, ConnectBlliOnlyWhenInUse) {
  struct atm_blli none;
  std::memset(&none, 0, sizeof none);
  EXPECT_FALSE(connect_blli(none));
  struct atm_blli llc = none;
  llc.l2_proto = ATM_L2_ISO8802;
  const auto ie = connect_blli(llc);
  ASSERT_TRUE(ie);
  ASSERT_TRUE(ie->l2);
  EXPECT_EQ(ie->l2->protocol, ATM_L2_ISO8802);
  EXPECT_FALSE(ie->l3);
}

// Q.2931 Annex C: the B-LLI the socket layer negotiated goes back to the
// caller in CONNECT; none when it gave none.
TEST(BlliMapping, AcceptWithANegotiatedBlli_ConnectCarriesIt) {
  Fixture u(Side::kUser, Version::kUni31);
  u.send(network_setup(77, 40, Version::kUni31));
  auto inc = events_of<CcIncoming>(u.take());
  ASSERT_EQ(inc.size(), 1u);
  CcAccept a{inc[0].call, 5};
  a.blli.l2_proto = ATM_L2_X25_LL;
  a.blli.l2.itu.mode = ATM_IMD_NORMAL;
  a.blli.l2.itu.window = 3;
  u.req(a);
  const Message c = u.peer.expect(MessageType::kConnect);
  const auto* b = c.find<q2931::BroadbandLowLayerInfo>();
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(b->l2);
  EXPECT_EQ(b->l2->protocol, ATM_L2_X25_LL);
  EXPECT_EQ(b->l2->mode, ATM_IMD_NORMAL);
  EXPECT_EQ(b->l2->window_size, 3);

  u.send(network_setup(78, 41, Version::kUni31));
  inc = events_of<CcIncoming>(u.take());
  ASSERT_EQ(inc.size(), 1u);
  u.req(CcAccept{inc[0].call, 6});
  EXPECT_EQ(u.peer.expect(MessageType::kConnect).find<q2931::BroadbandLowLayerInfo>(), nullptr);
}

}  // namespace
}  // namespace atmsigd::callctl::test
