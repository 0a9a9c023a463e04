// SSCOP core cost: SD throughput between two entities, and the per-PDU cost of
// the codec and of the state machine. Virtual time; no I/O.
#include <benchmark/benchmark.h>

#include <vector>

#include "atmsigd/sscop/pdu.hpp"
#include "atmsigd/sscop/sscop.hpp"

namespace atmsigd::sscop {
namespace {

using namespace std::chrono_literals;

// Two connected entities; the sender's SDs go to the receiver, the receiver's
// STATs back. Returns them in Ready.
struct Pair {
  Sscop a, b;
  TimePoint now{};
  std::vector<Action> out, back;

  explicit Pair(const Params& p) : a(p), b(p) {
    a.handle(AaEstablishRequest{}, now, out);
    forward(out, b, back);
    for (auto& x : back) {
      if (std::holds_alternative<AaEstablishIndication>(x)) {
        back.clear();
        b.handle(AaEstablishResponse{}, now, back);
        break;
      }
    }
    std::vector<Action> tmp;
    forward(back, a, tmp);
  }
  // Delivers every SendPdu in `from` to `to`, collecting `to`'s actions.
  void forward(std::vector<Action>& from, Sscop& to, std::vector<Action>& res) {
    for (auto& x : from) {
      if (auto* s = std::get_if<SendPdu>(&x)) to.handle(PduReceived{s->bytes}, now, res);
    }
    from.clear();
  }
};

// Arg 0: every level (Params::levels null, as the tests run: each trace is
// built); 1: the default levels (saal at info: the debug steps are not built).
const log::Levels* levels_of(const benchmark::State& st) {
  static const log::Levels kDefault;
  return st.range(0) == 0 ? nullptr : &kDefault;
}

// SD throughput: the user submits SDUs; every PDU crosses to the peer and the
// peer's STATs come back. Items = SDs delivered.
void BM_SdThroughput(benchmark::State& st) {
  static const log::Levels kDefault;  // saal at info, as the demon runs
  Params p;
  p.window = 256;
  p.max_pd = 25;
  p.levels = &kDefault;
  Pair pr(p);
  const Bytes sdu(static_cast<std::size_t>(st.range(0)), 0x5a);
  std::int64_t delivered = 0;
  std::vector<Action> a_out, b_out;
  for (auto _ : st) {
    for (int i = 0; i < 64; ++i) pr.a.handle(AaDataRequest{sdu}, pr.now, a_out);
    pr.forward(a_out, pr.b, b_out);
    for (auto& x : b_out) delivered += std::holds_alternative<AaDataIndication>(x) ? 1 : 0;
    pr.forward(b_out, pr.a, a_out);
    // Drain: POLL/STAT rounds until everything is acknowledged.
    while (pr.a.transmission_buffer_size() != 0 || pr.a.transmission_queue_size() != 0) {
      pr.now += 750ms;
      pr.a.handle_timeouts(pr.now, a_out);
      pr.forward(a_out, pr.b, b_out);
      for (auto& x : b_out) delivered += std::holds_alternative<AaDataIndication>(x) ? 1 : 0;
      pr.forward(b_out, pr.a, a_out);
    }
    a_out.clear();
  }
  st.SetItemsProcessed(delivered);
  st.SetBytesProcessed(delivered * st.range(0));
}
BENCHMARK(BM_SdThroughput)->Arg(16)->Arg(256)->Arg(4096);

// Receiver cost per in-sequence SD PDU (decode, deliver, window update).
void BM_ReceiveSd(benchmark::State& st) {
  Params p;
  p.window = 1u << 20;
  Sscop s(p);
  std::vector<Action> out;
  TimePoint now{};
  Pdu bgn;
  bgn.type = PduType::kBgn;
  bgn.sq = 1;
  bgn.mr = 1u << 20;
  const Bytes b = encode(bgn);
  s.handle(PduReceived{b}, now, out);
  s.handle(AaEstablishResponse{}, now, out);
  Pdu sd;
  sd.type = PduType::kSd;
  sd.info = Bytes(64, 1);
  std::uint32_t ns = 0;
  Bytes wire;
  for (auto _ : st) {
    sd.ns = ns;
    ns = seq_add(ns, 1);
    wire.clear();
    encode_to(sd, Mode::kQ2110, wire);
    out.clear();
    s.handle(PduReceived{wire}, now, out);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_ReceiveSd);

// Sender cost per SD: AA-DATA.request to SendPdu (and the periodic POLL).
void BM_SendSd(benchmark::State& st) {
  Params p;
  Sscop s(p);
  std::vector<Action> out;
  TimePoint now{};
  s.handle(AaEstablishRequest{}, now, out);
  Pdu bgak;
  bgak.type = PduType::kBgak;
  bgak.mr = kSeqMask;  // unlimited credit
  const Bytes b = encode(bgak);
  s.handle(PduReceived{b}, now, out);
  const Bytes sdu(64, 1);
  std::uint32_t k = 0;
  for (auto _ : st) {
    out.clear();
    s.handle(AaDataRequest{sdu}, now, out);
    benchmark::DoNotOptimize(out.data());
    if (++k == 4096) {  // acknowledge, keeping the transmission buffer small
      st.PauseTiming();
      Pdu stat;
      stat.type = PduType::kStat;
      now += 750ms;
      s.handle_timeouts(now, out);
      stat.ps = s.vt_ps();
      stat.nr = s.vt_s();
      stat.mr = seq_add(s.vt_s(), 1u << 22);
      const Bytes sb = encode(stat);
      s.handle(PduReceived{sb}, now, out);
      k = 0;
      st.ResumeTiming();
    }
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_SendSd);

// A PDU the state ignores (Ready, BGAK: Q.2110 SDL p.60): decode, dispatch and
// the trace of the step. Items = PDUs.
void BM_IgnoredPdu(benchmark::State& st) {
  Params p;
  p.levels = levels_of(st);
  Pair pr(p);
  Pdu bgak;
  bgak.type = PduType::kBgak;
  bgak.mr = 30;
  const Bytes b = encode(bgak);
  std::vector<Action> out;
  for (auto _ : st) {
    out.clear();
    pr.a.handle(PduReceived{b}, pr.now, out);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_IgnoredPdu)->Arg(0)->Arg(1);

// A connection's life: BGN/BGAK, END/ENDAK between two entities, with the
// state changes on both sides. Items = connections.
void BM_EstablishRelease(benchmark::State& st) {
  Params p;
  p.levels = levels_of(st);
  Sscop a(p), b(p);
  TimePoint now{};
  std::vector<Action> ao, bo;
  auto cross = [&now](std::vector<Action>& from, Sscop& to, std::vector<Action>& res) {
    for (auto& x : from)
      if (auto* s = std::get_if<SendPdu>(&x)) to.handle(PduReceived{s->bytes}, now, res);
    from.clear();
  };
  for (auto _ : st) {
    a.handle(AaEstablishRequest{}, now, ao);
    cross(ao, b, bo);
    b.handle(AaEstablishResponse{}, now, bo);
    cross(bo, a, ao);
    a.handle(AaReleaseRequest{}, now, ao);
    cross(ao, b, bo);
    cross(bo, a, ao);
    ao.clear();
    now += 1ms;
  }
  if (a.state() != State::kIdle || b.state() != State::kIdle) st.SkipWithError("not released");
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_EstablishRelease)->Arg(0)->Arg(1);

// Codec alone.
void BM_EncodeDecodeStat(benchmark::State& st) {
  Pdu p;
  p.type = PduType::kStat;
  p.ps = 5;
  p.mr = 100;
  p.nr = 3;
  p.list = {3, 5, 9, 12, 40, 41};
  Bytes wire;
  for (auto _ : st) {
    wire.clear();
    encode_to(p, Mode::kQ2110, wire);
    auto r = decode(wire);
    benchmark::DoNotOptimize(r);
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_EncodeDecodeStat);

}  // namespace
}  // namespace atmsigd::sscop
