#include "atmsigd/kernel_emu/script.hpp"

#include <cerrno>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "atmsigd/util/atm_text.hpp"

namespace atmsigd::kemu {
namespace {

struct Command {
  std::vector<std::string> words;         // positional words
  std::map<std::string, std::string> kv;  // key=value
};

Command tokenize(const std::string& line) {
  Command c;
  std::istringstream in(line);
  std::string w;
  while (in >> w) {
    if (w[0] == '#') break;
    const auto eq = w.find('=');
    if (eq != std::string::npos && eq > 0 && !c.words.empty())
      c.kv[w.substr(0, eq)] = w.substr(eq + 1);
    else
      c.words.push_back(w);
  }
  return c;
}

std::string get(const Command& c, const std::string& k, const std::string& dflt = "") {
  auto it = c.kv.find(k);
  return it == c.kv.end() ? dflt : it->second;
}

int type_of(const std::string& s) {
  if (s == "okay") return as_okay;
  if (s == "error") return as_error;
  if (s == "indicate") return as_indicate;
  if (s == "close") return as_close;
  if (s == "modify") return as_modify;
  if (s == "addparty") return as_addparty;
  if (s == "dropparty") return as_dropparty;
  throw std::invalid_argument("unknown frame type \"" + s +
                              "\" (okay, error, indicate, close, modify, addparty, dropparty)");
}

// modify-answer: okay (as_okay), none (no answer) or a negative errno (as_error).
std::optional<int> answer_of(const std::string& s) {
  if (s.empty() || s == "okay") return 0;
  if (s == "none") return std::nullopt;
  const int e = std::stoi(s);
  if (e >= 0)
    throw std::invalid_argument("modify-answer: \"" + s +
                                "\" is not okay, none or a negative errno");
  return e;
}

}  // namespace

Vcc ScriptRunner::vcc_for(const std::string& name) {
  auto it = names_.find(name);
  if (it != names_.end()) return it->second;
  const Vcc v = next_vcc_;
  next_vcc_ += 0x1000;
  names_[name] = v;
  return v;
}

bool ScriptRunner::fail(const std::string& why) {
  ++failures_;
  out_ << "FAIL: " << why << "\n";
  return false;
}

bool ScriptRunner::send(const Message& m) {
  out_ << "-> " << m.summary() << "\n";
  const Bytes b = atmsvc::encode(m);
  std::string err;
  if (!client_.send(ByteView(b), err)) return fail(err);
  return true;
}

bool ScriptRunner::pump(std::chrono::milliseconds timeout) {
  auto frame = client_.receive(timeout);
  if (!frame) return false;
  auto d = atmsvc::decode(ByteView(*frame));
  if (!d.msg) {
    fail("demon sent a bad frame: " + d.error->what);
    return true;
  }
  out_ << "<- " << d.msg->summary() << "\n";
  auto r = model_.on_demon(*d.msg);
  for (const auto& v : r.violations) fail("protocol violation: " + v);
  unmatched_.push_back(*d.msg);
  for (const auto& reply : r.replies) send(reply);
  return true;
}

bool ScriptRunner::run_lines(const std::vector<std::string>& lines) {
  bool ok = true;
  for (const auto& l : lines) ok = run_line(l) && ok;
  return ok;
}

bool ScriptRunner::run_line(const std::string& line) {
  Command c;
  try {
    c = tokenize(line);
    if (c.words.empty()) return true;
    const std::string& op = c.words[0];
    auto need = [&](std::size_t n) {
      if (c.words.size() < n + 1)
        throw std::invalid_argument(op + " needs " + std::to_string(n) + " argument(s)");
    };
    // pvc=[ITF.]VPI.VCI: a connection identifier the user of signaling
    // supplies (a switch controller, -m switch).
    auto pvc_of = [&](struct sockaddr_atmpvc& pvc) {
      const std::string t = get(c, "pvc");
      if (t.empty()) return;
      auto p = parse_pvc_address(t);
      if (!p) throw std::invalid_argument("bad pvc " + t);
      pvc = *p;
    };
    // Q.2971 / UNI 4.0 LIJ (docs/multipoint.md): a bare word "multipoint"
    // (SO_MULTIPOINT: the connect carries a session number, a root), and
    // lij=TYPE:ID on the called address (sockaddr_atmsvc lij_type, lij_id;
    // TYPE none, join, rpj or nj as ATM_LIJ_*).
    auto flag = [&](const std::string& w) {
      for (std::size_t i = 2; i < c.words.size(); ++i)
        if (c.words[i] == w) return true;
      return false;
    };
    auto lij_of = [&](struct sockaddr_atmsvc& a) {
      const std::string t = get(c, "lij");
      if (t.empty()) return;
      const auto colon = t.find(':');
      const std::string type = t.substr(0, colon);
      static const std::map<std::string, int> kTypes = {
          {"none", ATM_LIJ_NONE}, {"join", ATM_LIJ}, {"rpj", ATM_LIJ_RPJ}, {"nj", ATM_LIJ_NJ}};
      auto k = kTypes.find(type);
      if (k == kTypes.end() || colon == std::string::npos)
        throw std::invalid_argument("lij=" + t + ": TYPE:ID with TYPE none, join, rpj or nj");
      a.sas_addr.lij_type = static_cast<char>(k->second);
      a.sas_addr.lij_id = static_cast<__u32>(std::stoul(t.substr(colon + 1)));
    };
    // ep=N, or ep=NAME: an endpoint reference saved by `expect ... save=NAME`.
    auto ep_of = [&](const std::string& t) {
      if (auto v = eps_.find(t); v != eps_.end()) return v->second;
      return std::stoi(t);
    };
    if (op == "connect") {
      need(1);
      struct sockaddr_atmsvc to = svc_address(get(c, "to"));
      lij_of(to);
      Message m = model_.connect(vcc_for(c.words[1]), svc_address(get(c, "from")), to,
                                 qos_from_text(get(c, "qos")), sap_from_text(get(c, "sap")),
                                 flag("multipoint"));
      if (!get(c, "session").empty())
        m.raw().session = static_cast<unsigned>(std::stoul(get(c, "session")));
      pvc_of(m.raw().pvc);
      return send(m);
    }
    if (op == "addparty") {  // ioctl ATM_ADDPARTY
      need(1);
      struct sockaddr_atmsvc to = svc_address(get(c, "to"));
      lij_of(to);
      return send(model_.add_party(vcc_for(c.words[1]), to));
    }
    if (op == "dropparty") {  // ioctl ATM_DROPPARTY
      need(1);
      return send(model_.drop_party(vcc_for(c.words[1]), ep_of(get(c, "ep", "0"))));
    }
    if (op == "identify") {  // switch controller: the CI of the oldest indication
      need(2);
      Message m(as_identify);
      m.set_vcc(vcc_for(c.words[1]));
      m.set_listen_vcc(vcc_for(c.words[2]));
      pvc_of(m.raw().pvc);
      return send(m);
    }
    if (op == "terminate") return send(Message(as_terminate));
    if (op == "listen") {
      need(1);
      return send(model_.listen(vcc_for(c.words[1]), svc_address(get(c, "addr")),
                                qos_from_text(get(c, "qos")), sap_from_text(get(c, "sap"))));
    }
    if (op == "bind") {
      need(1);
      return send(model_.bind(vcc_for(c.words[1]), svc_address(get(c, "addr")),
                              qos_from_text(get(c, "qos"))));
    }
    if (op == "accept") {
      need(2);
      auto m = model_.accept(vcc_for(c.words[1]), vcc_for(c.words[2]));
      if (!m) return fail("accept: " + c.words[2] + " has no pending indication");
      return send(*m);
    }
    if (op == "reject") {
      need(1);
      auto m = model_.reject(vcc_for(c.words[1]), std::stoi(get(c, "reply", "-111")));
      if (!m) return fail("reject: " + c.words[1] + " has no pending indication");
      return send(*m);
    }
    if (op == "modify") {  // Q.2963.1: SO_ATMQOS on a connected SVC
      need(1);
      return send(model_.modify(vcc_for(c.words[1]), qos_from_text(get(c, "qos"))));
    }
    if (op == "modify-answer") {  // how the kernel answers the demon's as_modify
      need(1);
      model_.set_modify_answer(vcc_for(c.words[1]), ModifyAnswer{answer_of(get(c, "reserve")),
                                                                 answer_of(get(c, "set"))});
      return true;
    }
    if (op == "close") {
      need(1);
      return send(model_.close(vcc_for(c.words[1])));
    }
    if (op == "itf_notify") {
      need(1);
      return send(KernelModel::itf_notify(std::stoi(c.words[1])));
    }
    if (op == "raw") {
      Bytes b;
      for (std::size_t i = 1; i < c.words.size(); ++i) {
        const std::string& h = c.words[i];
        for (std::size_t j = 0; j < h.size(); j += 2)
          b.push_back(static_cast<std::uint8_t>(std::stoul(h.substr(j, 2), nullptr, 16)));
      }
      out_ << "-> raw frame of " << b.size() << " octets\n";
      std::string err;
      if (!client_.send(ByteView(b), err)) return fail(err);
      return true;
    }
    if (op == "wait") {
      need(1);
      const auto end =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(std::stoi(c.words[1]));
      while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            end - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pump(left);
      }
      return true;
    }
    if (op == "expect-none") {
      const auto within = std::chrono::milliseconds(std::stoi(get(c, "within", "300")));
      const auto before = unmatched_.size();
      const auto end = std::chrono::steady_clock::now() + within;
      while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            end - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !pump(left)) break;
      }
      if (unmatched_.size() != before)
        return fail("expected no frame, got " + unmatched_.back().summary());
      out_ << "ok: nothing received\n";
      return true;
    }
    if (op == "expect") {
      need(2);
      const Vcc vcc = vcc_for(c.words[1]);
      const int type = type_of(c.words[2]);
      // Party answers: ep=N (or ep=NAME saved before), ep=any (> 0),
      // err=-ERRNO; save=NAME keeps the endpoint reference for dropparty.
      const bool any_ep = get(c, "ep") == "any";
      const bool want_reply =
          c.kv.count("reply") != 0 || c.kv.count("err") != 0 || (c.kv.count("ep") != 0 && !any_ep);
      const int reply = !want_reply                ? 0
                        : c.kv.count("reply") != 0 ? std::stoi(get(c, "reply"))
                        : c.kv.count("err") != 0   ? std::stoi(get(c, "err"))
                                                   : ep_of(get(c, "ep"));
      const auto within = std::chrono::milliseconds(
          std::stoi(get(c, "within", std::to_string(default_timeout.count()))));
      const auto end = std::chrono::steady_clock::now() + within;
      while (true) {
        for (auto it = unmatched_.begin(); it != unmatched_.end(); ++it) {
          const Vcc key = it->type() == as_indicate ? it->listen_vcc() : it->vcc();
          if (it->type() != type || key != vcc) continue;
          const Message m = *it;
          unmatched_.erase(it);
          if (want_reply && m.reply() != reply)
            return fail("expected " + c.words[2] + " with reply " + std::to_string(reply) +
                        ", got " + m.summary());
          if (any_ep && m.reply() <= 0)
            return fail("expected " + c.words[2] + " with an endpoint reference, got " +
                        m.summary());
          if (!get(c, "save").empty()) eps_[get(c, "save")] = m.reply();
          out_ << "ok: " << c.words[1] << " got " << atmsvc::type_name(type) << "\n";
          return true;
        }
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            end - std::chrono::steady_clock::now());
        if (left.count() <= 0 || !pump(left))
          return fail("no " + std::string(atmsvc::type_name(type)) + " for " + c.words[1] +
                      " within " + std::to_string(within.count()) + " ms");
      }
    }
    return fail("unknown command \"" + op + "\"");
  } catch (const std::exception& e) {
    return fail("line \"" + line + "\": " + e.what());
  }
}

}  // namespace atmsigd::kemu
