// The engine's faces to call control (issue 13, session 12): call control
// appends what is for the shell (link PDUs, link states, log events) straight
// into the engine's action list and keeps its CcEvents apart
// (CallControl::handle_split). Each list keeps call control's order, the
// router names the entity of what it passes on, a stand-in's single list is
// split, and the engine's levels still decide which log events the shell sees.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "../support/engine_pair.hpp"
#include "atmsigd/atmsvc/cc_outputs.hpp"
#include "atmsigd/callctl/entity_router.hpp"
#include "atmsigd/engine/engine.hpp"
#include "atmsigd/kernel_emu/kernel_model.hpp"
#include "atmsigd/log/format.hpp"

namespace atmsigd::test {
namespace {

using namespace atmsvc;

const log::Levels kAll = log::Levels::all();

// A stand-in that answers every input with one list mixing all kinds.
struct Mixed final : CallControl {
  void handle(const NetInput&, TimePoint, std::vector<NetOutput>& out) override {
    out.push_back(ToLink{0, Bytes{1}});
    out.push_back(CcReleased{7, -1});
    out.push_back(log::Event{log::Id::kShuttingDown, {}});
    out.push_back(LinkState{0, true});
    out.push_back(ToLink{0, Bytes{2}});
    out.push_back(CcIncomingGone{9});
  }
  void handle_timeouts(TimePoint, std::vector<NetOutput>&) override {}
  std::optional<TimePoint> next_deadline() const override { return std::nullopt; }
  std::size_t call_count() const override { return 0; }
};

// What is for the shell, as text: "link E b0", "state E up", "log ID".
std::string shell_of(const Action& a) {
  if (const auto* l = std::get_if<ToLink>(&a))
    return "link " + std::to_string(l->entity) + " " + std::to_string(l->pdu.size()) + ":" +
           (l->pdu.empty() ? std::string() : std::to_string(l->pdu.front()));
  if (const auto* s = std::get_if<LinkState>(&a))
    return "state " + std::to_string(s->entity) + (s->up ? " up" : " down");
  if (const auto* e = std::get_if<log::Event>(&a)) return "log " + log::format(*e);
  return "other";
}
std::string shell_of(const NetOutput& o) {
  if (const auto* l = std::get_if<ToLink>(&o)) return shell_of(Action(*l));
  if (const auto* s = std::get_if<LinkState>(&o)) return shell_of(Action(*s));
  if (const auto* e = std::get_if<log::Event>(&o)) return shell_of(Action(*e));
  return "event";
}

TEST(CallControlFaces, StandInsSingleListIsSplit_EachListInItsOrder) {
  Mixed cc;
  std::vector<NetOutput> events{CcReleased{1, 0}};  // what was there stays
  std::vector<Action> actions(1, Action(Handled{}));
  CcOutputs out{events, actions};
  cc.handle_split(StartLinks{}, TimePoint{}, out);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(std::get<CcReleased>(events[0]).sock, 1u);
  EXPECT_EQ(std::get<CcReleased>(events[1]).sock, 7u);
  EXPECT_EQ(std::get<CcIncomingGone>(events[2]).call, 9u);
  ASSERT_EQ(actions.size(), 5u);
  EXPECT_TRUE(std::holds_alternative<Handled>(actions[0]));
  EXPECT_EQ(shell_of(actions[1]), "link 0 1:1");
  EXPECT_EQ(std::get<log::Event>(actions[2]).id, log::Id::kShuttingDown);
  EXPECT_EQ(shell_of(actions[3]), "state 0 up");
  EXPECT_EQ(shell_of(actions[4]), "link 0 1:2");
  // A request by the default path too.
  events.clear();
  actions.clear();
  cc.handle_request_split(CcRelease{3}, TimePoint{}, out);
  EXPECT_EQ(events.size(), 2u);
  EXPECT_EQ(actions.size(), 4u);
}

std::vector<callctl::EntitySpec> two_entities(const log::Levels* levels) {
  std::vector<callctl::EntitySpec> specs;
  for (const char* name : {"0.0.5", "1.0.5"}) {
    auto p = callctl::UniParams::defaults(callctl::Side::kUser, q2931::Version::kUni40);
    p.levels = levels;
    p.itf = name[0] - '0';
    specs.push_back(callctl::EntitySpec{name, p, {}, name[0] == '0'});
  }
  return specs;
}

// The router's two faces give the shell the same outputs in the same order,
// entity i's named i (its Uni says 0), and the same CcEvents.
TEST(CallControlFaces, TwoEntities_SplitFaceEqualsSingleList_EntityRetagged) {
  callctl::EntityRouter single(two_entities(&kAll));
  callctl::EntityRouter split(two_entities(&kAll));
  std::vector<std::string> want, got;
  auto run = [&](const NetInput& in, TimePoint now) {
    std::vector<NetOutput> one;
    single.handle(in, now, one);
    std::size_t single_events = 0;
    for (const auto& o : one) {
      if (is_cc_event(o))
        ++single_events;
      else
        want.push_back(shell_of(o));
    }
    std::vector<NetOutput> events;
    std::vector<Action> actions;
    CcOutputs out{events, actions};
    split.handle_split(in, now, out);
    for (const auto& a : actions) got.push_back(shell_of(a));
    EXPECT_EQ(events.size(), single_events);
    for (const auto& e : events) EXPECT_TRUE(is_cc_event(e));
  };
  run(StartLinks{}, TimePoint{});
  // Entity 1's BGN answered by the peer (BGAK: its link comes up).
  const Bytes bgak{0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0, 0, 0};
  run(LinkPdu{1, ByteView(bgak)}, TimePoint{});
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(got, want);
  bool entity1 = false;
  for (const auto& g : got) entity1 |= g.rfind("link 1 ", 0) == 0;
  EXPECT_TRUE(entity1) << "entity 1's BGN must name entity 1";
}

// Through the engine: Start gives each entity's BGN, named by its entity.
TEST(EngineFaces, TwoEntities_EachLinksPduNamesItsEntity) {
  SocketTable table{SocketTableParams{seconds(10), false, &kAll}};
  callctl::EntityRouter cc(two_entities(&kAll));
  engine::Engine eng(table, cc, &kAll);
  std::vector<engine::Action> out;
  eng.handle(engine::Start{}, TimePoint{}, out);
  std::vector<std::size_t> entities;
  for (const auto& a : out)
    if (const auto* l = std::get_if<engine::ToLink>(&a)) entities.push_back(l->entity);
  EXPECT_EQ(entities, (std::vector<std::size_t>{0, 1}));
}

// Call control's log events were made for its levels; the shell sees only
// those the engine's levels want (here call control wants every one, the
// engine the default: no debug event may reach the shell).
TEST(EngineFaces, CallControlsLogEventsFilteredByTheEnginesLevels) {
  const log::Levels info;  // the default: info and up
  auto count_debug = [&](const log::Levels* engine_levels) {
    SocketTable table{SocketTableParams{seconds(10), false, &kAll}};
    callctl::EntityRouter cc(two_entities(&kAll));
    engine::Engine eng(table, cc, engine_levels);
    std::vector<engine::Action> out;
    eng.handle(engine::Start{}, TimePoint{}, out);
    std::size_t debug = 0;
    for (const auto& a : out)
      if (const auto* e = std::get_if<log::Event>(&a)) debug += !info.enabled(e->id);
    return debug;
  };
  ASSERT_GT(count_debug(&kAll), 0u) << "the test needs a debug event from call control";
  EXPECT_EQ(count_debug(&info), 0u);
}

// A request (as_connect) whose outputs make the action list that holds it
// grow: call control reads the request after appending (the engine hands it
// a copy). The SETUP that reaches B carries the called address.
TEST(EngineFaces, RequestWhoseOutputsMoveTheActionList) {
  EnginePair w(q2931::Version::kUni40, kAll);
  w.start();
  w.frame(w.b, listen_frame(0x10));
  const Message connect = connect_frame(0x100);
  w.a.out = {};  // no capacity: every action appended moves the list
  w.frame(w.a, connect);
  ASSERT_FALSE(w.b.to_kernel.empty());
  const Message& ind = w.b.to_kernel.back();
  ASSERT_EQ(ind.type(), as_indicate);
  // The called party (as_indicate's local) is the one as_connect named.
  EXPECT_EQ(0, std::memcmp(&ind.raw().local.sas_addr, &connect.raw().svc.sas_addr,
                           sizeof(connect.raw().svc.sas_addr)));
}

}  // namespace
}  // namespace atmsigd::test
