// Every IE type: value -> hand-made octets (from the coding tables of Q.2931 §4.5,
// UNI 3.1 §5.4.5, UNI 4.0, Q.2971, Q.2963.1) -> value.
#include <gtest/gtest.h>

#include <set>

#include "atmsigd/q2931/codec.hpp"
#include "atmsigd/q2931/text.hpp"
#include "helpers.hpp"

namespace atmsigd::q2931 {
namespace {

using test::hx;

struct IeCase {
  const char* name;
  Version version;
  Ie value;
  Bytes wire;  // the whole IE: identifier, instruction octet, length, contents
};

std::vector<IeCase> cases() {
  std::vector<IeCase> c;
  const IeHeader net = test::net_coding();

  {  // AAL5, UNI 3.x: with the Mode subfield (the original demon's SETUP)
    AalParameters a;
    a.aal = Aal5{8192, 8192, 1, 0};
    c.push_back({"aal5_uni30", Version::Uni30, a,
                 hx("58 80 00 0b"  // AAL parameters, ext|ITU-T|no flag, length 11
                    "05"           // AAL type 5
                    "8c 20 00"     // forward maximum CPCS-SDU size 8192
                    "81 20 00"     // backward maximum CPCS-SDU size 8192
                    "83 01"        // mode: message (UNI 3.x only)
                    "84 00")});    // SSCS type: null
  }
  {  // AAL5, UNI 4.0: no Mode subfield, length 9
    AalParameters a;
    a.aal = Aal5{8192, 8192, std::nullopt, 0};
    c.push_back({"aal5_uni40", Version::Uni40, a,
                 hx("58 80 00 09"  // AAL parameters, length 9
                    "05 8c 20 00 81 20 00"
                    "84 00")});
  }
  {  // AAL1, circuit transport n x 64 kbit/s
    AalParameters a;
    a.aal = Aal1{2, 0x40, 24, 1, 0, 24, 40};
    c.push_back({"aal1", Version::Q2931, a,
                 hx("58 80 00 11"  // length 17
                    "01"           // AAL type 1
                    "85 02"        // subtype: circuit transport
                    "86 40"        // CBR rate: n x 64 kbit/s
                    "87 00 18"     // multiplier 24
                    "88 01"        // source clock frequency recovery: SRTS
                    "89 00"        // error correction: null
                    "8a 00 18"     // structured data transfer block size 24
                    "8b 28")});    // partially filled cells: 40 octets
  }
  {  // AAL3/4, UNI 3.1, streaming mode, MID range 0-1023
    AalParameters a;
    a.aal = Aal34{4096, 4096, 0, 1023, 2, 0};
    c.push_back({"aal34", Version::Uni31, a,
                 hx("58 80 00 10"     // length 16
                    "03"              // AAL type 3/4
                    "8c 10 00"        // forward max CPCS-SDU 4096
                    "81 10 00"        // backward max CPCS-SDU 4096
                    "82 00 00 03 ff"  // MID range 0..1023
                    "83 02"           // mode: streaming
                    "84 00")});       // SSCS null
  }
  {  // user-defined AAL
    AalParameters a;
    a.aal = AalUserDefined{hx("de ad be ef")};
    c.push_back({"aal_user", Version::Uni31, a, hx("58 80 00 05 10 de ad be ef")});
  }
  {  // ATM traffic descriptor of the original demon: PCR CLP0+1 353207, best effort
    TrafficDescriptor t;
    t.td.fwd_pcr_01 = 353207;
    t.td.bwd_pcr_01 = 353207;
    t.td.best_effort = true;
    c.push_back({"td_ubr", Version::Uni30, t,
                 hx("59 80 00 09"  // ATM traffic descriptor, length 9
                    "84 05 63 b7"  // forward peak cell rate (CLP=0+1) 353207
                    "85 05 63 b7"  // backward peak cell rate (CLP=0+1) 353207
                    "be")});       // best effort indicator
  }
  {  // VBR with every rate kind and the traffic management options
    TrafficDescriptor t;
    t.td.fwd_pcr_0 = 1000;
    t.td.bwd_pcr_0 = 1001;
    t.td.fwd_pcr_01 = 2000;
    t.td.bwd_pcr_01 = 2001;
    t.td.fwd_scr_0 = 300;
    t.td.bwd_scr_0 = 301;
    t.td.fwd_scr_01 = 500;
    t.td.bwd_scr_01 = 501;
    t.td.fwd_mbs_0 = 10;
    t.td.bwd_mbs_0 = 11;
    t.td.fwd_mbs_01 = 100;
    t.td.bwd_mbs_01 = 101;
    t.td.tm_options = 0x01;
    c.push_back({"td_vbr", Version::Uni40, t,
                 hx("59 80 00 32"              // length 50
                    "82 00 03 e8 83 00 03 e9"  // fwd/bwd PCR CLP=0
                    "84 00 07 d0 85 00 07 d1"  // fwd/bwd PCR CLP=0+1
                    "88 00 01 2c 89 00 01 2d"  // fwd/bwd SCR CLP=0
                    "90 00 01 f4 91 00 01 f5"  // fwd/bwd SCR CLP=0+1
                    "a0 00 00 0a a1 00 00 0b"  // fwd/bwd MBS CLP=0
                    "b0 00 00 64 b1 00 00 65"  // fwd/bwd MBS CLP=0+1
                    "bf 01")});                // traffic management options: fwd tagging
  }
  {  // alternative ATM traffic descriptor (UNI 4.0)
    AlternativeTrafficDescriptor t;
    t.td.fwd_pcr_01 = 100000;
    t.td.bwd_pcr_01 = 100000;
    c.push_back({"alt_td", Version::Uni40, t,
                 hx("82 80 00 08 84 01 86 a0 85 01 86 a0")});  // id 0x82, PCR 100000 each way
  }
  {  // minimum acceptable ATM traffic descriptor with ABR MCR (UNI 4.0)
    MinimumTrafficDescriptor t;
    t.td.fwd_pcr_01 = 1000;
    t.td.bwd_pcr_01 = 1000;
    t.td.fwd_mcr_01 = 10;
    t.td.bwd_mcr_01 = 10;
    c.push_back({"min_td", Version::Uni40, t,
                 hx("81 80 00 10"                  // id 0x81, length 16
                    "84 00 03 e8 85 00 03 e8"      // PCR
                    "92 00 00 0a 93 00 00 0a")});  // fwd/bwd ABR minimum cell rate
  }
  {  // B-BC class X with octet 5a (UNI 3.x, the original demon)
    BroadbandBearerCapability b;
    b.bearer_class = bearer_class::kBcobX;
    b.transfer_capability = 0;
    c.push_back({"bbc_x_5a", Version::Uni30, b,
                 hx("5e 80 00 03"  // broadband bearer capability, length 3
                    "10"           // ext=0 (5a follows), bearer class BCOB-X
                    "80"           // 5a: ext=1, traffic type / timing: no indication
                    "80")});       // 6: not susceptible to clipping, point-to-point
  }
  {  // B-BC class X without 5a (UNI 4.0)
    BroadbandBearerCapability b;
    c.push_back({"bbc_x", Version::Uni40, b, hx("5e 80 00 02 90 80")});
  }
  {  // B-BC class A, susceptible to clipping, point-to-multipoint
    BroadbandBearerCapability b;
    b.bearer_class = bearer_class::kBcobA;
    b.clipping = 1;
    b.up_config = 1;
    c.push_back({"bbc_a_p2mp", Version::Uni31, b, hx("5e 80 00 02 81 a1")});
  }
  {  // B-HLI vendor specific: OUI 00a03e, application id 1
    BroadbandHighLayerInfo h;
    h.type = 3;
    h.info = hx("00 a0 3e 00 00 00 01");
    c.push_back({"bhli", Version::Uni31, h, hx("5d 80 00 08 83 00 a0 3e 00 00 00 01")});
  }
  {  // B-LLI: LLC only (classical IP)
    BroadbandLowLayerInfo b;
    b.l2 = BlliLayer2{0x0c, std::nullopt, 0, std::nullopt, std::nullopt};
    c.push_back({"blli_llc", Version::Uni31, b,
                 hx("5f 80 00 01"
                    "cc")});  // ext=1, layer 2 id (10), ISO 8802/2
  }
  {  // B-LLI: LLC + TR 9577 SNAP IPv4
    BroadbandLowLayerInfo b;
    b.l2 = BlliLayer2{0x0c, std::nullopt, 0, std::nullopt, std::nullopt};
    BlliLayer3 l3;
    l3.protocol = 0x0b;
    l3.ipi = 0x80;
    l3.snap_oui = 0x000000;
    l3.snap_pid = 0x0800;
    b.l3 = l3;
    c.push_back({"blli_snap", Version::Uni40, b,
                 hx("5f 80 00 0a"
                    "cc"                  // layer 2: ISO 8802/2
                    "6b"                  // ext=0, layer 3 id (11), ISO/IEC TR 9577
                    "40"                  // 7a: ext=0, IPI bits 8-2 (0x80 >> 1)
                    "80"                  // 7b: ext=1, IPI bit 1 = 0
                    "80"                  // 8: ext=1, SNAP identifier 00
                    "00 00 00 08 00")});  // OUI 000000, PID 0800
  }
  {  // B-LLI: layer 1, X.25 link with mode and window, X.25 packet layer
    BroadbandLowLayerInfo b;
    b.l1_protocol = 1;
    b.l2 = BlliLayer2{0x06, 1, 0, 7, std::nullopt};
    BlliLayer3 l3;
    l3.protocol = 0x06;
    l3.mode = 1;
    l3.default_packet_size = 7;
    l3.packet_window_size = 2;
    b.l3 = l3;
    c.push_back({"blli_x25", Version::Q2931, b,
                 hx("5f 80 00 08"
                    "a1"               // layer 1, protocol 1
                    "46 20 87"         // layer 2 X.25 link; 6a mode normal; 6b window 7
                    "66 20 07 82")});  // layer 3 X.25 PL; 7a mode; 7b size 2^7; 7c window 2
  }
  {  // B-LLI: user-specified layers 2 and 3
    BroadbandLowLayerInfo b;
    b.l2 = BlliLayer2{0x10, std::nullopt, 0, std::nullopt, 5};
    BlliLayer3 l3;
    l3.protocol = 0x10;
    l3.user_info = 3;
    b.l3 = l3;
    c.push_back({"blli_user", Version::Uni31, b, hx("5f 80 00 04 50 85 70 83")});
  }
  {
    BroadbandRepeatIndicator r;
    c.push_back({"repeat", Version::Uni31, r, hx("63 80 00 01 82")});  // prioritized list
  }
  {
    CallState s;
    s.state = 10;  // U10 active
    c.push_back({"call_state", Version::Uni31, s, hx("14 80 00 01 0a")});
  }
  c.push_back({"called_nsap", Version::Uni30, test::called_nsap(),
               hx("70 80 00 15"  // called party number, length 21
                  "82"           // ext=1, type unknown, plan ISO NSAP
                  "47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00")});
  {
    CalledPartyNumber n;
    n.type_of_number = numbering::kTypeInternational;
    n.plan = numbering::kPlanE164;
    n.address = {'4', '1', '2', '1'};
    c.push_back({"called_e164", Version::Uni31, n,
                 hx("70 80 00 05"
                    "91"               // ext=1, international, E.164
                    "34 31 32 31")});  // IA5 digits
  }
  {
    CallingPartyNumber n = test::calling_nsap();
    n.presentation = PresentationScreening{1, 3};
    c.push_back({"calling_pres", Version::Uni31, n,
                 hx("6c 80 00 16"  // calling party number, length 22
                    "02"           // ext=0, type unknown, NSAP
                    "a3"           // 5a: presentation restricted, network provided
                    "47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 01 00")});
  }
  {
    CalledPartySubaddress s;
    s.type = 0;
    s.address = test::kNsapB;
    c.push_back({"called_sub", Version::Uni31, s,
                 hx("71 80 00 15 80"  // NSAP, even
                    "47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00")});
  }
  {
    CallingPartySubaddress s;
    s.type = 2;
    s.odd = true;
    s.address = hx("01 23");
    c.push_back(
        {"calling_sub", Version::Uni40, s, hx("6d 80 00 03 a8 01 23")});  // user specified, odd
  }
  c.push_back({"cause_31", Version::Uni30, test::make_cause(31),
               hx("08 80 00 02"  // cause, length 2
                  "80"           // ext=1, location user
                  "9f")});       // ext=1, cause 31 normal unspecified
  {
    Cause cs = test::make_cause(cause::kIeNonExistent, CauseLocation::kPrivateLocal);
    cs.diagnostics = {0x7a};
    c.push_back({"cause_99_diag", Version::Uni40, cs, hx("08 80 00 03 81 e3 7a")});
  }
  {
    ConnectionIdentifier ci;
    ci.vp_associated = 1;
    ci.exclusivity = 0;
    ci.vpci = 0;
    ci.vci = 32;
    c.push_back({"conn_id", Version::Uni30, ci,
                 hx("5a 80 00 05"
                    "88"         // ext=1, explicit VPCI, exclusive VPCI + VCI
                    "00 00"      // VPCI 0
                    "00 20")});  // VCI 32
  }
  {
    EndToEndTransitDelay d;
    d.cumulative = 20;
    d.maximum = 100;
    d.network_generated = true;
    c.push_back({"e2e_delay", Version::Uni40, d,
                 hx("42 80 00 07"
                    "01 00 14"  // cumulative transit delay 20 ms
                    "03 00 64"  // maximum end-to-end transit delay 100 ms
                    "0a")});    // network generated indicator
  }
  {
    QosParameter q;
    q.hdr = net;
    c.push_back({"qos_uni30", Version::Uni30, q,
                 hx("5c e0 00 02"  // coding standard network specific
                    "00 00")});    // QoS class 0 forward / backward
  }
  c.push_back({"qos_uni40", Version::Uni40, QosParameter{}, hx("5c 80 00 02 00 00")});
  {
    ExtendedQosParameters q;
    q.hdr = net;
    q.fwd_acceptable_cdv = 1000;
    q.bwd_acceptable_cdv = 1000;
    q.fwd_acceptable_clr = 8;
    c.push_back({"ext_qos", Version::Uni40, q,
                 hx("ec e0 00 0b"
                    "00"           // origin: originating user
                    "94 00 03 e8"  // forward acceptable peak-to-peak CDV
                    "95 00 03 e8"  // backward acceptable peak-to-peak CDV
                    "a2 08")});    // forward acceptable CLR 10^-8
  }
  c.push_back({"restart", Version::Uni31, RestartIndicator{}, hx("79 80 00 01 82")});
  c.push_back(
      {"sending_complete", Version::Uni31, BroadbandSendingComplete{}, hx("62 80 00 01 a1")});
  {
    TransitNetworkSelection t;
    t.network_id = "0288";
    c.push_back({"tns", Version::Uni31, t,
                 hx("78 80 00 05"
                    "a1"  // national network identification, carrier id code
                    "30 32 38 38")});
  }
  {
    NotificationIndicator n;
    n.description = hx("01 02");
    c.push_back({"notify", Version::Uni40, n, hx("27 80 00 02 01 02")});
  }
  {
    OamTrafficDescriptor o;
    o.shaping = 1;
    o.compliance = true;
    o.fault_mgmt = 1;
    o.fwd_f5 = 1;
    o.bwd_f5 = 4;
    c.push_back({"oam_td", Version::Q2931, o,
                 hx("5b 80 00 02"
                    "b1"      // shaping 01, F5 mandatory, user fault management 001
                    "94")});  // forward F5 001, backward F5 100
  }
  c.push_back({"epref", Version::Uni31, test::epref(5, true),
               hx("54 80 00 03 00"  // type: locally defined integer
                  "80 05")});       // flag=1, value 5
  {
    EndpointState s;
    s.state = 10;
    c.push_back({"epstate", Version::Uni31, s, hx("55 80 00 01 0a")});
  }
  {
    AbrSetupParameters a;
    a.hdr = net;
    a.fwd_icr = 1000;
    a.bwd_icr = 1000;
    a.fwd_tbe = 0xffffff;
    a.bwd_tbe = 0xffffff;
    a.crm_frtt = 100;
    a.fwd_rif = 11;
    a.bwd_rif = 11;
    a.fwd_rdf = 4;
    a.bwd_rdf = 4;
    c.push_back({"abr_setup", Version::Uni40, a,
                 hx("84 e0 00 1c"
                    "c2 00 03 e8 c3 00 03 e8"  // forward / backward initial cell rate
                    "c4 ff ff ff c5 ff ff ff"  // transient buffer exposure
                    "c6 00 00 64"              // cumulative RM fixed round trip time
                    "c8 0b c9 0b"              // rate increase factor
                    "ca 04 cb 04")});          // rate decrease factor
  }
  {
    AbrAdditionalParameters a;
    a.hdr = net;
    a.fwd_record = 0x12345678;
    a.bwd_record = 0x9abcdef0;
    c.push_back({"abr_add", Version::Uni40, a, hx("e4 e0 00 0a c2 12 34 56 78 c3 9a bc de f0")});
  }
  {
    GenericIdentifierTransport g;
    g.hdr = net;
    g.standard = 1;
    g.identifiers.push_back({1, hx("de ad be ef")});
    c.push_back({"git", Version::Uni40, g,
                 hx("7f e0 00 07"
                    "01"                     // DSM-CC
                    "01 04 de ad be ef")});  // session identifier, length 4
  }
  {
    LijCallIdentifier l;
    l.hdr = net;
    l.value = 0x1234;
    c.push_back({"lij_callid", Version::Uni40, l, hx("e8 e0 00 05 80 00 00 12 34")});
  }
  {
    LijParameters l;
    l.hdr = net;
    c.push_back({"lij_params", Version::Uni40, l, hx("e9 e0 00 01 80")});
  }
  {
    LeafSequenceNumber l;
    l.hdr = net;
    l.value = 7;
    c.push_back({"leaf_seq", Version::Uni40, l, hx("ea e0 00 04 00 00 00 07")});
  }
  {
    ConnectionScopeSelection s;
    s.hdr = net;
    s.level = 2;
    c.push_back({"cscope", Version::Uni40, s, hx("eb e0 00 02 81 02")});
  }
  return c;
}

class IeRoundTrip : public ::testing::TestWithParam<IeCase> {};

TEST_P(IeRoundTrip, EncodesToTableOctetsAndDecodesBack) {
  const IeCase& c = GetParam();
  EXPECT_EQ(to_hex(encode_ie(c.value, c.version), 200), to_hex(c.wire, 200));
  ASSERT_GE(c.wire.size(), 4u);
  IeHeader h;
  h.coding = static_cast<CodingStandard>((c.wire[1] >> 5) & 3);
  h.follow_instructions = (c.wire[1] & 0x10) != 0;
  h.action = static_cast<IeAction>(c.wire[1] & 7);
  const auto back = decode_ie(c.wire[0], h, ByteView(c.wire).subspan(4), c.version);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, c.value) << to_string(*back);
  EXPECT_FALSE(to_string(c.value).empty());
}

INSTANTIATE_TEST_SUITE_P(AllIes, IeRoundTrip, ::testing::ValuesIn(cases()),
                         [](const auto& p) { return std::string(p.param.name); });

TEST(IeRoundTrip, EveryTypedIeHasACase) {
  std::set<std::size_t> seen;
  for (const auto& c : cases()) seen.insert(c.value.index());
  // All alternatives except UnknownIe (covered by the message tests).
  EXPECT_EQ(seen.size(), std::variant_size_v<Ie> - 1);
  EXPECT_EQ(all_ie_ids().size(), std::variant_size_v<Ie> - 1);
}

TEST(IeCoding, AalModeIsDroppedForUni40AndKeptForUni3x) {
  AalParameters a;
  a.aal = Aal5{9188, 9188, 1, 0};
  EXPECT_EQ(encode_ie(a, Version::Uni31).size(), 4u + 11u);
  EXPECT_EQ(encode_ie(a, Version::Uni40).size(), 4u + 9u);
  EXPECT_EQ(encode_ie(a, Version::Q2931).size(), 4u + 9u);
  // A Mode subfield received in UNI 4.0 is tolerated and not kept.
  const Bytes with_mode = hx("05 8c 23 e4 81 23 e4 83 01 84 00");
  const auto v40 = decode_ie(0x58, {}, with_mode, Version::Uni40);
  ASSERT_TRUE(v40);
  EXPECT_FALSE(std::get<Aal5>(std::get<AalParameters>(*v40).aal).mode.has_value());
  const auto v30 = decode_ie(0x58, {}, with_mode, Version::Uni30);
  ASSERT_TRUE(v30);
  EXPECT_EQ(std::get<Aal5>(std::get<AalParameters>(*v30).aal).mode, 1);
}

TEST(IeCoding, SubfieldsInAnyOrderDecodeToTheSameValue) {
  const auto a = decode_ie(0x59, {}, hx("be 85 05 63 b7 84 05 63 b7"), Version::Uni30);
  ASSERT_TRUE(a);
  const auto& td = std::get<TrafficDescriptor>(*a).td;
  EXPECT_EQ(td.fwd_pcr_01, 353207u);
  EXPECT_EQ(td.bwd_pcr_01, 353207u);
  EXPECT_TRUE(td.best_effort);
}

TEST(IeCoding, ContentErrorsAreRejected) {
  const Version v = Version::Uni40;
  EXPECT_FALSE(decode_ie(0x58, {}, hx("05 8c 20"), v));     // truncated subfield
  EXPECT_FALSE(decode_ie(0x58, {}, hx("05 99 00"), v));     // unknown AAL5 subfield
  EXPECT_FALSE(decode_ie(0x58, {}, hx("07"), v));           // unknown AAL type
  EXPECT_FALSE(decode_ie(0x59, {}, hx("84 00 01"), v));     // truncated rate
  EXPECT_FALSE(decode_ie(0x59, {}, hx("77 00 00 01"), v));  // unknown subfield
  EXPECT_FALSE(decode_ie(0x5e, {}, hx("10 80"), v));        // 5a but no octet 6
  EXPECT_FALSE(decode_ie(0x5a, {}, hx("88 00 00 00"), v));  // short connection id
  EXPECT_FALSE(decode_ie(0x62, {}, hx("a2"), v));           // not 0xa1
  EXPECT_FALSE(decode_ie(0x5f, {}, hx("46 20"), v));        // unterminated group
  EXPECT_FALSE(decode_ie(0x5f, {}, hx("cc a1"), v));        // layer 1 after layer 2
  EXPECT_FALSE(decode_ie(0x08, {}, hx("80"), v));           // cause without value
  EXPECT_FALSE(decode_ie(0x5c, {}, hx("00 00 00"), v));     // extra octet
  EXPECT_FALSE(decode_ie(0x7f, {}, hx("01 01 05 aa"), v));  // identifier past the end
  EXPECT_FALSE(decode_ie(0x42, {}, hx("05 00 01"), v));     // unknown delay subfield
  EXPECT_FALSE(decode_ie(0x77, {}, hx("00"), v));           // not an IE the codec knows
}

TEST(IeCoding, HeaderInstructionFieldIsCodedInOctet2) {
  Cause c = test::make_cause(31);
  c.hdr = IeHeader{CodingStandard::kNetwork, true, IeAction::kDiscardMessageReportStatus};
  EXPECT_EQ(encode_ie(c, Version::Uni40)[1], 0xf6);  // ext|11|flag|0|110
}

}  // namespace
}  // namespace atmsigd::q2931
