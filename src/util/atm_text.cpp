#include "atmsigd/util/atm_text.hpp"

#include <atm.h>

#include <array>
#include <cstdint>
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

// libatm's formatters trust their input; frames from the kernel are
// formatted for the log before they are validated, so anything implausible
// is printed raw instead of being handed to libatm.
namespace {

bool terminated(const char* s, std::size_t n) {
  return strnlen(s, n) < n;
}

bool plausible(const struct atm_trafprm& t) {
  return t.traffic_class <= ATM_ANYCLASS && t.max_pcr >= ATM_MAX_PCR && t.pcr >= ATM_MAX_PCR &&
         t.min_pcr >= ATM_MAX_PCR && t.max_cdv >= 0 && t.max_sdu >= 0 &&
         t.max_sdu <= ATM_MAX_AAL5_PDU;
}

std::string safe(const char* buf, std::size_t n) {
  return std::string(buf, strnlen(buf, n));
}

}  // namespace

namespace {

// Two hex digits per octet from one table.
constexpr auto kHexPairs = [] {
  std::array<char, 512> t{};
  constexpr char kHex[] = "0123456789ABCDEF";
  for (std::size_t i = 0; i < 256; ++i) {
    t[2 * i] = kHex[i >> 4];
    t[2 * i + 1] = kHex[i & 0x0f];
  }
  return t;
}();

// N octets as 2N hex digits; N known at compile time, so the copies unroll.
template <std::size_t N>
char* put_octets(char* out, const std::uint8_t* octet) {
  for (std::size_t k = 0; k < N; ++k) std::memcpy(out + 2 * k, &kHexPairs[2 * octet[k]], 2);
  return out + 2 * N;
}

}  // namespace

// Every call logged at the default level names its parties: libatm's
// atm2text costs ~8 000 instructions an address (sprintf per octet), this
// fast path for the usual NSAP forms ~200, with the same text
// (tests/util/atm_text_test.cpp compares the two); the rest goes to libatm.
std::string svc_address_text(const struct sockaddr_atmsvc& a) {
  std::string s;
  append_svc_address_text(s, a);
  return s;
}

void append_svc_address_text(std::string& out, const struct sockaddr_atmsvc& a) {
  char buf[kSvcFastTextMax];
  if (char* end = write_svc_address_fast(buf, a)) {
    out.append(buf, static_cast<std::size_t>(end - buf));
    return;
  }
  out += svc_address_text_libatm(a);
}

// The dotted groups libatm's A2T_PRETTY prints for the common private NSAP
// forms with no E.164 part: DCC/ICD (and their group AFIs) 1.2.10.6.1, local
// (49, C7) 1.12.6.1; each layout written out whole (the log's two lines per
// call print three or four addresses of 20 octets each).
char* write_svc_address_fast(char* out, const struct sockaddr_atmsvc& a) {
  if (a.sas_family != AF_ATMSVC || a.sas_addr.pub[0] != 0 || a.sas_addr.prv[0] == 0) return nullptr;
  const std::uint8_t* o = a.sas_addr.prv;
  switch (o[0]) {
    case 0x39:  // DCC
    case 0x47:  // ICD
    case 0xbd:  // DCC group
    case 0xc5:  // ICD group
      out = put_octets<1>(out, o);
      *out++ = '.';
      out = put_octets<2>(out, o + 1);
      *out++ = '.';
      out = put_octets<10>(out, o + 3);
      break;
    case 0x49:  // local
    case 0xc7:  // local group
      out = put_octets<1>(out, o);
      *out++ = '.';
      out = put_octets<12>(out, o + 1);
      break;
    default:  // anything else: libatm's text
      return nullptr;
  }
  *out++ = '.';
  out = put_octets<6>(out, o + 13);
  *out++ = '.';
  return put_octets<1>(out, o + 19);
}

std::string svc_address_text_libatm(const struct sockaddr_atmsvc& a) {
  if (a.sas_family != AF_ATMSVC) return "<none>";
  if (a.sas_addr.prv[0] == 0 && a.sas_addr.pub[0] == 0) return "<null>";
  if (!terminated(a.sas_addr.pub, sizeof a.sas_addr.pub)) return "<bad E.164>";
  char buf[2 * (MAX_ATM_ADDR_LEN + 1)] = {};
  if (atm2text(buf, MAX_ATM_ADDR_LEN + 1, as_sa(&a), A2T_PRETTY | A2T_LOCAL) < 0)
    return "<invalid>";
  return safe(buf, sizeof buf);
}

std::string pvc_address_text(const struct sockaddr_atmpvc& a) {
  return std::to_string(a.sap_addr.itf) + "." + std::to_string(a.sap_addr.vpi) + "." +
         std::to_string(a.sap_addr.vci);
}

std::string qos_text(const struct atm_qos& q) {
  const bool aal_ok = q.aal == 0 || q.aal == ATM_AAL0 || q.aal == ATM_AAL1 || q.aal == ATM_AAL2 ||
                      q.aal == ATM_AAL34 || q.aal == ATM_AAL5;
  if (!aal_ok || !plausible(q.txtp) || !plausible(q.rxtp))
    return "<raw aal=" + std::to_string(q.aal) + " tx=" + std::to_string(q.txtp.traffic_class) +
           "/" + std::to_string(q.txtp.max_pcr) + " rx=" + std::to_string(q.rxtp.traffic_class) +
           "/" + std::to_string(q.rxtp.max_pcr) + ">";
  char buf[2 * (MAX_ATM_QOS_LEN + 1)] = {};
  if (qos2text(buf, MAX_ATM_QOS_LEN + 1, &q, 0) < 0) return "<invalid qos>";
  return safe(buf, sizeof buf);
}

std::string sap_text(const struct atm_sap& s) {
  bool ok = s.bhli.hl_type <= ATM_HL_VENDOR && s.bhli.hl_length <= ATM_MAX_HLI;
  for (const auto& b : s.blli) ok = ok && b.l2_proto <= ATM_L2_ISO7776 && b.l3_proto <= ATM_L3_USER;
  if (!ok)
    return "<raw bhli=" + std::to_string(s.bhli.hl_type) +
           " blli=" + std::to_string(s.blli[0].l2_proto) + "/" +
           std::to_string(s.blli[0].l3_proto) + ">";
  char buf[2 * (MAX_ATM_SAP_LEN + 1)] = {};
  if (sap2text(buf, MAX_ATM_SAP_LEN + 1, &s, 0) < 0) return "<invalid sap>";
  return safe(buf, sizeof buf);
}

}  // namespace atmsigd
