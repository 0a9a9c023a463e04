#include "atmsigd/util/pcap.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "../support/tshark.hpp"

namespace atmsigd {
namespace {

std::string temp_file(const char* name) {
  return (std::filesystem::temp_directory_path() /
          (std::string(name) + "." + std::to_string(::getpid())))
      .string();
}

TEST(PcapSunAtm, WritesGlobalAndRecordHeaders) {
  const auto path = temp_file("pcap_hdr.pcap");
  {
    PcapSunAtmWriter w;
    ASSERT_TRUE(w.open(path));
    const Bytes sdu{0x01, 0x02, 0x03, 0x04};
    w.write(PcapDirection::kToNetwork, 0, 5, sdu, 1'000'002);
  }
  std::ifstream f(path, std::ios::binary);
  const Bytes b{std::istreambuf_iterator<char>(f), {}};
  ASSERT_EQ(b.size(), 24u + 16u + 4u + 4u);
  EXPECT_EQ(b[0], 0xd4);
  EXPECT_EQ(b[20], 123);   // LINKTYPE_SUNATM
  EXPECT_EQ(b[24], 1);     // ts_sec
  EXPECT_EQ(b[28], 2);     // ts_usec
  EXPECT_EQ(b[32], 8);     // incl_len: 4 + SDU
  EXPECT_EQ(b[40], 0x80);  // direction bit
  EXPECT_EQ(b[41], 0);     // VPI
  EXPECT_EQ(b[43], 5);     // VCI low octet
  EXPECT_EQ(b[44], 0x01);
  std::filesystem::remove(path);
}

TEST(PcapSunAtm, TsharkSeesSscopOnVc05) {
  if (!test::tshark_available()) GTEST_SKIP() << "tshark not installed";
  const auto path = temp_file("pcap_sscop.pcap");
  {
    PcapSunAtmWriter w;
    ASSERT_TRUE(w.open(path));
    // SSCOP BGN: SSCOP-UU empty, N(UU) pad 0, PDU type 1 (BGN), N(SQ)=0, N(MR)=30.
    const Bytes bgn{0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x1e};
    w.write(PcapDirection::kToNetwork, 0, 5, bgn, 0);
  }
  const auto out = test::run_tshark(path, "-T fields -e sscop.type");
  EXPECT_EQ(out, "0x01\n");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace atmsigd

namespace atmsigd {
namespace {

TEST(PcapSunAtm, RotatesBySizeKeepingOldFiles) {
  const auto path = temp_file("pcap_rot.pcap");
  {
    PcapSunAtmWriter w;
    ASSERT_TRUE(w.open(path));
    w.set_rotation(200, 2);
    const Bytes sdu(40, 0x11);  // 64 octets per record
    for (int i = 0; i < 12; ++i) w.write(PcapDirection::kToNetwork, 0, 5, sdu, 0);
  }
  for (const auto& p : {path, path + ".1", path + ".2"}) {
    ASSERT_TRUE(std::filesystem::exists(p)) << p;
    EXPECT_LE(std::filesystem::file_size(p), 200u) << p;
    EXPECT_GT(std::filesystem::file_size(p), 24u) << p;  // header and records
  }
  EXPECT_FALSE(std::filesystem::exists(path + ".3"));
  if (test::tshark_available()) {
    // 24 + 2 x 64 octets fit in 200, a third record would not: two per file.
    const auto out = test::run_tshark(path + ".1", "-T fields -e frame.number");
    EXPECT_EQ(out, "1\n2\n");
  }
  for (const auto& p : {path, path + ".1", path + ".2"}) std::filesystem::remove(p);
}

}  // namespace
}  // namespace atmsigd
