// An NSAP address in hex, dots allowed (47.0005.80...), into a struct
// sockaddr_atmsvc: for the statically linked probes of the VM tests
// (svc_caller, svc_probe), which link nothing of the project.
#pragma once

#include <linux/atm.h>

#include <cstddef>
#include <cstring>

inline bool parse_nsap(const char* text, struct sockaddr_atmsvc& a) {
  std::memset(&a, 0, sizeof a);
  a.sas_family = AF_ATMSVC;
  std::size_t nibbles = 0;
  for (const char* p = text; *p != '\0'; ++p) {
    if (*p == '.') continue;
    int v = 0;
    if (*p >= '0' && *p <= '9')
      v = *p - '0';
    else if (*p >= 'a' && *p <= 'f')
      v = *p - 'a' + 10;
    else if (*p >= 'A' && *p <= 'F')
      v = *p - 'A' + 10;
    else
      return false;
    if (nibbles == 2 * ATM_ESA_LEN) return false;
    a.sas_addr.prv[nibbles / 2] =
        static_cast<unsigned char>(a.sas_addr.prv[nibbles / 2] | (nibbles % 2 == 0 ? v << 4 : v));
    ++nibbles;
  }
  return nibbles == 2 * ATM_ESA_LEN;
}
