// Drives the socket machines against the kernel model in virtual time, with
// call control played by the test: every frame the demon sends is checked by
// the kernel model, and the kernel's automatic answers are fed back.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <variant>
#include <vector>

#include "atmsigd/atmsvc/socket_table.hpp"
#include "atmsigd/kernel_emu/kernel_model.hpp"
#include "atmsigd/log/format.hpp"

namespace atmsigd::test {

using namespace atmsigd::atmsvc;
using kemu::KernelModel;

// Whether an event of this level, formatted, contains needle.
inline bool logged(const std::vector<log::Event>& logs, log::Level level,
                   const std::string& needle) {
  for (const auto& e : logs)
    if (log::spec(e.id).level == level && log::format(e).find(needle) != std::string::npos)
      return true;
  return false;
}

inline const char* kAddrA = "47.0005.80ffe1000000f21a26d8.0020ea000ee0.00";
inline const char* kAddrB = "47.0005.80ffe1000000f21a26d8.0020ea000ee1.00";

// A table's actions sorted by kind, in order (one handle() at a time).
struct Out {
  std::vector<Message> to_kernel;
  std::vector<CcRequest> to_cc;
  std::vector<log::Event> logs;
  std::vector<std::string> terminations;
  bool logged(log::Level level, const std::string& needle) const {
    return test::logged(logs, level, needle);
  }
};

inline Out split(const std::vector<Action>& actions) {
  Out o;
  for (const auto& a : actions) {
    if (const auto* k = std::get_if<ToKernel>(&a)) o.to_kernel.push_back(k->msg);
    if (const auto* c = std::get_if<ToCallControl>(&a)) o.to_cc.push_back(c->req);
    if (const auto* l = std::get_if<log::Event>(&a)) o.logs.push_back(*l);
    if (const auto* t = std::get_if<Terminate>(&a)) o.terminations.push_back(t->why);
  }
  return o;
}

struct Harness {
  SocketTable table;
  KernelModel kernel;
  TimePoint now{};
  std::vector<Message> to_kernel;  // everything the demon sent to the kernel
  std::deque<CcRequest> to_cc;     // requests not yet consumed by the test
  std::vector<log::Event> logs;
  std::vector<int> queried_itfs;
  std::vector<std::string> terminations;  // Terminate actions (switch mode)

  explicit Harness(SocketTableParams p = {}, bool auto_ack = true) : table(p), kernel(auto_ack) {}

  void kernel_sends(const Message& m) {
    std::vector<Action> out;
    table.from_kernel(m, now, out);
    drain(out);
  }
  void kernel_sends_bytes(const Bytes& b) {
    std::vector<Action> out;
    table.from_kernel(ByteView(b), now, out);
    drain(out);
  }
  void cc_sends(const CcEvent& e) {
    std::vector<Action> out;
    table.from_call_control(e, now, out);
    drain(out);
  }
  void advance(Duration d) {
    const TimePoint end = now + d;
    while (auto dl = table.next_deadline()) {
      if (*dl > end) break;
      now = *dl;
      std::vector<Action> out;
      table.handle_timeouts(now, out);
      drain(out);
    }
    now = end;
  }
  void drain(std::vector<Action>& out) {
    std::deque<Action> q(out.begin(), out.end());
    while (!q.empty()) {
      Action a = std::move(q.front());
      q.pop_front();
      if (auto* k = std::get_if<ToKernel>(&a)) {
        to_kernel.push_back(k->msg);
        auto r = kernel.on_demon(k->msg);
        for (const auto& v : r.violations) ADD_FAILURE() << "kernel model: " << v;
        for (const auto& reply : r.replies) {
          std::vector<Action> more;
          table.from_kernel(reply, now, more);
          q.insert(q.end(), more.begin(), more.end());
        }
      } else if (auto* c = std::get_if<ToCallControl>(&a)) {
        to_cc.push_back(c->req);
      } else if (auto* qa = std::get_if<QueryLocalAddresses>(&a)) {
        queried_itfs.push_back(qa->itf);
      } else if (auto* t = std::get_if<Terminate>(&a)) {
        terminations.push_back(t->why);
      } else {
        logs.push_back(std::get<log::Event>(a));
      }
    }
  }
  template <typename T>
  T take_cc() {
    EXPECT_FALSE(to_cc.empty()) << "expected a call-control request";
    if (to_cc.empty()) return T{};
    auto* p = std::get_if<T>(&to_cc.front());
    EXPECT_NE(p, nullptr) << "call-control request of another type (index " << to_cc.front().index()
                          << ")";
    T t = p != nullptr ? *p : T{};
    to_cc.pop_front();
    return t;
  }
  const Message& last_to_kernel() const { return to_kernel.back(); }
  bool logged(log::Level level, const std::string& needle) const {
    return test::logged(logs, level, needle);
  }

  // Convenience wrappers around the kernel model.
  void connect(Vcc vcc, const std::string& to = kAddrB, const std::string& qos = "ubr") {
    kernel_sends(kernel.connect(vcc, kemu::svc_address(""), kemu::svc_address(to),
                                kemu::qos_from_text(qos), kemu::sap_from_text("")));
  }
  void listen(Vcc vcc, const std::string& addr = kAddrA, const std::string& sap = "",
              const std::string& qos = "ubr") {
    kernel_sends(kernel.listen(vcc, kemu::svc_address(addr), kemu::qos_from_text(qos),
                               kemu::sap_from_text(sap)));
  }
  CcEstablished established(SockId sock, short vci = 32) {
    CcEstablished e{};
    e.sock = sock;
    e.pvc.sap_family = AF_ATMPVC;
    e.pvc.sap_addr.vci = vci;
    e.local = kemu::svc_address(kAddrA);
    e.qos = kemu::qos_from_text("ubr");
    return e;
  }
  CcIncoming incoming(CallId call, const std::string& called = kAddrA, const std::string& sap = "",
                      const std::string& qos = "ubr") {
    CcIncoming i{};
    i.call = call;
    i.pvc.sap_family = AF_ATMPVC;
    i.pvc.sap_addr.vci = static_cast<int>(32 + call);
    i.called = kemu::svc_address(called);
    i.calling = kemu::svc_address(kAddrB);
    i.sap = kemu::sap_from_text(sap);
    i.qos = kemu::qos_from_text(qos);
    return i;
  }
};

}  // namespace atmsigd::test
