// Private: IE encoder used by the message encoder.
#pragma once

#include "atmsigd/q2931/ie.hpp"
#include "atmsigd/util/bytes.hpp"

namespace atmsigd::q2931 {

// Appends the IE (4-octet header and contents) to `out`.
void encode_ie_into(Bytes& out, const Ie& ie, Version v);

}  // namespace atmsigd::q2931
