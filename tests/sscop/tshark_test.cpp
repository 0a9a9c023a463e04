// Cross-check with Wireshark's SSCOP dissector: every PDU type we encode,
// written to a SunATM capture on VPI 0 / VCI 5, decodes in tshark as the same
// type and fields, and no packet is malformed.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "../support/tshark.hpp"
#include "atmsigd/sscop/pdu.hpp"
#include "atmsigd/sscop/sscop.hpp"
#include "atmsigd/util/pcap.hpp"

namespace atmsigd::sscop {
namespace {

std::string temp_file(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string(name) + "." + std::to_string(::getpid()) + ".pcap"))
      .string();
}

// A well-formed Q.2931 STATUS ENQUIRY (so the Q.2931 dissector that tshark runs
// on SD payloads has nothing to complain about).
const Bytes kQ2931StatusEnquiry = {0x09, 0x03, 0x00, 0x00, 0x01, 0x75, 0x80, 0x00, 0x00};

struct Expect {
  Pdu pdu;
  std::string fields;  // tshark: type sq mr s ps r stat.s (tab separated)
};

std::vector<Expect> cases() {
  std::vector<Expect> v;
  auto p = [](PduType t) {
    Pdu x;
    x.type = t;
    return x;
  };
  {
    Pdu x = p(PduType::kBgn);
    x.sq = 7;
    x.mr = 30;
    x.info = {1, 2, 3};
    v.push_back({x, "0x01\t7\t30\t\t\t\t"});
  }
  {
    Pdu x = p(PduType::kBgak);
    x.mr = 1234;
    v.push_back({x, "0x02\t\t1234\t\t\t\t"});
  }
  v.push_back({p(PduType::kBgrej), "0x07\t\t\t\t\t\t"});
  {
    Pdu x = p(PduType::kEnd);
    x.source_sscop = true;
    v.push_back({x, "0x03\t\t\t\t\t\t"});
  }
  v.push_back({p(PduType::kEndak), "0x04\t\t\t\t\t\t"});
  {
    Pdu x = p(PduType::kRs);
    x.sq = 200;
    x.mr = 77;
    v.push_back({x, "0x05\t200\t77\t\t\t\t"});
  }
  {
    Pdu x = p(PduType::kRsak);
    x.mr = 78;
    v.push_back({x, "0x06\t\t78\t\t\t\t"});
  }
  {
    Pdu x = p(PduType::kEr);
    x.sq = 3;
    x.mr = 99;
    v.push_back({x, "0x09\t3\t99\t\t\t\t"});
  }
  {
    Pdu x = p(PduType::kErak);
    x.mr = 100;
    v.push_back({x, "0x0f\t\t100\t\t\t\t"});
  }
  {
    Pdu x = p(PduType::kSd);
    x.ns = 0x123456;
    x.info = kQ2931StatusEnquiry;
    v.push_back({x, "0x08\t\t\t1193046\t\t\t"});
  }
  {
    Pdu x = p(PduType::kPoll);
    x.ps = 11;
    x.ns = 12;
    v.push_back({x, "0x0a\t\t\t12\t11\t\t"});
  }
  {
    Pdu x = p(PduType::kStat);
    x.ps = 11;
    x.mr = 42;
    x.nr = 5;
    x.list = {5, 7, 9, 10};
    v.push_back({x, "0x0b\t\t42\t\t11\t5\t5,7,9,10"});
  }
  {
    Pdu x = p(PduType::kUstat);
    x.mr = 43;
    x.nr = 6;
    x.list = {8, 9};
    v.push_back({x, "0x0c\t\t43\t\t\t6\t8,9"});
  }
  {
    Pdu x = p(PduType::kUd);
    x.info = {0xde, 0xad, 0xbe};
    v.push_back({x, "0x0d\t\t\t\t\t\t"});
  }
  {
    Pdu x = p(PduType::kMd);
    x.info = {0x01};
    v.push_back({x, "0x0e\t\t\t\t\t\t"});
  }
  return v;
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> r;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) r.push_back(l);
  return r;
}

