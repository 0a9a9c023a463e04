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

// Feeds the engine and checks every frame it sends to the kernel.
struct Checker {
  engine::Engine& eng;
  std::vector<engine::Action> out;
  bool ok = true;
  void check() {
    for (const auto& a : out)
      if (const auto* k = std::get_if<engine::ToKernel>(&a))
        if (atmsvc::validate_from_demon(k->msg)) ok = false;  // the demon sent a bad frame
    out.clear();
  }
  void feed(const engine::Input& in, TimePoint now) {
    eng.handle(in, now, out);
    check();
  }
  void timeouts(TimePoint now) {
    eng.handle_timeouts(now, out);
    check();
  }
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
  Checker sink{eng, {}, true};
  std::vector<struct sockaddr_atmsvc> locals(1);
  std::memset(locals.data(), 0, sizeof locals[0]);
  locals[0].sas_family = AF_ATMSVC;
  locals[0].sas_addr.prv[0] = 0x47;
  sink.feed(engine::LocalAddresses{0, locals}, TimePoint{});
  TimePoint now{};
  std::size_t i = 0;
  while (i < size) {
    const std::uint8_t control = data[i++];
    if (control == 0x7f) {
      now += std::chrono::seconds(11);
      sink.timeouts(now);
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
      sink.feed(engine::KernelFrame{ByteView(frame)}, now);
    } else {
      const std::size_t n = std::min<std::size_t>(size - i, control & 0x3f);
      sink.feed(engine::KernelFrame{ByteView(data + i, n)}, now);
      i += n;
    }
  }
  sink.feed(engine::Stop{"end of input"}, now);
  return sink.ok && table.socket_count() == 0 && net.call_count() == 0;  // no leak
}

}  // namespace atmsigd::fuzz
