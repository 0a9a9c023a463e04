// Private: IE encoder used by the message encoder.
#pragma once

#include "atmsigd/q2931/ie.hpp"
#include "atmsigd/q2931/message.hpp"
#include "atmsigd/util/bytes.hpp"
#include "wire.hpp"

namespace atmsigd::q2931 {

// Appends the IE (4-octet header and contents) to `out`.
void encode_ie_into(Bytes& out, const Ie& ie, Version v);
void encode_ie_into(wire::Writer& out, const Ie& ie, Version v);

// Decodes the contents of the IE of kIeSpecs row `row` straight into a new last
// element of `ies` (no temporary, no copy); false, and nothing added, on a
// content error (a length outside the row's limits included).
bool decode_ie_append(IeList& ies, std::size_t row, const IeHeader& hdr, ByteView content,
                      Version v);

}  // namespace atmsigd::q2931
