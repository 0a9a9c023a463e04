// SAP and QoS negotiation of the socket table (issue 15): the table every row
// of which tests/interop checks against Debian's original atmsigd
// (tests/support/negotiation_table.hpp), here against our socket table alone,
// plus the rules the interop harness cannot reach (docs/atmsvc.md, "Listener
// matching and negotiation").
#include <cerrno>
#include <cstring>
#include <string>

#include "../support/negotiation_table.hpp"
#include "atmsigd/callctl/mapping.hpp"
#include "atmsigd/q2931/codec.hpp"
#include "harness.hpp"

namespace atmsigd::test {
namespace {

constexpr Vcc kL = 0x3000, kL2 = 0x3100, kN = 0x4000;
// The call as the callee's call control presents it: the caller's SAP and QoS
// (as_connect) through our SETUP encoder, the wire and the decoder (UNI 3.1),
// as in the interop runs with ours as the caller.
CcIncoming incoming_call(Harness& h, CallId call, const std::string& called, const std::string& sap,
                         const std::string& qos) {
  CcIncoming inc = h.incoming(call, called);
  q2931::Message m;
  m.type = q2931::MessageType::kSetup;
  m.cref = {static_cast<std::uint32_t>(call), false};
  EXPECT_FALSE(callctl::add_setup_ies(m, kemu::svc_address(called), kemu::svc_address(kAddrB),
                                      kemu::sap_from_text(sap), kemu::qos_from_text(qos),
                                      q2931::Version::kUni31, callctl::kDefaultLinkRate, nullptr));
  const Bytes wire = q2931::encode(m, q2931::Version::kUni31);
  const auto res = q2931::decode(wire, q2931::Version::kUni31);
  EXPECT_TRUE(res.ok());
  callctl::IncomingSetup in;
  EXPECT_FALSE(callctl::decode_setup(*res.message, q2931::Version::kUni31, in));
  inc.sap = in.sap;
  inc.qos = in.qos;
  return inc;
}

bool blli_used(const struct atm_blli& b) {
  return b.l2_proto != 0 || b.l3_proto != 0;
}

void expect_sap(const struct atm_sap& got, const std::string& want_text) {
  const auto want = kemu::sap_from_text(want_text);
  EXPECT_EQ(got.bhli.hl_type, want.bhli.hl_type);
  EXPECT_EQ(got.bhli.hl_length, want.bhli.hl_length);
  EXPECT_EQ(std::memcmp(got.bhli.hl_info, want.bhli.hl_info, want.bhli.hl_length), 0);
  for (int b = 0; b < ATM_MAX_BLLI; ++b)
    EXPECT_EQ(std::memcmp(&got.blli[b], &want.blli[b], sizeof want.blli[b]), 0)
        << "BLLI " << b << ": l2 " << int{got.blli[b].l2_proto} << " mode "
        << int{got.blli[b].l2.itu.mode} << " window " << int{got.blli[b].l2.itu.window};
}

class NegotiationTable : public ::testing::TestWithParam<NegotiationRow> {};

TEST_P(NegotiationTable, AsTheOriginal) {
  const NegotiationRow& r = GetParam();
  Harness h;
  h.listen(kL, kAddrA, r.listen_sap, r.listen_qos);
  ASSERT_EQ(h.last_to_kernel().type(), as_okay);
  const CcIncoming inc = incoming_call(h, 1, kAddrA, r.call_sap, r.call_qos);
  h.cc_sends(inc);
  if (!r.indicated) {
    const auto rej = h.take_cc<CcReject>();
    EXPECT_EQ(rej.call, 1u);
    EXPECT_EQ(rej.reason, RejectReason::kNoListener);
    EXPECT_EQ(h.table.pending_count(kL), 0u);
    return;
  }
  const Message& ind = h.last_to_kernel();
  ASSERT_EQ(ind.type(), as_indicate);
  EXPECT_EQ(ind.listen_vcc(), kL);
  expect_sap(ind.raw().sap, r.indicated_sap);
  // The QoS goes up as the call brought it (the original's res_qos = new_qos).
  EXPECT_EQ(std::memcmp(&ind.raw().qos, &inc.qos, sizeof inc.qos), 0);
  // CONNECT returns a B-LLI only where the caller offered a choice or the
  // negotiation changed the one it offered.
  h.kernel_sends(*h.kernel.accept(kN, kL));
  const auto a = h.take_cc<CcAccept>();
  const auto& offered = inc.sap;
  int n = 0;
  while (n < ATM_MAX_BLLI && blli_used(offered.blli[n])) ++n;
  const bool changed =
      n == 1 && std::memcmp(&offered.blli[0], &ind.raw().sap.blli[0], sizeof offered.blli[0]) != 0;
  if (n > 1 || changed) {
    EXPECT_EQ(std::memcmp(&a.blli, &ind.raw().sap.blli[0], sizeof a.blli), 0);
  } else {
    EXPECT_FALSE(blli_used(a.blli));
  }
}

std::string row_name(const ::testing::TestParamInfo<NegotiationRow>& info) {
  std::string n;
  for (const char* p = info.param.what; *p != '\0'; ++p)
    n += std::isalnum(static_cast<unsigned char>(*p)) != 0 ? *p : '_';
  return std::to_string(info.index) + "_" + n;
}

INSTANTIATE_TEST_SUITE_P(Original, NegotiationTable, ::testing::ValuesIn(kNegotiationTable),
                         row_name);

class ListenConflicts : public ::testing::TestWithParam<ListenConflictRow> {};

TEST_P(ListenConflicts, AsTheOriginal) {
  const ListenConflictRow& r = GetParam();
  Harness h;
  h.listen(kL, kAddrA, r.first);
  ASSERT_EQ(h.last_to_kernel().type(), as_okay);
  h.listen(kL2, kAddrA, r.second);
  EXPECT_EQ(h.last_to_kernel().type(), r.second_reply == 0 ? as_okay : as_error);
  EXPECT_EQ(h.last_to_kernel().reply(), r.second_reply);
  // The same pair on two different addresses never conflicts.
  Harness other;
  other.listen(kL, kAddrA, r.first);
  other.listen(kL2, kAddrB, r.second);
  EXPECT_EQ(other.last_to_kernel().type(), as_okay);
}

INSTANTIATE_TEST_SUITE_P(Original, ListenConflicts, ::testing::ValuesIn(kListenConflictTable));

// Rules beyond the shared table.

// A listener on the called address wins over one on the null address, and
// among those on the called address the newest compatible one (the original's
// lookup_sap walks its newest-first list).
TEST(NegotiationChoice, NewestOnTheAddressThenOldestWildcard) {
  Harness h;
  constexpr Vcc kW1 = 0x3200, kW2 = 0x3300;
  h.listen(kW1, "", "blli:l2=x75");
  h.listen(kW2, "", "blli:l2=iso8802");
  h.listen(kL, kAddrA, "blli:l2=iso8802");
  h.listen(kL2, kAddrA, "");  // no conflict: the older one has a BLLI
  ASSERT_EQ(h.last_to_kernel().type(), as_okay);
  h.cc_sends(h.incoming(1, kAddrA, "blli:l2=iso8802"));
  EXPECT_EQ(h.last_to_kernel().listen_vcc(), kL2);
  // Another called address: the wildcard listeners, the oldest compatible one.
  h.cc_sends(h.incoming(2, kAddrB, "blli:l2=iso8802,blli:l2=x75"));
  EXPECT_EQ(h.last_to_kernel().listen_vcc(), kW1);
  expect_sap(h.last_to_kernel().raw().sap, "blli:l2=x75");
  // The newest on the address gone: the older one takes the next call.
  h.kernel_sends(h.kernel.close(kL2));
  h.cc_sends(h.incoming(3, kAddrA, "blli:l2=iso8802"));
  EXPECT_EQ(h.last_to_kernel().listen_vcc(), kL);
}

// ABR (which the original never decodes: it presents every call but UBR as
// CBR) is taken by an ABR listener.
TEST(NegotiationChoice, AbrCallToAbrListener) {
  Harness h;
  h.listen(kL, kAddrA, "", "abr:max_pcr=10000,max_sdu=4000");
  // (UNI 3.1 codes no ABR: the decoded call is set to ABR by hand.)
  CcIncoming inc = incoming_call(h, 1, kAddrA, "", "cbr:max_pcr=5000,max_sdu=4000");
  inc.qos.txtp.traffic_class = inc.qos.rxtp.traffic_class = ATM_ABR;
  h.cc_sends(inc);
  EXPECT_EQ(h.last_to_kernel().type(), as_indicate);
  h.listen(kL2, kAddrB, "", "ubr:max_sdu=4000");
  inc.call = 2;
  inc.called = kemu::svc_address(kAddrB);
  h.cc_sends(inc);
  EXPECT_EQ(h.take_cc<CcReject>().reason, RejectReason::kNoListener);
}

// The BHLI of the call always reaches the kernel, the BLLIs but the chosen
// one do not.
TEST(NegotiationChoice, IndicationKeepsTheBhliAndOneBlli) {
  Harness h;
  h.listen(kL, kAddrA, "blli:l2=iso8802");
  h.cc_sends(h.incoming(1, kAddrA, "bhli:user=0102,blli:l2=x75,blli:l2=iso8802,blli:l2=lapb"));
  const Message& ind = h.last_to_kernel();
  ASSERT_EQ(ind.type(), as_indicate);
  expect_sap(ind.raw().sap, "bhli:user=0102,blli:l2=iso8802");
}

}  // namespace
}  // namespace atmsigd::test
