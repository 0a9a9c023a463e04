// The canonical text syntax of ATM addresses, QoS and SAPs (text2atm(3),
// qos(7), sap(7)), through Debian's libatm1 so that every spelling the
// original tools accept means exactly the same here.
#pragma once

#include <sys/socket.h>

#include <linux/atm.h>
#include <linux/atmsap.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace atmsigd {

// SVC address ("47.0005.80ffe1000000f21a26d8.0020ea000ee0.00", "+4121...",
// "0.5" is rejected). Wildcards (T2A_WILDCARD, e.g. "47.0005") only if asked.
std::optional<struct sockaddr_atmsvc> parse_svc_address(std::string_view text,
                                                        bool allow_wildcard = false);
// PVC address "[itf.]vpi.vci".
std::optional<struct sockaddr_atmpvc> parse_pvc_address(std::string_view text);
// qos(7), e.g. "ubr,aal5:max_pcr=353207,max_sdu=8192".
std::optional<struct atm_qos> parse_qos(std::string_view text);
// sap(7), e.g. "bhli:oui=0x0060D7,id=0x01000001,blli:l2=iso8802".
std::optional<struct atm_sap> parse_sap(std::string_view text);

// An address with an optional number of significant bits (NSAP) or digits
// (E.164), as in atmsigd.conf's policy and route rules: "47.0005.80.../40",
// "+4121/3". Without a length the whole address must match.
struct AddressPrefix {
  struct sockaddr_atmsvc addr;
  std::optional<int> bits;
  std::string text;
};
bool prefix_matches(const AddressPrefix& p, const struct sockaddr_atmsvc& a);

std::string svc_address_text(const struct sockaddr_atmsvc& a);
// The same text appended to `out` (the log's line buffer: no string per address).
void append_svc_address_text(std::string& out, const struct sockaddr_atmsvc& a);
// The text of the usual NSAP forms written at `out` (at most
// kSvcFastTextMax characters), returning the end; nullptr for any other
// address (E.164, another AFI: libatm's text, svc_address_text).
inline constexpr std::size_t kSvcFastTextMax = 2 * ATM_ESA_LEN + 8;
char* write_svc_address_fast(char* out, const struct sockaddr_atmsvc& a);
// The same text, always through libatm's atm2text (the reference the fast
// path of svc_address_text is tested against).
std::string svc_address_text_libatm(const struct sockaddr_atmsvc& a);
std::string pvc_address_text(const struct sockaddr_atmpvc& a);
std::string qos_text(const struct atm_qos& q);
std::string sap_text(const struct atm_sap& s);

}  // namespace atmsigd
