// The deadline the shell asks at the end of every turn (Engine::earliest_deadline,
// through the router, the Unis, their timer queues and SSCOP, and the socket
// table) in virtual time: a run driven only by the reported deadlines must
// see every timer exactly when a run that polls every millisecond does
// (a deadline missed or late moves a PDU in time or loses it), and a
// timeout must leave no deadline at or before its time (a stale one would
// spin the shell's loop). Timers started by a kernel frame (as_connect: the
// SETUP's T303 and SSCOP's poll timer), by link PDUs, by timeouts (T303's
// second SETUP, SSCOP's retries on a cut link), stopped (answers, releases),
// with one entity and with two.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "../callctl/harness.hpp"
#include "atmsigd/callctl/entity_router.hpp"
#include "atmsigd/engine/engine.hpp"

namespace atmsigd::callctl::test {
namespace {

using atmsvc::Message;

constexpr atmsvc::Vcc kL = 0x10, kN = 0x20, kC = 0x30;

std::optional<TimePoint> as_optional(TimePoint d) {
  if (d == TimePoint::max()) return std::nullopt;
  return d;
}

// The demon in switch mode (engine, socket table, router of `entities`
// network-side Unis) and a user-side Uni on each link.
struct World {
  World(std::size_t entities, bool poll) : polling(poll), router(specs(entities)) {
    eng = std::make_unique<engine::Engine>(table, router);
    for (std::size_t i = 0; i < entities; ++i) {
      users.push_back(std::make_unique<UniEnd>(UniParams::defaults(Side::kUser, Version::kUni30)));
      users.back()->start(now);
    }
    cut.assign(entities, false);
    feed(engine::Start{});
    advance(100ms);
  }
  static std::vector<EntitySpec> specs(std::size_t n) {
    std::vector<EntitySpec> v;
    for (std::size_t i = 0; i < n; ++i) {
      v.push_back(EntitySpec{"0.0." + std::to_string(5 + i), switch_params(), {}, i == 0});
    }
    return v;
  }

  bool polling;
  TimePoint now{};
  atmsvc::SocketTable table{switch_table_params()};
  EntityRouter router;
  std::unique_ptr<engine::Engine> eng;
  std::vector<std::unique_ptr<UniEnd>> users;
  std::vector<bool> cut;                       // link i loses every PDU
  std::vector<std::vector<Bytes>> demon_pdus;  // [entity], not yet delivered
  std::vector<std::string> trace;  // what crossed a link or went to the controller, when
  std::vector<Message> to_ctl;

