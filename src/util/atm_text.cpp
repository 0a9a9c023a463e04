#include "atmsigd/util/atm_text.hpp"

#include <atm.h>

#include <cstring>
#include <string>

namespace atmsigd {
namespace {

template <typename T>
T zeroed() {
  T t;
  std::memset(&t, 0, sizeof t);
  return t;
}

struct sockaddr* as_sa(void* p) {
  return static_cast<struct sockaddr*>(p);
}
const struct sockaddr* as_sa(const void* p) {
  return static_cast<const struct sockaddr*>(p);
}

}  // namespace

std::optional<struct sockaddr_atmsvc> parse_svc_address(std::string_view text,
                                                        bool allow_wildcard) {
  auto a = zeroed<struct sockaddr_atmsvc>();
  const std::string s(text);
  const int flags = T2A_SVC | T2A_LOCAL | (allow_wildcard ? T2A_WILDCARD : 0);
  if (text2atm(s.c_str(), as_sa(&a), sizeof a, flags) < 0) return std::nullopt;
  return a;
}

std::optional<struct sockaddr_atmpvc> parse_pvc_address(std::string_view text) {
  auto a = zeroed<struct sockaddr_atmpvc>();
  const std::string s(text);
  if (text2atm(s.c_str(), as_sa(&a), sizeof a, T2A_PVC | T2A_LOCAL) < 0) return std::nullopt;
  return a;
}

std::optional<struct atm_qos> parse_qos(std::string_view text) {
  auto q = zeroed<struct atm_qos>();
  const std::string s(text);
  if (text2qos(s.c_str(), &q, 0) < 0) return std::nullopt;
  return q;
}

std::optional<struct atm_sap> parse_sap(std::string_view text) {
  auto sap = zeroed<struct atm_sap>();
  const std::string s(text);
  if (text2sap(s.c_str(), &sap, 0) < 0) return std::nullopt;
  return sap;
}

bool prefix_matches(const AddressPrefix& p, const struct sockaddr_atmsvc& a) {
  const bool p_nsap = p.addr.sas_addr.prv[0] != 0;
  const bool a_nsap = a.sas_addr.prv[0] != 0;
  if (p_nsap != a_nsap) return false;
  if (p_nsap) {
    const int bits = p.bits.value_or(8 * ATM_ESA_LEN);
    const int bytes = bits / 8;
    if (std::memcmp(p.addr.sas_addr.prv, a.sas_addr.prv, static_cast<std::size_t>(bytes)) != 0)
      return false;
    if (bits % 8 == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - bits % 8));
    return ((p.addr.sas_addr.prv[bytes] ^ a.sas_addr.prv[bytes]) & mask) == 0;
  }
  const std::string pd(p.addr.sas_addr.pub,
                       strnlen(p.addr.sas_addr.pub, sizeof p.addr.sas_addr.pub));
  const std::string ad(a.sas_addr.pub, strnlen(a.sas_addr.pub, sizeof a.sas_addr.pub));
  if (!p.bits) return pd == ad;
  const auto n = static_cast<std::size_t>(*p.bits);
  return pd.substr(0, n) == ad.substr(0, n);
}

std::string svc_address_text(const struct sockaddr_atmsvc& a) {
  if (a.sas_family != AF_ATMSVC) return "<none>";
  if (a.sas_addr.prv[0] == 0 && a.sas_addr.pub[0] == 0) return "<null>";
  char buf[MAX_ATM_ADDR_LEN + 1];
  if (atm2text(buf, sizeof buf, as_sa(&a), A2T_PRETTY | A2T_LOCAL) < 0) return "<invalid>";
  return buf;
}

std::string pvc_address_text(const struct sockaddr_atmpvc& a) {
  return std::to_string(a.sap_addr.itf) + "." + std::to_string(a.sap_addr.vpi) + "." +
         std::to_string(a.sap_addr.vci);
}

std::string qos_text(const struct atm_qos& q) {
  char buf[MAX_ATM_QOS_LEN + 1];
  if (qos2text(buf, sizeof buf, &q, 0) < 0) return "<invalid qos>";
  return buf;
}

std::string sap_text(const struct atm_sap& s) {
  char buf[MAX_ATM_SAP_LEN + 1];
  if (sap2text(buf, sizeof buf, &s, 0) < 0) return "<invalid sap>";
  return buf;
}

}  // namespace atmsigd
