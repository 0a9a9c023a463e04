// The body of the kernel-side fuzzer, shared with a GoogleTest that replays
// the seed corpus and past crashes in every normal build.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "atmsigd/atmsvc/socket_table.hpp"
#include "atmsigd/callctl/loopback_network.hpp"
#include "atmsigd/engine/engine.hpp"

namespace atmsigd::fuzz {

struct CheckingSink : engine::Sink {
  void to_kernel(const atmsvc::Message& m) override {
    if (atmsvc::validate_from_demon(m)) ok = false;  // the demon sent a bad frame
  }
  void log(atmsvc::Severity, const std::string&) override {}
  void query_local_addresses(int) override {}
  bool ok = true;
};

// Input: a sequence of records, each one control octet then a body.
//  control & 0x80: a full 252-octet frame follows (short input is zero-padded),
//                  its type forced into 0..15 when control & 0x40;
//  otherwise:      a datagram of (control & 0x3f) octets follows;
//  control == 0x7f: advance virtual time by 11 s (zombie timeouts).
// Returns false if a property is violated.
inline bool run_kernel_frames(const std::uint8_t* data, std::size_t size) {
  atmsvc::SocketTable table;
  callctl::LoopbackNetwork net(callctl::LoopbackNetwork::Params{});
  engine::Engine eng(table, net);
  CheckingSink sink;
  std::vector<struct sockaddr_atmsvc> locals(1);
  std::memset(locals.data(), 0, sizeof locals[0]);
  locals[0].sas_family = AF_ATMSVC;
  locals[0].sas_addr.prv[0] = 0x47;
  eng.set_local_addresses(0, locals, TimePoint{}, sink);
  TimePoint now{};
  std::size_t i = 0;
  while (i < size) {
    const std::uint8_t control = data[i++];
    if (control == 0x7f) {
      now += std::chrono::seconds(11);
      eng.handle_timeouts(now, sink);
      continue;
    }
    if ((control & 0x80) != 0) {
      Bytes frame(atmsvc::kFrameSize, 0);
      const std::size_t n = std::min(size - i, frame.size());
      std::memcpy(frame.data(), data + i, n);
      i += n;
      if ((control & 0x40) != 0) {
        const int type = frame[0] % 16;
        std::memcpy(frame.data(), &type, sizeof type);
      }
      eng.from_kernel(ByteView(frame), now, sink);
    } else {
      const std::size_t n = std::min<std::size_t>(size - i, control & 0x3f);
      eng.from_kernel(ByteView(data + i, n), now, sink);
      i += n;
    }
  }
  eng.shutdown(now, sink);
  return sink.ok && table.socket_count() == 0 && net.call_count() == 0;  // no leak
}

}  // namespace atmsigd::fuzz