TEST(SscopTshark, EveryPduTypeDecodesWithTheSameFields) {
  if (!test::tshark_available()) GTEST_SKIP() << "tshark not installed; cross-check skipped";
  const auto all = cases();
  const std::string path = temp_file("sscop_tshark");
  {
    PcapSunAtmWriter w;
    ASSERT_TRUE(w.open(path));
    std::uint64_t t = 1'700'000'000'000'000;
    for (const auto& c : all) w.write(PcapDirection::kToNetwork, 0, 5, encode(c.pdu), t += 1000);
  }
  const auto out = lines(test::run_tshark(
      path,
      "-T fields -E separator=/t -E occurrence=a -E aggregator=, -e sscop.type -e sscop.sq "
      "-e sscop.mr -e sscop.s -e sscop.ps -e sscop.r -e sscop.stat.s"));
  ASSERT_EQ(out.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(out[i], all[i].fields) << describe(all[i].pdu);
  }
  const auto malformed = test::run_tshark(path, "-Y _ws.malformed -T fields -e frame.number");
  EXPECT_EQ(malformed, "") << "malformed frames: " << malformed;
  const auto verbose = test::run_tshark(path, "-V");
  EXPECT_NE(verbose.find("Source: SSCOP"), std::string::npos) << "END S bit";
  EXPECT_NE(verbose.find("STATUS ENQUIRY"), std::string::npos) << "SD payload handed to Q.2931";
  std::filesystem::remove(path);
}

// A whole exchange produced by two Sscop entities (establishment, data, poll,
// status, release) decodes cleanly too.
TEST(SscopTshark, ExchangeBetweenTwoEntitiesDecodesCleanly) {
  if (!test::tshark_available()) GTEST_SKIP() << "tshark not installed; cross-check skipped";
  const std::string path = temp_file("sscop_exchange");
  std::size_t frames = 0;
  {
    PcapSunAtmWriter w;
    ASSERT_TRUE(w.open(path));
    Sscop a, b;
    TimePoint now{};
    std::vector<Action> out;
    std::vector<std::pair<bool, Bytes>> wire;  // (from a, pdu)
    auto collect = [&](bool from_a) {
      for (auto& x : out) {
        if (auto* s = std::get_if<SendPdu>(&x)) wire.emplace_back(from_a, s->bytes);
      }
      out.clear();
    };
    auto pump = [&] {
      while (!wire.empty()) {
        auto [from_a, bytes] = wire.front();
        wire.erase(wire.begin());
        w.write(from_a ? PcapDirection::kToNetwork : PcapDirection::kFromNetwork, 0, 5, bytes,
                1'700'000'000'000'000 + frames * 1000);
        ++frames;
        Sscop& to = from_a ? b : a;
        to.handle(PduReceived{bytes}, now, out);
        for (auto& x : out) {
          if (std::holds_alternative<AaEstablishIndication>(x)) {
            std::vector<Action> more;
            to.handle(AaEstablishResponse{}, now, more);
            out.insert(out.end(), more.begin(), more.end());
            break;
          }
        }
        collect(!from_a);
      }
    };
    a.handle(AaEstablishRequest{}, now, out);
    collect(true);
    pump();
    for (int i = 0; i < 5; ++i) a.handle(AaDataRequest{kQ2931StatusEnquiry}, now, out);
    collect(true);
    pump();
    now += std::chrono::seconds(1);
    a.handle_timeouts(now, out);
    collect(true);
    pump();
    a.handle(AaReleaseRequest{}, now, out);
    collect(true);
    pump();
  }
  const auto types = test::run_tshark(path, "-T fields -e sscop.type");
  EXPECT_EQ(lines(types).size(), frames);
  EXPECT_NE(types.find("0x01"), std::string::npos);
  EXPECT_NE(types.find("0x08"), std::string::npos);
  EXPECT_NE(types.find("0x0b"), std::string::npos);
  EXPECT_NE(types.find("0x04"), std::string::npos);
  EXPECT_EQ(test::run_tshark(path, "-Y _ws.malformed -T fields -e frame.number"), "");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace atmsigd::sscop
