// The signaling protocol a UNI speaks: one type for the Q.2931 codec, the
// SAAL parameter sets, call control and the configuration.
#pragma once

#include <cstdint>

namespace atmsigd {

enum class UniVersion : std::uint8_t {
  kUni30,  // ATM Forum UNI 3.0 (SSCOP in Q.SAAL1 mode)
  kUni31,  // ATM Forum UNI 3.1 (Q.2110 SSCOP)
  kUni40,  // ATM Forum UNI 4.0
  kQ2931,  // ITU-T Q.2931 itself
  // UNI 3.1 with UNI 3.0 compatibility (-u uni31+uni30, the original's
  // S_UNI31|S_UNI30): sends UNI 3.1 (Q.2110 SSCOP, no AAL mode, ITU-T QoS coding)
  // but for the UNI 3.0 forms the original keeps with both bits set, and accepts
  // the UNI 3.0 codings (docs/q2931-coding.md, "UNI 3.1 with 3.0 compatibility").
  kUni31Compat30,
};

constexpr const char* uni_version_name(UniVersion v) {
  switch (v) {
    case UniVersion::kUni30:
      return "UNI 3.0";
    case UniVersion::kUni31:
      return "UNI 3.1";
    case UniVersion::kUni40:
      return "UNI 4.0";
    case UniVersion::kQ2931:
      return "Q.2931";
    case UniVersion::kUni31Compat30:
      return "UNI 3.1+3.0";
  }
  return "?";
}

}  // namespace atmsigd