  void note(const std::string& what, const Bytes& b) {
    std::string s = std::to_string((now - TimePoint{}) / 1us) + "us " + what;
    char hex[4];
    for (auto c : b) {
      std::snprintf(hex, sizeof hex, "%02x", static_cast<unsigned>(c));
      s += hex;
    }
    trace.push_back(std::move(s));
  }
  void take(std::vector<engine::Action>& out) {
    for (auto& a : out) {
      if (auto* k = std::get_if<engine::ToKernel>(&a)) {
        trace.push_back(std::to_string((now - TimePoint{}) / 1us) + "us ctl " + k->msg.summary());
        to_ctl.push_back(k->msg);
      } else if (auto* l = std::get_if<engine::ToLink>(&a)) {
        if (demon_pdus.size() <= l->entity) demon_pdus.resize(l->entity + 1);
        demon_pdus[l->entity].push_back(std::move(l->pdu));
      }
    }
    out.clear();
  }
  void feed(const engine::Input& in) {
    std::vector<engine::Action> out;
    eng->handle(in, now, out);
    take(out);
    check();
  }
  // The two forms of the deadline agree; nothing due is left behind.
  void check() {
    const TimePoint d = eng->earliest_deadline();
    EXPECT_EQ(as_optional(d), eng->next_deadline());
    EXPECT_EQ(as_optional(router.earliest_deadline()), router.next_deadline());
    for (std::size_t i = 0; i < router.size(); ++i)
      EXPECT_EQ(as_optional(router.uni(i).earliest_deadline()), router.uni(i).next_deadline());
    for (auto& u : users)
      EXPECT_EQ(as_optional(u->uni.earliest_deadline()), u->uni.next_deadline());
  }
  void pump() {
    for (int rounds = 0; rounds < 10000; ++rounds) {
      bool any = false;
      for (std::size_t i = 0; i < users.size(); ++i) {
        std::vector<Bytes> from_demon;
        if (i < demon_pdus.size()) from_demon = std::exchange(demon_pdus[i], {});
        for (auto& p : from_demon) {
          any = true;
          note("d" + std::to_string(i) + ">", p);
          if (!cut[i]) users[i]->rx(p, now);
        }
        for (auto& p : users[i]->take_pdus()) {
          any = true;
          note("u" + std::to_string(i) + ">", p);
          if (!cut[i]) feed(engine::LinkPdu{i, ByteView(p)});
        }
      }
      if (!any) return;
    }
    ADD_FAILURE() << "links never went quiet";
  }
  void demon_timeouts() {
    std::vector<engine::Action> out;
    eng->handle_timeouts(now, out);
    take(out);
    check();
  }
  void advance(Duration d) {
    const TimePoint end = now + d;
    pump();
    if (polling) {
      // The oracle: every millisecond, whatever the deadlines say (the
      // users' Unis fire their timers without looking at their deadline).
      while (now + 1ms <= end) {
        now += 1ms;
        demon_timeouts();
        for (auto& u : users) u->timeouts(now);
        pump();
      }
    } else {
      for (int i = 0; i < 1000000; ++i) {
        pump();
        TimePoint next = eng->earliest_deadline();
        for (auto& u : users) next = std::min(next, u->uni.earliest_deadline());
        if (next > end) break;
        if (next > now) now = next;
        if (eng->earliest_deadline() <= now) {
          demon_timeouts();
          EXPECT_GT(eng->earliest_deadline(), now) << "a timeout left a deadline due";
        }
        for (auto& u : users)
          if (u->uni.earliest_deadline() <= now) {
            u->timeouts(now);
            EXPECT_GT(u->uni.earliest_deadline(), now) << "a timeout left a deadline due";
          }
      }
    }
    now = end;
    pump();
  }
  void ctl(const Message& m) {
    const Bytes b = atmsvc::encode(m);
    feed(engine::KernelFrame{ByteView(b)});
    pump();
  }
  void user_req(std::size_t i, const atmsvc::CcRequest& r) {
    users[i]->request(r, now);
    pump();
  }
  std::vector<CcIncoming> incoming(std::size_t i) {
    return events_of<CcIncoming>(std::exchange(users[i]->events, {}));
  }
};

Message connect_msg(atmsvc::Vcc vcc, int vci) {
  Message c(as_connect);
  c.set_vcc(vcc);
  c.raw().svc = nsap(1);
  c.raw().local = nsap(0x33);
  c.raw().qos = ubr();
  c.raw().pvc = pvc(0, vci);
  return c;
}

// One scenario, the same inputs at the same times in both runs.
void scenario(World& w) {
  const std::size_t last = w.users.size() - 1;
  w.ctl(listen_msg(kL));  // a kernel frame that starts no timer
  w.advance(1500ms);      // SSCOP's keep-alive polls
  // A call from the user side (timers started by link PDUs), identified and
  // accepted by the controller (kernel frames that stop them).
  w.user_req(0, connect_req(1));
  w.advance(7ms);
  Message id = two_vccs(as_identify, kN, kL);
  id.raw().pvc = pvc(0, 321);
  w.ctl(id);
  w.advance(3ms);
  w.ctl(two_vccs(as_accept, kN, kL));
  w.advance(2200ms);
  // A call from the controller on the last link (T303 started by a kernel
  // frame) while that link loses every PDU: T303 fires (timeouts restart
  // it), SSCOP retries and gives up on the link.
  w.cut[last] = true;
  w.ctl(connect_msg(kC, 4000));
  w.advance(5300ms);
  w.user_req(0, CcRelease{1});  // the first call released (T308 on the user side)
  w.advance(9700ms);
  w.cut[last] = false;
  w.advance(3000ms);
  // Another call from the controller, answered after a while: T303 started
  // by a kernel frame, stopped by a link PDU.
  w.ctl(connect_msg(kC + 1, 4001));
  w.advance(1200ms);
  for (const auto& inc : w.incoming(last)) w.user_req(last, CcAccept{inc.call, 202});
  w.advance(12s);
}

void compare_runs(std::size_t entities) {
  World polled(entities, true);
  scenario(polled);
  World driven(entities, false);
  scenario(driven);
  EXPECT_GT(polled.trace.size(), 30u);
  ASSERT_EQ(polled.trace.size(), driven.trace.size());
  for (std::size_t i = 0; i < polled.trace.size(); ++i)
    ASSERT_EQ(polled.trace[i], driven.trace[i]) << "entry " << i;
}

TEST(Deadline, DrivenByDeadlinesSeesWhatPollingSees_OneEntity) {
  compare_runs(1);
}

TEST(Deadline, DrivenByDeadlinesSeesWhatPollingSees_TwoEntities) {
  compare_runs(2);
}

// The timer queues' kept earliest deadline against a search of every live
// entry, through pushes (one with the clock gone back), stops and expiries.
TEST(Deadline, TimerQueuesKeepTheirEarliestDeadline) {
  TimerQueues<4> q;
  EXPECT_EQ(q.earliest_deadline(), TimePoint::max());
  const auto least = [&] {
    TimePoint d = TimePoint::max();
    for (std::size_t k = 0; k < 4; ++k)
      if (q.size(k) != 0) d = std::min(d, q.front(k).when);
    return d;
  };
  std::uint32_t key = 0;
  TimePoint t{};
  for (int round = 0; round < 200; ++round) {
    const std::size_t kind = static_cast<std::size_t>(round * 7 % 4);
    t += std::chrono::milliseconds(round % 5);
    const TimePoint when = round == 57 ? t - 3s : t + std::chrono::seconds(kind + 1);
    q.push(kind, when, ++key);
    ASSERT_EQ(q.earliest_deadline(), least()) << round;
    if (round % 3 == 0) {
      const std::size_t k = static_cast<std::size_t>(round % 4);
      if (q.size(k) != 0) q.pop(k);
      ASSERT_EQ(q.earliest_deadline(), least()) << round;
    }
    if (round % 11 == 0) {
      if (auto e = q.earliest()) q.pop(*e);
      ASSERT_EQ(q.earliest_deadline(), least()) << round;
    }
  }
  while (auto e = q.earliest()) {
    q.pop(*e);
    ASSERT_EQ(q.earliest_deadline(), least());
  }
  EXPECT_EQ(q.earliest_deadline(), TimePoint::max());
}

}  // namespace
}  // namespace atmsigd::callctl::test
