// svc_address_text's fast path for the usual NSAP forms prints exactly what
// libatm's atm2text (A2T_PRETTY) prints.
#include "atmsigd/util/atm_text.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

namespace atmsigd::test {
namespace {

struct sockaddr_atmsvc nsap(std::mt19937& rng, unsigned afi) {
  struct sockaddr_atmsvc a;
  std::memset(&a, 0, sizeof a);
  a.sas_family = AF_ATMSVC;
  a.sas_addr.prv[0] = static_cast<unsigned char>(afi);
  for (std::size_t i = 1; i < ATM_ESA_LEN; ++i)
    a.sas_addr.prv[i] = static_cast<unsigned char>(rng());
  return a;
}

TEST(SvcAddressText, PrettyNsapAsLibatmPrintsIt) {
  const auto a = parse_svc_address("47.0005.80ffe1000000f21a26d8.0020ea000ee0.00");
  ASSERT_TRUE(a);
  EXPECT_EQ(svc_address_text(*a), "47.0005.80FFE1000000F21A26D8.0020EA000EE0.00");
  const auto l = parse_svc_address("49.000000000000000000000001.0020ea000ee0.00");
  ASSERT_TRUE(l);
  EXPECT_EQ(svc_address_text(*l), "49.000000000000000000000001.0020EA000EE0.00");
}

TEST(SvcAddressText, SameAsLibatmForEveryAfi) {
  std::mt19937 rng(13);
  for (unsigned afi = 0; afi < 256; ++afi)
    for (int n = 0; n < 40; ++n) {
      const auto a = nsap(rng, afi);
      ASSERT_EQ(svc_address_text(a), svc_address_text_libatm(a)) << "afi " << afi;
    }
}

TEST(SvcAddressText, E164AndMixedFormsAsLibatm) {
  std::mt19937 rng(7);
  auto a = nsap(rng, 0x47);
  std::strcpy(a.sas_addr.pub, "4121");
  EXPECT_EQ(svc_address_text(a), svc_address_text_libatm(a));
  std::memset(a.sas_addr.prv, 0, sizeof a.sas_addr.prv);
  EXPECT_EQ(svc_address_text(a), svc_address_text_libatm(a));
  EXPECT_EQ(svc_address_text(a), "+4121");
}

}  // namespace
}  // namespace atmsigd::test
