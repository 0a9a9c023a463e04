#include "atmsigd/engine/engine.hpp"

#include <algorithm>

#include "atmsigd/atmsvc/cc_outputs.hpp"
#include "atmsigd/util/variant_index.hpp"

namespace atmsigd::engine {

using namespace atmsvc;

namespace {
const log::Levels kDefaultLevels;

// The index of alternative T in Action, for a switch (no chain of get_ifs).
template <class T>
constexpr std::size_t variant_index = index_in<T, Action>();

// Stop: RELEASE COMPLETEs awaited this long, then END; ENDAK awaited until
// kDrainFor after the Stop. Bounded, so a dead peer cannot hold the exit.
constexpr auto kReleasesFor = std::chrono::milliseconds(500);
constexpr auto kDrainFor = std::chrono::milliseconds(1000);
}  // namespace

Engine::Engine(SocketTable& table, CallControl& cc, const log::Levels* levels)
    : table_(table),
      cc_(cc),
      levels_(levels != nullptr ? *levels : kDefaultLevels),
      filter_cc_logs_(cc.log_levels() != &levels_) {}

void Engine::handle(const Input& in, TimePoint now, std::vector<Action>& out) {
  std::visit([&](const auto& x) { on(x, now, out); }, in);
  if (stop_ == StopPhase::kAwaitReleases || stop_ == StopPhase::kAwaitEnd) drain(now, out);
}

// The frame is decoded once: the same Message is logged and dispatched.
void Engine::on(const KernelFrame& f, TimePoint now, std::vector<Action>& out) {
  if (stopping()) return;
  auto d = decode(f.bytes);
  if (d.msg) ++kernel_.frames_in[KernelCounters::index(d.msg->type())];
  if (d.msg && levels_.enabled(log::Id::kFromKernel))
    log::emit(levels_, out, log::Id::kFromKernel, d.msg->summary());
  const std::size_t head = out.size();
  if (d.msg)
    table_.from_kernel(*d.msg, now, out);
  else
    table_.from_kernel(f.bytes, now, out);  // the table names what is wrong
  run(head, now, out);
}

void Engine::on(const LinkPdu& p, TimePoint now, std::vector<Action>& out) {
  if (stop_ == StopPhase::kStopped) return;
  to_call_control(p, now, out);
}

void Engine::on(const LocalAddresses& a, TimePoint now, std::vector<Action>& out) {
  if (stopping()) return;
  to_call_control(a, now, out);  // the entities of interface a.itf
  const std::size_t head = out.size();
  table_.handle(SetLocalAddresses{a.itf, a.addrs}, now, out);
  run(head, now, out);
}

// Today's kernels refuse a reply for a socket that is not in their VCC table
// yet (docs/kernel.md): that socket never learns the answer, and what the demon
// holds for it (a listener, a call just established) would stay for good. Such
// a socket is treated as closed by the kernel: a listener is dropped, a call is
// released on the wire.
void Engine::on(const ReplyRefused& r, TimePoint now, std::vector<Action>& out) {
  if (stopping()) return;
  Vcc vcc = 0;
  if (r.msg.type() == as_okay)
    vcc = r.msg.vcc();
  else if (r.msg.type() == as_indicate)
    vcc = r.msg.listen_vcc();
  ++kernel_.replies_refused;
  if (vcc == 0 || !table_.state_of(vcc)) return;
  log::emit(levels_, out, log::Id::kReplyRefused, log::Hex{vcc});
  Message close(as_close);
  close.set_vcc(vcc);
  const std::size_t head = out.size();
  table_.handle(FromKernel{close}, now, out);
  run(head, now, out);
}

// The shell's queue to the user of signaling passed its high mark (or fell
// back): the socket table refuses new incoming calls meanwhile, and call
// control holds RESTART ACKNOWLEDGE until the kernel has read what ends the
// calls a RESTART cleared (Q.2931 §5.5.2, T317).
void Engine::on(const UserStalled& s, TimePoint now, std::vector<Action>& out) {
  const std::size_t head = out.size();
  table_.handle(s, now, out);
  run(head, now, out);
  if (!stopping()) to_call_control(KernelStalled{s.stalled}, now, out);
}

void Engine::on(const Restart& r, TimePoint now, std::vector<Action>& out) {
  if (stopping()) return;
  const std::size_t n = cc_.link_count();
  for (std::size_t i = 0; i < n; ++i)
    if (!r.entity || *r.entity == i) to_call_control(RestartVcs{i, r.vc, r.vpc}, now, out);
}

bool Engine::release_call(std::size_t entity, std::uint32_t cref, bool outgoing, std::uint8_t cause,
                          TimePoint now, std::vector<Action>& out) {
  if (stopping()) return false;
  net_.clear();
  if (!cc_.release_call(entity, cref, outgoing, cause, now, net_)) return false;
  from_call_control(net_, now, out);
  return true;
}

void Engine::on(const Start&, TimePoint now, std::vector<Action>& out) {
  to_call_control(StartLinks{}, now, out);
}

void Engine::on(const Stop& s, TimePoint now, std::vector<Action>& out) {
  if (stopping()) return;
  log::emit(levels_, out, log::Id::kShuttingDown, s.why);
  const std::size_t head = out.size();
  table_.handle(ShutdownAll{}, now, out);
  run(head, now, out);  // the RELEASEs of the calls just cleared go out too
  bool any_up = false;
  for (std::size_t i = 0; i < cc_.link_count(); ++i) any_up |= cc_.link_up(i);
  if (!any_up) {
    // Nothing to drain, but call control still holds the calls just released
    // (their RELEASEs wait for a link that never came) and keeps asking for
    // its link: StopLinks makes it forget both, as at the end of a drain.
    stop_ = StopPhase::kAwaitEnd;
    to_call_control(StopLinks{}, now, out);
    stop_ = StopPhase::kStopped;
    out.emplace_back(Stopped{});
    return;
  }
  // Q.2931: the peer clears at once instead of after NO-RESPONSE + T309.
  stop_ = StopPhase::kAwaitReleases;
  release_by_ = now + kReleasesFor;
  drain_until_ = now + kDrainFor;
}

void Engine::drain(TimePoint now, std::vector<Action>& out) {
  if (stop_ == StopPhase::kAwaitReleases && (cc_.call_count() == 0 || now >= release_by_)) {
    if (cc_.call_count() != 0) log::emit(levels_, out, log::Id::kCallsHeldAtExit, cc_.call_count());
    stop_ = StopPhase::kAwaitEnd;
    to_call_control(StopLinks{}, now, out);  // END on every link
  }
  if ((stop_ == StopPhase::kAwaitEnd && cc_.links_idle()) || now >= drain_until_) {
    stop_ = StopPhase::kStopped;
    out.emplace_back(Stopped{});
  }
}

void Engine::handle_timeouts(TimePoint now, std::vector<Action>& out) {
  if (stop_ == StopPhase::kStopped) return;
  if (!stopping()) {
    const std::size_t head = out.size();
    table_.handle_timeouts(now, out);
    run(head, now, out);
  }
  net_.clear();
  cc_.handle_timeouts(now, net_);
  from_call_control(net_, now, out);
  if (stopping()) drain(now, out);
}

TimePoint Engine::earliest_deadline() const {
  // Every turn of the shell's loop: plain time points, TimePoint::max() for
  // none, so the two cores' answers compare without optionals.
  if (stop_ == StopPhase::kRunning) [[likely]]
    return std::min(cc_.earliest_deadline(), table_.earliest_deadline());
  const auto d = next_deadline();
  return d ? *d : TimePoint::max();
}

std::optional<TimePoint> Engine::next_deadline() const {
  switch (stop_) {
    case StopPhase::kRunning: {
      // Every turn of the shell's loop: the two compared in place (earliest()
      // moved both optionals through the stack).
      const auto c = cc_.next_deadline();
      const auto t = table_.next_deadline();
      if (!t) return c;
      if (!c || *t < *c) return t;
      return c;
    }
    case StopPhase::kAwaitReleases:
      return earliest(cc_.next_deadline(), std::optional<TimePoint>(release_by_));
    case StopPhase::kAwaitEnd:
      return earliest(cc_.next_deadline(), std::optional<TimePoint>(drain_until_));
    case StopPhase::kStopped:
      return std::nullopt;
  }
  return std::nullopt;
}

void Engine::run(std::size_t head, TimePoint now, std::vector<Action>& out) {
  // Breadth-first, in place, in order: an action's consequences are appended
  // behind the actions already there, so kernel frames leave in the order the
  // table decided them and link PDUs in the order call control made them (a
  // PDU may now follow a frame decided before it was made: the shell flushes
  // both once per turn). The table appends to `out` itself, which may move
  // its storage: an action is found again by its index after each call.
  // run() is never re-entered (call control does not call the engine).
  auto& net = run_net_;
  for (; head < out.size(); ++head) {
    switch (out[head].index()) {
      case variant_index<ToKernel>: {
        const Message& m = std::get_if<ToKernel>(&out[head])->msg;
        ++kernel_.frames_out[KernelCounters::index(m.type())];
        // Debug only: the line comes behind what is queued (the text is made
        // before the event is appended).
        if (levels_.enabled(log::Id::kToKernel))
          log::emit(levels_, out, log::Id::kToKernel, m.summary());
        break;
      }
      case variant_index<ToCallControl>: {
        net.clear();
        // Call control appends what is for the shell to `out` itself, which
        // may move its storage: the request is copied out first. It stays
        // in the list (the shell skips it): a variant's emplace would cost
        // a visit of the alternative it replaces. What call control
        // appended (link PDUs, log events) is met by this loop in turn.
        std::visit([this](const auto& r) { req_.emplace<std::decay_t<decltype(r)>>(r); },
                   std::get_if<ToCallControl>(&out[head])->req);  // the alternative's bytes only
        CcOutputs split{net, out};
        cc_.handle_request_split(req_, now, split);
        for (auto& o : net) {
          if (is_cc_event(o))
            table_.from_call_control(o, now, out);
          else
            pass_on(o, out);
        }
        break;
      }
      case variant_index<log::Event>:
        // The table emitted it for its own levels; the engine's may want less.
        if (!levels_.enabled(std::get_if<log::Event>(&out[head])->id)) out[head].emplace<Handled>();
        break;
      default:  // QueryLocalAddresses, Terminate, and what call control gave
        break;
    }
  }
}

void Engine::to_call_control(const NetInput& in, TimePoint now, std::vector<Action>& out) {
  net_.clear();
  const std::size_t head = out.size();
  CcOutputs split{net_, out};
  cc_.handle_split(in, now, split);  // link PDUs, link states, log events: into `out`
  // A log event call control made for its own levels: the engine's may want
  // less (the demon gives both the same: nothing to do).
  if (filter_cc_logs_)
    for (std::size_t at = head; at < out.size(); ++at)
      if (const auto* ev = std::get_if<log::Event>(&out[at]);
          ev != nullptr && !levels_.enabled(ev->id))
        out[at].emplace<Handled>();
  from_call_control(net_, now, out);  // the CcEvents, through the socket table
}

void Engine::from_call_control(std::vector<NetOutput>& outputs, TimePoint now,
                               std::vector<Action>& out) {
  for (auto& o : outputs) {
    if (is_cc_event(o)) {
      if (stopping()) continue;  // the kernel is closed: the events go nowhere
      const std::size_t head = out.size();
      table_.from_call_control(o, now, out);
      run(head, now, out);
    } else {
      pass_on(o, out);
    }
  }
}

void Engine::pass_on(NetOutput& o, std::vector<Action>& out) {
  switch (o.index()) {
    case index_in<ToLink, NetOutput>():
      out.emplace_back(std::in_place_type<ToLink>, std::move(*std::get_if<ToLink>(&o)));
      break;
    case index_in<LinkState, NetOutput>():
      out.emplace_back(std::in_place_type<LinkState>, *std::get_if<LinkState>(&o));
      break;
    case index_in<log::Event, NetOutput>(): {
      auto& ev = *std::get_if<log::Event>(&o);
      if (levels_.enabled(ev.id)) out.emplace_back(std::in_place_type<log::Event>, std::move(ev));
      break;
    }
    default:  // the CcEvents are the caller's
      break;
  }
}

// Call control is known here only as the interface: it hands over its
// entities' counters (a stand-in network has none). Not the hot path.
Stats Engine::stats() const {
  Stats s;
  s.kernel = kernel_;
  s.kernel.frames_malformed = table_.frames_malformed();
  s.sockets = table_.socket_count();
  s.calls_held = cc_.call_count();
  std::vector<callctl::EntityCounters> entities;
  cc_.entity_counters(entities);
  s.entities.reserve(entities.size());
  for (auto& e : entities) s.entities.push_back(EntityStats{std::move(e), {}});
  return s;
}

}  // namespace atmsigd::engine
