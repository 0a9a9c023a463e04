// SSCOP's traces are catalog events (group saal): one ID per step, typed
// arguments, emitted only when Params::levels wants them.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "atmsigd/log/format.hpp"
#include "harness.hpp"

namespace atmsigd::sscop::test {
namespace {

using namespace std::chrono_literals;
using T = PduType;

const Trace* first_trace(const Harness& h, log::Id id) {
  for (const auto& a : h.out) {
    if (auto* t = std::get_if<Trace>(&a); t && t->event.id == id) return t;
  }
  return nullptr;
}

// Q.2110 clause 8: a state change names both states, as the to_string() texts.
TEST(SscopTrace, StateChangeIsAnEventWithStateNames) {
  Harness h;
  h.in(AaEstablishRequest{});
  const Trace* t = first_trace(h, log::Id::kSscopState);
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->event.args.size(), 2u);
  EXPECT_EQ(std::get<std::string_view>(t->event.args[0]), "Idle");
  EXPECT_EQ(std::get<std::string_view>(t->event.args[1]), "OutConnPend");
  EXPECT_EQ(log::format(t->event), "state Idle -> OutConnPend");
  EXPECT_EQ(log::spec(t->event.id).group, log::Group::kSaal);
  EXPECT_EQ(log::spec(t->event.id).level, log::Level::kDebug);
}

TEST(SscopTrace, RefusedSignalsIgnoredAndUnexpectedPdus) {
  Harness h;
  h.to_ready();
  h.in(AaEstablishRequest{});
  EXPECT_EQ(h.traces(),
            std::vector<std::string>{"AA-ESTABLISH.request not allowed in Ready; ignored"});
  h.rx(bgak(30));  // Q.2110 SDL p.60: dropped without a word
  EXPECT_EQ(h.traces(), std::vector<std::string>{"BGAK N(MR)=30 ignored in Ready"});

  Harness idle;
  idle.rx(sd(0));  // Q.2110 SDL p.32: MAA-ERROR A, END
  EXPECT_EQ(idle.maa(), "A");
  EXPECT_EQ(idle.traces(), std::vector<std::string>{"SD N(S)=0 len=1 unexpected in Idle"});
}

TEST(SscopTrace, CountsAreIntegers) {
  Harness h;
  h.rx(bgn(4));
  h.in(AaReleaseRequest{});
  h.rx(bgn(4));  // Q.2110 SDL p.31: a retransmission, BGREJ
  const Trace* t = first_trace(h, log::Id::kSscopBgnRetransmission);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(std::get<std::uint64_t>(t->event.args.at(0)), 4u);
  EXPECT_EQ(log::format(t->event), "BGN N(SQ)=4 is a retransmission: BGREJ");

  Harness r;
  r.to_ready();
  r.rx(sd(0));
  r.rx(sd(0));  // delivered already
  EXPECT_EQ(r.traces(),
            std::vector<std::string>{"SD N(S)=0 behind VR(R)=1 (duplicate): discarded"});
  r.rx(sd(40));  // beyond VR(MR) = 31
  EXPECT_EQ(r.traces(),
            std::vector<std::string>{"SD N(S)=40 outside the receive window [1,31): discarded"});
}

TEST(SscopTrace, MalformedPduCarriesReasonAndOctets) {
  Harness h;
  h.rx_bytes(Bytes{0x01, 0x02});  // shorter than any PDU
  EXPECT_EQ(h.maa(), "U");
  const Trace* t = first_trace(h, log::Id::kSscopMalformed);
  ASSERT_NE(t, nullptr);
  const std::string line = log::format(t->event);
  EXPECT_EQ(line.rfind("malformed PDU dropped: ", 0), 0u) << line;
  EXPECT_NE(line.find("[01 02]"), std::string::npos) << line;
}

// Primitives, PDUs and timer expiries in every state (both SSCOP modes): the
// fallback text is what the shell prints, and every event is a saal one.
TEST(SscopTrace, TextIsTheFormattedEventInEveryState) {
  const std::vector<Event> events = {AaEstablishRequest{},
                                     AaEstablishResponse{},
                                     AaReleaseRequest{},
                                     AaDataRequest{{1}},
                                     AaResyncRequest{},
                                     AaResyncResponse{},
                                     AaRecoverResponse{},
                                     AaRetrieveRequest{},
                                     AaDataRequest{Bytes(kMaxInfo + 1, 0)},
                                     AaUnitdataRequest{Bytes(kMaxInfo + 1, 0)},
                                     MaaUnitdataRequest{Bytes(kMaxInfo + 1, 0)}};
  const std::vector<Pdu> pdus = {
      bgn(0), bgak(), pdu(T::kBgrej), end(),  pdu(T::kEndak), rs(0),          rsak(),
      er(0),  erak(), sd(0),          sd(50), poll(1, 0),     stat(1, 0, 30), ustat(0, 30, 0, 1)};
  std::size_t seen = 0;
  std::set<log::Id> ids;
  auto check = [&seen, &ids](const Harness& h) {
    for (const auto& a : h.out) {
      const auto* t = std::get_if<Trace>(&a);
      if (t == nullptr) continue;
      ++seen;
      ids.insert(t->event.id);
      EXPECT_EQ(log::spec(t->event.id).group, log::Group::kSaal);
    }
  };
  for (const Mode mode : {Mode::kQ2110, Mode::kQSaal1}) {
    Params p;
    p.mode = mode;
    for (const State st : all_states()) {
      SCOPED_TRACE(std::string(to_string(st)));
      const bool recovery =
          st == State::kOutRecPend || st == State::kRecPend || st == State::kInRecPend;
      if (mode == Mode::kQSaal1 && recovery) continue;  // Q.SAAL1 has no ER
      for (const auto& ev : events) {
        Harness h(p);
        h.to(st);
        h.in(ev);
        check(h);
        h.advance(20s);
        check(h);
      }
      for (const auto& pd : pdus) {
        Harness h(p);
        h.to(st);
        h.rx(pd);
        check(h);
      }
      Harness h(p);
      h.to(st);
      h.rx_bytes(Bytes{1, 2});  // malformed
      check(h);
    }
  }
  EXPECT_GT(seen, 200u);
  using I = log::Id;
  for (const I id : {I::kSscopState, I::kSscopMalformed, I::kSscopPduUnexpected,
                     I::kSscopPduIgnored, I::kSscopNotAllowed, I::kSscopDataTooLong,
                     I::kSscopUnitdataTooLong, I::kSscopMaaUnitdataTooLong, I::kSscopDataInRecovery,
                     I::kSscopBgnRetransmission, I::kSscopSdOutsideWindow})
    EXPECT_EQ(ids.count(id), 1u) << log::id_name(id);
}

// The production filter (saal at info): no Trace is built, and every other
// action is exactly what a run that traces everything gives.
TEST(SscopTrace, DisabledLevelsEmitNothingAndChangeNothingElse) {
  const log::Levels info;  // default: info in every group
  log::Levels debug;
  debug.set(log::Group::kSaal, log::Level::kDebug);
  auto run = [](const log::Levels* lv) {
    Params p;
    p.levels = lv;
    Harness h(p);
    std::vector<Action> all;
    auto keep = [&] { all.insert(all.end(), h.out.begin(), h.out.end()); };
    h.in(AaEstablishRequest{});
    keep();
    h.rx(bgak());
    keep();
    h.in(AaEstablishRequest{});  // not allowed in Ready
    keep();
    h.in(AaDataRequest{{1, 2}});
    keep();
    h.rx(sd(0));
    keep();
    h.rx(sd(0));  // duplicate
    keep();
    h.rx_bytes(Bytes{1});  // malformed
    keep();
    h.in(AaReleaseRequest{});
    keep();
    h.advance(5s);  // Timer_CC: END again
    keep();
    return all;
  };
  auto without_traces = [](std::vector<Action> v) {
    std::erase_if(v, [](const Action& a) { return std::holds_alternative<Trace>(a); });
    return v;
  };
  const auto quiet = run(&info);
  const auto loud = run(&debug);
  const auto every = run(nullptr);
  for (const auto& a : quiet) EXPECT_FALSE(std::holds_alternative<Trace>(a));
  EXPECT_GT(loud.size(), quiet.size());
  EXPECT_EQ(loud.size(), every.size());
  const auto stripped = without_traces(loud);
  ASSERT_EQ(stripped.size(), quiet.size());
  for (std::size_t i = 0; i < quiet.size(); ++i) {
    EXPECT_EQ(quiet[i].index(), stripped[i].index()) << i;
    if (const auto* s = std::get_if<SendPdu>(&quiet[i])) {
      EXPECT_EQ(s->bytes, std::get<SendPdu>(stripped[i]).bytes) << i;
    }
  }
}

// Only the enabled IDs: a Levels at warn for saal drops the debug steps.
TEST(SscopTrace, FilterIsPerGroupLevel) {
  log::Levels lv = log::Levels::all();
  lv.set(log::Group::kSaal, log::Level::kWarn);
  Params p;
  p.levels = &lv;
  Harness h(p);
  h.to_ready();
  h.in(AaEstablishRequest{});
  EXPECT_EQ(h.count<Trace>(), 0);
  lv.set(log::Group::kSaal, log::Level::kDebug);  // the shell changed it (SIGHUP)
  h.in(AaEstablishRequest{});
  EXPECT_EQ(h.count<Trace>(), 1);
}

}  // namespace
}  // namespace atmsigd::sscop::test
