// Private: IE encoder used by the message encoder.
#pragma once

#include <array>
#include <cstdint>

#include "atmsigd/q2931/ie.hpp"
#include "atmsigd/q2931/message.hpp"
#include "atmsigd/util/bytes.hpp"
#include "tables.hpp"
#include "wire.hpp"

namespace atmsigd::q2931 {

// Appends the IE (4-octet header and contents) to `out`.
void encode_ie_into(Bytes& out, const Ie& ie, Version v);
void encode_ie_into(wire::Writer& out, const Ie& ie, Version v);

// The decoder's per-IE row (ie_codec.cpp): the length limits of kIeSpecs row
// i beside the function that decodes its contents in place.
using IeAppender = bool (*)(IeList&, const IeHeader&, ByteView, Version);
struct AppendRow {
  IeAppender append;
  std::uint8_t min_len;
  std::uint8_t max_len;
};
extern const std::array<AppendRow, kIeSpecs.size()> kIeAppendRows;

// Decodes the contents of the IE of kIeSpecs row `row` straight into a new last
// element of `ies` (no temporary, no copy); false, and nothing added, on a
// content error (a length outside the row's limits included). Inline: the
// decoder's loop calls the row's appender directly (issue 13).
inline bool decode_ie_append(IeList& ies, std::size_t row, const IeHeader& hdr, ByteView content,
                             Version v) {
  const AppendRow& a = kIeAppendRows[row];
  if (content.size() < a.min_len || content.size() > a.max_len) return false;
  return a.append(ies, hdr, content, v);
}

}  // namespace atmsigd::q2931
