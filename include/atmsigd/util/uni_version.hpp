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
  }
  return "?";
}

}  // namespace atmsigd
