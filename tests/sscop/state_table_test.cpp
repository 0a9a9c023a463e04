// The SSCOP state matrix (Sscop::state_matrix(), the rows handle() dispatches
// on): every state x every signal has exactly one row, and every row does what
// the Q.2110 SDL diagrams say: the next state, the MAA-ERROR codes reported and
// the PDUs sent in answer (the expectations below are the behaviour, written
// down independently of which handler a row names).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "harness.hpp"

namespace atmsigd::sscop::test {
namespace {

using S = State;
using T = PduType;
using G = Signal;
using Row = Sscop::Transition;

const std::vector<T> kAllPduTypes = {T::kBgn,  T::kBgak,  T::kBgrej, T::kEnd, T::kEndak, T::kRs,
                                     T::kRsak, T::kEr,    T::kErak,  T::kSd,  T::kSdp,   T::kPoll,
                                     T::kStat, T::kUstat, T::kUd,    T::kMd};

// The PDU type a PDU signal stands for; nullopt for primitives and timers.
std::optional<T> pdu_of(G g) {
  for (T t : kAllPduTypes) {
    if (signal_of(t) == g) return t;
  }
  return std::nullopt;
}

bool is_primitive(G g) {
  return g >= G::kEstablishRequest && g <= G::kMaaUnitdataRequest;
}
bool is_timer(G g) {
  return g >= G::kTimerCc && g <= G::kTimerIdle;
}

std::string describe(const Row& row) {
  return std::string(to_string(row.state)) + " x " + std::string(to_string(row.signal)) + " -> " +
         std::string(row.name) + " (" + std::string(row.sdl) + ")";
}

// A PDU "from a live peer" that is not a retransmission of anything seen.
Pdu fresh(T t) {
  switch (t) {
    case T::kBgn:
      return bgn(200);
    case T::kBgak:
      return bgak();
    case T::kBgrej:
      return pdu(T::kBgrej);
    case T::kEnd:
      return end();
    case T::kEndak:
      return pdu(T::kEndak);
    case T::kRs:
      return rs(200);
    case T::kRsak:
      return rsak();
    case T::kEr:
      return er(200);
    case T::kErak:
      return erak();
    case T::kSd:
      return sd(0);
    case T::kSdp:
      return sd(0);
    case T::kPoll:
      return poll(1, 0);
    case T::kStat:
      return stat(1, 0, 30);
    case T::kUstat:
      return ustat(0, 30, 0, 1);
    case T::kUd: {
      Pdu p = pdu(T::kUd);
      p.info = {1, 2, 3};
      return p;
    }
    case T::kMd: {
      Pdu p = pdu(T::kMd);
      p.info = {4, 5};
      return p;
    }
  }
  return pdu(t);
}

struct Outcome {
  S next;
  std::string maa;
  std::vector<T> sent;
};
using Expected = std::map<std::pair<S, T>, Outcome>;

// What each state does with each PDU (Q.2110, SDP aside: Q.SAAL1 only).
// Outcomes shared by a group of states are generated; each state is complete.
Expected expected_pdu_outcomes() {
  Expected r;
  auto add = [&r](S s, T p, S n, const char* maa, std::vector<T> sent = {}) {
    r[{s, p}] = {n, maa, std::move(sent)};
  };
  // UD and MD are delivered in every state without changing it.
  for (S s : all_states()) {
    add(s, T::kUd, s, "");
    add(s, T::kMd, s, "");
  }
  // Each row cites the Q.2110 SDL page of the transition (the page numbers
  // FreeBSD's ngatm SSCOP cites in saal_sscop.c).
  // 1 Idle (p.31-33)
  add(S::kIdle, T::kBgn, S::kInConnPend, "");          // p.31
  add(S::kIdle, T::kBgak, S::kIdle, "C", {T::kEnd});   // p.32
  add(S::kIdle, T::kBgrej, S::kIdle, "D");             // p.31
  add(S::kIdle, T::kEnd, S::kIdle, "", {T::kEndak});   // p.31
  add(S::kIdle, T::kEndak, S::kIdle, "");              // p.31
  add(S::kIdle, T::kRs, S::kIdle, "J", {T::kEnd});     // p.33
  add(S::kIdle, T::kRsak, S::kIdle, "K", {T::kEnd});   // p.33
  add(S::kIdle, T::kEr, S::kIdle, "L", {T::kEnd});     // p.31
  add(S::kIdle, T::kErak, S::kIdle, "M", {T::kEnd});   // p.32
  add(S::kIdle, T::kSd, S::kIdle, "A", {T::kEnd});     // p.32
  add(S::kIdle, T::kPoll, S::kIdle, "G", {T::kEnd});   // p.32
  add(S::kIdle, T::kStat, S::kIdle, "H", {T::kEnd});   // p.32
  add(S::kIdle, T::kUstat, S::kIdle, "I", {T::kEnd});  // p.32
  // 2 Outgoing Connection Pending (p.34-36): everything but BGN/BGAK/BGREJ ignored
  add(S::kOutConnPend, T::kBgn, S::kReady, "", {T::kBgak});  // p.36
  add(S::kOutConnPend, T::kBgak, S::kReady, "");             // p.34
  add(S::kOutConnPend, T::kBgrej, S::kIdle, "");             // p.34
  for (T t : {T::kEnd, T::kEndak, T::kRs, T::kRsak, T::kEr, T::kErak, T::kSd, T::kPoll, T::kStat,
              T::kUstat}) {
    add(S::kOutConnPend, t, S::kOutConnPend, "");  // p.34, p.36
  }
  // 3 Incoming Connection Pending (p.37-39)
  add(S::kInConnPend, T::kBgn, S::kInConnPend, "");          // p.37
  add(S::kInConnPend, T::kBgak, S::kInConnPend, "C");        // p.38
  add(S::kInConnPend, T::kBgrej, S::kIdle, "D");             // p.38
  add(S::kInConnPend, T::kEnd, S::kIdle, "", {T::kEndak});   // p.39
  add(S::kInConnPend, T::kEndak, S::kIdle, "F");             // p.37
  add(S::kInConnPend, T::kRs, S::kInConnPend, "J");          // p.39
  add(S::kInConnPend, T::kRsak, S::kInConnPend, "K");        // p.39
  add(S::kInConnPend, T::kEr, S::kInConnPend, "L");          // p.37
  add(S::kInConnPend, T::kErak, S::kInConnPend, "M");        // p.39
  add(S::kInConnPend, T::kSd, S::kIdle, "A", {T::kEnd});     // p.38
  add(S::kInConnPend, T::kPoll, S::kIdle, "G", {T::kEnd});   // p.38
  add(S::kInConnPend, T::kStat, S::kIdle, "H", {T::kEnd});   // p.38
  add(S::kInConnPend, T::kUstat, S::kIdle, "I", {T::kEnd});  // p.38
  // 4 Outgoing Disconnection Pending (p.40-42)
  add(S::kOutDisPend, T::kBgn, S::kInConnPend, "");         // p.42
  add(S::kOutDisPend, T::kBgrej, S::kIdle, "");             // p.41
  add(S::kOutDisPend, T::kEnd, S::kIdle, "", {T::kEndak});  // p.41
  add(S::kOutDisPend, T::kEndak, S::kIdle, "");             // p.41
  for (T t :
       {T::kBgak, T::kRs, T::kRsak, T::kEr, T::kErak, T::kSd, T::kPoll, T::kStat, T::kUstat}) {
    add(S::kOutDisPend, t, S::kOutDisPend, "");  // p.40-42
  }
  // 5..10: a new BGN re-establishes, END is acknowledged; ENDAK and BGREJ mean
  // the peer is gone: MAA-ERROR F/D and release without END.
  for (S s : {S::kOutResyncPend, S::kInResyncPend, S::kOutRecPend, S::kRecPend, S::kInRecPend,
              S::kReady}) {
    add(s, T::kBgn, S::kInConnPend, "");         // p.43, 47, 51, 55, 59, 61
    add(s, T::kBgrej, S::kIdle, "D");            // p.43, 46, 49, 53, 57, 62
    add(s, T::kEnd, S::kIdle, "", {T::kEndak});  // p.43, 46, 49, 53, 56, 62
    add(s, T::kEndak, S::kIdle, "F");            // p.43, 46, 49, 53, 57, 62
  }
  // 5 Outgoing Resynchronization Pending (p.43-45)
  add(S::kOutResyncPend, T::kRs, S::kReady, "", {T::kRsak});  // p.45
  add(S::kOutResyncPend, T::kRsak, S::kReady, "");            // p.45
  for (T t : {T::kBgak, T::kEr, T::kErak, T::kSd, T::kPoll, T::kStat, T::kUstat}) {
    add(S::kOutResyncPend, t, S::kOutResyncPend, "");  // p.43-45
  }
  // 6 Incoming Resynchronization Pending (p.46-48)
  add(S::kInResyncPend, T::kBgak, S::kInResyncPend, "C");      // p.48
  add(S::kInResyncPend, T::kRs, S::kInResyncPend, "J");        // p.48
  add(S::kInResyncPend, T::kRsak, S::kInResyncPend, "K");      // p.48
  add(S::kInResyncPend, T::kEr, S::kInResyncPend, "L");        // p.47
  add(S::kInResyncPend, T::kErak, S::kInResyncPend, "M");      // p.48
  add(S::kInResyncPend, T::kSd, S::kIdle, "A", {T::kEnd});     // p.47
  add(S::kInResyncPend, T::kPoll, S::kIdle, "G", {T::kEnd});   // p.47
  add(S::kInResyncPend, T::kStat, S::kIdle, "H", {T::kEnd});   // p.47
  add(S::kInResyncPend, T::kUstat, S::kIdle, "I", {T::kEnd});  // p.47
  // 7 Outgoing Recovery Pending (p.49-52)
  add(S::kOutRecPend, T::kBgak, S::kOutRecPend, "C");        // p.49
  add(S::kOutRecPend, T::kRs, S::kInResyncPend, "");         // p.52
  add(S::kOutRecPend, T::kRsak, S::kOutRecPend, "K");        // p.52
  add(S::kOutRecPend, T::kEr, S::kRecPend, "", {T::kErak});  // p.51
  add(S::kOutRecPend, T::kErak, S::kRecPend, "");            // p.49
  for (T t : {T::kSd, T::kPoll, T::kStat, T::kUstat}) add(S::kOutRecPend, t, S::kOutRecPend, "");
  // 8 Recovery Response Pending (p.53-55)
  add(S::kRecPend, T::kBgak, S::kRecPend, "C");           // p.53
  add(S::kRecPend, T::kRs, S::kInResyncPend, "");         // p.54
  add(S::kRecPend, T::kRsak, S::kRecPend, "K");           // p.54
  add(S::kRecPend, T::kEr, S::kRecPend, "L");             // p.55
  add(S::kRecPend, T::kErak, S::kRecPend, "");            // ignored (ngatm)
  add(S::kRecPend, T::kSd, S::kRecPend, "");              // ignored (ngatm)
  add(S::kRecPend, T::kPoll, S::kRecPend, "");            // ignored (ngatm)
  add(S::kRecPend, T::kStat, S::kIdle, "H", {T::kEnd});   // p.55
  add(S::kRecPend, T::kUstat, S::kIdle, "I", {T::kEnd});  // p.55
  // 9 Incoming Recovery Pending (p.56-59)
  add(S::kInRecPend, T::kBgak, S::kInRecPend, "C");         // p.59
  add(S::kInRecPend, T::kRs, S::kInResyncPend, "");         // p.58
  add(S::kInRecPend, T::kRsak, S::kInRecPend, "K");         // p.58
  add(S::kInRecPend, T::kEr, S::kInRecPend, "L");           // p.59
  add(S::kInRecPend, T::kErak, S::kInRecPend, "M");         // p.59
  add(S::kInRecPend, T::kSd, S::kIdle, "A", {T::kEnd});     // p.57
  add(S::kInRecPend, T::kPoll, S::kIdle, "G", {T::kEnd});   // p.57
  add(S::kInRecPend, T::kStat, S::kIdle, "H", {T::kEnd});   // p.57
  add(S::kInRecPend, T::kUstat, S::kIdle, "I", {T::kEnd});  // p.57
  // 10 Data Transfer Ready (p.60-72)
  add(S::kReady, T::kBgak, S::kReady, "");                   // p.60
  add(S::kReady, T::kRs, S::kInResyncPend, "");              // p.62
  add(S::kReady, T::kRsak, S::kReady, "");                   // p.60
  add(S::kReady, T::kEr, S::kInRecPend, "");                 // p.61
  add(S::kReady, T::kErak, S::kReady, "");                   // p.60
  add(S::kReady, T::kSd, S::kReady, "");                     // p.66
  add(S::kReady, T::kPoll, S::kReady, "", {T::kStat});       // p.67
  add(S::kReady, T::kStat, S::kOutRecPend, "R", {T::kEr});   // p.70: no POLL outstanding
  add(S::kReady, T::kUstat, S::kOutRecPend, "T", {T::kEr});  // p.69: N(R) not below VT(S)
  return r;
}

TEST(SscopStateTable, EveryStateTimesEverySignalHasExactlyOneRow) {
  std::map<std::pair<S, G>, int> seen;
  for (const Row& row : Sscop::state_matrix()) {
    ++seen[{row.state, row.signal}];
    SCOPED_TRACE(describe(row));
    EXPECT_NE(row.handler, nullptr);
    EXPECT_FALSE(row.name.empty());
    // A row cites its SDL page, or "-" for the default rows that only trace.
    if (row.sdl == "-") {
      EXPECT_TRUE(row.name == "not_allowed" || row.name == "stale_timer");
    } else {
      EXPECT_EQ(row.sdl.substr(0, 2), "p.");
    }
  }
  for (S s : all_states()) {
    for (std::size_t g = 0; g < kSignalCount; ++g) {
      const G sig = static_cast<G>(g);
      EXPECT_EQ((seen[{s, sig}]), 1) << to_string(s) << " x " << to_string(sig);
    }
  }
  EXPECT_EQ(Sscop::state_matrix().size(), kStateCount * kSignalCount);
}

TEST(SscopStateTable, EveryPduRowDoesWhatQ2110Says) {
  const Expected expected = expected_pdu_outcomes();
  std::size_t checked = 0;
  for (const Row& row : Sscop::state_matrix()) {
    const auto t = pdu_of(row.signal);
    if (!t || *t == T::kSdp) continue;  // SDP cannot be coded in Q.2110: below
    SCOPED_TRACE(describe(row));
    const auto it = expected.find({row.state, *t});
    ASSERT_NE(it, expected.end()) << "no expected outcome for this row";
    Harness h;
    h.to(row.state);
    h.rx(fresh(*t));
    EXPECT_EQ(h.s.state(), it->second.next);
    EXPECT_EQ(h.maa(), it->second.maa);
    EXPECT_EQ(h.sent_types(), it->second.sent);
    ++checked;
  }
  EXPECT_EQ(checked, expected.size()) << "every expected outcome belongs to a row";
}

// The PDU rows through the Q.SAAL1 codec, for the PDUs and states it has (no
// ER/ERAK, so no recovery states).
TEST(SscopStateTable, QSaal1DecidesEveryStateTimesEveryPdu) {
  const std::vector<S> states = {S::kIdle,       S::kOutConnPend,   S::kInConnPend,
                                 S::kOutDisPend, S::kOutResyncPend, S::kInResyncPend,
                                 S::kReady};
  std::size_t checked = 0;
  for (const Row& row : Sscop::state_matrix()) {
    const auto t = pdu_of(row.signal);
    if (!t || *t == T::kEr || *t == T::kErak ||
        std::find(states.begin(), states.end(), row.state) == states.end()) {
      continue;
    }
    SCOPED_TRACE(describe(row));
    Params p;
    p.mode = Mode::kQSaal1;
    Harness h(p);
    h.to(row.state);
    Pdu x = fresh(*t);
    if (*t == T::kSdp) {
      x.type = T::kSdp;
      x.ps = 1;
    }
    h.rx(x);  // must not crash; every output decodes in Q.SAAL1
    for (const auto& a : h.out) {
      if (auto* sp = std::get_if<SendPdu>(&a)) {
        EXPECT_TRUE(std::holds_alternative<Pdu>(decode(sp->bytes, Mode::kQSaal1)));
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, states.size() * 14);
}

// Every primitive row: next state and PDUs sent. Rows not listed in `changes`
// leave the state unchanged, send nothing and give a Trace.
TEST(SscopStateTable, EveryPrimitiveRowDoesWhatQ2110Says) {
  const std::map<G, Event> events = {
      {G::kEstablishRequest, AaEstablishRequest{}},
      {G::kEstablishResponse, AaEstablishResponse{}},
      {G::kReleaseRequest, AaReleaseRequest{}},
      {G::kDataRequest, AaDataRequest{{1, 2, 3}}},
      {G::kUnitdataRequest, AaUnitdataRequest{{4}}},
      {G::kResyncRequest, AaResyncRequest{}},
      {G::kResyncResponse, AaResyncResponse{}},
      {G::kRecoverResponse, AaRecoverResponse{}},
      {G::kRetrieveRequest, AaRetrieveRequest{}},
      {G::kMaaUnitdataRequest, MaaUnitdataRequest{{5}}},
  };
  struct Change {
    S next;
    std::vector<T> sent;
  };
  std::map<std::pair<S, G>, Change> changes = {
      {{S::kIdle, G::kEstablishRequest}, {S::kOutConnPend, {T::kBgn}}},
      {{S::kOutConnPend, G::kReleaseRequest}, {S::kOutDisPend, {T::kEnd}}},
      {{S::kInConnPend, G::kEstablishResponse}, {S::kReady, {T::kBgak}}},
      {{S::kInConnPend, G::kReleaseRequest}, {S::kIdle, {T::kBgrej}}},
      {{S::kOutDisPend, G::kEstablishRequest}, {S::kOutConnPend, {T::kBgn}}},
      {{S::kOutResyncPend, G::kReleaseRequest}, {S::kOutDisPend, {T::kEnd}}},
      {{S::kInResyncPend, G::kReleaseRequest}, {S::kOutDisPend, {T::kEnd}}},
      {{S::kInResyncPend, G::kResyncResponse}, {S::kReady, {T::kRsak}}},
      {{S::kOutRecPend, G::kReleaseRequest}, {S::kOutDisPend, {T::kEnd}}},
      {{S::kOutRecPend, G::kResyncRequest}, {S::kOutResyncPend, {T::kRs}}},
      {{S::kRecPend, G::kReleaseRequest}, {S::kOutDisPend, {T::kEnd}}},
      {{S::kRecPend, G::kResyncRequest}, {S::kOutResyncPend, {T::kRs}}},
      {{S::kRecPend, G::kRecoverResponse}, {S::kReady, {}}},
      {{S::kInRecPend, G::kReleaseRequest}, {S::kOutDisPend, {T::kEnd}}},
      {{S::kInRecPend, G::kResyncRequest}, {S::kOutResyncPend, {T::kRs}}},
      {{S::kInRecPend, G::kRecoverResponse}, {S::kReady, {T::kErak}}},
      {{S::kReady, G::kReleaseRequest}, {S::kOutDisPend, {T::kEnd}}},
      {{S::kReady, G::kResyncRequest}, {S::kOutResyncPend, {T::kRs}}},
      {{S::kReady, G::kDataRequest}, {S::kReady, {T::kSd}}},
  };
  for (S s : all_states()) {
    changes[{s, G::kUnitdataRequest}] = {s, {T::kUd}};
    changes[{s, G::kMaaUnitdataRequest}] = {s, {T::kMd}};
  }
  // AA-DATA.request is queued only in Ready (p.63) and, with Clear-Buffers =
  // no, in OutRecPend (p.49); the harness establishes with BR = yes.
  const std::vector<S> queues_data = {};
  // AA-RETRIEVE.request: p.33, 39, 42, 48, 53, 58.
  const std::vector<S> retrieves = {S::kIdle,         S::kInConnPend, S::kOutDisPend,
                                    S::kInResyncPend, S::kRecPend,    S::kInRecPend};
  std::size_t checked = 0;
  for (const Row& row : Sscop::state_matrix()) {
    if (!is_primitive(row.signal)) continue;
    const S s = row.state;
    const G sig = row.signal;
    SCOPED_TRACE(describe(row));
    Harness h;
    h.to(s);
    ASSERT_EQ(events.count(sig), 1u);
    h.in(events.at(sig));
    auto it = changes.find({s, sig});
    const bool queued = sig == G::kDataRequest &&
                        std::find(queues_data.begin(), queues_data.end(), s) != queues_data.end();
    const bool retrieved = sig == G::kRetrieveRequest &&
                           std::find(retrieves.begin(), retrieves.end(), s) != retrieves.end();
    if (it != changes.end()) {
      EXPECT_EQ(h.s.state(), it->second.next);
      EXPECT_EQ(h.sent_types(), it->second.sent);
    } else {
      EXPECT_EQ(h.s.state(), s);
      EXPECT_TRUE(h.sent().empty());
      if (queued) {
        EXPECT_EQ(h.s.transmission_queue_size(), 1u);
      } else if (retrieved) {
        EXPECT_EQ(h.count<AaRetrieveCompleteIndication>(), 1);
      } else {
        EXPECT_EQ(h.count<Trace>(), 1) << "a refused signal is traced";
      }
    }
    EXPECT_EQ(h.maa(), "");
    ++checked;
  }
  EXPECT_EQ(checked, kStateCount * 10);
}

// Timer rows: a timer running when a state is entered has a real handler
// there (not the stale-timer default), and the retransmission timers do what
// Q.2110 says when they fire (p.35, 41, 44, 50; Ready p.63).
TEST(SscopStateTable, TimerRows) {
  const std::map<std::pair<S, G>, Outcome> fires = {
      {{S::kOutConnPend, G::kTimerCc}, {S::kOutConnPend, "", {T::kBgn}}},
      {{S::kOutDisPend, G::kTimerCc}, {S::kOutDisPend, "", {T::kEnd}}},
      {{S::kOutResyncPend, G::kTimerCc}, {S::kOutResyncPend, "", {T::kRs}}},
      {{S::kOutRecPend, G::kTimerCc}, {S::kOutRecPend, "", {T::kEr}}},
      {{S::kReady, G::kTimerPoll}, {S::kReady, "", {T::kPoll}}},
  };
  std::size_t fired = 0;
  for (const Row& row : Sscop::state_matrix()) {
    if (!is_timer(row.signal)) continue;
    SCOPED_TRACE(describe(row));
    Harness h;
    h.to(row.state);
    const auto t = static_cast<Timer>(static_cast<std::size_t>(row.signal) -
                                      static_cast<std::size_t>(G::kTimerCc));
    ASSERT_EQ(signal_of(t), row.signal);
    if (h.s.timer_running(t)) {
      EXPECT_NE(row.name, "stale_timer");
    }
    const auto it = fires.find({row.state, row.signal});
    if (it == fires.end()) continue;
    h.fire_next();
    EXPECT_EQ(h.s.state(), it->second.next);
    EXPECT_EQ(h.maa(), it->second.maa);
    EXPECT_EQ(h.sent_types(), it->second.sent);
    ++fired;
  }
  EXPECT_EQ(fired, fires.size());
}

TEST(SscopStateTable, MalformedPduInEveryStateIsMaaErrorU) {
  const std::vector<Bytes> bad = {{},
                                  {1},
                                  {0, 0, 0, 0},
                                  {0x02, 0, 0, 0},
                                  {0x4d, 0, 0, 0},
                                  {0, 0, 0, 1, 0, 0, 0, 2, 0x0c, 0, 0, 0}};
  for (S s : all_states()) {
    for (const auto& b : bad) {
      Harness h;
      h.to(s);
      h.rx_bytes(b);
      EXPECT_EQ(h.s.state(), s);
      EXPECT_EQ(h.maa(), "U");
      EXPECT_TRUE(h.sent().empty());
      EXPECT_EQ(h.s.stats().malformed, 1u);
    }
  }
}

}  // namespace
}  // namespace atmsigd::sscop::test
