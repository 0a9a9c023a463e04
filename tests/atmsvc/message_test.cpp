// The atmsvc codec and the validation of frames from the kernel.
#include "atmsigd/atmsvc/message.hpp"

#include <linux/atmdev.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "harness.hpp"

namespace atmsigd::test {
namespace {

Message good_connect(Vcc vcc = 0x10) {
  KernelModel k;
  return k.connect(vcc, kemu::svc_address(""), kemu::svc_address(kAddrB),
                   kemu::qos_from_text("ubr"), kemu::sap_from_text("blli:l2=iso8802"));
}

TEST(Codec, RoundTripIsByteExact) {
  Message m = good_connect(0x1122334455667788ULL);
  m.set_listen_vcc(0x99);
  m.set_reply(-5);
  m.raw().session = 7;
  const Bytes b = encode(m);
  ASSERT_EQ(b.size(), sizeof(struct atmsvc_msg));
  // Field offsets as in <linux/atmsvc.h>.
  EXPECT_EQ(b[0], as_connect);
  EXPECT_EQ(b[4], 0x88);  // vcc, host byte order (x86-64: little endian)
  EXPECT_EQ(b[11], 0x11);
  EXPECT_EQ(b[12], 0x99);  // listen_vcc
  const Decoded d = decode(b);
  ASSERT_TRUE(d.msg.has_value());
  EXPECT_FALSE(d.error.has_value());
  EXPECT_EQ(*d.msg, m);
  EXPECT_EQ(encode(*d.msg), b);
  // The frame's constructor: the same message, no error.
  const Decoded made(b.data());
  ASSERT_TRUE(made.msg.has_value());
  EXPECT_FALSE(made.error.has_value());
  EXPECT_EQ(*made.msg, m);
  const Decoded none;
  EXPECT_FALSE(none.msg.has_value());
  EXPECT_FALSE(none.error.has_value());
}

TEST(Codec, ANewMessageIsAllZeroOctets) {
  // Made where a frame was before (Message() zeroes with its own stores, no
  // memset): every octet, the last ones and the padding included, is 0.
  alignas(Message) unsigned char place[sizeof(Message)];
  std::memset(place, 0xa5, sizeof place);
  const Message* m = ::new (static_cast<void*>(place)) Message();
  const Bytes b = encode(*m);
  ASSERT_EQ(b.size(), sizeof(struct atmsvc_msg));
  for (std::size_t i = 0; i < b.size(); ++i) EXPECT_EQ(b[i], 0) << "octet " << i;
  EXPECT_EQ(*m, Message(static_cast<enum atmsvc_msg_type>(0)));
  EXPECT_EQ(Message(as_okay).type(), as_okay);
}

TEST(Codec, BlliListIsTheLeadingEntriesInUse) {
  auto sap = kemu::sap_from_text("blli:l2=iso8802,blli:l3=tr9577,ipi=snap,oui=0x00A03E,pid=0x0002");
  EXPECT_EQ(blli_count(sap), 2);
  sap.blli[0].l2_proto = 0;  // a gap ends the list
  EXPECT_EQ(blli_count(sap), 0);
  EXPECT_EQ(blli_count(kemu::sap_from_text("")), 0);
}

struct SizeCase {
  std::size_t size;
  int type;
  bool expect_reply;
};

class WrongSize : public ::testing::TestWithParam<SizeCase> {};

TEST_P(WrongSize, IsRejectedWithAClearError) {
  const auto& c = GetParam();
  Message m = good_connect(0x42);
  m.set_type(c.type);
  Bytes b = encode(m);
  b.resize(c.size, 0);
  const Decoded d = decode(b);
  EXPECT_FALSE(d.msg.has_value());
  ASSERT_TRUE(d.error.has_value());
  EXPECT_NE(d.error->what.find("expected 252"), std::string::npos) << d.error->what;
  EXPECT_NE(d.error->what.find(std::to_string(c.size) + " octets"), std::string::npos);
  if (c.expect_reply) {
    EXPECT_EQ(d.error->vcc, 0x42u);
    EXPECT_EQ(d.error->reply_errno, -EINVAL);
  } else {
    EXPECT_EQ(d.error->reply_errno, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, WrongSize,
                         ::testing::Values(SizeCase{0, as_connect, false},
                                           SizeCase{10, as_connect, false},  // vcc unreadable
                                           SizeCase{12, as_connect, true},
                                           SizeCase{251, as_connect, true},
                                           SizeCase{253, as_listen, true},
                                           SizeCase{512, as_close, false},
                                           SizeCase{100, as_reject, false}));

struct BadFrame {
  const char* name;
  void (*mutate)(Message&);
  int expect_errno;  // 0: no reply owed
  const char* expect_text;
};

std::ostream& operator<<(std::ostream& os, const BadFrame& b) {
  return os << b.name;
}

class BadConnect : public ::testing::TestWithParam<BadFrame> {};

TEST_P(BadConnect, IsNamedAndAnsweredOrIgnored) {
  const auto& c = GetParam();
  Message m = good_connect(0x77);
  c.mutate(m);
  const auto e = validate_from_kernel(m);
  ASSERT_TRUE(e.has_value());
  EXPECT_NE(e->what.find(c.expect_text), std::string::npos) << e->what;
  EXPECT_EQ(e->reply_errno, c.expect_errno);
}

INSTANTIATE_TEST_SUITE_P(
    Validation, BadConnect,
    ::testing::Values(
        BadFrame{"NoDestination", [](Message& m) { m.raw().svc = kemu::svc_address(""); },
                 -EDESTADDRREQ, "no destination address"},
        BadFrame{"SvcFamily", [](Message& m) { m.raw().svc.sas_family = AF_INET; }, -EAFNOSUPPORT,
                 "is not AF_ATMSVC"},
        BadFrame{"LocalFamily", [](Message& m) { m.raw().local.sas_family = AF_INET; },
                 -EAFNOSUPPORT, "local: address family"},
        BadFrame{"E164NotDigits", [](Message& m) { m.raw().svc.sas_addr.pub[0] = 'x'; }, -EINVAL,
                 "not a digit string"},
        BadFrame{"E164Unterminated",
                 [](Message& m) { std::memset(m.raw().svc.sas_addr.pub, '1', ATM_E164_LEN + 1); },
                 -EINVAL, "not a digit string"},
        BadFrame{"Aal", [](Message& m) { m.raw().qos.aal = 7; }, -EINVAL, "unsupported AAL 7"},
        BadFrame{"TrafficClass", [](Message& m) { m.raw().qos.txtp.traffic_class = 9; }, -EINVAL,
                 "qos.txtp: unknown traffic class"},
        BadFrame{"AnyClassInConnect",
                 [](Message& m) { m.raw().qos.rxtp.traffic_class = ATM_ANYCLASS; }, -EINVAL,
                 "ANYCLASS is only valid in as_listen"},
        BadFrame{"NoTraffic",
                 [](Message& m) {
                   m.raw().qos.txtp.traffic_class = ATM_NONE;
                   m.raw().qos.rxtp.traffic_class = ATM_NONE;
                 },
                 -EINVAL, "no traffic in either direction"},
        BadFrame{"NegativeRate", [](Message& m) { m.raw().qos.txtp.pcr = -7; }, -EINVAL,
                 "negative cell rate"},
        BadFrame{"HugeSdu", [](Message& m) { m.raw().qos.rxtp.max_sdu = 70000; }, -EINVAL,
                 "max_sdu out of range"},
        BadFrame{"BhliType", [](Message& m) { m.raw().sap.bhli.hl_type = 9; }, -EINVAL,
                 "unknown high layer information type 9"},
        BadFrame{"BhliLength",
                 [](Message& m) {
                   m.raw().sap.bhli.hl_type = ATM_HL_USER;
                   m.raw().sap.bhli.hl_length = 9;
                 },
                 -EINVAL, "length out of range"},
        BadFrame{"BlliL2", [](Message& m) { m.raw().sap.blli[1].l2_proto = 0x55; }, -EINVAL,
                 "sap.blli[1]: unknown layer 2 protocol"},
        BadFrame{"BlliL3Size",
                 [](Message& m) {
                   m.raw().sap.blli[0].l3_proto = ATM_L3_X25;
                   m.raw().sap.blli[0].l3.itu.def_size = 2;
                 },
                 -EINVAL, "default packet size"},
        BadFrame{"NullVcc", [](Message& m) { m.set_vcc(0); }, 0, "vcc is null"}));

TEST(Validation, ListenAllowsAnyClassAndNullAddress) {
  KernelModel k;
  auto q = kemu::qos_from_text("ubr");
  q.txtp.traffic_class = ATM_ANYCLASS;
  q.rxtp.traffic_class = ATM_ANYCLASS;
  const Message m = k.listen(0x10, kemu::svc_address(""), q, kemu::sap_from_text(""));
  EXPECT_FALSE(validate_from_kernel(m).has_value());
}

TEST(Validation, AcceptNeedsAListener) {
  Message m(as_accept);
  m.set_vcc(0x10);
  const auto e = validate_from_kernel(m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reply_errno, -EINVAL);
  EXPECT_EQ(e->vcc, 0x10u);
}

TEST(Validation, RejectWithoutListenerHasNoReply) {
  Message m(as_reject);
  const auto e = validate_from_kernel(m);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reply_errno, 0);
}

TEST(Validation, DemonOnlyTypesFromTheKernelAreRefused) {
  for (int t : {as_catch_null, as_indicate, as_identify, as_terminate}) {
    Message m(static_cast<enum atmsvc_msg_type>(t));
    m.set_vcc(0x10);
    const auto e = validate_from_kernel(m);
    ASSERT_TRUE(e) << t;
    EXPECT_NE(e->what.find("not a message the kernel sends"), std::string::npos);
    EXPECT_EQ(e->reply_errno, 0);
  }
}

// Q.2963.1: the kernel answers the demon's as_modify with as_okay (reply 0)
// or as_error (its negative errno) for the socket (net/atm/signaling.c
// modify_qos); the socket table decides whether one was awaited.
TEST(Validation, KernelAnswersToTheDemonsModify) {
  Message ok(as_okay);
  ok.set_vcc(0x10);
  EXPECT_FALSE(validate_from_kernel(ok));
  Message err(as_error);
  err.set_vcc(0x10);
  err.set_reply(-EBUSY);
  EXPECT_FALSE(validate_from_kernel(err));
  err.set_reply(0);
  const auto e = validate_from_kernel(err);
  ASSERT_TRUE(e);
  EXPECT_NE(e->what.find("negative errno"), std::string::npos);
  EXPECT_EQ(e->reply_errno, 0);
  Message null(as_okay);
  ASSERT_TRUE(validate_from_kernel(null));
}

// The demon's as_modify carries ATM_MF_* flags in reply (net/atm/signaling.c
// hands them to change_qos).
TEST(Validation, DemonsModifyCarriesFlags) {
  Message m(as_modify);
  m.set_vcc(0x10);
  m.set_reply(ATM_MF_SET);
  EXPECT_FALSE(validate_from_demon(m));
  m.set_reply(ATM_MF_INC_RSV | ATM_MF_DEC_SHP);
  EXPECT_FALSE(validate_from_demon(m));
  m.set_reply(0);
  EXPECT_TRUE(validate_from_demon(m));
  m.set_reply(-EINVAL);
  EXPECT_TRUE(validate_from_demon(m));
  m.set_reply(0x100);
  EXPECT_TRUE(validate_from_demon(m));
}

TEST(Validation, IdentifyAndTerminateOnlyInSwitchMode) {
  Message id(as_identify);
  id.set_vcc(0x10);
  id.set_listen_vcc(0x20);
  id.raw().pvc.sap_family = AF_ATMPVC;
  EXPECT_FALSE(validate_from_kernel(id, true));
  EXPECT_FALSE(validate_from_kernel(Message(as_terminate), true));
  const auto e = validate_from_kernel(id, false);
  ASSERT_TRUE(e);
  EXPECT_NE(e->what.find("as_identify"), std::string::npos);
  // Switch mode still checks the fields.
  id.set_listen_vcc(0);
  EXPECT_TRUE(validate_from_kernel(id, true));
  id.set_listen_vcc(0x20);
  id.raw().pvc.sap_family = AF_ATMSVC;
  EXPECT_TRUE(validate_from_kernel(id, true));
  // The other demon-only types stay refused in switch mode.
  EXPECT_TRUE(validate_from_kernel(Message(as_indicate), true));
}

TEST(Validation, UnknownTypesAreNamed) {
  for (int t : {-1, 16, 99, 0x7fffffff}) {
    Message m;
    m.set_type(t);
    const auto e = validate_from_kernel(m);
    ASSERT_TRUE(e);
    EXPECT_NE(e->what.find("unknown message type " + std::to_string(t)), std::string::npos);
  }
}

TEST(Validation, ItfNotifyNeedsOnlyTheInterface) {
  EXPECT_FALSE(validate_from_kernel(KernelModel::itf_notify(0)).has_value());
  EXPECT_TRUE(validate_from_kernel(KernelModel::itf_notify(-1)).has_value());
}

TEST(Validation, DemonFramesAreCheckedToo) {
  Message err(as_error);
  err.set_vcc(1);
  err.set_reply(0);
  EXPECT_TRUE(validate_from_demon(err).has_value());
  err.set_reply(-EINVAL);
  EXPECT_FALSE(validate_from_demon(err).has_value());
  Message ind(as_indicate);
  ind.set_listen_vcc(1);
  EXPECT_TRUE(validate_from_demon(ind).has_value());
}

TEST(Summary, NamesTypeVccAndFields) {
  const auto s = good_connect(0xab).summary();
  EXPECT_NE(s.find("as_connect vcc=0xab"), std::string::npos) << s;
  EXPECT_NE(s.find("svc=47.0005.80FFE1000000F21A26D8.0020EA000EE1.00"), std::string::npos) << s;
  EXPECT_NE(s.find("qos=ubr"), std::string::npos) << s;
  EXPECT_NE(s.find("blli:l2=iso8802"), std::string::npos) << s;
}

// Bad frames through the socket table: logged, answered when the protocol
// has an answer, and every other socket untouched.
TEST(BadFrames, OtherSocketsAreUntouched) {
  Harness h;
  h.connect(0x1);
  const auto c = h.take_cc<CcConnect>();
  h.cc_sends(h.established(c.sock));
  h.listen(0x2);
  const auto before = h.to_kernel.size();
  h.kernel_sends_bytes(Bytes(10, 0xff));
  Message bad = h.kernel.connect(0x3, kemu::svc_address(""), kemu::svc_address(""),
                                 kemu::qos_from_text("ubr"), kemu::sap_from_text(""));
  h.kernel_sends(bad);
  Bytes big = encode(h.kernel.connect(0x4, kemu::svc_address(""), kemu::svc_address(kAddrB),
                                      kemu::qos_from_text("ubr"), kemu::sap_from_text("")));
  big.push_back(0);
  h.kernel_sends_bytes(big);
  Message weird;
  weird.set_type(99);
  h.kernel_sends(weird);
  ASSERT_EQ(h.to_kernel.size(), before + 2);
  EXPECT_EQ(h.to_kernel[before].vcc(), 0x3u);
  EXPECT_EQ(h.to_kernel[before].reply(), -EDESTADDRREQ);
  EXPECT_EQ(h.to_kernel[before + 1].vcc(), 0x4u);
  EXPECT_EQ(h.to_kernel[before + 1].reply(), -EINVAL);
  EXPECT_TRUE(h.logged(log::Level::kError, "frame of 10 octets, expected 252"));
  EXPECT_TRUE(h.logged(log::Level::kError, "unknown message type 99"));
  EXPECT_EQ(h.table.state_of(0x1), SockState::kActive);
  EXPECT_EQ(h.table.state_of(0x2), SockState::kListening);
  EXPECT_EQ(h.table.socket_count(), 2u);
}

// A bad frame naming a vcc the demon holds gets no as_error: that would tell
// the kernel the demon dropped a socket it still has.
TEST(BadFrames, NoErrorForAHeldSocket) {
  Harness h;
  h.connect(0x1);
  (void)h.take_cc<CcConnect>();
  Message bad = good_connect(0x1);
  bad.raw().qos.aal = 99;
  h.kernel_sends(bad);
  EXPECT_TRUE(h.to_kernel.empty());
  EXPECT_EQ(h.table.state_of(0x1), SockState::kConnecting);
}

}  // namespace
}  // namespace atmsigd::test
