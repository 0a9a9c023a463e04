// Test vectors shared by the round-trip, tshark and fuzz-corpus tests: every IE and
// every message type with octets written from the coding tables, and the Q.2931
// messages of one call of the original demon.
#pragma once

#include <string>
#include <vector>

#include "helpers.hpp"

namespace atmsigd::q2931::test {

namespace captured {
// ---- The Q.2931 messages of the captured call (UDP payload minus the SSCOP SD
// trailer and pad), UNI 3.0 default mode. A = user side (calling), B = network side.
// Frame 8, A->B SETUP
inline const Bytes kCapSetup =
    hx("09 03 00 00 01 05 80 00 5b"  // PD, cref len 3, cref 1 (orig), SETUP, ext, len 91
       "58 80 00 0b 05 8c 20 00 81 20 00 83 01 84 00"  // AAL5 8192/8192, mode message, SSCS null
       "59 80 00 09 84 05 63 b7 85 05 63 b7 be"        // PCR 0+1 353207 both ways, best effort
       "5e 80 00 03 10 80 80"                          // B-BC class X, 5a 0x80, p2p
       "70 80 00 15 82 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00"  // called
       "6c 80 00 15 82 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 01 00"  // calling
       "5c e0 00 02 00 00");  // QoS, network specific, class 0/0
// Frame 9, B->A CALL PROCEEDING
inline const Bytes kCapCallProc =
    hx("09 03 80 00 01 02 80 00 09"
       "5a 80 00 05 88 00 00 00 20");  // connection identifier: exclusive, VPCI 0, VCI 32
// Frame 10, B->A CONNECT
inline const Bytes kCapConnect =
    hx("09 03 80 00 01 07 80 00 0f"
       "58 80 00 0b 05 8c 20 00 81 20 00 83 01 84 00");
// Frame 11, A->B CONNECT ACKNOWLEDGE
inline const Bytes kCapConnectAck = hx("09 03 00 00 01 0f 80 00 00");
// Frame 12, A->B RELEASE
inline const Bytes kCapRelease =
    hx("09 03 00 00 01 4d 80 00 06"
       "08 80 00 02 80 9f");  // cause 31, location user
// Frame 13, B->A RELEASE COMPLETE
inline const Bytes kCapReleaseComplete = hx("09 03 80 00 01 5a 80 00 00");

}  // namespace captured

struct IeCase {
  const char* name;
  Version version;
  Ie value;
  Bytes wire;  // the whole IE: identifier, instruction octet, length, contents
};

inline std::vector<IeCase> ie_cases() {
  std::vector<IeCase> c;
  const IeHeader net = net_coding();

  {  // AAL5, UNI 3.x: with the Mode subfield (the original demon's SETUP)
    AalParameters a;
    a.aal = Aal5{8192, 8192, 1, 0};
    c.push_back({"aal5_uni30", Version::kUni30, a,
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
    c.push_back({"aal5_uni40", Version::kUni40, a,
                 hx("58 80 00 09"  // AAL parameters, length 9
                    "05 8c 20 00 81 20 00"
                    "84 00")});
  }
  {  // AAL1, circuit transport n x 64 kbit/s
    AalParameters a;
    a.aal = Aal1{2, 0x40, 24, 1, 0, 24, 40};
    c.push_back({"aal1", Version::kQ2931, a,
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
  {  // AAL3/4, UNI 3.1 with 3.0 compatibility (Mode is a UNI 3.0 coding), streaming
     // mode, MID range 0-1023
    AalParameters a;
    a.aal = Aal34{4096, 4096, 0, 1023, 2, 0};
    c.push_back({"aal34", Version::kUni31Compat30, a,
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
    c.push_back({"aal_user", Version::kUni31, a, hx("58 80 00 05 10 de ad be ef")});
  }
  {  // ATM traffic descriptor of the original demon: PCR CLP0+1 353207, best effort
    TrafficDescriptor t;
    t.td.fwd_pcr_01 = 353207;
    t.td.bwd_pcr_01 = 353207;
    t.td.best_effort = true;
    c.push_back({"td_ubr", Version::kUni30, t,
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
    c.push_back({"td_vbr", Version::kUni40, t,
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
    c.push_back({"alt_td", Version::kUni40, t,
                 hx("82 80 00 08 84 01 86 a0 85 01 86 a0")});  // id 0x82, PCR 100000 each way
  }
  {  // minimum acceptable ATM traffic descriptor with ABR MCR (UNI 4.0)
    MinimumTrafficDescriptor t;
    t.td.fwd_pcr_01 = 1000;
    t.td.bwd_pcr_01 = 1000;
    t.td.fwd_mcr_01 = 10;
    t.td.bwd_mcr_01 = 10;
    c.push_back({"min_td", Version::kUni40, t,
                 hx("81 80 00 10"                  // id 0x81, length 16
                    "84 00 03 e8 85 00 03 e8"      // PCR
                    "92 00 00 0a 93 00 00 0a")});  // fwd/bwd ABR minimum cell rate
  }
  {  // B-BC class X with octet 5a (UNI 3.x, the original demon)
    BroadbandBearerCapability b;
    b.bearer_class = bearer_class::kBcobX;
    b.transfer_capability = 0;
    c.push_back({"bbc_x_5a", Version::kUni30, b,
                 hx("5e 80 00 03"  // broadband bearer capability, length 3
                    "10"           // ext=0 (5a follows), bearer class BCOB-X
                    "80"           // 5a: ext=1, traffic type / timing: no indication
                    "80")});       // 6: not susceptible to clipping, point-to-point
  }
  {  // B-BC class X without 5a (UNI 4.0)
    BroadbandBearerCapability b;
    c.push_back({"bbc_x", Version::kUni40, b, hx("5e 80 00 02 90 80")});
  }
  {  // B-BC class A, susceptible to clipping, point-to-multipoint
    BroadbandBearerCapability b;
    b.bearer_class = bearer_class::kBcobA;
    b.clipping = 1;
    b.up_config = 1;
    c.push_back({"bbc_a_p2mp", Version::kUni31, b, hx("5e 80 00 02 81 a1")});
  }
  {  // B-HLI vendor specific: OUI 00a03e, application id 1
    BroadbandHighLayerInfo h;
    h.type = 3;
    h.info = hx("00 a0 3e 00 00 00 01");
    c.push_back({"bhli", Version::kUni31, h, hx("5d 80 00 08 83 00 a0 3e 00 00 00 01")});
  }
  {  // B-LLI: LLC only (classical IP)
    BroadbandLowLayerInfo b;
    b.l2 = BlliLayer2{0x0c, std::nullopt, 0, std::nullopt, std::nullopt};
    c.push_back({"blli_llc", Version::kUni31, b,
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
    c.push_back({"blli_snap", Version::kUni40, b,
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
    c.push_back({"blli_x25", Version::kQ2931, b,
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
    c.push_back({"blli_user", Version::kUni31, b, hx("5f 80 00 04 50 85 70 83")});
  }
  {
    BroadbandRepeatIndicator r;
    c.push_back({"repeat", Version::kUni31, r, hx("63 80 00 01 82")});  // prioritized list
  }
  {
    CallState s;
    s.state = 10;  // U10 active
    c.push_back({"call_state", Version::kUni31, s, hx("14 80 00 01 0a")});
  }
  c.push_back({"called_nsap", Version::kUni30, called_nsap(),
               hx("70 80 00 15"  // called party number, length 21
                  "82"           // ext=1, type unknown, plan ISO NSAP
                  "47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00")});
  {
    CalledPartyNumber n;
    n.type_of_number = numbering::kTypeInternational;
    n.plan = numbering::kPlanE164;
    n.address = {'4', '1', '2', '1'};
    c.push_back({"called_e164", Version::kUni31, n,
                 hx("70 80 00 05"
                    "91"               // ext=1, international, E.164
                    "34 31 32 31")});  // IA5 digits
  }
  {
    CallingPartyNumber n = calling_nsap();
    n.presentation = PresentationScreening{1, 3};
    c.push_back({"calling_pres", Version::kUni31, n,
                 hx("6c 80 00 16"  // calling party number, length 22
                    "02"           // ext=0, type unknown, NSAP
                    "a3"           // 5a: presentation restricted, network provided
                    "47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 01 00")});
  }
  {
    CalledPartySubaddress s;
    s.type = 0;
    s.address = kNsapB;
    c.push_back({"called_sub", Version::kUni31, s,
                 hx("71 80 00 15 80"  // NSAP, even
                    "47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00")});
  }
  {
    CallingPartySubaddress s;
    s.type = 2;
    s.odd = true;
    s.address = hx("01 23");
    c.push_back(
        {"calling_sub", Version::kUni40, s, hx("6d 80 00 03 a8 01 23")});  // user specified, odd
  }
  c.push_back({"cause_31", Version::kUni30, make_cause(31),
               hx("08 80 00 02"  // cause, length 2
                  "80"           // ext=1, location user
                  "9f")});       // ext=1, cause 31 normal unspecified
  {
    Cause cs = make_cause(cause::kIeNonExistent, CauseLocation::kPrivateLocal);
    cs.diagnostics = {0x7a};
    c.push_back({"cause_99_diag", Version::kUni40, cs, hx("08 80 00 03 81 e3 7a")});
  }
  {
    ConnectionIdentifier ci;
    ci.vp_associated = 1;
    ci.exclusivity = 0;
    ci.vpci = 0;
    ci.vci = 32;
    c.push_back({"conn_id", Version::kUni30, ci,
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
    c.push_back({"e2e_delay", Version::kUni40, d,
                 hx("42 80 00 07"
                    "01 00 14"  // cumulative transit delay 20 ms
                    "03 00 64"  // maximum end-to-end transit delay 100 ms
                    "0a")});    // network generated indicator
  }
  {
    QosParameter q;
    q.hdr = net;
    c.push_back({"qos_uni30", Version::kUni30, q,
                 hx("5c e0 00 02"  // coding standard network specific
                    "00 00")});    // QoS class 0 forward / backward
  }
  c.push_back({"qos_uni40", Version::kUni40, QosParameter{}, hx("5c 80 00 02 00 00")});
  {
    ExtendedQosParameters q;
    q.hdr = net;
    q.fwd_acceptable_cdv = 1000;
    q.bwd_acceptable_cdv = 1000;
    q.fwd_acceptable_clr = 8;
    c.push_back({"ext_qos", Version::kUni40, q,
                 hx("ec e0 00 0b"
                    "00"           // origin: originating user
                    "94 00 03 e8"  // forward acceptable peak-to-peak CDV
                    "95 00 03 e8"  // backward acceptable peak-to-peak CDV
                    "a2 08")});    // forward acceptable CLR 10^-8
  }
  c.push_back({"restart", Version::kUni31, RestartIndicator{}, hx("79 80 00 01 82")});
  c.push_back(
      {"sending_complete", Version::kUni31, BroadbandSendingComplete{}, hx("62 80 00 01 a1")});
  {
    TransitNetworkSelection t;
    t.network_id = "0288";
    c.push_back({"tns", Version::kUni31, t,
                 hx("78 80 00 05"
                    "a1"  // national network identification, carrier id code
                    "30 32 38 38")});
  }
  {
    NotificationIndicator n;
    n.description = hx("01 02");
    c.push_back({"notify", Version::kUni40, n, hx("27 80 00 02 01 02")});
  }
  {
    OamTrafficDescriptor o;
    o.shaping = 1;
    o.compliance = true;
    o.fault_mgmt = 1;
    o.fwd_f5 = 1;
    o.bwd_f5 = 4;
    c.push_back({"oam_td", Version::kQ2931, o,
                 hx("5b 80 00 02"
                    "b1"      // shaping 01, F5 mandatory, user fault management 001
                    "94")});  // forward F5 001, backward F5 100
  }
  c.push_back({"epref", Version::kUni31, epref(5, true),
               hx("54 80 00 03 00"  // type: locally defined integer
                  "80 05")});       // flag=1, value 5
  {
    EndpointState s;
    s.state = 10;
    c.push_back({"epstate", Version::kUni31, s, hx("55 80 00 01 0a")});
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
    c.push_back({"abr_setup", Version::kUni40, a,
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
    c.push_back({"abr_add", Version::kUni40, a, hx("e4 e0 00 0a c2 12 34 56 78 c3 9a bc de f0")});
  }
  {
    // af-cs-0147 as ngatm codes it: origin, forward (0x00) and backward (0x02)
    // MDCR in cells/s.
    MinimumDesiredCellRate m;
    m.fwd_mdcr = 1000;
    m.bwd_mdcr = 500;
    c.push_back({"mdcr", Version::kUni40, m,
                 hx("f0 80 00 09"
                    "00"               // origin: originating user
                    "00 00 03 e8"      // forward MDCR 1000 cells/s
                    "02 00 01 f4")});  // backward MDCR 500 cells/s
  }
  {
    GenericIdentifierTransport g;
    g.hdr = net;
    g.standard = 1;
    g.identifiers.push_back({1, hx("de ad be ef")});
    c.push_back({"git", Version::kUni40, g,
                 hx("7f e0 00 07"
                    "01"                     // DSM-CC
                    "01 04 de ad be ef")});  // session identifier, length 4
  }
  {
    LijCallIdentifier l;
    l.hdr = net;
    l.value = 0x1234;
    c.push_back({"lij_callid", Version::kUni40, l, hx("e8 e0 00 05 80 00 00 12 34")});
  }
  {
    LijParameters l;
    l.hdr = net;
    c.push_back({"lij_params", Version::kUni40, l, hx("e9 e0 00 01 80")});
  }
  {
    LeafSequenceNumber l;
    l.hdr = net;
    l.value = 7;
    c.push_back({"leaf_seq", Version::kUni40, l, hx("ea e0 00 04 00 00 00 07")});
  }
  {
    ConnectionScopeSelection s;
    s.hdr = net;
    s.level = 2;
    c.push_back({"cscope", Version::kUni40, s, hx("eb e0 00 02 81 02")});
  }
  c.push_back({"connected_number", Version::kUni40, connected_nsap(),
               hx("4c 80 00 16"  // connected number, length 22
                  "02"           // octet 5, ext 0: type unknown, plan NSAP
                  "81"           // octet 5a: presentation allowed, user provided, verified
                  "47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00")});
  {
    ConnectedSubaddress s;
    s.address = kNsapB;
    c.push_back({"connected_sub", Version::kUni40, s,
                 hx("4d 80 00 15 80"  // NSAP, even
                    "47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00")});
  }
  c.push_back({"user_user", Version::kUni40, user_user(),
               hx("7e 80 00 06"
                  "04"                  // protocol discriminator: IA5 characters
                  "68 65 6c 6c 6f")});  // "hello"
  {  // Q.931 bearer capability: speech, circuit mode 64 kbit/s, G.711 A-law
    NarrowbandBearerCapability b;
    b.content = hx("80 90 a3");
    c.push_back({"n_bc", Version::kQ2931, b, hx("04 80 00 03 80 90 a3")});
  }
  {  // Q.931 high layer compatibility: first high layer characteristics, telephony
    NarrowbandHighLayerCompatibility h;
    h.content = hx("91 81");
    c.push_back({"n_hlc", Version::kUni40, h, hx("7d 80 00 02 91 81")});
  }
  {  // Q.931 low layer compatibility: unrestricted digital, circuit 64 kbit/s, mu-law
    NarrowbandLowLayerCompatibility l;
    l.content = hx("88 90 a2");
    c.push_back({"n_llc", Version::kQ2931, l, hx("7c 80 00 03 88 90 a2")});
  }
  c.push_back({"progress", Version::kUni40, progress(),
               hx("1e 80 00 02"
                  "82"      // ITU-T, public network serving the local user
                  "82")});  // destination address is non-ISDN
  {
    BroadbandLockingShift ls;
    ls.codeset = 5;  // national
    c.push_back({"locking_shift", Version::kUni31, ls, hx("60 80 00 01 85")});
  }
  {
    BroadbandNonLockingShift ns;
    ns.codeset = 6;  // local network
    c.push_back({"non_locking_shift", Version::kQ2931, ns, hx("61 80 00 01 86")});
  }
  // Q.2963.1 §8.2.2: type of report, modification confirmation.
  c.push_back({"bb_report_type", Version::kUni40, BroadbandReportType{}, hx("89 80 00 01 01")});
  return c;
}

// ---- Every message type with its mandatory IEs ----
struct MsgCase {
  const char* name;
  Version version;
  Message value;
  Bytes wire;
};

inline Message msg(MessageType t, std::uint32_t cref, bool flag) {
  Message m;
  m.type = t;
  m.cref = {cref, flag};
  return m;
}

inline std::vector<MsgCase> message_cases() {
  using namespace captured;
  using MT = MessageType;
  std::vector<MsgCase> c;
  const Version v31 = Version::kUni31;
  const Version v40 = Version::kUni40;
  const char* kCalledIe =
      "70 80 00 15 82 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00";
  const char* kCallingIe =
      "6c 80 00 15 82 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 01 00";
  const std::string called(kCalledIe), calling(kCallingIe);

  c.push_back({"alerting", v31, msg(MT::kAlerting, 3, true),
               hx("09 03 80 00 03"   // cref 3, flag: to the originating side
                  "01 80 00 00")});  // ALERTING, ext, length 0
  {
    Message m = msg(MT::kCallProceeding, 1, true);
    ConnectionIdentifier ci;
    ci.vci = 32;
    m.add(ci);
    c.push_back({"call_proceeding", Version::kUni30, m, kCapCallProc});
  }
  {
    Message m = msg(MT::kConnect, 1, true);
    AalParameters a;
    a.aal = Aal5{8192, 8192, 1, 0};
    m.add(a);
    c.push_back({"connect", Version::kUni30, m, kCapConnect});
  }
  c.push_back(
      {"connect_ack", Version::kUni30, msg(MT::kConnectAcknowledge, 1, false), kCapConnectAck});
  c.push_back({"setup", Version::kUni30, original_setup(false), kCapSetup});
  c.push_back(
      {"release", Version::kUni30, msg(MT::kRelease, 1, false).add(make_cause(31)), kCapRelease});
  c.push_back({"release_complete", Version::kUni30, msg(MT::kReleaseComplete, 1, true),
               kCapReleaseComplete});
  c.push_back({"restart", v31, msg(MT::kRestart, 0, false).add(RestartIndicator{}),
               hx("09 03 00 00 00"      // global call reference
                  "46 80 00 05"         // RESTART, length 5
                  "79 80 00 01 82")});  // restart indicator: all VCs
  c.push_back({"restart_ack", v31, msg(MT::kRestartAcknowledge, 0, true).add(RestartIndicator{}),
               hx("09 03 80 00 00 4e 80 00 05 79 80 00 01 82")});
  {
    // Restart classes 0 (the indicated VC) and 1 (every VC in the indicated
    // VPC, UNI 4.0 / Q.2931) carry the connection identifier.
    ConnectionIdentifier ci;
    ci.vp_associated = 1;
    ci.exclusivity = 0;
    ci.vpci = 0;
    ci.vci = 33;
    RestartIndicator vc;
    vc.restart_class = 0;
    c.push_back({"restart_vc", v31, msg(MT::kRestart, 0, false).add(ci).add(vc),
                 hx("09 03 00 00 00 46 80 00 0e"
                    "5a 80 00 05 88 00 00 00 21"  // connection identifier: VPCI 0, VCI 33
                    "79 80 00 01 80")});          // restart indicator: indicated VC
    ci.vpci = 5;
    ci.vci = 0;
    RestartIndicator vpc;
    vpc.restart_class = 1;
    c.push_back({"restart_ack_vpc", v40, msg(MT::kRestartAcknowledge, 0, true).add(ci).add(vpc),
                 hx("09 03 80 00 00 4e 80 00 0e"
                    "5a 80 00 05 88 00 05 00 00"  // connection identifier: VPCI 5
                    "79 80 00 01 81")});          // restart indicator: all VCs in the VPC
  }
  {
    CallState cs;
    cs.state = 10;
    c.push_back({"status", v31, msg(MT::kStatus, 3, true).add(cs).add(make_cause(30)),
                 hx("09 03 80 00 03 7d 80 00 0b"
                    "14 80 00 01 0a"         // call state U10
                    "08 80 00 02 80 9e")});  // cause 30 response to STATUS ENQUIRY
    // Q.2971: a p2mp call's STATUS names the party and its state (callctl).
    EndpointState es;
    es.state = 10;
    c.push_back({"status_party", v31,
                 msg(MT::kStatus, 3, true).add(cs).add(make_cause(30)).add(epref(1, true)).add(es),
                 hx("09 03 80 00 03 7d 80 00 17"
                    "14 80 00 01 0a"
                    "08 80 00 02 80 9e"
                    "54 80 00 03 00 80 01"  // endpoint reference 1, flag 1
                    "55 80 00 01 0a")});    // endpoint state P10 Active
  }
  // A leaf's CONNECT echoes the SETUP's endpoint reference (Q.2971 §9.2).
  c.push_back({"connect_epref", v31, msg(MT::kConnect, 3, true).add(epref(0, true)),
               hx("09 03 80 00 03 07 80 00 07 54 80 00 03 00 80 00")});
  c.push_back(
      {"status_enquiry", v31, msg(MT::kStatusEnquiry, 3, false), hx("09 03 00 00 03 75 80 00 00")});
  {
    NotificationIndicator n;
    n.description = hx("01 02");
    c.push_back({"notify", v40, msg(MT::kNotify, 3, false).add(n),
                 hx("09 03 00 00 03 6e 80 00 06 27 80 00 02 01 02")});
  }
  c.push_back({"add_party", v31, msg(MT::kAddParty, 3, false).add(called_nsap()).add(epref(1)),
               hx("09 03 00 00 03 80 80 00 20" + called +
                  "54 80 00 03 00 00 01")});  // endpoint reference 1
  c.push_back({"add_party_ack", v31, msg(MT::kAddPartyAcknowledge, 3, true).add(epref(1, true)),
               hx("09 03 80 00 03 81 80 00 07 54 80 00 03 00 80 01")});
  c.push_back(
      {"add_party_reject", v31,
       msg(MT::kAddPartyReject, 3, true).add(make_cause(cause::kUserBusy)).add(epref(1, true)),
       hx("09 03 80 00 03 82 80 00 0d"
          "08 80 00 02 80 91"  // cause 17 user busy
          "54 80 00 03 00 80 01")});
  c.push_back({"party_alerting", v40, msg(MT::kPartyAlerting, 3, true).add(epref(1, true)),
               hx("09 03 80 00 03 85 80 00 07 54 80 00 03 00 80 01")});
  c.push_back({"drop_party", v31, msg(MT::kDropParty, 3, false).add(make_cause(16)).add(epref(1)),
               hx("09 03 00 00 03 83 80 00 0d 08 80 00 02 80 90 54 80 00 03 00 00 01")});
  c.push_back({"drop_party_ack", v31, msg(MT::kDropPartyAcknowledge, 3, true).add(epref(1, true)),
               hx("09 03 80 00 03 84 80 00 07 54 80 00 03 00 80 01")});
  {
    LijCallIdentifier lij;
    lij.hdr = net_coding();
    lij.value = 0x1234;
    LeafSequenceNumber seq;
    seq.hdr = net_coding();
    seq.value = 7;
    c.push_back({"leaf_setup_request", v40,
                 msg(MT::kLeafSetupRequest, 9, false)
                     .add(calling_nsap())
                     .add(called_nsap())
                     .add(lij)
                     .add(seq),
                 hx("09 03 00 00 09 91 80 00 43" + calling + called +
                    "e8 e0 00 05 80 00 00 12 34"   // LIJ call identifier
                    "ea e0 00 04 00 00 00 07")});  // leaf sequence number 7
    // The root's ADD PARTY answering a leaf's join (UNI 4.0 §6), as callctl sends it.
    c.push_back(
        {"add_party_leaf_seq", v40,
         msg(MT::kAddParty, 3, false).add(called_nsap()).add(calling_nsap()).add(epref(2)).add(seq),
         hx("09 03 00 00 03 80 80 00 41" + called + calling +
            "54 80 00 03 00 00 02"         // endpoint reference 2
            "ea e0 00 04 00 00 00 07")});  // leaf sequence number 7
    c.push_back({"leaf_setup_failure", v40,
                 msg(MT::kLeafSetupFailure, 9, true).add(make_cause(3)).add(seq),
                 hx("09 03 80 00 09 90 80 00 0e 08 80 00 02 80 83 ea e0 00 04 00 00 00 07")});
  }
  {
    TrafficDescriptor td;
    td.td.fwd_pcr_01 = 1000;
    td.td.bwd_pcr_01 = 1000;
    c.push_back({"modify_request", v40, msg(MT::kModifyRequest, 3, false).add(td),
                 hx("09 03 00 00 03 88 80 00 0c 59 80 00 08 84 00 03 e8 85 00 03 e8")});
  }
  c.push_back(
      {"modify_ack", v40, msg(MT::kModifyAcknowledge, 3, true), hx("09 03 80 00 03 89 80 00 00")});
  // Q.2963.1 §9.2.2: the acknowledgement asking for CONNECTION AVAILABLE.
  c.push_back({"modify_ack_report", v40,
               msg(MT::kModifyAcknowledge, 3, true).add(BroadbandReportType{}),
               hx("09 03 80 00 03 89 80 00 05 89 80 00 01 01")});
  c.push_back({"modify_reject", v40,
               msg(MT::kModifyReject, 3, true).add(make_cause(cause::kCellRateUnavailable)),
               hx("09 03 80 00 03 8a 80 00 06 08 80 00 02 80 a5")});
  c.push_back({"connection_available", v40, msg(MT::kConnectionAvailable, 3, false),
               hx("09 03 00 00 03 8b 80 00 00")});
  {  // COLP and user-user in CONNECT (Q.2951.5, Q.2957.1)
    ConnectedSubaddress s;
    s.address = kNsapB;
    c.push_back({"connect_colp_uus", v40,
                 msg(MT::kConnect, 3, true).add(connected_nsap()).add(s).add(user_user()),
                 hx("09 03 80 00 03 07 80 00 3d"
                    "4c 80 00 16 02 81 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00"
                    "4d 80 00 15 80 47 00 05 80 ff e1 00 00 00 f2 1a 26 d8 00 20 ea 00 00 02 00"
                    "7e 80 00 06 04 68 65 6c 6c 6f")});
  }
  c.push_back({"alerting_progress_uus", v40,
               msg(MT::kAlerting, 3, true).add(progress()).add(user_user()),
               hx("09 03 80 00 03 01 80 00 10"
                  "1e 80 00 02 82 82"
                  "7e 80 00 06 04 68 65 6c 6c 6f")});
  c.push_back({"release_uus", v40, msg(MT::kRelease, 3, false).add(make_cause(16)).add(user_user()),
               hx("09 03 00 00 03 4d 80 00 10"
                  "08 80 00 02 80 90"
                  "7e 80 00 06 04 68 65 6c 6c 6f")});
  return c;
}

}  // namespace atmsigd::q2931::test
