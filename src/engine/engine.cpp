#include "atmsigd/engine/engine.hpp"

#include <deque>

namespace atmsigd::engine {

using namespace atmsvc;

void Engine::run(std::vector<Action>& actions, TimePoint now, Sink& sink) {
  // Breadth-first, in order: an action's consequences come after the actions
  // already queued, so kernel frames leave in the order they were decided.
  std::deque<Action> q(std::make_move_iterator(actions.begin()),
                       std::make_move_iterator(actions.end()));
  actions.clear();
  std::vector<CcEvent> events;
  std::vector<Action> more;
  while (!q.empty()) {
    Action a = std::move(q.front());
    q.pop_front();
    if (auto* k = std::get_if<ToKernel>(&a)) {
      sink.log(Severity::kDebug, "to kernel: " + k->msg.summary());
      sink.to_kernel(k->msg);
    } else if (auto* c = std::get_if<ToCallControl>(&a)) {
      events.clear();
      cc_.request(c->req, now, events);
      for (const auto& n : cc_.take_notes()) sink.log(Severity::kInfo, "network: " + n);
      for (const auto& e : events) {
        more.clear();
        table_.from_call_control(e, now, more);
        for (auto& m : more) q.push_back(std::move(m));
      }
    } else if (auto* qa = std::get_if<QueryLocalAddresses>(&a)) {
      sink.query_local_addresses(qa->itf);
    } else if (auto* t = std::get_if<Terminate>(&a)) {
      sink.request_shutdown(t->why);
    } else {
      const auto& l = std::get<LogLine>(a);
      sink.log(l.severity, l.text);
    }
  }
}

void Engine::from_kernel(ByteView frame, TimePoint now, Sink& sink) {
  std::vector<Action> actions;
  table_.from_kernel(frame, now, actions);
  run(actions, now, sink);
}

void Engine::handle_timeouts(TimePoint now, Sink& sink) {
  std::vector<Action> actions;
  table_.handle_timeouts(now, actions);
  run(actions, now, sink);
  std::vector<CcEvent> events;
  cc_.handle_timeouts(now, events);
  from_call_control(events, now, sink);
}

void Engine::from_call_control(const std::vector<CcEvent>& events, TimePoint now, Sink& sink) {
  for (const auto& n : cc_.take_notes()) sink.log(Severity::kInfo, "network: " + n);
  std::vector<Action> actions;
  for (const auto& e : events) {
    table_.from_call_control(e, now, actions);
    run(actions, now, sink);
  }
}

void Engine::set_local_addresses(int itf, std::vector<struct sockaddr_atmsvc> addrs, TimePoint now,
                                 Sink& sink) {
  std::vector<Action> actions;
  table_.set_local_addresses(itf, std::move(addrs), actions);
  run(actions, now, sink);
}

void Engine::shutdown(TimePoint now, Sink& sink) {
  std::vector<Action> actions;
  table_.shutdown(actions);
  run(actions, now, sink);
}

std::optional<TimePoint> Engine::next_deadline() const {
  return earliest(table_.next_deadline(), cc_.next_deadline());
}

}  // namespace atmsigd::engine
